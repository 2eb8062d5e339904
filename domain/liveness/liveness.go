// Package liveness owns face_challenges: the random step sequences a face
// sign-in (or a liveness check before an assessment) must perform on camera.
// A challenge is issued once, used at most once and only before it expires,
// so a recorded answer to one challenge is worth nothing for the next.
package liveness

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// ErrUnusable: the challenge is unknown, expired or already used.
var ErrUnusable = errors.New("liveness: challenge unknown, expired or used")

// Issue stores a challenge and trims a few long-expired ones on the way
// (they are of no use to anyone).
func Issue(ctx context.Context, db sqlx.ExecerContext, id string, steps []string, expires time.Time) error {
	if _, err := db.ExecContext(ctx, `INSERT INTO face_challenges (id, steps, expires_at) VALUES (?, ?, ?)`, id, strings.Join(steps, ","), expires); err != nil {
		return fmt.Errorf("liveness: issue: %w", store.Translate(err))
	}
	_, _ = db.ExecContext(ctx, `DELETE FROM face_challenges WHERE expires_at < NOW(3) - INTERVAL 1 HOUR LIMIT 100`)
	return nil
}

// Use consumes a challenge (once, before it expires) and returns its steps.
func Use(ctx context.Context, db sqlx.ExtContext, id string) ([]string, error) {
	res, err := db.ExecContext(ctx, `UPDATE face_challenges SET used_at = NOW(3) WHERE id = ? AND used_at IS NULL AND expires_at > NOW(3)`, id)
	if err != nil {
		return nil, fmt.Errorf("liveness: use: %w", store.Translate(err))
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, ErrUnusable
	}
	var steps string
	err = sqlx.GetContext(ctx, db, &steps, `SELECT steps FROM face_challenges WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrUnusable
	}
	if err != nil {
		return nil, fmt.Errorf("liveness: read: %w", store.Translate(err))
	}
	return strings.Split(steps, ","), nil
}
