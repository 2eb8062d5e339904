// Package ops tracks operations: every command the edge accepts gets a row in
// `operations` that the worker completes in the same transaction as its
// effect, announcing the result on the bus through the outbox. It also holds
// the workers' idempotency claim on processed_commands.
package ops

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

// Status values.
const (
	StatusPending = "pending"
	StatusDone    = "done"
	StatusFailed  = "failed"
)

// Op is an operation as clients see it.
type Op struct {
	ID        string    `json:"id" db:"id"`
	Type      string    `json:"type" db:"type"`
	UserID    *uint64   `json:"-" db:"user_id"`
	Status    string    `json:"status" db:"status"`
	Result    JSON      `json:"result,omitempty" db:"result"`
	Error     JSON      `json:"error,omitempty" db:"error"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
	UpdatedAt time.Time `json:"updated_at" db:"updated_at"`
}

// JSON is a nullable JSON column that marshals as raw JSON.
type JSON []byte

// Scan implements sql.Scanner (NULL becomes empty).
func (j *JSON) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*j = nil
	case []byte:
		*j = append((*j)[:0], v...)
	case string:
		*j = JSON(v)
	default:
		return fmt.Errorf("ops: cannot scan %T into JSON", src)
	}
	return nil
}

// MarshalJSON emits the stored document as is.
func (j JSON) MarshalJSON() ([]byte, error) {
	if len(j) == 0 {
		return []byte("null"), nil
	}
	return j, nil
}

// Create inserts a pending operation.
func Create(ctx context.Context, tx *sqlx.Tx, id, typ string, userID uint64) error {
	var uid any
	if userID != 0 {
		uid = userID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO operations (id, type, user_id, status) VALUES (?, ?, ?, 'pending')`, id, typ, uid); err != nil {
		return fmt.Errorf("ops: create %s: %w", typ, store.Translate(err))
	}
	return nil
}

// Get reads one operation.
func Get(ctx context.Context, db sqlx.QueryerContext, id string) (Op, error) {
	var op Op
	err := sqlx.GetContext(ctx, db, &op, `SELECT id, type, user_id, status, result, error, created_at, updated_at FROM operations WHERE id = ?`, id)
	if err != nil {
		return Op{}, fmt.Errorf("ops: get: %w", store.Translate(err))
	}
	return op, nil
}

// Complete marks the operation done with result and queues evt op.completed
// for its user. Completing twice is a no-op (the first result wins).
func Complete(ctx context.Context, tx *sqlx.Tx, out *outbox.Batch, opID, opType string, userID uint64, result any) error {
	raw, err := json.Marshal(result)
	if err != nil {
		return fmt.Errorf("ops: marshal result: %w", err)
	}
	return finish(ctx, tx, out, opID, opType, userID, StatusDone, raw, nil)
}

// Fail marks the operation failed with a public error; code's class decides
// the HTTP status the edge answers with.
func Fail(ctx context.Context, tx *sqlx.Tx, out *outbox.Batch, opID, opType string, userID uint64, code events.Code, message string) error {
	return finish(ctx, tx, out, opID, opType, userID, StatusFailed, nil, &events.OpError{Code: code, Message: message})
}

func finish(ctx context.Context, tx *sqlx.Tx, out *outbox.Batch, opID, opType string, userID uint64, status string, result json.RawMessage, opErr *events.OpError) error {
	var errJSON any
	if opErr != nil {
		b, _ := json.Marshal(opErr)
		errJSON = b
	}
	var resJSON any
	if result != nil {
		resJSON = []byte(result)
	}
	res, err := tx.ExecContext(ctx, `UPDATE operations SET status = ?, result = ?, error = ? WHERE id = ? AND status = 'pending'`, status, resJSON, errJSON, opID)
	if err != nil {
		return fmt.Errorf("ops: finish %s: %w", opID, store.Translate(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	env, err := events.NewEnvelope(events.EvtOpCompleted, opID, userID, events.OpCompleted{
		OpID: opID, OpType: opType, Status: status, Result: result, Error: opErr,
	})
	if err != nil {
		return err
	}
	return out.Add(events.UserSubject(userID, events.EvtOpCompleted), env)
}

// Progress queues an op.progress event.
func Progress(out *outbox.Batch, opID, opType string, userID uint64, done, total int, detail any) error {
	var raw json.RawMessage
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return fmt.Errorf("ops: marshal progress: %w", err)
		}
		raw = b
	}
	env, err := events.NewEnvelope(events.EvtOpProgress, opID, userID, events.OpProgress{OpID: opID, OpType: opType, Done: done, Total: total, Detail: raw})
	if err != nil {
		return err
	}
	return out.Add(events.UserSubject(userID, events.EvtOpProgress), env)
}

// Claim records that commandID's effect is being committed in tx. It reports
// false when an earlier delivery already committed it: the caller then
// commits nothing and acks.
func Claim(ctx context.Context, tx *sqlx.Tx, commandID, worker string) (bool, error) {
	_, err := tx.ExecContext(ctx, `INSERT INTO processed_commands (command_id, worker) VALUES (?, ?)`, commandID, worker)
	if err != nil {
		err = store.Translate(err)
		if errors.Is(err, store.ErrDuplicate) {
			return false, nil
		}
		return false, fmt.Errorf("ops: claim %s: %w", commandID, err)
	}
	return true, nil
}

// Processed reports whether commandID was already committed (outside a tx).
func Processed(ctx context.Context, db sqlx.QueryerContext, commandID string) (bool, error) {
	var one int
	err := sqlx.GetContext(ctx, db, &one, `SELECT 1 FROM processed_commands WHERE command_id = ?`, commandID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("ops: processed: %w", store.Translate(err))
	}
	return true, nil
}

// CountPending counts userID's pending operations of the given types
// created within the last `within` (older ones are stuck, not queued).
func CountPending(ctx context.Context, q sqlx.QueryerContext, userID uint64, within time.Duration, types ...string) (int, error) {
	query, args, err := sqlx.In(`SELECT COUNT(*) FROM operations WHERE user_id = ? AND status = 'pending'
		AND created_at > UTC_TIMESTAMP(3) - INTERVAL ? SECOND AND type IN (?)`, userID, int(within.Seconds()), types)
	if err != nil {
		return 0, fmt.Errorf("ops: count pending: %w", err)
	}
	var n int
	if err := sqlx.GetContext(ctx, q, &n, query, args...); err != nil {
		return 0, fmt.Errorf("ops: count pending: %w", store.Translate(err))
	}
	return n, nil
}
