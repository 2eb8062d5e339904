package web_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/workers/code/codetest"
)

// assessSetup: a recruiter's company with an open job, a candidate who
// applied, and the deadline sweeper running.
func assessSetup(t *testing.T, p *platformtest.Platform) (rec, cand platformtest.User, company, job, app int) {
	t.Helper()
	rec, cand = p.Register("brec", "recruiter"), p.Register("bcand", "candidate")
	must := func(r platformtest.Response, status int) int {
		t.Helper()
		if r.Status != status {
			t.Fatalf("%d, want %d: %s", r.Status, status, r.Body)
		}
		return int(r.Map(t)["id"].(float64))
	}
	company = must(p.Do("POST", "/api/companies", rec.Token, map[string]string{"name": "Assess Corp"}), 201)
	job = must(p.Do("POST", "/api/jobs", rec.Token, map[string]any{"company_id": company, "title": "Backend engineer", "description": "Go.", "status": "open"}), 201)
	app = must(p.Do("POST", "/api/applications", cand.Token, map[string]any{"job_id": job}), 201)
	sw := &assess.Sweeper{Service: &assess.Service{DB: p.DB, Relay: p.Relay}, Interval: 500 * time.Millisecond, Log: platformtest.Logger()}
	p.Go(sw.Run)
	return
}

func tabs(t *testing.T, b *browser) (*browser, *browser) {
	t.Helper()
	recCtx, cancelRec := chromedp.NewContext(b.ctx)
	t.Cleanup(cancelRec)
	candCtx, cancelCand := chromedp.NewContext(b.ctx)
	t.Cleanup(cancelCand)
	for _, ctx := range []context.Context{recCtx, candCtx} {
		if err := chromedp.Do(ctx); err != nil {
			t.Fatal(err)
		}
	}
	return &browser{ctx: recCtx}, &browser{ctx: candCtx}
}

// setJS sets a form control's value and fires the events a user's edit
// would (input and change).
func setJS(t *testing.T, b *browser, sel, value string) {
	t.Helper()
	eval[bool](t, b, fmt.Sprintf(`(function(){var e=document.querySelector(%q); e.value=%q; e.dispatchEvent(new Event("input",{bubbles:true})); e.dispatchEvent(new Event("change",{bubbles:true})); return true})()`, sel, value))
}

