package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hirebus/hirebus/domain/notify"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/outbox"
	"github.com/jmoiron/sqlx"
)

// Home as a person sees it: notifications as sentences (arriving live), no
// JSON unless the developer toggle is opened, the axe audit signed in, the
// privacy card with the notice in a dialog, a new sign-in that does not
// replay old events, and the phone-width pass.
func TestHomeInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	b := newBrowser(t)
	p := platformtest.Start(t, platformtest.Options{})
	u := p.Register("homer", "candidate")
	send := func(title, body string) {
		t.Helper()
		err := p.Relay.Tx(context.Background(), func(tx *sqlx.Tx, out *outbox.Batch) error {
			_, err := notify.Send(context.Background(), tx, out, notify.New{UserID: u.ID, Kind: "application_status", Title: title, Body: body, Data: map[string]any{"application_id": 7}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	send("Your application moved to screening", "Go engineer at Acme")

	t.Run("notifications in sentences, no JSON", func(t *testing.T) {
		signIn(t, b.ctx, p.URL, u, "candidate", "/app.html")
		b.waitJS(t, 30*time.Second, `document.querySelector("#notes") && document.querySelector("#notes").innerText.includes("Your application moved to screening")`, "the stored notification")
		b.waitJS(t, 30*time.Second, `document.querySelector("#ws-text").textContent === "live"`, "the live connection")
		send("Acme invites you to an assessment", "Two-sum warm-up, 30 minutes")
		b.waitJS(t, 30*time.Second, `document.querySelector("#notes").innerText.includes("Acme invites you to an assessment")`, "the live notification")
		if got := eval[string](t, b, `document.querySelector("#notes-unread").textContent`); got != "2 unread" {
			t.Errorf("unread badge %q", got)
		}
		if eval[bool](t, b, `document.querySelector("#dev-feed").open`) {
			t.Error("the raw feed is open by default")
		}
		visible := eval[string](t, b, `document.querySelector("main").innerText`)
		for _, raw := range []string{"op_id", "\"seq\"", "{", "op.completed"} {
			if strings.Contains(visible, raw) {
				t.Errorf("Home shows %q to a person", raw)
			}
		}
		auditA11y(t, b, "home")
		// The developer toggle shows the raw events.
		b.do(t, chromedp.Click(chromedp.CSS("#dev-feed summary")))
		b.waitJS(t, 10*time.Second, `[...document.querySelectorAll("#feed .badge")].some(b => b.textContent === "notification")`, "the raw notification event")
		auditA11y(t, b, "home-dev-feed")
		b.do(t, chromedp.Click(chromedp.CSS("#notes-read-all")))
		b.waitJS(t, 10*time.Second, `!document.querySelector("#notes-unread")`, "all read")
	})

	t.Run("privacy notice in a dialog", func(t *testing.T) {
		b.do(t, chromedp.Click(chromedp.CSS("#notice-open")))
		b.waitJS(t, 10*time.Second, `document.querySelector("#notice-dialog").open && document.querySelector("#notice-dialog").innerText.includes("How long")`, "the notice dialog")
		auditA11y(t, b, "home-notice-dialog")
		if got := eval[string](t, b, `document.querySelector("#consent-status").textContent`); got != "not accepted" {
			t.Errorf("consent status %q", got)
		}
		b.do(t, chromedp.KeyEvent("\x1b")) // Escape closes it and gives the focus back
		b.waitJS(t, 10*time.Second, `!document.querySelector("#notice-dialog").open && document.activeElement.id === "notice-open"`, "the dialog closed, focus back on its button")
	})

	t.Run("a new sign-in does not replay old events", func(t *testing.T) {
		last := eval[string](t, b, `localStorage.getItem("hirebus.last_seq." + JSON.parse(sessionStorage.getItem("hirebus.user")).id) || ""`)
		seq, err := strconv.Atoi(last)
		if err != nil || seq <= 0 {
			t.Fatalf("resume point %q not kept", last)
		}
		b.do(t, chromedp.Click(chromedp.CSS("#logout")))
		b.waitJS(t, 30*time.Second, `location.search.includes("signout")`, "the sign-in page")
		b.do(t, chromedp.Navigate(p.URL+"/?signout&again#login"), chromedp.WaitVisible(chromedp.CSS("#login-username")),
			chromedp.SendKeys(chromedp.CSS("#login-username"), u.Username),
			chromedp.SendKeys(chromedp.CSS("#login-password"), u.Password),
			chromedp.Click(chromedp.CSS("#login-form button[type=submit]")))
		b.waitJS(t, 30*time.Second, `location.pathname === "/app.html" && document.querySelector("#ws-text").textContent === "live"`, "the app, live")
		send("Interview on Tuesday", "")
		b.waitJS(t, 30*time.Second, `[...document.querySelectorAll("#feed .badge")].some(b => b.textContent === "notification")`, "the new event")
		for _, s := range eval[[]string](t, b, `[...document.querySelectorAll("#feed .seq")].map(s => s.textContent)`) {
			if n, _ := strconv.Atoi(strings.TrimPrefix(s, "#")); n <= seq {
				t.Errorf("event %s replayed at the new sign-in (resume point %d)", s, seq)
			}
		}
	})

	t.Run("phone width", func(t *testing.T) {
		b.do(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		defer b.do(t, chromedp.EmulateViewport(1280, 900))
		b.do(t, chromedp.Navigate(p.URL+"/app.html#/"))
		b.waitJS(t, 30*time.Second, `document.querySelector("#notes") && document.querySelector("#notes").innerText.includes("Interview on Tuesday")`, "Home at 390 px")
		if w := eval[int](t, b, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("Home is %d px wide at 390 px: it scrolls sideways", w)
		}
		auditA11y(t, b, "home-390")
	})
}
