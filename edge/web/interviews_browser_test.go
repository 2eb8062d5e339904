package web_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/hirebus/hirebus/internal/platformtest"
)

// A recruiter schedules an interview from the scheduling page, then the
// recruiter and the candidate — two Chromium instances with fake camera and
// microphone — join the room: both RTCPeerConnections reach "connected",
// each page plays the other's video (videoWidth > 0), and a chat message
// goes from the candidate to the recruiter and back.
func TestInterviewRoomInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	p := platformtest.Start(t, platformtest.Options{})
	recU, candU := p.Register("roomrec", "recruiter"), p.Register("roomcand", "candidate")
	must := func(r platformtest.Response, status int) map[string]any {
		t.Helper()
		if r.Status != status {
			t.Fatalf("%d %s, want %d", r.Status, r.Body, status)
		}
		return r.Map(t)
	}
	co := must(p.Do("POST", "/api/companies", recU.Token, map[string]any{"name": "Room Corp"}), 201)
	job := must(p.Do("POST", "/api/jobs", recU.Token, map[string]any{"company_id": co["id"], "title": "WebRTC engineer",
		"description": "Build **video**.", "status": "open", "skills": []string{"go"}}), 201)
	app := must(p.Do("POST", "/api/applications", candU.Token, map[string]any{"job_id": job["id"]}), 201)
	appID := uint64(app["id"].(float64))

	// Two browsers: each has its own fake camera.
	rec, cand := newBrowser(t), newBrowser(t)

	t.Run("recruiter schedules from the applications board", func(t *testing.T) {
		signIn(t, rec.ctx, p.URL, recU, "recruiter", "/hiring.html#/board")
		rec.waitJS(t, 20*time.Second, fmt.Sprintf(`document.querySelector(".app-card[data-app='%d'] strong")`, appID), "the application on the board")
		rec.do(t, chromedp.Click(chromedp.CSS(fmt.Sprintf(".app-card[data-app='%d'] strong", appID))))
		rec.waitJS(t, 10*time.Second, fmt.Sprintf(`document.querySelector("[data-schedule='%d']")`, appID), "the schedule button")
		rec.do(t, chromedp.Click(chromedp.CSS(fmt.Sprintf("[data-schedule='%d']", appID))))
		rec.waitJS(t, 20*time.Second, fmt.Sprintf(`location.pathname === "/interviews.html" && location.hash === "#/schedule/%d"`, appID), "the scheduling page")
		rec.waitJS(t, 20*time.Second, fmt.Sprintf(`document.querySelector("#sched-app").value === "%d" && document.querySelector("#sched-interviewers input:checked")`, appID), "the form with the application and me as interviewer")
		// Two minutes from now, in the browser's own zone (datetime-local).
		eval[bool](t, rec, `(function () { function p(n) { return (n < 10 ? "0" : "") + n; } var x = new Date(Date.now() + 120000);
			var e = document.querySelector("#sched-start");
			e.value = x.getFullYear() + "-" + p(x.getMonth() + 1) + "-" + p(x.getDate()) + "T" + p(x.getHours()) + ":" + p(x.getMinutes());
			e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true}));
			return true; })()`)
		setJS(t, rec, "#sched-duration", "30")
		rec.do(t, chromedp.Click(chromedp.CSS("#sched-save")))
		rec.waitJS(t, 20*time.Second, `document.querySelector("#iv-list [data-join]") && document.querySelector("#iv-list").textContent.includes("30 min") && document.querySelector("#sched-msg").textContent.includes("Scheduled")`, "the interview in my list")
		screenshot(t, rec.ctx, "interview-schedule.png")
		auditA11y(t, rec, "interviews-schedule")
		// Move opens a dialog with the interview's time; Escape leaves it as it was.
		rec.do(t, chromedp.Click(chromedp.CSS("#iv-list .actions button")))
		rec.waitJS(t, 10*time.Second, `document.querySelector("#move-dialog").open && document.querySelector("#move-duration").value === "30"`, "the move dialog")
		auditA11y(t, rec, "interviews-move-dialog")
		rec.do(t, chromedp.KeyEvent(kb.Escape))
		rec.waitJS(t, 10*time.Second, `!document.querySelector("#move-dialog").open && document.activeElement === document.querySelector("#iv-list .actions button")`, "the dialog closed, the focus back on Move")
		// Upcoming and Past are tabs: arrow keys move between them.
		rec.do(t, chromedp.Focus(chromedp.CSS("#iv-tab-upcoming")), chromedp.KeyEvent(kb.ArrowRight))
		rec.waitJS(t, 10*time.Second, `document.activeElement.id === "iv-tab-past" && document.activeElement.getAttribute("aria-selected") === "true" && document.querySelector("#iv-list").textContent.includes("No interviews in the last 90 days")`, "the Past tab, empty")
		auditA11y(t, rec, "interviews-past")
		rec.do(t, chromedp.KeyEvent(kb.ArrowLeft))
		rec.waitJS(t, 10*time.Second, `document.activeElement.id === "iv-tab-upcoming" && document.querySelector("#iv-list [data-join]")`, "back on Upcoming")
	})
	t.Run("both join; video flows both ways; chat round-trips", func(t *testing.T) {
		rec.do(t, chromedp.Click(chromedp.CSS("#iv-list [data-join]")))
		// The candidate follows the invitation mail's link, which marks the interview.
		ivID := eval[string](t, rec, `document.querySelector("#iv-list [data-join]") ? document.querySelector("#iv-list [data-join]").dataset.join : location.hash.split("/")[2]`)
		signIn(t, cand.ctx, p.URL, candU, "candidate", "/interviews.html#interview="+ivID)
		cand.waitJS(t, 20*time.Second, fmt.Sprintf(`document.querySelector("#iv-list [data-join='%s']") && document.activeElement === document.querySelector("[data-interview='%s']")`, ivID, ivID), "the candidate's interview, marked")
		auditA11y(t, cand, "interviews-schedule-candidate")
		cand.do(t, chromedp.Click(chromedp.CSS("#iv-list [data-join]")))
		connected := `Object.keys(hbRoom.pcs).length === 1 && Object.values(hbRoom.pcs).every(function (p) { return p.pc.connectionState === "connected"; })`
		frames := `Array.prototype.some.call(document.querySelectorAll("video.remote"), function (v) { return v.videoWidth > 0; })`
		for _, b := range []*browser{rec, cand} {
			b.waitJS(t, 45*time.Second, connected, "a connected RTCPeerConnection")
			b.waitJS(t, 30*time.Second, frames, "frames of the remote video")
		}
		cand.do(t, chromedp.SendKeys(chromedp.CSS("#chat-text"), "Hello from the candidate"), chromedp.Click(chromedp.CSS("#chat-form button")))
		rec.waitJS(t, 15*time.Second, `document.querySelector("#chat-log").textContent.includes("Hello from the candidate")`, "the candidate's message")
		rec.do(t, chromedp.SendKeys(chromedp.CSS("#chat-text"), "Welcome!"), chromedp.Click(chromedp.CSS("#chat-form button")))
		cand.waitJS(t, 15*time.Second, `document.querySelector("#chat-log").textContent.includes("Welcome!")`, "the recruiter's answer")
		rec.waitJS(t, 10*time.Second, `document.querySelector("#notes-card") && document.querySelectorAll("#notes-criteria tr").length === 2`, "the notes panel")
		rec.do(t, chromedp.SendKeys(chromedp.CSS("#notes-text"), "Clear answers."), chromedp.Click(chromedp.CSS("#notes-save")))
		rec.waitJS(t, 10*time.Second, `document.querySelector("#notes-msg").textContent.includes("Saved")`, "the notes saved")
		if !eval[bool](t, cand, `document.querySelector("#room-title").textContent.includes("WebRTC engineer") && !document.querySelector("#notes-card, #notes-text")`) {
			t.Fatal("the candidate sees the notes panel")
		}
		screenshot(t, rec.ctx, "interview-room-recruiter.png")
		screenshot(t, cand.ctx, "interview-room-candidate.png")
		auditA11y(t, rec, "interviews-room-recruiter")
		auditA11y(t, cand, "interviews-room-candidate")
		colourScheme(t, rec, "dark")
		auditA11y(t, rec, "interviews-room-recruiter-dark")
		colourScheme(t, rec, "light")
	})
}
