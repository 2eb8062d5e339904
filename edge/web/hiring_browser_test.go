package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/mailbox"
)

// screenshot saves a full-page PNG as a test artifact: into
// HIREBUS_SCREENSHOTS when set, else the test's artifact directory (kept
// with `go test -artifacts`).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("HIREBUS_SCREENSHOTS")
	if dir == "" {
		dir = t.ArtifactDir()
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	shot, err := chromedp.Run(cctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), shot, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}

// signIn puts a session into the tab's sessionStorage, as the sign-in page
// does, and opens path.
func signIn(t *testing.T, ctx context.Context, base string, u platformtest.User, role, path string) {
	t.Helper()
	user, _ := json.Marshal(map[string]any{"id": u.ID, "username": u.Username, "email": u.Email, "role": role})
	tab := &browser{ctx: ctx}
	tab.do(t, chromedp.Navigate(base+"/docs"))
	eval[bool](t, tab, fmt.Sprintf(`sessionStorage.setItem("hirebus.token", %q); sessionStorage.setItem("hirebus.user", %q); true`, u.Token, user))
	tab.do(t, chromedp.Navigate(base+path))
}

// A recruiter sets up a company and posts a job, a candidate finds it and
// applies with a résumé, the recruiter moves the application to screening on
// the board, and the candidate's open page shows the notification (bell and
// timeline) without a reload.
func TestHiringInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	b := newBrowser(t)
	p := platformtest.Start(t, platformtest.Options{})
	recU, candU := p.Register("browserrec", "recruiter"), p.Register("browsercand", "candidate")

	// Two tabs of one browser: sessionStorage (the token) is per tab.
	recCtx, cancelRec := chromedp.NewContext(b.ctx)
	defer cancelRec()
	candCtx, cancelCand := chromedp.NewContext(b.ctx)
	defer cancelCand()
	rec, cand := &browser{ctx: recCtx}, &browser{ctx: candCtx}
	// The first action opens the tab; it must not carry a timeout, which
	// would close the tab when it ends.
	for _, ctx := range []context.Context{recCtx, candCtx} {
		if err := chromedp.Do(ctx); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("recruiter creates a company and posts a job", func(t *testing.T) {
		signIn(t, recCtx, p.URL, recU, "recruiter", "/hiring.html#/company")
		rec.do(t,
			chromedp.WaitVisible(chromedp.CSS("#co-name")),
		)
		rec.waitJS(t, 20*time.Second, `document.querySelector("#co-none")`, "the no-company state")
		auditA11y(t, rec, "hiring-company-empty")
		rec.do(t,
			chromedp.SendKeys(chromedp.CSS("#co-name"), "Browser Corp"),
			chromedp.Click(chromedp.CSS("#co-form button[type=submit]")),
		)
		rec.waitJS(t, 20*time.Second, `document.querySelector("#co-select").textContent.includes("Browser Corp (owner)")`, "the new company")
		rec.waitJS(t, 20*time.Second, `document.querySelectorAll("#members tbody tr").length === 1`, "the owner in the members list")
		auditA11y(t, rec, "hiring-company")
		rec.do(t,
			chromedp.SendKeys(chromedp.CSS("#inv-email"), "colleague@example.com"),
			chromedp.Click(chromedp.CSS("#inv-form button[type=submit]")),
		)
		rec.waitJS(t, 20*time.Second, `document.querySelector("#inv-msg").textContent.includes("Invitation sent")`, "the invitation confirmation")
		if _, err := p.Mailbox.WaitFor("colleague@example.com", 10*time.Second, func(mailbox.Mail) bool { return true }); err != nil {
			t.Fatalf("invitation mail: %v", err)
		}
		screenshot(t, recCtx, "hiring-company.png")
		rec.do(t,
			chromedp.Navigate(p.URL+"/hiring.html#/manage"),
			chromedp.WaitVisible(chromedp.CSS("#je-title")),
			chromedp.SendKeys(chromedp.CSS("#je-title"), "Gopher wrangler"),
			chromedp.SendKeys(chromedp.CSS("#je-location"), "Lisbon"),
		)
		// A required field left empty is refused in the page, said next to
		// the field, and focused.
		rec.do(t, chromedp.Click(chromedp.CSS("#je-save")))
		rec.waitJS(t, 10*time.Second, `document.activeElement && document.activeElement.id === "je-desc" && document.querySelector("#je-desc").getAttribute("aria-invalid") === "true"`, "the missing description flagged and focused")
		setJS(t, rec, "#je-remote", "hybrid")
		rec.do(t,
			chromedp.SendKeys(chromedp.CSS("#je-desc"), "Tame **gophers** in production."),
			chromedp.SendKeys(chromedp.CSS("#je-skills"), "go, mysql"),
			chromedp.Click(chromedp.CSS("#je-save")),
		)
		rec.waitJS(t, 20*time.Second, `document.querySelector("#manage-jobs").textContent.includes("Gopher wrangler")`, "the job in the postings list")
		rec.waitJS(t, 10*time.Second, `document.querySelector("#je-heading").textContent === "Edit: Gopher wrangler" && document.querySelector("#je-remote").value === "hybrid"`, "the saved job in the editor")
		screenshot(t, recCtx, "hiring-recruiter-jobs.png")
		auditA11y(t, rec, "hiring-manage")
	})

	pdf := filepath.Join(t.TempDir(), "cv.pdf")
	if err := os.WriteFile(pdf, []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	notPDF := filepath.Join(t.TempDir(), "cv.txt")
	if err := os.WriteFile(notPDF, []byte("plain text, not a PDF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("candidate searches and applies", func(t *testing.T) {
		signIn(t, candCtx, p.URL, candU, "candidate", "/hiring.html#/jobs")
		cand.do(t,
			chromedp.WaitVisible(chromedp.CSS("#job-q")),
			chromedp.SendKeys(chromedp.CSS("#job-q"), "gopher"),
			chromedp.Click(chromedp.CSS("#job-search button[type=submit]")),
		)
		cand.waitJS(t, 20*time.Second, `document.querySelector("#job-list").getAttribute("aria-busy") === "false" && document.querySelectorAll("#job-list li").length === 1 && document.querySelector("#job-list").textContent.includes("Gopher wrangler") && document.querySelector("#job-list").textContent.includes("hybrid")`, "the search result")
		auditA11y(t, cand, "hiring-jobs")
		cand.do(t,
			chromedp.Click(chromedp.CSS("#job-list li a.title")),
			chromedp.WaitVisible(chromedp.CSS("#apply-cover")),
		)
		cand.waitJS(t, 10*time.Second, `document.querySelector("#job-desc strong") && document.querySelector("#job-desc strong").textContent === "gophers"`, "the rendered description")
		screenshot(t, candCtx, "hiring-candidate-job.png")
		auditA11y(t, cand, "hiring-job")
		// A résumé that is not a PDF is refused in the page, next to the field.
		cand.do(t,
			chromedp.SetUploadFiles(chromedp.CSS("#apply-resume"), []string{notPDF}),
			chromedp.Click(chromedp.CSS("#apply-btn")),
		)
		cand.waitJS(t, 10*time.Second, `document.querySelector("#apply-resume").getAttribute("aria-invalid") === "true" && document.querySelector("#apply-resume-err").textContent.includes("PDF") && document.activeElement.id === "apply-resume"`, "the wrong résumé flagged")
		if eval[bool](t, cand, `location.hash !== "#/job/" + location.hash.split("/")[2]`) {
			t.Fatal("the page applied with a wrong résumé")
		}
		cand.do(t,
			chromedp.SendKeys(chromedp.CSS("#apply-cover"), "I have wrangled many gophers."),
			chromedp.SetUploadFiles(chromedp.CSS("#apply-resume"), []string{pdf}),
			chromedp.Click(chromedp.CSS("#apply-btn")),
		)
		cand.waitJS(t, 20*time.Second, `location.hash === "#/my" && document.querySelector("#my-apps [data-status=applied]")`, "my applications with the new one")
		cand.waitJS(t, 10*time.Second, `document.querySelector("#my-apps .tl li")`, "the timeline")
		auditA11y(t, cand, "hiring-my")
		// Withdraw asks first, in a dialog; Escape keeps the application.
		cand.do(t, chromedp.Click(chromedp.CSS("#my-apps [data-app] button")))
		cand.waitJS(t, 10*time.Second, `document.querySelector("dialog[open] [data-confirm=ok]") && document.querySelector("dialog[open]").textContent.includes("Gopher wrangler")`, "the withdraw confirmation")
		auditA11y(t, cand, "hiring-withdraw-confirm")
		cand.do(t, chromedp.KeyEvent(kb.Escape))
		cand.waitJS(t, 10*time.Second, `!document.querySelector("dialog[open]") && document.activeElement === document.querySelector("#my-apps [data-app] button")`, "the dialog closed, the focus back on Withdraw")
		if !eval[bool](t, cand, `!!document.querySelector("#my-apps [data-status=applied]")`) {
			t.Fatal("the application changed after Escape on the confirmation")
		}
	})
	loadedAt := eval[float64](t, cand, `window.hbLoadedAt`)

	t.Run("recruiter moves it to screening; the candidate sees it live", func(t *testing.T) {
		rec.waitJS(t, 20*time.Second, `document.querySelector("#bell-count").textContent === "1"`, "the recruiter's new-application notification")
		rec.do(t, chromedp.Navigate(p.URL+"/hiring.html#/board"))
		rec.waitJS(t, 20*time.Second, `document.querySelector("[data-col=applied] .board-card button[data-to=screening]")`, "the application on the board")
		screenshot(t, recCtx, "hiring-board-before.png")
		auditA11y(t, rec, "hiring-board")
		rec.do(t, chromedp.Click(chromedp.CSS("[data-col=applied] .board-card button[data-to=screening]")))
		rec.waitJS(t, 20*time.Second, `document.querySelector("[data-col=screening] .app-card")`, "the card in the screening column")
		rec.do(t, chromedp.Click(chromedp.CSS("[data-col=screening] .app-card strong")))
		rec.waitJS(t, 10*time.Second, `document.querySelector("#board-detail").open && document.querySelectorAll("#bd-history li").length === 2`, "the application's history")
		screenshot(t, recCtx, "hiring-board-after.png")
		auditA11y(t, rec, "hiring-board-detail")

		cand.waitJS(t, 20*time.Second, `document.querySelector("#bell-count").textContent === "1"`, "the bell to count the notification")
		cand.waitJS(t, 20*time.Second, `document.querySelector("#my-apps [data-status=screening]")`, "the new status on the open page")
		cand.do(t, chromedp.Click(chromedp.CSS("#bell")))
		cand.waitJS(t, 10*time.Second, `document.querySelector("#notif-list li.unread") && document.querySelector("#notif-list").textContent.includes("screening")`, "the notification in the bell panel")
		screenshot(t, candCtx, "hiring-candidate-notified.png")
		auditA11y(t, cand, "hiring-bell")
		// The panel has the focus; Escape closes it and gives the focus back to the bell.
		cand.waitJS(t, 5*time.Second, `document.querySelector("#bell-panel").contains(document.activeElement)`, "the focus in the bell panel")
		cand.do(t, chromedp.KeyEvent(kb.Escape))
		cand.waitJS(t, 5*time.Second, `document.querySelector("#bell-panel").classList.contains("hidden") && document.activeElement.id === "bell" && document.querySelector("#bell").getAttribute("aria-expanded") === "false"`, "the bell panel closed")
		if now := eval[float64](t, cand, `window.hbLoadedAt`); now != loadedAt {
			t.Fatalf("the candidate's page reloaded (%v != %v)", now, loadedAt)
		}
	})

	// Keyboard only: Tab to the card's move button, Enter moves it; the
	// focus follows the card into its new column; Enter opens its details,
	// Escape closes them and gives the focus back to the card.
	t.Run("recruiter moves an application with the keyboard", func(t *testing.T) {
		rec.do(t, chromedp.Reload())
		rec.waitJS(t, 20*time.Second, `document.querySelector("[data-col=screening] .board-card button[data-to=assessment]")`, "the card in screening")
		rec.tabTo(t, "[data-col=screening] .board-card button[data-to=assessment]", 40)
		rec.do(t, chromedp.KeyEvent("\r"))
		rec.waitJS(t, 20*time.Second, `document.querySelector("[data-col=assessment] .app-card")`, "the card in assessment")
		rec.waitJS(t, 20*time.Second, `document.activeElement === document.querySelector("[data-col=assessment] .app-card .card-open")`, "the card in assessment, focused")
		rec.do(t, chromedp.KeyEvent("\r"))
		rec.waitJS(t, 10*time.Second, `document.querySelector("#board-detail").open && document.querySelector("#board-detail").contains(document.activeElement)`, "the details dialog with the focus")
		rec.waitJS(t, 10*time.Second, `document.querySelectorAll("#bd-history li").length === 3`, "the keyboard move in the history")
		rec.do(t, chromedp.KeyEvent(kb.Escape))
		rec.waitJS(t, 10*time.Second, `!document.querySelector("#board-detail").open && document.activeElement === document.querySelector("[data-col=assessment] .app-card .card-open")`, "the focus back on the card")
		screenshot(t, recCtx, "hiring-board-keyboard.png")
		cand.waitJS(t, 20*time.Second, `document.querySelector("#my-apps [data-status=assessment]")`, "the candidate's page to show the move")
	})

	// Phone width: the pages do not scroll sideways (the board scrolls
	// inside its own focusable region) and still pass the audit.
	t.Run("phone width", func(t *testing.T) {
		for _, tc := range []struct {
			b          *browser
			hash, wait string
		}{
			{cand, "#/jobs", `document.querySelector("#job-list li")`},
			{cand, "#/my", `document.querySelector("#my-apps .tl li")`},
			{rec, "#/board", `document.querySelector("[data-col=assessment] .app-card")`},
		} {
			tc.b.do(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(p.URL+"/hiring.html"+tc.hash), chromedp.Reload())
			tc.b.waitJS(t, 20*time.Second, tc.wait, tc.hash+" at 390 px")
			if w := eval[int](t, tc.b, `document.documentElement.scrollWidth`); w > 390 {
				t.Errorf("%s is %d px wide at 390 px: it scrolls sideways", tc.hash, w)
			}
			auditA11y(t, tc.b, "hiring-390-"+tc.hash[2:])
		}
	})

	t.Run("dark colour scheme", func(t *testing.T) {
		for _, tc := range []struct {
			b          *browser
			hash, wait string
		}{
			{cand, "#/my", `document.querySelector("#my-apps .tl li")`},
			{rec, "#/board", `document.querySelector("[data-col=assessment] .app-card")`},
			{rec, "#/manage", `document.querySelector("#manage-jobs tbody tr")`},
		} {
			colourScheme(t, tc.b, "dark")
			tc.b.do(t, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(p.URL+"/hiring.html"+tc.hash), chromedp.Reload())
			tc.b.waitJS(t, 20*time.Second, tc.wait, tc.hash+" in the dark scheme")
			if bg := eval[string](t, tc.b, `getComputedStyle(document.body).backgroundColor`); bg != "rgb(18, 21, 27)" {
				t.Fatalf("body background %q: the dark scheme is not applied", bg)
			}
			auditA11y(t, tc.b, "hiring-dark-"+tc.hash[2:])
		}
		colourScheme(t, cand, "light")
		colourScheme(t, rec, "light")
	})
}

// colourScheme emulates prefers-color-scheme (dark or light) in b.
func colourScheme(t *testing.T, b *browser, value string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: value}},
	}); err != nil {
		t.Fatalf("emulate %s: %v", value, err)
	}
}
