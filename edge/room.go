package edge

// Interview rooms: WebSocket /interview/:roomId, authenticated by the room
// token from POST /api/interviews/:id/join. The edge relays WebRTC
// signalling (offer, answer, ICE candidates, each addressed to one peer),
// presence, chat (stored first) and raised hands. Media never passes here:
// browsers connect peer to peer (a mesh of at most 4).
//
// A room's participants may be connected to different edges, so every
// message goes through the NATS core subject room.<room id>: each edge
// subscribes to the rooms it has local peers in, and delivers what arrives
// to those peers only (signals to the one addressed). Presence works the
// same way: a newcomer announces `join`; every edge answers with a `here`
// for each of its peers, addressed to the newcomer.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/contrib/websocket"
	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/domain/interview"
	"github.com/hirebus/hirebus/events"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

const (
	roomProtocol   = "hirebus.room.v1"
	roomSendBuffer = 256
)

var (
	roomPeersGauge = promauto.NewGauge(prometheus.GaugeOpts{Name: "hirebus_room_peers", Help: "Interview room connections on this edge."})
	roomDropped    = promauto.NewCounterVec(prometheus.CounterOpts{Name: "hirebus_room_messages_refused_total", Help: "Room messages refused, by reason."}, []string{"reason"})
)

// PeerInfo names a connection in a room.
type PeerInfo struct {
	PeerID string `json:"peer_id"`
	UserID uint64 `json:"user_id"`
	Name   string `json:"name"`
	Role   string `json:"role"`
}

// roomWire is one room message on NATS.
type roomWire struct {
	Type string          `json:"t"`
	From PeerInfo        `json:"from"`
	To   string          `json:"to,omitempty"`
	Data json.RawMessage `json:"d,omitempty"`
}

// RoomMessage is what a browser receives in a room.
type RoomMessage struct {
	Type string          `json:"type"`
	From *PeerInfo       `json:"from,omitempty"`
	Data json.RawMessage `json:"data,omitempty"`
}

type roomClientMsg struct {
	Type   string          `json:"type"`
	Token  string          `json:"token,omitempty"`
	To     string          `json:"to,omitempty"`
	Text   string          `json:"text,omitempty"`
	Raised *bool           `json:"raised,omitempty"`
	Data   json.RawMessage `json:"data,omitempty"`
}

type rooms struct {
	s      *Server
	mu     sync.RWMutex
	m      map[string]*room
	byUser map[uint64]int // open room connections per user on this edge
}

// errTooManyRoomSockets: one user holds WSPerUser room connections on this
// edge already (each needs a fresh room token, but tokens last minutes).
var errTooManyRoomSockets = errors.New("edge: too many room connections for this user")

type room struct {
	id          string
	interviewID uint64
	kind        string
	sub         *nats.Subscription
	peers       map[string]*roomPeer
	ai          *aiRoom // kind ai: the AI interviewer, driven by the candidate's edge
}

type roomPeer struct {
	info   PeerInfo
	room   *room
	send   chan []byte
	done   chan struct{}
	once   sync.Once
	tokens float64
	last   time.Time
}

func (p *roomPeer) close() { p.once.Do(func() { close(p.done) }) }

// push queues b for the browser; a peer too slow to drain its buffer is
// disconnected (it rejoins with a fresh token).
func (p *roomPeer) push(b []byte) {
	select {
	case p.send <- b:
	default:
		p.close()
	}
}

// allow is the peer's token bucket: perSec messages a second, bursts of
// three seconds' worth.
func (p *roomPeer) allow(perSec int, now time.Time) bool {
	burst := float64(3 * perSec)
	if p.last.IsZero() {
		p.tokens = burst
	} else {
		p.tokens += now.Sub(p.last).Seconds() * float64(perSec)
		if p.tokens > burst {
			p.tokens = burst
		}
	}
	p.last = now
	if p.tokens < 1 {
		return false
	}
	p.tokens--
	return true
}

func newRooms(s *Server) *rooms { return &rooms{s: s, m: map[string]*room{}, byUser: map[uint64]int{}} }

