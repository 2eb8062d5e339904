package edge_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/hirebus/hirebus/edge"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
)

// TestWSProtocol drives /ws frame by frame now that the edge reads and
// writes frames itself (wsconn.go) and idle connections sit in the poller:
// first-message auth with and without a resume point, rejections with
// close code 4401, ping answered by pong, a fragmented message reassembled,
// the read limit, and no goroutine parked per idle connection.
func TestWSProtocol(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{EdgeConfig: func(c *edge.Config) { c.WSPerUser = 1000 }})
	u := p.Register("wsproto", "candidate")
	url := "ws" + strings.TrimPrefix(p.URL, "http") + "/ws"
	pub := events.NewPublisher(p.JS)
	publish := func(t *testing.T, opID string) {
		t.Helper()
		env, err := events.NewEnvelope(events.EvtOpCompleted, opID, u.ID, events.OpCompleted{OpID: opID, OpType: "marker", Status: "done"})
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.Publish(context.Background(), events.UserSubject(u.ID, events.EvtOpCompleted), env); err != nil {
			t.Fatal(err)
		}
	}
	dial := func(t *testing.T, d websocket.Dialer) *websocket.Conn {
		t.Helper()
		d.HandshakeTimeout = 5 * time.Second
		if d.Subprotocols == nil {
			d.Subprotocols = []string{"hirebus.v1"}
		}
		c, _, err := d.Dial(url, nil)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	next := func(t *testing.T, c *websocket.Conn) platformtest.Push {
		t.Helper()
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		var m platformtest.Push
		if err := c.ReadJSON(&m); err != nil {
			t.Fatalf("read: %v", err)
		}
		return m
	}
	waitOp := func(t *testing.T, c *websocket.Conn, opID string) platformtest.Push {
		t.Helper()
		for {
			if m := next(t, c); m.OpID == opID {
				return m
			}
		}
	}
	// nextType skips pushes of other kinds (the welcome mail's
	// op.completed may arrive at any time).
	nextType := func(t *testing.T, c *websocket.Conn, typ string) platformtest.Push {
		t.Helper()
		for {
			if m := next(t, c); m.Type == typ {
				return m
			}
		}
	}
	// closed reads past any push until the connection ends.
	closed := func(c *websocket.Conn) error {
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				return err
			}
		}
	}
	auth := func(t *testing.T, c *websocket.Conn, msg map[string]any) {
		t.Helper()
		if err := c.WriteJSON(msg); err != nil {
			t.Fatal(err)
		}
	}
	rejected := func(t *testing.T, c *websocket.Conn, code string) {
		t.Helper()
		m := map[string]any{}
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if err := c.ReadJSON(&m); err != nil {
			t.Fatalf("read the error: %v", err)
		}
		if e, _ := m["error"].(map[string]any); m["type"] != "error" || e["code"] != code {
			t.Fatalf("got %v, want an error %s", m, code)
		}
		_, _, err := c.ReadMessage()
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != 4401 || ce.Text != code {
			t.Fatalf("after the error: %v, want close 4401 %s", err, code)
		}
	}

	t.Run("first-message auth, then pushes", func(t *testing.T) {
		c := dial(t, websocket.Dialer{})
		auth(t, c, map[string]any{"type": "auth", "token": u.Token})
		if m := next(t, c); m.Type != "ready" {
			t.Fatalf("first message %q, want ready", m.Type)
		}
		op := events.NewID()
		publish(t, op)
		if m := waitOp(t, c, op); m.Type != events.EvtOpCompleted || m.Seq == 0 {
			t.Fatalf("push %+v", m)
		}
	})

	t.Run("first-message auth resumes after last_seq", func(t *testing.T) {
		live := dial(t, websocket.Dialer{Subprotocols: []string{"hirebus.v1", "bearer." + u.Token}})
		if m := next(t, live); m.Type != "ready" {
			t.Fatalf("first message %q", m.Type)
		}
		op := events.NewID()
		publish(t, op)
		seq := waitOp(t, live, op).Seq
		c := dial(t, websocket.Dialer{})
		auth(t, c, map[string]any{"type": "auth", "token": u.Token, "last_seq": seq - 1})
		if m := next(t, c); m.Type != "ready" {
			t.Fatalf("first message %q", m.Type)
		}
		if m := waitOp(t, c, op); m.Seq != seq {
			t.Fatalf("replayed seq %d, want %d", m.Seq, seq)
		}
	})

	t.Run("bad token", func(t *testing.T) {
		c := dial(t, websocket.Dialer{})
		auth(t, c, map[string]any{"type": "auth", "token": "nope"})
		rejected(t, c, "unauthorized")
	})

	t.Run("first message is not auth", func(t *testing.T) {
		c := dial(t, websocket.Dialer{})
		auth(t, c, map[string]any{"type": "proctor.subscribe", "attempt_id": 1})
		rejected(t, c, "unauthorized")
	})

	authed := func(t *testing.T, d websocket.Dialer) *websocket.Conn {
		t.Helper()
		d.Subprotocols = []string{"hirebus.v1", "bearer." + u.Token}
		c := dial(t, d)
		if m := next(t, c); m.Type != "ready" {
			t.Fatalf("first message %q", m.Type)
		}
		return c
	}

	t.Run("ping answered before the next message", func(t *testing.T) {
		c := authed(t, websocket.Dialer{})
		pong := make(chan string, 1)
		c.SetPongHandler(func(s string) error { pong <- s; return nil })
		if err := c.WriteControl(websocket.PingMessage, []byte("hello"), time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		// An answered message after the ping: the pong comes first.
		auth(t, c, map[string]any{"type": "proctor.subscribe"})
		nextType(t, c, "proctor.error")
		select {
		case s := <-pong:
			if s != "hello" {
				t.Fatalf("pong %q", s)
			}
		default:
			t.Fatal("no pong before the answer")
		}
	})

	t.Run("fragmented message", func(t *testing.T) {
		c := authed(t, websocket.Dialer{WriteBufferSize: 16}) // the message goes in several frames
		w, err := c.NextWriter(websocket.TextMessage)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write([]byte(`{"type":"proctor.subscribe","note":"` + strings.Repeat("y", 200) + `"}`))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		m := nextType(t, c, "proctor.error")
		var data struct {
			Code string `json:"code"`
		}
		_ = json.Unmarshal(m.Data, &data)
		if data.Code != "bad_request" {
			t.Fatalf("answer %+v, want proctor.error bad_request", m)
		}
	})

	t.Run("read limit", func(t *testing.T) {
		c := authed(t, websocket.Dialer{})
		if err := c.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("x", 70<<10))); err != nil {
			t.Fatal(err)
		}
		err := closed(c)
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != websocket.CloseMessageTooBig {
			t.Fatalf("after 70 KiB: %v, want close 1009", err)
		}
	})

	t.Run("shutdown closes every socket with a close frame", func(t *testing.T) {
		srv, err := edge.New(edge.Config{JWTKey: []byte("platformtest-signing-key-0123456789abcdef"), Dev: true, WSReplayPerMin: -1},
			edge.Deps{DB: p.DB, NC: p.NC, JS: p.JS, Relay: p.Relay, Log: p.Log})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, stop := context.WithCancel(context.Background())
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ctx, ln) }()
		t.Cleanup(func() { stop(); <-served })
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := srv.WaitReady(rctx); err != nil {
			t.Fatal(err)
		}
		base := "http://" + ln.Addr().String()
		var socks []*platformtest.WS
		for range 3 {
			socks = append(socks, platformtest.DialWS(t, base, u.Token, -1))
		}
		stop()
		if err := <-served; err != nil {
			t.Fatalf("serve: %v", err)
		}
		served <- nil // for the cleanup
		for i, w := range socks {
			err := closed(w.Conn)
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure {
				t.Fatalf("socket %d after shutdown: %v, want close 1000", i, err)
			}
		}
	})

	t.Run("idle connections park no goroutine", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("the poller is epoll")
		}
		const n = 200
		base := runtime.NumGoroutine()
		var socks []*platformtest.WS
		for range n {
			socks = append(socks, platformtest.DialWS(t, p.URL, u.Token, -1))
		}
		// The greeting writers exit; what stays must not grow with n
		// (the client side of these sockets has no goroutines either).
		testutil.Eventually(t, 10*time.Second, func() bool { return runtime.NumGoroutine() < base+n/4 },
			"%d goroutines with %d idle sockets open, %d before", runtime.NumGoroutine(), n, base)
		// And they are alive: a push reaches every one of them.
		op := events.NewID()
		publish(t, op)
		for _, w := range socks {
			w.WaitFor(10*time.Second, func(m platformtest.Push) bool { return m.OpID == op })
		}
	})
}
