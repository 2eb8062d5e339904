package assess

import (
	"context"
	"time"

	"github.com/hirebus/hirebus/domain/company"
	"github.com/jmoiron/sqlx"
)

// AttemptInfo is what proctoring (domain/proctor) needs to know about an
// attempt; assessment_attempts stays this package's table.
type AttemptInfo struct {
	ID           uint64    `json:"attempt_id"`
	AssessmentID uint64    `json:"assessment_id"`
	CompanyID    uint64    `json:"company_id"`
	CandidateID  uint64    `json:"candidate_id"`
	Status       string    `json:"status"`
	Deadline     time.Time `json:"deadline"`
	Active       bool      `json:"active"` // active and before its deadline on the server's clock
}

func (t attemptRow) info() AttemptInfo {
	return AttemptInfo{ID: t.ID, AssessmentID: t.AssessmentID, CompanyID: t.CompanyID, CandidateID: t.CandidateID,
		Status: t.Status, Deadline: t.Deadline, Active: t.Status == AttemptActive && t.Deadline.After(t.Now)}
}

// AttemptByID returns an attempt without any access check (for workers).
func AttemptByID(ctx context.Context, q sqlx.QueryerContext, attemptID uint64) (AttemptInfo, error) {
	t, err := getAttempt(ctx, q, `t.id = ?`, "", attemptID)
	if err != nil {
		return AttemptInfo{}, err
	}
	return t.info(), nil
}

// AttemptFor returns an attempt when the actor may see it: its own
// candidate (Access.Candidate) or any member of the company; anyone else
// gets ErrNotFound (authorizeAttempt with NeedView).
func AttemptFor(ctx context.Context, q sqlx.QueryerContext, a company.Actor, attemptID uint64) (AttemptInfo, Access, error) {
	t, err := getAttempt(ctx, q, `t.id = ?`, "", attemptID)
	if err != nil {
		return AttemptInfo{}, Access{}, err
	}
	acc, err := authorizeAttempt(ctx, q, a, t, NeedView)
	if err != nil {
		return AttemptInfo{}, Access{}, err
	}
	return t.info(), acc, nil
}

// MemberAssessment checks that the actor is a member of the assessment's
// company (any role) and returns the company; anyone else ErrNotFound.
func MemberAssessment(ctx context.Context, q sqlx.QueryerContext, a company.Actor, assessmentID uint64) (companyID uint64, err error) {
	h, err := getHead(ctx, q, assessmentID, false)
	if err != nil {
		return 0, err
	}
	acc, err := authorize(ctx, q, a, h, NeedRead)
	if err != nil {
		return 0, err
	}
	if acc.Candidate {
		return 0, ErrNotFound
	}
	return h.CompanyID, nil
}

// ProctoringOf returns the proctoring settings of an assessment.
func ProctoringOf(ctx context.Context, q sqlx.QueryerContext, assessmentID uint64) (Proctoring, error) {
	h, err := getHead(ctx, q, assessmentID, false)
	if err != nil {
		return Proctoring{}, err
	}
	return h.proctoring(), nil
}
