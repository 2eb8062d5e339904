package proctor_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/workers/proctor"
)

// TestHandleOutcomes: commands the worker can never apply are permanent
// (dead-lettered by the consume loop), not retried forever.
func TestHandleOutcomes(t *testing.T) {
	e := domaintest.Start(t)
	w, err := proctor.New(proctor.Config{PurgeEvery: -1}, proctor.Deps{DB: e.DB, JS: e.JS, Relay: e.Relay})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	env := func(typ string, payload any) events.Envelope {
		en, err := events.NewEnvelope(typ, "", 0, payload)
		if err != nil {
			t.Fatal(err)
		}
		return en
	}
	cases := []struct {
		name string
		env  events.Envelope
	}{
		{"unknown type", env("proctor.nonsense", map[string]int{})},
		{"malformed", events.Envelope{ID: "x", Type: events.OpProctorSignals, Payload: json.RawMessage(`[1,2]`)}},
		{"no events", env(events.OpProctorSignals, events.ProctorSignals{AttemptID: 1})},
		{"unknown attempt", env(events.OpProctorSignals, events.ProctorSignals{AttemptID: 424242, Events: []events.ProctorSignal{{Seq: 1, Type: events.SigCopy, At: time.Now()}}})},
		{"frame without attempt", env(events.OpProctorFrame, events.ProctorFrame{})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := w.Handle(ctx, tc.env, events.Meta{Subject: events.ProctorSubject(1), Delivered: 1}); !events.IsPermanent(err) {
				t.Fatalf("err = %v, want a permanent error", err)
			}
		})
	}
	if _, err := proctor.New(proctor.Config{Retention: -time.Hour}, proctor.Deps{DB: e.DB, JS: e.JS, Relay: e.Relay}); err == nil {
		t.Fatal("negative retention accepted")
	}
	if n := w.PurgeOnce(ctx); n != 0 {
		t.Fatalf("purged %d rows of an empty database", n)
	}
}

func TestSubjectsPartitionAttempts(t *testing.T) {
	for _, id := range []uint64{1, 16, 17, 1_000_003} {
		s := events.ProctorSubject(id)
		p := int(id % events.ProctorPartitions)
		want := events.ProctorPartitionFilter(p)
		if want[:len(want)-1] != s[:len(want)-1] {
			t.Fatalf("%s is not under %s", s, want)
		}
	}
}
