// Package consent owns the consents table: which version of a privacy notice
// a user accepted and when it was withdrawn. Biometric data (face photos and
// descriptors) may only be taken after a clear notice; recording the exact
// version accepted lets us prove what the person was told, and a new version
// of the notice asks again instead of silently reusing an old consent.
//
// The notices themselves live here too (Notices), so the page shows the text
// of the version it records: the browser fetches the notice from the API
// and sends its version back.
package consent

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// NoticeFace is the notice shown before any camera capture.
const NoticeFace = "face"

// Outcomes (typed: the edge maps their classes to HTTP once).
var (
	// ErrUnknownNotice: no such notice.
	ErrUnknownNotice = events.NewError("consent", events.CodeUnknownNotice, "no such notice")
	// ErrStaleVersion: the version accepted is not the current one (the page
	// showed an older text); the person must read the current one.
	ErrStaleVersion = events.NewError("consent", events.CodeNoticeChanged, "the notice has changed since it was shown; read the current one and accept it again")
	// ErrNotFound: the user has no consent on record.
	ErrNotFound = events.NewError("consent", events.CodeNoConsent, "no consent on record")
)

// Notice is one privacy notice as the pages show it.
type Notice struct {
	Notice    string   `json:"notice"`
	Version   string   `json:"version"`
	Title     string   `json:"title"`
	Summary   string   `json:"summary"`
	Stored    []string `json:"stored"`
	Retention string   `json:"retention"`
	Delete    string   `json:"delete"`
}

// Notices are the current notices by name. Changing a text means a new
// Version (a date): consents to older versions no longer count as current.
var Notices = map[string]Notice{
	NoticeFace: {
		Notice:  NoticeFace,
		Version: "2026-12-01",
		Title:   "Before we use your camera",
		Summary: "hirebus uses your face to sign you in and, during proctored assessments, to check that the person taking the test is you. Nothing is taken until you agree, and you can withdraw at any time.",
		Stored: []string{
			"Face sign-in keeps a numeric description of your face (128 numbers per photo, at most 10), computed from the photos you take. The photos themselves are not kept.",
			"A sign-in with your face compares the pictures it takes with that description; those pictures are not kept.",
			"During a proctored assessment, the company that invited you may keep a few webcam frames as evidence, with the assessment's report.",
		},
		Retention: "The face description is kept until you delete it, replace it, reset your password, or delete your account. Assessment evidence is kept as long as the company keeps the report.",
		Delete:    "Delete your face data at any time from Home → Privacy (\"Delete my face data\"). We also send you a mail whenever your face data changes.",
	},
}

// Current returns the current notice of the given name.
func Current(notice string) (Notice, error) {
	n, ok := Notices[notice]
	if !ok {
		return Notice{}, ErrUnknownNotice
	}
	return n, nil
}

// Consent is one recorded acceptance.
type Consent struct {
	ID          uint64     `json:"id" db:"id"`
	UserID      uint64     `json:"-" db:"user_id"`
	Notice      string     `json:"notice" db:"notice"`
	Version     string     `json:"version" db:"version"`
	AcceptedAt  time.Time  `json:"accepted_at" db:"accepted_at"`
	WithdrawnAt *time.Time `json:"withdrawn_at" db:"withdrawn_at"`
	// Current: the version is the notice's current one and not withdrawn.
	Current bool `json:"current" db:"-"`
}

// Record stores that userID accepted version of notice; only the current
// version can be accepted (ErrStaleVersion otherwise). ipHash may be nil.
func Record(ctx context.Context, e sqlx.ExecerContext, userID uint64, notice, version string, ipHash []byte) (uint64, error) {
	n, err := Current(notice)
	if err != nil {
		return 0, err
	}
	if version != n.Version {
		return 0, ErrStaleVersion
	}
	res, err := e.ExecContext(ctx, `INSERT INTO consents (user_id, notice, version, ip_hash) VALUES (?, ?, ?, ?)`, userID, notice, version, ipHash)
	if err != nil {
		return 0, fmt.Errorf("consent: record: %w", store.Translate(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("consent: record id: %w", err)
	}
	return uint64(id), nil
}

// Latest returns the user's most recent consent to notice, or ErrNotFound.
func Latest(ctx context.Context, q sqlx.QueryerContext, userID uint64, notice string) (Consent, error) {
	var c Consent
	err := sqlx.GetContext(ctx, q, &c, `SELECT id, user_id, notice, version, accepted_at, withdrawn_at
		FROM consents WHERE user_id = ? AND notice = ? ORDER BY id DESC LIMIT 1`, userID, notice)
	if errors.Is(err, sql.ErrNoRows) {
		return Consent{}, ErrNotFound
	}
	if err != nil {
		return Consent{}, fmt.Errorf("consent: latest: %w", store.Translate(err))
	}
	if n, ok := Notices[notice]; ok {
		c.Current = c.WithdrawnAt == nil && c.Version == n.Version
	}
	return c, nil
}

// Withdraw marks every open consent of the user to notice withdrawn and
// returns how many it changed.
func Withdraw(ctx context.Context, e sqlx.ExecerContext, userID uint64, notice string) (int64, error) {
	res, err := e.ExecContext(ctx, `UPDATE consents SET withdrawn_at = CURRENT_TIMESTAMP(3) WHERE user_id = ? AND notice = ? AND withdrawn_at IS NULL`, userID, notice)
	if err != nil {
		return 0, fmt.Errorf("consent: withdraw: %w", store.Translate(err))
	}
	return res.RowsAffected()
}
