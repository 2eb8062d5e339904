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

const wsReadBuffer = 512

var wsWritePool = &sync.Pool{}

var wsClients = promauto.NewGauge(prometheus.GaugeOpts{Name: "hirebus_ws_clients", Help: "Open WebSocket connections on this edge."})

// hub routes pushes to the connections of each user on this edge.
type hub struct {
	s     *Server
	mu    sync.RWMutex
	users map[uint64]map[*wsClient]struct{}
}

// wsClient is one connection. An idle connection parks one goroutine (its
// reader) and no buffers: pushes are queued and written by a goroutine that
// exists only while the queue is not empty, and pings come from a timer.
type wsClient struct {
	userID    uint64
	sessionID string
	conn      *websocket.Conn
	done      chan struct{}
	closeOnce sync.Once

	mu       sync.Mutex
	queue    []*Push
	writing  bool // a flush goroutine runs (or the handler holds the writes)
	stopped  bool // the handler is returning: nothing more is written
	ping     *time.Timer
	flushing sync.WaitGroup
	sent     uint64 // last seq written, owned by whoever writes (see writing)
}

// close ends the connection: the reader's ReadMessage fails and the handler
// returns.
func (c *wsClient) close() {
	c.closeOnce.Do(func() {
		close(c.done)
		if c.conn == nil {
			return
		}
		_ = c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		_ = c.conn.NetConn().Close()
	})
}

// enqueue queues a push; a client too slow to keep up is disconnected and
// will catch up by replay when it reconnects.
func (c *wsClient) enqueue(p *Push) {
	c.mu.Lock()
	if len(c.queue) >= wsSendBuffer {
		c.mu.Unlock()
		c.close()
		return
	}
	if c.stopped {
		c.mu.Unlock()
		return
	}
	c.queue = append(c.queue, p)
	start := !c.writing
	if start {
		c.writing = true
		c.flushing.Add(1)
	}
	c.mu.Unlock()
	if start {
		go c.flush()
	}
}

// stop waits until no goroutine (flusher or ping) writes to the connection
// any more; the handler calls it before returning the connection to its
// pool.
func (c *wsClient) stop() {
	c.mu.Lock()
	c.stopped = true
	if c.ping != nil {
		c.ping.Stop()
	}
	c.mu.Unlock()
	c.close() // a flusher still writing fails at once
	c.flushing.Wait()
}

// flush writes the queue until it is empty, then exits.
func (c *wsClient) flush() {
	defer c.flushing.Done()
	c.drain()
}

func (c *wsClient) drain() {
	for {
		c.mu.Lock()
		batch := c.queue
		c.queue = nil
		if len(batch) == 0 {
			c.writing = false
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		for _, m := range batch {
			// Seq 0 is an answer to this connection (e.g. a proctor
			// snapshot), not a stream event: always written.
			if m.Seq != 0 && m.Seq <= c.sent {
				continue // already delivered by the replay
			}
			if !c.write(m) {
				c.close()
				c.mu.Lock()
				c.queue, c.writing = nil, false
				c.mu.Unlock()
				return
			}
			if m.Seq != 0 {
				c.sent = m.Seq
			}
		}
	}
}

func (c *wsClient) write(v any) bool {
	_ = c.conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	return c.conn.WriteJSON(v) == nil
}

// pingLater keeps the connection alive through proxies that drop silent
// ones; a timer, not a parked goroutine.
func (c *wsClient) pingLater() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ping = time.AfterFunc(wsPingEvery, func() {
		c.mu.Lock()
		if c.stopped {
			c.mu.Unlock()
			return
		}
		c.flushing.Add(1) // stop waits for this write too
		c.mu.Unlock()
		defer c.flushing.Done()
		if c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(wsWriteTimeout)) != nil {
			c.close()
			return
		}
		c.mu.Lock()
		if !c.stopped {
			c.ping.Reset(wsPingEvery)
		}
		c.mu.Unlock()
	})
}

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
	h.s.proc.drop(c) // proctor.go: its live-feed subscriptions
	c.close()
}

// publish never blocks the fan-in: a client too slow to drain its buffer is
// disconnected and will catch up by replay when it reconnects.
func (h *hub) publish(userID uint64, p Push) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	pp := &p // shared read-only by every connection of the user
	for c := range h.users[userID] {
		c.enqueue(pp)
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
	}, websocket.Config{Subprotocols: []string{wsProtocol}, HandshakeTimeout: 10 * time.Second,
		// Idle connections hold no write buffer (taken from the pool per
		// message) and a small read buffer (clients send only auth and
		// pings; larger frames still read fine).
		ReadBufferSize: wsReadBuffer, WriteBufferPool: wsWritePool})
}

func (s *Server) wsFail(conn *websocket.Conn, code, msg string) {
	_ = conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	_ = conn.WriteJSON(fiber.Map{"type": "error", "error": fiber.Map{"code": code, "message": msg}})
	_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4401, code))
}

func (s *Server) serveWS(ctx context.Context, conn *websocket.Conn, p Principal, lastSeq uint64, hasLast bool) {
	// writing=true holds live pushes in the queue while we send ready and
	// replay; the flusher then delivers them (skipping what the replay sent).
	c := &wsClient{userID: p.UserID, sessionID: p.SessionID, conn: conn, done: make(chan struct{}), writing: true}
	if !s.hub.add(c, s.cfg.WSPerUser) { // live pushes queue up while we replay
		s.wsFail(conn, errTooManySockets.Code, errTooManySockets.Message)
		return
	}
	defer s.hub.remove(c)
	defer c.stop() // before remove's close: the flusher may still write

	// The greeting and the replay are written by a goroutine that then
	// delivers the pushes queued meanwhile and exits when the queue is
	// empty; this goroutine stays a shallow reader (its stack is what an
	// idle connection costs).
	c.flushing.Add(1)
	go func() {
		defer c.flushing.Done()
		if !c.write(fiber.Map{"type": "ready", "seq": 0, "data": fiber.Map{"user_id": p.UserID}}) {
			c.close() // writes stay held: nothing more is sent
			return
		}
		if hasLast {
			sent, ok := s.replay(ctx, c, p.UserID, lastSeq, c.write)
			if !ok {
				c.close()
				return
			}
			c.sent = sent
		}
		c.drain()
	}()
	c.pingLater()

	// This goroutine is the reader: it notices the client going away (or
	// close() ending the connection) and is all an idle connection parks.
	conn.SetReadLimit(64 << 10)
	for {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			return
		}
		s.handleWSMessage(c, p, msg) // proctor.go: live-feed subscriptions
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
	filter := newOpFilter(1024) // the stream may hold a late or repeated push
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
			if !filter.admit(typ, env) {
				sent = md.Sequence.Stream
				continue
			}
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
