// Package notify owns the notifications table. A notification is stored and
// announced in one transaction: Send inserts the row and adds a
// `notification` event for the recipient to the outbox batch of the caller's
// transaction, so what /ws pushes and what GET /api/notifications lists can
// never disagree (both exist after commit, neither after a rollback).
package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// Sentinel errors.
var (
	ErrNotFound = events.NewError("notify", events.CodeNotFound, "not found")
	ErrInvalid  = errors.New("notify: notification needs a recipient, kind and title")
)

// Notification is one stored notification.
type Notification struct {
	ID        uint64          `json:"id" db:"id"`
	UserID    uint64          `json:"-" db:"user_id"`
	Kind      string          `json:"kind" db:"kind"`
	Title     string          `json:"title" db:"title"`
	Body      string          `json:"body" db:"body"`
	Data      json.RawMessage `json:"data,omitempty" db:"data"`
	ReadAt    *time.Time      `json:"read_at" db:"read_at"`
	CreatedAt time.Time       `json:"created_at" db:"created_at"`
}

// New is what a caller sends.
type New struct {
	UserID uint64
	Kind   string // e.g. application.status, company.invitation
	Title  string
	Body   string
	Data   map[string]any
}

// Send stores n and queues its `notification` event in out; tx and out must
// belong to the same outbox transaction.
func Send(ctx context.Context, tx *sqlx.Tx, out *outbox.Batch, n New) (uint64, error) {
	if n.UserID == 0 || n.Kind == "" || n.Title == "" {
		return 0, ErrInvalid
	}
	var data any
	if n.Data != nil {
		b, err := json.Marshal(n.Data)
		if err != nil {
			return 0, fmt.Errorf("notify: encode data: %w", err)
		}
		data = b
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	res, err := tx.ExecContext(ctx, `INSERT INTO notifications (user_id, kind, title, body, data, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		n.UserID, n.Kind, n.Title, n.Body, data, now)
	if err != nil {
		return 0, fmt.Errorf("notify: insert: %w", store.Translate(err))
	}
	id, _ := res.LastInsertId()
	env, err := events.NewEnvelope(events.EvtNotification, "", n.UserID, events.Notification{
		ID: uint64(id), Kind: n.Kind, Title: n.Title, Body: n.Body, Data: n.Data, CreatedAt: now.Format(time.RFC3339Nano),
	})
	if err != nil {
		return 0, err
	}
	if err := out.Add(events.UserSubject(n.UserID, events.EvtNotification), env); err != nil {
		return 0, err
	}
	return uint64(id), nil
}

// Page is one page of a user's notifications.
type Page struct {
	Items      []Notification `json:"items"`
	Unread     int            `json:"unread"`
	NextOffset int            `json:"next_offset,omitempty"`
}

// List returns userID's notifications, unread first and newest first within
// each group, limit rows from offset, with the unread count.
func List(ctx context.Context, db sqlx.QueryerContext, userID uint64, offset, limit int) (Page, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	if offset < 0 {
		offset = 0
	}
	p := Page{Items: []Notification{}}
	if err := sqlx.SelectContext(ctx, db, &p.Items, `SELECT id, user_id, kind, title, body, COALESCE(data, 'null') AS data, read_at, created_at
		FROM notifications WHERE user_id = ? ORDER BY (read_at IS NULL) DESC, id DESC LIMIT ? OFFSET ?`, userID, limit+1, offset); err != nil {
		return p, fmt.Errorf("notify: list: %w", store.Translate(err))
	}
	if len(p.Items) > limit {
		p.Items = p.Items[:limit]
		p.NextOffset = offset + limit
	}
	if err := sqlx.GetContext(ctx, db, &p.Unread, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND read_at IS NULL`, userID); err != nil {
		return p, fmt.Errorf("notify: count: %w", store.Translate(err))
	}
	return p, nil
}

// MarkRead marks one of userID's notifications read; another user's id is
// ErrNotFound.
func MarkRead(ctx context.Context, db sqlx.ExtContext, userID, id uint64) error {
	var readAt sql.NullTime
	err := sqlx.GetContext(ctx, db, &readAt, `SELECT read_at FROM notifications WHERE id = ? AND user_id = ?`, id, userID)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("notify: read: %w", store.Translate(err))
	}
	if readAt.Valid {
		return nil
	}
	if _, err := db.ExecContext(ctx, `UPDATE notifications SET read_at = UTC_TIMESTAMP(3) WHERE id = ? AND user_id = ? AND read_at IS NULL`, id, userID); err != nil {
		return fmt.Errorf("notify: mark read: %w", store.Translate(err))
	}
	return nil
}

// MarkAllRead marks every unread notification of userID read and reports how many.
func MarkAllRead(ctx context.Context, db sqlx.ExecerContext, userID uint64) (int64, error) {
	res, err := db.ExecContext(ctx, `UPDATE notifications SET read_at = UTC_TIMESTAMP(3) WHERE user_id = ? AND read_at IS NULL`, userID)
	if err != nil {
		return 0, fmt.Errorf("notify: mark all read: %w", store.Translate(err))
	}
	n, _ := res.RowsAffected()
	return n, nil
}
