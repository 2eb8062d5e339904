package events_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/nats-io/nats.go/jetstream"
)

func setup(t *testing.T) jetstream.JetStream {
	t.Helper()
	nc := testutil.NATSConn(t, testutil.NATS(t))
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := events.EnsureStreams(ctx, js, events.StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	return js
}

var fastPolicy = events.ConsumerPolicy{AckWait: time.Second, MaxDeliver: 3, Backoff: []time.Duration{50 * time.Millisecond, 100 * time.Millisecond}, MaxAckPending: 16}

func consume(t *testing.T, js jetstream.JetStream, h events.Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	p := fastPolicy
	go func() {
		done <- events.Consume(ctx, js, events.ConsumeConfig{Role: events.RoleMail, Concurrency: 2, Grace: time.Second, Policy: &p, Logger: nil}, h)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("consume: %v", err)
		}
	})
}

func publish(t *testing.T, js jetstream.JetStream, subject string, payload any) events.Envelope {
	t.Helper()
	env, err := events.NewEnvelope("test", events.NewID(), 7, payload)
	if err != nil {
		t.Fatal(err)
	}
	if err := events.NewPublisher(js).Publish(context.Background(), subject, env); err != nil {
		t.Fatal(err)
	}
	return env
}

func deadLetters(t *testing.T, js jetstream.JetStream) []events.DeadLetter {
	t.Helper()
	ctx := context.Background()
	c, err := js.OrderedConsumer(ctx, events.StreamDeadLetter, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	var out []events.DeadLetter
	batch, err := c.Fetch(100, jetstream.FetchMaxWait(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	for m := range batch.Messages() {
		var env events.Envelope
		var dl events.DeadLetter
		if json.Unmarshal(m.Data(), &env) == nil && json.Unmarshal(env.Payload, &dl) == nil {
			out = append(out, dl)
		}
	}
	return out
}

func TestConsumeOutcomes(t *testing.T) {
	cases := []struct {
		name       string
		handler    func(calls *atomic.Int32) events.Handler
		wantCalls  int32
		wantDLQ    bool
		raw        bool // publish a malformed envelope
		wantErrSub string
	}{
		{"ack on success", func(c *atomic.Int32) events.Handler {
			return func(context.Context, events.Envelope, events.Meta) error { c.Add(1); return nil }
		}, 1, false, false, ""},
		{"retry temporary then succeed", func(c *atomic.Int32) events.Handler {
			return func(_ context.Context, _ events.Envelope, m events.Meta) error {
				c.Add(1)
				if m.Delivered < 2 {
					return errors.New("smtp down")
				}
				return nil
			}
		}, 2, false, false, ""},
		{"permanent goes to dead letter at once", func(c *atomic.Int32) events.Handler {
			return func(context.Context, events.Envelope, events.Meta) error {
				c.Add(1)
				return events.Permanent(errors.New("bad payload"))
			}
		}, 1, true, false, "bad payload"},
		{"exhausted deliveries dead-lettered", func(c *atomic.Int32) events.Handler {
			return func(context.Context, events.Envelope, events.Meta) error { c.Add(1); return errors.New("still down") }
		}, 3, true, false, "deliveries exhausted"},
		{"panic recovered and retried", func(c *atomic.Int32) events.Handler {
			return func(_ context.Context, _ events.Envelope, m events.Meta) error {
				c.Add(1)
				if m.Delivered == 1 {
					panic("boom")
				}
				return nil
			}
		}, 2, false, false, ""},
		{"malformed envelope dead-lettered", func(c *atomic.Int32) events.Handler {
			return func(context.Context, events.Envelope, events.Meta) error { c.Add(1); return nil }
		}, 0, true, true, "malformed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			js := setup(t)
			var calls atomic.Int32
			consume(t, js, tc.handler(&calls))
			if tc.raw {
				if _, err := js.Publish(context.Background(), events.CmdMailSendOTP, []byte("{not json")); err != nil {
					t.Fatal(err)
				}
			} else {
				publish(t, js, events.CmdMailSendOTP, map[string]string{"k": "v"})
			}
			var dls []events.DeadLetter
			testutil.Eventually(t, 10*time.Second, func() bool {
				if calls.Load() < tc.wantCalls {
					return false
				}
				if tc.wantDLQ {
					dls = deadLetters(t, js)
					return len(dls) == 1
				}
				info, err := js.Consumer(context.Background(), events.StreamCommands, events.ConsumerName(events.RoleMail))
				if err != nil {
					return false
				}
				ci := info.CachedInfo()
				if ci2, err := info.Info(context.Background()); err == nil {
					ci = ci2
				}
				return ci.NumAckPending == 0 && ci.NumPending == 0
			}, "calls=%d want %d", calls.Load(), tc.wantCalls)
			// No further deliveries after the outcome.
			time.Sleep(300 * time.Millisecond)
			if got := calls.Load(); got != tc.wantCalls {
				t.Fatalf("handler called %d times, want %d", got, tc.wantCalls)
			}
			if tc.wantDLQ && !strings.Contains(dls[0].Error, tc.wantErrSub) {
				t.Fatalf("dead letter error %q, want %q", dls[0].Error, tc.wantErrSub)
			}
			if !tc.wantDLQ && len(deadLetters(t, js)) != 0 {
				t.Fatal("unexpected dead letter")
			}
		})
	}
}

func TestPublishDeduplicates(t *testing.T) {
	js := setup(t)
	env, _ := events.NewEnvelope("test", "", 0, map[string]int{"n": 1})
	pub := events.NewPublisher(js)
	for i := 0; i < 3; i++ {
		if err := pub.Publish(context.Background(), events.CmdMailSendOTP, env); err != nil {
			t.Fatal(err)
		}
	}
	st, err := js.Stream(context.Background(), events.StreamCommands)
	if err != nil {
		t.Fatal(err)
	}
	if n := st.CachedInfo().State.Msgs; n != 1 {
		t.Fatalf("stored %d copies, want 1", n)
	}
}

func TestSubjects(t *testing.T) {
	uid, typ, ok := events.ParseUserSubject(events.UserSubject(42, events.EvtOpCompleted))
	if !ok || uid != 42 || typ != events.EvtOpCompleted {
		t.Fatalf("round trip: %d %q %v", uid, typ, ok)
	}
	for _, bad := range []string{"evt.sys.x", "evt.u.x.y", "evt.u.5", "cmd.mail.x"} {
		if _, _, ok := events.ParseUserSubject(bad); ok {
			t.Errorf("%q parsed as a user subject", bad)
		}
	}
}

// TestLongHandlerKeepsItsMessage: a handler running for several AckWaits is
// not redelivered meanwhile, thanks to the in-progress heartbeat.
func TestLongHandlerKeepsItsMessage(t *testing.T) {
	js := setup(t)
	var calls atomic.Int32
	done := make(chan struct{})
	consume(t, js, func(ctx context.Context, _ events.Envelope, _ events.Meta) error {
		if calls.Add(1) == 1 {
			time.Sleep(3500 * time.Millisecond) // 3.5 × AckWait of fastPolicy
			close(done)
		}
		return nil
	})
	publish(t, js, events.CmdMailSendOTP, map[string]string{"k": "v"})
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		t.Fatal("handler never finished")
	}
	time.Sleep(300 * time.Millisecond)
	if n := calls.Load(); n != 1 {
		t.Fatalf("handler ran %d times, want 1 (redelivered while running)", n)
	}
}

// TestQueuedCommandsWaitOnTheServer: with every slot busy for longer than
// AckWait, the commands waiting their turn must not be redelivered (nor run
// twice, nor use up their deliveries): a worker pulls only when a slot is
// free, so waiting commands stay undelivered on the server.
func TestQueuedCommandsWaitOnTheServer(t *testing.T) {
	js := setup(t)
	var mu sync.Mutex
	runs := map[string]int{}
	deliveries := map[string]uint64{}
	consume(t, js, func(ctx context.Context, env events.Envelope, meta events.Meta) error {
		mu.Lock()
		runs[env.ID]++
		deliveries[env.ID] = max(deliveries[env.ID], meta.Delivered)
		mu.Unlock()
		time.Sleep(1500 * time.Millisecond) // 1.5 × AckWait of fastPolicy, 2 slots
		return nil
	})
	const n = 6
	for i := range n {
		publish(t, js, events.CmdMailSendOTP, map[string]int{"i": i})
	}
	testutil.Eventually(t, 30*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(runs) == n
	}, "not every command ran")
	time.Sleep(2 * time.Second) // a redelivery would show up by now
	mu.Lock()
	defer mu.Unlock()
	for id, r := range runs {
		if r != 1 || deliveries[id] != 1 {
			t.Errorf("command %s ran %d times, delivered %d times; want once", id, r, deliveries[id])
		}
	}
}
