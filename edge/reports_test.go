package edge_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/reports"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/workers/report"
	"github.com/hirebus/hirebus/workers/score"
)

// startReportWorker runs the score role as the binary wires it: the score
// worker (without a sandbox: its analysers are "not available") that also
// takes cmd.score.report.
func startReportWorker(t testing.TB, p *platformtest.Platform) {
	t.Helper()
	h := &report.Handler{Reports: &reports.Service{DB: p.DB}, Relay: p.Relay, Log: p.Log}
	sw, err := score.New(score.Config{Concurrency: 2, Also: map[string]events.Handler{events.CmdReportGenerate: h.Handle}},
		score.Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log})
	if err != nil {
		t.Fatal(err)
	}
	p.Go(sw.Run)
}

// reportWorld: an MCQ assessment of Acme's job; cand scored 2 of 4, cand2
// 4 of 4, both submitted (graded at once); cand sent proctoring signals.
type reportWorld struct {
	*aw
	assessmentID, attempt, attempt2 uint64
}

func startReports(t *testing.T) *reportWorld {
	t.Helper()
	p := platformtest.Start(t, platformtest.Options{})
	p.StartProctorWorker(t)
	startReportWorker(t, p)
	w := &reportWorld{aw: startAssess(t, p)}
	id, qs := w.assessment("mcq", "mcq")
	w.assessmentID = id
	w.attempt = w.start(id, w.cand.Token)
	w.attempt2 = w.start(id, w.cand2.Token)
	answer := func(att, q uint64, tok string, choice int) {
		w.must(w.do("PUT", fmt.Sprintf("/api/attempts/%d/answers/%d", att, q), tok, map[string]any{"choices": []int{choice}}), 200)
	}
	answer(w.attempt, qs[0], w.cand.Token, 0)
	answer(w.attempt, qs[1], w.cand.Token, 1)
	answer(w.attempt2, qs[0], w.cand2.Token, 0)
	answer(w.attempt2, qs[1], w.cand2.Token, 0)
	w.must(w.do("POST", "/api/proctor/log", w.cand.Token, map[string]any{"attempt_id": w.attempt, "events": []any{
		signal(1, events.SigTabHidden, nil), signal(2, events.SigTabVisible, map[string]any{"duration_ms": 1500}),
		signal(3, events.SigPaste, map[string]any{"length": 400, "target": "code"})}}), 202)
	// The proctor worker has handled the signals before the submission.
	testutil.Eventually(t, 30*time.Second, func() bool {
		r := w.do("GET", fmt.Sprintf("/api/proctor/attempts/%d/timeline", w.attempt), w.rec.Token, nil)
		return r.Status == 200 && len(r.Map(t)["events"].([]any)) == 3
	}, "the proctoring signals in the timeline")
	w.must(w.do("POST", fmt.Sprintf("/api/assessments/%d/submit", id), w.cand.Token, nil), 202)
	w.must(w.do("POST", fmt.Sprintf("/api/assessments/%d/submit", id), w.cand2.Token, nil), 202)
	return w
}

// generate asks for a report as tok and waits for its operation.
func (w *reportWorld) generate(tok string, attempt uint64) map[string]any {
	w.t.Helper()
	m := w.must(w.do("POST", "/api/reports/generate", tok, map[string]any{"attempt_id": attempt}), 202)
	op := w.p.WaitOp(tok, m["op_id"].(string), 30*time.Second)
	if op["status"] != "done" {
		w.t.Fatalf("generate: %v", op)
	}
	return op["result"].(map[string]any)
}

func (w *reportWorld) reportPath(candidate, attempt uint64, extra string) string {
	return fmt.Sprintf("/api/reports/candidate/%d?attempt_id=%d%s", candidate, attempt, extra)
}

