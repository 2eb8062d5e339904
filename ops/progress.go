package ops

import (
	"context"
	"fmt"

	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// ProgressItem records, in tx, that item of operation opID is being pushed.
// It returns the push's sequence (increasing within the operation, in commit
// order; gaps are allowed) and fresh=false when an earlier delivery of the
// command already pushed that item: the caller then pushes nothing, so a
// regraded submission does not repeat its tests.
func ProgressItem(ctx context.Context, tx *sqlx.Tx, opID string, item int) (seq uint64, fresh bool, err error) {
	res, err := tx.ExecContext(ctx, `INSERT IGNORE INTO op_progress (op_id, item) VALUES (?, ?)`, opID, item)
	if err != nil {
		return 0, false, fmt.Errorf("ops: progress item: %w", store.Translate(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, false, nil
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, false, fmt.Errorf("ops: progress item: %w", err)
	}
	return uint64(id), true, nil
}
