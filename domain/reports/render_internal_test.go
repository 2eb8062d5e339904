package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/domain/interview"
	"github.com/hirebus/hirebus/domain/score"
	"github.com/hirebus/hirebus/events"
)

func ptr[T any](v T) *T { return &v }

// sample is a full report: 10 questions, n proctoring events, flags, a
// review with the LLM's part, signals and an interview scorecard.
func sample(n int) Report {
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	r := Report{ID: 7, Version: 2, Audience: AudienceCompany, GeneratedAt: start.Add(2 * time.Hour), AttemptID: 42, CompanyID: 1,
		Candidate: Person{ID: 5, Name: "Ada <script>alert(1)</script>"}, Assessment: AssessInfo{ID: 3, Title: "Backend screen", DurationMinutes: 60, Questions: 10},
		Status: "graded", MaxScore: 100,
		Time: TimeUsed{StartedAt: start, SubmittedAt: ptr(start.Add(50 * time.Minute)), Deadline: start.Add(time.Hour), SubmittedBy: "candidate", UsedSeconds: 3000, AllowedSeconds: 3600}}
	var qs []assess.Question
	var res []assess.QuestionResult
	for i := 1; i <= 10; i++ {
		kind := []string{"code", "mcq", "text"}[i%3]
		qs = append(qs, assess.Question{ID: uint64(100 + i), Ordinal: i, Kind: kind, Points: 10, Prompt: fmt.Sprintf("Question %d\nmore", i)})
		d := map[string]any{"right": i%2 == 0}
		if kind == "code" {
			d = map[string]any{"passed": i, "total": 10, "verdict": "WA"}
		}
		raw, _ := json.Marshal(d)
		res = append(res, assess.QuestionResult{QuestionID: uint64(100 + i), Kind: kind, Points: 10, Status: "graded", Score: ptr(float64(i)), Detail: raw})
	}
	scoreQuestions(&r, qs, res, nil)
	r.Score = ptr(55.0)
	r.Percent = percent(r.Score, r.MaxScore)
	r.Proctor = ProctorReport{TrustScore: 62, Flagged: true, FlagAt: 70, Counts: map[string]int{}}
	sevs := []string{"info", "info", "low", "medium", "high", "critical"}
	for i := 0; i < n; i++ {
		m := Mark{T: int64(i) * 3000000 / int64(max(n, 1)), Kind: "tab_hidden", Severity: sevs[i%len(sevs)]}
		r.Proctor.Timeline = append(r.Proctor.Timeline, m)
		r.Proctor.Counts[m.Kind]++
		r.Proctor.Events++
	}
	r.Proctor.Violations = []events.ProctorViolation{{ID: 1, RuleID: "paste_code_large", Severity: "high", Deduction: 15,
		Evidence: events.ProctorEvidence{Metric: "paste_max", Value: 400, Op: ">", Threshold: 200, Description: "a large paste into the code"}, Created: start.Add(10 * time.Minute)}}
	list := []assess.AttemptSummary{}
	for i := 0; i < 30; i++ {
		list = append(list, assess.AttemptSummary{ID: uint64(i + 1), Score: ptr(float64(i * 3)), MaxScore: 100})
	}
	list = append(list, assess.AttemptSummary{ID: 42, Score: ptr(55.0), MaxScore: 100})
	r.Cohort = buildCohort(list, 42)
	r.Review = &score.Review{AttemptID: 42, Version: 1, SkillScore: 55, ScoredAt: start.Add(time.Hour),
		Rubric: score.Rubric{Overall: 55, Questions: []score.QuestionResult{{QuestionID: 101, Ordinal: 1, Kind: "code", Points: 10, Score: 1, Status: "graded", TestsPassed: 1, TestsTotal: 10,
			TimeShare: ptr(0.5), Findings: []score.Findings{{Tool: "go vet", Available: true, Count: 2}}, Size: &score.CodeSize{CodeLines: 30, Cyclomatic: 7}}}},
		LLM: score.LLMReview{Status: score.LLMDone, Model: "stand-in", Score: ptr(48.0), Summary: "Solid basics.",
			Questions: []score.LLMQuestion{{QuestionID: 101, Score: 40, Strengths: []string{"clear names"}, Concerns: []string{"off by one"}, Rationale: "fails edge cases"}}}}
	r.Signals = []score.Signal{{Kind: score.SignalLargePaste, QuestionID: ptr(uint64(101)), Confidence: 0.7, Evidence: json.RawMessage(`{"pasted":400,"final":420}`)}}
	r.Interviews = []InterviewFeedback{{InterviewID: 9, Kind: "live", Status: "scheduled", StartsAt: start.Add(24 * time.Hour),
		Feedback: []interview.Feedback{{InterviewerID: 2, Interviewer: "rec", Notes: "PRIVATE-NOTE", Recommendation: "yes", Scorecard: []interview.Criterion{{Name: "Go", Score: 4}}}}}}
	return r
}

