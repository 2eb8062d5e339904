package edge_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/golang-jwt/jwt/v5"
	"github.com/hirebus/hirebus/edge"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/jmoiron/sqlx"
	"github.com/nats-io/nats.go/jetstream"
)

// seedRooms inserts rooms interviews starting now, each with a candidate and
// two interviewers, straight into the tables (a benchmark fixture), and
// returns per room its id and participants' user ids.
func seedRooms(b *testing.B, db *sqlx.DB, rooms int) (ids []string, users [][]uint64) {
	b.Helper()
	exec := func(q string, args ...any) int64 {
		res, err := db.Exec(q, args...)
		if err != nil {
			b.Fatalf("%s: %v", q, err)
		}
		id, _ := res.LastInsertId()
		return id
	}
	owner := exec(`INSERT INTO users (username, email, password_hash, role) VALUES ('benchowner', 'benchowner@example.com', 'x', 'recruiter')`)
	co := exec(`INSERT INTO companies (name, website) VALUES ('Bench Co', '')`)
	exec(`INSERT INTO company_members (company_id, user_id, member_role) VALUES (?, ?, 'owner')`, co, owner)
	job := exec(`INSERT INTO jobs (company_id, created_by, title, description, status) VALUES (?, ?, 'Bench job', 'x', 'open')`, co, owner)
	start := time.Now().UTC().Add(-time.Minute)
	for r := 0; r < rooms; r++ {
		var ps []uint64
		for k := 0; k < 3; k++ {
			role := "recruiter"
			if k == 0 {
				role = "candidate"
			}
			name := fmt.Sprintf("b%d_%d", r, k)
			ps = append(ps, uint64(exec(`INSERT INTO users (username, email, password_hash, role) VALUES (?, ?, 'x', ?)`, name, name+"@example.com", role)))
		}
		app := exec(`INSERT INTO applications (job_id, company_id, candidate_id, status) VALUES (?, ?, ?, 'interview')`, job, co, ps[0])
		room := fmt.Sprintf("%032x", r+1)
		iv := exec(`INSERT INTO interviews (uid, room_id, application_id, company_id, candidate_id, created_by, kind, starts_at, ends_at, duration_minutes)
			VALUES (?, ?, ?, ?, ?, ?, 'live', ?, ?, 60)`, room+"@bench", room, app, co, ps[0], owner, start, start.Add(time.Hour))
		for k, u := range ps {
			role := "interviewer"
			if k == 0 {
				role = "candidate"
			}
			exec(`INSERT INTO interview_participants (interview_id, user_id, role) VALUES (?, ?, ?)`, iv, u, role)
		}
		ids = append(ids, room)
		users = append(users, ps)
	}
	return ids, users
}

func benchRoomToken(room string, uid uint64) string {
	tok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"room": room, "iss": "hirebus", "aud": "hirebus.room",
		"sub": strconv.FormatUint(uid, 10), "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix()}).SignedString([]byte("platformtest-signing-key-0123456789abcdef"))
	return tok
}

func benchDial(b *testing.B, base, room string, uid uint64) (*websocket.Conn, edge.PeerInfo) {
	u := "ws" + strings.TrimPrefix(base, "http") + "/interview/" + room
	d := websocket.Dialer{Subprotocols: []string{"hirebus.room.v1", "bearer." + benchRoomToken(room, uid)}, HandshakeTimeout: 10 * time.Second,
		ReadBufferSize: 1024, WriteBufferSize: 1024}
	conn, _, err := d.Dial(u, nil)
	if err != nil {
		b.Fatalf("dial: %v", err)
	}
	var m edge.RoomMessage
	if err := conn.ReadJSON(&m); err != nil || m.Type != "welcome" {
		b.Fatalf("welcome: %v %s", err, m.Type)
	}
	return conn, *m.From
}

// edgeWithOwnConn starts a second edge with its own NATS connection, as a
// second edge process would have.
func edgeWithOwnConn(b *testing.B, p *platformtest.Platform, tweak func(*edge.Config)) string {
	nc := testutil.NATSConn(b, p.NATSURL)
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	cfg := edge.Config{JWTKey: []byte("platformtest-signing-key-0123456789abcdef"), PasswordCost: 4, LoginPerMin: -1, FacePerMin: -1}
	tweak(&cfg)
	srv, err := edge.New(cfg, edge.Deps{DB: p.DB, NC: nc, JS: js, Relay: p.Relay, Log: p.Log})
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	p.Go(func(ctx context.Context) error { return srv.Serve(ctx, ln) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.WaitReady(ctx); err != nil {
		b.Fatal(err)
	}
	return "http://" + ln.Addr().String()
}

// BenchmarkRoomRelayLatency: a signal from a peer on edge A to a peer on
// edge B (its own NATS connection) of the same room (WebSocket → edge A → NATS room.<id> → edge B →
// WebSocket), one at a time; reports p50 and p99.
func BenchmarkRoomRelayLatency(b *testing.B) {
	fast := func(c *edge.Config) { c.RoomMsgPerSec = 1_000_000 }
	p := platformtest.Start(b, platformtest.Options{NoMailWorker: true, EdgeConfig: fast})
	urlB := edgeWithOwnConn(b, p, fast)
	rooms, users := seedRooms(b, p.DB, 1)
	a, _ := benchDial(b, p.URL, rooms[0], users[0][0])
	defer a.Close()
	bc, peerB := benchDial(b, urlB, rooms[0], users[0][1])
	defer bc.Close()
	next := func(c *websocket.Conn, typ string) edge.RoomMessage {
		for {
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			var m edge.RoomMessage
			if err := c.ReadJSON(&m); err != nil {
				b.Fatalf("read: %v", err)
			}
			if m.Type == typ {
				return m
			}
		}
	}
	next(a, "presence") // B arrived
	lat := make([]time.Duration, 0, b.N)
	msg, _ := json.Marshal(map[string]any{"type": "signal", "to": peerB.PeerID, "data": map[string]any{"candidate": map[string]any{
		"candidate": "candidate:1 1 udp 2122260223 192.0.2.10 54321 typ host generation 0", "sdpMid": "0", "sdpMLineIndex": 0}}})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := a.WriteMessage(websocket.TextMessage, msg); err != nil {
			b.Fatal(err)
		}
		next(bc, "signal")
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkRoomsMemory holds 500 rooms of 3 participants on one edge and
// reports the heap they take per connection (client and server side are in
// this process: the figure is an upper bound for the edge).
func BenchmarkRoomsMemory(b *testing.B) {
	const nRooms = 500
	p := platformtest.Start(b, platformtest.Options{NoMailWorker: true})
	rooms, users := seedRooms(b, p.DB, nRooms)
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		g0 := runtime.NumGoroutine()
		conns := make([]*websocket.Conn, 0, 3*nRooms)
		var mu sync.Mutex
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for r := range rooms {
			for _, u := range users[r] {
				wg.Add(1)
				sem <- struct{}{}
				go func(room string, u uint64) {
					defer wg.Done()
					defer func() { <-sem }()
					c, _ := benchDial(b, p.URL, room, u)
					mu.Lock()
					conns = append(conns, c)
					mu.Unlock()
				}(rooms[r], u)
			}
		}
		wg.Wait()
		runtime.GC()
		runtime.ReadMemStats(&after)
		n := float64(len(conns))
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/n/1024, "heap-KiB/conn")
		b.ReportMetric(float64(runtime.NumGoroutine()-g0)/n, "goroutines/conn")
		for _, c := range conns {
			c.Close()
		}
	}
}
