package notify_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/domain/notify"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/outbox"
	"github.com/jmoiron/sqlx"
)

func TestSendListRead(t *testing.T) {
	e := domaintest.Start(t)
	ctx := context.Background()
	ann := e.User(t, "ann", "candidate")
	bob := e.User(t, "bob", "candidate")
	pushes := e.Subscribe(t, events.UserSubject(ann.UserID, events.EvtNotification))

	send := func(n notify.New) (uint64, error) {
		var id uint64
		err := e.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
			var err error
			id, err = notify.Send(ctx, tx, out, n)
			return err
		})
		return id, err
	}
	for _, tc := range []struct {
		name string
		n    notify.New
		want error
	}{
		{"no user", notify.New{Kind: "k", Title: "t"}, notify.ErrInvalid},
		{"no kind", notify.New{UserID: ann.UserID, Title: "t"}, notify.ErrInvalid},
		{"no title", notify.New{UserID: ann.UserID, Kind: "k"}, notify.ErrInvalid},
		{"ok", notify.New{UserID: ann.UserID, Kind: "k", Title: "first", Data: map[string]any{"x": 1}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := send(tc.n); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	// A rolled-back transaction leaves neither a row nor an event.
	boom := errors.New("boom")
	err := e.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		if _, err := notify.Send(ctx, tx, out, notify.New{UserID: ann.UserID, Kind: "k", Title: "rolled back"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	second, _ := send(notify.New{UserID: ann.UserID, Kind: "k", Title: "second"})
	if _, err := send(notify.New{UserID: bob.UserID, Kind: "k", Title: "bob's"}); err != nil {
		t.Fatal(err)
	}
	var got []events.Envelope
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < 2 && time.Now().Before(deadline) {
		got = append(got, pushes(300*time.Millisecond)...)
	}
	if extra := pushes(300 * time.Millisecond); len(got) != 2 || len(extra) != 0 {
		t.Fatalf("events: %d + %d, want 2 (the rollback must not publish)", len(got), len(extra))
	}

	if err := notify.MarkRead(ctx, e.DB, bob.UserID, second); !errors.Is(err, notify.ErrNotFound) {
		t.Fatalf("bob reads ann's: %v", err)
	}
	p, err := notify.List(ctx, e.DB, ann.UserID, 0, 10)
	if err != nil || len(p.Items) != 2 || p.Unread != 2 || p.Items[0].Title != "second" {
		t.Fatalf("list: %+v %v", p, err)
	}
	if err := notify.MarkRead(ctx, e.DB, ann.UserID, second); err != nil {
		t.Fatal(err)
	}
	// Unread first: "first" is now before the newer but read "second".
	p, _ = notify.List(ctx, e.DB, ann.UserID, 0, 1)
	if p.Items[0].Title != "first" || p.Unread != 1 || p.NextOffset != 1 {
		t.Fatalf("unread first: %+v", p)
	}
	if n, err := notify.MarkAllRead(ctx, e.DB, ann.UserID); err != nil || n != 1 {
		t.Fatalf("read all: %d %v", n, err)
	}
	if p, _ = notify.List(ctx, e.DB, bob.UserID, 0, 10); p.Unread != 1 {
		t.Fatalf("bob's unread changed: %+v", p)
	}
}
