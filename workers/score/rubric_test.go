package score

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/domain/score"
)

func f64(v float64) *float64 { return &v }

func codeQ(id uint64, points, passed, total int) assess.ReviewQuestion {
	d, _ := json.Marshal(map[string]any{"passed": passed, "total": total, "verdict": "WA", "status": "done"})
	s := float64(points) * float64(passed) / float64(max(total, 1))
	return assess.ReviewQuestion{QuestionID: id, Kind: assess.KindCode, Points: points, Language: "go", Source: "package main\nfunc main() {}\n",
		GradeStatus: "graded", Score: &s, Detail: d}
}

// TestRubricArithmetic: the rubric's parts and totals, table by table.
func TestRubricArithmetic(t *testing.T) {
	clean := []score.Findings{{Tool: "go vet", Available: true}, {Tool: "gofmt -l", Available: true}}
	two := []score.Findings{{Tool: "go vet", Available: true, Count: 2}, {Tool: "gofmt -l", Available: true}}
	absent := []score.Findings{{Tool: "pyflakes", Note: "not available"}}
	cases := []struct {
		name    string
		q       assess.ReviewQuestion
		f       CodeFacts
		score   float64 // rubric points
		eff     *float64
		quality *float64
	}{
		// 10 points, all tests, 25% of time and memory used, no findings:
		// 0.8*1 + 0.1*0.75 + 0.1*1 = 0.975.
		{"all tests, efficient, clean", codeQ(1, 10, 4, 4), CodeFacts{TimeMS: 250, TimeLimitMS: 1000, MemoryKB: 64000, MemoryLimitKB: 256000, Findings: clean}, 9.75, f64(0.75), f64(1)},
		// Half the tests; time unknown: efficiency left out, weights 0.8/0.1
		// renormalised: (0.8*0.5 + 0.1*1)/0.9 = 0.5556.
		{"half the tests, no timing", codeQ(2, 10, 2, 4), CodeFacts{Findings: clean}, 5.56, nil, f64(1)},
		// Two findings: quality 1 - 2/5 = 0.6; at both limits efficiency 0:
		// 0.8*1 + 0 + 0.1*0.6 = 0.86 of 20.
		{"at the limits, two findings", codeQ(3, 20, 5, 5), CodeFacts{TimeMS: 1000, TimeLimitMS: 1000, MemoryKB: 256000, MemoryLimitKB: 256000, Findings: two}, 17.2, f64(0), f64(0.6)},
		// No analyser ran and no timing: correctness alone.
		{"correctness only", codeQ(4, 8, 3, 4), CodeFacts{Findings: absent}, 6, nil, nil},
		// No test passes: nothing else earns points.
		{"no test passes", codeQ(5, 10, 0, 4), CodeFacts{TimeMS: 1, TimeLimitMS: 1000, MemoryKB: 1, MemoryLimitKB: 1000, Findings: clean}, 0, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := BuildRubric(assess.ReviewAttempt{Questions: []assess.ReviewQuestion{c.q}}, map[uint64]CodeFacts{c.q.QuestionID: c.f})
			q := r.Questions[0]
			if q.Score != c.score || r.Points != c.score || r.MaxPoints != float64(c.q.Points) {
				t.Fatalf("score %v (total %v of %v), want %v", q.Score, r.Points, r.MaxPoints, c.score)
			}
			if (q.Efficiency == nil) != (c.eff == nil) || q.Efficiency != nil && *q.Efficiency != *c.eff {
				t.Fatalf("efficiency %v, want %v", q.Efficiency, c.eff)
			}
			if (q.Quality == nil) != (c.quality == nil) || q.Quality != nil && *q.Quality != *c.quality {
				t.Fatalf("quality %v, want %v", q.Quality, c.quality)
			}
		})
	}
	t.Run("attempt totals", func(t *testing.T) {
		start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
		end := start.Add(25 * time.Minute)
		text, mcqOK, mcqWrong := 3.0, 2.0, 0.0
		at := assess.ReviewAttempt{StartedAt: start, SubmittedAt: &end, DurationMinutes: 30, SubmittedBy: "candidate", Questions: []assess.ReviewQuestion{
			codeQ(1, 10, 4, 4),
			{QuestionID: 2, Kind: assess.KindMCQ, Points: 2, Choices: []int{0}, GradeStatus: "graded", Score: &mcqOK},
			{QuestionID: 3, Kind: assess.KindMCQ, Points: 2, Choices: []int{1}, GradeStatus: "graded", Score: &mcqWrong},
			{QuestionID: 4, Kind: assess.KindText, Points: 5, Text: "They block.", GradeStatus: "graded", Score: &text, Detail: json.RawMessage(`{"manual":true}`)},
			{QuestionID: 5, Kind: assess.KindCode, Points: 6, GradeStatus: "graded", Score: &mcqWrong, Detail: json.RawMessage(`{"reason":"no answer"}`)},
		}}
		r := BuildRubric(at, map[uint64]CodeFacts{1: {Findings: clean}})
		// code (0.8+0.1)/0.9 = 10; mcq 2 + 0; text 3; unanswered code 0 → 15 of 25 = 60%.
		if r.Points != 15 || r.MaxPoints != 25 || r.Overall != 60 || r.TimeUsedS != 1500 || r.DurationS != 1800 || r.Pending != 0 {
			t.Fatalf("%+v", r)
		}
		if r.Questions[3].Note != "scored by a recruiter" || r.Questions[4].Answered || r.Questions[3].Percent != 60 {
			t.Fatalf("questions: %+v", r.Questions)
		}
	})
}

// TestMeasure: size and complexity of known sources.
func TestMeasure(t *testing.T) {
	cases := []struct {
		name, src             string
		lines, code, cyc, nst int
	}{
		{"go", "package main\n\n// main\nfunc main() {\n\tif a && b || c {\n\t\tfor {\n\t\t}\n\t}\n}\n", 9, 7, 5, 3},
		{"python", "def f(x):\n    # note\n    if x:\n        return 1\n    elif x < 0:\n        return 2\n    return 3\n", 7, 6, 3, 2},
		{"c block comment", "/* a\n b */\nint main() { return x ? 1 : 0; }\n", 3, 1, 2, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := Measure(c.src)
			if s.Lines != c.lines || s.CodeLines != c.code || s.Cyclomatic != c.cyc || s.MaxNesting != c.nst {
				t.Fatalf("%+v, want lines %d code %d cyclomatic %d nesting %d", s, c.lines, c.code, c.cyc, c.nst)
			}
		})
	}
}
