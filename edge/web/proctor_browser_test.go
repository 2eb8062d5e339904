package web_test

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	faceworker "github.com/hirebus/hirebus/workers/face"
	"github.com/hirebus/hirebus/workers/face/facetest"
)

// A candidate takes a webcam-proctored assessment with a fake camera showing
// a real face (frames go to the face worker, then into the attempt's
// timeline); the recruiter watches the live grid in a second browser
// context; the candidate switches to another tab and the recruiter's grid
// shows the flag within 1 s. The recruiter then opens the attempt's
// timeline and replays it at 16x.
func TestProctoringInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	if findBrowser() == "" {
		t.Skip("no Chromium found (apt-get install chromium, or set HIREBUS_CHROMIUM): the pages are not driven in a browser")
	}
	pipe, err := face.Load(testutil.ModelsDir(t))
	if err != nil {
		t.Fatal(err)
	}
	// The camera: a webcam-sized photo of a real person from the shared
	// samples, written as a Y4M video Chromium plays as the webcam.
	video := filepath.Join(t.TempDir(), "camera.y4m")
	if err := os.WriteFile(video, y4m(t, facetest.Image(t, facetest.Faces(t)[3], facetest.Variant{Width: 480}), 10), 0o600); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, chromedp.Flag("use-file-for-fake-video-capture", video))
	p := platformtest.Start(t, platformtest.Options{})
	fw, err := faceworker.New(faceworker.Config{}, faceworker.Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log, Embedder: pipe})
	if err != nil {
		t.Fatal(err)
	}
	p.Go(fw.Run)
	p.StartProctorWorker(t)

	recU, candU, company, job, app := assessSetup(t, p)
	_, _ = company, job
	must := func(r platformtest.Response, status int) map[string]any {
		t.Helper()
		if r.Status != status {
			t.Fatalf("%d, want %d: %s", r.Status, status, r.Body)
		}
		return r.Map(t)
	}
	aid := int(must(p.Do("POST", "/api/assessments", recU.Token, map[string]any{"company_id": company, "title": "Proctored screen", "duration_minutes": 30,
		"proctoring": map[string]any{"webcam": true, "frame_interval_s": 5, "fullscreen": false},
		"questions":  []map[string]any{{"kind": "text", "points": 5, "prompt": "Explain channels.", "max_length": 2000}}}), 201)["id"].(float64))
	must(p.Do("POST", fmt.Sprintf("/api/assessments/%d/invitations", aid), recU.Token, map[string]any{"application_id": app}), 201)
	// This company treats a single tab switch as high: one is enough to flag.
	must(p.Do("PUT", fmt.Sprintf("/api/proctor/assessments/%d/rules", aid), recU.Token, map[string]any{
		"overrides": []any{map[string]any{"id": "tab_hidden_often", "threshold": 1}}}), 200)
	attempt := int(must(p.Do("POST", fmt.Sprintf("/api/assessments/%d/start", aid), candU.Token,
		map[string]any{"consent": true, "consent_version": assess.ConsentVersion}), 201)["id"].(float64))

	// Two browser contexts: nothing shared between recruiter and candidate.
	recCtx, cancelRec := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancelRec)
	candCtx, cancelCand := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancelCand)
	for _, ctx := range []context.Context{recCtx, candCtx} {
		if err := chromedp.Do(ctx); err != nil { // the first action starts the context: no timeout on it
			t.Fatal(err)
		}
	}
	rec, cand := &browser{ctx: recCtx}, &browser{ctx: candCtx}

	signIn(t, rec.ctx, p.URL, recU, "recruiter", fmt.Sprintf("/proctor.html#/live/%d", aid))
	rec.waitJS(t, 20*time.Second, fmt.Sprintf(`document.querySelector("#live-state").dataset.state === "live" && !!document.querySelector("#grid [data-attempt='%d']")`, attempt), "the live grid with the attempt")
	auditA11y(t, rec, "proctor-grid")

	signIn(t, cand.ctx, p.URL, candU, "candidate", fmt.Sprintf("/assess.html#/take/%d", aid))
	cand.waitJS(t, 20*time.Second, fmt.Sprintf(`window.hbProctorSignals && window.hbProctorSignals.attempt() === %d && document.visibilityState === "visible"`, attempt), "the taking page sending signals")
	cand.waitJS(t, 20*time.Second, `document.querySelector("#proctor-video").videoWidth > 0`, "the webcam")
	auditA11y(t, cand, "proctor-candidate-taking")
	// A checked frame shows up in the attempt's timeline (face worker -> proctor worker).
	testutil.Eventually(t, 45*time.Second, func() bool {
		r := p.Do("GET", fmt.Sprintf("/api/proctor/attempts/%d/timeline", attempt), recU.Token, nil)
		return r.Status == 200 && bytes.Contains(r.Body, []byte(`"frame.ok"`))
	}, "no webcam frame of the candidate checked")
	if eval[bool](t, rec, fmt.Sprintf(`document.querySelector("#grid [data-attempt='%d']").dataset.flagged === "1"`, attempt)) {
		t.Fatal("flagged before anything happened")
	}
	screenshot(t, rec.ctx, "proctor-grid-before.png")

	// The candidate switches to another tab. Both pages note the moment on
	// the same machine's clock: the taking page when it is hidden, the
	// recruiter's grid when the row shows the flag.
	eval[bool](t, cand, `document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden" && !window.hiddenAt) window.hiddenAt = Date.now(); }); true`)
	eval[bool](t, rec, fmt.Sprintf(`new MutationObserver(() => { const r = document.querySelector("#grid [data-attempt='%d']"); if (r && r.dataset.flagged === "1" && !window.flaggedAt) window.flaggedAt = Date.now(); }).observe(document.querySelector("#grid"), {subtree: true, childList: true, attributes: true}); true`, attempt))
	otherTab, cancelOther := chromedp.NewContext(cand.ctx)
	t.Cleanup(cancelOther)
	if err := chromedp.Do(otherTab); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(otherTab, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(otherTab, page.BringToFront, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	// Headless Chromium gives every tab its own window, so the new tab does
	// not cover the taking page: the browser then minimises the candidate's
	// window, which hides the page for real (visibilitychange fires).
	if !waitEval(cand, 1*time.Second, `document.visibilityState === "hidden"`) {
		setWindowState(t, cand, cdpbrowser.WindowStateMinimized)
	}
	cand.waitJS(t, 5*time.Second, `document.visibilityState === "hidden"`, "the taking page hidden behind the other tab")
	rec.waitJS(t, 10*time.Second, `!!window.flaggedAt`, "the flag on the recruiter's grid")
	took := time.Duration(eval[float64](t, rec, `window.flaggedAt`)-eval[float64](t, cand, `window.hiddenAt`)) * time.Millisecond
	t.Logf("tab hidden -> flag on the recruiter's grid: %s", took)
	screenshot(t, rec.ctx, "proctor-grid-flagged.png")
	auditA11y(t, rec, "proctor-grid-flagged")
	if took > time.Second {
		t.Errorf("the flag took %s to reach the recruiter's grid, want within 1 s", took)
	}
	if got := eval[string](t, rec, fmt.Sprintf(`document.querySelector("#grid [data-attempt='%d']").closest("tr").querySelector(".flag").textContent`, attempt)); got != "high · tab hidden often" {
		t.Errorf("latest flag %q", got)
	}

	// Back to the test; then the recruiter replays the attempt.
	setWindowState(t, cand, cdpbrowser.WindowStateNormal)
	if _, err := chromedp.Call(cand.ctx, page.BringToFront, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	cand.waitJS(t, 5*time.Second, `document.visibilityState === "visible"`, "the taking page visible again")
	rec.do(t, chromedp.Navigate(fmt.Sprintf("%s/proctor.html#/attempt/%d", p.URL, attempt)))
	rec.waitJS(t, 20*time.Second, `document.querySelectorAll("#timeline li").length >= 2 && document.querySelector("#violations [data-rule=tab_hidden_often]")`, "the timeline with the violation")
	if !waitEval(rec, 20*time.Second, `[...document.querySelectorAll("#timeline li")].some(li => li.textContent.includes("tab visible"))`) {
		r := p.Do("GET", fmt.Sprintf("/api/proctor/attempts/%d/timeline", attempt), recU.Token, nil)
		t.Fatalf("the return to the tab is not in the timeline: %s; page queue %v", r.Body, eval[float64](t, cand, `window.hbProctorSignals.pending()`))
	}
	setJS(t, rec, "#scrub", "0")
	rec.waitJS(t, 5*time.Second, `document.querySelector("#replay-score").textContent === "100" && document.querySelector("#replay-count").textContent === "0"`, "the replay at the start (score 100)")
	setJS(t, rec, "#speed", "16")
	rec.do(t, chromedp.Click(chromedp.CSS("#play")))
	rec.waitJS(t, 30*time.Second, `document.querySelector("#play").textContent === "Play" && document.querySelector("#replay-score").textContent === "75"`, "the replay at 16x reaching the flag")
	screenshot(t, rec.ctx, "proctor-timeline.png")
	auditA11y(t, rec, "proctor-timeline")
	colourScheme(t, rec, "dark")
	rec.waitJS(t, 5*time.Second, `getComputedStyle(document.body).backgroundColor === "rgb(18, 21, 27)"`, "the dark scheme applied")
	auditA11y(t, rec, "proctor-timeline-dark")
	colourScheme(t, rec, "light")
	rec.do(t, chromedp.Navigate(p.URL+"/proctor.html#/"))
	rec.waitJS(t, 20*time.Second, `document.querySelector("#home-rows a[href='#/live/`+fmt.Sprint(aid)+`']")`, "the company's assessments")
	auditA11y(t, rec, "proctor-home")
}

// y4m turns a JPEG into an uncompressed 4:2:0 Y4M video of n identical
// frames (Chromium's --use-file-for-fake-video-capture format).
func y4m(t *testing.T, jpg []byte, n int) []byte {
	t.Helper()
	img, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		t.Fatal(err)
	}
	r := img.Bounds()
	w, h := r.Dx()&^1, r.Dy()&^1
	yp := make([]byte, w*h)
	up := make([]byte, w*h/4)
	vp := make([]byte, w*h/4)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			cr, cg, cb, _ := img.At(r.Min.X+x, r.Min.Y+y).RGBA()
			yy, u, v := color.RGBToYCbCr(uint8(cr>>8), uint8(cg>>8), uint8(cb>>8))
			yp[y*w+x] = yy
			if x%2 == 0 && y%2 == 0 {
				up[(y/2)*(w/2)+x/2], vp[(y/2)*(w/2)+x/2] = u, v
			}
		}
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n", w, h)
	for i := 0; i < n; i++ {
		out.WriteString("FRAME\n")
		out.Write(yp)
		out.Write(up)
		out.Write(vp)
	}
	return out.Bytes()
}

// waitEval polls a JS condition until it holds or timeout; no failure.
func waitEval(b *browser, timeout time.Duration, expr string) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// setWindowState minimises or restores the window of b's tab.
func setWindowState(t *testing.T, b *browser, state cdpbrowser.WindowState) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	win, err := chromedp.Call(ctx, cdpbrowser.GetWindowForTarget, cdpbrowser.GetWindowForTargetParams{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, cdpbrowser.SetWindowBounds, cdpbrowser.SetWindowBoundsParams{WindowID: win.WindowID, Bounds: &cdpbrowser.Bounds{WindowState: state}}); err != nil {
		t.Fatal(err)
	}
}