// TestReportsAccessMatrix: every report route × every kind of caller,
// before and after the results are released; the candidate's view has no
// company-only section.
func TestReportsAccessMatrix(t *testing.T) {
	w := startReports(t)
	w.generate(w.rec.Token, w.attempt)
	type route struct {
		name          string
		method, path  string
		body          any
		before, after []int // in the order of assessPrincipals, before and after release
	}
	get := func(name, path string, before, after []int) route {
		return route{name: name, method: "GET", path: path, before: before, after: after}
	}
	// anonymous, candidate, another candidate, candidate not invited, other company, viewer, recruiter, owner
	readable := []int{401, 403, 404, 404, 404, 200, 200, 200}
	released := []int{401, 200, 404, 404, 404, 200, 200, 200}
	routes := []route{
		get("GET candidate report JSON", w.reportPath(w.cand.ID, w.attempt, ""), readable, released),
		get("GET candidate report (all attempts)", fmt.Sprintf("/api/reports/candidate/%d", w.cand.ID), readable, released),
		get("GET candidate report HTML", w.reportPath(w.cand.ID, w.attempt, "&format=html"), readable, released),
		get("GET candidate report PDF", w.reportPath(w.cand.ID, w.attempt, "&format=pdf"), readable, released),
		get("GET report versions", fmt.Sprintf("/api/reports/attempts/%d/versions", w.attempt), readable, released),
		get("GET compare", fmt.Sprintf("/api/reports/compare?job_id=%d", w.job), []int{401, 404, 404, 404, 404, 200, 200, 200}, []int{401, 404, 404, 404, 404, 200, 200, 200}),
		get("GET compare HTML", fmt.Sprintf("/api/reports/compare?job_id=%d&format=html", w.job), []int{401, 404, 404, 404, 404, 200, 200, 200}, []int{401, 404, 404, 404, 404, 200, 200, 200}),
		{name: "POST generate", method: "POST", path: "/api/reports/generate", body: map[string]any{"attempt_id": w.attempt},
			before: []int{401, 404, 404, 404, 404, 403, 202, 202}, after: []int{401, 404, 404, 404, 404, 403, 202, 202}},
	}
	check := func(phase string, want func(route) []int) {
		for _, rt := range routes {
			for i, who := range assessPrincipals {
				t.Run(phase+"/"+rt.name+"/"+who, func(t *testing.T) {
					r := w.do(rt.method, rt.path, w.tokens[who], rt.body)
					if r.Status != want(rt)[i] {
						t.Fatalf("%s %s as %s: %d, want %d: %s", rt.method, rt.path, who, r.Status, want(rt)[i], r.Body)
					}
					if r.Status >= 400 && !strings.Contains(string(r.Body), `"code"`) {
						t.Errorf("error without a code: %s", r.Body)
					}
				})
			}
		}
	}
	check("before release", func(r route) []int { return r.before })
	if code := w.do("GET", w.reportPath(w.cand.ID, w.attempt, ""), w.cand.Token, nil).ErrorCode(); code != "results_not_released" {
		t.Errorf("candidate before release: code %q", code)
	}
	w.must(w.do("POST", fmt.Sprintf("/api/attempts/%d/release", w.attempt), w.rec.Token, nil), 200)
	check("after release", func(r route) []int { return r.after })

	t.Run("the candidate's view has no company-only section", func(t *testing.T) {
		r := w.do("GET", w.reportPath(w.cand.ID, w.attempt, ""), w.cand.Token, nil)
		var body struct {
			Reports []map[string]any `json:"reports"`
		}
		r.JSON(t, &body)
		if len(body.Reports) != 1 {
			t.Fatalf("reports: %s", r.Body)
		}
		rep := body.Reports[0]
		if rep["audience"] != "candidate" {
			t.Errorf("audience %v", rep["audience"])
		}
		for _, k := range []string{"interviews", "ai_signals", "review", "generated_by"} {
			if _, ok := rep[k]; ok {
				t.Errorf("candidate sees %s", k)
			}
		}
		html := w.do("GET", w.reportPath(w.cand.ID, w.attempt, "&format=html"), w.cand.Token, nil)
		if strings.Contains(string(html.Body), "Interview scorecards") || strings.Contains(string(html.Body), "code signals") {
			t.Errorf("candidate's HTML shows company-only sections")
		}
		comp := w.do("GET", w.reportPath(w.cand.ID, w.attempt, "&format=html"), w.rec.Token, nil)
		if !strings.Contains(string(comp.Body), "Interview scorecards") {
			t.Errorf("company's HTML lacks the scorecards section")
		}
	})
	t.Run("another candidate's id does not reveal this one's report", func(t *testing.T) {
		if r := w.do("GET", w.reportPath(w.cand2.ID, w.attempt, ""), w.rec.Token, nil); r.Status != 404 {
			t.Errorf("attempt of cand under cand2's id: %d %s", r.Status, r.Body)
		}
	})
}