func newPeerID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// join adds a local peer, subscribing this edge to the room's subject on
// its first peer; the peer's first message is welcome(its info), queued
// before anything of the room can reach it.
func (rs *rooms) join(r interview.Room, welcome func(PeerInfo) []byte) (*roomPeer, error) {
	id := r.Interview.RoomID
	rs.mu.Lock()
	if rs.byUser[r.Me.UserID] >= rs.s.cfg.WSPerUser {
		rs.mu.Unlock()
		return nil, errTooManyRoomSockets
	}
	rm := rs.m[id]
	if rm == nil {
		rm = &room{id: id, interviewID: r.Interview.ID, kind: r.Interview.Kind, peers: map[string]*roomPeer{}}
		sub, err := rs.s.deps.NC.Subscribe(events.RoomSubject(id), func(m *nats.Msg) { rs.deliver(id, m.Data) })
		if err != nil {
			rs.mu.Unlock()
			return nil, err
		}
		rm.sub = sub
		if rm.kind == interview.KindAI {
			rm.ai = newAIRoom(rs.s, r.Interview)
		}
		rs.m[id] = rm
	}
	p := &roomPeer{info: PeerInfo{PeerID: newPeerID(), UserID: r.Me.UserID, Name: r.Me.Name, Role: r.Me.Role}, room: rm,
		send: make(chan []byte, roomSendBuffer), done: make(chan struct{})}
	p.push(welcome(p.info))
	rm.peers[p.info.PeerID] = p
	rs.byUser[r.Me.UserID]++
	rs.mu.Unlock()
	roomPeersGauge.Inc()
	// The subscription must be live on the server before the answers to
	// our join can arrive.
	if err := rs.s.deps.NC.Flush(); err != nil {
		rs.leave(p)
		return nil, err
	}
	return p, nil
}

func (rs *rooms) leave(p *roomPeer) {
	rs.mu.Lock()
	rm := p.room
	if _, ok := rm.peers[p.info.PeerID]; ok {
		delete(rm.peers, p.info.PeerID)
		roomPeersGauge.Dec()
		if rs.byUser[p.info.UserID]--; rs.byUser[p.info.UserID] <= 0 {
			delete(rs.byUser, p.info.UserID)
		}
	}
	if len(rm.peers) == 0 && rs.m[rm.id] == rm {
		_ = rm.sub.Unsubscribe()
		delete(rs.m, rm.id)
	}
	rs.mu.Unlock()
	p.close()
	rs.publish(rm.id, roomWire{Type: "leave", From: p.info})
}

func (rs *rooms) closeAll() {
	rs.mu.RLock()
	defer rs.mu.RUnlock()
	for _, rm := range rs.m {
		for _, p := range rm.peers {
			p.close()
		}
	}
}

func (rs *rooms) publish(roomID string, w roomWire) {
	b, err := json.Marshal(w)
	if err != nil {
		return
	}
	if err := rs.s.deps.NC.Publish(events.RoomSubject(roomID), b); err != nil {
		rs.s.log.Warn("room publish failed", "room", roomID, "err", err)
	}
}

func out(typ string, from *PeerInfo, data any) []byte {
	var raw json.RawMessage
	switch d := data.(type) {
	case nil:
	case json.RawMessage:
		raw = d
	default:
		raw, _ = json.Marshal(d)
	}
	b, _ := json.Marshal(RoomMessage{Type: typ, From: from, Data: raw})
	return b
}

// deliver hands a room message from NATS to this edge's peers in the room.
func (rs *rooms) deliver(roomID string, data []byte) {
	var w roomWire
	if err := json.Unmarshal(data, &w); err != nil {
		return
	}
	var answers []roomWire
	rs.mu.RLock()
	rm := rs.m[roomID]
	if rm == nil {
		rs.mu.RUnlock()
		return
	}
	from := w.From
	switch w.Type {
	case "join":
		msg := out("presence", &from, map[string]string{"event": "join"})
		for id, p := range rm.peers {
			if id == from.PeerID {
				continue
			}
			p.push(msg)
			answers = append(answers, roomWire{Type: "here", From: p.info, To: from.PeerID})
		}
		// The AI interviewer lives on the edge of the candidate's connection:
		// that edge presents it to whoever arrives.
		if rm.ai != nil {
			for _, p := range rm.peers {
				if p.info.Role == interview.RoleCandidate {
					answers = append(answers, roomWire{Type: "here", From: aiPeer, To: from.PeerID})
					break
				}
			}
		}
	case "here":
		if p := rm.peers[w.To]; p != nil {
			p.push(out("presence", &from, map[string]string{"event": "here"}))
		}
	case "leave":
		msg := out("presence", &from, map[string]string{"event": "leave"})
		for id, p := range rm.peers {
			if id != from.PeerID {
				p.push(msg)
			}
		}
	case "signal":
		if p := rm.peers[w.To]; p != nil {
			p.push(out("signal", &from, w.Data))
		}
	case "closed":
		msg := out("closed", nil, w.Data)
		for _, p := range rm.peers {
			p.push(msg)
			p.close()
		}
	case "chat", "hand":
		msg := out(w.Type, &from, w.Data)
		for _, p := range rm.peers {
			p.push(msg)
		}
	}
	rs.mu.RUnlock()
	for _, a := range answers {
		rs.publish(roomID, a)
	}
}

