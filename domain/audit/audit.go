// Package audit owns the audit_log table: every recruiter write (job
// create/update/close, application status change, invitation, role change)
// records who did what to which object, with the before and after state, in
// the same transaction as the write itself, so the log can never miss a
// committed change nor show one that was rolled back.
package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// ErrBadEntry is returned for an entry without actor or action.
var ErrBadEntry = errors.New("audit: entry needs an actor and an action")

// Entry is one audited write.
type Entry struct {
	ActorID   uint64
	CompanyID uint64 // 0 = not about a company
	Action    string // e.g. job.create, application.status
	Target    string // e.g. job:42
	Before    any    // JSON-encodable state before (nil = none)
	After     any    // JSON-encodable state after (nil = none)
	RequestID string
	IP        string
}

// Row is an audit row as owners read it.
type Row struct {
	ID        uint64          `json:"id" db:"id"`
	ActorID   uint64          `json:"actor_id" db:"user_id"`
	CompanyID uint64          `json:"company_id" db:"company_id"`
	Action    string          `json:"action" db:"action"`
	Target    string          `json:"target" db:"target"`
	Before    json.RawMessage `json:"before,omitempty" db:"before_json"`
	After     json.RawMessage `json:"after,omitempty" db:"after_json"`
	RequestID string          `json:"request_id" db:"request_id"`
	IP        string          `json:"ip" db:"ip"`
	CreatedAt time.Time       `json:"created_at" db:"created_at"`
}

func encode(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit: encode: %w", err)
	}
	return b, nil
}

// Record writes e inside tx (the caller's write transaction).
func Record(ctx context.Context, tx *sqlx.Tx, e Entry) error {
	if e.ActorID == 0 || e.Action == "" {
		return ErrBadEntry
	}
	before, err := encode(e.Before)
	if err != nil {
		return err
	}
	after, err := encode(e.After)
	if err != nil {
		return err
	}
	var company any
	if e.CompanyID != 0 {
		company = e.CompanyID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (user_id, company_id, action, target, before_json, after_json, request_id, ip)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, e.ActorID, company, e.Action, e.Target, before, after, trunc(e.RequestID, 64), trunc(e.IP, 64)); err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Action, store.Translate(err))
	}
	return nil
}

// RecordAuth writes an account event (register, login, password reset,
// face reset) inside tx: the user, the action, the hashed client address
// and an optional JSON-encodable detail.
func RecordAuth(ctx context.Context, tx *sqlx.Tx, userID uint64, action string, ipHash []byte, detail any) error {
	var dj any
	if detail != nil {
		b, _ := json.Marshal(detail)
		dj = b
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (user_id, action, ip_hash, detail) VALUES (?, ?, ?, ?)`, userID, action, ipHash, dj); err != nil {
		return fmt.Errorf("audit: record %s: %w", action, store.Translate(err))
	}
	return nil
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// List returns a company's audit rows newest first, before the cursor id
// (0 = from the newest), at most limit rows; the caller checks that the
// reader may see them (owners only).
func List(ctx context.Context, db sqlx.QueryerContext, companyID, before uint64, limit int) ([]Row, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	if before == 0 {
		before = ^uint64(0) >> 1
	}
	rows := []Row{}
	err := sqlx.SelectContext(ctx, db, &rows, `SELECT id, user_id, company_id, action, target,
		COALESCE(before_json, 'null') AS before_json, COALESCE(after_json, 'null') AS after_json, request_id, ip, created_at
		FROM audit_log WHERE company_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, companyID, before, limit)
	if err != nil {
		return nil, fmt.Errorf("audit: list: %w", store.Translate(err))
	}
	return rows, nil
}
