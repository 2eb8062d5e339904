package reports

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/go-pdf/fpdf"
)

// PDF writes the report as a PDF with go-pdf/fpdf: pure Go, no browser and
// no network, the same charts as the HTML drawn with the PDF's own vector
// primitives. The core fonts cover Latin-1 (cp1252); other characters are
// replaced.
func PDF(out io.Writer, r Report) error {
	p := layout(r)
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetTitle("Report: "+r.Candidate.Name+" - "+r.Assessment.Title, true)
	pdf.SetCreator("hirebus", true)
	pdf.SetMargins(14, 14, 14)
	pdf.SetAutoPageBreak(true, 14)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.AddPage()
	const pageW = 182.0 // A4 width minus margins

	text := func(size float64, style, s string) {
		pdf.SetFont("Helvetica", style, size)
		pdf.MultiCell(pageW, size*0.5, tr(s), "", "L", false)
	}
	heading := func(s string) {
		pdf.Ln(3)
		if pdf.GetY() > 250 {
			pdf.AddPage()
		}
		text(13, "B", s)
		y := pdf.GetY()
		pdf.SetDrawColor(208, 215, 222)
		pdf.Line(14, y, 14+pageW, y)
		pdf.Ln(2)
	}
	rgb := func(hex string) (int, int, int) {
		v, _ := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
		return int(v >> 16 & 0xff), int(v >> 8 & 0xff), int(v & 0xff)
	}
	bars := func(list []Bar) {
		for _, b := range list {
			if pdf.GetY() > 270 {
				pdf.AddPage()
			}
			y := pdf.GetY()
			pdf.SetFont("Helvetica", "", 9)
			pdf.SetXY(14, y)
			pdf.CellFormat(48, 5, tr(b.Label), "", 0, "L", false, 0, "")
			pdf.SetFillColor(238, 241, 244)
			pdf.Rect(64, y+0.5, 100, 4, "F")
			cr, cg, cb := rgb(b.Color)
			pdf.SetFillColor(cr, cg, cb)
			if b.W > 0 {
				pdf.Rect(64, y+0.5, b.W/barSpace*100, 4, "F")
			}
			pdf.SetXY(166, y)
			pdf.CellFormat(30, 5, tr(b.Value), "", 1, "L", false, 0, "")
		}
	}
	row := func(widths []float64, cells []string, bold bool) {
		style := ""
		if bold {
			style = "B"
		}
		pdf.SetFont("Helvetica", style, 8.5)
		if pdf.GetY() > 272 {
			pdf.AddPage()
		}
		for i, c := range cells {
			pdf.CellFormat(widths[i], 5, tr(clip(c, int(widths[i]*0.55))), "1", 0, "L", false, 0, "")
		}
		pdf.Ln(-1)
	}

	text(17, "B", r.Candidate.Name+" - "+r.Assessment.Title)
	text(9, "", fmt.Sprintf("Report version %d, generated %s; attempt %d; status %s", r.Version, fmtWhen(r.GeneratedAt), r.AttemptID, r.Status))
	pdf.Ln(2)
	trust := "not flagged"
	if r.Proctor.Flagged {
		trust = "flagged for review"
	}
	row([]float64{36, 36, 36, 37, 37}, []string{"Score", "Tests passed", "Time used", "Trust score", "Percentile"}, true)
	row([]float64{36, 36, 36, 37, 37}, []string{
		fmt.Sprintf("%s / %s (%s)", fmtNum(r.Score), fmtNum(&r.MaxScore), fmtPct(r.Percent)),
		fmt.Sprintf("%d / %d", r.Tests.Passed, r.Tests.Total),
		fmtDur(r.Time.UsedSeconds) + " of " + fmtDur(r.Time.AllowedSeconds),
		fmt.Sprintf("%d, %s", r.Proctor.TrustScore, trust),
		fmt.Sprintf("%s of %d", fmtPct(r.Cohort.Percentile), r.Cohort.Graded),
	}, false)
	text(8, "I", "The trust score comes from proctoring and is shown beside the skill score, never mixed into it.")

	heading("Score breakdown")
	bars(p.SectionBars)
	heading("Per-question results")
	bars(p.QuestionBar)
	w := []float64{10, 80, 16, 26, 30, 20}
	row(w, []string{"#", "Question", "Kind", "Score", "Tests", "Status"}, true)
	for _, q := range r.Questions {
		tests := "-"
		if q.TestsTotal != nil && q.TestsPassed != nil {
			tests = fmt.Sprintf("%d / %d", *q.TestsPassed, *q.TestsTotal)
		} else if q.Right != nil {
			tests = map[bool]string{true: "right", false: "wrong"}[*q.Right]
		}
		row(w, []string{strconv.Itoa(q.Ordinal), q.Title, q.Kind, fmt.Sprintf("%s / %d", fmtNum(q.Score), q.Points), tests, q.Status}, false)
	}

	heading("Proctoring")
	text(9, "", fmt.Sprintf("Trust score %d (flagged at %d or below); %d events; %d flags.", r.Proctor.TrustScore, r.Proctor.FlagAt, r.Proctor.Events, len(r.Proctor.Violations)))
	if pdf.GetY() > 250 {
		pdf.AddPage()
	}
	y := pdf.GetY() + 4
	scale := pageW / p.StripW
	pdf.SetFillColor(246, 248, 250)
	pdf.SetDrawColor(208, 215, 222)
	pdf.Rect(14, y, pageW, 10, "FD")
	for _, t := range p.Ticks {
		cr, cg, cb := rgb(t.Color)
		pdf.SetFillColor(cr, cg, cb)
		pdf.Rect(14+t.X*scale, y, math.Max(scale, 0.3), 10, "F")
	}
	for _, t := range p.FlagTicks {
		cr, cg, cb := rgb(t.Color)
		pdf.SetFillColor(cr, cg, cb)
		x := 14 + t.X*scale
		pdf.Polygon([]fpdf.PointType{{X: x, Y: y - 0.5}, {X: x - 1.5, Y: y - 3}, {X: x + 1.5, Y: y - 3}}, "F")
	}
	pdf.SetFont("Helvetica", "", 7)
	for _, m := range p.Minutes {
		pdf.Text(14+m.X*scale, y+14, m.Label)
	}
	pdf.SetY(y + 17)
	w = []float64{40, 20, 20, 102}
	row(w, []string{"Flag", "Severity", "Deduction", "Evidence"}, true)
	for _, v := range r.Proctor.Violations {
		row(w, []string{v.RuleID, v.Severity, strconv.Itoa(v.Deduction), v.Evidence.Description}, false)
	}
	if len(r.Proctor.Violations) == 0 {
		row([]float64{182}, []string{"No flags."}, false)
	}

	heading("Against the cohort")
	if pdf.GetY() > 240 {
		pdf.AddPage()
	}
	y = pdf.GetY() + 2
	hs := 30 / histH
	for _, c := range p.Hist {
		if c.Mine {
			pdf.SetFillColor(9, 105, 218)
		} else {
			pdf.SetFillColor(175, 184, 193)
		}
		if c.H > 0 {
			pdf.Rect(14+c.X*scale, y+c.Y*hs, c.W*scale, c.H*hs, "F")
		}
		pdf.SetFont("Helvetica", "", 6.5)
		pdf.Text(14+c.X*scale, y+34, tr(fmt.Sprintf("%s: %d", c.Label, c.Count)))
	}
	pdf.SetDrawColor(87, 96, 106)
	pdf.Line(14, y+30, 14+pageW, y+30)
	if p.MineX != nil {
		pdf.SetDrawColor(9, 105, 218)
		pdf.Line(14+*p.MineX*scale, y, 14+*p.MineX*scale, y+30)
	}
	pdf.SetY(y + 37)
	text(9, "", fmt.Sprintf("%d graded attempts; mean %s; this candidate %s, percentile %s.", r.Cohort.Graded, fmtPct(r.Cohort.Mean), fmtPct(r.Percent), fmtPct(r.Cohort.Percentile)))

	if r.Audience == AudienceCompany {
		heading("Scored review")
		if r.Review == nil {
			text(9, "", "No scored review yet.")
		} else {
			rv := r.Review
			llm := "LLM review: " + rv.LLM.Status
			if rv.LLM.Score != nil {
				llm += fmt.Sprintf(" (%s, score %s)", rv.LLM.Model, fmtNum(rv.LLM.Score))
			}
			text(9, "", fmt.Sprintf("Rubric skill score %.0f / 100 (version %d, %s). %s. %s", rv.SkillScore, rv.Version, fmtWhen(rv.ScoredAt), llm, rv.LLM.Summary))
			w := []float64{10, 14, 58, 50, 14, 36}
			row(w, []string{"#", "Kind", "Rubric", "Findings", "LLM", "Concerns"}, true)
			for _, q := range p.Review {
				row(w, []string{strconv.Itoa(q.Ordinal), q.Kind, q.Rubric, q.Findings, q.LLMScore, q.Concerns}, false)
			}
		}
		heading("AI-written and copied code signals")
		text(8, "I", "Signals are evidence with a confidence for a person to weigh, never a verdict.")
		for _, s := range r.Signals {
			q := "-"
			if s.QuestionID != nil {
				q = strconv.FormatUint(*s.QuestionID, 10)
			}
			text(8.5, "", fmt.Sprintf("%s (question %s, confidence %.0f%%): %s", s.Kind, q, s.Confidence*100, evidenceText(s.Evidence)))
		}
		if len(r.Signals) == 0 {
			text(9, "", "No signals.")
		}
		heading("Interview scorecards")
		for _, iv := range r.Interviews {
			text(9.5, "B", fmt.Sprintf("Interview %d (%s, %s) - %s", iv.InterviewID, iv.Kind, iv.Status, fmtWhen(iv.StartsAt)))
			for _, f := range iv.Feedback {
				text(9, "", f.Interviewer+": "+f.Recommendation)
				for _, c := range f.Scorecard {
					row([]float64{60, 20, 102}, []string{c.Name, strconv.Itoa(c.Score) + " / 5", c.Comment}, false)
				}
			}
		}
		if len(r.Interviews) == 0 {
			text(9, "", "No interviews for this job.")
		}
	}
	if err := pdf.Output(out); err != nil {
		return fmt.Errorf("reports: pdf: %w", err)
	}
	return nil
}

func clip(s string, n int) string {
	if n < 4 {
		n = 4
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "..."
}
