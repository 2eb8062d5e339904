package submissions

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// Outcome is what the score worker reads of a graded submission (also of an
// assessment's code answer): its verdict, tests and the resources used.
type Outcome struct {
	ID        uint64  `db:"id"`
	ProblemID int64   `db:"problem_id"`
	Language  string  `db:"language"`
	Status    string  `db:"status"`
	Verdict   *string `db:"verdict"`
	Passed    int     `db:"passed"`
	Total     int     `db:"total"`
	Score     float64 `db:"score"`
	TimeMS    *int64  `db:"time_ms"`
	MemoryKB  *int64  `db:"memory_kb"`
}

// OutcomeOf returns submission id's outcome, practice or assessment, or
// ErrNotFound. No access check (workers).
func OutcomeOf(ctx context.Context, q sqlx.QueryerContext, id uint64) (Outcome, error) {
	var o Outcome
	err := sqlx.GetContext(ctx, q, &o, `SELECT id, problem_id, language, status, verdict, passed, total, score, time_ms, memory_kb
		FROM coding_submissions WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return o, ErrNotFound
	}
	if err != nil {
		return o, fmt.Errorf("submissions: outcome %d: %w", id, store.Translate(err))
	}
	return o, nil
}
