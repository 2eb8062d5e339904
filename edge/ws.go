package edge

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/events"
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

func (h *hub) add(c *wsClient) {
	h.mu.Lock()
	set := h.users[c.userID]
	if set == nil {
		set = map[*wsClient]struct{}{}
		h.users[c.userID] = set
	}
	set[c] = struct{}{}
	h.mu.Unlock()
	wsClients.Inc()
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
	return c.Next()
}

type wsClientMsg struct {
	Type    string  `json:"type"`
	Token   string  `json:"token"`
	LastSeq *uint64 `json:"last_seq"`
}

func (s *Server) wsHandler() fiber.Handler {
	return websocket.New(func(conn *websocket.Conn) {
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
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			p, err = s.authenticate(ctx, m.Token)
			cancel()
			if err != nil {
				s.wsFail(conn, "unauthorized", "invalid or revoked token")
				return
			}
			if m.LastSeq != nil {
				lastSeq, hasLast = *m.LastSeq, true
			}
			_ = conn.SetReadDeadline(time.Time{})
		}
		s.serveWS(conn, p, lastSeq, hasLast)
	}, websocket.Config{Subprotocols: []string{wsProtocol}, HandshakeTimeout: 10 * time.Second})
}

func (s *Server) wsFail(conn *websocket.Conn, code, msg string) {
	_ = conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	_ = conn.WriteJSON(fiber.Map{"type": "error", "error": fiber.Map{"code": code, "message": msg}})
	_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4401, code))
}

func (s *Server) serveWS(conn *websocket.Conn, p Principal, lastSeq uint64, hasLast bool) {
	c := &wsClient{userID: p.UserID, sessionID: p.SessionID, send: make(chan Push, wsSendBuffer), done: make(chan struct{})}
	s.hub.add(c) // live pushes queue up while we replay
	defer s.hub.remove(c)

	// Reader: notices the client going away.
	go func() {
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
		sent, ok = s.replay(c, p.UserID, lastSeq, write)
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
func (s *Server) replay(c *wsClient, userID, lastSeq uint64, write func(any) bool) (uint64, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
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
	})
	if err != nil {
		s.log.Warn("replay consumer failed", "err", err)
		return sent, true
	}
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
