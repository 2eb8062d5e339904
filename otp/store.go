package otp

// This file is the otp package's SQL: it owns the otp_codes and
// otp_requests tables. Every function takes the caller's transaction or
// handle so the edge and the mail worker keep their own transactions.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// Outcomes of Check and ConsumeVerified.
var (
	// ErrInvalid: no live code matches (or none is live).
	ErrInvalid = errors.New("otp: the code is wrong or expired")
	// ErrTooMany: every live code has used up its attempts.
	ErrTooMany = errors.New("otp: too many wrong codes")
	// ErrNotVerified: there is no verified, unconsumed code.
	ErrNotVerified = errors.New("otp: no verified code")
)

// CountRequests returns how many mail requests email and the client iph
// made since since.
func CountRequests(ctx context.Context, q sqlx.QueryerContext, email string, iph []byte, since time.Time) (byEmail, byIP int, err error) {
	if err := sqlx.GetContext(ctx, q, &byEmail, `SELECT COUNT(*) FROM otp_requests WHERE email = ? AND created_at > ?`, email, since); err != nil {
		return 0, 0, fmt.Errorf("otp: count requests: %w", store.Translate(err))
	}
	if err := sqlx.GetContext(ctx, q, &byIP, `SELECT COUNT(*) FROM otp_requests WHERE ip_hash = ? AND created_at > ?`, iph, since); err != nil {
		return 0, 0, fmt.Errorf("otp: count requests: %w", store.Translate(err))
	}
	return byEmail, byIP, nil
}

// OldestRequest returns the oldest request since since, by email when
// byEmail is set, else by the client iph.
func OldestRequest(ctx context.Context, q sqlx.QueryerContext, byEmail bool, email string, iph []byte, since time.Time) (time.Time, error) {
	var oldest time.Time
	col, arg := "ip_hash", any(iph)
	if byEmail {
		col, arg = "email", email
	}
	if err := sqlx.GetContext(ctx, q, &oldest, `SELECT MIN(created_at) FROM otp_requests WHERE `+col+` = ? AND created_at > ?`, arg, since); err != nil {
		return oldest, fmt.Errorf("otp: oldest request: %w", store.Translate(err))
	}
	return oldest, nil
}

// RecordRequest counts one mail request for email from iph.
func RecordRequest(ctx context.Context, e sqlx.ExecerContext, email string, iph []byte) error {
	if _, err := e.ExecContext(ctx, `INSERT INTO otp_requests (email, ip_hash) VALUES (?, ?)`, email, iph); err != nil {
		return fmt.Errorf("otp: record request: %w", store.Translate(err))
	}
	return nil
}

// Check verifies code against every live code for email+purpose in tx and
// marks the matching one verified. Any live code works, so a code someone
// else requested for the address never invalidates the one its owner is
// typing. A wrong try counts against every live code (row-locked), so more
// codes do not mean more guesses: then wrong is true and err nil, so the
// caller commits the counted try. With no live code the error is
// ErrInvalid, or ErrTooMany when codes exist but are exhausted.
func Check(ctx context.Context, tx *sqlx.Tx, email, purpose, code string) (wrong bool, err error) {
	var rows []struct {
		ID       uint64       `db:"id"`
		Hash     []byte       `db:"code_hash"`
		Salt     []byte       `db:"salt"`
		Attempts int          `db:"attempts"`
		Max      int          `db:"max_attempts"`
		Verified sql.NullTime `db:"verified_at"`
	}
	err = tx.SelectContext(ctx, &rows, `SELECT id, code_hash, salt, attempts, max_attempts, verified_at FROM otp_codes
			WHERE email = ? AND purpose = ? AND consumed_at IS NULL AND expires_at > UTC_TIMESTAMP(3)
			ORDER BY id DESC LIMIT 20 FOR UPDATE`, email, purpose)
	if err != nil {
		return false, fmt.Errorf("otp: read: %w", store.Translate(err))
	}
	var live []uint64
	exhausted := false
	for _, row := range rows {
		if row.Attempts >= row.Max {
			exhausted = true
			continue
		}
		live = append(live, row.ID)
		if !Equal(code, row.Salt, row.Hash) {
			continue
		}
		if !row.Verified.Valid {
			if _, err := tx.ExecContext(ctx, `UPDATE otp_codes SET verified_at = UTC_TIMESTAMP(3) WHERE id = ?`, row.ID); err != nil {
				return false, fmt.Errorf("otp: mark verified: %w", store.Translate(err))
			}
		}
		return false, nil
	}
	if len(live) == 0 {
		if exhausted {
			return false, ErrTooMany
		}
		return false, ErrInvalid
	}
	q, args, err := sqlx.In(`UPDATE otp_codes SET attempts = attempts + 1 WHERE id IN (?)`, live)
	if err != nil {
		return false, fmt.Errorf("otp: count try: %w", err)
	}
	if _, err := tx.ExecContext(ctx, q, args...); err != nil {
		return false, fmt.Errorf("otp: count try: %w", store.Translate(err))
	}
	return true, nil
}

