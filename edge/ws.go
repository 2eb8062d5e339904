package edge

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	fastws "github.com/fasthttp/websocket"
	"github.com/gobwas/ws"
	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/ratelimit"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/valyala/fasthttp"
	"go.opentelemetry.io/otel/trace"
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

// wsReadLimit is the largest message a client may send on /ws (auth and
// proctor subscriptions are small).
const wsReadLimit = 64 << 10

// wsFrameTimeout bounds reading one frame once its first byte arrived.
const wsFrameTimeout = 10 * time.Second

var wsClients = promauto.NewGauge(prometheus.GaugeOpts{Name: "hirebus_ws_clients", Help: "Open WebSocket connections on this edge."})

// hub routes pushes to the connections of each user on this edge.
type hub struct {
	s     *Server
	mu    sync.RWMutex
	users map[uint64]map[*wsClient]struct{}
}

// wsClient is one connection. An idle connection parks no goroutine and
// holds no buffer: the edge's epoll poller (wspoll_linux.go) starts a
// reader when a frame arrives, pushes are queued and written by a goroutine
// that exists only while the queue is not empty, and pings come from a
// timer.
type wsClient struct {
	userID    uint64
	sessionID string
	p         Principal
	ws        *wsConn // nil in unit tests
	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
	// release tears the connection down (Server.wsRelease); it runs on
	// its own goroutine once close is called.
	release func(*wsClient)
	gone    chan struct{} // closed when release is over

	poll   *wsPoller       // set while the poller watches the connection
	rc     syscall.RawConn // the poller's handle on the descriptor
	pollID uint64

	mu      sync.Mutex
	queue   []*Push
	writing bool // a flush goroutine runs (or the greeting holds the writes)
	stopped bool // torn down: nothing more is written or read
	ping    *time.Timer
	// busy counts the goroutines using the connection (flusher, ping,
	// reader); the teardown waits for them.
	busy sync.WaitGroup
	sent uint64 // last seq written, owned by whoever writes (see writing)
}

// close ends the connection; the teardown (close frame, poller, hub) runs
// on its own goroutine so that close never blocks its caller (the fan-in
// calls it for a slow consumer).
func (c *wsClient) close() {
	c.closeOnce.Do(func() {
		close(c.done)
		if c.release != nil {
			go c.release(c)
		}
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
		c.busy.Add(1)
	}
	c.mu.Unlock()
	if start {
		go c.flush()
	}
}

// stop marks the connection torn down and waits until no goroutine
// (flusher, ping, reader) uses it any more; the connection must already be
// closed so that a blocked write or read fails at once.
func (c *wsClient) stop() {
	c.mu.Lock()
	c.stopped = true
	if c.ping != nil {
		c.ping.Stop()
	}
	c.mu.Unlock()
	c.close()
	c.busy.Wait()
}

// enter counts a goroutine that is about to use the connection; false
// once the connection is torn down.
func (c *wsClient) enter() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		return false
	}
	c.busy.Add(1)
	return true
}

