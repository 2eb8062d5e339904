package face

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/face/index"
	"github.com/nats-io/nats.go/jetstream"
)

// followChanges applies evt.sys.face.index_changed to this replica's index
// until ctx ends. It uses an ordered consumer on the EVT stream rather than
// a core subscription: after a NATS disconnect it resumes after the last
// event it saw instead of silently losing what was published meanwhile.
// ready is closed once the consumer exists.
func (w *Worker) followChanges(ctx context.Context, ready chan struct{}) error {
	readyOnce := false
	for {
		err := w.consumeChanges(ctx, func() {
			if !readyOnce {
				readyOnce = true
				close(ready)
			}
		})
		if ctx.Err() != nil {
			return nil
		}
		w.log.WarnContext(ctx, "index change feed stopped; restarting", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

func (w *Worker) consumeChanges(ctx context.Context, ready func()) error {
	cons, err := w.deps.JS.OrderedConsumer(ctx, events.StreamEvents, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{events.SystemSubject(events.EvtFaceIndexChanged)},
		DeliverPolicy:  jetstream.DeliverNewPolicy,
	})
	if err != nil {
		return fmt.Errorf("face worker: index change consumer: %w", err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) { w.applyChange(ctx, m.Data()) })
	if err != nil {
		return fmt.Errorf("face worker: consume index changes: %w", err)
	}
	defer cc.Stop()
	ready()
	select {
	case <-ctx.Done():
		return nil
	case <-cc.Closed():
		return fmt.Errorf("face worker: index change consumer closed")
	}
}

// applyChange re-reads one user. A failure leaves this replica stale for
// that user until the next resync, so it is logged loudly.
func (w *Worker) applyChange(ctx context.Context, data []byte) {
	var env events.Envelope
	var c events.FaceIndexChanged
	if err := json.Unmarshal(data, &env); err != nil || env.Decode(&c) != nil || c.UserID == 0 {
		w.log.WarnContext(ctx, "undecodable index change", "data", string(data))
		return
	}
	actx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	err := w.idx.ApplyChange(actx, index.Change{Kind: index.ChangeKind(c.Kind), UserID: c.UserID, OpID: c.OpID})
	if err != nil {
		w.log.ErrorContext(ctx, "index change not applied; replica stale until resync", "user", c.UserID, "err", err)
	}
}

// resync reloads the whole index every ResyncInterval.
func (w *Worker) resync(ctx context.Context, l loader) {
	t := time.NewTicker(w.cfg.ResyncInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := l.Load(ctx); err != nil && ctx.Err() == nil {
			w.log.WarnContext(ctx, "index resync failed", "err", err)
		}
	}
}
