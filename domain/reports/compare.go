package reports

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/jobs"
	"github.com/hirebus/hirebus/store"
)

// CompareRow is one candidate of a job side by side with the others: the
// latest report of each of their attempts on the job's assessments.
type CompareRow struct {
	ReportID        uint64    `json:"report_id"`
	Version         int       `json:"version"`
	AttemptID       uint64    `json:"attempt_id"`
	Candidate       Person    `json:"candidate"`
	Assessment      string    `json:"assessment"`
	AssessmentID    uint64    `json:"assessment_id"`
	Score           *float64  `json:"score"`
	MaxScore        float64   `json:"max_score"`
	Percent         *float64  `json:"percent"`
	Percentile      *float64  `json:"percentile"`
	Sections        []Section `json:"sections"`
	Tests           Tests     `json:"tests"`
	UsedSeconds     int64     `json:"used_seconds"`
	TrustScore      int       `json:"trust_score"`
	Flagged         bool      `json:"flagged"`
	Flags           int       `json:"flags"`
	Signals         int       `json:"ai_signals"`
	SkillScore      *float64  `json:"skill_score,omitempty"` // the scorer's rubric (0–100)
	LLMScore        *float64  `json:"llm_score,omitempty"`   // the LLM review's (0–100), when done
	Recommendations []string  `json:"recommendations"`
	MeanScorecard   *float64  `json:"mean_scorecard"` // mean of every 1–5 criterion
}

// Comparison is GET /api/reports/compare.
type Comparison struct {
	JobID    uint64       `json:"job_id"`
	JobTitle string       `json:"job_title"`
	Rows     []CompareRow `json:"rows"`
}

// Compare lists the latest report of every attempt on a job's assessments,
// best percent first (members of the job's company, any role; anyone else
// ErrNotFound).
func (s *Service) Compare(ctx context.Context, a company.Actor, jobID uint64) (Comparison, error) {
	if a.UserID == 0 {
		return Comparison{}, ErrNotFound
	}
	job, err := s.jobs().GetJob(ctx, a, jobID)
	if errors.Is(err, jobs.ErrNotFound) {
		return Comparison{}, ErrNotFound
	}
	if err != nil {
		return Comparison{}, fmt.Errorf("reports: job: %w", err)
	}
	if _, err := s.authorize(ctx, s.DB, a, head{CompanyID: job.CompanyID}, NeedCompare); err != nil {
		return Comparison{}, err
	}
	var rows []row
	if err := s.DB.SelectContext(ctx, &rows, `SELECT `+rowCols+` FROM candidate_reports r WHERE r.job_id = ? AND r.company_id = ?
		AND r.version = (SELECT MAX(x.version) FROM candidate_reports x WHERE x.attempt_id = r.attempt_id) ORDER BY r.attempt_id`, jobID, job.CompanyID); err != nil {
		return Comparison{}, fmt.Errorf("reports: compare: %w", store.Translate(err))
	}
	out := Comparison{JobID: jobID, JobTitle: job.Title, Rows: []CompareRow{}}
	for _, r := range rows {
		rep, err := r.report()
		if err != nil {
			return Comparison{}, err
		}
		out.Rows = append(out.Rows, compareRow(rep))
	}
	sort.SliceStable(out.Rows, func(i, j int) bool {
		pi, pj := out.Rows[i].Percent, out.Rows[j].Percent
		switch {
		case pi == nil:
			return false
		case pj == nil:
			return true
		}
		return *pi > *pj
	})
	return out, nil
}

func compareRow(rep Report) CompareRow {
	c := CompareRow{ReportID: rep.ID, Version: rep.Version, AttemptID: rep.AttemptID, Candidate: rep.Candidate,
		Assessment: rep.Assessment.Title, AssessmentID: rep.Assessment.ID, Score: rep.Score, MaxScore: rep.MaxScore,
		Percent: rep.Percent, Percentile: rep.Cohort.Percentile, Sections: rep.Sections, Tests: rep.Tests,
		UsedSeconds: rep.Time.UsedSeconds, TrustScore: rep.Proctor.TrustScore, Flagged: rep.Proctor.Flagged,
		Flags: len(rep.Proctor.Violations), Signals: len(rep.Signals), Recommendations: []string{}}
	if rep.Review != nil {
		sk := rep.Review.SkillScore
		c.SkillScore, c.LLMScore = &sk, rep.Review.LLM.Score
	}
	sum, n := 0.0, 0
	for _, iv := range rep.Interviews {
		for _, f := range iv.Feedback {
			if f.Recommendation != "" {
				c.Recommendations = append(c.Recommendations, f.Recommendation)
			}
			for _, cr := range f.Scorecard {
				sum += float64(cr.Score)
				n++
			}
		}
	}
	if n > 0 {
		m := sum / float64(n)
		c.MeanScorecard = &m
	}
	return c
}
