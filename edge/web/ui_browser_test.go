package web_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/hirebus/hirebus/edge/web"
)

// The shared pieces of ui.js behave as docs/web.md promises, on a harness
// page (testdata/ui) served next to the embedded files: the form moves the
// focus to the first wrong field and announces the errors, then a server
// error in its live region; the table opens rows by a button and shows its
// empty state; the dialog closes on Escape and gives the focus back; tabs
// follow the arrow keys; board cards move by buttons; the timeline reads as
// a list. The whole harness passes the axe audit.
func TestUIComponentsInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	b := newBrowser(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/harness.html", func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, "testdata/ui/harness.html") })
	mux.HandleFunc("/harness.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		http.ServeFile(w, r, "testdata/ui/harness.js")
	})
	mux.Handle("/", web.Handler())
	srv := httptest.NewServer(mux)
	defer srv.Close()
	b.do(t, chromedp.Navigate(srv.URL+"/harness.html"), chromedp.WaitVisible(chromedp.CSS("#demo-name")))
	auditA11y(t, b, "ui-components")

	t.Run("form", func(t *testing.T) {
		b.do(t, chromedp.Click(chromedp.CSS("#demo-form button[type=submit]")))
		b.waitJS(t, 10*time.Second, `document.activeElement.id === "demo-name"`, "the focus on the first wrong field")
		if got := eval[string](t, b, `document.querySelector("#demo-form-msg").getAttribute("role") + " | " + document.querySelector("#demo-form-msg").textContent`); got != "alert | Enter a name. Enter a valid e-mail address." {
			t.Errorf("summary %q", got)
		}
		if got := eval[string](t, b, `document.querySelector("#demo-email").getAttribute("aria-invalid")`); got != "true" {
			t.Errorf("e-mail aria-invalid %q", got)
		}
		auditA11y(t, b, "ui-form-errors")
		// Fixing a field clears its error as the person types.
		b.do(t, chromedp.SendKeys(chromedp.CSS("#demo-name"), "taken"))
		b.waitJS(t, 10*time.Second, `!document.querySelector("#demo-name").hasAttribute("aria-invalid")`, "the name error gone")
		b.do(t, chromedp.SendKeys(chromedp.CSS("#demo-email"), "a@b.c"), chromedp.KeyEvent(kb.Enter))
		b.waitJS(t, 10*time.Second, `document.activeElement.id === "demo-form-msg" && document.activeElement.textContent === "That name is taken."`, "the server error with the focus")
	})

	t.Run("table and empty state", func(t *testing.T) {
		if n := eval[int](t, b, `document.querySelectorAll("table th[scope=col]").length`); n != 2 {
			t.Errorf("%d column headers", n)
		}
		b.do(t, chromedp.Focus(chromedp.CSS(`button[aria-label="Open Graph paths"]`)), chromedp.KeyEvent(kb.Enter))
		b.waitJS(t, 10*time.Second, `document.querySelector("#demo-opened").textContent === "Graph paths"`, "the row opened by keyboard")
		b.do(t, chromedp.Click(chromedp.CSS("#demo-clear")))
		b.waitJS(t, 10*time.Second, `!document.querySelector("table") && document.querySelector(".empty").innerText.includes("No problems yet.")`, "the empty state")
		b.do(t, chromedp.Click(chromedp.CSS("#demo-add")))
		b.waitJS(t, 10*time.Second, `document.querySelectorAll("tbody tr").length === 1`, "a row again")
	})

	t.Run("dialog", func(t *testing.T) {
		b.do(t, chromedp.Focus(chromedp.CSS("#demo-open")), chromedp.KeyEvent(kb.Enter))
		b.waitJS(t, 10*time.Second, `document.querySelector("#demo-dialog").open && document.querySelector("#demo-dialog").contains(document.activeElement)`, "the dialog open with the focus inside")
		auditA11y(t, b, "ui-dialog")
		b.do(t, chromedp.KeyEvent(kb.Escape))
		b.waitJS(t, 10*time.Second, `!document.querySelector("#demo-dialog").open && document.activeElement.id === "demo-open"`, "closed by Escape, focus back on its opener")
		b.do(t, chromedp.KeyEvent(kb.Enter))
		b.waitJS(t, 10*time.Second, `document.querySelector("#demo-dialog").open`, "open again")
		b.do(t, chromedp.Click(chromedp.CSS("#demo-ok")))
		b.waitJS(t, 10*time.Second, `document.querySelector("#toasts").getAttribute("role") === "status" && document.querySelector("#toasts").textContent.includes("Confirmed")`, "the toast in its live region")
	})

	t.Run("tabs", func(t *testing.T) {
		b.do(t, chromedp.Focus(chromedp.CSS("#demo-a")), chromedp.KeyEvent(kb.ArrowLeft))
		b.waitJS(t, 10*time.Second, `document.activeElement.id === "demo-c" && document.querySelector("#demo-panel-text").textContent === "Panel c"`, "ArrowLeft wraps to the last tab")
		if got := eval[string](t, b, `[...document.querySelectorAll("[role=tab]")].map(t => t.tabIndex).join(",")`); got != "-1,-1,0" {
			t.Errorf("tab stops %q, want only the selected tab in the tab order", got)
		}
		b.do(t, chromedp.KeyEvent(kb.Home))
		b.waitJS(t, 10*time.Second, `document.activeElement.id === "demo-a"`, "Home to the first tab")
	})

	t.Run("board", func(t *testing.T) {
		// By keyboard: focus the card's move button and press Enter.
		eval[bool](t, b, `[...document.querySelectorAll("button")].find(x => x.textContent === "Move Ada to Interview").focus(), true`)
		b.do(t, chromedp.KeyEvent(kb.Enter))
		b.waitJS(t, 10*time.Second, `[...document.querySelectorAll("section[aria-labelledby=col-interview] li")].some(li => li.textContent.includes("Ada"))`, "Ada moved to Interview by a button")
		if eval[bool](t, b, `[...document.querySelectorAll("section[aria-labelledby=col-applied] li")].some(li => li.textContent.includes("Ada"))`) {
			t.Error("Ada is still in Applied")
		}
		if got := eval[string](t, b, `document.querySelector("#col-interview").textContent`); !strings.Contains(got, "(1)") {
			t.Errorf("column header %q does not count its cards", got)
		}
	})

	t.Run("timeline", func(t *testing.T) {
		if got := eval[string](t, b, `[...document.querySelectorAll("ol.tl time")].map(x => x.textContent).join("|")`); got != "just now|2 h ago" {
			t.Errorf("times %q", got)
		}
		if n := eval[int](t, b, `document.querySelectorAll(".tl-item.unread").length`); n != 1 {
			t.Errorf("%d unread items", n)
		}
		if !eval[bool](t, b, `[...document.querySelectorAll(".empty")].some(e => e.textContent.includes("Nothing has happened yet."))`) {
			t.Error("no empty state for the empty timeline")
		}
	})
	auditA11y(t, b, "ui-components-after")
}