// A recruiter builds an assessment (one MCQ, one coding problem) in the
// builder and invites the applicant from the applications board; the
// candidate reads the rules, consents, answers the MCQ, solves the problem
// in the editor (Run, autosave), submits with confirmation; the server
// grades the code through the code worker; the recruiter sees the result
// and releases it; the candidate sees the score.
func TestAssessmentInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	b := newBrowser(t)
	e := codetest.Start(t)
	e.StartWorker(t, codetest.Options{})
	recU, candU, _, _, _ := assessSetup(t, e.Platform)
	rec, cand := tabs(t, b)

	t.Run("recruiter builds the assessment", func(t *testing.T) {
		signIn(t, rec.ctx, e.URL, recU, "recruiter", "/assess.html#/build")
		rec.do(t, chromedp.WaitVisible(chromedp.CSS("#b-title")))
		rec.waitJS(t, 20*time.Second, `document.querySelectorAll("#q-problem option").length > 0 && document.querySelectorAll("#b-job option").length > 1`, "problems and jobs loaded")
		setJS(t, rec, "#b-title", "Go screen")
		setJS(t, rec, "#b-duration", "30")
		setJS(t, rec, "#b-job", eval[string](t, rec, `document.querySelectorAll("#b-job option")[1].value`))
		setJS(t, rec, "#q-kind", "mcq")
		setJS(t, rec, "#q-points", "2")
		setJS(t, rec, "#q-prompt", "Which keyword runs a function when the surrounding one returns?")
		setJS(t, rec, "#q-options", "defer\nfinally\nensure")
		setJS(t, rec, "#q-correct", "1")
		rec.do(t, chromedp.Click(chromedp.CSS("#q-add")))
		setJS(t, rec, "#q-kind", "code")
		setJS(t, rec, "#q-points", "10")
		fizz := eval[string](t, rec, `Array.from(document.querySelectorAll("#q-problem option")).filter(o => o.text.startsWith("FizzBuzz"))[0].value`)
		setJS(t, rec, "#q-problem", fizz)
		setJS(t, rec, "#q-langs", "python")
		rec.do(t, chromedp.Click(chromedp.CSS("#q-add")))
		rec.waitJS(t, 5*time.Second, `document.querySelectorAll("#b-questions li").length === 2`, "two questions in the draft")
		screenshot(t, rec.ctx, "assess-builder.png")
		rec.do(t, chromedp.Click(chromedp.CSS("#b-save")))
		rec.waitJS(t, 20*time.Second, `location.hash.startsWith("#/results/") && document.querySelector("#res-title").textContent.includes("Go screen")`, "the results page of the new assessment")
	})

	t.Run("recruiter invites from the applications board", func(t *testing.T) {
		rec.do(t, chromedp.Navigate(e.URL+"/hiring.html#/board"))
		rec.waitJS(t, 20*time.Second, `document.querySelector("[data-col=applied] .app-card strong")`, "the application on the board")
		rec.do(t, chromedp.Click(chromedp.CSS("[data-col=applied] .app-card strong")))
		rec.waitJS(t, 20*time.Second, `document.querySelector("#bd-assess option") && !document.querySelector("#bd-invite").disabled`, "the assessments to invite to")
		rec.do(t, chromedp.Click(chromedp.CSS("#bd-invite")))
		rec.waitJS(t, 20*time.Second, `document.querySelector("[data-col=assessment] .app-card")`, "the card in the assessment column")
		screenshot(t, rec.ctx, "assess-board-invited.png")
	})

	var assessmentID string
	t.Run("candidate takes it", func(t *testing.T) {
		signIn(t, cand.ctx, e.URL, candU, "candidate", "/assess.html#/mine")
		cand.waitJS(t, 20*time.Second, `document.querySelector("#mine-list li [data-status=invited]")`, "the invitation in my assessments")
		assessmentID = eval[string](t, cand, `document.querySelector("#mine-list li").dataset.assessment`)
		cand.do(t, chromedp.Click(chromedp.CSS("#mine-list li a")))
		cand.waitJS(t, 20*time.Second, `document.querySelector("#lobby-consent").textContent.includes("terms version")`, "the lobby's consent text")
		if eval[bool](t, cand, `!document.querySelector("#lobby-start").disabled`) {
			t.Fatal("start is enabled before consent")
		}
		screenshot(t, cand.ctx, "assess-lobby.png")
		cand.do(t, chromedp.Click(chromedp.CSS("#lobby-agree")), chromedp.Click(chromedp.CSS("#lobby-start")))
		cand.waitJS(t, 20*time.Second, `location.hash.startsWith("#/take/") && Number(document.querySelector("#countdown").dataset.remaining) > 1700`, "the taking page with the server's countdown")
		cand.do(t, chromedp.Click(chromedp.CSS(`#question input[data-option="0"]`)))
		cand.waitJS(t, 20*time.Second, `document.querySelector("#save-state").dataset.state === "saved"`, "the MCQ autosaved")
		cand.do(t, chromedp.Click(chromedp.CSS(`#navigator [data-q="2"]`)))
		cand.waitJS(t, 20*time.Second, `document.querySelector("#answer-lang") && document.querySelector("#answer-lang").value === "python" && document.querySelector("#answer-stdin").value !== ""`, "the editor with the problem")
		setJS(t, cand, "#answer-code", codetest.SeedSolution(t, "fizzbuzz", "python.py"))
		// The code shows in the editor (editor.js), the textarea under it hidden.
		cand.waitJS(t, 20*time.Second, `document.querySelector("#answer-editor .cm-content") && document.querySelector("#answer-editor .cm-content").textContent.includes("FizzBuzz") && document.querySelector("#answer-code").classList.contains("hidden")`, "the solution in the code editor")
		cand.do(t, chromedp.Click(chromedp.CSS("#run-btn")))
		cand.waitJS(t, 90*time.Second, `document.querySelector("#run-output").dataset.verdict === "OK"`, "the Run output")
		cand.waitJS(t, 20*time.Second, `document.querySelector("#save-state").dataset.state === "saved" && document.querySelector("#save-state").textContent.includes("v")`, "the code autosaved")
		screenshot(t, cand.ctx, "assess-taking.png")
		cand.do(t, chromedp.Click(chromedp.CSS("#submit-btn")))
		cand.waitJS(t, 5*time.Second, `!document.querySelector("#confirm-box").classList.contains("hidden")`, "the confirmation")
		cand.do(t, chromedp.Click(chromedp.CSS("#confirm-yes")))
		cand.waitJS(t, 20*time.Second, `location.hash.startsWith("#/result/") && document.querySelector("#result-status").textContent.includes("release")`, "the submitted page")
	})

	t.Run("graded through the code worker, released, seen by the candidate", func(t *testing.T) {
		rec.do(t, chromedp.Navigate(e.URL+"/assess.html#/results/"+assessmentID))
		rec.waitJS(t, 120*time.Second, `(function(){ if (!document.querySelector("#res-rows tr[data-status=graded]")) { location.reload(); return false } return true })()`, "the attempt graded")
		rec.do(t, chromedp.Click(chromedp.CSS("#res-rows tr button")))
		rec.waitJS(t, 20*time.Second, `document.querySelector("#rd-title").textContent.includes("12 / 12") && document.querySelector("#rd-body").textContent.includes("Verdict AC")`, "full marks with the code verdict")
		screenshot(t, rec.ctx, "assess-results.png")
		rec.do(t, chromedp.Click(chromedp.CSS("#release-btn")))
		cand.waitJS(t, 30*time.Second, `document.querySelector("#result-status").textContent.includes("Your score: 12 / 12") && document.querySelectorAll("#result-rows tr").length === 2`, "the released score")
		screenshot(t, cand.ctx, "assess-candidate-results.png")
	})
}

