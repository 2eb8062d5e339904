package proctor

import (
	"errors"
	"testing"
	"time"

	"github.com/hirebus/hirebus/events"
)

func rule(t *testing.T, id string) Rule {
	t.Helper()
	for _, r := range Defaults {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no default rule %q", id)
	return Rule{}
}

// TestDefaultRuleEdges checks every default rule just below and at/over its
// threshold.
func TestDefaultRuleEdges(t *testing.T) {
	cases := []struct {
		rule       string
		below, hit map[string]float64
		severity   Severity
	}{
		{"tab_hidden_often", map[string]float64{MTabHiddenCount: 2}, map[string]float64{MTabHiddenCount: 3}, High},
		{"tab_hidden_long", map[string]float64{MTabHiddenMS: 10_000}, map[string]float64{MTabHiddenMS: 10_001}, High},
		{"face_absent", map[string]float64{MFramesChecked: 10, MFramesAbsent: 1}, map[string]float64{MFramesChecked: 10, MFramesAbsent: 2}, High},
		{"faces_multiple", map[string]float64{MFacesMultiple: 0}, map[string]float64{MFacesMultiple: 1}, Critical},
		{"face_mismatch", map[string]float64{MFaceMismatch: 0}, map[string]float64{MFaceMismatch: 1}, Critical},
		{"paste_code_large", map[string]float64{MPasteCodeMax: 200}, map[string]float64{MPasteCodeMax: 201}, Medium},
		{"devtools", map[string]float64{}, map[string]float64{MDevtoolsCount: 1}, Medium},
		{"screens_multiple", map[string]float64{MScreensMax: 1}, map[string]float64{MScreensMax: 2}, Medium},
		{"fullscreen_exit", map[string]float64{}, map[string]float64{MFullscreenExits: 1}, Low},
		{"blur_often", map[string]float64{MBlurCount: 4}, map[string]float64{MBlurCount: 5}, Low},
		{"idle_long", map[string]float64{MIdleMaxMS: 299_999}, map[string]float64{MIdleMaxMS: 300_000}, Info},
		{"offline", map[string]float64{}, map[string]float64{MOfflineCount: 1}, Info},
		{"typing_burst", map[string]float64{MKeystrokeMaxCPS: 25}, map[string]float64{MKeystrokeMaxCPS: 25.1}, Low},
	}
	seen := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			r := rule(t, tc.rule)
			seen[r.ID] = true
			if r.Holds(tc.below) {
				t.Errorf("fires below the threshold: %v", tc.below)
			}
			if !r.Holds(tc.hit) {
				t.Errorf("does not fire at %v", tc.hit)
			}
			if r.Severity != tc.severity {
				t.Errorf("severity %s, want %s", r.Severity, tc.severity)
			}
		})
	}
	for _, r := range Defaults {
		if !seen[r.ID] {
			t.Errorf("default rule %s has no edge case", r.ID)
		}
	}
}

func TestFaceAbsentNeedsFrames(t *testing.T) {
	r := rule(t, "face_absent")
	if r.Holds(map[string]float64{MFramesChecked: 4, MFramesAbsent: 4}) {
		t.Fatal("fired before min_frames frames were checked")
	}
	if !r.Holds(map[string]float64{MFramesChecked: 5, MFramesAbsent: 1}) {
		t.Fatal("1 of 5 frames absent (20 %) did not fire")
	}
}

func TestScoreArithmetic(t *testing.T) {
	cases := []struct {
		name string
		d    map[string]int
		want int
	}{
		{"none", nil, 100},
		{"one medium", map[string]int{"devtools": Medium.Deduction()}, 85},
		{"high and critical", map[string]int{"a": High.Deduction(), "b": Critical.Deduction()}, 35},
		{"floor at zero", map[string]int{"a": 40, "b": 40, "c": 40}, 0},
		{"custom", map[string]int{"a": 7, "b": 3}, 90},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := Score(tc.d); got != tc.want {
				t.Fatalf("Score = %d, want %d", got, tc.want)
			}
		})
	}
	if Info.Deduction() != 0 || Low.Deduction() != 5 || Medium.Deduction() != 15 || High.Deduction() != 25 || Critical.Deduction() != 40 {
		t.Fatal("severity deductions changed")
	}
}

