package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// ConsumeBySubject runs a durable pull consumer of the CMD stream like
// Consume, but with many commands in flight: commands on the same subject
// (one proctored attempt) are handled one at a time in stream order, in
// this process and across every process pulling from the consumer, while
// commands on different subjects run concurrently (cfg.Concurrency
// handlers at once in this process). The consumer's MaxAckPending bounds
// the commands in flight across processes.
//
// How the order holds with several processes: CMD is a work-queue stream,
// so a command leaves the stream when it is acked (or dead-lettered), and a
// handler acks only after its effect is committed and published. Before
// handling a command, its runner asks the stream for the oldest message
// still stored on the command's subject: when that is the command itself,
// every earlier command of the subject is finished; when it is an earlier
// one, that one is still being handled (or waits for its redelivery) by
// this or another process, and the runner asks again shortly; when the
// command is no longer stored, another process already handled a copy of
// it (a redelivery after AckWait) and it is dropped. Within a process the
// commands of a subject wait in one queue sorted by stream sequence, so a
// redelivered earlier command goes to the front. Commands waiting their
// turn get in-progress heartbeats so they are not redelivered meanwhile.
func ConsumeBySubject(ctx context.Context, js jetstream.JetStream, cfg ConsumeConfig, h Handler) error {
	cfg, policy, err := cfg.withDefaults()
	if err != nil {
		return err
	}
	log := cfg.Logger.With("role", cfg.Role, "consumer", cfg.Durable)
	if cfg.Durable == "" || cfg.Filter == "" {
		return errors.New("events: ConsumeBySubject needs a durable consumer name and filter")
	}
	cons, err := ensureNamedConsumer(ctx, js, cfg.Durable, cfg.Filter, "hirebus "+cfg.Role+" worker ("+cfg.Filter+")", policy)
	if err != nil {
		return err
	}
	stream, err := js.Stream(ctx, StreamCommands)
	if err != nil {
		return fmt.Errorf("events: %s: stream: %w", cfg.Durable, err)
	}
	sem := cfg.Slots
	if sem == nil {
		sem = make(chan struct{}, cfg.Concurrency)
	}
	handlerCtx, cancelHandlers := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelHandlers()
	d := &subjectDispatcher{
		ctx: handlerCtx, stop: ctx, pub: NewPublisher(js), stream: stream, role: cfg.Role, policy: policy, log: log, h: h,
		sem: sem, queues: map[string]*subjectQueue{},
	}
	// Messages pulls ahead up to MaxAckPending-sized batches; every message
	// it hands over goes straight into its subject's queue, where waiting
	// ones get heartbeats (beat).
	buffer := max(1, policy.MaxAckPending)
	it, err := cons.Messages(jetstream.PullMaxMessages(buffer), jetstream.PullExpiry(pullExpiry), jetstream.PullHeartbeat(pullHeartbeat))
	if err != nil {
		return fmt.Errorf("events: %s: messages: %w", cfg.Durable, err)
	}
	go func() { <-ctx.Done(); it.Stop() }()
	beatDone := make(chan struct{})
	go func() { defer close(beatDone); d.beat(ctx) }()
	for {
		msg, err := it.Next()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				break
			}
			log.WarnContext(ctx, "pull failed", "err", err)
			select { // the iterator retries by itself; do not spin on a lasting error
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		d.add(msg)
	}
	<-beatDone
	done := make(chan struct{})
	go func() { d.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(cfg.Grace):
		log.WarnContext(ctx, "shutdown grace elapsed; unfinished commands will be redelivered")
		cancelHandlers()
		<-done
	}
	return nil
}

// subjectDispatcher keeps one queue per subject and one runner goroutine
// per non-empty queue.
type subjectDispatcher struct {
	ctx    context.Context // handlers (outlives stop by the grace)
	stop   context.Context // the consumer's: runners stop taking commands when it ends
	pub    *Publisher
	stream jetstream.Stream
	role   string
	policy ConsumerPolicy
	log    *slog.Logger
	h      Handler
	sem    chan struct{}
	wg     sync.WaitGroup

	mu     sync.Mutex
	queues map[string]*subjectQueue
}

type queued struct {
	msg jetstream.Msg
	seq uint64 // stream sequence
}

type subjectQueue struct {
	items []queued // sorted by seq
}

