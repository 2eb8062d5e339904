package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/domain/reports"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/workers/report"
	"github.com/hirebus/hirebus/workers/score"
)

// A recruiter opens a candidate's report from the assessment's results: the
// server-drawn charts (score breakdown, per-question results, proctor
// timeline with its flags, the cohort) show with their text alternatives,
// print media hides the page's own controls, a new version can be
// generated from the page, and the job's candidates compare side by side.
// The candidate sees their own report once released, without the
// company-only sections.
func TestReportInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	b := newBrowser(t)
	p := platformtest.Start(t, platformtest.Options{})
	p.StartProctorWorker(t)
	h := &report.Handler{Reports: &reports.Service{DB: p.DB}, Relay: p.Relay, Log: p.Log}
	sw, err := score.New(score.Config{Also: map[string]events.Handler{events.CmdReportGenerate: h.Handle}},
		score.Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log})
	if err != nil {
		t.Fatal(err)
	}
	p.Go(sw.Run)

	recU, candU, company, job, app := assessSetup(t, p)
	must := func(r platformtest.Response, status int) map[string]any {
		t.Helper()
		if r.Status != status {
			t.Fatalf("%d, want %d: %s", r.Status, status, r.Body)
		}
		return r.Map(t)
	}
	var qs []map[string]any
	for i := 0; i < 8; i++ {
		qs = append(qs, map[string]any{"kind": "mcq", "points": 2, "prompt": fmt.Sprintf("MCQ %d: which is a Go keyword?", i+1), "options": []string{"defer", "finally"}, "correct": []int{0}})
	}
	qs = append(qs, map[string]any{"kind": "text", "points": 5, "prompt": "Explain channels.", "max_length": 500},
		map[string]any{"kind": "text", "points": 5, "prompt": "Explain select.", "max_length": 500})
	a := must(p.Do("POST", "/api/assessments", recU.Token, map[string]any{"company_id": company, "job_id": job, "title": "Backend screen", "duration_minutes": 30,
		"proctoring": map[string]any{"webcam": false, "frame_interval_s": 0, "fullscreen": true}, "questions": qs}), 201)
	aid := int(a["id"].(float64))
	must(p.Do("POST", fmt.Sprintf("/api/assessments/%d/invitations", aid), recU.Token, map[string]any{"application_id": app}), 201)
	attempt := int(must(p.Do("POST", fmt.Sprintf("/api/assessments/%d/start", aid), candU.Token,
		map[string]any{"consent": true, "consent_version": assess.ConsentVersion}), 201)["id"].(float64))
	var text []int
	for i, q := range a["questions"].([]any) {
		qid := int(q.(map[string]any)["id"].(float64))
		body := map[string]any{"choices": []int{i % 3 % 2}}
		if i >= 8 {
			body = map[string]any{"text": "They pass values between goroutines."}
			text = append(text, qid)
		}
		must(p.Do("PUT", fmt.Sprintf("/api/attempts/%d/answers/%d", attempt, qid), candU.Token, body), 200)
	}
	now := time.Now().UTC()
	var sigs []any
	for i := 1; i <= 40; i++ {
		typ, data := "window_blur", map[string]any{}
		switch i % 4 {
		case 1:
			typ = "tab_hidden"
		case 2:
			typ, data = "tab_visible", map[string]any{"duration_ms": 2000}
		case 3:
			typ, data = "paste", map[string]any{"length": 300, "target": "code"}
		}
		sigs = append(sigs, map[string]any{"seq": i, "type": typ, "at": now.Add(time.Duration(i) * time.Second).Format(time.RFC3339Nano), "data": data})
	}
	must(p.Do("POST", "/api/proctor/log", candU.Token, map[string]any{"attempt_id": attempt, "events": sigs}), 202)
	testutil.Eventually(t, 30*time.Second, func() bool {
		r := p.Do("GET", fmt.Sprintf("/api/proctor/attempts/%d/timeline", attempt), recU.Token, nil)
		return r.Status == 200 && len(r.Map(t)["events"].([]any)) == 40
	}, "the proctoring events")
	must(p.Do("POST", fmt.Sprintf("/api/assessments/%d/submit", aid), candU.Token, nil), 202)
	for _, q := range text {
		must(p.Do("PUT", fmt.Sprintf("/api/attempts/%d/answers/%d/score", attempt, q), recU.Token, map[string]any{"score": 4}), 200)
	}
	c := schemaChecker{spec: loadSpec(t)}
	check := func(method, doc, path, token string, body any, status int) map[string]any {
		t.Helper()
		r := p.Do(method, path, token, body)
		if r.Status != status {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Status, status, r.Body)
		}
		c.expect(t, method, doc, status, r.Body)
		return r.Map(t)
	}
	reportPath := fmt.Sprintf("/api/reports/candidate/%d?attempt_id=%d", candU.ID, attempt)
	check("GET", "/api/reports/candidate/{id}", reportPath, recU.Token, nil, 404)
	op := check("POST", "/api/reports/generate", "/api/reports/generate", recU.Token, map[string]any{"attempt_id": attempt}, 202)
	if done := p.WaitOp(recU.Token, op["op_id"].(string), 30*time.Second); done["status"] != "done" {
		t.Fatalf("generate: %v", done)
	}
	// The answers of every report route match docs/openapi.yaml.
	check("GET", "/api/reports/candidate/{id}", reportPath, recU.Token, nil, 200)
	check("GET", "/api/reports/candidate/{id}", reportPath, candU.Token, nil, 403)
	check("GET", "/api/reports/attempts/{id}/versions", fmt.Sprintf("/api/reports/attempts/%d/versions", attempt), recU.Token, nil, 200)
	check("GET", "/api/reports/compare", fmt.Sprintf("/api/reports/compare?job_id=%d", job), recU.Token, nil, 200)

	rec, cand := tabs(t, b)
	t.Run("recruiter reads the report with its charts", func(t *testing.T) {
		signIn(t, rec.ctx, p.URL, recU, "recruiter", fmt.Sprintf("/assess.html#/results/%d", aid))
		rec.waitJS(t, 30*time.Second, `document.querySelector("#res-rows a[href^='/report.html#attempt=']")`, "the report link in the results")
		rec.do(t, chromedp.Click(chromedp.CSS("#res-rows a[href^='/report.html#attempt=']")))
		rec.waitJS(t, 30*time.Second, `document.querySelector("#report-doc[data-loaded] #report")`, "the report")
		charts := eval[[]string](t, rec, `[...document.querySelectorAll("#report svg[role=img]")].map(s => s.id + ":" + s.querySelector("title").textContent + ":" + (s.querySelector("desc").textContent.length > 10))`)
		for _, want := range []string{"chart-sections:Score by section:true", "chart-questions:Score per question:true", "chart-timeline:Proctoring timeline:true", "chart-cohort:Distribution of the cohort's scores:true"} {
			if !contains(charts, want) {
				t.Errorf("chart %q missing: %v", want, charts)
			}
		}
		// Every chart is labelled by its title and description.
		if n := eval[int](t, rec, `[...document.querySelectorAll("#report svg[role=img]")].filter(s => (s.getAttribute("aria-labelledby")||"").split(" ").every(id => document.getElementById(id))).length`); n != 4 {
			t.Errorf("%d charts with resolvable aria-labelledby, want 4", n)
		}
		if n := eval[int](t, rec, `document.querySelectorAll("#table-questions tbody tr").length`); n != 10 {
			t.Errorf("%d question rows, want 10", n)
		}
		if got := eval[string](t, rec, `document.querySelector("#kpi-score b").textContent`); got != "18 / 26" {
			t.Errorf("score %q, want 18 / 26", got)
		}
		if n := eval[int](t, rec, `document.querySelectorAll("#chart-timeline rect[height='30'][width='1']").length`); n == 0 {
			t.Errorf("no event on the timeline strip")
		}
		if !eval[bool](t, rec, `document.querySelectorAll("#table-flags tbody tr").length > 0 && !/No flags/.test(document.querySelector("#table-flags").textContent)`) {
			t.Errorf("no flag listed")
		}
		if !eval[bool](t, rec, `!!document.querySelector("#h-interviews")`) {
			t.Errorf("the company's view lacks the scorecards section")
		}
		screenshot(t, rec.ctx, "report-recruiter.png")
	})
	t.Run("print media hides the page's controls", func(t *testing.T) {
		media(t, rec, "print")
		if got := eval[string](t, rec, `getComputedStyle(document.querySelector("#report-bar")).display + "," + getComputedStyle(document.querySelector(".topbar")).display`); got != "none,none" {
			t.Errorf("in print the controls show: %s", got)
		}
		screenshot(t, rec.ctx, "report-print.png")
		media(t, rec, "")
	})
	t.Run("generate a new version from the page", func(t *testing.T) {
		rec.do(t, chromedp.Click(chromedp.CSS("#report-generate")))
		rec.waitJS(t, 60*time.Second, `document.querySelector("#report[data-version='2']")`, "version 2")
		if n := eval[int](t, rec, `document.querySelectorAll("#report-version option").length`); n != 2 {
			t.Errorf("%d versions listed", n)
		}
		rec.do(t, chromedp.SetValue(chromedp.CSS("#report-version"), "1"))
		eval[bool](t, rec, `document.querySelector("#report-version").dispatchEvent(new Event("change"))`)
		rec.waitJS(t, 30*time.Second, `document.querySelector("#report[data-version='1']")`, "version 1 again")
	})
	t.Run("compare the job's candidates", func(t *testing.T) {
		rec.do(t, chromedp.Navigate(fmt.Sprintf("%s/report.html#job=%d", p.URL, job)))
		rec.waitJS(t, 30*time.Second, `document.querySelector("#report-doc[data-loaded] #table-compare")`, "the comparison")
		if got := eval[string](t, rec, `document.querySelector("#table-compare tbody tr th").textContent`); got != candU.Username {
			t.Errorf("first row %q", got)
		}
		screenshot(t, rec.ctx, "report-compare.png")
	})
	t.Run("candidate: not before release, then without company sections", func(t *testing.T) {
		signIn(t, cand.ctx, p.URL, candU, "candidate", fmt.Sprintf("/report.html#attempt=%d", attempt))
		cand.waitJS(t, 30*time.Second, `/not released/.test(document.querySelector("#report-msg").textContent)`, "the not-released message")
		must(p.Do("POST", fmt.Sprintf("/api/attempts/%d/release", attempt), recU.Token, nil), 200)
		check("GET", "/api/reports/candidate/{id}", reportPath, candU.Token, nil, 200)
		cand.do(t, chromedp.Reload())
		cand.waitJS(t, 30*time.Second, `document.querySelector("#report-doc[data-loaded] #report")`, "the candidate's report")
		if got := eval[string](t, cand, `document.querySelector("#report").dataset.audience + "," + !!document.querySelector("#h-interviews") + "," + !!document.querySelector("#h-signals") + "," + getComputedStyle(document.querySelector("#report-generate")).display`); got != "candidate,false,false,none" {
			t.Errorf("candidate's view: %s", got)
		}
		if strings.Contains(eval[string](t, cand, `document.body.textContent`), "Scored review") {
			t.Errorf("the candidate sees the scored review")
		}
		screenshot(t, cand.ctx, "report-candidate.png")
	})
}

// media emulates a CSS media type ("print", or "" for the screen).
func media(t *testing.T, b *browser, m string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m}); err != nil {
		t.Fatalf("emulate %q media: %v", m, err)
	}
}
