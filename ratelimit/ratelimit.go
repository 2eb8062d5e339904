// Package ratelimit holds the rate limits and login backoff that every edge
// process shares. Limits counted in one process's memory multiply with the
// number of edges (issue 7 / issue 15), so the state lives in MySQL, which
// every edge already reaches: one upsert per check, no extra service.
//
// This package owns the tables rate_limits and auth_backoff.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// Rate is N events per Per, with bursts of up to N.
type Rate struct {
	N   int
	Per time.Duration
}

// PerMinute is n events a minute.
func PerMinute(n int) Rate { return Rate{N: n, Per: time.Minute} }

// Off reports whether the rate disables the limit (N <= 0).
func (r Rate) Off() bool { return r.N <= 0 || r.Per <= 0 }

// Decision is the answer to one Allow.
type Decision struct {
	OK bool
	// RetryAfter is how long until the next event would be allowed
	// (zero when OK).
	RetryAfter time.Duration
}

// Limiter decides whether one more event for key fits its rate. Callers
// choose keys that include the limit's name ("login-ip:" + ip).
type Limiter interface {
	Allow(ctx context.Context, key string, r Rate) (Decision, error)
}

// MySQL is the shared Limiter: a generic cell-rate algorithm (a token
// bucket without a timer) whose theoretical arrival time is one row.
type MySQL struct {
	DB  *sqlx.DB
	Now func() time.Time // tests; default time.Now
}

// NewMySQL returns the shared limiter on db.
func NewMySQL(db *sqlx.DB) *MySQL { return &MySQL{DB: db} }

func (m *MySQL) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func hashKey(key string) []byte {
	h := sha256.Sum256([]byte("hirebus-rate\x00" + key))
	return h[:]
}

// Allow admits an event when the bucket has room and then charges it. The
// decision and the charge are one statement: an allowed event moves tat
// forward (rows affected 1 = new row, 2 = changed), a refused one leaves the
// row as it is (0), so concurrent edges never admit more than the rate.
func (m *MySQL) Allow(ctx context.Context, key string, r Rate) (Decision, error) {
	if r.Off() {
		return Decision{OK: true}, nil
	}
	now := m.now().UnixMicro()
	step := r.Per.Microseconds() / int64(r.N)
	if step < 1 {
		step = 1
	}
	tol := r.Per.Microseconds() - step // burst of N
	k := hashKey(key)
	res, err := m.DB.ExecContext(ctx, `INSERT INTO rate_limits (k, tat) VALUES (?, ?)
		ON DUPLICATE KEY UPDATE tat = IF(GREATEST(tat, ?) <= ?, GREATEST(tat, ?) + ?, tat)`,
		k, now+step, now, now+tol, now, step)
	if err != nil {
		return Decision{}, fmt.Errorf("ratelimit: allow: %w", store.Translate(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return Decision{}, fmt.Errorf("ratelimit: allow: %w", err)
	}
	if n > 0 {
		return Decision{OK: true}, nil
	}
	var tat int64
	if err := m.DB.GetContext(ctx, &tat, `SELECT tat FROM rate_limits WHERE k = ?`, k); err != nil {
		return Decision{}, fmt.Errorf("ratelimit: read: %w", store.Translate(err))
	}
	wait := time.Duration(tat-now-tol) * time.Microsecond
	if wait < time.Second {
		wait = time.Second
	}
	return Decision{OK: false, RetryAfter: wait}, nil
}

// Backoff slows down guessing against one account without locking its
// owner out: the first Free failures cost nothing, then every failure
// doubles the wait before the next attempt, from Base up to Max. A success
// clears it. An attacker can make the owner wait at most Max, never lock
// the account.
type Backoff struct {
	DB   *sqlx.DB
	Free int           // failures without delay (default 5)
	Base time.Duration // first delay (default 1s)
	Max  time.Duration // longest delay (default 60s)
	Now  func() time.Time
}

func (b *Backoff) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

func (b *Backoff) params() (free int, base, max time.Duration) {
	free, base, max = b.Free, b.Base, b.Max
	if free <= 0 {
		free = 5
	}
	if base <= 0 {
		base = time.Second
	}
	if max <= 0 {
		max = time.Minute
	}
	return free, base, max
}

// Delay returns how long the caller must wait before trying key again
// (zero: go ahead).
func (b *Backoff) Delay(ctx context.Context, key string) (time.Duration, error) {
	var next int64
	err := b.DB.GetContext(ctx, &next, `SELECT COALESCE(MAX(next_at), 0) FROM auth_backoff WHERE k = ?`, hashKey(key))
	if err != nil {
		return 0, fmt.Errorf("ratelimit: backoff read: %w", store.Translate(err))
	}
	if wait := time.Duration(next-b.now().UnixMicro()) * time.Microsecond; wait > 0 {
		return wait, nil
	}
	return 0, nil
}

// Fail records a failed attempt and returns the wait now required.
func (b *Backoff) Fail(ctx context.Context, key string) (time.Duration, error) {
	free, base, max := b.params()
	k := hashKey(key)
	if _, err := b.DB.ExecContext(ctx, `INSERT INTO auth_backoff (k, failures) VALUES (?, 1)
		ON DUPLICATE KEY UPDATE failures = failures + 1`, k); err != nil {
		return 0, fmt.Errorf("ratelimit: backoff fail: %w", store.Translate(err))
	}
	var failures int
	if err := b.DB.GetContext(ctx, &failures, `SELECT failures FROM auth_backoff WHERE k = ?`, k); err != nil {
		return 0, fmt.Errorf("ratelimit: backoff read: %w", store.Translate(err))
	}
	if failures <= free {
		return 0, nil
	}
	wait := base
	for i := free + 1; i < failures && wait < max; i++ {
		wait *= 2
	}
	wait = min(wait, max)
	next := b.now().Add(wait).UnixMicro()
	if _, err := b.DB.ExecContext(ctx, `UPDATE auth_backoff SET next_at = GREATEST(next_at, ?) WHERE k = ?`, next, k); err != nil {
		return 0, fmt.Errorf("ratelimit: backoff fail: %w", store.Translate(err))
	}
	return wait, nil
}

// Reset forgets the failures of key (after a successful sign-in).
func (b *Backoff) Reset(ctx context.Context, key string) error {
	if _, err := b.DB.ExecContext(ctx, `DELETE FROM auth_backoff WHERE k = ?`, hashKey(key)); err != nil {
		return fmt.Errorf("ratelimit: backoff reset: %w", store.Translate(err))
	}
	return nil
}

// Cleanup deletes state that no longer limits anything: full buckets and
// backoffs idle for a day. It returns the number of rows removed.
func Cleanup(ctx context.Context, db *sqlx.DB) (int64, error) {
	var total int64
	for _, q := range []struct {
		sql string
		arg any
	}{
		{`DELETE FROM rate_limits WHERE tat < ? LIMIT 5000`, time.Now().UnixMicro()},
		{`DELETE FROM auth_backoff WHERE updated_at < UTC_TIMESTAMP(3) - INTERVAL ? SECOND LIMIT 5000`, int((24 * time.Hour).Seconds())},
	} {
		res, err := db.ExecContext(ctx, q.sql, q.arg)
		if err != nil {
			return total, fmt.Errorf("ratelimit: cleanup: %w", store.Translate(err))
		}
		n, _ := res.RowsAffected()
		total += n
	}
	return total, nil
}
