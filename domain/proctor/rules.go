// Package proctor owns proctoring: the proctor_logs of every attempt (browser
// signals and frame checks), the rules that turn them into violations with
// severities and evidence, the per-attempt trust score and flag, and who may
// read them. The rules are data (Defaults, overridable per assessment) so a
// company can tune them without a release; a flag is advice to a human and
// never rejects anyone by itself.
package proctor

import (
	"fmt"

	"github.com/hirebus/hirebus/events"
)

// Severity of a log entry or violation.
type Severity string

// Severities, mildest first.
const (
	Info     Severity = "info"
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Deduction is the trust-score points a severity costs by default.
func (s Severity) Deduction() int {
	switch s {
	case Low:
		return 5
	case Medium:
		return 15
	case High:
		return 25
	case Critical:
		return 40
	}
	return 0
}

func (s Severity) valid() bool {
	switch s {
	case Info, Low, Medium, High, Critical:
		return true
	}
	return false
}

// Metrics the rules read: counters kept per attempt by Apply.
const (
	MTabHiddenCount   = "tab_hidden_count"
	MTabHiddenMS      = "tab_hidden_ms"
	MBlurCount        = "blur_count"
	MFullscreenExits  = "fullscreen_exit_count"
	MPasteCodeMax     = "paste_code_max_len" // longest paste into a code answer
	MPasteMax         = "paste_max_len"      // longest paste anywhere
	MCopyCount        = "copy_count"
	MContextMenuCount = "context_menu_count"
	MDevtoolsCount    = "devtools_count"
	MScreensMax       = "screens_max"
	MIdleMaxMS        = "idle_max_ms"
	MOfflineCount     = "offline_count"
	MFramesChecked    = "frames_checked"
	MFramesAbsent     = "frames_absent"
	MFaceAbsentRatio  = "face_absent_ratio" // frames_absent / frames_checked
	MFacesMultiple    = "faces_multiple_count"
	MFaceMismatch     = "face_mismatch_count"
	MKeystrokeMaxCPS  = "keystroke_max_cps" // fastest burst, characters per second
)

var knownMetrics = map[string]bool{MTabHiddenCount: true, MTabHiddenMS: true, MBlurCount: true, MFullscreenExits: true,
	MPasteCodeMax: true, MPasteMax: true, MCopyCount: true, MContextMenuCount: true, MDevtoolsCount: true, MScreensMax: true,
	MIdleMaxMS: true, MOfflineCount: true, MFramesChecked: true, MFramesAbsent: true, MFaceAbsentRatio: true,
	MFacesMultiple: true, MFaceMismatch: true, MKeystrokeMaxCPS: true}

// Rule fires once per attempt when Metric Op Threshold holds (and, with
// MinFrames, once at least that many frames were checked). Deduction 0 takes
// the severity's default; Disabled switches a default rule off.
type Rule struct {
	ID          string   `json:"id"`
	Metric      string   `json:"metric"`
	Op          string   `json:"op"` // ">=" or ">"
	Threshold   float64  `json:"threshold"`
	Severity    Severity `json:"severity"`
	Deduction   int      `json:"deduction,omitempty"`
	MinFrames   int      `json:"min_frames,omitempty"`
	Disabled    bool     `json:"disabled,omitempty"`
	Description string   `json:"description"`
}

// Points is what firing the rule deducts from the trust score.
func (r Rule) Points() int {
	if r.Deduction > 0 {
		return r.Deduction
	}
	return r.Severity.Deduction()
}

// Holds reports whether the rule fires on the counters.
func (r Rule) Holds(c map[string]float64) bool {
	if r.Disabled {
		return false
	}
	if r.MinFrames > 0 && c[MFramesChecked] < float64(r.MinFrames) {
		return false
	}
	v := metric(c, r.Metric)
	switch r.Op {
	case ">":
		return v > r.Threshold
	case ">=":
		return v >= r.Threshold
	}
	return false
}

func metric(c map[string]float64, m string) float64 {
	if m == MFaceAbsentRatio {
		if c[MFramesChecked] == 0 {
			return 0
		}
		return c[MFramesAbsent] / c[MFramesChecked]
	}
	return c[m]
}

// DefaultFlagAt is the trust score at or below which an attempt is flagged
// for a human to look at.
const DefaultFlagAt = 75

// Defaults is the one table of rules every assessment starts from.
var Defaults = []Rule{
	{ID: "tab_hidden_often", Metric: MTabHiddenCount, Op: ">=", Threshold: 3, Severity: High, Description: "left the tab 3 times or more"},
	{ID: "tab_hidden_long", Metric: MTabHiddenMS, Op: ">", Threshold: 10_000, Severity: High, Description: "the tab was hidden more than 10 s in total"},
	{ID: "face_absent", Metric: MFaceAbsentRatio, Op: ">", Threshold: 0.10, MinFrames: 5, Severity: High, Description: "no face in more than 10 % of the checked frames"},
	{ID: "faces_multiple", Metric: MFacesMultiple, Op: ">=", Threshold: 1, Severity: Critical, Description: "several faces in a frame"},
	{ID: "face_mismatch", Metric: MFaceMismatch, Op: ">=", Threshold: 1, Severity: Critical, Description: "a different person in a frame"},
	{ID: "paste_code_large", Metric: MPasteCodeMax, Op: ">", Threshold: 200, Severity: Medium, Description: "pasted more than 200 characters into a code answer"},
	{ID: "devtools", Metric: MDevtoolsCount, Op: ">=", Threshold: 1, Severity: Medium, Description: "opened the browser's developer tools"},
	{ID: "screens_multiple", Metric: MScreensMax, Op: ">", Threshold: 1, Severity: Medium, Description: "more than one screen attached"},
	{ID: "fullscreen_exit", Metric: MFullscreenExits, Op: ">=", Threshold: 1, Severity: Low, Description: "left full screen"},
	{ID: "blur_often", Metric: MBlurCount, Op: ">=", Threshold: 5, Severity: Low, Description: "the window lost focus 5 times or more"},
	{ID: "idle_long", Metric: MIdleMaxMS, Op: ">=", Threshold: 300_000, Severity: Info, Description: "idle for 5 minutes or more"},
	{ID: "offline", Metric: MOfflineCount, Op: ">=", Threshold: 1, Severity: Info, Description: "went offline"},
	{ID: "typing_burst", Metric: MKeystrokeMaxCPS, Op: ">", Threshold: 25, Severity: Low, Description: "typed faster than 25 characters per second"},
}

// Override changes one rule for an assessment (by ID), or adds a rule when
// the ID is new (then Metric, Op and Severity are required).
type Override struct {
	ID          string    `json:"id"`
	Metric      string    `json:"metric,omitempty"`
	Op          string    `json:"op,omitempty"`
	Threshold   *float64  `json:"threshold,omitempty"`
	Severity    *Severity `json:"severity,omitempty"`
	Deduction   *int      `json:"deduction,omitempty"`
	MinFrames   *int      `json:"min_frames,omitempty"`
	Disabled    *bool     `json:"disabled,omitempty"`
	Description string    `json:"description,omitempty"`
}

// FieldError is a bad rule override (public code invalid_<field>).
type FieldError = events.FieldError

func invalid(field, msg string) error {
	return &FieldError{Scope: "proctor", Field: field, Message: msg}
}

// Merge applies overrides to Defaults and validates the result.
func Merge(overrides []Override) ([]Rule, error) {
	out := make([]Rule, len(Defaults))
	copy(out, Defaults)
	idx := map[string]int{}
	for i, r := range out {
		idx[r.ID] = i
	}
	for n, o := range overrides {
		field := fmt.Sprintf("rules[%d]", n)
		if o.ID == "" || len(o.ID) > 64 {
			return nil, invalid(field+".id", "1 to 64 characters")
		}
		i, ok := idx[o.ID]
		if !ok {
			out = append(out, Rule{ID: o.ID})
			i = len(out) - 1
			idx[o.ID] = i
		}
		r := &out[i]
		if o.Metric != "" {
			r.Metric = o.Metric
		}
		if o.Op != "" {
			r.Op = o.Op
		}
		if o.Threshold != nil {
			r.Threshold = *o.Threshold
		}
		if o.Severity != nil {
			r.Severity = *o.Severity
		}
		if o.Deduction != nil {
			r.Deduction = *o.Deduction
		}
		if o.MinFrames != nil {
			r.MinFrames = *o.MinFrames
		}
		if o.Disabled != nil {
			r.Disabled = *o.Disabled
		}
		if o.Description != "" {
			r.Description = o.Description
		}
		if !knownMetrics[r.Metric] {
			return nil, invalid(field+".metric", "unknown metric")
		}
		if r.Op != ">" && r.Op != ">=" {
			return nil, invalid(field+".op", `must be ">" or ">="`)
		}
		if !r.Severity.valid() {
			return nil, invalid(field+".severity", "info, low, medium, high or critical")
		}
		if r.Deduction < 0 || r.Deduction > 100 {
			return nil, invalid(field+".deduction", "0 to 100")
		}
		if r.MinFrames < 0 {
			return nil, invalid(field+".min_frames", "must not be negative")
		}
	}
	return out, nil
}

// Score is the trust score after the given deductions: 100 minus their sum,
// never below 0.
func Score(deductions map[string]int) int {
	s := 100
	for _, d := range deductions {
		s -= d
	}
	return max(0, s)
}

// Fire returns the rules that hold on the counters and have not fired yet,
// in table order.
func Fire(rules []Rule, c map[string]float64, fired map[string]int) []Rule {
	var out []Rule
	for _, r := range rules {
		if _, done := fired[r.ID]; done {
			continue
		}
		if r.Holds(c) {
			out = append(out, r)
		}
	}
	return out
}
