package edge

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/ratelimit"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Push is one message sent to a browser.
type Push struct {
	Seq  uint64          `json:"seq"`
	Type string          `json:"type"`
	OpID string          `json:"op_id,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
	Time time.Time       `json:"time"`
}

func pushFrom(seq uint64, typ string, env events.Envelope) Push {
	return Push{Seq: seq, Type: typ, OpID: env.CorrelationID, Data: env.Payload, Time: env.Time}
}

const (
	wsProtocol     = "hirebus.v1"
	wsBearerPrefix = "bearer."
	wsSendBuffer   = 256
	wsAuthTimeout  = 10 * time.Second
	wsPingEvery    = 30 * time.Second
	wsWriteTimeout = 10 * time.Second
	replayInactive = 10 * time.Second
)

var wsClients = promauto.NewGauge(prometheus.GaugeOpts{Name: "hirebus_ws_clients", Help: "Open WebSocket connections on this edge."})

// hub routes pushes to the connections of each user on this edge.
type hub struct {
	s     *Server
	mu    sync.RWMutex
	users map[uint64]map[*wsClient]struct{}
}

type wsClient struct {
	userID    uint64
	sessionID string
	send      chan Push
	done      chan struct{}
	closeOnce sync.Once
}

func (c *wsClient) close() { c.closeOnce.Do(func() { close(c.done) }) }

func newHub(s *Server) *hub { return &hub{s: s, users: map[uint64]map[*wsClient]struct{}{}} }

// add registers c unless its user already has max connections here.
func (h *hub) add(c *wsClient, max int) bool {
	h.mu.Lock()
	set := h.users[c.userID]
	if set == nil {
		set = map[*wsClient]struct{}{}
		h.users[c.userID] = set
	}
	if max > 0 && len(set) >= max {
		h.mu.Unlock()
		return false
	}
	set[c] = struct{}{}
	h.mu.Unlock()
	wsClients.Inc()
	return true
}

// count is the number of c's user's connections on this edge.
func (h *hub) count(userID uint64) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return len(h.users[userID])
}

func (h *hub) remove(c *wsClient) {
	h.mu.Lock()
	if set := h.users[c.userID]; set != nil {
		if _, ok := set[c]; ok {
			delete(set, c)
			wsClients.Dec()
		}
		if len(set) == 0 {
			delete(h.users, c.userID)
		}
	}
	h.mu.Unlock()
	h.s.proc.drop(c)
	c.close()
}

// publish never blocks the fan-in: a client too slow to drain its buffer is
// disconnected and will catch up by replay when it reconnects.
func (h *hub) publish(userID uint64, p Push) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for c := range h.users[userID] {
		select {
		case c.send <- p:
		default:
			c.close()
		}
	}
}

func (h *hub) closeSession(sid string) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, set := range h.users {
		for c := range set {
			if c.sessionID == sid {
				c.close()
			}
		}
	}
}

func (h *hub) closeAll() {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, set := range h.users {
		for c := range set {
			c.close()
		}
	}
}

// wsUpgrade authenticates before the upgrade when the token comes in the
// Sec-WebSocket-Protocol header, so a bad token gets a plain 401.
func (s *Server) wsUpgrade(c *fiber.Ctx) error {
	if !websocket.IsWebSocketUpgrade(c) {
		return Errorf(426, "upgrade_required", "connect with a WebSocket client")
	}
	for _, part := range strings.Split(c.Get(fiber.HeaderSecWebSocketProtocol), ",") {
		part = strings.TrimSpace(part)
		if tok, ok := strings.CutPrefix(part, wsBearerPrefix); ok {
			p, err := s.authenticate(c.UserContext(), tok)
			if err != nil {
				return err
			}
			c.Locals("principal", p)
		}
	}
	if v := c.Query("last_seq"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return badRequest("bad_last_seq", "last_seq must be a non-negative integer")
		}
		c.Locals("last_seq", n)
	}
	// The socket outlives this request; it keeps the request's context
	// (trace ids for its log lines) detached from the request's end.
	c.Locals(wsCtxKey, context.WithoutCancel(c.UserContext()))
	// With the token in the handshake, refuse over-limit clients with a
	// plain HTTP answer; the in-band auth path checks the same after it.
	if p, ok := principal(c); ok {
		if s.hub.count(p.UserID) >= s.cfg.WSPerUser {
			return errTooManySockets
		}
		if _, replay := c.Locals("last_seq").(uint64); replay {
			if err := s.allowReplay(c.UserContext(), p.UserID); err != nil {
				if ae, ok := err.(*APIError); ok && ae.Status == 429 {
					return tooMany(c, "replay", s.replayRetry(ae))
				}
				return err
			}
		}
	}
	return c.Next()
}

var errTooManySockets = Errorf(429, "too_many_connections", "too many open WebSockets for this account; close some first")

// allowReplay charges one replay (?last_seq) of the user: each one creates
// a consumer on the EVT stream, whose number is limited.
func (s *Server) allowReplay(ctx context.Context, userID uint64) error {
	d, err := s.allow(ctx, "ws-replay-user", strconv.FormatUint(userID, 10), ratelimit.PerMinute(s.cfg.WSReplayPerMin))
	if err != nil {
		return err
	}
	if !d.OK {
		return &APIError{Status: 429, Code: "too_many_requests", Message: "too many replays; retry later", Err: retryAfter(d.RetryAfter)}
	}
	return nil
}

// retryAfter carries a wait inside an APIError.
type retryAfter time.Duration

func (r retryAfter) Error() string { return "retry after " + time.Duration(r).String() }

func (s *Server) replayRetry(e *APIError) time.Duration {
	if r, ok := e.Err.(retryAfter); ok {
		return time.Duration(r)
	}
	return time.Second
}

type wsClientMsg struct {
	Type    string  `json:"type"`
	Token   string  `json:"token"`
	LastSeq *uint64 `json:"last_seq"`
}

// wsCtxKey holds the socket's base context between the upgrade request and
// the socket handler.
const wsCtxKey = "ws_ctx"

// wsContext is the socket's context: the upgrade request's context, detached
// from that request's end (context.WithoutCancel in wsUpgrade) so the trace
// ids of the upgrade stay on the socket's log lines, and cancelled when the
// socket handler returns.
func wsContext(conn *websocket.Conn) (context.Context, context.CancelFunc) {
	base, ok := conn.Locals(wsCtxKey).(context.Context)
	if !ok {
		base = context.Background() // not through wsUpgrade (never in routes)
	}
	return context.WithCancel(base)
}

func (s *Server) wsHandler() fiber.Handler {
	return websocket.New(func(conn *websocket.Conn) {
		sctx, done := wsContext(conn)
		defer done()
		p, authed := conn.Locals("principal").(Principal)
		lastSeq, hasLast := conn.Locals("last_seq").(uint64)
		if !authed {
			_ = conn.SetReadDeadline(time.Now().Add(wsAuthTimeout))
			var m wsClientMsg
			if err := conn.ReadJSON(&m); err != nil || m.Type != "auth" {
				s.wsFail(conn, "unauthorized", "send {\"type\":\"auth\",\"token\":...} first")
				return
			}
			var err error
			ctx, cancel := context.WithTimeout(sctx, 5*time.Second)
			p, err = s.authenticate(ctx, m.Token)
			cancel()
			if err != nil {
				s.wsFail(conn, "unauthorized", "invalid or revoked token")
				return
			}
			if m.LastSeq != nil {
				lastSeq, hasLast = *m.LastSeq, true
			}
			if hasLast {
				if err := s.allowReplay(sctx, p.UserID); err != nil {
					s.wsFail(conn, "too_many_requests", "too many replays; retry later")
					return
				}
			}
			_ = conn.SetReadDeadline(time.Time{})
		}
		s.serveWS(sctx, conn, p, lastSeq, hasLast)
	}, websocket.Config{Subprotocols: []string{wsProtocol}, HandshakeTimeout: 10 * time.Second})
}

func (s *Server) wsFail(conn *websocket.Conn, code, msg string) {
	_ = conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	_ = conn.WriteJSON(fiber.Map{"type": "error", "error": fiber.Map{"code": code, "message": msg}})
	_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4401, code))
}

func (s *Server) serveWS(ctx context.Context, conn *websocket.Conn, p Principal, lastSeq uint64, hasLast bool) {
	c := &wsClient{userID: p.UserID, sessionID: p.SessionID, send: make(chan Push, wsSendBuffer), done: make(chan struct{})}
	if !s.hub.add(c, s.cfg.WSPerUser) { // live pushes queue up while we replay
		s.wsFail(conn, errTooManySockets.Code, errTooManySockets.Message)
		return
	}
	defer s.hub.remove(c)

	// Reader: notices the client going away. The handler waits for it
	// before returning: fasthttp reuses the connection's buffers once the
	// handler is done, so no read may still be running then.
	readerDone := make(chan struct{})
	defer func() {
		_ = conn.SetReadDeadline(time.Now())
		<-readerDone
	}()
	go func() {
		defer close(readerDone)
		defer c.close()
		conn.SetReadLimit(64 << 10)
		for {
			_, msg, err := conn.ReadMessage()
			if err != nil {
				return
			}
			s.handleWSMessage(c, p, msg) // proctor.go: live-feed subscriptions
		}
	}()

	write := func(v any) bool {
		_ = conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
		return conn.WriteJSON(v) == nil
	}
	if !write(fiber.Map{"type": "ready", "seq": 0, "data": fiber.Map{"user_id": p.UserID}}) {
		return
	}
	var sent uint64
	if hasLast {
		var ok bool
		sent, ok = s.replay(ctx, c, p.UserID, lastSeq, write)
		if !ok {
			return
		}
	}
	ping := time.NewTicker(wsPingEvery)
	defer ping.Stop()
	for {
		select {
		case <-c.done:
			_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
			return
		case m := <-c.send:
			if m.Seq == 0 { // an answer to this connection (e.g. a proctor snapshot), not a stream event
				if !write(m) {
					return
				}
				continue
			}
			if m.Seq <= sent {
				continue // already delivered by the replay
			}
			if !write(m) {
				return
			}
			sent = m.Seq
		case <-ping.C:
			_ = conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
			if err := conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		}
	}
}

// replay sends the user's events after lastSeq that are still in the EVT
// stream, reading them with a filtered ordered consumer; it returns the last
// sequence it sent.
func (s *Server) replay(ctx context.Context, c *wsClient, userID, lastSeq uint64, write func(any) bool) (uint64, bool) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	sent := lastSeq
	if st, err := s.deps.JS.Stream(ctx, events.StreamEvents); err == nil {
		if first := st.CachedInfo().State.FirstSeq; first > lastSeq+1 && lastSeq > 0 {
			if !write(fiber.Map{"type": "replay.truncated", "seq": 0, "data": fiber.Map{"first_seq": first}}) {
				return sent, false
			}
		}
	}
	cons, err := s.deps.JS.OrderedConsumer(ctx, events.StreamEvents, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{events.UserFilter(userID)},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    lastSeq + 1,
		// If this edge dies mid-replay, the server drops the consumer
		// soon instead of after the default five minutes.
		InactiveThreshold: replayInactive,
	})
	if err != nil {
		s.log.WarnContext(ctx, "replay consumer failed", "err", err)
		return sent, true
	}
	// The stream's consumer limit is shared by everyone: give the slot
	// back as soon as the replay is over.
	defer func() {
		// Detached: the slot must be given back even when the socket
		// (and so ctx) is already gone.
		dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer dcancel()
		if name := cons.CachedInfo().Name; name != "" {
			if err := s.deps.JS.DeleteConsumer(dctx, events.StreamEvents, name); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
				s.log.WarnContext(dctx, "replay consumer not deleted", "consumer", name, "err", err)
			}
		}
	}()
	info, err := cons.Info(ctx)
	if err != nil || info.NumPending == 0 {
		return sent, true
	}
	for {
		batch, err := cons.Fetch(256, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			return sent, true
		}
		n := 0
		var pending uint64 = 1
		for m := range batch.Messages() {
			n++
			var env events.Envelope
			md, _ := m.Metadata()
			if md == nil || json.Unmarshal(m.Data(), &env) != nil {
				continue
			}
			pending = md.NumPending
			_, typ, _ := events.ParseUserSubject(m.Subject())
			if !write(pushFrom(md.Sequence.Stream, typ, env)) {
				return sent, false
			}
			sent = md.Sequence.Stream
		}
		if n == 0 || pending == 0 {
			return sent, true
		}
		select {
		case <-c.done:
			return sent, false
		default:
		}
	}
}
