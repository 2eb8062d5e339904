// Package users owns the users table: accounts, their password hash and
// face flags. The edge (register, login, reset) and the face worker
// (enrolment) change accounts only through it, so the rules about an
// account row (who locks it, what a reset revokes) live in one place.
// Every function takes the caller's handle or transaction so callers keep
// their own transactions and lock order.
package users

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// ErrNotFound is returned for an account or session that does not exist;
// it matches store.ErrNotFound too.
var ErrNotFound = fmt.Errorf("users: %w", store.ErrNotFound)

// User is the public view of an account.
type User struct {
	ID           uint64    `json:"id" db:"id"`
	Username     string    `json:"username" db:"username"`
	Email        string    `json:"email" db:"email"`
	Role         string    `json:"role" db:"role"`
	FullName     string    `json:"full_name" db:"full_name"`
	FaceEnrolled bool      `json:"face_enrolled" db:"face_enrolled"`
	CreatedAt    time.Time `json:"created_at" db:"created_at"`
}

const columns = `id, username, email, role, full_name, face_enrolled, created_at`

// New is an account to create.
type New struct {
	Username, Email string
	PasswordHash    []byte
	Role, FullName  string
}

// Create inserts an account and returns its id. A taken username or e-mail
// is store.ErrDuplicate.
func Create(ctx context.Context, e sqlx.ExecerContext, n New) (uint64, error) {
	res, err := e.ExecContext(ctx, `INSERT INTO users (username, email, password_hash, role, full_name) VALUES (?, ?, ?, ?, ?)`,
		n.Username, n.Email, n.PasswordHash, n.Role, n.FullName)
	if err != nil {
		return 0, fmt.Errorf("users: create: %w", store.Translate(err))
	}
	id, _ := res.LastInsertId()
	return uint64(id), nil
}

// Get returns account id, or ErrNotFound.
func Get(ctx context.Context, q sqlx.QueryerContext, id uint64) (User, error) {
	var u User
	err := sqlx.GetContext(ctx, q, &u, `SELECT `+columns+` FROM users WHERE id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return u, ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("users: get %d: %w", id, store.Translate(err))
	}
	return u, nil
}

// Key is the column a sign-in looks an account up by. A struct, not a
// string, so that no caller can pass a column name or an SQL fragment of
// its own: only the three lookups below exist.
type Key struct{ column string }

// Sign-in lookups.
var (
	ByID       = Key{"id"}
	ByEmail    = Key{"email"}
	ByUsername = Key{"username"}
)

// Login is an account with what a sign-in checks.
type Login struct {
	User
	PasswordHash []byte `db:"password_hash"`
	RequireFace  bool   `db:"require_face"`
}

// GetLogin returns the account whose key column equals arg, or ErrNotFound.
func GetLogin(ctx context.Context, q sqlx.QueryerContext, key Key, arg any) (Login, error) {
	var u Login
	switch key {
	case ByID, ByEmail, ByUsername:
	default:
		return u, fmt.Errorf("users: bad lookup key %q", key.column)
	}
	err := sqlx.GetContext(ctx, q, &u, `SELECT `+columns+`, password_hash, require_face FROM users WHERE `+key.column+` = ? LIMIT 1`, arg)
	if errors.Is(err, sql.ErrNoRows) {
		return u, ErrNotFound
	}
	if err != nil {
		return u, fmt.Errorf("users: login lookup: %w", store.Translate(err))
	}
	return u, nil
}

// EmailExists reports whether an account has exactly this e-mail address.
func EmailExists(ctx context.Context, q sqlx.QueryerContext, email string) (bool, error) {
	var n int
	if err := sqlx.GetContext(ctx, q, &n, `SELECT COUNT(*) FROM users WHERE email = ?`, email); err != nil {
		return false, fmt.Errorf("users: email lookup: %w", store.Translate(err))
	}
	return n > 0, nil
}

// Lock locks account id in tx (FOR UPDATE), or returns ErrNotFound.
func Lock(ctx context.Context, tx *sqlx.Tx, id uint64) error {
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM users WHERE id = ? FOR UPDATE`, id); err != nil {
		return fmt.Errorf("users: lock %d: %w", id, store.Translate(err))
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// LockFace locks account id in tx and returns whether its face is
// enrolled, or ErrNotFound.
func LockFace(ctx context.Context, tx *sqlx.Tx, id uint64) (bool, error) {
	var enrolled bool
	err := tx.GetContext(ctx, &enrolled, `SELECT face_enrolled FROM users WHERE id = ? FOR UPDATE`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, ErrNotFound
	}
	if err != nil {
		return false, fmt.Errorf("users: lock %d: %w", id, store.Translate(err))
	}
	return enrolled, nil
}

// LockByEmail locks the account with exactly this e-mail address in tx and
// returns its id and whether its face is enrolled, or ErrNotFound.
func LockByEmail(ctx context.Context, tx *sqlx.Tx, email string) (id uint64, face bool, err error) {
	var acct struct {
		ID   uint64 `db:"id"`
		Face bool   `db:"face_enrolled"`
	}
	err = tx.GetContext(ctx, &acct, `SELECT id, face_enrolled FROM users WHERE email = ? FOR UPDATE`, email)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, ErrNotFound
	}
	if err != nil {
		return 0, false, fmt.Errorf("users: lock by email: %w", store.Translate(err))
	}
	return acct.ID, acct.Face, nil
}

// SetPassword replaces account id's password hash.
func SetPassword(ctx context.Context, e sqlx.ExecerContext, id uint64, hash []byte) error {
	if _, err := e.ExecContext(ctx, `UPDATE users SET password_hash = ? WHERE id = ?`, hash, id); err != nil {
		return fmt.Errorf("users: set password %d: %w", id, store.Translate(err))
	}
	return nil
}

// ResetPassword replaces account id's password hash and revokes its face:
// whoever replaced the face with a stolen session must not keep face
// sign-in after the owner resets the password.
func ResetPassword(ctx context.Context, e sqlx.ExecerContext, id uint64, hash []byte) error {
	if _, err := e.ExecContext(ctx, `UPDATE users SET password_hash = ?, face_enrolled = FALSE WHERE id = ?`, hash, id); err != nil {
		return fmt.Errorf("users: reset password %d: %w", id, store.Translate(err))
	}
	return nil
}

// SetFaceEnrolled records whether account id has an enrolled face.
func SetFaceEnrolled(ctx context.Context, e sqlx.ExecerContext, id uint64, enrolled bool) error {
	if _, err := e.ExecContext(ctx, `UPDATE users SET face_enrolled = ? WHERE id = ?`, enrolled, id); err != nil {
		return fmt.Errorf("users: set face %d: %w", id, store.Translate(err))
	}
	return nil
}

// Delete removes account id (a registration that did not finish).
func Delete(ctx context.Context, e sqlx.ExecerContext, id uint64) error {
	if _, err := e.ExecContext(ctx, `DELETE FROM users WHERE id = ?`, id); err != nil {
		return fmt.Errorf("users: delete %d: %w", id, store.Translate(err))
	}
	return nil
}
