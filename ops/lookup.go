package ops

import (
	"context"
	"fmt"
	"time"

	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// GetFresh reads one operation and whether it was created in the last
// minutes minutes (by the database's clock). A missing operation's error
// matches sql.ErrNoRows and store.ErrNotFound.
func GetFresh(ctx context.Context, db sqlx.QueryerContext, id string, minutes int) (op Op, fresh bool, err error) {
	var row struct {
		Op
		Young bool `db:"young"`
	}
	err = sqlx.GetContext(ctx, db, &row, `SELECT id, type, user_id, status, result, error, created_at, updated_at,
		created_at > NOW(3) - INTERVAL `+fmt.Sprint(minutes)+` MINUTE AS young FROM operations WHERE id = ?`, id)
	if err != nil {
		return Op{}, false, fmt.Errorf("ops: get: %w", store.Translate(err))
	}
	return row.Op, row.Young, nil
}

// FirstOfType returns the id of userID's first operation of type typ
// created no later than notAfter. A missing one's error matches
// sql.ErrNoRows and store.ErrNotFound.
func FirstOfType(ctx context.Context, db sqlx.QueryerContext, userID uint64, typ string, notAfter time.Time) (string, error) {
	var id string
	if err := sqlx.GetContext(ctx, db, &id, `SELECT id FROM operations WHERE user_id = ? AND type = ? AND created_at <= ? ORDER BY created_at LIMIT 1`,
		userID, typ, notAfter); err != nil {
		return "", fmt.Errorf("ops: first of type: %w", store.Translate(err))
	}
	return id, nil
}
