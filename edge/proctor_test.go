package edge_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hirebus/hirebus/edge"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/workers/face/facetest"
)

// proctorWorld is an assessment world with two started attempts (cand's
// and cand2's) and proctor workers running.
type proctorWorld struct {
	*aw
	assessmentID, attempt, attempt2 uint64
	globexViewer                    platformtest.User
}

func startProctor(t *testing.T, workers int, tweak func(*edge.Config)) *proctorWorld {
	t.Helper()
	p := platformtest.Start(t, platformtest.Options{EdgeConfig: tweak})
	for i := 0; i < workers; i++ {
		p.StartProctorWorker(t)
	}
	w := &proctorWorld{aw: startAssess(t, p)}
	w.assessmentID, _ = w.assessment("mcq")
	w.attempt = w.start(w.assessmentID, w.cand.Token)
	w.attempt2 = w.start(w.assessmentID, w.cand2.Token)
	w.globexViewer = p.Register("gviewer", "recruiter")
	if _, err := p.DB.Exec(`INSERT INTO company_members (company_id, user_id, member_role) VALUES (?, ?, 'viewer')`, w.globex, w.globexViewer.ID); err != nil {
		t.Fatal(err)
	}
	return w
}

func signal(seq int, typ string, data map[string]any) map[string]any {
	m := map[string]any{"seq": seq, "type": typ, "at": time.Now().UTC().Format(time.RFC3339Nano)}
	if data != nil {
		m["data"] = data
	}
	return m
}

func (w *proctorWorld) log(tok string, attempt uint64, evs ...map[string]any) platformtest.Response {
	w.t.Helper()
	return w.do("POST", "/api/proctor/log", tok, map[string]any{"attempt_id": attempt, "events": evs})
}

