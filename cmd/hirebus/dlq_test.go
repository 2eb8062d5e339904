package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/nats-io/nats.go/jetstream"
)

// TestDLQCommands dead-letters a command through the real consume loop,
// then lists, shows and replays it with `hirebus dlq`: the replayed command
// reaches the worker again with the same envelope id, and leaves the DLQ.
func TestDLQCommands(t *testing.T) {
	url := testutil.NATS(t)
	js, err := jetstream.New(testutil.NATSConn(t, url))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := events.EnsureStreams(ctx, js, events.StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	env, err := events.NewEnvelope("welcome", events.NewID(), 7, events.Welcome{UserID: 7, Email: "dead@example.com", Username: "dead"})
	if err != nil {
		t.Fatal(err)
	}
	if err := events.NewPublisher(js).Publish(ctx, events.CmdMailWelcome, env); err != nil {
		t.Fatal(err)
	}
	var healed atomic.Bool
	got := make(chan string, 4)
	policy := events.Policies[events.RoleMail]
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = events.Consume(ctx, js, events.ConsumeConfig{Role: events.RoleMail, Policy: &policy, Logger: platformtest.Logger()},
			func(_ context.Context, e events.Envelope, _ events.Meta) error {
				if !healed.Load() {
					return events.Permanent(errors.New("550 mailbox unavailable"))
				}
				got <- e.ID
				return nil
			})
	}()
	defer func() { cancel(); <-done }()

	cfg := Config{NATSURL: url}
	dlq := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := runDLQ(context.Background(), cfg, platformtest.Logger(), args, &out)
		return out.String(), err
	}
	var list string
	testutil.Eventually(t, 10*time.Second, func() bool {
		list, err = dlq("list")
		return err == nil && strings.Contains(list, env.ID)
	}, "dead letter not listed: %q %v", list, err)
	for _, want := range []string{events.CmdMailWelcome, "550 mailbox unavailable"} {
		if !strings.Contains(list, want) {
			t.Fatalf("list lacks %q:\n%s", want, list)
		}
	}
	entries, err := events.ListDeadLetters(context.Background(), js, 10)
	if err != nil || len(entries) != 1 {
		t.Fatalf("entries %v %v", entries, err)
	}
	seq := fmt.Sprint(entries[0].Seq)
	show, err := dlq("show", seq)
	if err != nil || !strings.Contains(show, `"id": "`+env.ID+`"`) || !strings.Contains(show, `"deliveries": 1`) {
		t.Fatalf("show: %v\n%s", err, show)
	}

	healed.Store(true)
	if out, err := dlq("replay", seq); err != nil || !strings.Contains(out, "replayed "+seq) {
		t.Fatalf("replay: %v %s", err, out)
	}
	select {
	case id := <-got:
		if id != env.ID {
			t.Fatalf("replayed envelope id %s, want %s", id, env.ID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the replayed command never reached the worker")
	}
	if list, err := dlq("list"); err != nil || strings.Contains(list, env.ID) {
		t.Fatalf("dead letter still listed after replay: %v\n%s", err, list)
	}

	for _, bad := range [][]string{{}, {"bogus"}, {"show"}, {"show", "x"}, {"replay"}, {"list", "-n", "0"}} {
		if _, err := dlq(bad...); err == nil {
			t.Errorf("dlq %v: no error", bad)
		}
	}
	if _, err := dlq("show", "999"); !errors.Is(err, events.ErrNoDeadLetter) {
		t.Errorf("show of a missing sequence: %v", err)
	}
}
