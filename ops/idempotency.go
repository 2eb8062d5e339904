package ops

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// Idempotency keys of command-creating routes (table idempotency_keys): a
// client's Idempotency-Key, scoped by route and caller, names the first
// operation it created for one request body (kept as a keyed hash).

// ErrKeyInUse: a live key of the scope is held by another request that got
// there first (a concurrent retry).
var ErrKeyInUse = errors.New("ops: idempotency key in use")

// LookupKey returns the request hash and operation of a key younger than
// ttl; found is false when there is none.
func LookupKey(ctx context.Context, q sqlx.QueryerContext, scope, key string, ttl time.Duration) (hash []byte, opID string, found bool, err error) {
	var prev struct {
		Hash []byte `db:"request_hash"`
		OpID string `db:"op_id"`
	}
	err = sqlx.GetContext(ctx, q, &prev, `SELECT request_hash, op_id FROM idempotency_keys
		WHERE scope = ? AND idem_key = ? AND created_at > ?`, scope, key, time.Now().UTC().Add(-ttl))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", false, nil
	}
	if err != nil {
		return nil, "", false, fmt.Errorf("ops: idempotency key: %w", store.Translate(err))
	}
	return prev.Hash, prev.OpID, true, nil
}

// RecordKey stores key for opID in tx. A key older than ttl may be reused:
// it is overwritten in place (a DELETE first would take gap locks that
// deadlock concurrent inserts). A live key held by another request gives
// ErrKeyInUse.
func RecordKey(ctx context.Context, tx *sqlx.Tx, scope, key string, hash []byte, opID string, ttl time.Duration) error {
	// Affected rows: 1 inserted, 2 overwritten, 0 a live key.
	expired := time.Now().UTC().Add(-ttl)
	res, err := tx.ExecContext(ctx, `INSERT INTO idempotency_keys (scope, idem_key, request_hash, op_id) VALUES (?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE
			request_hash = IF(created_at <= ?, VALUES(request_hash), request_hash),
			op_id = IF(created_at <= ?, VALUES(op_id), op_id),
			created_at = IF(created_at <= ?, CURRENT_TIMESTAMP(3), created_at)`,
		scope, key, hash, opID, expired, expired, expired)
	if err != nil {
		return fmt.Errorf("ops: idempotency key: %w", store.Translate(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrKeyInUse
	}
	return nil
}

// CleanupKeys forgets keys older than ttl (at most 10,000 a call).
func CleanupKeys(ctx context.Context, db sqlx.ExecerContext, ttl time.Duration) (int64, error) {
	res, err := db.ExecContext(ctx, `DELETE FROM idempotency_keys WHERE created_at < ? LIMIT 10000`, time.Now().UTC().Add(-ttl))
	if err != nil {
		return 0, fmt.Errorf("ops: idempotency cleanup: %w", store.Translate(err))
	}
	return res.RowsAffected()
}