func TestFireOncePerRule(t *testing.T) {
	c := map[string]float64{MDevtoolsCount: 1, MTabHiddenCount: 3}
	fired := map[string]int{}
	got := Fire(Defaults, c, fired)
	if len(got) != 2 || got[0].ID != "tab_hidden_often" || got[1].ID != "devtools" {
		t.Fatalf("fired %+v", got)
	}
	for _, r := range got {
		fired[r.ID] = r.Points()
	}
	c[MDevtoolsCount] = 5
	if again := Fire(Defaults, c, fired); len(again) != 0 {
		t.Fatalf("fired again: %+v", again)
	}
	if Score(fired) != 100-25-15 {
		t.Fatalf("score %d", Score(fired))
	}
}

func TestMerge(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	sev := func(s Severity) *Severity { return &s }
	b := func(v bool) *bool { return &v }
	rules, err := Merge([]Override{
		{ID: "tab_hidden_often", Threshold: f(1), Severity: sev(Critical)},
		{ID: "devtools", Disabled: b(true)},
		{ID: "copy_any", Metric: MCopyCount, Op: ">=", Threshold: f(1), Severity: sev(Low)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if Defaults[0].Threshold != 3 {
		t.Fatal("Merge changed the defaults table")
	}
	by := map[string]Rule{}
	for _, r := range rules {
		by[r.ID] = r
	}
	if r := by["tab_hidden_often"]; r.Threshold != 1 || r.Severity != Critical || !r.Holds(map[string]float64{MTabHiddenCount: 1}) {
		t.Fatalf("override not applied: %+v", r)
	}
	if by["devtools"].Holds(map[string]float64{MDevtoolsCount: 9}) {
		t.Fatal("disabled rule fired")
	}
	if !by["copy_any"].Holds(map[string]float64{MCopyCount: 1}) {
		t.Fatal("added rule did not fire")
	}
	bad := []struct {
		name  string
		o     Override
		field string
	}{
		{"no id", Override{}, "rules[0].id"},
		{"unknown metric", Override{ID: "x", Metric: "salary", Op: ">", Severity: sev(Low)}, "rules[0].metric"},
		{"bad op", Override{ID: "devtools", Op: "<"}, "rules[0].op"},
		{"bad severity", Override{ID: "devtools", Severity: sev("fatal")}, "rules[0].severity"},
		{"new without severity", Override{ID: "y", Metric: MCopyCount, Op: ">"}, "rules[0].severity"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Merge([]Override{tc.o})
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("err = %v, want field %s", err, tc.field)
			}
		})
	}
}

func TestCountSignals(t *testing.T) {
	var st State
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	sig := func(typ string, at time.Duration, d events.ProctorData) events.ProctorSignal {
		return events.ProctorSignal{Type: typ, At: t0.Add(at), Data: d}
	}
	st.CountSignal(sig(events.SigTabHidden, 0, events.ProctorData{}))
	st.CountSignal(sig(events.SigTabVisible, 4*time.Second, events.ProctorData{})) // duration from the timestamps
	st.CountSignal(sig(events.SigTabHidden, 10*time.Second, events.ProctorData{}))
	st.CountSignal(sig(events.SigTabVisible, 20*time.Second, events.ProctorData{DurationMS: 7000})) // the page's own duration wins
	st.CountSignal(sig(events.SigPaste, 0, events.ProctorData{Length: 500, Target: "text"}))
	st.CountSignal(sig(events.SigPaste, 0, events.ProctorData{Length: 120, Target: "code"}))
	st.CountSignal(sig(events.SigKeystrokes, 0, events.ProctorData{Chars: 30, DurationMS: 1000}))
	st.CountSignal(sig(events.SigKeystrokes, 0, events.ProctorData{Chars: 50, DurationMS: 100})) // too short to judge
	c := st.Counters
	if c[MTabHiddenCount] != 2 || c[MTabHiddenMS] != 11_000 {
		t.Fatalf("tab counters %v", c)
	}
	if c[MPasteMax] != 500 || c[MPasteCodeMax] != 120 {
		t.Fatalf("paste counters %v", c)
	}
	if c[MKeystrokeMaxCPS] != 30 {
		t.Fatalf("cps %v", c[MKeystrokeMaxCPS])
	}
	if k := st.CountFrame(events.ProctorFrame{Faces: 0, Alerts: []string{events.EvtFaceAbsent}}); k != events.EvtFaceAbsent {
		t.Fatalf("frame kind %s", k)
	}
	if k := st.CountFrame(events.ProctorFrame{Faces: 1, Alerts: []string{}}); k != events.FrameChecked {
		t.Fatalf("frame kind %s", k)
	}
	if c[MFramesChecked] != 2 || c[MFramesAbsent] != 1 || metric(c, MFaceAbsentRatio) != 0.5 {
		t.Fatalf("frame counters %v", c)
	}
}
