package edge

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/outbox"
	"github.com/jmoiron/sqlx"
	"github.com/nats-io/nats.go/jetstream"
)

// accept records a pending operation and its command in one transaction and
// publishes the command; with NATS down the command waits in the outbox, so
// an accepted (202) request is never lost. extra runs inside the same
// transaction (e.g. rate-limit bookkeeping).
func (s *Server) accept(ctx context.Context, opType, subject string, actor uint64, payload any, extra func(tx *sqlx.Tx) error) (string, error) {
	opID := events.NewID()
	if err := s.acceptID(ctx, opID, opType, subject, actor, payload, extra); err != nil {
		return "", err
	}
	return opID, nil
}

// acceptID is accept with an operation id chosen by the caller (who may
// need to wait for it before it exists).
func (s *Server) acceptID(ctx context.Context, opID, opType, subject string, actor uint64, payload any, extra func(tx *sqlx.Tx) error) error {
	return s.deps.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		if extra != nil {
			if err := extra(tx); err != nil {
				return err
			}
		}
		return createOpTx(ctx, tx, out, opID, opType, subject, actor, payload)
	})
}

// createOpTx adds an operation and its command to an open transaction.
func createOpTx(ctx context.Context, tx *sqlx.Tx, out *outbox.Batch, opID, opType, subject string, actor uint64, payload any) error {
	env, err := events.NewEnvelope(opType, opID, actor, payload)
	if err != nil {
		return err
	}
	if err := ops.Create(ctx, tx, opID, opType, actor); err != nil {
		return err
	}
	if err := recordIdempotency(ctx, tx, opID); err != nil {
		return err
	}
	return out.Add(subject, env)
}

// Accepted answers 202 with the operation id.
func accepted(c *fiber.Ctx, opID string, extra fiber.Map) error {
	body := fiber.Map{"op_id": opID, "status": ops.StatusPending}
	for k, v := range extra {
		body[k] = v
	}
	return c.Status(fiber.StatusAccepted).JSON(body)
}

// waiters lets a request wait for its operation's op.completed event, which
// the event fan-in of this edge sees whichever worker replica handled it.
type waiters struct {
	mu sync.Mutex
	m  map[string]chan events.OpCompleted
}

func newWaiters() *waiters { return &waiters{m: map[string]chan events.OpCompleted{}} }

func (w *waiters) register(opID string) chan events.OpCompleted {
	ch := make(chan events.OpCompleted, 1)
	w.mu.Lock()
	w.m[opID] = ch
	w.mu.Unlock()
	return ch
}

func (w *waiters) cancel(opID string) {
	w.mu.Lock()
	delete(w.m, opID)
	w.mu.Unlock()
}

func (w *waiters) deliver(oc events.OpCompleted) {
	w.mu.Lock()
	ch, ok := w.m[oc.OpID]
	delete(w.m, oc.OpID)
	w.mu.Unlock()
	if ok {
		ch <- oc
	}
}

// acceptAndWait accepts a command and waits up to WaitTimeout for its
// result; ok=false means the caller should answer 202 with the op id.
func (s *Server) acceptAndWait(ctx context.Context, opType, subject string, actor uint64, payload any, extra ...func(tx *sqlx.Tx) error) (string, events.OpCompleted, bool, error) {
	opID := events.NewID()
	ch := s.waiters.register(opID)
	defer s.waiters.cancel(opID)
	var hook func(tx *sqlx.Tx) error
	if len(extra) > 0 {
		hook = func(tx *sqlx.Tx) error {
			for _, fn := range extra {
				if err := fn(tx); err != nil {
					return err
				}
			}
			return nil
		}
	}
	if err := s.acceptID(ctx, opID, opType, subject, actor, payload, hook); err != nil {
		return "", events.OpCompleted{}, false, err
	}
	t := time.NewTimer(s.cfg.WaitTimeout)
	defer t.Stop()
	select {
	case oc := <-ch:
		return opID, oc, true, nil
	case <-t.C:
		return opID, events.OpCompleted{}, false, nil
	case <-ctx.Done():
		return opID, events.OpCompleted{}, false, nil
	}
}

func (s *Server) handleGetOp(c *fiber.Ctx) error {
	id := c.Params("id")
	if len(id) != 36 {
		return badRequest("bad_op_id", "operation id must be a UUID")
	}
	op, err := ops.Get(c.UserContext(), s.deps.DB, id)
	if err != nil {
		return err
	}
	if op.Type == events.OpForgotPassword {
		// Indistinguishable from an id that does not exist (issue 7).
		return Errorf(404, "not_found", "not found")
	}
	if op.UserID != nil {
		p, ok := principal(c)
		if !ok {
			return errUnauthorized
		}
		if p.UserID != *op.UserID && p.Role != "admin" {
			return Errorf(404, "not_found", "not found")
		}
	}
	return c.JSON(op)
}

// runEvents is this edge's fan-in of evt.>: an ordered consumer starting at
// new messages, feeding op waiters, session revocations and WebSockets.
func (s *Server) runEvents(ctx context.Context) error {
	for {
		err := s.consumeEvents(ctx)
		if ctx.Err() != nil {
			return nil
		}
		s.log.WarnContext(ctx, "event fan-in stopped; restarting", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

func (s *Server) consumeEvents(ctx context.Context) error {
	cons, err := s.deps.JS.OrderedConsumer(ctx, events.StreamEvents, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{events.SubjectAllEvents},
		DeliverPolicy:  jetstream.DeliverNewPolicy,
	})
	if err != nil {
		return fmt.Errorf("edge: event consumer: %w", err)
	}
	// Heartbeats every second: a dead server is noticed in seconds.
	cc, err := cons.Consume(func(m jetstream.Msg) { s.dispatch(m) }, jetstream.PullExpiry(5*time.Second), jetstream.PullHeartbeat(time.Second))
	if err != nil {
		return fmt.Errorf("edge: consume events: %w", err)
	}
	defer cc.Stop()
	s.readyOne.Do(func() { close(s.ready) })
	select {
	case <-ctx.Done():
		return nil
	case <-cc.Closed():
		return fmt.Errorf("edge: event consumer closed")
	}
}

func (s *Server) dispatch(m jetstream.Msg) {
	var env events.Envelope
	if err := json.Unmarshal(m.Data(), &env); err != nil {
		// The fan-in is the root of this path: the producer's trace
		// context comes from the message headers.
		s.log.WarnContext(events.TraceContext(context.Background(), m.Headers()), "undecodable event", "subject", m.Subject(), "err", err)
		return
	}
	md, _ := m.Metadata()
	var seq uint64
	if md != nil {
		seq = md.Sequence.Stream
	}
	if env.Type == events.EvtSessionRevoked {
		var p events.SessionRevoked
		if json.Unmarshal(env.Payload, &p) == nil {
			s.sessions.revoke(p.SessionID)
			s.hub.closeSession(p.SessionID)
		}
		return
	}
	if env.Type == events.EvtOpCompleted {
		var oc events.OpCompleted
		if json.Unmarshal(env.Payload, &oc) == nil {
			s.waiters.deliver(oc)
		}
	}
	if uid, typ, ok := events.ParseUserSubject(m.Subject()); ok && uid != 0 && s.opFilter.admit(typ, env) {
		s.hub.publish(uid, pushFrom(seq, typ, env))
		return
	}
	if s.proc != nil && strings.HasPrefix(m.Subject(), "evt.proctor.") {
		s.proc.dispatch(m, seq, env)
	}
}
