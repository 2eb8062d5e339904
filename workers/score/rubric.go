package score

import (
	"encoding/json"
	"math"
	"strings"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/domain/score"
)

// The offline rubric: pure arithmetic over what grading, the code worker
// and the analysers measured (tested by table in rubric_test.go).

// Rubric weights of a code answer's parts.
const (
	WeightCorrectness = 0.8
	WeightEfficiency  = 0.1
	WeightQuality     = 0.1
)

// FindingsForZeroQuality is the number of analyser findings at which a code
// answer's quality part reaches 0 (each finding costs 1/N).
const FindingsForZeroQuality = 5

// CodeFacts is what the worker measured of one code answer beyond its
// grading.
type CodeFacts struct {
	TimeMS, MemoryKB           int64 // the slowest test's time and peak memory (0 = unknown)
	TimeLimitMS, MemoryLimitKB int64 // the problem's limits
	Findings                   []score.Findings
}

// gradeDetail is the detail assess stores on a graded code answer.
type gradeDetail struct {
	Passed  int    `json:"passed"`
	Total   int    `json:"total"`
	Verdict string `json:"verdict"`
	Status  string `json:"status"`
	Reason  string `json:"reason"`
	Manual  bool   `json:"manual"`
	Right   *bool  `json:"right"`
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func ptr(v float64) *float64 { return &v }

// BuildRubric computes the rubric of an attempt; facts are keyed by
// question id (code answers only).
func BuildRubric(at assess.ReviewAttempt, facts map[uint64]CodeFacts) score.Rubric {
	r := score.Rubric{Questions: []score.QuestionResult{}, DurationS: int64(at.DurationMinutes) * 60, SubmittedBy: at.SubmittedBy}
	if at.SubmittedAt != nil {
		r.TimeUsedS = int64(at.SubmittedAt.Sub(at.StartedAt).Seconds())
		if r.TimeUsedS < 0 {
			r.TimeUsedS = 0
		}
	}
	for _, q := range at.Questions {
		qr := score.QuestionResult{QuestionID: q.QuestionID, Ordinal: q.Ordinal, Kind: q.Kind, Points: q.Points, Status: q.GradeStatus, Graded: q.Score}
		var d gradeDetail
		if len(q.Detail) > 0 {
			_ = json.Unmarshal(q.Detail, &d)
		}
		r.MaxPoints += float64(q.Points)
		switch q.Kind {
		case assess.KindCode:
			qr.Answered = strings.TrimSpace(q.Source) != ""
			qr.Language = q.Language
			qr.Verdict, qr.TestsPassed, qr.TestsTotal = d.Verdict, d.Passed, d.Total
			if qr.Answered {
				qr.Size = ptrSize(Measure(q.Source))
			}
			f := facts[q.QuestionID]
			qr.TimeMS, qr.MemoryKB, qr.TimeLimitMS, qr.MemoryLimitKB, qr.Findings = f.TimeMS, f.MemoryKB, f.TimeLimitMS, f.MemoryLimitKB, f.Findings
			codeParts(&qr, f)
		default:
			qr.Answered = q.Text != "" || len(q.Choices) > 0
			qr.TextChars = len([]rune(q.Text))
			if q.GradeStatus == "graded" && q.Points > 0 && q.Score != nil {
				qr.Correctness = clamp01(*q.Score / float64(q.Points))
			}
			if q.Kind == assess.KindText {
				switch {
				case q.GradeStatus == "manual":
					qr.Note = "awaiting a recruiter's score"
				case d.Manual:
					qr.Note = "scored by a recruiter"
				case !qr.Answered:
					qr.Note = "no answer"
				}
			}
			qr.Score = round2(qr.Correctness * float64(q.Points))
		}
		if q.GradeStatus == "manual" || q.GradeStatus == "grading" || q.GradeStatus == "ungraded" && qr.Answered {
			r.Pending++
		}
		if q.Points > 0 {
			qr.Percent = round2(100 * qr.Score / float64(q.Points))
		}
		r.Points += qr.Score
		r.Questions = append(r.Questions, qr)
	}
	r.Points = round2(r.Points)
	if r.MaxPoints > 0 {
		r.Overall = round2(100 * r.Points / r.MaxPoints)
	}
	return r
}

func ptrSize(s score.CodeSize) *score.CodeSize { return &s }

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }

