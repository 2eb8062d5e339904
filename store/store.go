// Package store opens MySQL for every hirebus process and translates driver
// errors into domain sentinels in one place, so handlers never inspect MySQL
// error numbers themselves.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
)

// Domain sentinels shared by the edge and the workers.
var (
	ErrNotFound    = errors.New("not found")
	ErrDuplicate   = errors.New("duplicate")
	ErrConflict    = errors.New("conflict")
	ErrUnavailable = errors.New("database unavailable")
)

// Config is how a process reaches MySQL.
type Config struct {
	DSN          string
	MaxOpenConns int
	MaxIdleConns int
}

// Open connects with sane pool limits and forces parseTime, which every
// query in hirebus relies on.
func Open(ctx context.Context, cfg Config) (*sqlx.DB, error) {
	mc, err := mysql.ParseDSN(cfg.DSN)
	if err != nil {
		return nil, fmt.Errorf("store: parse dsn: %w", err)
	}
	mc.ParseTime = true
	// One round trip per query instead of prepare/execute/close; the driver
	// escapes arguments itself (safe with the utf8mb4 connection charset).
	mc.InterpolateParams = true
	mc.Loc = time.UTC
	if mc.Params == nil {
		mc.Params = map[string]string{}
	}
	mc.Params["time_zone"] = "'+00:00'"
	db, err := sqlx.Open("mysql", mc.FormatDSN())
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	if cfg.MaxOpenConns == 0 {
		cfg.MaxOpenConns = 32
	}
	if cfg.MaxIdleConns == 0 {
		cfg.MaxIdleConns = cfg.MaxOpenConns
	}
	db.SetMaxOpenConns(cfg.MaxOpenConns)
	db.SetMaxIdleConns(cfg.MaxIdleConns)
	db.SetConnMaxLifetime(30 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: ping: %w", Translate(err))
	}
	return db, nil
}

// MySQL error numbers hirebus cares about.
const (
	erDupEntry        = 1062
	erLockDeadlock    = 1213
	erLockWaitTimeout = 1205
)

// Translate maps driver errors to the package sentinels, keeping the
// original error wrapped for logs.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	var me *mysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case erDupEntry:
			return fmt.Errorf("%w: %w", ErrDuplicate, err)
		case erLockDeadlock, erLockWaitTimeout:
			return fmt.Errorf("%w: %w", ErrConflict, err)
		}
		return err
	}
	if errors.Is(err, mysql.ErrInvalidConn) || errors.Is(err, context.DeadlineExceeded) || isNetErr(err) {
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

func isNetErr(err error) bool {
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, sql.ErrConnDone) || errors.Is(err, mysql.ErrInvalidConn)
}

// Retryable reports whether err is worth retrying later (deadlock, timeout,
// lost connection) rather than a permanent failure.
func Retryable(err error) bool {
	err = Translate(err)
	return errors.Is(err, ErrConflict) || errors.Is(err, ErrUnavailable)
}

// InTx runs fn in a transaction, committing on nil and rolling back otherwise.
func InTx(ctx context.Context, db *sqlx.DB, fn func(tx *sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", Translate(err))
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", Translate(err))
	}
	return nil
}
