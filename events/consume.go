package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Meta describes one delivery of a command.
type Meta struct {
	Subject   string
	Delivered uint64 // 1 on the first delivery
	StreamSeq uint64
}

// Handler processes one command. Return nil to ack, Permanent(err) to
// dead-letter, anything else to retry later with a growing delay.
type Handler func(ctx context.Context, env Envelope, meta Meta) error

// ConsumeConfig tunes one worker process.
type ConsumeConfig struct {
	Role        string
	Concurrency int           // handlers running at once in this process (default 1)
	Grace       time.Duration // how long in-flight handlers may finish on shutdown (default 10s)
	Policy      *ConsumerPolicy
	Logger      *slog.Logger
	// Durable and Filter name a consumer other than the role's own (e.g.
	// one partition of the proctor role); both or neither.
	Durable, Filter string
	// Slots, when set, is shared by several ConsumeBySubject loops of one
	// process as their common handler limit (instead of Concurrency each).
	Slots chan struct{}
}

// withDefaults fills in the defaults (one handler, 10 s grace, the default
// logger) and finds the role's consumer policy.
func (cfg ConsumeConfig) withDefaults() (ConsumeConfig, ConsumerPolicy, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1
	}
	if cfg.Grace == 0 {
		cfg.Grace = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	policy, ok := Policies[cfg.Role]
	if cfg.Policy != nil {
		policy, ok = *cfg.Policy, true
	}
	if !ok {
		return cfg, policy, fmt.Errorf("events: no consumer policy for role %q", cfg.Role)
	}
	return cfg, policy, nil
}

var (
	metricHandled = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "hirebus_commands_handled_total",
		Help: "Commands handled by workers, by role and outcome (ack, retry, dead_letter).",
	}, []string{"role", "outcome"})
	metricHandleSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "hirebus_command_handle_seconds",
		Help:    "Time spent in command handlers.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
	}, []string{"role"})
)

// Pull request lifetime and heartbeat of every consumer (see Consume):
// a worker whose server died notices it within two heartbeats.
const (
	pullExpiry    = 5 * time.Second
	pullHeartbeat = time.Second
)

