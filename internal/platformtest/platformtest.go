// Package platformtest starts a real hirebus platform inside a test: a fresh
// MariaDB database with migrations, an embedded JetStream server, the
// development SMTP mailbox, the mail worker and one or more edges on free
// ports. Feature tests (face, code) add their own workers to it.
package platformtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/hirebus/hirebus/edge"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/mailbox"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/schema"
	"github.com/hirebus/hirebus/store"
	"github.com/hirebus/hirebus/workers/mail"
	"github.com/hirebus/hirebus/workers/proctor"
	"github.com/jmoiron/sqlx"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/crypto/bcrypt"
)

// Platform is a running test platform.
type Platform struct {
	T       testing.TB
	DSN     string
	DB      *sqlx.DB
	NATSURL string
	NC      *nats.Conn
	JS      jetstream.JetStream
	Relay   *outbox.Relay
	Mailbox *mailbox.Mailbox
	URL     string // base URL of the first edge
	Edge    *edge.Server
	Log     *slog.Logger
	ctx     context.Context
}

// Options tune Start.
type Options struct {
	NoMailWorker bool
	NoRelay      bool // leave outbox leftovers alone (tests of the relay itself)
	MailPolicy   *events.ConsumerPolicy
	EdgeConfig   func(*edge.Config)
	DSN          string // use this database instead of a fresh one (e.g. through a proxy)
}

// Logger for tests: quiet unless HIREBUS_TEST_LOG=1.
func Logger() *slog.Logger {
	if os.Getenv("HIREBUS_TEST_LOG") == "1" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Start brings a platform up; everything stops at test cleanup.
func Start(t testing.TB, opt Options) *Platform {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p := &Platform{T: t, Log: Logger(), ctx: ctx}
	p.DSN = opt.DSN
	if p.DSN == "" {
		p.DSN = testutil.MySQL(t)
	}
	db, err := store.Open(ctx, store.Config{DSN: p.DSN, MaxOpenConns: 16})
	if err != nil {
		t.Fatalf("platformtest: open db: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := schema.Migrate(ctx, db.DB); err != nil {
		t.Fatalf("platformtest: migrate: %v", err)
	}
	p.DB = db
	p.NATSURL = testutil.NATS(t)
	p.NC = testutil.NATSConn(t, p.NATSURL)
	if p.JS, err = jetstream.New(p.NC); err != nil {
		t.Fatal(err)
	}
	if err := events.EnsureStreams(ctx, p.JS, events.StreamConfig{}); err != nil {
		t.Fatalf("platformtest: streams: %v", err)
	}
	p.Relay = outbox.New(db, events.NewPublisher(p.JS), outbox.Config{Interval: 200 * time.Millisecond, MinAge: 500 * time.Millisecond}, p.Log)
	if !opt.NoRelay {
		p.Go(p.Relay.Run)
	}
	if p.Mailbox, err = mailbox.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Mailbox.Close() })
	if !opt.NoMailWorker {
		p.StartMailWorker(t, opt.MailPolicy, nil)
	}
	p.Edge, p.URL = p.StartEdge(t, opt.EdgeConfig)
	return p
}

// Go runs fn until the test ends and reports its error.
func (p *Platform) Go(fn func(ctx context.Context) error) {
	ctx, cancel := context.WithCancel(p.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := fn(ctx); err != nil && !errors.Is(err, context.Canceled) {
			p.T.Errorf("platformtest: component failed: %v", err)
		}
	}()
	p.T.Cleanup(func() { cancel(); <-done })
}

// StartMailWorker starts a mail worker and returns a function that kills it
// (cancels its context with almost no grace, like a crash).
func (p *Platform) StartMailWorker(t testing.TB, policy *events.ConsumerPolicy, before func(ctx context.Context, env events.Envelope) error) (kill func()) {
	return p.StartMailWorkerHooks(t, policy, before, nil)
}

// MailCodeKey is the one-time-code secret every test mail worker shares (as
// the replicas of a deployment do).
var MailCodeKey = []byte("platformtest-otp-key-0123456789abcdef")

