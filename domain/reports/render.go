package reports

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hirebus/hirebus/domain/score"
)

// The HTML report: one self-contained document (inline CSS, no script, no
// external resource) whose charts are SVG drawn here on the server. Each
// chart is an <svg role="img"> with a <title> and <desc> and is followed by
// the same numbers as a table, so a screen reader and a printout carry the
// data without the picture. Print CSS keeps charts from breaking across
// pages.

//go:embed templates/*.html
var templatesFS embed.FS

var tmpl = template.Must(template.New("").Funcs(template.FuncMap{
	"pct":      fmtPct,
	"num":      fmtNum,
	"dur":      fmtDur,
	"when":     fmtWhen,
	"sevcolor": sevColor,
	"join":     strings.Join,
	"evidence": func(raw json.RawMessage) string { return evidenceText(raw) },
	"numv":     func(v float64) string { return fmtNum(&v) },
	"mul100":   func(v float64) float64 { return v * 100 },
	"barw": func(p *float64) float64 {
		if p == nil {
			return 0
		}
		return math.Max(0, math.Min(*p, 100)) * 0.8
	},
	"deref": func(v any) any {
		switch p := v.(type) {
		case *int:
			return *p
		case *bool:
			return *p
		case *uint64:
			return *p
		}
		return v
	},
}).ParseFS(templatesFS, "templates/*.html"))

