package edge

import (
	"context"
	"testing"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/schema"
	"github.com/hirebus/hirebus/store"
	"github.com/nats-io/nats.go/jetstream"
)

func TestCleanupRemovesExpiredSessions(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DSN: testutil.MySQL(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := schema.Migrate(ctx, db.DB); err != nil {
		t.Fatal(err)
	}
	nc := testutil.NATSConn(t, testutil.NATS(t))
	js, _ := jetstream.New(nc)
	s, err := New(Config{JWTKey: []byte("0123456789abcdef0123456789abcdef")}, Deps{DB: db, NC: nc, JS: js, Relay: outbox.New(db, events.NewPublisher(js), outbox.Config{}, nil)})
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Exec(`INSERT INTO users (username, email, password_hash) VALUES ('u', 'u@example.com', 'x')`)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := res.LastInsertId()
	now := time.Now().UTC()
	for _, row := range []struct {
		id      string
		expires time.Time
	}{{"expired-1", now.Add(-time.Hour)}, {"expired-2", now.Add(-time.Minute)}, {"live", now.Add(time.Hour)}} {
		if _, err := db.Exec(`INSERT INTO user_sessions (id, user_id, device_hash, expires_at) VALUES (?, ?, ?, ?)`, row.id, uid, deviceHash("ua", "ip"), row.expires); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.cleanupSessions(ctx); err != nil {
		t.Fatal(err)
	}
	var left []string
	if err := db.Select(&left, `SELECT id FROM user_sessions`); err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0] != "live" {
		t.Fatalf("sessions left: %v", left)
	}
	// An expired session's token is refused even before cleanup runs.
	tok, err := s.issueToken(uint64(uid), "candidate", "live", now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.authenticate(ctx, tok); err != nil {
		t.Fatalf("live session refused: %v", err)
	}
	if _, err := db.Exec(`UPDATE user_sessions SET expires_at = ? WHERE id = 'live'`, now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	s.sessions = newSessionCache(db, time.Millisecond)
	if _, err := s.authenticate(ctx, tok); err == nil {
		t.Fatal("expired session accepted")
	}
}
