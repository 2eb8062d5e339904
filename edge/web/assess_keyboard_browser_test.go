package web_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/hirebus/hirebus/internal/platformtest"
)

// shiftTabTo presses Shift+Tab until the element matching sel has the
// focus, at most max times.
func (b *browser) shiftTabTo(t *testing.T, sel string, max int) {
	t.Helper()
	for i := 0; i < max; i++ {
		if eval[bool](t, b, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, sel)) {
			return
		}
		b.do(t, chromedp.KeyEvent("\t", chromedp.KeyModifiers(chromedp.ModifierShift)))
	}
	if !eval[bool](t, b, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, sel)) {
		t.Fatalf("%s not reached with %d Shift+Tab presses (focus on %q)", sel, max, focused(t, b))
	}
}

// A candidate answers and submits an assessment with the keyboard only:
// the invitation link, the consent checkbox and Start; the question tabs
// with the arrow keys; a multiple-choice answer with the arrow keys; a text
// answer typed; Submit and the confirmation dialog, whose confirm button
// has the focus. The saved answers are the ones typed.
func TestAssessmentKeyboardOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	b := newBrowser(t)
	p := platformtest.Start(t, platformtest.Options{})
	recU, candU, company, job, app := assessSetup(t, p)
	r := p.Do("POST", "/api/assessments", recU.Token, map[string]any{"company_id": company, "job_id": job, "title": "Keyboard screen", "duration_minutes": 30,
		"questions": []map[string]any{
			{"kind": "mcq", "points": 2, "prompt": "2 + 2?", "options": []string{"3", "4", "5"}, "correct": []int{1}},
			{"kind": "text", "points": 5, "prompt": "Explain channels.", "max_length": 2000}}})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	aid := strconv.Itoa(int(r.Map(t)["id"].(float64)))
	if r := p.Do("POST", "/api/assessments/"+aid+"/invitations", recU.Token, map[string]any{"application_id": app}); r.Status != 201 {
		t.Fatalf("invite: %d %s", r.Status, r.Body)
	}

	// Without a session the lobby's link leads to the sign-in page, which
	// keeps it to come back to.
	b.do(t, chromedp.Navigate(p.URL+"/assess.html#/lobby/"+aid))
	b.waitJS(t, 20*time.Second, `location.pathname === "/" && new URLSearchParams(location.search).get("next") === "/assess.html#/lobby/`+aid+`"`, "the sign-in page keeping the lobby's link")
	signIn(t, b.ctx, p.URL, candU, "candidate", "/assess.html#/mine")
	b.waitJS(t, 20*time.Second, `document.querySelector("#mine-list a[href^='#/lobby/']")`, "the invitation")
	b.tabTo(t, "#mine-list a[href^='#/lobby/']", 30)
	b.do(t, chromedp.KeyEvent(kb.Enter))
	b.waitJS(t, 20*time.Second, `document.querySelector("#lobby-consent") && document.querySelector("#lobby-consent").textContent.includes("terms version")`, "the lobby")
	b.tabTo(t, "#lobby-agree", 30)
	b.do(t, chromedp.KeyEvent(" "))
	b.waitJS(t, 5*time.Second, `document.querySelector("#lobby-agree").checked && !document.querySelector("#lobby-start").disabled`, "consent given with Space")
	b.tabTo(t, "#lobby-start", 5)
	b.do(t, chromedp.KeyEvent(kb.Enter))
	b.waitJS(t, 20*time.Second, `location.hash === "#/take/`+aid+`" && document.querySelector("#q-1")`, "the taking page")

	// The question tabs: one tab stop, arrow keys move between questions.
	b.tabTo(t, "#q-1", 30)
	b.do(t, chromedp.KeyEvent(kb.ArrowRight))
	b.waitJS(t, 5*time.Second, `document.activeElement.id === "q-2" && document.querySelector("#answer-text")`, "question 2 by ArrowRight")
	b.do(t, chromedp.KeyEvent(kb.ArrowLeft))
	b.waitJS(t, 5*time.Second, `document.activeElement.id === "q-1" && document.querySelector("#question input[data-option]")`, "question 1 by ArrowLeft")

	// The multiple choice: Tab into the group, ArrowDown picks the next option.
	b.tabTo(t, `#question input[data-option="0"]`, 5)
	b.do(t, chromedp.KeyEvent(kb.ArrowDown))
	b.waitJS(t, 5*time.Second, `document.querySelector('#question input[data-option="1"]').checked`, "option 2 chosen with ArrowDown")
	b.waitJS(t, 20*time.Second, `document.querySelector("#save-state").dataset.state === "saved"`, "the choice autosaved")

	// Back to the tabs, on to the text question, type the answer.
	b.shiftTabTo(t, "#q-1", 6)
	b.do(t, chromedp.KeyEvent(kb.ArrowRight))
	b.waitJS(t, 5*time.Second, `document.activeElement.id === "q-2"`, "question 2")
	b.tabTo(t, "#answer-text", 5)
	b.typeKeys(t, "Channels pass values between goroutines.")
	b.waitJS(t, 20*time.Second, `document.querySelector("#save-state").dataset.state === "saved" && document.querySelector("#q-1").textContent.includes("✓") && document.querySelector("#q-2").textContent.includes("✓")`, "the text autosaved, both questions marked answered")
	auditA11y(t, b, "assess-keyboard-taking")
	// At phone width (390 px) the taking page fits without sideways scrolling.
	b.do(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	b.waitJS(t, 5*time.Second, `window.innerWidth === 390`, "the phone viewport")
	if w := eval[int](t, b, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("the taking page is %d px wide at 390 px: it scrolls sideways", w)
	}
	auditA11y(t, b, "assess-taking-390")
	b.do(t, chromedp.EmulateViewport(1280, 900))
	b.waitJS(t, 5*time.Second, `window.innerWidth === 1280`, "the desktop viewport again")
	// In the dark colour scheme too.
	colourScheme(t, b, "dark")
	b.waitJS(t, 5*time.Second, `getComputedStyle(document.body).backgroundColor === "rgb(18, 21, 27)"`, "the dark scheme applied")
	auditA11y(t, b, "assess-taking-dark")
	colourScheme(t, b, "light")

	// Submit: the dialog opens with the focus on its confirm button.
	b.tabTo(t, "#submit-btn", 10)
	b.do(t, chromedp.KeyEvent(kb.Enter))
	b.waitJS(t, 5*time.Second, `document.querySelector("#confirm-box").open && document.activeElement.id === "confirm-yes"`, "the confirmation with the focus on confirm")
	screenshot(t, b.ctx, "assess-keyboard-confirm.png")
	// Escape closes it and gives the focus back to Submit; Enter opens it again.
	b.do(t, chromedp.KeyEvent(kb.Escape))
	b.waitJS(t, 5*time.Second, `!document.querySelector("#confirm-box").open && document.activeElement.id === "submit-btn"`, "Escape closes the dialog, focus back on Submit")
	b.do(t, chromedp.KeyEvent(kb.Enter))
	b.waitJS(t, 5*time.Second, `document.querySelector("#confirm-box").open && document.activeElement.id === "confirm-yes"`, "the confirmation again")
	b.do(t, chromedp.KeyEvent(kb.Enter))
	b.waitJS(t, 20*time.Second, `location.hash === "#/result/`+aid+`" && document.querySelector("#result-status").textContent.includes("release")`, "the submitted page")
	screenshot(t, b.ctx, "assess-keyboard-submitted.png")

	// What was saved is what was typed.
	var attempt int
	if err := p.DB.Get(&attempt, `SELECT id FROM assessment_attempts WHERE assessment_id = ?`, aid); err != nil {
		t.Fatal(err)
	}
	got := p.Do("GET", fmt.Sprintf("/api/attempts/%d", attempt), recU.Token, nil)
	if got.Status != 200 || !strings.Contains(string(got.Body), `"choices":[1]`) || !strings.Contains(string(got.Body), "Channels pass values between goroutines.") || !strings.Contains(string(got.Body), `"status":"`) {
		t.Fatalf("saved attempt: %d %s", got.Status, got.Body)
	}
	if strings.Contains(string(got.Body), `"status":"active"`) {
		t.Fatalf("attempt still active: %s", got.Body)
	}

	// The recruiter scores the text answer in the attempt's dialog: a score
	// above the question's points is refused inline, then 4 of 5 grades the
	// attempt (2 + 4 of 7) and the results can be released.
	signIn(t, b.ctx, p.URL, recU, "recruiter", "/assess.html#/results/"+aid)
	b.waitJS(t, 20*time.Second, `document.querySelector("#res-rows [data-attempt]")`, "the submitted attempt")
	b.do(t, chromedp.Click(chromedp.CSS("#res-rows tbody tr button")))
	b.waitJS(t, 20*time.Second, `document.querySelector("#res-detail").open && document.querySelector("#rd-body [data-score]")`, "the attempt's dialog with the score field")
	setJS(t, b, "#rd-body [data-score]", "7")
	b.do(t, chromedp.Click(chromedp.CSS("#rd-body form button[type=submit]")))
	b.waitJS(t, 5*time.Second, `document.querySelector("#rd-body [data-score]").getAttribute("aria-invalid") === "true" && document.activeElement === document.querySelector("#rd-body [data-score]") && document.querySelector("#rd-body .field-error").textContent.includes("0 to 5")`, "the out-of-range score refused inline, the focus on the field")
	auditA11y(t, b, "assess-score-invalid")
	setJS(t, b, "#rd-body [data-score]", "4")
	b.do(t, chromedp.Click(chromedp.CSS("#rd-body form button[type=submit]")))
	b.waitJS(t, 20*time.Second, `document.querySelector("#rd-title").textContent.includes("graded") && document.querySelector("#rd-title").textContent.includes("6 / 7") && document.querySelector("#release-btn")`, "the attempt graded 6 / 7")
	b.do(t, chromedp.Click(chromedp.CSS("#release-btn")))
	b.waitJS(t, 20*time.Second, `document.querySelector("#rd-body").textContent.includes("Released") && !document.querySelector("#release-btn")`, "the results released")
	screenshot(t, b.ctx, "assess-scored-released.png")
	b.do(t, chromedp.KeyEvent(kb.Escape))
	b.waitJS(t, 5*time.Second, `!document.querySelector("#res-detail").open && document.querySelector("#res-rows").textContent.includes("6 / 7")`, "the dialog closed, the list updated")
}
