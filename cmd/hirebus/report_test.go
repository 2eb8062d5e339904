package main

import (
	"context"
	"testing"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/store"
	"github.com/hirebus/hirebus/workers/report"
	"github.com/nats-io/nats.go/jetstream"
)

// TestScoreRoleCarriesReports: the score role the binary starts hands
// cmd.score.report to the report handler and every other command to the
// score worker, with or without the analysers' sandbox.
func TestScoreRoleCarriesReports(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DSN: testutil.MySQL(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	js, err := jetstream.New(testutil.NATSConn(t, testutil.NATS(t)))
	if err != nil {
		t.Fatal(err)
	}
	d := Deps{DB: db, JS: js, Relay: outbox.New(db, events.NewPublisher(js), outbox.Config{}, nil), Log: platformtest.Logger()}
	for _, sb := range []string{"none-such", "local"} {
		t.Run("sandbox "+sb, func(t *testing.T) {
			w, err := newScoreRole(ctx, Config{Sandbox: sb}, d)
			if err != nil {
				t.Fatal(err)
			}
			inner := w
			if c, ok := w.(closeAfterRun); ok {
				inner = c.worker
				t.Cleanup(func() { _ = c.res.Close() })
			}
			role, ok := inner.(*report.Role)
			if !ok {
				t.Fatalf("score role is %T, want *report.Role", inner)
			}
			if role.Report == nil || role.Next == nil || role.Concurrency < 2 {
				t.Fatalf("role %+v", role)
			}
		})
	}
}