func TestRenderHTML(t *testing.T) {
	r := sample(2000)
	for _, c := range []struct {
		name       string
		rep        Report
		want, none []string
	}{
		{"company", r,
			[]string{`id="chart-sections" role="img"`, `id="chart-questions" role="img"`, `id="chart-timeline" role="img"`, `id="chart-cohort" role="img"`,
				"<title id=\"chart-timeline-t\">", "2000 events", "paste_code_large", "Interview scorecards", "PRIVATE-NOTE", "go vet: 2", "off by one",
				"final=420", "@media print", "Ada &lt;script&gt;"},
			[]string{"<script>"}},
		{"candidate", r.ForCandidate(),
			[]string{`id="chart-cohort"`, "paste_code_large", "your results"},
			[]string{"Interview scorecards", "PRIVATE-NOTE", "off by one", "final=420", "Scored review", "<script>"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := HTML(&buf, c.rep); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			for _, s := range c.want {
				if !strings.Contains(out, s) {
					t.Errorf("missing %q", s)
				}
			}
			for _, s := range c.none {
				if strings.Contains(out, s) {
					t.Errorf("shows %q", s)
				}
			}
			// 2,000 events draw as at most one mark per pixel column.
			if n := strings.Count(out, `height="30" fill="#`); n > 600 || n == 0 {
				t.Errorf("%d timeline marks", n)
			}
		})
	}
}

func TestRenderPDF(t *testing.T) {
	for _, rep := range []Report{sample(2000), sample(0).ForCandidate(), {Candidate: Person{Name: "Empty"}}} {
		var buf bytes.Buffer
		if err := PDF(&buf, rep); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(buf.Bytes(), []byte("%PDF-1.")) || !bytes.Contains(buf.Bytes(), []byte("%%EOF")) {
			t.Errorf("%s: not a PDF (%d bytes)", rep.Candidate.Name, buf.Len())
		}
	}
}

func TestCohort(t *testing.T) {
	sum := func(id uint64, s float64) assess.AttemptSummary {
		return assess.AttemptSummary{ID: id, Score: ptr(s), MaxScore: 10}
	}
	for _, c := range []struct {
		name       string
		list       []assess.AttemptSummary
		id         uint64
		percentile *float64
		graded     int
		bins       map[int]int
	}{
		{"alone", []assess.AttemptSummary{sum(1, 5)}, 1, ptr(50.0), 1, map[int]int{5: 1}},
		{"lowest of four", []assess.AttemptSummary{sum(1, 1), sum(2, 5), sum(3, 7), sum(4, 10)}, 1, ptr(12.5), 4, map[int]int{1: 1, 5: 1, 7: 1, 9: 1}},
		{"top of four", []assess.AttemptSummary{sum(1, 1), sum(2, 5), sum(3, 7), sum(4, 10)}, 4, ptr(87.5), 4, nil},
		{"ties count half", []assess.AttemptSummary{sum(1, 5), sum(2, 5), sum(3, 0), sum(4, 10)}, 1, ptr(50.0), 4, nil},
		{"ungraded attempt", []assess.AttemptSummary{sum(1, 5), {ID: 2, MaxScore: 10}}, 2, nil, 1, nil},
		{"no graded attempt", []assess.AttemptSummary{{ID: 2, MaxScore: 10}}, 2, nil, 0, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := buildCohort(c.list, c.id)
			if got.Graded != c.graded || got.Candidates != len(c.list) {
				t.Errorf("graded %d of %d", got.Graded, got.Candidates)
			}
			if (got.Percentile == nil) != (c.percentile == nil) || (got.Percentile != nil && *got.Percentile != *c.percentile) {
				t.Errorf("percentile %v, want %v", fmtNum(got.Percentile), fmtNum(c.percentile))
			}
			for bin, n := range c.bins {
				if got.Bins[bin] != n {
					t.Errorf("bin %d: %d, want %d (%v)", bin, got.Bins[bin], n, got.Bins)
				}
			}
		})
	}
}

func TestScoreQuestions(t *testing.T) {
	r := sample(0)
	if len(r.Questions) != 10 || len(r.Sections) != 3 {
		t.Fatalf("%d questions, %d sections", len(r.Questions), len(r.Sections))
	}
	// Code questions are 3, 6 and 9: tests passed 3+6+9 of 30.
	if r.Tests.Passed != 18 || r.Tests.Total != 30 {
		t.Errorf("tests %+v", r.Tests)
	}
	for _, s := range r.Sections {
		want := map[string]float64{"code": 18, "mcq": 1 + 4 + 7 + 10, "text": 2 + 5 + 8}[s.Kind]
		if s.Score != want {
			t.Errorf("section %s: %v, want %v", s.Kind, s.Score, want)
		}
	}
	if r.Questions[0].Title != "Question 1" {
		t.Errorf("title %q", r.Questions[0].Title)
	}
}