// TestReportContentAndVersions: the snapshot's numbers, versions (a new
// one per generate, the old ones readable), Idempotency-Key, no snapshot
// yet, and bad input.
func TestReportContentAndVersions(t *testing.T) {
	w := startReports(t)
	t.Run("no snapshot yet", func(t *testing.T) {
		r := w.do("GET", w.reportPath(w.cand.ID, w.attempt, ""), w.rec.Token, nil)
		if r.Status != 404 || r.ErrorCode() != "report_not_generated" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	// An interview of cand's application with the recruiter's scorecard
	// (issue 14: scorecards feed the candidate report).
	iv := w.must(w.do("POST", "/api/interviews", w.rec.Token, map[string]any{"application_id": w.app,
		"starts_at": time.Now().Add(time.Hour).Truncate(time.Second).Format(time.RFC3339), "duration_minutes": 30,
		"interviewers": []uint64{w.rec.ID}, "kind": "live"}), 201)
	w.must(w.do("PUT", fmt.Sprintf("/api/interviews/%d/feedback", w.id(iv)), w.rec.Token, map[string]any{"notes": "private: solid on channels",
		"scorecard": []map[string]any{{"name": "Go", "score": 4}, {"name": "Design", "score": 3, "comment": "ok"}}, "recommendation": "yes"}), 200)
	res := w.generate(w.rec.Token, w.attempt)
	if res["version"].(float64) != 1 {
		t.Fatalf("first version %v", res)
	}
	w.generate(w.rec.Token, w.attempt2)
	read := func(extra string) map[string]any {
		t.Helper()
		r := w.must(w.do("GET", w.reportPath(w.cand.ID, w.attempt, extra), w.owner.Token, nil), 200)
		return r["reports"].([]any)[0].(map[string]any)
	}
	rep := read("")
	t.Run("numbers", func(t *testing.T) {
		if rep["score"].(float64) != 2 || rep["max_score"].(float64) != 4 || rep["percent"].(float64) != 50 {
			t.Errorf("score %v / %v (%v%%)", rep["score"], rep["max_score"], rep["percent"])
		}
		qs := rep["questions"].([]any)
		if len(qs) != 2 || qs[0].(map[string]any)["right"] != true || qs[1].(map[string]any)["right"] != false {
			t.Errorf("questions %v", qs)
		}
		secs := rep["sections"].([]any)
		if len(secs) != 1 || secs[0].(map[string]any)["kind"] != "mcq" || secs[0].(map[string]any)["score"].(float64) != 2 {
			t.Errorf("sections %v", secs)
		}
		pr := rep["proctor"].(map[string]any)
		if pr["events"].(float64) != 3 || len(pr["timeline"].([]any)) != 3 || len(pr["violations"].([]any)) == 0 || pr["trust_score"].(float64) >= 100 {
			t.Errorf("proctor %v", pr)
		}
		co := rep["cohort"].(map[string]any)
		// Two graded attempts (50% and 100%): this one has one of two below
		// it counting ties half → 25th percentile.
		if co["graded"].(float64) != 2 || co["percentile"].(float64) != 25 {
			t.Errorf("cohort %v", co)
		}
		ivs := rep["interviews"].([]any)
		if len(ivs) != 1 {
			t.Fatalf("interviews %v", ivs)
		}
		fb := ivs[0].(map[string]any)["feedback"].([]any)
		if len(fb) != 1 || fb[0].(map[string]any)["recommendation"] != "yes" || len(fb[0].(map[string]any)["scorecard"].([]any)) != 2 {
			t.Errorf("feedback %v", fb)
		}
		tm := rep["time"].(map[string]any)
		if tm["allowed_seconds"].(float64) != 1800 || tm["submitted_by"] != "candidate" {
			t.Errorf("time %v", tm)
		}
	})
	t.Run("a new version per generate, old ones kept", func(t *testing.T) {
		w.generate(w.rec.Token, w.attempt)
		if v := read("")["version"].(float64); v != 2 {
			t.Errorf("latest version %v", v)
		}
		if v := read("&version=1")["version"].(float64); v != 1 {
			t.Errorf("version 1: %v", v)
		}
		vs := w.must(w.do("GET", fmt.Sprintf("/api/reports/attempts/%d/versions", w.attempt), w.viewer.Token, nil), 200)["versions"].([]any)
		if len(vs) != 2 {
			t.Errorf("versions %v", vs)
		}
		if r := w.do("GET", w.reportPath(w.cand.ID, w.attempt, "&version=9"), w.rec.Token, nil); r.Status != 404 {
			t.Errorf("missing version: %d", r.Status)
		}
	})
	t.Run("Idempotency-Key: one operation, one version", func(t *testing.T) {
		hdr := map[string]string{"Idempotency-Key": "gen-" + fmt.Sprint(time.Now().UnixNano())}
		body := js(map[string]any{"attempt_id": w.attempt})
		r1 := req(t, "POST", w.p.URL+"/api/reports/generate", w.rec.Token, "application/json", body, hdr)
		r2 := req(t, "POST", w.p.URL+"/api/reports/generate", w.rec.Token, "application/json", body, hdr)
		if r1.Status != 202 || r2.Status != 202 {
			t.Fatalf("%d %s / %d %s", r1.Status, r1.Body, r2.Status, r2.Body)
		}
		op1, op2 := r1.Map(t)["op_id"], r2.Map(t)["op_id"]
		if op1 != op2 {
			t.Fatalf("two operations %v %v", op1, op2)
		}
		w.p.WaitOp(w.rec.Token, op1.(string), 30*time.Second)
		if v := read("")["version"].(float64); v != 3 {
			t.Errorf("after a keyed retry: version %v, want 3", v)
		}
	})
	t.Run("compare ranks the job's candidates", func(t *testing.T) {
		m := w.must(w.do("GET", fmt.Sprintf("/api/reports/compare?job_id=%d", w.job), w.viewer.Token, nil), 200)
		rows := m["rows"].([]any)
		if len(rows) != 2 || uint64(rows[0].(map[string]any)["attempt_id"].(float64)) != w.attempt2 {
			t.Fatalf("rows %v", rows)
		}
		if r := rows[1].(map[string]any); r["mean_scorecard"].(float64) != 3.5 || len(r["recommendations"].([]any)) != 1 {
			t.Errorf("cand's row %v", r)
		}
	})
	t.Run("PDF", func(t *testing.T) {
		r := w.do("GET", w.reportPath(w.cand.ID, w.attempt, "&format=pdf"), w.rec.Token, nil)
		if r.Status != 200 || !bytes.HasPrefix(r.Body, []byte("%PDF-")) || len(r.Body) < 2000 {
			t.Errorf("pdf: %d, %d bytes", r.Status, len(r.Body))
		}
	})
	t.Run("the score worker's review in a later version", func(t *testing.T) {
		// The scorer reviews the graded attempt on its own (cmd.score.graded);
		// a report generated after that carries its review.
		var rep map[string]any
		testutil.Eventually(t, 60*time.Second, func() bool {
			w.generate(w.rec.Token, w.attempt)
			rep = read("")
			return rep["review"] != nil
		}, "a report with the scored review")
		rv := rep["review"].(map[string]any)
		if rv["skill_score"].(float64) != 50 || rv["llm"].(map[string]any)["status"] != "off" {
			t.Errorf("review %v", rv)
		}
		if _, ok := rep["ai_signals"]; !ok {
			t.Errorf("no ai_signals in the company's view")
		}
		html := w.do("GET", w.reportPath(w.cand.ID, w.attempt, "&format=html"), w.rec.Token, nil)
		if !strings.Contains(string(html.Body), "Rubric skill score <b>50 / 100</b>") {
			t.Errorf("HTML lacks the rubric's skill score")
		}
	})
	t.Run("bad input", func(t *testing.T) {
		for _, c := range []struct {
			method, path string
			body         any
			status       int
			code         string
		}{
			{"POST", "/api/reports/generate", map[string]any{}, 400, "invalid_attempt_id"},
			{"POST", "/api/reports/generate", map[string]any{"attempt_id": "x"}, 400, ""},
			{"POST", "/api/reports/generate", map[string]any{"attempt_id": 1, "extra": 1}, 400, ""},
			{"POST", "/api/reports/generate", map[string]any{"attempt_id": 999999}, 404, "not_found"},
			{"GET", "/api/reports/candidate/abc", nil, 400, "bad_id"},
			{"GET", w.reportPath(w.cand.ID, w.attempt, "&format=xml"), nil, 400, "bad_format"},
			{"GET", w.reportPath(w.cand.ID, w.attempt, "&version=0"), nil, 400, "bad_version"},
			{"GET", fmt.Sprintf("/api/reports/candidate/%d?version=1", w.cand.ID), nil, 400, "attempt_id_required"},
			{"GET", "/api/reports/compare", nil, 400, "job_id_required"},
			{"GET", "/api/reports/compare?job_id=999999", nil, 404, "not_found"},
		} {
			r := w.do(c.method, c.path, w.rec.Token, c.body)
			if r.Status != c.status || (c.code != "" && r.ErrorCode() != c.code) {
				t.Errorf("%s %s %v: %d %s, want %d %s", c.method, c.path, c.body, r.Status, r.Body, c.status, c.code)
			}
		}
	})
	t.Run("an attempt still being taken", func(t *testing.T) {
		id := w.id(w.must(w.do("POST", "/api/assessments", w.rec.Token, w.body(30, "mcq")), 201))
		w.must(w.do("POST", fmt.Sprintf("/api/assessments/%d/invitations", id), w.rec.Token, map[string]any{"application_id": w.app3}), 201)
		att := w.start(id, w.cand3.Token)
		r := w.do("POST", "/api/reports/generate", w.rec.Token, map[string]any{"attempt_id": att})
		if r.Status != 409 || r.ErrorCode() != string(events.CodeReportNotSubmitted) {
			t.Errorf("%d %s", r.Status, r.Body)
		}
	})
}
