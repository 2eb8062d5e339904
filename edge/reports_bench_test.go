package edge_test

import (
	"bytes"
	"fmt"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
)

// BenchmarkCandidateReport: GET /api/reports/candidate/:id for an attempt
// with 10 questions and 2,000 proctoring events (sent through the real
// edge and proctor worker, then a generated snapshot), as JSON, HTML and
// PDF, one request after another through HTTP. It reports p50 and p99 of
// the requests (targets: p99 ≤ 200 ms for JSON and HTML, ≤ 1 s for PDF)
// and the generation time of the snapshot (the worker's Build + Store).
func BenchmarkCandidateReport(b *testing.B) {
	p := platformtest.Start(b, platformtest.Options{})
	p.StartProctorWorker(b)
	startReportWorker(b, p)
	rec, cand := p.Register("brec", "recruiter"), p.Register("bcand", "candidate")
	do := func(method, path, tok string, body any, status int) map[string]any {
		r := p.Do(method, path, tok, body)
		if r.Status != status {
			b.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
		}
		return r.Map(b)
	}
	id := func(m map[string]any) int { return int(m["id"].(float64)) }
	cid := id(do("POST", "/api/companies", rec.Token, map[string]string{"name": "Bench"}, 201))
	job := id(do("POST", "/api/jobs", rec.Token, map[string]any{"company_id": cid, "title": "Job", "description": "x", "status": "open"}, 201))
	app := id(do("POST", "/api/applications", cand.Token, map[string]any{"job_id": job}, 201))
	var qs []map[string]any
	for i := 0; i < 10; i++ {
		qs = append(qs, map[string]any{"kind": "mcq", "points": 1 + i%3, "prompt": fmt.Sprintf("Question %d?", i+1), "options": []string{"a", "b"}, "correct": []int{0}})
	}
	a := do("POST", "/api/assessments", rec.Token, map[string]any{"company_id": cid, "job_id": job, "title": "Bench", "duration_minutes": 120,
		"proctoring": map[string]any{"webcam": false, "frame_interval_s": 0}, "questions": qs}, 201)
	aid := id(a)
	do("POST", fmt.Sprintf("/api/assessments/%d/invitations", aid), rec.Token, map[string]any{"application_id": app}, 201)
	att := id(do("POST", fmt.Sprintf("/api/assessments/%d/start", aid), cand.Token, map[string]any{"consent": true, "consent_version": assess.ConsentVersion}, 201))
	for i, q := range a["questions"].([]any) {
		do("PUT", fmt.Sprintf("/api/attempts/%d/answers/%d", att, id(q.(map[string]any))), cand.Token, map[string]any{"choices": []int{i % 2}}, 200)
	}
	const nEvents = 2000
	kinds := []string{"window_blur", "window_focus", "tab_hidden", "tab_visible", "paste", "copy", "keystrokes"}
	start := time.Now().UTC()
	for seq := 1; seq <= nEvents; {
		var batch []any
		for ; len(batch) < 200 && seq <= nEvents; seq++ {
			k := kinds[seq%len(kinds)]
			data := map[string]any{}
			switch k {
			case "tab_visible":
				data["duration_ms"] = 800
			case "paste", "copy":
				data["length"], data["target"] = 40, "code"
			case "keystrokes":
				data["chars"], data["duration_ms"] = 30, 2000
			}
			batch = append(batch, map[string]any{"seq": seq, "type": k, "at": start.Add(time.Duration(seq) * 100 * time.Millisecond).Format(time.RFC3339Nano), "data": data})
		}
		do("POST", "/api/proctor/log", cand.Token, map[string]any{"attempt_id": att, "events": batch}, 202)
	}
	testutil.Eventually(b, 120*time.Second, func() bool {
		r := p.Do("GET", fmt.Sprintf("/api/proctor/attempts/%d/timeline", att), rec.Token, nil)
		return r.Status == 200 && len(r.Map(b)["events"].([]any)) == nEvents
	}, "the %d proctoring events", nEvents)
	do("POST", fmt.Sprintf("/api/assessments/%d/submit", aid), cand.Token, nil, 202)
	gen := time.Now()
	op := do("POST", "/api/reports/generate", rec.Token, map[string]any{"attempt_id": att}, 202)
	if done := p.WaitOp(rec.Token, op["op_id"].(string), 60*time.Second); done["status"] != "done" {
		b.Fatalf("generate: %v", done)
	}
	genTook := time.Since(gen) // includes the outbox relay's polling (200 ms here)

	for _, format := range []string{"json", "html", "pdf"} {
		b.Run(format, func(b *testing.B) {
			url := fmt.Sprintf("%s/api/reports/candidate/%d?attempt_id=%d&format=%s", p.URL, cand.ID, att, format)
			lat := make([]time.Duration, 0, b.N)
			var size int
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				req, _ := http.NewRequest("GET", url, nil)
				req.Header.Set("Authorization", "Bearer "+rec.Token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				var buf bytes.Buffer
				_, _ = buf.ReadFrom(resp.Body)
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				if resp.StatusCode != 200 {
					b.Fatalf("%s: %d %s", format, resp.StatusCode, buf.Bytes())
				}
				size = buf.Len()
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[(len(lat)*99)/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(size), "bytes")
			b.ReportMetric(float64(genTook.Milliseconds()), "generate-ms")
		})
	}
}
