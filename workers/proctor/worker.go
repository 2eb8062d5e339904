// Package proctor is the proctor worker role: it consumes each attempt's
// browser signals and frame-check results in order (one consumer per
// events.ProctorPartitions, see events.ProctorSubject; many attempts in
// flight, each attempt's commands one at a time, see
// events.ConsumeBySubject), applies
// the rules of domain/proctor, writes proctor_logs, violations and the trust
// score through the outbox and publishes the live updates recruiters watch.
// It also runs the retention job that deletes proctoring data after
// HIREBUS_PROCTOR_RETENTION.
package proctor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	proctoring "github.com/hirebus/hirebus/domain/proctor"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/outbox"
	"github.com/jmoiron/sqlx"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// DefaultRetention is how long proctoring data is kept by default.
const DefaultRetention = 90 * 24 * time.Hour

// DefaultConcurrency is the default number of commands a proctor worker
// handles at once: each holds a database connection for one short
// transaction. About 2 are busy at 2,000 signals/s on an idle machine; on
// a busy one each transaction waits longer, and the slots keep the worker's
// throughput up (half the default pool of 32).
const DefaultConcurrency = 16

// Config of a proctor worker process.
type Config struct {
	// Concurrency is how many commands (of different attempts) this process
	// handles at once over all partitions (default DefaultConcurrency).
	Concurrency int
	Retention   time.Duration // proctoring data older than this is deleted (default 90 days)
	PurgeEvery  time.Duration // how often the retention job runs (default 1h; <0 = never)
	Policy      *events.ConsumerPolicy
}

// Deps are the shared connections.
type Deps struct {
	DB    *sqlx.DB
	JS    jetstream.JetStream
	Relay *outbox.Relay
	Log   *slog.Logger
}

// Worker is one proctor worker process.
type Worker struct {
	cfg Config
	js  jetstream.JetStream
	svc *proctoring.Service
	log *slog.Logger
	// before, when set, runs before each command (tests).
	before func(env events.Envelope)
}

var (
	metricSignals = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "hirebus_proctor_events_total", Help: "Proctoring events handled by the proctor worker, by outcome (new, duplicate).",
	}, []string{"outcome"})
	metricFlags = promauto.NewCounter(prometheus.CounterOpts{
		Name: "hirebus_proctor_flags_total", Help: "Attempts flagged for review by the proctor worker.",
	})
)

// New builds a worker.
func New(cfg Config, d Deps) (*Worker, error) {
	if d.DB == nil || d.JS == nil || d.Relay == nil {
		return nil, errors.New("proctor worker: DB, JetStream and outbox relay are required")
	}
	if cfg.Retention == 0 {
		cfg.Retention = DefaultRetention
	}
	if cfg.Retention < 0 {
		return nil, errors.New("proctor worker: retention must be positive")
	}
	if cfg.PurgeEvery == 0 {
		cfg.PurgeEvery = time.Hour
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Worker{cfg: cfg, js: d.JS, svc: &proctoring.Service{DB: d.DB, Relay: d.Relay}, log: d.Log.With("component", "proctor")}, nil
}

// Run consumes every partition until ctx ends, and runs the retention job.
// The partitions share cfg.Concurrency handler slots; within a partition,
// commands of different attempts run at once and each attempt's one at a
// time in stream order (events.ConsumeBySubject: the subject is the
// attempt's).
func (w *Worker) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make(chan error, events.ProctorPartitions)
	slots := make(chan struct{}, w.cfg.Concurrency)
	for p := 0; p < events.ProctorPartitions; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := events.ConsumeBySubject(ctx, w.js, events.ConsumeConfig{Role: events.RoleProctor, Slots: slots, Logger: w.log, Policy: w.cfg.Policy,
				Durable: events.ProctorConsumerName(p), Filter: events.ProctorPartitionFilter(p)}, w.Handle)
			if err != nil {
				errs <- err
			}
		}()
	}
	if w.cfg.PurgeEvery > 0 {
		wg.Add(1)
		go func() { defer wg.Done(); w.retention(ctx) }()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// Handle processes one proctoring command; a redelivery changes nothing
// (domain/proctor de-duplicates by (attempt, seq) and by command id).
func (w *Worker) Handle(ctx context.Context, env events.Envelope, meta events.Meta) error {
	if w.before != nil {
		w.before(env)
	}
	var res proctoring.Result
	var err error
	switch env.Type {
	case events.OpProctorSignals:
		var p events.ProctorSignals
		if err := env.Decode(&p); err != nil {
			return err
		}
		if p.AttemptID == 0 || len(p.Events) == 0 {
			return events.Permanent(errors.New("proctor worker: signals without attempt or events"))
		}
		events.ObserveProctorStage(events.StageWorkerStart, p.Accepted)
		res, err = w.svc.ApplySignals(ctx, p)
	case events.OpProctorFrame:
		var f events.ProctorFrame
		if err := env.Decode(&f); err != nil {
			return err
		}
		if f.AttemptID == 0 {
			return events.Permanent(errors.New("proctor worker: frame without attempt"))
		}
		res, err = w.svc.ApplyFrame(ctx, env.ID, f)
	default:
		return events.Permanent(fmt.Errorf("proctor worker: unknown command %q on %s", env.Type, meta.Subject))
	}
	var fe *proctoring.FieldError
	switch {
	case errors.Is(err, proctoring.ErrNotFound), errors.As(err, &fe):
		return events.Permanent(fmt.Errorf("proctor worker: %w", err))
	case err != nil:
		return fmt.Errorf("proctor worker: %w", err)
	}
	metricSignals.WithLabelValues("new").Add(float64(len(res.Update.Events)))
	metricSignals.WithLabelValues("duplicate").Add(float64(res.Duplicates))
	if res.Update.FlaggedNow {
		metricFlags.Inc()
		w.log.InfoContext(ctx, "attempt flagged for review", "attempt_id", res.Update.AttemptID, "score", res.Update.Score)
	}
	return nil
}

// retention deletes proctoring data older than cfg.Retention, in batches,
// every cfg.PurgeEvery (kept frames expire by the object store's TTL).
func (w *Worker) retention(ctx context.Context) {
	t := time.NewTicker(w.cfg.PurgeEvery)
	defer t.Stop()
	for {
		w.PurgeOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PurgeOnce runs the retention job once.
func (w *Worker) PurgeOnce(ctx context.Context) int64 {
	before := time.Now().Add(-w.cfg.Retention)
	var total int64
	for ctx.Err() == nil {
		n, err := w.svc.Purge(ctx, before, 1000)
		total += n
		if err != nil {
			w.log.WarnContext(ctx, "proctor retention failed", "err", err)
			break
		}
		if n == 0 {
			break
		}
	}
	if total > 0 {
		w.log.InfoContext(ctx, "proctor retention deleted old data", "rows", total, "before", before)
	}
	return total
}