// TestProctorLogAccessAndValidation: who may send signals and read the
// results, bad input -> 4xx with a code, and paste content never stored.
func TestProctorLogAccessAndValidation(t *testing.T) {
	w := startProctor(t, 1, nil)
	ok := signal(1, events.SigWindowBlur, nil)
	for _, c := range []struct {
		who    string
		status int
	}{
		{"anonymous", 401}, {"another candidate", 404}, {"candidate not invited", 404}, {"other company", 404},
		{"viewer", 404}, {"recruiter", 404}, {"owner", 404}, {"candidate", 202},
	} {
		t.Run("log/"+c.who, func(t *testing.T) {
			if r := w.log(w.tokens[c.who], w.attempt, ok); r.Status != c.status {
				t.Fatalf("status %d, want %d: %s", r.Status, c.status, r.Body)
			}
		})
	}
	bad := []struct {
		name string
		body any
		code string
	}{
		{"no attempt", map[string]any{"events": []any{ok}}, "missing_attempt_id"},
		{"no events", map[string]any{"attempt_id": w.attempt, "events": []any{}}, "invalid_events"},
		{"unknown type", map[string]any{"attempt_id": w.attempt, "events": []any{signal(2, "screenshot", nil)}}, "invalid_type"},
		{"zero seq", map[string]any{"attempt_id": w.attempt, "events": []any{signal(0, events.SigCopy, nil)}}, "invalid_seq"},
		{"negative length", map[string]any{"attempt_id": w.attempt, "events": []any{signal(2, events.SigPaste, map[string]any{"length": -1})}}, "invalid_data"},
		{"bad target", map[string]any{"attempt_id": w.attempt, "events": []any{signal(2, events.SigPaste, map[string]any{"length": 3, "target": "x"})}}, "invalid_data"},
		{"data not object", map[string]any{"attempt_id": w.attempt, "events": []any{signal(2, events.SigPaste, nil), map[string]any{"seq": 3, "type": "copy", "data": "x"}}}, "invalid_data"},
		{"time far away", map[string]any{"attempt_id": w.attempt, "events": []any{map[string]any{"seq": 2, "type": "copy", "at": "2001-01-01T00:00:00Z"}}}, "invalid_at"},
		{"wrong types", map[string]any{"attempt_id": "7", "events": []any{ok}}, "bad_json"},
	}
	var many []any
	for i := 1; i <= 201; i++ {
		many = append(many, signal(i, events.SigCopy, nil))
	}
	bad = append(bad, struct {
		name string
		body any
		code string
	}{"too many", map[string]any{"attempt_id": w.attempt, "events": many}, "invalid_events"})
	for _, c := range bad {
		t.Run("bad/"+c.name, func(t *testing.T) {
			r := w.do("POST", "/api/proctor/log", w.cand.Token, c.body)
			if r.Status != 400 || r.ErrorCode() != c.code {
				t.Fatalf("%d %s, want 400 %s", r.Status, r.Body, c.code)
			}
		})
	}
	if r := req(t, "POST", w.p.URL+"/api/proctor/log", w.cand.Token, "text/plain", []byte("{}"), nil); r.Status != 415 {
		t.Fatalf("text body: %d", r.Status)
	}

	// A paste: only its length reaches the bus and the database.
	secret := "SECRET-PASTED-TEXT-" + strings.Repeat("x", 250)
	paste := signal(2, events.SigPaste, map[string]any{"length": len(secret), "target": "code", "text": secret, "content": secret})
	if r := w.log(w.cand.Token, w.attempt, paste); r.Status != 202 {
		t.Fatalf("paste: %d %s", r.Status, r.Body)
	}
	var tl struct {
		Score      int `json:"trust_score"`
		Violations []struct {
			Rule     string
			Evidence struct{ Value float64 }
		}
		Events []struct {
			Seq  uint64
			Kind string
			Data map[string]any
		}
	}
	testutil.Eventually(t, 20*time.Second, func() bool {
		r := w.do("GET", fmt.Sprintf("/api/proctor/attempts/%d/timeline", w.attempt), w.cand.Token, nil)
		return r.Status == 200 && json.Unmarshal(r.Body, &tl) == nil && len(tl.Events) == 2
	}, "timeline never showed the paste")
	if tl.Events[1].Kind != events.SigPaste || tl.Events[1].Data["length"] != float64(len(secret)) || len(tl.Violations) != 1 ||
		tl.Violations[0].Rule != "paste_code_large" || tl.Score != 85 {
		t.Fatalf("timeline %+v", tl)
	}
	for _, q := range []string{`SELECT COUNT(*) FROM proctor_logs WHERE detail LIKE '%SECRET-PASTED%'`, `SELECT COUNT(*) FROM outbox WHERE data LIKE '%SECRET-PASTED%'`,
		`SELECT COUNT(*) FROM proctor_violations WHERE evidence LIKE '%SECRET-PASTED%'`} {
		var n int
		if err := w.p.DB.Get(&n, q); err != nil || n != 0 {
			t.Fatalf("%s: %d %v", q, n, err)
		}
	}

	// Reads: the candidate and every member of Acme; nobody else.
	for _, c := range []struct {
		who    string
		status int
	}{
		{"anonymous", 401}, {"another candidate", 404}, {"candidate not invited", 404}, {"other company", 404},
		{"viewer", 200}, {"recruiter", 200}, {"owner", 200}, {"candidate", 200},
	} {
		for _, path := range []string{"/api/proctor/violations/%d", "/api/proctor/attempts/%d/timeline"} {
			t.Run("read/"+c.who+path, func(t *testing.T) {
				if r := w.do("GET", fmt.Sprintf(path, w.attempt), w.tokens[c.who], nil); r.Status != c.status {
					t.Fatalf("status %d, want %d: %s", r.Status, c.status, r.Body)
				}
			})
		}
	}
	if r := w.do("GET", fmt.Sprintf("/api/proctor/assessments/%d/live", w.assessmentID), w.tokens["other company"], nil); r.Status != 404 {
		t.Fatalf("foreign live grid: %d", r.Status)
	}
	if r := w.do("GET", fmt.Sprintf("/api/proctor/assessments/%d/live", w.assessmentID), w.tokens["candidate"], nil); r.Status != 404 {
		t.Fatalf("candidate live grid: %d", r.Status)
	}
	if r := w.do("GET", "/api/proctor/violations/abc", w.rec.Token, nil); r.Status != 400 {
		t.Fatalf("bad id: %d", r.Status)
	}
	// Rules: recruiters change them, viewers read them, others see nothing.
	rulesPath := fmt.Sprintf("/api/proctor/assessments/%d/rules", w.assessmentID)
	w.must(w.do("GET", rulesPath, w.viewer.Token, nil), 200)
	w.must(w.do("PUT", rulesPath, w.viewer.Token, map[string]any{"flag_at": 80}), 403)
	w.must(w.do("PUT", rulesPath, w.other.Token, map[string]any{"flag_at": 80}), 404)
	if r := w.do("PUT", rulesPath, w.rec.Token, map[string]any{"overrides": []any{map[string]any{"id": "x", "metric": "salary", "op": ">", "severity": "low"}}}); r.Status != 400 {
		t.Fatalf("bad override: %d %s", r.Status, r.Body)
	}
	w.must(w.do("PUT", rulesPath, w.rec.Token, map[string]any{"overrides": []any{map[string]any{"id": "devtools", "severity": "critical"}}, "flag_at": 80}), 200)
}