// codeParts fills a code answer's correctness, efficiency, quality and
// score. Without a passing test nothing else earns points.
func codeParts(qr *score.QuestionResult, f CodeFacts) {
	if qr.TestsTotal > 0 {
		qr.Correctness = clamp01(float64(qr.TestsPassed) / float64(qr.TestsTotal))
	}
	if qr.TimeLimitMS > 0 && f.TimeMS > 0 {
		qr.TimeShare = ptr(round2(clamp01(float64(f.TimeMS) / float64(qr.TimeLimitMS))))
	}
	if qr.MemoryLimitKB > 0 && f.MemoryKB > 0 {
		qr.MemoryShare = ptr(round2(clamp01(float64(f.MemoryKB) / float64(qr.MemoryLimitKB))))
	}
	if qr.Correctness == 0 {
		qr.Score = 0
		return
	}
	// Efficiency: 1 at no time and memory, 0 at both limits; measured only
	// when both are known.
	if qr.TimeShare != nil && qr.MemoryShare != nil {
		qr.Efficiency = ptr(round2(1 - (*qr.TimeShare+*qr.MemoryShare)/2))
	}
	ran, findings := 0, 0
	for _, fd := range f.Findings {
		if fd.Available {
			ran++
			findings += fd.Count
		}
	}
	if ran > 0 {
		qr.Quality = ptr(round2(clamp01(1 - float64(findings)/FindingsForZeroQuality)))
	}
	w, sum := WeightCorrectness, WeightCorrectness*qr.Correctness
	if qr.Efficiency != nil {
		w += WeightEfficiency
		sum += WeightEfficiency * *qr.Efficiency
	}
	if qr.Quality != nil {
		w += WeightQuality
		sum += WeightQuality * *qr.Quality
	}
	qr.Score = round2(float64(qr.Points) * sum / w)
}

// Measure returns the size and complexity of a source: lines, lines of
// code, normalised tokens, cyclomatic complexity (1 + branch points:
// if, for, while, case, catch, except, elif, &&, ||, ?) and the deepest
// brace (or, for brace-less code, indentation) nesting.
func Measure(src string) score.CodeSize {
	var s score.CodeSize
	all := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	if len(all) > 0 && all[len(all)-1] == "" {
		all = all[:len(all)-1]
	}
	s.Lines = len(all)
	inBlock := false
	indentDepth, braces := 0, 0
	for _, l := range all {
		t := strings.TrimSpace(l)
		switch {
		case inBlock:
			if strings.Contains(t, "*/") {
				inBlock = false
			}
			continue
		case t == "", strings.HasPrefix(t, "//"), strings.HasPrefix(t, "#") && !strings.HasPrefix(t, "#include"):
			continue
		case strings.HasPrefix(t, "/*"):
			inBlock = !strings.Contains(t, "*/")
			continue
		}
		s.CodeLines++
		if strings.Contains(l, "{") || strings.Contains(l, "}") {
			braces++
		}
		ind := len(l) - len(strings.TrimLeft(l, " \t"))
		tabs := strings.Count(l[:ind], "\t") + strings.Count(l[:ind], " ")/4
		indentDepth = max(indentDepth, tabs)
	}
	toks := score.Normalize(src)
	s.Tokens = len(toks)
	s.Cyclomatic = 1
	depth := 0
	for i, t := range toks {
		switch t {
		case "if", "for", "while", "case", "catch", "except", "elif", "?":
			s.Cyclomatic++
		case "&", "|":
			if i+1 < len(toks) && toks[i+1] == t && (i == 0 || toks[i-1] != t) {
				s.Cyclomatic++
			}
		case "{":
			depth++
			s.MaxNesting = max(s.MaxNesting, depth)
		case "}":
			depth--
		}
	}
	if braces == 0 {
		s.MaxNesting = indentDepth
	}
	return s
}