const verifiedQuery = `SELECT id FROM otp_codes WHERE email = ? AND purpose = ? AND verified_at IS NOT NULL
		AND consumed_at IS NULL AND verified_at > UTC_TIMESTAMP(3) - INTERVAL 30 MINUTE ORDER BY id DESC LIMIT 1`

// HasVerified is the cheap check before expensive work (bcrypt): is there
// a verified, unconsumed code for email+purpose? ErrNotVerified if not.
func HasVerified(ctx context.Context, q sqlx.QueryerContext, email, purpose string) error {
	var id uint64
	err := sqlx.GetContext(ctx, q, &id, verifiedQuery, email, purpose)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotVerified
	}
	if err != nil {
		return fmt.Errorf("otp: read verified: %w", store.Translate(err))
	}
	return nil
}

// ConsumeVerified takes the newest verified, unconsumed code in tx and ends
// every other live code for the same address and purpose: a code is good
// for one registration or reset. ErrNotVerified if there is none.
func ConsumeVerified(ctx context.Context, tx *sqlx.Tx, email, purpose string) error {
	var id uint64
	err := tx.GetContext(ctx, &id, verifiedQuery+` FOR UPDATE`, email, purpose)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotVerified
	}
	if err != nil {
		return fmt.Errorf("otp: read verified: %w", store.Translate(err))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE otp_codes SET consumed_at = UTC_TIMESTAMP(3) WHERE email = ? AND purpose = ? AND consumed_at IS NULL`, email, purpose); err != nil {
		return fmt.Errorf("otp: consume: %w", store.Translate(err))
	}
	return nil
}

// Unconsume gives back the newest code consumed for email+purpose that was
// verified in the last 30 minutes (a registration that did not finish).
func Unconsume(ctx context.Context, e sqlx.ExecerContext, email, purpose string) error {
	_, err := e.ExecContext(ctx, `UPDATE otp_codes SET consumed_at = NULL WHERE email = ? AND purpose = ? AND consumed_at IS NOT NULL
					AND verified_at > UTC_TIMESTAMP(3) - INTERVAL 30 MINUTE ORDER BY id DESC LIMIT 1`, email, purpose)
	if err != nil {
		return fmt.Errorf("otp: unconsume: %w", store.Translate(err))
	}
	return nil
}

// SentAt returns when the code stored for the mail command commandID was
// sent (invalid if not yet). sql.ErrNoRows if no code is stored for it.
func SentAt(ctx context.Context, q sqlx.QueryerContext, commandID string) (sql.NullTime, error) {
	var sentAt sql.NullTime
	err := sqlx.GetContext(ctx, q, &sentAt, `SELECT sent_at FROM otp_codes WHERE command_id = ?`, commandID)
	if errors.Is(err, sql.ErrNoRows) {
		return sentAt, err
	}
	if err != nil {
		return sentAt, fmt.Errorf("otp: read sent: %w", store.Translate(err))
	}
	return sentAt, nil
}

// Code is a code to store for a mail command.
type Code struct {
	CommandID   string
	Email       string
	Purpose     string
	Hash        []byte
	Salt        []byte
	MaxAttempts int
	ExpiresAt   time.Time
}

// Store stores c unless a code for its command is stored already (a
// redelivery keeps the first row as it is) and returns the stored expiry.
func Store(ctx context.Context, db sqlx.ExtContext, c Code) (time.Time, error) {
	var stored time.Time
	if _, err := db.ExecContext(ctx, `INSERT IGNORE INTO otp_codes (command_id, email, purpose, code_hash, salt, max_attempts, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		c.CommandID, c.Email, c.Purpose, c.Hash, c.Salt, c.MaxAttempts, c.ExpiresAt); err != nil {
		return stored, fmt.Errorf("otp: store: %w", store.Translate(err))
	}
	if err := sqlx.GetContext(ctx, db, &stored, `SELECT expires_at FROM otp_codes WHERE command_id = ?`, c.CommandID); err != nil {
		return stored, fmt.Errorf("otp: read stored: %w", store.Translate(err))
	}
	return stored, nil
}

// MarkSent records that the code of the mail command commandID left.
func MarkSent(ctx context.Context, e sqlx.ExecerContext, commandID string) error {
	if _, err := e.ExecContext(ctx, `UPDATE otp_codes SET sent_at = UTC_TIMESTAMP(3) WHERE command_id = ?`, commandID); err != nil {
		return fmt.Errorf("otp: mark sent: %w", store.Translate(err))
	}
	return nil
}

// Purge deletes codes expired more than a day ago and request counts older
// than a day, at most 5000 rows each, and returns how many went.
func Purge(ctx context.Context, e sqlx.ExecerContext) (int64, error) {
	var total int64
	for _, q := range []string{
		`DELETE FROM otp_codes WHERE expires_at < UTC_TIMESTAMP(3) - INTERVAL 1 DAY LIMIT 5000`,
		`DELETE FROM otp_requests WHERE created_at < UTC_TIMESTAMP(3) - INTERVAL 1 DAY LIMIT 5000`,
	} {
		res, err := e.ExecContext(ctx, q)
		if err != nil {
			return total, fmt.Errorf("otp: purge: %w", store.Translate(err))
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}
