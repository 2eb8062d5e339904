// Package submissions owns the coding_submissions table for practice
// submissions and their grading: the edge creates and reads them, the code
// worker moves them through pending -> running -> done/failed. Keeping the
// SQL here means one place decides what a submission row means. Every
// function takes the caller's handle or transaction, so callers keep their
// own transactions (the insert commits with its operation and outbox row).
package submissions

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// ErrNotFound is returned for a submission that does not exist; it matches
// store.ErrNotFound too.
var ErrNotFound = fmt.Errorf("submissions: %w", store.ErrNotFound)

// New is a practice submission to create.
type New struct {
	OpID           string
	UserID         uint64
	ProblemID      int64
	Language       string
	Source         string
	Total          int
	IdempotencyKey *string // nil = none
}

// Create inserts a pending submission in tx and returns its id. A second
// submission with the same user and idempotency key is store.ErrDuplicate.
func Create(ctx context.Context, tx sqlx.ExecerContext, n New) (uint64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO coding_submissions (op_id, user_id, problem_id, language, source, status, total, idempotency_key)
			VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)`, n.OpID, n.UserID, n.ProblemID, n.Language, n.Source, n.Total, n.IdempotencyKey)
	if err != nil {
		return 0, fmt.Errorf("submissions: create: %w", store.Translate(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("submissions: create: %w", err)
	}
	return uint64(id), nil
}

// Keyed is the submission an idempotency key already made.
type Keyed struct {
	ID        uint64 `db:"id"`
	OpID      string `db:"op_id"`
	ProblemID int64  `db:"problem_id"`
	Language  string `db:"language"`
	Source    string `db:"source"`
	Total     int    `db:"total"`
}

// ByKey returns the submission userID made with key, or ErrNotFound.
func ByKey(ctx context.Context, q sqlx.QueryerContext, userID uint64, key string) (Keyed, error) {
	var k Keyed
	err := sqlx.GetContext(ctx, q, &k, `SELECT id, op_id, problem_id, language, source, total FROM coding_submissions
		WHERE user_id = ? AND idempotency_key = ?`, userID, key)
	if errors.Is(err, sql.ErrNoRows) {
		return k, ErrNotFound
	}
	if err != nil {
		return k, fmt.Errorf("submissions: by key: %w", store.Translate(err))
	}
	return k, nil
}

// View is a practice submission as its author reads it.
type View struct {
	ID            uint64                  `json:"id" db:"id"`
	OpID          string                  `json:"op_id" db:"op_id"`
	UserID        uint64                  `json:"-" db:"user_id"`
	ProblemID     int64                   `json:"problem_id" db:"problem_id"`
	Language      string                  `json:"language" db:"language"`
	Source        string                  `json:"source,omitempty" db:"source"`
	Status        string                  `json:"status" db:"status"`
	Verdict       *string                 `json:"verdict" db:"verdict"`
	Passed        int                     `json:"passed" db:"passed"`
	Total         int                     `json:"total" db:"total"`
	Score         float64                 `json:"score" db:"score"`
	TimeMS        *int64                  `json:"time_ms" db:"time_ms"`
	MemoryKB      *int64                  `json:"memory_kb" db:"memory_kb"`
	CompileOutput *string                 `json:"compile_output,omitempty" db:"compile_output"`
	Results       ops.JSON                `json:"-" db:"results"`
	Tests         []events.CodeTestResult `json:"tests,omitempty" db:"-"`
	CreatedAt     time.Time               `json:"created_at" db:"created_at"`
	FinishedAt    *time.Time              `json:"finished_at" db:"finished_at"`
}

// Get returns practice submission id (not an assessment's code answer:
// those reach the candidate only through released results), or ErrNotFound.
// The caller checks that the reader may see it.
func Get(ctx context.Context, q sqlx.QueryerContext, id uint64) (View, error) {
	var v View
	err := sqlx.GetContext(ctx, q, &v, `SELECT id, op_id, user_id, problem_id, language, source, status,
		verdict, passed, total, score, time_ms, memory_kb, compile_output, results, created_at, finished_at
		FROM coding_submissions WHERE id = ? AND assessment_id IS NULL`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrNotFound
	}
	if err != nil {
		return v, fmt.Errorf("submissions: get %d: %w", id, store.Translate(err))
	}
	return v, nil
}

// List returns userID's latest 50 practice submissions, newest first, of
// problemID only unless it is 0, without sources or per-test results.
func List(ctx context.Context, q sqlx.QueryerContext, userID uint64, problemID int64) ([]View, error) {
	query := `SELECT id, op_id, user_id, problem_id, language, '' AS source, status, verdict, passed, total, score,
		time_ms, memory_kb, NULL AS compile_output, NULL AS results, created_at, finished_at
		FROM coding_submissions WHERE user_id = ? AND assessment_id IS NULL`
	args := []any{userID}
	if problemID != 0 {
		query += ` AND problem_id = ?`
		args = append(args, problemID)
	}
	query += ` ORDER BY id DESC LIMIT 50`
	list := []View{}
	if err := sqlx.SelectContext(ctx, q, &list, query, args...); err != nil {
		return nil, fmt.Errorf("submissions: list: %w", store.Translate(err))
	}
	return list, nil
}

// A user's standing on a problem, from their practice submissions.
const (
	Solved    = "solved"    // at least one accepted submission
	Attempted = "attempted" // submitted, never accepted
)

// ProblemStatuses returns, for every problem userID has submitted practice
// code to, Solved or Attempted (problems without submissions are absent).
// Assessment answers do not count: they are the company's.
func ProblemStatuses(ctx context.Context, q sqlx.QueryerContext, userID uint64) (map[int64]string, error) {
	var rows []struct {
		ProblemID int64 `db:"problem_id"`
		Solved    bool  `db:"solved"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT problem_id,
			COALESCE(MAX(status = 'done' AND verdict = 'AC'), 0) AS solved
		FROM coding_submissions WHERE user_id = ? AND assessment_id IS NULL GROUP BY problem_id`, userID); err != nil {
		return nil, fmt.Errorf("submissions: problem statuses: %w", store.Translate(err))
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.ProblemID] = Attempted
		if r.Solved {
			out[r.ProblemID] = Solved
		}
	}
	return out, nil
}

// Job is a submission as the code worker grades it.
type Job struct {
	ID        uint64 `db:"id"`
	OpID      string `db:"op_id"`
	UserID    uint64 `db:"user_id"`
	ProblemID int64  `db:"problem_id"`
	Language  string `db:"language"`
	Source    string `db:"source"`
	Status    string `db:"status"`
	// AssessmentID is set for an assessment's code answer: its result and
	// per-test pushes are the company's until it releases the results, so
	// they are addressed to no user (the edge still sees op.completed).
	AssessmentID sql.NullInt64 `db:"assessment_id"`
}

// ForGrading returns submission id (practice or assessment), or ErrNotFound.
func ForGrading(ctx context.Context, q sqlx.QueryerContext, id uint64) (Job, error) {
	var j Job
	err := sqlx.GetContext(ctx, q, &j, `SELECT id, op_id, user_id, problem_id, language, source, status, assessment_id
		FROM coding_submissions WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return j, ErrNotFound
	}
	if err != nil {
		return j, fmt.Errorf("submissions: read %d: %w", id, store.Translate(err))
	}
	return j, nil
}

