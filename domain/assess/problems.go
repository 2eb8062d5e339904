package assess

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hirebus/hirebus/domain/audit"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/judge"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/problems"
	"github.com/hirebus/hirebus/sandbox/spec"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// ErrProblemExists is a company problem slug used twice.
var ErrProblemExists = events.NewError("assess", events.CodeProblemExists, "the company already has a problem with this slug")

// ProblemTest is one test of a company problem as the recruiter writes it.
type ProblemTest struct {
	Name   string `json:"name"`
	Input  string `json:"input"`
	Output string `json:"output"`
}

// ProblemInput is a company's own coding problem: the statement, visible
// examples, hidden tests, limits and a reference solution.
type ProblemInput struct {
	CompanyID     uint64             `json:"company_id"`
	Slug          string             `json:"slug"`
	Title         string             `json:"title"`
	Statement     string             `json:"statement"`
	Difficulty    string             `json:"difficulty"`
	TimeLimitMS   int                `json:"time_limit_ms"`
	MemoryLimitKB int                `json:"memory_limit_kb"`
	Examples      []problems.Example `json:"examples"`
	Tests         []ProblemTest      `json:"tests"`
	Starter       map[string]string  `json:"starter,omitempty"`
	Reference     struct {
		Language string `json:"language"`
		Source   string `json:"source"`
	} `json:"reference"`
}

// ProblemCreated is the answer of CreateProblem.
type ProblemCreated struct {
	Problem problems.CompanyProblem `json:"problem"`
	OpID    string                  `json:"op_id"`
}

// CreateProblem stores a company's own problem (recruiters and owners) as
// validating and submits its reference solution to the code worker in the
// same commit; the sweeper publishes it once the solution passed every test
// (or rejects it with the reason). It is usable in the company's
// assessments only when published.
func (s *Service) CreateProblem(ctx context.Context, a company.Actor, in ProblemInput) (ProblemCreated, error) {
	if in.CompanyID == 0 {
		return ProblemCreated{}, invalid("company_id", "company_id is required")
	}
	lang, err := spec.LookupLanguage(in.Reference.Language)
	if err != nil {
		return ProblemCreated{}, invalid("reference", "reference.language %q is unknown", in.Reference.Language)
	}
	if strings.TrimSpace(in.Reference.Source) == "" || len(in.Reference.Source) > MaxSource {
		return ProblemCreated{}, invalid("reference", "reference.source must be 1 to %d bytes", MaxSource)
	}
	p := problems.Problem{Slug: in.Slug, Title: strings.TrimSpace(in.Title), Statement: in.Statement, Difficulty: problems.Difficulty(in.Difficulty),
		TimeLimitMS: in.TimeLimitMS, MemoryLimitKB: in.MemoryLimitKB, Examples: in.Examples, Starter: in.Starter,
		Comparison: judge.Comparison{Mode: judge.ModeTrailingWhitespace}}
	for _, t := range in.Tests {
		p.Tests = append(p.Tests, judge.TestCase{Name: t.Name, Input: t.Input, Output: t.Output})
	}
	var out ProblemCreated
	err = s.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		if _, err := authorize(ctx, tx, a, head{CompanyID: in.CompanyID}, NeedWrite); err != nil {
			return err
		}
		if err := problems.CreateCompany(ctx, tx, in.CompanyID, &p); err != nil {
			switch {
			case errors.Is(err, problems.ErrDuplicate):
				return ErrProblemExists
			case errors.Is(err, problems.ErrInvalid):
				return invalid("problem", "%s", strings.TrimPrefix(err.Error(), problems.ErrInvalid.Error()+" "))
			}
			return err
		}
		opID := events.NewID()
		res, err := tx.ExecContext(ctx, `INSERT INTO coding_submissions (op_id, user_id, problem_id, language, source, status, total)
			VALUES (?, ?, ?, ?, ?, 'pending', ?)`, opID, a.UserID, p.ID, lang.ID, in.Reference.Source, len(p.Tests))
		if err != nil {
			return fmt.Errorf("assess: reference submission: %w", store.Translate(err))
		}
		subID, _ := res.LastInsertId()
		if err := problems.SetReference(ctx, tx, p.ID, uint64(subID)); err != nil {
			return err
		}
		if err := ops.Create(ctx, tx, opID, events.OpCodeSubmit, a.UserID); err != nil {
			return err
		}
		env, err := events.NewEnvelope(events.OpCodeSubmit, opID, a.UserID, events.CodeSubmit{SubmissionID: uint64(subID), ProblemID: p.ID, Language: lang.ID})
		if err != nil {
			return err
		}
		if err := ob.Add(events.CmdCodeSubmit, env); err != nil {
			return err
		}
		if out.Problem, err = problems.GetAny(ctx, tx, p.ID); err != nil {
			return err
		}
		out.OpID = opID
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: in.CompanyID, Action: "problem.create", Target: target("problem", uint64(p.ID)),
			After: map[string]any{"slug": p.Slug, "tests": len(p.Tests)}, RequestID: a.RequestID, IP: a.IP})
	})
	return out, err
}

// Problems lists a company's own problems with their status (any member).
func (s *Service) Problems(ctx context.Context, a company.Actor, companyID uint64) ([]problems.CompanyProblem, error) {
	if _, err := authorize(ctx, s.DB, a, head{CompanyID: companyID}, NeedRead); err != nil {
		return nil, err
	}
	return problems.ListCompany(ctx, s.DB, companyID)
}

// usableProblem reports whether companyID's assessments may use problem id:
// a seed problem, or the company's own once published.
func (s *Service) usableProblem(ctx context.Context, companyID uint64, id int64) (string, error) {
	p, err := problems.GetAny(ctx, s.DB, id)
	if err != nil {
		return "", err
	}
	if p.CompanyID != 0 && (p.CompanyID != companyID || p.Status != problems.StatusPublished) {
		return "", problems.ErrNotFound
	}
	return p.Title, nil
}
