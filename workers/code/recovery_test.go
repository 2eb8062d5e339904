package code_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/sandbox"
	"github.com/hirebus/hirebus/workers/code/codetest"
	"github.com/nats-io/nats.go/jetstream"
)

// hangingRunner hangs the n-th run until ctx ends, like a worker process
// that died in the middle of grading.
type hangingRunner struct {
	sandbox.Runner
	runs    atomic.Int64
	n       int64
	reached chan struct{}
}

func (h *hangingRunner) Run(ctx context.Context, p *sandbox.Program, stdin []byte, lim sandbox.Limits) (*sandbox.Result, error) {
	if h.runs.Add(1) == h.n {
		close(h.reached)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return h.Runner.Run(ctx, p, stdin, lim)
}

// TestRecoveryAfterKilledWorker kills the code worker in the middle of a
// submission (its connection goes away without an ack, as with kill -9) and
// measures how long the submission takes to complete once a new worker is
// up: with the short AckWait (the running worker keeps its message with
// in-progress heartbeats) it is seconds, not the old 120 s. It also checks
// that the regrade does not push the tests already pushed again.
func TestRecoveryAfterKilledWorker(t *testing.T) {
	e := codetest.Start(t)
	u := e.Register("killed", "candidate")

	nc := testutil.NATSConn(t, e.NATSURL)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	hang := &hangingRunner{n: 3, reached: make(chan struct{})}
	first := e.NewWorker(t, codetest.Options{Slots: 1, JS: js, Wrap: func(r sandbox.Runner) sandbox.Runner { hang.Runner = r; return hang }})
	ctx, kill := context.WithCancel(context.Background())
	t.Cleanup(kill)
	go func() { _ = first.Run(ctx) }()

	r := e.Do("POST", "/api/code/submit", u.Token, map[string]any{"problem_id": "fizzbuzz", "language": "python",
		"source": codetest.SeedSolution(t, "fizzbuzz", "python.py")})
	if r.Status != 202 {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	acc := r.Map(t)
	opID, total := acc["op_id"].(string), int(acc["total"].(float64))
	select {
	case <-hang.reached:
	case <-time.After(60 * time.Second):
		t.Fatal("the first worker never reached the third test")
	}
	// Let the heartbeat keep the message for longer than AckWait: a live,
	// slow worker must not lose it.
	policy := events.Policies[events.RoleCode]
	time.Sleep(policy.AckWait + policy.AckWait/2)
	if queueRedelivered(t, e.JS) {
		t.Fatal("the message was redelivered while its worker was alive and heartbeating")
	}
	nc.Close() // the process is gone: no ack, no nak, no heartbeat
	kill()

	restart := time.Now()
	e.StartWorker(t, codetest.Options{Slots: 1})
	if op := e.WaitOp(u.Token, opID, 60*time.Second); op["status"] != "done" {
		t.Fatalf("op: %v", op)
	}
	took := time.Since(restart)
	t.Logf("submission completed %s after the new worker started (AckWait %s)", took.Round(100*time.Millisecond), policy.AckWait)
	if took > 45*time.Second { // generous: make test runs packages side by side on 2 cores
		t.Errorf("recovery took %s, want seconds", took)
	}
	tests := eventsFor(t, e.JS, events.UserSubject(u.ID, events.EvtCodeTest), opID)
	seen := map[int]int{}
	for _, env := range tests {
		var ct events.CodeTest
		if err := env.Decode(&ct); err != nil {
			t.Fatal(err)
		}
		seen[ct.Index]++
	}
	for i, n := range seen {
		if n != 1 {
			t.Errorf("test %d pushed %d times", i, n)
		}
	}
	if len(seen) != total {
		t.Errorf("%d tests pushed, want %d", len(seen), total)
	}
}

// queueRedelivered reports whether the code consumer has redelivered anything.
func queueRedelivered(t *testing.T, js jetstream.JetStream) bool {
	t.Helper()
	c, err := js.Consumer(context.Background(), events.StreamCommands, events.ConsumerName(events.RoleCode))
	if err != nil {
		t.Fatal(err)
	}
	ci, err := c.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ci.NumRedelivered > 0
}