// StartMailWorkerHooks is StartMailWorker with a hook after the SMTP server
// accepted a mail too.
func (p *Platform) StartMailWorkerHooks(t testing.TB, policy *events.ConsumerPolicy, before, after func(ctx context.Context, env events.Envelope) error) (kill func()) {
	w, err := mail.New(mail.Config{SMTPAddr: p.Mailbox.Addr(), Policy: policy, Concurrency: 2, CodeKey: MailCodeKey},
		mail.Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log, BeforeSend: before, AfterSend: after})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(p.ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	stopped := false
	kill = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(kill)
	return kill
}

// StartProctorWorker starts a proctor worker process (several may run at
// once, like replicas) and returns a function that stops it.
func (p *Platform) StartProctorWorker(t testing.TB) (kill func()) {
	w, err := proctor.New(proctor.Config{PurgeEvery: -1}, proctor.Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(p.ctx)
	done := make(chan struct{})
	go func() { defer close(done); _ = w.Run(ctx) }()
	stopped := false
	kill = func() {
		if !stopped {
			stopped = true
			cancel()
			<-done
		}
	}
	t.Cleanup(kill)
	return kill
}

// StartEdge starts another edge on a free port and returns it with its URL.
func (p *Platform) StartEdge(t testing.TB, tweak func(*edge.Config)) (*edge.Server, string) {
	cfg := edge.Config{
		JWTKey:       []byte("platformtest-signing-key-0123456789abcdef"),
		Dev:          true,
		PasswordCost: bcrypt.MinCost,
		WaitTimeout:  10 * time.Second,
		LoginPerMin:  -1, // tests log in far more often than a person
		FacePerMin:   -1,
		// ... and register, replace faces, send frames and reconnect
		// more often than one person from one address.
		RegisterPerMin:   -1,
		ResetFacePerHour: -1,
		FramePerMin:      -1,
		WSReplayPerMin:   -1,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	srv, err := edge.New(cfg, edge.Deps{DB: p.DB, NC: p.NC, JS: p.JS, Relay: p.Relay, Log: p.Log, Mailbox: p.Mailbox})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.Go(func(ctx context.Context) error { return srv.Serve(ctx, ln) })
	rctx, cancel := context.WithTimeout(p.ctx, 10*time.Second)
	defer cancel()
	if err := srv.WaitReady(rctx); err != nil {
		t.Fatalf("platformtest: edge not ready: %v", err)
	}
	return srv, "http://" + ln.Addr().String()
}

// Response is a decoded HTTP answer.
type Response struct {
	Status int
	Body   []byte
}

// JSON decodes the body into v.
func (r Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Map decodes the body as an object.
func (r Response) Map(t testing.TB) map[string]any {
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// ErrorCode is error.code of an error body ("" if none).
func (r Response) ErrorCode() string {
	var e struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

// Do sends a request to base+path; body may be nil, a string (sent raw) or a value (JSON).
func Do(t testing.TB, method, url, token string, body any) Response {
	t.Helper()
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	if rd == nil {
		ct = ""
	}
	return send(t, method, url, token, ct, rd)
}

// send performs one request and reads the whole answer.
func send(t testing.TB, method, url, token, contentType string, body io.Reader) Response {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return Response{Status: resp.StatusCode, Body: data}
}

// Do sends a request to the first edge.
func (p *Platform) Do(method, path, token string, body any) Response {
	p.T.Helper()
	return Do(p.T, method, p.URL+path, token, body)
}

var codeRE = regexp.MustCompile(`code is (\d{6})`)

// OTPFor waits for the newest code mailed to email.
func (p *Platform) OTPFor(email string, after time.Time) string {
	p.T.Helper()
	m, err := p.Mailbox.WaitFor(email, 15*time.Second, func(m mailbox.Mail) bool {
		return !m.Time.Before(after) && codeRE.MatchString(m.Body)
	})
	if err != nil {
		p.T.Fatalf("no code mailed to %s: %v", email, err)
	}
	return codeRE.FindStringSubmatch(m.Body)[1]
}

// User is a registered test account.
type User struct {
	ID       uint64
	Username string
	Email    string
	Password string
	Token    string
}

// Register walks send-otp → mail → verify-otp → register.
func (p *Platform) Register(username, role string) User {
	p.T.Helper()
	u := User{Username: username, Email: strings.ToLower(username) + "@example.com", Password: "s3cret-pass"}
	start := time.Now()
	if r := p.Do("POST", "/api/auth/send-otp", "", map[string]string{"email": u.Email, "purpose": "register"}); r.Status != 202 {
		p.T.Fatalf("send-otp: %d %s", r.Status, r.Body)
	}
	code := p.OTPFor(u.Email, start)
	if r := p.Do("POST", "/api/auth/verify-otp", "", map[string]string{"email": u.Email, "otp": code, "purpose": "register"}); r.Status != 200 {
		p.T.Fatalf("verify-otp: %d %s", r.Status, r.Body)
	}
	r := p.Do("POST", "/api/auth/register", "", map[string]string{"username": username, "email": u.Email, "password": u.Password, "role": role})
	if r.Status != 201 {
		p.T.Fatalf("register: %d %s", r.Status, r.Body)
	}
	var out struct {
		User  struct{ ID uint64 }
		Token string
	}
	r.JSON(p.T, &out)
	u.ID, u.Token = out.User.ID, out.Token
	return u
}

// WS is a WebSocket client of the edge.
type WS struct {
	t    testing.TB
	Conn *websocket.Conn
}

// DialWS connects to url's /ws with the token in Sec-WebSocket-Protocol and
// waits for the "ready" message. lastSeq < 0 means "no replay".
func DialWS(t testing.TB, baseURL, token string, lastSeq int64) *WS {
	t.Helper()
	u := "ws" + strings.TrimPrefix(baseURL, "http") + "/ws"
	if lastSeq >= 0 {
		u += fmt.Sprintf("?last_seq=%d", lastSeq)
	}
	d := websocket.Dialer{Subprotocols: []string{"hirebus.v1", "bearer." + token}, HandshakeTimeout: 5 * time.Second}
	conn, resp, err := d.Dial(u, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("ws dial: %v (status %d)", err, status)
	}
	t.Cleanup(func() { conn.Close() })
	w := &WS{t: t, Conn: conn}
	if m := w.Next(5 * time.Second); m.Type != "ready" {
		t.Fatalf("ws: first message %q, want ready", m.Type)
	}
	return w
}

// Push mirrors edge.Push for decoding.
type Push = edge.Push

// Next reads one message or fails the test after timeout.
func (w *WS) Next(timeout time.Duration) Push {
	w.t.Helper()
	_ = w.Conn.SetReadDeadline(time.Now().Add(timeout))
	var m Push
	if err := w.Conn.ReadJSON(&m); err != nil {
		w.t.Fatalf("ws read: %v", err)
	}
	return m
}

// WaitFor reads until a message matches or timeout.
func (w *WS) WaitFor(timeout time.Duration, match func(Push) bool) Push {
	w.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		left := time.Until(deadline)
		if left <= 0 {
			w.t.Fatalf("ws: no matching message within %s", timeout)
		}
		m := w.Next(left)
		if match(m) {
			return m
		}
	}
}

// WaitOp polls GET /api/ops/:id until it is no longer pending.
func (p *Platform) WaitOp(token, opID string, timeout time.Duration) map[string]any {
	p.T.Helper()
	var last map[string]any
	testutil.Eventually(p.T, timeout, func() bool {
		r := p.Do("GET", "/api/ops/"+opID, token, nil)
		if r.Status != 200 {
			return false
		}
		last = r.Map(p.T)
		return last["status"] != "pending"
	}, "operation %s still pending", opID)
	return last
}

// DoRaw sends body with an explicit content type.
func DoRaw(t testing.TB, method, url, contentType, body string) Response {
	t.Helper()
	return send(t, method, url, "", contentType, strings.NewReader(body))
}
