package edge_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/golang-jwt/jwt/v5"
	"github.com/hirebus/hirebus/edge"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/mailbox"
)

// schedule makes the recruiter schedule the hiring world's application with
// themself as interviewer, starting in `in`.
func (w *hw) schedule(in time.Duration, minutes int, kind string) map[string]any {
	w.t.Helper()
	return w.must(w.do("POST", "/api/interviews", w.rec.Token, map[string]any{"application_id": w.app,
		"starts_at": time.Now().Add(in).Truncate(time.Second).Format(time.RFC3339), "duration_minutes": minutes,
		"interviewers": []uint64{w.rec.ID}, "kind": kind}), 201)
}

// TestInterviewRoutesAccess: every interview route × every kind of caller,
// bad input, the clash answer, the mails with their invitation.
func TestInterviewRoutesAccess(t *testing.T) {
	w := startHiring(t, nil)
	start := time.Now()
	iv := w.schedule(5*time.Minute, 30, "live")
	ivID := id(iv)
	if iv["status"] != "scheduled" || len(iv["participants"].([]any)) != 2 {
		t.Fatalf("scheduled: %v", iv)
	}
	if app := w.must(w.do("GET", fmt.Sprintf("/api/applications/%d", w.app), w.rec.Token, nil), 200); app["status"] != "interview" {
		t.Fatalf("application status %v", app["status"])
	}
	for _, to := range []string{w.cand.Email, w.rec.Email} {
		m, err := w.p.Mailbox.WaitFor(to, 10*time.Second, func(m mailbox.Mail) bool {
			return !m.Time.Before(start.Add(-time.Second)) && strings.Contains(m.Subject, "interview for") && len(m.Attachments) == 1
		})
		if err != nil {
			t.Fatalf("no invitation mail to %s: %v", to, err)
		}
		if !strings.Contains(m.Body, "/interviews.html#interview=") {
			t.Fatalf("mail body: %s", m.Body)
		}
	}

	path := fmt.Sprintf("/api/interviews/%d", ivID)
	later := time.Now().Add(72 * time.Hour).Truncate(time.Second).Format(time.RFC3339)
	cases := []struct {
		name, method, path string
		body               any
		want               map[string]int
	}{
		{"get", "GET", path, nil, map[string]int{"anonymous": 401, "candidate": 200, "other candidate": 404, "other company": 404, "viewer": 200, "recruiter": 200, "owner": 200}},
		{"list", "GET", "/api/interviews", nil, map[string]int{"anonymous": 401, "candidate": 200, "other candidate": 200, "other company": 200, "viewer": 200, "recruiter": 200, "owner": 200}},
		{"messages", "GET", path + "/messages", nil, map[string]int{"anonymous": 401, "candidate": 200, "other candidate": 404, "other company": 404, "viewer": 200, "recruiter": 200, "owner": 200}},
		{"feedback read", "GET", path + "/feedback", nil, map[string]int{"anonymous": 401, "candidate": 403, "other candidate": 404, "other company": 404, "viewer": 200, "recruiter": 200, "owner": 200}},
		{"feedback write", "PUT", path + "/feedback", map[string]any{"notes": "solid", "scorecard": []map[string]any{{"name": "Go", "score": 4}}, "recommendation": "yes"},
			map[string]int{"anonymous": 401, "candidate": 403, "other candidate": 404, "other company": 404, "viewer": 403, "recruiter": 200, "owner": 403}},
		{"join", "POST", path + "/join", nil, map[string]int{"anonymous": 401, "candidate": 200, "other candidate": 404, "other company": 404, "viewer": 403, "recruiter": 200, "owner": 403}},
		{"board", "GET", fmt.Sprintf("/api/applications/%d/interviews", w.app), nil, map[string]int{"anonymous": 401, "candidate": 200, "other candidate": 404, "other company": 404, "viewer": 200, "recruiter": 200, "owner": 200}},
		{"reschedule", "PUT", path, map[string]any{"starts_at": later}, map[string]int{"anonymous": 401, "candidate": 403, "other candidate": 404, "other company": 404, "viewer": 403}},
		{"cancel", "POST", path + "/cancel", nil, map[string]int{"anonymous": 401, "candidate": 403, "other candidate": 404, "other company": 404, "viewer": 403}},
	}
	for _, tc := range cases {
		for _, who := range principals {
			want, ok := tc.want[who]
			if !ok {
				continue
			}
			t.Run(tc.name+"/"+who, func(t *testing.T) {
				r := w.do(tc.method, tc.path, w.tokens[who], tc.body)
				if r.Status != want {
					t.Fatalf("%s %s as %s: %d %s, want %d", tc.method, tc.path, who, r.Status, r.Body, want)
				}
			})
		}
	}
	// The calendar of the candidate holds it; another candidate's is empty.
	if l := w.must(w.do("GET", "/api/interviews", w.cand.Token, nil), 200); len(l["items"].([]any)) != 1 {
		t.Fatalf("candidate calendar: %v", l)
	}
	if l := w.must(w.do("GET", "/api/interviews", w.cand2.Token, nil), 200); len(l["items"].([]any)) != 0 {
		t.Fatalf("other calendar: %v", l)
	}

	// A clash names who is busy.
	app2 := id(w.must(w.do("POST", "/api/applications", w.cand2.Token, map[string]any{"job_id": w.openJob}), 201))
	r := w.do("POST", "/api/interviews", w.owner.Token, map[string]any{"application_id": app2, "starts_at": iv["starts_at"], "duration_minutes": 30,
		"interviewers": []uint64{w.rec.ID}, "kind": "live"})
	if r.Status != 409 || r.ErrorCode() != "interview_clash" || !strings.Contains(string(r.Body), `"name":"rec"`) {
		t.Fatalf("clash: %d %s", r.Status, r.Body)
	}
	for _, tc := range []struct {
		name string
		body any
		ct   string
		code string
	}{
		{"no zone", map[string]any{"application_id": app2, "starts_at": "2030-01-01T10:00:00", "duration_minutes": 30, "interviewers": []uint64{w.rec.ID}}, "", "invalid_starts_at"},
		{"duration", map[string]any{"application_id": app2, "starts_at": later, "duration_minutes": 0, "interviewers": []uint64{w.rec.ID}}, "", "invalid_duration_minutes"},
		{"kind", map[string]any{"application_id": app2, "starts_at": later, "duration_minutes": 30, "interviewers": []uint64{w.rec.ID}, "kind": "x"}, "", "invalid_kind"},
		{"outsider", map[string]any{"application_id": app2, "starts_at": later, "duration_minutes": 30, "interviewers": []uint64{w.other.ID}}, "", "invalid_interviewers"},
		{"unknown field", map[string]any{"application_id": app2, "when": later}, "", "unknown_field"},
		{"wrong type", map[string]any{"application_id": "x"}, "", "bad_json"},
	} {
		t.Run("bad/"+tc.name, func(t *testing.T) {
			r := w.do("POST", "/api/interviews", w.owner.Token, tc.body)
			if r.Status != 400 || r.ErrorCode() != tc.code {
				t.Fatalf("%d %s, want 400 %s", r.Status, r.Body, tc.code)
			}
		})
	}
	for _, q := range []string{"from=yesterday", "from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", "from=2030-01-01T00:00:00Z&to=2032-01-01T00:00:00Z"} {
		if r := w.do("GET", "/api/interviews?"+q, w.cand.Token, nil); r.Status != 400 {
			t.Fatalf("range %s: %d %s", q, r.Status, r.Body)
		}
	}
	if r := w.do("GET", "/api/interviews/abc", w.cand.Token, nil); r.Status != 400 || r.ErrorCode() != "bad_id" {
		t.Fatalf("bad id: %d %s", r.Status, r.Body)
	}
	// Reschedule by the recruiter: SEQUENCE+1; cancel: then join is refused.
	if m := w.must(w.do("PUT", path, w.rec.Token, map[string]any{"starts_at": later}), 200); m["sequence"].(float64) != 1 {
		t.Fatalf("reschedule: %v", m)
	}
	if r := w.do("POST", path+"/join", w.cand.Token, nil); r.Status != 409 || r.ErrorCode() != "room_not_open" {
		t.Fatalf("join three days early: %d %s", r.Status, r.Body)
	}
	if m := w.must(w.do("POST", path+"/cancel", w.owner.Token, nil), 200); m["status"] != "cancelled" || m["sequence"].(float64) != 2 {
		t.Fatalf("cancel: %v", m)
	}
	if r := w.do("PUT", path, w.rec.Token, map[string]any{"starts_at": later}); r.Status != 409 || r.ErrorCode() != "interview_cancelled" {
		t.Fatalf("reschedule cancelled: %d %s", r.Status, r.Body)
	}
}

