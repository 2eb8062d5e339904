package edge_test

import (
	"context"
	"testing"
	"time"

	"github.com/hirebus/hirebus/edge"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/outbox"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// TestMySQLDown: with the database unreachable every endpoint that needs it
// answers 503 with a clear message, and service resumes when it returns.
func TestMySQLDown(t *testing.T) {
	dsn, proxy := testutil.ProxiedDSN(t, testutil.MySQL(t))
	p := platformtest.Start(t, platformtest.Options{DSN: dsn, EdgeConfig: func(c *edge.Config) { c.SessionCache = time.Millisecond }})
	u := p.Register("outage", "candidate")
	proxy.SetUp(false)
	for _, tc := range []struct {
		method, path, token string
		body                any
	}{
		{"POST", "/api/auth/login", "", map[string]string{"username": "outage", "password": u.Password}},
		{"POST", "/api/auth/send-otp", "", map[string]string{"email": "new@example.com", "purpose": "register"}},
		{"GET", "/api/user/me", u.Token, nil},
	} {
		r := p.Do(tc.method, tc.path, tc.token, tc.body)
		if r.Status != 503 || r.ErrorCode() != "unavailable" {
			t.Fatalf("%s %s with MySQL down: %d %s", tc.method, tc.path, r.Status, r.Body)
		}
	}
	if r := p.Do("GET", "/ready", "", nil); r.Status != 503 {
		t.Fatalf("ready with MySQL down: %d", r.Status)
	}
	proxy.SetUp(true)
	testutil.Eventually(t, 10*time.Second, func() bool {
		return p.Do("GET", "/api/user/me", u.Token, nil).Status == 200
	}, "service did not resume after MySQL came back")
}

// TestAcceptedWhileNATSDown: a command accepted while the bus is unreachable
// waits in the outbox and is delivered when the bus returns.
func TestAcceptedWhileNATSDown(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{NoRelay: true})
	// A second NATS connection through a proxy we can cut.
	proxy := testutil.NewProxy(t, p.NATSURL[len("nats://"):])
	nc, err := nats.Connect("nats://"+proxy.Addr(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond), nats.Timeout(time.Second), nats.ReconnectBufSize(-1))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)
	relay := outbox.New(p.DB, events.NewPublisher(js), outbox.Config{Interval: 100 * time.Millisecond, MinAge: 100 * time.Millisecond}, platformtest.Logger())
	srv, err := edge.New(edge.Config{JWTKey: []byte("platformtest-signing-key-0123456789abcdef"), PasswordCost: 4},
		edge.Deps{DB: p.DB, NC: nc, JS: js, Relay: relay, Log: platformtest.Logger()})
	if err != nil {
		t.Fatal(err)
	}
	proxy.SetUp(false)
	testutil.Eventually(t, 5*time.Second, func() bool { return !nc.IsConnected() }, "nats still connected")
	resp, err := srv.App().Test(jsonReq("/api/auth/send-otp", `{"email":"queued@example.com","purpose":"register"}`), 10000)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 202 {
		t.Fatalf("send-otp with NATS down: %d", resp.StatusCode)
	}
	var waiting int
	_ = p.DB.Get(&waiting, `SELECT COUNT(*) FROM outbox`)
	if waiting != 1 {
		t.Fatalf("outbox rows while NATS down: %d, want 1", waiting)
	}
	proxy.SetUp(true)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = relay.Run(ctx) }()
	code := p.OTPFor("queued@example.com", time.Time{})
	if len(code) != 6 {
		t.Fatalf("code %q", code)
	}
	testutil.Eventually(t, 5*time.Second, func() bool {
		_ = p.DB.Get(&waiting, `SELECT COUNT(*) FROM outbox`)
		return waiting == 0
	}, "outbox not drained")
}
