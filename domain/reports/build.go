package reports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/interview"
	"github.com/hirebus/hirebus/domain/jobs"
	"github.com/hirebus/hirebus/domain/proctor"
	"github.com/hirebus/hirebus/domain/score"
)

// DefaultTimelineMax bounds the proctoring marks of one snapshot.
const DefaultTimelineMax = 20000

// Build assembles a snapshot of an attempt's report with the actor's
// rights (recruiters and owners of the attempt's company): everything is
// read through the owners' read APIs, which check the same rights again.
// It does not store it (Store does, in the worker's transaction).
func (s *Service) Build(ctx context.Context, a company.Actor, attemptID uint64) (*Report, error) {
	info, h, err := s.attemptHead(ctx, a, attemptID)
	if err != nil {
		return nil, err
	}
	if _, err := s.authorize(ctx, s.DB, a, h, NeedGenerate); err != nil {
		return nil, err
	}
	if info.Status == assess.AttemptActive {
		return nil, ErrNotSubmitted
	}
	as := s.assess()
	m, _, err := as.GetAttempt(ctx, a, attemptID)
	if err != nil {
		return nil, mapErr("attempt", err)
	}
	if m == nil {
		return nil, ErrNotFound
	}
	asm, _, err := as.Get(ctx, a, info.AssessmentID)
	if err != nil {
		return nil, mapErr("assessment", err)
	}
	if asm == nil {
		return nil, ErrNotFound
	}
	rep := &Report{
		Audience: AudienceCompany, AttemptID: attemptID, CompanyID: info.CompanyID, JobID: asm.JobID,
		Candidate:  Person{ID: m.CandidateID, Name: m.CandidateName},
		Assessment: AssessInfo{ID: asm.ID, Title: asm.Title, DurationMinutes: asm.DurationMinutes, Questions: len(asm.Questions)},
		Status:     m.Status, Score: m.Score, MaxScore: m.MaxScore,
	}
	scoreQuestions(rep, asm.Questions, m.Results, m.Answers)
	rep.Time = TimeUsed{StartedAt: m.StartedAt, SubmittedAt: m.SubmittedAt, Deadline: m.Deadline, SubmittedBy: m.SubmittedBy,
		AllowedSeconds: int64(m.Deadline.Sub(m.StartedAt).Seconds())}
	if m.SubmittedAt != nil {
		rep.Time.UsedSeconds = int64(m.SubmittedAt.Sub(m.StartedAt).Seconds())
	}
	if rep.MaxScore == 0 {
		rep.MaxScore = float64(sumPoints(asm.Questions))
	}
	rep.Percent = percent(rep.Score, rep.MaxScore)

	cohort, err := as.Attempts(ctx, a, info.AssessmentID)
	if err != nil {
		return nil, mapErr("cohort", err)
	}
	rep.Cohort = buildCohort(cohort, attemptID)

	if rep.Proctor, err = s.proctorReport(ctx, a, attemptID, m.StartedAt.UnixMilli()); err != nil {
		return nil, err
	}
	rep.Interviews = []InterviewFeedback{}
	if asm.JobID != nil {
		if rep.Interviews, err = s.interviews(ctx, a, info.CompanyID, *asm.JobID, info.CandidateID); err != nil {
			return nil, err
		}
	}
	// The scorer's read API does no access check: the actor was
	// authorised for this attempt above.
	review, err := score.ReviewFor(ctx, s.DB, attemptID)
	switch {
	case err == nil:
		rep.Review = &review
	case !errors.Is(err, score.ErrNotFound):
		return nil, fmt.Errorf("reports: scored review: %w", err)
	}
	if rep.Signals, err = score.SignalsFor(ctx, s.DB, attemptID); err != nil {
		return nil, fmt.Errorf("reports: AI signals: %w", err)
	}
	return rep, nil
}

func mapErr(what string, err error) error {
	switch {
	case errors.Is(err, assess.ErrNotFound), errors.Is(err, proctor.ErrNotFound), errors.Is(err, jobs.ErrNotFound), errors.Is(err, interview.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, assess.ErrForbidden), errors.Is(err, proctor.ErrForbidden), errors.Is(err, jobs.ErrForbidden), errors.Is(err, interview.ErrForbidden):
		return ErrForbidden
	}
	return fmt.Errorf("reports: %s: %w", what, err)
}

func sumPoints(qs []assess.Question) int {
	n := 0
	for _, q := range qs {
		n += q.Points
	}
	return n
}

func percent(score *float64, max float64) *float64 {
	if score == nil || max <= 0 {
		return nil
	}
	p := *score / max * 100
	return &p
}

// title is a question's one-line name: the problem's title for code, else
// the prompt's first line, at most 80 characters.
func title(q assess.Question) string {
	t := q.ProblemTitle
	if t == "" {
		t, _, _ = strings.Cut(strings.TrimSpace(q.Prompt), "\n")
	}
	if utf8.RuneCountInString(t) > 80 {
		r := []rune(t)
		t = string(r[:79]) + "…"
	}
	return t
}