// flush writes the queue until it is empty, then exits.
func (c *wsClient) flush() {
	defer c.busy.Done()
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

// write sends v as one JSON text message.
func (c *wsClient) write(v any) bool {
	b, err := json.Marshal(v)
	if err != nil {
		return false
	}
	return c.ws.writeFrame(ws.OpText, b, wsWriteTimeout) == nil
}

// pingLater keeps the connection alive through proxies that drop silent
// ones; a timer, not a parked goroutine.
func (c *wsClient) pingLater() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ping = time.AfterFunc(wsPingEvery, func() {
		if !c.enter() { // stop waits for this write too
			return
		}
		defer c.busy.Done()
		if c.ws.writeFrame(ws.OpPing, nil, wsWriteTimeout) != nil {
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

// closeAll closes every connection (graceful shutdown) and waits, up to
// wait, until their close frames are written and the connections closed.
func (h *hub) closeAll(wait time.Duration) {
	h.mu.RLock()
	var all []*wsClient
	for _, set := range h.users {
		for c := range set {
			all = append(all, c)
		}
	}
	h.mu.RUnlock()
	for _, c := range all {
		c.close()
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for _, c := range all {
		if c.gone == nil {
			continue
		}
		select {
		case <-c.gone:
		case <-deadline.C:
			return
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

// wsBaseContext is the socket's context: it outlives the upgrade request
// and keeps only the request's span context, so the socket's log lines
// carry the upgrade's trace and span ids and nothing else of the request
// stays in memory.
func wsBaseContext(req context.Context) context.Context {
	return trace.ContextWithSpanContext(context.Background(), trace.SpanContextFromContext(req))
}

// wsUpgrader does the /ws handshake; the *websocket.Conn it builds is
// dropped at once (the edge reads and writes frames itself, wsconn.go).
var wsUpgrader = fastws.FastHTTPUpgrader{
	Subprotocols:    []string{wsProtocol},
	ReadBufferSize:  128,                                             // the library's minimum; dropped with its Conn
	WriteBufferPool: &sync.Pool{},                                    // no write buffer is allocated for that Conn
	CheckOrigin:     func(*fasthttp.RequestCtx) bool { return true }, // bearer tokens, no cookies
}

// wsHandler upgrades /ws. After the 101 answer fasthttp runs wsOpen on a
// goroutine of its own, which returns as soon as the connection is
// registered with the poller; the server keeps hijacked connections open
// (New sets KeepHijackedConns), so an idle socket keeps neither that
// goroutine nor the upgrade request's memory.
func (s *Server) wsHandler() fiber.Handler {
	return func(c *fiber.Ctx) error {
		// Copy what the socket keeps: the request is recycled after this.
		p, authed := c.Locals("principal").(Principal)
		lastSeq, hasLast := c.Locals("last_seq").(uint64)
		base := wsBaseContext(c.UserContext())
		err := wsUpgrader.Upgrade(c.Context(), func(conn *fastws.Conn) {
			s.wsOpen(base, conn.NetConn(), p, authed, lastSeq, hasLast)
		})
		if err != nil {
			return fiber.ErrUpgradeRequired
		}
		return nil
	}
}

// wsOpen runs on fasthttp's hijack goroutine: it reads the first-message
// auth if the handshake had no token, then hands the connection to
// serveWS and returns.
func (s *Server) wsOpen(base context.Context, nc net.Conn, p Principal, authed bool, lastSeq uint64, hasLast bool) {
	defer func() {
		if r := recover(); r != nil {
			s.log.ErrorContext(base, "websocket handler panicked", "panic", r)
			_ = nc.Close()
		}
	}()
	// The raw connection: its descriptor goes to the poller. fasthttp's
	// wrapper reads from its request buffer only if the client sent bytes
	// before the 101 answer, which RFC 6455 forbids.
	if u, ok := nc.(interface{ UnsafeConn() net.Conn }); ok {
		nc = u.UnsafeConn()
	}
	wc := &wsConn{conn: nc, limit: wsReadLimit}
	if !authed {
		_ = nc.SetReadDeadline(time.Now().Add(wsAuthTimeout))
		var m wsClientMsg
		raw, err := wc.readMessage()
		if err != nil || json.Unmarshal(raw, &m) != nil || m.Type != "auth" {
			s.wsReject(wc, "unauthorized", "send {\"type\":\"auth\",\"token\":...} first")
			return
		}
		ctx, cancel := context.WithTimeout(base, 5*time.Second)
		p, err = s.authenticate(ctx, m.Token)
		cancel()
		if err != nil {
			s.wsReject(wc, "unauthorized", "invalid or revoked token")
			return
		}
		if m.LastSeq != nil {
			lastSeq, hasLast = *m.LastSeq, true
		}
		if hasLast {
			if err := s.allowReplay(base, p.UserID); err != nil {
				s.wsReject(wc, "too_many_requests", "too many replays; retry later")
				return
			}
		}
		_ = nc.SetReadDeadline(time.Time{})
	}
	s.serveWS(base, wc, p, lastSeq, hasLast)
}

// wsReject answers a socket that may not stay: an error message, a close
// frame with code 4401, and the connection closed.
func (s *Server) wsReject(wc *wsConn, code, msg string) {
	if b, err := json.Marshal(fiber.Map{"type": "error", "error": fiber.Map{"code": code, "message": msg}}); err == nil {
		_ = wc.writeFrame(ws.OpText, b, wsWriteTimeout)
	}
	_ = wc.writeClose(ws.NewCloseFrameBody(4401, code))
	_ = wc.conn.Close()
}

func (s *Server) wsFail(conn *websocket.Conn, code, msg string) {
	_ = conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	_ = conn.WriteJSON(fiber.Map{"type": "error", "error": fiber.Map{"code": code, "message": msg}})
	_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4401, code))
}

func (s *Server) serveWS(base context.Context, wc *wsConn, p Principal, lastSeq uint64, hasLast bool) {
	ctx, cancel := context.WithCancel(base)
	// writing=true holds live pushes in the queue while we send ready and
	// replay; the flusher then delivers them (skipping what the replay sent).
	c := &wsClient{userID: p.UserID, sessionID: p.SessionID, p: p, ws: wc, ctx: ctx, cancel: cancel,
		done: make(chan struct{}), gone: make(chan struct{}), writing: true,
		// Once in the hub, c.close() (from anyone) tears everything down.
		release: s.wsRelease}
	if !s.hub.add(c, s.cfg.WSPerUser) { // live pushes queue up while we replay
		cancel()
		s.wsReject(wc, errTooManySockets.Code, errTooManySockets.Message)
		return
	}

	// The greeting and the replay are written by a goroutine that then
	// delivers the pushes queued meanwhile and exits when the queue is
	// empty.
	c.busy.Add(1)
	go func() {
		defer c.busy.Done()
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

	// Reading: the poller starts a reader when a frame arrives. Without
	// one (another platform, a connection without a descriptor) this
	// goroutine stays and reads.
	if poll := s.wsPoller(); poll != nil {
		if err := poll.watch(c); err == nil {
			return
		}
	}
	for s.wsRead(c, false) {
	}
}

// wsPoller is the edge's poller, started with the first /ws connection;
// nil when this platform has none or the edge is shutting down.
func (s *Server) wsPoller() *wsPoller {
	s.pollMu.Lock()
	defer s.pollMu.Unlock()
	if s.poll == nil && !s.pollDone {
		p, err := newWSPoller(func(c *wsClient) bool { return s.wsRead(c, true) })
		if err != nil {
			s.pollDone = true // read with goroutines
			return nil
		}
		s.poll = p
	}
	return s.poll
}

// closePoller stops the poller at shutdown (after the hub closed every
// connection).
func (s *Server) closePoller() {
	s.pollMu.Lock()
	p := s.poll
	s.pollDone = true
	s.pollMu.Unlock()
	if p != nil {
		p.close()
	}
}

// wsRead reads and handles one frame of c; false when the connection is
// done. From the poller, a frame has started to arrive and must complete
// within wsFrameTimeout; a goroutine reader waits for the next frame for
// as long as the connection lives.
func (s *Server) wsRead(c *wsClient, polled bool) (ok bool) {
	if !c.enter() {
		return false
	}
	defer c.busy.Done()
	defer func() {
		if r := recover(); r != nil {
			s.log.ErrorContext(c.ctx, "websocket reader panicked", "panic", r)
			c.close()
			ok = false
		}
	}()
	if polled {
		_ = c.ws.conn.SetReadDeadline(time.Now().Add(wsFrameTimeout))
	}
	msg, err := c.ws.readFrame()
	if err != nil {
		c.close()
		return false
	}
	if msg != nil {
		s.handleWSMessage(c, c.p, msg) // proctor.go: live-feed subscriptions
	}
	return true
}

// wsRelease tears a connection down, once, on its own goroutine: a close
// frame (a slow write in progress gets a second to finish first), the
// poller, the connection, the goroutines still using it, the hub.
func (s *Server) wsRelease(c *wsClient) {
	defer close(c.gone)
	c.mu.Lock()
	c.stopped = true // after this, watch registers nothing and c.poll stays as it is
	if c.ping != nil {
		c.ping.Stop()
	}
	poll := c.poll
	c.mu.Unlock()
	c.ws.closeGracefully(ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))
	if poll != nil {
		poll.forget(c)
	}
	_ = c.ws.conn.Close() // a blocked write or read fails at once
	c.cancel()
	c.stop()
	s.hub.remove(c)
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
