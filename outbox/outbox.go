// Package outbox makes "write MySQL, then publish" atomic: messages are
// inserted into the outbox table in the same transaction as the change they
// announce, published right after commit, and re-published by a background
// relay if the process died or NATS was down in between. Publishing twice is
// harmless because the envelope id is the Nats-Msg-Id.
package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
	"github.com/nats-io/nats.go"
)

// Relay publishes outbox rows.
type Relay struct {
	db       *sqlx.DB
	pub      *events.Publisher
	log      *slog.Logger
	interval time.Duration
	minAge   time.Duration

	// Rows published by a Tx with DeferCleanup wait here for one
	// background DELETE (see cleanLater).
	cleanMu  sync.Mutex
	cleanIDs []int64
	cleaning bool
}

// Config tunes the background relay.
type Config struct {
	Interval time.Duration // poll period for leftovers (default 1s)
	MinAge   time.Duration // rows younger than this are left to their writer's own flush (default 2s)
}

// New builds a relay. pub may publish to a NATS that is down: rows then wait.
func New(db *sqlx.DB, pub *events.Publisher, cfg Config, log *slog.Logger) *Relay {
	if cfg.Interval == 0 {
		cfg.Interval = time.Second
	}
	if cfg.MinAge == 0 {
		cfg.MinAge = 2 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	return &Relay{db: db, pub: pub, log: log, interval: cfg.Interval, minAge: cfg.MinAge}
}

// Batch collects the messages added inside one transaction.
type Batch struct {
	ctx  context.Context
	tx   *sqlx.Tx
	rows []row
}

type row struct {
	id      int64
	subject string
	msgID   string
	data    []byte
	headers nats.Header
}

// stored is an outbox row as read back by a sweep or PublishPending.
type stored struct {
	ID      int64  `db:"id"`
	MsgID   string `db:"msg_id"`
	Subject string `db:"subject"`
	Headers []byte `db:"headers"`
	Data    []byte `db:"data"`
}

func (s stored) row() row {
	var h nats.Header
	_ = json.Unmarshal(s.Headers, &h)
	return row{id: s.ID, subject: s.Subject, msgID: s.MsgID, data: s.Data, headers: h}
}

// Add stores a message in the outbox inside the batch's transaction.
func (b *Batch) Add(subject string, env events.Envelope) error {
	data, h, err := events.Encode(b.ctx, env)
	if err != nil {
		return err
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("outbox: headers: %w", err)
	}
	res, err := b.tx.ExecContext(b.ctx, `INSERT INTO outbox (msg_id, subject, headers, data) VALUES (?, ?, ?, ?)`, env.ID, subject, hj, data)
	if err != nil {
		return fmt.Errorf("outbox: add %s: %w", subject, store.Translate(err))
	}
	id, _ := res.LastInsertId()
	b.rows = append(b.rows, row{id: id, subject: subject, msgID: env.ID, data: data, headers: h})
	return nil
}

// TxOption tunes one Tx.
type TxOption func(*txOptions)

type txOptions struct {
	afterCommit  func()
	deferCleanup bool
	mustPublish  bool
}

// ErrUnpublished: the transaction committed, but some of its messages could
// not be published yet (they wait in the outbox for the relay).
var ErrUnpublished = errors.New("outbox: committed, but not yet published")

// MustPublish makes Tx return ErrUnpublished when a message of the batch
// could not be published right after commit. For a consumer whose
// messages must reach subscribers in the order of its commands (the
// proctoring feed of one attempt): it does not acknowledge the command, and
// its retry, finding the effect committed, publishes what is left with
// PublishPending before the next command of the same subject can run.
func MustPublish() TxOption { return func(o *txOptions) { o.mustPublish = true } }

// AfterCommit runs f right after the transaction committed, before its
// messages are published (e.g. to time the two apart).
func AfterCommit(f func()) TxOption { return func(o *txOptions) { o.afterCommit = f } }

// DeferCleanup lets Tx return as soon as the batch's messages are published:
// deleting their outbox rows (a second commit) is left to a background
// DELETE shared by every such Tx of the relay. Until it runs, a sweep may
// publish a row again, which JetStream drops by its message id. For latency
// paths (the live proctoring feed) where that commit would be waited for.
func DeferCleanup() TxOption { return func(o *txOptions) { o.deferCleanup = true } }

// Tx runs fn in a transaction; after commit the batch's messages are
// published at once (best effort: leftovers are the relay's job).
func (r *Relay) Tx(ctx context.Context, fn func(tx *sqlx.Tx, out *Batch) error, opts ...TxOption) error {
	var o txOptions
	for _, opt := range opts {
		opt(&o)
	}
	b := &Batch{ctx: ctx}
	err := store.InTx(ctx, r.db, func(tx *sqlx.Tx) error {
		b.tx = tx
		return fn(tx, b)
	})
	if err != nil {
		return err
	}
	if o.afterCommit != nil {
		o.afterCommit()
	}
	var done []int64
	if o.deferCleanup {
		if done = r.publish(ctx, b.rows); len(done) > 0 {
			r.cleanLater(done)
		}
	} else {
		done = r.flush(ctx, b.rows)
	}
	if o.mustPublish && len(done) < len(b.rows) {
		return fmt.Errorf("%w: %d of %d messages", ErrUnpublished, len(b.rows)-len(done), len(b.rows))
	}
	return nil
}

// PublishPending publishes, in commit order, the messages on subject that
// are still in the outbox (a Tx that returned ErrUnpublished, or whose
// process died between commit and publish), and deletes them. A message
// also published by its writer or a sweep meanwhile is dropped by
// JetStream as a duplicate of its id. It returns how many it published, and
// an error when one could not be published (the rest stay, in order).
func (r *Relay) PublishPending(ctx context.Context, subject string) (int, error) {
	var rows []stored
	// A plain read: the outbox is small (rows leave it once published), and
	// a locking read would hold up every writer of the outbox.
	if err := r.db.SelectContext(ctx, &rows, `SELECT id, msg_id, subject, headers, data FROM outbox WHERE subject = ? ORDER BY id`, subject); err != nil {
		return 0, fmt.Errorf("outbox: pending on %s: %w", subject, store.Translate(err))
	}
	pending := make([]row, 0, len(rows))
	for _, m := range rows {
		pending = append(pending, m.row())
	}
	var done []int64
	for _, m := range pending { // stop at the first failure: later ones must not overtake it
		if ok := r.publish(ctx, []row{m}); len(ok) == 0 {
			break
		}
		done = append(done, m.id)
	}
	if len(done) > 0 {
		r.cleanLater(done)
	}
	if len(done) < len(pending) {
		return len(done), fmt.Errorf("%w: %d messages on %s", ErrUnpublished, len(pending)-len(done), subject)
	}
	return len(done), nil
}

// cleanLater queues published rows for deletion. One goroutine at a time
// deletes everything queued so far with one statement, so under load many
// transactions share one DELETE and its commit; it exits when the queue is
// empty (a failed DELETE leaves the rows to the sweep, which republishes
// them under the same message ids).
func (r *Relay) cleanLater(ids []int64) {
	r.cleanMu.Lock()
	r.cleanIDs = append(r.cleanIDs, ids...)
	start := !r.cleaning
	r.cleaning = true
	r.cleanMu.Unlock()
	if !start {
		return
	}
	go func() {
		for {
			r.cleanMu.Lock()
			ids := r.cleanIDs
			r.cleanIDs = nil
			if len(ids) == 0 {
				r.cleaning = false
				r.cleanMu.Unlock()
				return
			}
			r.cleanMu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			r.deleteRows(ctx, ids)
			cancel()
		}
	}()
}

func (r *Relay) deleteRows(ctx context.Context, ids []int64) {
	q, args, err := sqlx.In(`DELETE FROM outbox WHERE id IN (?)`, ids)
	if err == nil {
		_, err = r.db.ExecContext(ctx, q, args...)
	}
	if err != nil {
		r.log.WarnContext(ctx, "outbox cleanup failed; relay will republish (deduplicated)", "err", err)
	}
}

// publish publishes rows and returns the ids of those JetStream stored.
func (r *Relay) publish(ctx context.Context, rows []row) []int64 {
	if len(rows) == 0 {
		return nil
	}
	// Bounded like the relay's MinAge: during a NATS failover the request
	// answers within ~2 s and the relay publishes what is left.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	var done []int64
	for _, m := range rows {
		if err := r.pub.PublishRaw(pctx, m.subject, m.msgID, m.data, m.headers); err != nil {
			r.log.WarnContext(ctx, "outbox publish deferred to relay", "subject", m.subject, "err", err)
			continue
		}
		done = append(done, m.id)
	}
	return done
}

// flush publishes rows, deletes those published and returns their ids.
func (r *Relay) flush(ctx context.Context, rows []row) []int64 {
	done := r.publish(ctx, rows)
	if len(done) == 0 {
		return nil
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	r.deleteRows(pctx, done)
	return done
}

// Run re-publishes leftovers until ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if n, err := r.Sweep(ctx); err != nil {
			r.log.WarnContext(ctx, "outbox sweep failed", "err", err)
		} else if n > 0 {
			r.log.InfoContext(ctx, "outbox relayed leftovers", "count", n)
		}
	}
}

