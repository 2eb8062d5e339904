package main

import (
	"context"
	"strings"
	"testing"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/store"
	"github.com/hirebus/hirebus/workers/score"
	"github.com/nats-io/nats.go/jetstream"
)

// TestScoreRoleCarriesReports: the score role the binary starts hands
// cmd.score.report to the report handler (an undecodable one is
// dead-lettered by it, not refused as an unknown subject), with or without
// the analysers' sandbox.
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
			w, err := workerFactories[events.RoleScore](ctx, Config{Sandbox: sb}, d)
			if err != nil {
				t.Fatal(err)
			}
			inner := w
			if c, ok := w.(closeAfterRun); ok {
				inner = c.worker
				t.Cleanup(func() { _ = c.res.Close() })
			}
			sw, ok := inner.(*score.Worker)
			if !ok {
				t.Fatalf("score role is %T, want *score.Worker", inner)
			}
			err = sw.Handle(ctx, events.Envelope{Payload: []byte("{")}, events.Meta{Subject: events.CmdReportGenerate})
			if !events.IsPermanent(err) || strings.Contains(err.Error(), "unknown subject") {
				t.Fatalf("report command: %v; want the report handler's decode failure", err)
			}
			err = sw.Handle(ctx, events.Envelope{}, events.Meta{Subject: "cmd.score.nonesuch"})
			if !events.IsPermanent(err) || !strings.Contains(err.Error(), "unknown subject") {
				t.Fatalf("unknown command: %v", err)
			}
		})
	}
}