func TestProctorLogRateLimited(t *testing.T) {
	w := startProctor(t, 0, func(c *edge.Config) { c.ProctorLogPerMin = 2 })
	for i := 1; i <= 2; i++ {
		w.must(w.log(w.cand.Token, w.attempt, signal(i, events.SigCopy, nil)), 202)
	}
	if r := w.log(w.cand.Token, w.attempt, signal(3, events.SigCopy, nil)); r.Status != 429 || r.ErrorCode() != "too_many_requests" {
		t.Fatalf("third batch: %d %s", r.Status, r.Body)
	}
}

// tryNext reads one message, or returns false when none comes in timeout.
func tryNext(ws *platformtest.WS, timeout time.Duration) (platformtest.Push, bool) {
	_ = ws.Conn.SetReadDeadline(time.Now().Add(timeout))
	var m platformtest.Push
	if err := ws.Conn.ReadJSON(&m); err != nil {
		return m, false
	}
	return m, true
}

func subscribe(t *testing.T, ws *platformtest.WS, key string, id uint64) platformtest.Push {
	t.Helper()
	if err := ws.Conn.WriteJSON(map[string]any{"type": "proctor.subscribe", key: id}); err != nil {
		t.Fatal(err)
	}
	return ws.WaitFor(10*time.Second, func(m platformtest.Push) bool {
		return m.Type == "proctor.snapshot" || m.Type == "proctor.error"
	})
}