func (d *subjectDispatcher) add(msg jetstream.Msg) {
	md, err := msg.Metadata()
	if err != nil {
		d.log.ErrorContext(d.ctx, "message without metadata", "subject", msg.Subject(), "err", err)
		_ = msg.Term()
		return
	}
	subj := msg.Subject()
	q := queued{msg: msg, seq: md.Sequence.Stream}
	d.mu.Lock()
	defer d.mu.Unlock()
	sq := d.queues[subj]
	if sq == nil {
		sq = &subjectQueue{}
		d.queues[subj] = sq
		d.wg.Add(1)
		go d.run(subj, sq)
	}
	i, found := slices.BinarySearchFunc(sq.items, q.seq, func(e queued, s uint64) int { return compareSeq(e.seq, s) })
	if found {
		sq.items[i] = q // a redelivery of a command still waiting here: keep the newer delivery
		return
	}
	sq.items = slices.Insert(sq.items, i, q)
}

func compareSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// run handles a subject's queue in order until it is empty.
func (d *subjectDispatcher) run(subj string, sq *subjectQueue) {
	defer d.wg.Done()
	wait := time.Millisecond
	for {
		d.mu.Lock()
		if len(sq.items) == 0 || d.stop.Err() != nil {
			left := sq.items
			sq.items = nil
			delete(d.queues, subj)
			d.mu.Unlock()
			for _, q := range left {
				_ = q.msg.Nak() // shutting down: let another process have it now
			}
			return
		}
		head := sq.items[0]
		d.mu.Unlock()
		turn, err := d.myTurn(subj, head.seq)
		switch {
		case err != nil:
			d.log.WarnContext(d.ctx, "order check failed; retrying", "subject", subj, "err", err)
			d.pause(100 * time.Millisecond)
			continue
		case turn < 0: // already handled elsewhere: drop this copy
			d.remove(sq, head.seq)
			continue
		case turn > 0: // an earlier command of the subject is not finished yet
			d.pause(wait)
			wait = min(2*wait, 20*time.Millisecond)
			continue
		}
		wait = time.Millisecond
		d.mu.Lock()
		if len(sq.items) == 0 || sq.items[0].seq != head.seq {
			d.mu.Unlock()
			continue // an earlier command arrived meanwhile
		}
		head = sq.items[0] // the newest delivery of it
		d.mu.Unlock()
		d.sem <- struct{}{}
		handleOne(d.ctx, d.pub, d.role, d.policy, d.log, head.msg, d.h)
		<-d.sem
		d.remove(sq, head.seq)
	}
}

// myTurn compares seq with the oldest message stored on subj: 0 when seq
// is the oldest (its turn), >0 when an earlier one is still stored, <0 when
// seq is no longer stored.
func (d *subjectDispatcher) myTurn(subj string, seq uint64) (int, error) {
	ctx, cancel := context.WithTimeout(d.ctx, 5*time.Second)
	defer cancel()
	m, err := d.stream.GetMsg(ctx, 1, jetstream.WithGetMsgSubject(subj))
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return -1, nil
	}
	if err != nil {
		return 0, err
	}
	return compareSeq(seq, m.Sequence), nil
}

func (d *subjectDispatcher) remove(sq *subjectQueue, seq uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if i, found := slices.BinarySearchFunc(sq.items, seq, func(e queued, s uint64) int { return compareSeq(e.seq, s) }); found {
		sq.items = slices.Delete(sq.items, i, i+1)
	}
}

func (d *subjectDispatcher) pause(t time.Duration) {
	select {
	case <-d.stop.Done():
	case <-time.After(t):
	}
}

// beat sends in-progress heartbeats for the commands in the queues (a
// running one also has its own, see heartbeat), so a command that waits for
// an earlier one of its subject is not redelivered meanwhile.
func (d *subjectDispatcher) beat(ctx context.Context) {
	if d.policy.AckWait <= 0 {
		return
	}
	t := time.NewTicker(d.policy.AckWait / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d.mu.Lock()
		var waiting []jetstream.Msg
		for _, sq := range d.queues {
			for _, q := range sq.items {
				waiting = append(waiting, q.msg)
			}
		}
		d.mu.Unlock()
		for _, m := range waiting {
			_ = m.InProgress()
		}
	}
}