// Consume runs the durable pull consumer of cfg.Role until ctx ends, then
// stops pulling and lets in-flight handlers finish (up to Grace) so their
// acks are not lost.
func Consume(ctx context.Context, js jetstream.JetStream, cfg ConsumeConfig, h Handler) error {
	cfg, policy, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	log := cfg.Logger.With("role", cfg.Role)
	var cons jetstream.Consumer
	if cfg.Durable != "" {
		cons, err = ensureNamedConsumer(ctx, js, cfg.Durable, cfg.Filter, "hirebus "+cfg.Role+" worker ("+cfg.Filter+")", policy)
	} else {
		cons, err = EnsureConsumer(ctx, js, cfg.Role, policy)
	}
	if err != nil {
		return err
	}
	pub := NewPublisher(js)
	handlerCtx, cancelHandlers := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelHandlers()

	// A command is pulled only when a handler slot is free: commands waiting
	// their turn stay undelivered on the server, where AckWait does not run
	// (a prefetched one would be redelivered after AckWait, run twice and
	// use up its deliveries while it merely waits). Each pull lasts at most
	// pullExpiry with heartbeats, so a dead server is noticed in seconds.
	sem := make(chan struct{}, cfg.Concurrency)
	var wg sync.WaitGroup
	for {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		fctx, cancel := context.WithTimeout(ctx, pullExpiry)
		msg, err := cons.Next(jetstream.FetchContext(fctx), jetstream.FetchHeartbeat(pullHeartbeat))
		expired := fctx.Err() != nil
		cancel()
		if err != nil {
			<-sem
			if ctx.Err() != nil {
				break
			}
			if expired || errors.Is(err, nats.ErrTimeout) || errors.Is(err, jetstream.ErrNoMessages) {
				continue
			}
			log.WarnContext(ctx, "pull failed", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			handleOne(handlerCtx, pub, cfg.Role, policy, log, msg, h)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(cfg.Grace):
		log.WarnContext(ctx, "shutdown grace elapsed; unfinished commands will be redelivered")
		cancelHandlers()
		<-done
	}
	return nil
}

func handleOne(ctx context.Context, pub *Publisher, role string, policy ConsumerPolicy, log *slog.Logger, msg jetstream.Msg, h Handler) {
	md, err := msg.Metadata()
	if err != nil {
		log.ErrorContext(ctx, "message without metadata", "subject", msg.Subject(), "err", err)
		_ = msg.Term()
		return
	}
	meta := Meta{Subject: msg.Subject(), Delivered: md.NumDelivered, StreamSeq: md.Sequence.Stream}
	var env Envelope
	if err := json.Unmarshal(msg.Data(), &env); err != nil {
		deadLetter(ctx, pub, role, log, msg, meta, Envelope{Type: "malformed", Payload: json.RawMessage(jsonString(string(msg.Data())))}, fmt.Errorf("malformed envelope: %w", err))
		return
	}
	ctx = otel.GetTextMapPropagator().Extract(ctx, propagation.HeaderCarrier(http.Header(msg.Headers())))
	ctx, span := otel.Tracer("hirebus/events").Start(ctx, "handle "+msg.Subject(), trace.WithSpanKind(trace.SpanKindConsumer))
	defer span.End()

	start := time.Now()
	stopBeat := heartbeat(ctx, msg, policy)
	err = safeCall(ctx, h, env, meta)
	stopBeat()
	metricHandleSeconds.WithLabelValues(role).Observe(time.Since(start).Seconds())
	log = log.With("subject", meta.Subject, "id", env.ID, "delivered", meta.Delivered)
	switch {
	case err == nil:
		if aerr := msg.DoubleAck(ctx); aerr != nil {
			// The effect is committed and idempotent: a redelivery is harmless.
			log.WarnContext(ctx, "ack failed", "err", aerr)
		}
		metricHandled.WithLabelValues(role, "ack").Inc()
	case IsPermanent(err):
		span.RecordError(err)
		deadLetter(ctx, pub, role, log, msg, meta, env, err)
	case policy.MaxDeliver > 0 && meta.Delivered >= uint64(policy.MaxDeliver):
		span.RecordError(err)
		deadLetter(ctx, pub, role, log, msg, meta, env, fmt.Errorf("deliveries exhausted: %w", err))
	default:
		span.RecordError(err)
		delay := policy.Delay(meta.Delivered)
		var ra retryAfter
		if errors.As(err, &ra) && ra.delay > 0 {
			delay = ra.delay
		}
		log.WarnContext(ctx, "command failed; will retry", "err", err, "delay", delay)
		_ = msg.NakWithDelay(delay)
		metricHandled.WithLabelValues(role, "retry").Inc()
	}
}

// heartbeat tells JetStream the message is still being worked on, so a long
// grading or enrolment is not redelivered to another replica while it runs.
// It gives up after the policy's MaxInProgress so a hung handler still loses
// its message to a healthy replica.
func heartbeat(ctx context.Context, msg jetstream.Msg, p ConsumerPolicy) func() {
	if p.AckWait <= 0 {
		return func() {}
	}
	limit := p.MaxInProgress
	if limit == 0 {
		limit = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, limit)
	go func() {
		t := time.NewTicker(p.AckWait / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = msg.InProgress()
			}
		}
	}()
	return cancel
}

func safeCall(ctx context.Context, h Handler, env Envelope, meta Meta) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panic: %v\n%s", r, debug.Stack())
		}
	}()
	return h(ctx, env, meta)
}

func deadLetter(ctx context.Context, pub *Publisher, role string, log *slog.Logger, msg jetstream.Msg, meta Meta, env Envelope, cause error) {
	log.ErrorContext(ctx, "command dead-lettered", "subject", meta.Subject, "id", env.ID, "err", cause)
	dl := DeadLetter{Subject: meta.Subject, Consumer: ConsumerName(role), Deliveries: meta.Delivered, Error: cause.Error(), Envelope: env}
	dlEnv, err := NewEnvelope("dead_letter", env.ID, env.ActorUserID, dl)
	if err == nil {
		dlEnv.ID = "dlq-" + env.ID + fmt.Sprintf("-%d", meta.StreamSeq)
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = pub.Publish(pctx, DeadLetterSubject(meta.Subject), dlEnv)
		cancel()
	}
	if err != nil {
		// Without a dead letter we must not drop the command: retry later.
		log.ErrorContext(ctx, "dead-letter publish failed; keeping command", "err", err)
		_ = msg.NakWithDelay(5 * time.Second)
		return
	}
	_ = msg.TermWithReason(truncate(cause.Error(), 200))
	metricHandled.WithLabelValues(role, "dead_letter").Inc()
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