func fmtPct(p *float64) string {
	if p == nil {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", *p)
}

func fmtNum(p *float64) string {
	if p == nil {
		return "—"
	}
	if *p == math.Trunc(*p) {
		return fmt.Sprintf("%.0f", *p)
	}
	return fmt.Sprintf("%.1f", *p)
}

func fmtDur(sec int64) string {
	if sec < 0 {
		return "—"
	}
	return (time.Duration(sec) * time.Second).String()
}

func fmtWhen(t any) string {
	switch v := t.(type) {
	case time.Time:
		return v.UTC().Format("2006-01-02 15:04 UTC")
	case *time.Time:
		if v == nil {
			return "—"
		}
		return v.UTC().Format("2006-01-02 15:04 UTC")
	}
	return ""
}

var sevColors = map[string]string{"info": "#9aa5b1", "low": "#3e7cb1", "medium": "#e0a100", "high": "#d9480f", "critical": "#b00020"}

func sevColor(s string) string {
	if c, ok := sevColors[s]; ok {
		return c
	}
	return "#9aa5b1"
}

var sevRank = map[string]int{"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}

// Bar is one bar of a horizontal bar chart.
type Bar struct {
	Label   string
	Value   string // shown at the bar's end
	Y, W    float64
	Color   string
	Pending bool
}

// Tick is one pixel column of the proctor timeline strip.
type Tick struct {
	X     float64
	Color string
	Sev   string
}

// Column is one histogram bin.
type Column struct {
	X, Y, W, H float64
	Label      string
	Count      int
	Mine       bool
}

// page is what the report template draws.
type page struct {
	R Report
	// Charts.
	ChartW      float64
	SectionBars []Bar
	SectionH    float64
	QuestionBar []Bar
	QuestionH   float64
	Ticks       []Tick
	FlagTicks   []Tick
	StripW      float64
	Minutes     []Column // axis labels of the strip (X, Label)
	Hist        []Column
	HistMax     int
	MineX       *float64
	Counts      []kindCount
	Review      []ReviewRow
}

type kindCount struct {
	Kind string
	N    int
}

const (
	chartW   = 640.0
	labelW   = 170.0
	barH     = 22.0
	stripW   = 600.0
	histH    = 120.0
	barSpace = chartW - labelW - 70
)

func barColor(p *float64) string {
	switch {
	case p == nil:
		return "#9aa5b1"
	case *p >= 70:
		return "#2b8a3e"
	case *p >= 40:
		return "#e0a100"
	}
	return "#c92a2a"
}

func layout(r Report) page {
	p := page{R: r, ChartW: chartW, StripW: stripW, Review: reviewRows(r.Review)}
	for i, s := range r.Sections {
		w := 0.0
		if s.Percent != nil {
			w = barSpace * math.Max(0, math.Min(*s.Percent, 100)) / 100
		}
		sc := s.Score
		p.SectionBars = append(p.SectionBars, Bar{Label: fmt.Sprintf("%s (%d)", s.Kind, s.Questions), Value: fmt.Sprintf("%s / %s", fmtNum(&sc), fmtNum(&s.MaxScore)),
			Y: float64(i) * (barH + 8), W: w, Color: barColor(s.Percent), Pending: s.Pending > 0})
	}
	p.SectionH = float64(len(r.Sections))*(barH+8) + 4
	for i, q := range r.Questions {
		var pc *float64
		w := 0.0
		if q.Score != nil && q.Points > 0 {
			v := *q.Score / float64(q.Points) * 100
			pc = &v
			w = barSpace * math.Max(0, math.Min(v, 100)) / 100
		}
		val := fmt.Sprintf("%s / %d", fmtNum(q.Score), q.Points)
		if q.Status == "grading" || q.Status == "manual" {
			val = q.Status
		}
		p.QuestionBar = append(p.QuestionBar, Bar{Label: fmt.Sprintf("Q%d %s", q.Ordinal, q.Kind), Value: val, Y: float64(i) * (barH + 6), W: w, Color: barColor(pc)})
	}
	p.QuestionH = float64(len(r.Questions))*(barH+6) + 4

	// The strip: one column per pixel, coloured by the most severe event
	// that falls in it (2,000 events draw as at most 600 marks).
	span := float64(r.Time.AllowedSeconds * 1000)
	if r.Time.UsedSeconds*1000 > int64(span) {
		span = float64(r.Time.UsedSeconds * 1000)
	}
	if span <= 0 {
		span = 1
	}
	cols := map[int]string{}
	for _, m := range r.Proctor.Timeline {
		x := int(math.Max(0, math.Min(float64(m.T)/span*stripW, stripW-1)))
		if old, ok := cols[x]; !ok || sevRank[m.Severity] > sevRank[old] {
			cols[x] = m.Severity
		}
	}
	xs := make([]int, 0, len(cols))
	for x := range cols {
		xs = append(xs, x)
	}
	sort.Ints(xs)
	for _, x := range xs {
		p.Ticks = append(p.Ticks, Tick{X: float64(x), Color: sevColor(cols[x]), Sev: cols[x]})
	}
	start := r.Time.StartedAt.UnixMilli()
	for _, v := range r.Proctor.Violations {
		t := float64(v.Created.UnixMilli() - start)
		x := math.Max(0, math.Min(t/span*stripW, stripW-1))
		p.FlagTicks = append(p.FlagTicks, Tick{X: x, Color: sevColor(v.Severity), Sev: v.RuleID})
	}
	minutes := span / 60000
	step := math.Max(1, math.Ceil(minutes/6))
	for m := 0.0; m <= minutes; m += step {
		p.Minutes = append(p.Minutes, Column{X: m * 60000 / span * stripW, Label: fmt.Sprintf("%.0f min", m)})
	}
	for k, n := range r.Proctor.Counts {
		p.Counts = append(p.Counts, kindCount{k, n})
	}
	sort.Slice(p.Counts, func(i, j int) bool {
		if p.Counts[i].N != p.Counts[j].N {
			return p.Counts[i].N > p.Counts[j].N
		}
		return p.Counts[i].Kind < p.Counts[j].Kind
	})

	// The cohort histogram with the candidate's bin marked.
	for _, n := range r.Cohort.Bins {
		p.HistMax = max(p.HistMax, n)
	}
	mine := -1
	if r.Percent != nil {
		mine = max(0, min(int(*r.Percent/10), 9))
		x := math.Max(0, math.Min(*r.Percent, 100)) / 100 * stripW
		p.MineX = &x
	}
	colW := stripW / 10
	for i, n := range r.Cohort.Bins {
		h := 0.0
		if p.HistMax > 0 {
			h = float64(n) / float64(p.HistMax) * histH
		}
		label := fmt.Sprintf("%d–%d%%", i*10, i*10+10)
		p.Hist = append(p.Hist, Column{X: float64(i) * colW, Y: histH - h, W: colW - 4, H: h, Label: label, Count: n, Mine: i == mine})
	}
	return p
}

// HTML writes the report as an HTML document.
func HTML(w io.Writer, r Report) error {
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "report.html", layout(r)); err != nil {
		return fmt.Errorf("reports: html: %w", err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// CompareHTML writes the side-by-side comparison of a job's candidates.
func CompareHTML(w io.Writer, c Comparison) error {
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "compare.html", c); err != nil {
		return fmt.Errorf("reports: compare html: %w", err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// ReviewRow is one question of the scored review as the report shows it:
// the rubric's result beside the LLM's review of the same question.
type ReviewRow struct {
	Ordinal   int
	Kind      string
	Rubric    string
	Findings  string
	LLMScore  string
	Strengths string
	Concerns  string
	Rationale string
}

func reviewRows(rv *score.Review) []ReviewRow {
	if rv == nil {
		return nil
	}
	llm := map[uint64]score.LLMQuestion{}
	for _, q := range rv.LLM.Questions {
		llm[q.QuestionID] = q
	}
	out := make([]ReviewRow, 0, len(rv.Rubric.Questions))
	for _, q := range rv.Rubric.Questions {
		sc := q.Score
		row := ReviewRow{Ordinal: q.Ordinal, Kind: q.Kind, Rubric: fmt.Sprintf("%s / %d (%s)", fmtNum(&sc), q.Points, q.Status), LLMScore: "—"}
		if q.TestsTotal > 0 {
			row.Rubric += fmt.Sprintf(", tests %d/%d", q.TestsPassed, q.TestsTotal)
		}
		if q.TimeShare != nil {
			row.Rubric += fmt.Sprintf(", time %.0f%% of limit", *q.TimeShare*100)
		}
		if q.MemoryShare != nil {
			row.Rubric += fmt.Sprintf(", memory %.0f%% of limit", *q.MemoryShare*100)
		}
		var fs []string
		for _, f := range q.Findings {
			if f.Available {
				fs = append(fs, fmt.Sprintf("%s: %d", f.Tool, f.Count))
			}
		}
		if q.Size != nil {
			fs = append(fs, fmt.Sprintf("%d lines, cyclomatic %d", q.Size.CodeLines, q.Size.Cyclomatic))
		}
		row.Findings = strings.Join(fs, "; ")
		if l, ok := llm[q.QuestionID]; ok {
			row.LLMScore = strconv.Itoa(l.Score)
			row.Strengths, row.Concerns, row.Rationale = strings.Join(l.Strengths, "; "), strings.Join(l.Concerns, "; "), l.Rationale
		}
		out = append(out, row)
	}
	return out
}

// evidenceText is a signal's evidence on one line: its fields in order,
// cut to 240 characters.
func evidenceText(raw []byte) string {
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil || len(m) == 0 {
		return clip(string(raw), 240)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		v, _ := json.Marshal(m[k])
		parts = append(parts, k+"="+string(v))
	}
	return clip(strings.Join(parts, ", "), 240)
}
