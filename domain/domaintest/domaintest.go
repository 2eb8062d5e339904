// Package domaintest gives the hiring domain packages' tests a migrated
// MariaDB database, an embedded JetStream with hirebus's streams, an outbox
// relay publishing to it, and accounts to act as. Everything is per test.
package domaintest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/schema"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
	"github.com/nats-io/nats.go/jetstream"
)

// Env is one test's infrastructure.
type Env struct {
	DB    *sqlx.DB
	JS    jetstream.JetStream
	Relay *outbox.Relay
}

// Start migrates a fresh database and starts JetStream.
func Start(t testing.TB) *Env {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DSN: testutil.MySQL(t), MaxOpenConns: 16})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := schema.Migrate(ctx, db.DB); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	nc := testutil.NATSConn(t, testutil.NATS(t))
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := events.EnsureStreams(ctx, js, events.StreamConfig{}); err != nil {
		t.Fatal(err)
	}
	return &Env{DB: db, JS: js, Relay: outbox.New(db, events.NewPublisher(js), outbox.Config{}, nil)}
}

// User inserts an account with role and returns it as an actor.
func (e *Env) User(t testing.TB, name, role string) company.Actor {
	t.Helper()
	res, err := e.DB.Exec(`INSERT INTO users (username, email, password_hash, role) VALUES (?, ?, 'x', ?)`, name, name+"@example.com", role)
	if err != nil {
		t.Fatalf("user %s: %v", name, err)
	}
	id, _ := res.LastInsertId()
	return company.Actor{UserID: uint64(id), Role: role, RequestID: "req-" + name, IP: "192.0.2.1"}
}

// Count runs a COUNT(*) query.
func (e *Env) Count(t testing.TB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := e.DB.Get(&n, q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// Subscribe returns the events published on subject from now on.
func (e *Env) Subscribe(t testing.TB, subject string) func(timeout time.Duration) []events.Envelope {
	t.Helper()
	ctx := context.Background()
	cons, err := e.JS.OrderedConsumer(ctx, events.StreamEvents, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		t.Fatal(err)
	}
	return func(timeout time.Duration) []events.Envelope {
		var out []events.Envelope
		batch, err := cons.Fetch(100, jetstream.FetchMaxWait(timeout))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			var env events.Envelope
			if err := json.Unmarshal(m.Data(), &env); err != nil {
				t.Fatal(err)
			}
			out = append(out, env)
		}
		return out
	}
}

// Commands returns the number of messages stored on a CMD subject.
func (e *Env) Commands(t testing.TB, subject string) int {
	t.Helper()
	st, err := e.JS.Stream(context.Background(), events.StreamCommands)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(context.Background(), jetstream.WithSubjectFilter(subject))
	if err != nil {
		t.Fatal(err)
	}
	return int(info.State.Subjects[subject])
}
