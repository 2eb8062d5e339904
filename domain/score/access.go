package score

import (
	"context"
	"errors"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/events"
	"github.com/jmoiron/sqlx"
)

// Errors of the rescore decision.
var (
	ErrForbidden = events.NewError("score", events.CodeForbidden, "your role does not allow this")
	ErrNotGraded = events.NewError("score", events.CodeAttemptNotGraded, "the attempt is not graded yet")
)

// AuthorizeRescore is the package's one access decision, default deny: a
// recruiter or owner of the attempt's company may have a graded attempt
// scored again (ErrNotGraded before); a viewer member gets ErrForbidden;
// the candidate, another company's members and anyone else ErrNotFound.
func AuthorizeRescore(ctx context.Context, q sqlx.QueryerContext, a company.Actor, attemptID uint64) (assess.AttemptInfo, error) {
	info, acc, err := assess.AttemptFor(ctx, q, a, attemptID)
	switch {
	case errors.Is(err, assess.ErrNotFound), errors.Is(err, assess.ErrForbidden):
		return assess.AttemptInfo{}, ErrNotFound
	case err != nil:
		return assess.AttemptInfo{}, err
	case acc.Candidate:
		return assess.AttemptInfo{}, ErrNotFound
	}
	if _, err := company.Authorize(ctx, q, a, info.CompanyID, company.PermWrite); err != nil {
		switch {
		case errors.Is(err, company.ErrForbidden):
			return assess.AttemptInfo{}, ErrForbidden
		case errors.Is(err, company.ErrNotFound):
			return assess.AttemptInfo{}, ErrNotFound
		}
		return assess.AttemptInfo{}, err
	}
	if info.Status != assess.AttemptGraded {
		return info, ErrNotGraded
	}
	return info, nil
}

// Reviewed is an attempt's review with its signals, as the company's
// members read it.
type Reviewed struct {
	Review  Review   `json:"review"`
	Signals []Signal `json:"signals"`
}

// ReadReview returns an attempt's latest review and signals to any member
// of its company (any role); the candidate and anyone else get ErrNotFound,
// as does an attempt not reviewed yet.
func ReadReview(ctx context.Context, q sqlx.QueryerContext, a company.Actor, attemptID uint64) (Reviewed, error) {
	info, acc, err := assess.AttemptFor(ctx, q, a, attemptID)
	switch {
	case errors.Is(err, assess.ErrNotFound), errors.Is(err, assess.ErrForbidden):
		return Reviewed{}, ErrNotFound
	case err != nil:
		return Reviewed{}, err
	case acc.Candidate:
		return Reviewed{}, ErrNotFound
	}
	r, err := ReviewFor(ctx, q, info.ID)
	if err != nil {
		return Reviewed{}, err
	}
	sigs, err := SignalsFor(ctx, q, info.ID)
	if err != nil {
		return Reviewed{}, err
	}
	return Reviewed{Review: r, Signals: sigs}, nil
}