// A 1-minute assessment left alone: the candidate starts it (webcam frames
// are sent for the attempt) and answers one question, then closes the page; the server submits and grades it when the
// minute is over, and the recruiter's and candidate's pages show it. (The
// API's shortest duration is one minute: the test waits for it.)
func TestAssessmentDeadlineInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	b := newBrowser(t)
	p := platformtest.Start(t, platformtest.Options{})
	recU, candU, company, job, app := assessSetup(t, p)
	r := p.Do("POST", "/api/assessments", recU.Token, map[string]any{"company_id": company, "job_id": job, "title": "One minute", "duration_minutes": 1,
		"proctoring": map[string]any{"webcam": true, "frame_interval_s": 5},
		"questions":  []map[string]any{{"kind": "mcq", "points": 3, "prompt": "2 + 2?", "options": []string{"3", "4"}, "correct": []int{1}}}})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	aid := strconv.Itoa(int(r.Map(t)["id"].(float64)))
	if r := p.Do("POST", "/api/assessments/"+aid+"/invitations", recU.Token, map[string]any{"application_id": app}); r.Status != 201 {
		t.Fatalf("invite: %d %s", r.Status, r.Body)
	}
	rec, cand := tabs(t, b)
	signIn(t, cand.ctx, p.URL, candU, "candidate", "/assess.html#/lobby/"+aid)
	cand.waitJS(t, 20*time.Second, `document.querySelector("#lobby-consent").textContent.includes("terms version")`, "the lobby")
	cand.do(t, chromedp.Click(chromedp.CSS("#lobby-agree")), chromedp.Click(chromedp.CSS("#lobby-start")))
	cand.waitJS(t, 20*time.Second, `location.hash === "#/take/`+aid+`" && Number(document.querySelector("#countdown").dataset.remaining) > 0`, "the taking page")
	cand.do(t, chromedp.Click(chromedp.CSS(`#question input[data-option="1"]`)))
	cand.waitJS(t, 20*time.Second, `document.querySelector("#save-state").dataset.state === "saved"`, "the answer autosaved")
	// Webcam proctoring: the page sends frames of this attempt.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var frames int
		if err := p.DB.Get(&frames, `SELECT COUNT(*) FROM operations WHERE type = 'face_frame_check' AND user_id = ?`, candU.ID); err != nil {
			t.Fatal(err)
		}
		if frames > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no proctoring frame was sent")
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The candidate leaves: nothing in the browser submits from now on.
	cand.do(t, chromedp.Navigate("about:blank"))

	signIn(t, rec.ctx, p.URL, recU, "recruiter", "/assess.html#/results/"+aid)
	rec.waitJS(t, 20*time.Second, `document.querySelector("#res-rows tr[data-status=active]")`, "the active attempt")
	// The page updates live from the assessment.graded push.
	rec.waitJS(t, 100*time.Second, `document.querySelector("#res-rows tr[data-status=graded]") && document.querySelector("#res-rows").textContent.includes("time ran out") && document.querySelector("#res-rows").textContent.includes("3 / 3")`, "the attempt submitted and graded by the server")
	screenshot(t, rec.ctx, "assess-deadline-results.png")
	var by string
	if err := p.DB.Get(&by, `SELECT submitted_by FROM assessment_attempts WHERE assessment_id = ?`, aid); err != nil || by != "deadline" {
		t.Fatalf("submitted_by %q %v", by, err)
	}
	cand.do(t, chromedp.Navigate(p.URL+"/assess.html#/result/"+aid))
	cand.waitJS(t, 20*time.Second, `document.querySelector("#result-status").textContent.includes("when time ran out")`, "the candidate's page")
	screenshot(t, cand.ctx, "assess-deadline-candidate.png")
}