// MarkRunning moves a pending (or running) submission to running, keeping
// the first start time.
func MarkRunning(ctx context.Context, e sqlx.ExecerContext, id uint64) error {
	if _, err := e.ExecContext(ctx, `UPDATE coding_submissions SET status = 'running',
		started_at = COALESCE(started_at, UTC_TIMESTAMP(3)) WHERE id = ? AND status IN ('pending', 'running')`, id); err != nil {
		return fmt.Errorf("submissions: mark %d running: %w", id, store.Translate(err))
	}
	return nil
}

// Result is a graded submission's outcome.
type Result struct {
	Verdict       string
	Passed, Total int
	Score         float64
	Tests         []byte // JSON per-test results
	CompileOutput string // "" = none (stored as NULL)
	TimeMS        int64
	MemoryKB      int64
}

// Finish stores r for a pending or running submission in tx. It reports
// false when the submission was already finished (by another delivery).
func Finish(ctx context.Context, tx sqlx.ExecerContext, id uint64, r Result) (bool, error) {
	var compile any
	if r.CompileOutput != "" {
		compile = r.CompileOutput
	}
	res, err := tx.ExecContext(ctx, `UPDATE coding_submissions SET status = 'done', verdict = ?, passed = ?, total = ?,
			score = ?, results = ?, compile_output = ?, time_ms = ?, memory_kb = ?, finished_at = UTC_TIMESTAMP(3)
			WHERE id = ? AND status IN ('pending', 'running')`,
		r.Verdict, r.Passed, r.Total, r.Score, r.Tests, compile, r.TimeMS, r.MemoryKB, id)
	if err != nil {
		return false, fmt.Errorf("submissions: store %d: %w", id, store.Translate(err))
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Fail marks a pending or running submission failed (verdict IE) with
// message in tx. It reports false when it was already finished.
func Fail(ctx context.Context, tx sqlx.ExecerContext, id uint64, message string) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE coding_submissions SET status = 'failed', verdict = 'IE',
			compile_output = ?, finished_at = UTC_TIMESTAMP(3) WHERE id = ? AND status IN ('pending', 'running')`, message, id)
	if err != nil {
		return false, fmt.Errorf("submissions: fail %d: %w", id, store.Translate(err))
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