// roomUpgrade authenticates before the upgrade when the room token comes
// in Sec-WebSocket-Protocol, so a bad token gets a plain 401/403.
func (s *Server) roomUpgrade(c *fiber.Ctx) error {
	if !websocket.IsWebSocketUpgrade(c) {
		return Errorf(426, "upgrade_required", "connect with a WebSocket client")
	}
	roomID := strings.Clone(c.Params("roomId"))
	if !events.ValidRoomID(roomID) {
		return Errorf(404, "not_found", "no such room")
	}
	c.Locals("room_id", roomID)
	for _, part := range strings.Split(c.Get(fiber.HeaderSecWebSocketProtocol), ",") {
		if tok, ok := strings.CutPrefix(strings.TrimSpace(part), wsBearerPrefix); ok {
			r, err := s.enterRoom(c.UserContext(), tok, roomID)
			if err != nil {
				return err
			}
			c.Locals("room", r)
		}
	}
	return c.Next()
}

// enterRoom checks a room token and, in MySQL, that its holder may still
// enter: a participant of a scheduled interview whose room is open.
func (s *Server) enterRoom(ctx context.Context, token, roomID string) (interview.Room, error) {
	cl, err := s.parseRoomToken(token, roomID)
	if err != nil {
		return interview.Room{}, err
	}
	uid, err := strconv.ParseUint(cl.Subject, 10, 64)
	if err != nil {
		return interview.Room{}, Errorf(401, "unauthorized", "invalid room token")
	}
	r, err := s.iv.EnterRoom(ctx, roomID, uid)
	switch {
	case errors.Is(err, interview.ErrNotFound), errors.Is(err, interview.ErrForbidden):
		return r, Errorf(403, "not_a_participant", "you are not a participant of this interview")
	case errors.Is(err, interview.ErrCancelled):
		return r, Errorf(409, "interview_cancelled", "the interview is cancelled")
	case errors.Is(err, interview.ErrNotOpen):
		return r, Errorf(409, "room_not_open", "the room is not open now")
	}
	return r, err
}

