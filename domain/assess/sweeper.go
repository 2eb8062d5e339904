package assess

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/problems"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// Sweeper is the durable deadline timer: a MySQL sweeper under a lease.
// Every Interval the holder of the lease submits the active attempts whose
// deadline (on the database's clock) has passed, collects the finished
// code submissions of submitted attempts, and publishes (or rejects) the
// company problems whose reference solution was graded. The deadline lives in the
// attempt's row, so no timer is lost when every process restarts: the next
// holder finds the overdue rows. The lease keeps one sweeper busy at a
// time; the row lock and the `status = 'active'` condition of the
// submission make a second sweeper (a lease taken over from a stalled
// holder) harmless: an attempt is submitted once.
type Sweeper struct {
	Service  *Service
	Holder   string        // lease holder id (default host:pid:random)
	Interval time.Duration // default 1s
	LeaseTTL time.Duration // default 10s: a dead holder is replaced after this
	Batch    int           // attempts per query (default 200)
	Log      *slog.Logger
}

// LeaseName is the sweeper's row in assessment_leases.
const LeaseName = "assessment-deadlines"

func (w *Sweeper) defaults() {
	if w.Interval <= 0 {
		w.Interval = time.Second
	}
	if w.LeaseTTL <= 0 {
		w.LeaseTTL = 10 * time.Second
	}
	if w.Batch <= 0 {
		w.Batch = 200
	}
	if w.Holder == "" {
		host, _ := os.Hostname()
		w.Holder = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), events.NewID()[24:])
	}
	if len(w.Holder) > 64 {
		w.Holder = w.Holder[:64]
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
}

// Run sweeps until ctx ends, then gives the lease up.
func (w *Sweeper) Run(ctx context.Context) error {
	w.defaults()
	t := time.NewTicker(w.Interval)
	defer t.Stop()
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		_, _ = w.Service.DB.ExecContext(rctx, `DELETE FROM assessment_leases WHERE name = ? AND holder = ?`, LeaseName, w.Holder)
	}()
	for {
		w.round(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// round takes or renews the lease and, when held, sweeps once. It runs to
// its end even when ctx ends meanwhile (bounded by the lease's TTL): Run's
// release must be the last word on the lease, and a renewal cancelled on
// the client can still land on the server after it, keeping the lease from
// the next process for a whole TTL.
func (w *Sweeper) round(ctx context.Context) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.LeaseTTL)
	defer cancel()
	held, err := w.Acquire(rctx)
	if err != nil {
		w.Log.WarnContext(rctx, "assessment sweeper: lease", "err", err)
		return
	}
	if !held {
		return
	}
	if n, g, err := w.SweepOnce(rctx); err != nil {
		w.Log.WarnContext(rctx, "assessment sweeper: sweep", "err", err)
	} else if n+g > 0 {
		w.Log.InfoContext(rctx, "assessment sweeper", "submitted", n, "code_graded", g)
	}
}

// Acquire takes or renews the lease and reports whether this sweeper holds
// it. The database's clock decides expiry.
func (w *Sweeper) Acquire(ctx context.Context) (bool, error) {
	w.defaults()
	ttl := w.LeaseTTL.Microseconds()
	// Assignments run left to right: expires_at sees the new holder.
	if _, err := w.Service.DB.ExecContext(ctx, `INSERT INTO assessment_leases (name, holder, expires_at)
		VALUES (?, ?, UTC_TIMESTAMP(3) + INTERVAL ? MICROSECOND)
		ON DUPLICATE KEY UPDATE
		  holder = IF(holder = VALUES(holder) OR expires_at < UTC_TIMESTAMP(3), VALUES(holder), holder),
		  expires_at = IF(holder = VALUES(holder), VALUES(expires_at), expires_at)`, LeaseName, w.Holder, ttl); err != nil {
		return false, fmt.Errorf("assess: lease: %w", store.Translate(err))
	}
	var holder string
	if err := w.Service.DB.GetContext(ctx, &holder, `SELECT holder FROM assessment_leases WHERE name = ?`, LeaseName); err != nil {
		return false, fmt.Errorf("assess: lease holder: %w", store.Translate(err))
	}
	return holder == w.Holder, nil
}

// SweepOnce submits every overdue active attempt and collects finished
// code submissions; it reports how many of each it handled.
func (w *Sweeper) SweepOnce(ctx context.Context) (submitted, graded int, err error) {
	w.defaults()
	s := w.Service
	var failed error
	for {
		var ids []uint64
		if err := s.DB.SelectContext(ctx, &ids, `SELECT id FROM assessment_attempts WHERE status = 'active' AND deadline <= UTC_TIMESTAMP(3)
			ORDER BY deadline LIMIT ?`, w.Batch); err != nil {
			return submitted, graded, fmt.Errorf("assess: overdue: %w", store.Translate(err))
		}
		for _, id := range ids {
			err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
				t, err := getAttempt(ctx, tx, `t.id = ?`, ` FOR UPDATE`, id)
				if err != nil {
					return err
				}
				if t.Status != AttemptActive || t.Deadline.After(t.Now) {
					return nil // submitted meanwhile
				}
				_, err = s.finalize(ctx, tx, ob, t, "deadline")
				if err == nil {
					submitted++
				}
				return err
			})
			if err != nil {
				// One attempt's failure must not hold the others up; it
				// is retried on the next tick.
				w.Log.WarnContext(ctx, "assessment sweeper: submit", "attempt", id, "err", err)
				failed = err
			}
		}
		if len(ids) < w.Batch || failed != nil {
			break
		}
		// A backlog (after an outage) takes several batches: keep the lease
		// renewed, and stop if another sweeper took it over meanwhile.
		if held, err := w.Acquire(ctx); err != nil || !held {
			return submitted, graded, err
		}
	}
	if decided, err := problems.FinishValidations(ctx, s.DB, w.Batch); err != nil {
		w.Log.WarnContext(ctx, "assessment sweeper: problem validations", "err", err)
	} else {
		for _, p := range decided {
			w.Log.InfoContext(ctx, "company problem validated", "problem", p.ID, "status", p.Status)
		}
	}
	for {
		n, err := s.collectCode(ctx, w.Batch)
		graded += n
		if err != nil || n < w.Batch {
			if err == nil {
				err = failed
			}
			return submitted, graded, err
		}
	}
}