// Sweep publishes up to 256 rows older than MinAge and deletes them; several
// relays can sweep at once thanks to SKIP LOCKED.
func (r *Relay) Sweep(ctx context.Context) (int, error) {
	n := 0
	err := store.InTx(ctx, r.db, func(tx *sqlx.Tx) error {
		var rows []stored
		cutoff := time.Now().UTC().Add(-r.minAge)
		if err := tx.SelectContext(ctx, &rows, `SELECT id, msg_id, subject, headers, data FROM outbox
			WHERE created_at < ? ORDER BY id LIMIT 256 FOR UPDATE SKIP LOCKED`, cutoff); err != nil {
			return fmt.Errorf("outbox: sweep select: %w", store.Translate(err))
		}
		var done []int64
		for _, st := range rows {
			m := st.row()
			// A short bound: the rows stay locked while we publish, and a
			// NATS failover must not hold writers of the outbox up.
			pctx, cancel := context.WithTimeout(ctx, time.Second)
			err := r.pub.PublishRaw(pctx, m.subject, m.msgID, m.data, m.headers)
			cancel()
			if err != nil {
				_, _ = tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1 WHERE id = ?`, m.id)
				break // NATS is likely down; keep order and try again next tick
			}
			done = append(done, m.id)
		}
		if len(done) > 0 {
			q, args, err := sqlx.In(`DELETE FROM outbox WHERE id IN (?)`, done)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("outbox: sweep delete: %w", store.Translate(err))
			}
		}
		n = len(done)
		return nil
	})
	return n, err
}
