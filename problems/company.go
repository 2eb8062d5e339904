package problems

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/jmoiron/sqlx"
)

// Company problems: a company's own coding problems, stored next to the
// seed problems (company_id set) but never listed or served publicly. One
// is created `validating` with its reference solution submitted to the
// code worker, and becomes `published` (usable in the company's
// assessments) only when that solution passes every test; otherwise it is
// `rejected` with the reason. Seed problems (company_id NULL) are global
// and are only ever written by Upsert.

// Company problem statuses.
const (
	StatusValidating = "validating"
	StatusPublished  = "published"
	StatusRejected   = "rejected"
)

// ErrDuplicate is a company problem whose slug the company already used.
var ErrDuplicate = errors.New("problems: the company already has a problem with this slug")

// MaxCompanySlug leaves room for the company prefix within the 64 bytes of a
// slug.
const MaxCompanySlug = 40

// CompanySlug is the stored slug of a company's problem.
func CompanySlug(companyID uint64, slug string) string {
	return "c" + strconv.FormatUint(companyID, 10) + "-" + slug
}

// CreateCompany validates p and stores it as companyID's problem, status
// validating, inside tx (the caller queues the reference solution in the
// same transaction and links it with SetReference). p.ID is set.
func CreateCompany(ctx context.Context, tx *sqlx.Tx, companyID uint64, p *Problem) error {
	if len(p.Slug) > MaxCompanySlug {
		return fmt.Errorf("%w %q: slug is longer than %d bytes", ErrInvalid, p.Slug, MaxCompanySlug)
	}
	if err := p.Validate(); err != nil {
		return err
	}
	p.Slug = CompanySlug(companyID, p.Slug)
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM coding_problems WHERE slug = ?`, p.Slug); err != nil {
		return fmt.Errorf("problems: create: %w", err)
	}
	if n > 0 {
		return ErrDuplicate
	}
	if err := upsertOne(ctx, tx, p); err != nil {
		return fmt.Errorf("problems: create %q: %w", p.Slug, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE coding_problems SET company_id = ?, status = 'validating' WHERE id = ?`, companyID, p.ID); err != nil {
		return fmt.Errorf("problems: create %q: %w", p.Slug, err)
	}
	return nil
}

// SetReference links a validating problem to the submission of its
// reference solution.
func SetReference(ctx context.Context, tx *sqlx.Tx, id int64, submissionID uint64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE coding_problems SET reference_submission_id = ? WHERE id = ?`, submissionID, id); err != nil {
		return fmt.Errorf("problems: reference: %w", err)
	}
	return nil
}

// CompanyProblem is a company problem as its members see it.
type CompanyProblem struct {
	PublicProblem
	CompanyID    uint64 `json:"company_id"`
	Status       string `json:"status"`
	StatusDetail string `json:"status_detail,omitempty"`
}

type companyRow struct {
	problemRow
	CompanyID    sql.NullInt64 `db:"company_id"`
	Status       string        `db:"status"`
	StatusDetail string        `db:"status_detail"`
}

const selectCompany = `
SELECT p.id, p.slug, p.title, p.statement, p.difficulty, p.time_limit_ms, p.memory_limit_kb,
       p.comparison_mode, p.abs_epsilon, p.rel_epsilon, p.examples, p.starter_code,
       (SELECT COUNT(*) FROM coding_problem_tests t WHERE t.problem_id = p.id) AS test_count,
       p.created_at, p.updated_at, p.company_id, p.status, p.status_detail
FROM coding_problems p`

func (r *companyRow) view() (CompanyProblem, error) {
	pp, err := r.public()
	if err != nil {
		return CompanyProblem{}, err
	}
	return CompanyProblem{PublicProblem: pp, CompanyID: uint64(r.CompanyID.Int64), Status: r.Status, StatusDetail: r.StatusDetail}, nil
}

// GetAny returns any problem (seed or a company's) with its owner and
// status; the caller decides who may see it.
func GetAny(ctx context.Context, db sqlx.QueryerContext, id int64) (CompanyProblem, error) {
	var r companyRow
	err := sqlx.GetContext(ctx, db, &r, selectCompany+` WHERE p.id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return CompanyProblem{}, ErrNotFound
	}
	if err != nil {
		return CompanyProblem{}, fmt.Errorf("problems: get %d: %w", id, err)
	}
	return r.view()
}

// ListCompany returns a company's problems, newest first.
func ListCompany(ctx context.Context, db sqlx.QueryerContext, companyID uint64) ([]CompanyProblem, error) {
	var rows []companyRow
	if err := sqlx.SelectContext(ctx, db, &rows, selectCompany+` WHERE p.company_id = ? ORDER BY p.id DESC`, companyID); err != nil {
		return nil, fmt.Errorf("problems: list company: %w", err)
	}
	out := make([]CompanyProblem, 0, len(rows))
	for i := range rows {
		v, err := rows[i].view()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// FinishValidations publishes the validating problems whose reference
// solution passed every test and rejects those whose solution did not (or
// could not be graded); it returns the problems it decided.
func FinishValidations(ctx context.Context, db *sqlx.DB, limit int) ([]CompanyProblem, error) {
	var rows []struct {
		ID      int64          `db:"id"`
		Status  string         `db:"status"`
		Verdict sql.NullString `db:"verdict"`
		Passed  int            `db:"passed"`
		Total   int            `db:"total"`
		Output  sql.NullString `db:"compile_output"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT p.id, s.status, s.verdict, s.passed, s.total, s.compile_output
		FROM coding_problems p JOIN coding_submissions s ON s.id = p.reference_submission_id
		WHERE p.status = 'validating' AND s.status IN ('done', 'failed') LIMIT ?`, limit); err != nil {
		return nil, fmt.Errorf("problems: validations: %w", err)
	}
	var out []CompanyProblem
	for _, r := range rows {
		status, detail := StatusPublished, ""
		if r.Status != "done" || r.Verdict.String != "AC" || r.Passed != r.Total || r.Total == 0 {
			status = StatusRejected
			detail = fmt.Sprintf("the reference solution passed %d of %d tests (verdict %s)", r.Passed, r.Total, r.Verdict.String)
			if r.Status == "failed" {
				detail = "the reference solution could not be graded: " + r.Output.String
			}
			if len(detail) > 500 {
				detail = detail[:500]
			}
		}
		res, err := db.ExecContext(ctx, `UPDATE coding_problems SET status = ?, status_detail = ? WHERE id = ? AND status = 'validating'`, status, detail, r.ID)
		if err != nil {
			return out, fmt.Errorf("problems: finish validation: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue
		}
		p, err := GetAny(ctx, db, r.ID)
		if err != nil {
			return out, err
		}
		out = append(out, p)
	}
	return out, nil
}