func (s *Server) roomHandler() fiber.Handler {
	return websocket.New(func(conn *websocket.Conn) {
		// The server keeps hijacked connections open (server.go): close
		// this one when the handler is done.
		defer func() { _ = conn.Close() }()
		roomID, _ := conn.Locals("room_id").(string)
		r, authed := conn.Locals("room").(interview.Room)
		if !authed {
			_ = conn.SetReadDeadline(time.Now().Add(wsAuthTimeout))
			var m roomClientMsg
			conn.SetReadLimit(8 << 10)
			if err := conn.ReadJSON(&m); err != nil || m.Type != "auth" {
				s.wsFail(conn, "unauthorized", `send {"type":"auth","token":<room_token>} first`)
				return
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			var err error
			r, err = s.enterRoom(ctx, m.Token, roomID)
			cancel()
			if err != nil {
				code, msg := "unauthorized", "invalid room token"
				var ae *APIError
				if errors.As(err, &ae) {
					code, msg = ae.Code, ae.Message
				}
				s.wsFail(conn, code, msg)
				return
			}
			_ = conn.SetReadDeadline(time.Time{})
		}
		s.serveRoom(conn, r)
	}, websocket.Config{Subprotocols: []string{roomProtocol}, HandshakeTimeout: 10 * time.Second})
}

func (s *Server) serveRoom(conn *websocket.Conn, r interview.Room) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	history, err := s.iv.Messages(ctx, roomActor(r.Me.UserID), r.Interview.ID)
	if err != nil {
		history = []interview.Message{}
	}
	if len(history) > 200 {
		history = history[len(history)-200:]
	}
	p, err := s.rooms.join(r, func(me PeerInfo) []byte {
		return out("welcome", &me, map[string]any{"interview_id": r.Interview.ID, "kind": r.Interview.Kind, "history": history,
			"ends_at": r.Interview.EndsAt})
	})
	if errors.Is(err, errTooManyRoomSockets) {
		s.wsFail(conn, "too_many_connections", "you have too many room connections open on this server; close one")
		return
	}
	if err != nil {
		s.wsFail(conn, "unavailable", "the room is unavailable; retry")
		return
	}
	defer s.rooms.leave(p)
	s.rooms.publish(p.room.id, roomWire{Type: "join", From: p.info})
	if ai := p.room.ai; ai != nil && p.info.Role == interview.RoleCandidate {
		go ai.start(ctx, p.room.id)
	}

	// The reader must be gone before this handler returns: the WebSocket
	// library recycles conn right after.
	readerDone := make(chan struct{})
	defer func() { _ = conn.Close(); <-readerDone }()
	go func() {
		defer close(readerDone)
		defer p.close()
		conn.SetReadLimit(int64(s.cfg.RoomMaxMessage))
		for {
			_, data, err := conn.ReadMessage()
			if err != nil {
				return
			}
			s.roomMessage(ctx, p, data)
		}
	}()

	ping := time.NewTicker(wsPingEvery)
	defer ping.Stop()
	for {
		select {
		case <-p.done:
			_ = conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
			_ = conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
			return
		case b := <-p.send:
			_ = conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
			if conn.WriteMessage(websocket.TextMessage, b) != nil {
				return
			}
		case <-ping.C:
			_ = conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
			if conn.WriteMessage(websocket.PingMessage, nil) != nil {
				return
			}
		}
	}
}

func roomError(code, msg string) []byte {
	return out("error", nil, map[string]string{"code": code, "message": msg})
}

// roomMessage handles one message of a peer.
func (s *Server) roomMessage(ctx context.Context, p *roomPeer, data []byte) {
	if !p.allow(s.cfg.RoomMsgPerSec, time.Now()) {
		roomDropped.WithLabelValues("rate").Inc()
		p.push(roomError("rate_limited", "too many messages; slow down"))
		return
	}
	var m roomClientMsg
	if err := json.Unmarshal(data, &m); err != nil {
		roomDropped.WithLabelValues("bad").Inc()
		p.push(roomError("bad_message", "messages are JSON objects with a type"))
		return
	}
	switch m.Type {
	case "signal":
		if m.To == "" || len(m.Data) == 0 || m.To == p.info.PeerID {
			p.push(roomError("bad_signal", "a signal needs `to` (another peer_id) and `data`"))
			return
		}
		s.rooms.publish(p.room.id, roomWire{Type: "signal", From: p.info, To: m.To, Data: m.Data})
	case "chat":
		kind := interview.MsgChat
		if p.room.ai != nil && p.info.Role == interview.RoleCandidate {
			kind = interview.MsgAnswer
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		msg, err := s.iv.AddMessage(cctx, p.room.interviewID, p.info.UserID, p.info.Name, kind, m.Text)
		cancel()
		if err != nil {
			var fe *interview.FieldError
			if errors.As(err, &fe) {
				p.push(roomError("invalid_text", fe.Message))
			} else {
				s.log.Warn("room chat not stored", "room", p.room.id, "err", err)
				p.push(roomError("unavailable", "the message was not stored; retry"))
			}
			return
		}
		b, _ := json.Marshal(msg)
		s.rooms.publish(p.room.id, roomWire{Type: "chat", From: p.info, Data: b})
		if ai := p.room.ai; ai != nil && kind == interview.MsgAnswer {
			go ai.answered(context.WithoutCancel(ctx), p.room.id)
		}
	case "hand":
		raised := m.Raised == nil || *m.Raised
		b, _ := json.Marshal(map[string]bool{"raised": raised})
		s.rooms.publish(p.room.id, roomWire{Type: "hand", From: p.info, Data: b})
	case "ping":
		p.push(out("pong", nil, nil))
	default:
		p.push(roomError("bad_message", "unknown message type "+strconv.Quote(m.Type)))
	}
}
