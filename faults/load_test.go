package faults

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
)

// TestLoad is `make load`: a bounded generator on loopback against one edge
// process (plus a mail worker): authenticated reads, command publishes,
// then idle WebSocket connections up to the open-file limit, reporting
// p50/p99, errors and the edge's RSS per idle connection.
//
// HIREBUS_LOAD_IDLE caps the idle connections (default: the open-file
// limit minus 1,000), HIREBUS_LOAD_SECONDS the length of each timed phase
// (default 10), HIREBUS_LOAD_CONCURRENCY the clients of the timed phases
// (default 32).
func TestLoad(t *testing.T) {
	if os.Getenv("HIREBUS_LOAD") != "1" {
		t.Skip("set HIREBUS_LOAD=1 (make load)")
	}
	secs := envInt("HIREBUS_LOAD_SECONDS", 10)
	conc := envInt("HIREBUS_LOAD_CONCURRENCY", 32)
	var lim syscall.Rlimit
	_ = syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim)
	idle := envInt("HIREBUS_LOAD_IDLE", max(int(lim.Cur)-1000, 100))
	const users = 40

	h := Start(t, Options{Edges: 1, MailWorkers: 1, Env: []string{
		"HIREBUS_WS_PER_USER=1000", // idle connections are spread over few users
	}})
	edge := h.Edges[0]
	var tokens []string
	for i := range users {
		tokens = append(tokens, h.Register(fmt.Sprintf("load%d", i)))
	}
	var rows []string
	add := func(format string, args ...any) { rows = append(rows, fmt.Sprintf(format, args...)) }

	// Authenticated reads.
	st := timed(conc, time.Duration(secs)*time.Second, 200_000, func(i int) error {
		req, _ := http.NewRequest("GET", edge.URL+"/api/user/me", nil)
		req.Header.Set("Authorization", "Bearer "+tokens[i%len(tokens)])
		return expect(h.client.Do(req))(200)
	})
	add("| GET /api/user/me | %d | %.0f/s | %s | %s | %d |", st.n, st.rate(), st.p(50), st.p(99), st.errors)

	// Command publishes (accepted into the outbox and onto the bus).
	var seq atomic.Int64
	st = timed(conc, time.Duration(secs)*time.Second, 20_000, func(int) error {
		n := int(seq.Add(1))
		body, _ := json.Marshal(map[string]string{"email": fmt.Sprintf("l%d-%s@example.com", n, h.RunID), "purpose": "register"})
		req, _ := http.NewRequest("POST", edge.URL+"/api/auth/send-otp", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", fakeIP(n))
		return expect(h.client.Do(req))(202)
	})
	add("| POST /api/auth/send-otp | %d | %.0f/s | %s | %s | %d |", st.n, st.rate(), st.p(50), st.p(99), st.errors)

	// Idle WebSockets.
	runtime.GC()
	time.Sleep(time.Second)
	before := rssKiB(t, edge.Pid())
	conns, dialErrs, dial := openIdle(edge.URL, tokens, idle)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	time.Sleep(3 * time.Second)
	after := rssKiB(t, edge.Pid())
	per := 0.0
	if len(conns) > 0 {
		per = float64(after-before) / float64(len(conns))
	}
	add("| idle /ws connections | %d | %.0f/s dialled | %s | %s | %d |", len(conns), float64(len(conns))/dial.Seconds(), "", "", dialErrs)
	report := fmt.Sprintf("load (edge pid %d, open-file limit %d)\n\n| phase | requests | rate | p50 | p99 | errors |\n|---|---|---|---|---|---|\n%s\n\n"+
		"edge RSS: %d KiB before, %d KiB with %d idle /ws connections: %.1f KiB per connection\n",
		edge.Pid(), lim.Cur, strings.Join(rows, "\n"), before, after, len(conns), per)
	t.Log("\n" + report)
	if path := os.Getenv("HIREBUS_LOAD_REPORT"); path != "" {
		_ = os.WriteFile(path, []byte(report), 0o644)
	}
	if !edge.Alive() {
		t.Fatalf("the edge died under load:\n%s", edge.Log())
	}
}

type stats struct {
	n, errors int
	took      time.Duration
	lat       []time.Duration
}

func (s stats) rate() float64 { return float64(s.n) / s.took.Seconds() }

func (s stats) p(q int) string {
	if len(s.lat) == 0 {
		return "-"
	}
	return s.lat[min(len(s.lat)-1, len(s.lat)*q/100)].Round(10 * time.Microsecond).String()
}

// timed runs fn from conc goroutines until dur or limit calls.
func timed(conc int, dur time.Duration, limit int, fn func(i int) error) stats {
	var mu sync.Mutex
	var st stats
	var calls atomic.Int64
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for g := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			errs := 0
			for i := g; ctx.Err() == nil && calls.Add(1) <= int64(limit); i += conc {
				t0 := time.Now()
				if err := fn(i); err != nil {
					errs++
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			st.lat = append(st.lat, lat...)
			st.errors += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	st.took = time.Since(start)
	st.n = len(st.lat) + st.errors
	slices.Sort(st.lat)
	return st
}

func expect(resp *http.Response, err error) func(int) error {
	return func(want int) error {
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != want {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
}

// openIdle dials n WebSockets (64 at a time), each waiting for "ready".
func openIdle(base string, tokens []string, n int) ([]*websocket.Conn, int, time.Duration) {
	url := "ws" + strings.TrimPrefix(base, "http") + "/ws"
	var mu sync.Mutex
	var conns []*websocket.Conn
	errs := 0
	sem := make(chan struct{}, 64)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			d := websocket.Dialer{Subprotocols: []string{"hirebus.v1", "bearer." + tokens[i%len(tokens)]}, HandshakeTimeout: 10 * time.Second,
				ReadBufferSize: 256, WriteBufferSize: 256}
			c, _, err := d.Dial(url, nil)
			if err == nil {
				_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
				_, _, err = c.ReadMessage()
				_ = c.SetReadDeadline(time.Time{})
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs++
				if c != nil {
					c.Close()
				}
				return
			}
			conns = append(conns, c)
		}()
	}
	wg.Wait()
	return conns, errs, time.Since(start)
}

func rssKiB(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return n
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