// roomWS is a room client.
type roomWS struct {
	t    *testing.T
	conn *websocket.Conn
	me   edge.PeerInfo
}

// dialRoom connects to /interview/:roomId; header=true sends the token in
// Sec-WebSocket-Protocol, otherwise as the first message. It returns the
// HTTP status of a refused upgrade.
func dialRoom(t *testing.T, baseURL, roomID, token string, header bool) (*roomWS, int) {
	t.Helper()
	u := "ws" + strings.TrimPrefix(baseURL, "http") + "/interview/" + roomID
	d := websocket.Dialer{Subprotocols: []string{"hirebus.room.v1"}, HandshakeTimeout: 5 * time.Second}
	if header {
		d.Subprotocols = append(d.Subprotocols, "bearer."+token)
	}
	conn, resp, err := d.Dial(u, nil)
	if err != nil {
		if resp != nil {
			return nil, resp.StatusCode
		}
		t.Fatalf("dial room: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &roomWS{t: t, conn: conn}
	if !header {
		if err := conn.WriteJSON(map[string]string{"type": "auth", "token": token}); err != nil {
			t.Fatal(err)
		}
	}
	m, err := c.read(5 * time.Second)
	if err != nil {
		return nil, 0
	}
	if m.Type != "welcome" {
		var e struct{ Code string }
		_ = json.Unmarshal(m.Data, &e)
		t.Logf("refused in the room: %s %s", m.Type, m.Data)
		return nil, -1
	}
	c.me = *m.From
	return c, 101
}

func (c *roomWS) read(timeout time.Duration) (edge.RoomMessage, error) {
	_ = c.conn.SetReadDeadline(time.Now().Add(timeout))
	var m edge.RoomMessage
	err := c.conn.ReadJSON(&m)
	return m, err
}

func (c *roomWS) waitFor(timeout time.Duration, match func(edge.RoomMessage) bool) edge.RoomMessage {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		m, err := c.read(time.Until(deadline))
		if err != nil {
			c.t.Fatalf("room: no matching message: %v", err)
		}
		if match(m) {
			return m
		}
	}
}

func (c *roomWS) send(v any) {
	c.t.Helper()
	if err := c.conn.WriteJSON(v); err != nil {
		c.t.Fatal(err)
	}
}

func join(t *testing.T, baseURL, token string, ivID uint64) map[string]any {
	t.Helper()
	r := platformtest.Do(t, "POST", fmt.Sprintf("%s/api/interviews/%d/join", baseURL, ivID), token, nil)
	if r.Status != 200 {
		t.Fatalf("join: %d %s", r.Status, r.Body)
	}
	return r.Map(t)
}

// TestInterviewRoomTwoEdges: the candidate on edge A and the recruiter on
// edge B see each other, a chat message from A reaches B (and is stored), a
// signal reaches only the peer it is addressed to; a non-participant, a
// token for another room, an expired token and a session token are refused.
func TestInterviewRoomTwoEdges(t *testing.T) {
	w := startHiring(t, func(c *edge.Config) {
		c.ICEServers = []edge.ICEServer{{URLs: []string{"stun:stun.example.com:3478"}}}
		c.WSPerUser = 2
	})
	_, urlB := w.p.StartEdge(t, nil)
	iv := w.schedule(5*time.Minute, 30, "live")
	ivID := id(iv)
	jc := join(t, w.p.URL, w.cand.Token, ivID)
	jr := join(t, urlB, w.rec.Token, ivID)
	roomID := jc["room_id"].(string)
	if jr["room_id"] != roomID || len(jc["ice_servers"].([]any)) != 1 || jc["room_token"] == jr["room_token"] {
		t.Fatalf("join answers: %v %v", jc, jr)
	}
	cand, st := dialRoom(t, w.p.URL, roomID, jc["room_token"].(string), true)
	if cand == nil {
		t.Fatalf("candidate refused: %d", st)
	}
	rec, st := dialRoom(t, urlB, roomID, jr["room_token"].(string), false)
	if rec == nil {
		t.Fatalf("recruiter refused: %d", st)
	}
	// Presence both ways, across the edges.
	cand.waitFor(5*time.Second, func(m edge.RoomMessage) bool {
		return m.Type == "presence" && m.From.UserID == w.rec.ID && strings.Contains(string(m.Data), "join")
	})
	rec.waitFor(5*time.Second, func(m edge.RoomMessage) bool {
		return m.Type == "presence" && m.From.UserID == w.cand.ID && strings.Contains(string(m.Data), "here")
	})
	// The candidate may hold WSPerUser (2) room connections on edge A.
	if c2, _ := dialRoom(t, w.p.URL, roomID, jc["room_token"].(string), true); c2 == nil {
		t.Fatal("second room connection refused")
	} else {
		c2.waitFor(5*time.Second, func(m edge.RoomMessage) bool { return m.Type == "presence" && m.From.UserID == w.rec.ID })
		if c3, _ := dialRoom(t, w.p.URL, roomID, jc["room_token"].(string), true); c3 != nil {
			t.Fatal("a third room connection of one user was accepted")
		}
		c2.conn.Close()
		cand.waitFor(5*time.Second, func(m edge.RoomMessage) bool {
			return m.Type == "presence" && m.From.PeerID == c2.me.PeerID && strings.Contains(string(m.Data), "leave")
		})
	}
	// Chat from A reaches B, stored.
	cand.send(map[string]any{"type": "chat", "text": "Hello from edge A"})
	m := rec.waitFor(5*time.Second, func(m edge.RoomMessage) bool { return m.Type == "chat" })
	if m.From.UserID != w.cand.ID || !strings.Contains(string(m.Data), "Hello from edge A") {
		t.Fatalf("chat on B: %+v %s", m, m.Data)
	}
	if msgs := w.must(w.do("GET", fmt.Sprintf("/api/interviews/%d/messages", ivID), w.viewer.Token, nil), 200); len(msgs["items"].([]any)) != 1 {
		t.Fatalf("stored messages: %v", msgs)
	}
	// A signal from B to the candidate's peer.
	rec.send(map[string]any{"type": "signal", "to": cand.me.PeerID, "data": map[string]any{"sdp": map[string]string{"type": "offer", "sdp": "v=0"}}})
	sg := cand.waitFor(5*time.Second, func(m edge.RoomMessage) bool { return m.Type == "signal" })
	if sg.From.PeerID != rec.me.PeerID || !strings.Contains(string(sg.Data), `"offer"`) {
		t.Fatalf("signal: %+v %s", sg, sg.Data)
	}
	rec.send(map[string]any{"type": "hand", "raised": true})
	cand.waitFor(5*time.Second, func(m edge.RoomMessage) bool { return m.Type == "hand" && m.From.UserID == w.rec.ID })

	// Refusals.
	if r := w.do("POST", fmt.Sprintf("/api/interviews/%d/join", ivID), w.owner.Token, nil); r.Status != 403 {
		t.Fatalf("non-participant join: %d %s", r.Status, r.Body)
	}
	key := []byte("platformtest-signing-key-0123456789abcdef")
	forged := func(room, aud string, uid uint64, exp time.Time) string {
		tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"room": room, "iss": "hirebus", "aud": aud,
			"sub": strconv.FormatUint(uid, 10), "exp": exp.Unix(), "iat": time.Now().Unix()}).SignedString(key)
		return tok
	}
	other := strings.Repeat("ab", 16)
	for _, tc := range []struct {
		name, room, token string
		want              int
	}{
		{"token of another room", other, jc["room_token"].(string), 403},
		{"expired token", roomID, forged(roomID, "hirebus.room", w.cand.ID, time.Now().Add(-time.Minute)), 401},
		{"session token", roomID, w.cand.Token, 401},
		{"non-participant with a valid-looking token", roomID, forged(roomID, "hirebus.room", w.owner.ID, time.Now().Add(time.Minute)), 403},
		{"other audience", roomID, forged(roomID, "hirebus", w.cand.ID, time.Now().Add(time.Minute)), 401},
		{"garbage", roomID, "x.y.z", 401},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if c, st := dialRoom(t, urlB, tc.room, tc.token, true); c != nil || st != tc.want {
				t.Fatalf("header: status %d, want %d", st, tc.want)
			}
			if c, _ := dialRoom(t, w.p.URL, tc.room, tc.token, false); c != nil {
				t.Fatal("first-message auth let it in")
			}
		})
	}
	if _, st := dialRoom(t, urlB, "not-a-room", jc["room_token"].(string), true); st != 404 {
		t.Fatalf("bad room id: %d", st)
	}

	// Limits: a burst over the rate is refused; an oversized message closes.
	for i := 0; i < 100; i++ {
		cand.send(map[string]any{"type": "ping"})
	}
	cand.waitFor(5*time.Second, func(m edge.RoomMessage) bool {
		return m.Type == "error" && strings.Contains(string(m.Data), "rate_limited")
	})
	_ = rec.conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"chat","text":"`+strings.Repeat("x", 70<<10)+`"}`))
	// The edge closes the connection (1009; the client may see a reset).
	deadline := time.Now().Add(5 * time.Second)
	for {
		m, err := rec.read(time.Until(deadline))
		if err != nil {
			if ne, ok := err.(interface{ Timeout() bool }); ok && ne.Timeout() {
				t.Fatal("an oversized message did not close the connection")
			}
			break
		}
		if m.Type == "chat" && m.From.UserID == w.rec.ID {
			t.Fatal("an oversized chat message was relayed")
		}
	}
	// The recruiter's departure reaches the candidate.
	cand.waitFor(5*time.Second, func(m edge.RoomMessage) bool {
		return m.Type == "presence" && m.From.UserID == w.rec.ID && strings.Contains(string(m.Data), "leave")
	})
}

// TestInterviewRoomAI: in an AI interview the AI interviewer is present,
// asks when the candidate arrives and asks again after the answer given in
// the chat; the transcript holds both.
func TestInterviewRoomAI(t *testing.T) {
	w := startHiring(t, nil)
	iv := w.must(w.do("POST", "/api/interviews", w.rec.Token, map[string]any{"application_id": w.app,
		"starts_at": time.Now().Add(time.Minute).Format(time.RFC3339), "duration_minutes": 30, "kind": "ai"}), 201)
	jc := join(t, w.p.URL, w.cand.Token, id(iv))
	cand, st := dialRoom(t, w.p.URL, jc["room_id"].(string), jc["room_token"].(string), true)
	if cand == nil {
		t.Fatalf("refused: %d", st)
	}
	cand.waitFor(15*time.Second, func(m edge.RoomMessage) bool { return m.Type == "presence" && m.From.Role == "ai" })
	q1 := cand.waitFor(15*time.Second, func(m edge.RoomMessage) bool { return m.Type == "chat" && m.From.Role == "ai" })
	cand.send(map[string]any{"type": "chat", "text": "I would use a mutex for shared state."})
	cand.waitFor(15*time.Second, func(m edge.RoomMessage) bool { return m.Type == "chat" && m.From.UserID == w.cand.ID })
	q2 := cand.waitFor(15*time.Second, func(m edge.RoomMessage) bool { return m.Type == "chat" && m.From.Role == "ai" })
	if string(q1.Data) == string(q2.Data) {
		t.Fatal("the same question twice")
	}
	tr := w.must(w.do("GET", fmt.Sprintf("/api/interviews/%d/messages", id(iv)), w.rec.Token, nil), 200)["items"].([]any)
	if len(tr) != 3 || tr[1].(map[string]any)["kind"] != "answer" {
		t.Fatalf("transcript: %v", tr)
	}
	// Cancelling closes the room for whoever is in it.
	w.must(w.do("POST", fmt.Sprintf("/api/interviews/%d/cancel", id(iv)), w.rec.Token, nil), 200)
	cand.waitFor(15*time.Second, func(m edge.RoomMessage) bool { return m.Type == "closed" })
	if _, err := cand.read(5 * time.Second); err == nil {
		t.Fatal("the room stayed open after the cancel")
	}
}