// TestProctorLiveFeed: recruiters on another edge watch one attempt or a
// whole assessment; two proctor workers keep each attempt's order; nobody
// outside the company (nor a candidate) receives an attempt's events.
func TestProctorLiveFeed(t *testing.T) {
	w := startProctor(t, 2, nil)
	_, edge2 := w.p.StartEdge(t, nil)

	rec := platformtest.DialWS(t, edge2, w.rec.Token, -1)
	if m := subscribe(t, rec, "attempt_id", w.attempt); m.Type != "proctor.snapshot" {
		t.Fatalf("recruiter subscribe: %s %s", m.Type, m.Data)
	}
	viewer := platformtest.DialWS(t, w.p.URL, w.viewer.Token, -1)
	if m := subscribe(t, viewer, "assessment_id", w.assessmentID); m.Type != "proctor.snapshot" || !strings.Contains(string(m.Data), `"attempts"`) {
		t.Fatalf("viewer subscribe: %s %s", m.Type, m.Data)
	}
	var foreign []*platformtest.WS
	for _, who := range []platformtest.User{w.other, w.globexViewer, w.cand2, w.cand} {
		ws := platformtest.DialWS(t, edge2, who.Token, -1)
		for _, s := range []struct {
			key string
			id  uint64
		}{{"attempt_id", w.attempt}, {"assessment_id", w.assessmentID}} {
			if m := subscribe(t, ws, s.key, s.id); m.Type != "proctor.error" || !strings.Contains(string(m.Data), "not_found") {
				t.Fatalf("%s subscribing to %s: %s %s", who.Username, s.key, m.Type, m.Data)
			}
		}
		foreign = append(foreign, ws)
	}

	// 40 single-event batches, fast: tab hidden/visible alternating.
	const n = 40
	for i := 1; i <= n; i++ {
		typ := events.SigTabHidden
		var data map[string]any
		if i%2 == 0 {
			typ, data = events.SigTabVisible, map[string]any{"duration_ms": 100}
		}
		w.must(w.log(w.cand.Token, w.attempt, signal(i, typ, data)), 202)
	}
	// A retried batch and cand2's own signals change nothing for attempt 1.
	w.must(w.log(w.cand.Token, w.attempt, signal(3, events.SigTabHidden, nil)), 202)
	w.must(w.log(w.cand2.Token, w.attempt2, signal(1, events.SigDevtools, nil)), 202)

	var flagged bool
	seen := map[uint64]int{}
	deadline := time.Now().Add(30 * time.Second)
	for len(seen) < n && time.Now().Before(deadline) {
		m := rec.WaitFor(time.Until(deadline), func(m platformtest.Push) bool { return m.Type == events.EvtProctorUpdate })
		var up events.ProctorUpdate
		if err := json.Unmarshal(m.Data, &up); err != nil || up.AttemptID != w.attempt {
			t.Fatalf("recruiter got %s (%v)", m.Data, err)
		}
		for _, e := range up.Events {
			seen[*e.Seq]++
		}
		flagged = flagged || up.FlaggedNow
	}
	if len(seen) != n || !flagged {
		t.Fatalf("recruiter saw %d of %d events, flagged %v", len(seen), n, flagged)
	}
	for seq, k := range seen {
		if k != 1 {
			t.Fatalf("seq %d pushed %d times", seq, k)
		}
	}
	// The assessment watcher sees both attempts.
	attempts := map[uint64]bool{}
	for len(attempts) < 2 {
		m := viewer.WaitFor(10*time.Second, func(m platformtest.Push) bool { return m.Type == events.EvtProctorUpdate })
		var up events.ProctorUpdate
		_ = json.Unmarshal(m.Data, &up)
		attempts[up.AttemptID] = true
	}
	// Order per attempt: the log ids follow the seqs.
	var tl struct {
		Events []struct{ ID, Seq uint64 }
	}
	w.must(w.do("GET", fmt.Sprintf("/api/proctor/attempts/%d/timeline", w.attempt), w.rec.Token, nil), 200)
	r := w.do("GET", fmt.Sprintf("/api/proctor/attempts/%d/timeline", w.attempt), w.rec.Token, nil)
	r.JSON(t, &tl)
	if len(tl.Events) != n {
		t.Fatalf("%d events stored, want %d", len(tl.Events), n)
	}
	for i, e := range tl.Events {
		if e.Seq != uint64(i+1) {
			t.Fatalf("event %d has seq %d: handled out of order", i, e.Seq)
		}
	}
	var v struct {
		Score      int `json:"trust_score"`
		Flagged    bool
		Violations []struct{ Rule string }
	}
	w.must(w.do("GET", fmt.Sprintf("/api/proctor/violations/%d", w.attempt), w.rec.Token, nil), 200)
	r = w.do("GET", fmt.Sprintf("/api/proctor/violations/%d", w.attempt), w.rec.Token, nil)
	r.JSON(t, &v)
	// tab_hidden_often (25) only: 20 × 100 ms hidden stays under 10 s.
	if v.Score != 75 || !v.Flagged || len(v.Violations) != 1 {
		t.Fatalf("violations %+v", v)
	}
	for i, ws := range foreign {
		if m, got := tryNext(ws, 500*time.Millisecond); got {
			t.Fatalf("foreign connection %d received %s %s", i, m.Type, m.Data)
		}
	}
}