// scoreQuestions fills the per-question results, the sections (one per
// question kind, in order of first appearance) and the tests total.
func scoreQuestions(rep *Report, qs []assess.Question, results []assess.QuestionResult, answers []assess.AnswerView) {
	byID := make(map[uint64]assess.QuestionResult, len(results))
	for _, r := range results {
		byID[r.QuestionID] = r
	}
	answered := make(map[uint64]bool, len(answers))
	for _, av := range answers {
		answered[av.QuestionID] = len(av.Answer) > 0 && string(av.Answer) != "null"
	}
	sections := map[string]*Section{}
	var order []string
	rep.Questions = make([]QuestionResult, 0, len(qs))
	for _, q := range qs {
		qr := QuestionResult{QuestionID: q.ID, Ordinal: q.Ordinal, Kind: q.Kind, Title: title(q), Points: q.Points, Status: "ungraded", Answered: answered[q.ID]}
		if r, ok := byID[q.ID]; ok {
			qr.Status, qr.Score = r.Status, r.Score
			var d struct {
				Right   *bool  `json:"right"`
				Passed  *int   `json:"passed"`
				Total   *int   `json:"total"`
				Verdict string `json:"verdict"`
			}
			if len(r.Detail) > 0 && json.Unmarshal(r.Detail, &d) == nil {
				qr.Right, qr.TestsPassed, qr.TestsTotal, qr.Verdict = d.Right, d.Passed, d.Total, d.Verdict
			}
		}
		if qr.TestsPassed != nil && qr.TestsTotal != nil {
			rep.Tests.Passed += *qr.TestsPassed
			rep.Tests.Total += *qr.TestsTotal
		}
		sec := sections[q.Kind]
		if sec == nil {
			sec = &Section{Kind: q.Kind}
			sections[q.Kind] = sec
			order = append(order, q.Kind)
		}
		sec.Questions++
		sec.MaxScore += float64(q.Points)
		if qr.Score != nil {
			sec.Score += *qr.Score
		}
		if qr.Status == "grading" || qr.Status == "manual" {
			sec.Pending++
		}
		rep.Questions = append(rep.Questions, qr)
	}
	rep.Sections = make([]Section, 0, len(order))
	for _, k := range order {
		sec := *sections[k]
		sc := sec.Score
		sec.Percent = percent(&sc, sec.MaxScore)
		rep.Sections = append(rep.Sections, sec)
	}
}

// buildCohort places attemptID among the graded attempts of its
// assessment: percentile (ties count half), mean and a 10-bin histogram
// of percents.
func buildCohort(list []assess.AttemptSummary, attemptID uint64) Cohort {
	c := Cohort{Candidates: len(list), Bins: make([]int, 10)}
	var mine *float64
	var pcts []float64
	for _, t := range list {
		if t.Score == nil || t.MaxScore <= 0 {
			continue
		}
		p := *t.Score / t.MaxScore * 100
		pcts = append(pcts, p)
		if t.ID == attemptID {
			v := p
			mine = &v
		}
		bin := int(p / 10)
		bin = max(0, min(bin, 9))
		c.Bins[bin]++
	}
	c.Graded = len(pcts)
	if len(pcts) == 0 {
		return c
	}
	sum := 0.0
	for _, p := range pcts {
		sum += p
	}
	mean := sum / float64(len(pcts))
	c.Mean = &mean
	if mine != nil {
		sort.Float64s(pcts)
		below := sort.SearchFloat64s(pcts, *mine)
		equal := 0
		for i := below; i < len(pcts) && pcts[i] == *mine; i++ {
			equal++
		}
		pr := (float64(below) + 0.5*float64(equal)) / float64(len(pcts)) * 100
		c.Percentile = &pr
	}
	return c
}

// proctorReport reads the attempt's proctoring summary and every event
// (page by page) into marks relative to the start.
func (s *Service) proctorReport(ctx context.Context, a company.Actor, attemptID uint64, startMS int64) (ProctorReport, error) {
	limit := s.TimelineMax
	if limit <= 0 {
		limit = DefaultTimelineMax
	}
	ps := s.proctor()
	var out ProctorReport
	out.Counts = map[string]int{}
	var after uint64
	for first := true; ; first = false {
		tl, err := ps.Timeline(ctx, a, attemptID, after)
		if err != nil {
			return out, mapErr("proctoring", err)
		}
		if first {
			out.TrustScore, out.Flagged, out.FlagAt, out.Violations = tl.Score, tl.Flagged, tl.FlagAt, tl.Violations
		}
		for _, e := range tl.Events {
			out.Events++
			out.Counts[e.Kind]++
			at := e.Created
			if e.At != nil {
				at = *e.At
			}
			if len(out.Timeline) < limit {
				out.Timeline = append(out.Timeline, Mark{T: at.UnixMilli() - startMS, Kind: e.Kind, Severity: e.Severity})
			} else {
				out.Truncated = true
			}
			after = e.ID
		}
		if !tl.More || len(tl.Events) == 0 {
			break
		}
	}
	if out.Timeline == nil {
		out.Timeline = []Mark{}
	}
	return out, nil
}

// interviews reads the scorecards of the candidate's interviews for the
// job: the candidate's application is found on the job's board.
func (s *Service) interviews(ctx context.Context, a company.Actor, companyID, jobID, candidateID uint64) ([]InterviewFeedback, error) {
	js := s.jobs()
	var appID uint64
	f := jobs.AppFilter{JobID: jobID, Limit: 100}
	for appID == 0 {
		page, err := js.ListApplications(ctx, a, companyID, f)
		if err != nil {
			return nil, mapErr("applications", err)
		}
		for _, app := range page.Items {
			if app.CandidateID == candidateID {
				appID = app.ID
				break
			}
		}
		if page.NextCursor == "" || len(page.Items) == 0 {
			break
		}
		f.Before = page.Items[len(page.Items)-1].ID
	}
	if appID == 0 {
		return []InterviewFeedback{}, nil
	}
	iv := s.interview()
	list, err := iv.ForApplication(ctx, a, appID)
	if err != nil {
		return nil, mapErr("interviews", err)
	}
	out := []InterviewFeedback{}
	for _, i := range list {
		fb, err := iv.Feedback(ctx, a, i.ID)
		if err != nil {
			return nil, mapErr("feedback", err)
		}
		out = append(out, InterviewFeedback{InterviewID: i.ID, Kind: i.Kind, Status: i.Status, StartsAt: i.StartsAt, Feedback: fb})
	}
	return out, nil
}
