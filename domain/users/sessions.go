package users

// The user_sessions table: one row per sign-in, revoked on logout, password
// reset or face reset.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// NewSession is a session to store.
type NewSession struct {
	ID         string
	UserID     uint64
	DeviceHash []byte
	UserAgent  string
	Method     string // password, face, password+face or register
	ExpiresAt  time.Time
}

// CreateSession stores a session row.
func CreateSession(ctx context.Context, e sqlx.ExecerContext, n NewSession) error {
	_, err := e.ExecContext(ctx, `INSERT INTO user_sessions (id, user_id, device_hash, user_agent, method, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
		n.ID, n.UserID, n.DeviceHash, n.UserAgent, n.Method, n.ExpiresAt)
	if err != nil {
		return fmt.Errorf("users: create session: %w", store.Translate(err))
	}
	return nil
}

// Session is a stored session's state.
type Session struct {
	UserID    uint64       `db:"user_id"`
	ExpiresAt time.Time    `db:"expires_at"`
	RevokedAt sql.NullTime `db:"revoked_at"`
}

// GetSession returns session sid, or ErrNotFound.
func GetSession(ctx context.Context, q sqlx.QueryerContext, sid string) (Session, error) {
	var s Session
	err := sqlx.GetContext(ctx, q, &s, `SELECT user_id, expires_at, revoked_at FROM user_sessions WHERE id = ?`, sid)
	if errors.Is(err, sql.ErrNoRows) {
		return s, ErrNotFound
	}
	if err != nil {
		return s, fmt.Errorf("users: get session: %w", store.Translate(err))
	}
	return s, nil
}

// ActiveSessions returns the ids of userID's sessions that are not revoked.
func ActiveSessions(ctx context.Context, q sqlx.QueryerContext, userID uint64) ([]string, error) {
	var ids []string
	if err := sqlx.SelectContext(ctx, q, &ids, `SELECT id FROM user_sessions WHERE user_id = ? AND revoked_at IS NULL`, userID); err != nil {
		return nil, fmt.Errorf("users: list sessions: %w", store.Translate(err))
	}
	return ids, nil
}

// RevokeSession revokes session id (a revoked one keeps its first time).
func RevokeSession(ctx context.Context, e sqlx.ExecerContext, id string) error {
	if _, err := e.ExecContext(ctx, `UPDATE user_sessions SET revoked_at = UTC_TIMESTAMP(3) WHERE id = ? AND revoked_at IS NULL`, id); err != nil {
		return fmt.Errorf("users: revoke session: %w", store.Translate(err))
	}
	return nil
}

// RegisterSession returns the first live session userID's registration
// opened, or ErrNotFound once it has ended.
func RegisterSession(ctx context.Context, q sqlx.QueryerContext, userID uint64) (id string, expires time.Time, err error) {
	var s struct {
		ID      string    `db:"id"`
		Expires time.Time `db:"expires_at"`
	}
	err = sqlx.GetContext(ctx, q, &s, `SELECT id, expires_at FROM user_sessions
		WHERE user_id = ? AND method = 'register' AND revoked_at IS NULL AND expires_at > UTC_TIMESTAMP(3) ORDER BY created_at LIMIT 1`, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, ErrNotFound
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("users: register session: %w", store.Translate(err))
	}
	return s.ID, s.Expires, nil
}

// PurgeSessions deletes up to 5000 expired sessions and returns how many.
func PurgeSessions(ctx context.Context, e sqlx.ExecerContext) (int64, error) {
	res, err := e.ExecContext(ctx, `DELETE FROM user_sessions WHERE expires_at < UTC_TIMESTAMP(3) LIMIT 5000`)
	if err != nil {
		return 0, fmt.Errorf("users: purge sessions: %w", store.Translate(err))
	}
	n, _ := res.RowsAffected()
	return n, nil
}