// TestProctorFramesKept: with HIREBUS_PROCTOR_KEEP_FRAMES a frame is stored
// in the object store and served to the company's members; without it
// nothing is stored.
func TestProctorFramesKept(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprint("keep=", keep), func(t *testing.T) {
			w := startProctor(t, 0, func(c *edge.Config) { c.ProctorKeepFrames = keep })
			r := w.do("POST", "/api/proctor/frame", w.cand.Token, map[string]any{"attempt_id": w.attempt, "image": facetest.Blank(t)})
			if r.Status != 202 {
				t.Fatalf("frame: %d %s", r.Status, r.Body)
			}
			st, err := w.p.JS.ObjectStore(context.Background(), events.ProctorFrameBucket)
			if !keep {
				if err == nil {
					if list, _ := st.List(context.Background()); len(list) > 0 {
						t.Fatalf("%d frames stored without HIREBUS_PROCTOR_KEEP_FRAMES", len(list))
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			list, err := st.List(context.Background())
			if err != nil || len(list) != 1 || !strings.HasPrefix(list[0].Name, fmt.Sprintf("%d/", w.attempt)) {
				t.Fatalf("stored %v %v", list, err)
			}
			key := strings.TrimPrefix(list[0].Name, fmt.Sprintf("%d/", w.attempt))
			path := fmt.Sprintf("/api/proctor/attempts/%d/frames/%s", w.attempt, key)
			if r := w.do("GET", path, w.rec.Token, nil); r.Status != 200 || len(r.Body) < 100 {
				t.Fatalf("recruiter frame: %d", r.Status)
			}
			for _, who := range []string{"other company", "another candidate"} {
				if r := w.do("GET", path, w.tokens[who], nil); r.Status != 404 {
					t.Fatalf("%s frame: %d", who, r.Status)
				}
			}
			if r := w.do("GET", fmt.Sprintf("/api/proctor/attempts/%d/frames/%s", w.attempt2, key), w.rec.Token, nil); r.Status != 404 {
				t.Fatalf("frame under another attempt: %d", r.Status)
			}
		})
	}
}

// TestProctorOrderAcrossWorkerProcesses: two `hirebus worker proctor`
// processes share each attempt's commands, and one is killed (SIGKILL)
// while commands are in flight. The recruiter's feed still gets every
// signal of each attempt exactly once and in order, and the timeline
// stores them in order: the commands the dead process held are redelivered
// to the other after the ack wait, and its later commands wait for them.
func TestProctorOrderAcrossWorkerProcesses(t *testing.T) {
	testutil.SkipShort(t, "hirebus worker processes")
	w := startProctor(t, 0, func(c *edge.Config) { c.ProctorLogPerMin = -1 })
	attempts := []uint64{w.attempt, w.attempt2}
	tokens := map[uint64]string{w.attempt: w.cand.Token, w.attempt2: w.cand2.Token}
	rec := platformtest.DialWS(t, w.p.URL, w.rec.Token, -1)
	if m := subscribe(t, rec, "assessment_id", w.assessmentID); m.Type != "proctor.snapshot" {
		t.Fatalf("subscribe: %s %s", m.Type, m.Data)
	}
	const perBatch, batches = 3, 90
	next := map[uint64]int{} // attempt -> last seq sent
	send := func(from, to int) {
		for b := from; b < to; b++ {
			for _, a := range attempts {
				var evs []map[string]any
				for range perBatch {
					next[a]++
					evs = append(evs, signal(next[a], events.SigCopy, nil))
				}
				w.must(w.log(tokens[a], a, evs...), 202)
			}
		}
	}
	handled := func(p *platformtest.WorkerProcess) float64 {
		return p.Counter(t, "hirebus_proctor_events_total", "outcome", "new")
	}

	first := w.p.StartWorkerProcess(t, "proctor")
	send(0, 30)
	testutil.Eventually(t, 20*time.Second, func() bool { return handled(first) > 0 }, "the first worker process handled nothing")
	second := w.p.StartWorkerProcess(t, "proctor")
	send(30, 60)
	byFirst := handled(first)
	first.Kill() // with commands of both attempts likely in flight
	send(60, batches)

	want := perBatch * batches
	got := map[uint64][]uint64{}
	received := func() int { return len(got[w.attempt]) + len(got[w.attempt2]) }
	deadline := time.Now().Add(60 * time.Second)
	for received() < 2*want && time.Now().Before(deadline) {
		m, ok := tryNext(rec, time.Until(deadline))
		if !ok {
			break
		}
		if m.Type != events.EvtProctorUpdate {
			continue
		}
		var up events.ProctorUpdate
		if err := json.Unmarshal(m.Data, &up); err != nil {
			t.Fatal(err)
		}
		for _, e := range up.Events {
			got[up.AttemptID] = append(got[up.AttemptID], *e.Seq)
		}
	}
	if handled(second) == 0 {
		t.Fatal("the second worker process handled nothing")
	}
	t.Logf("signals handled: %.0f by the first process before it was killed, %.0f by the second; %.0f duplicates (redelivered) seen by the second",
		byFirst, handled(second), second.Counter(t, "hirebus_proctor_events_total", "outcome", "duplicate"))
	for _, a := range attempts {
		seqs := got[a]
		for i, s := range seqs {
			if s != uint64(i+1) {
				t.Fatalf("attempt %d: the feed's signal %d has seq %d (want every seq once, in order): %v", a, i, s, seqs)
			}
		}
		if len(seqs) != want {
			t.Fatalf("attempt %d: the feed carried %d of %d signals", a, len(seqs), want)
		}
		var tl struct {
			Events []struct{ Seq uint64 }
		}
		r := w.do("GET", fmt.Sprintf("/api/proctor/attempts/%d/timeline", a), w.rec.Token, nil)
		if r.Status != 200 {
			t.Fatalf("timeline: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &tl)
		if len(tl.Events) != want {
			t.Fatalf("attempt %d: %d events stored, want %d", a, len(tl.Events), want)
		}
		for i, e := range tl.Events {
			if e.Seq != uint64(i+1) {
				t.Fatalf("attempt %d: stored event %d has seq %d: handled out of order", a, i, e.Seq)
			}
		}
	}
}
