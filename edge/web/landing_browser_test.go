package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/mailbox"
)

// The landing page and the sign-in card, driven by keyboard only where a
// person would: what hirebus is for both audiences, the axe audit signed out
// (and of each view of the card), tabs that follow the arrow keys, "Forgot
// password?", a deep link kept through sign-in, the sign-up e-mail step
// that says at once when an address is taken, a whole sign-up by keyboard,
// and the phone-width pass (390×844).
func TestLandingAndSignInInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	b := newBrowser(t)
	p := platformtest.Start(t, platformtest.Options{})
	known := p.Register("landa", "candidate")

	t.Run("landing says what hirebus is, for both audiences", func(t *testing.T) {
		b.do(t, chromedp.Navigate(p.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#login-username")))
		text := eval[string](t, b, `document.querySelector("main").innerText`)
		for _, want := range []string{"For candidates", "For companies", "Take an assessment", "proctored assessments", "Practise"} {
			if !strings.Contains(text, want) {
				t.Errorf("landing page lacks %q", want)
			}
		}
		auditA11y(t, b, "landing")
	})

	t.Run("tabs follow the arrow keys", func(t *testing.T) {
		b.do(t, chromedp.Focus(chromedp.CSS("#auth-login")), chromedp.KeyEvent(kb.ArrowRight))
		b.waitJS(t, 10*time.Second, `document.activeElement.id === "auth-face" && document.activeElement.getAttribute("aria-selected") === "true"`, "Face sign-in selected by ArrowRight")
		// The notice comes before any camera: no video until agreeing.
		b.waitJS(t, 10*time.Second, `!!document.querySelector("#face-consent-accept")`, "the face notice")
		if eval[bool](t, b, `!!document.querySelector("#face-start")`) {
			t.Error("the camera button is there before the notice was accepted")
		}
		auditA11y(t, b, "face-notice")
		// Agreeing by keyboard leads on to the camera button.
		b.do(t, chromedp.Focus(chromedp.CSS("#face-consent-accept")), chromedp.KeyEvent(kb.Enter))
		b.waitJS(t, 10*time.Second, `document.activeElement.id === "face-username"`, "the focus on the first control after agreeing")
		b.do(t, chromedp.Focus(chromedp.CSS("#auth-face")))
		b.do(t, chromedp.KeyEvent(kb.ArrowRight))
		b.waitJS(t, 10*time.Second, `document.activeElement.id === "auth-register"`, "Create account by ArrowRight")
		b.do(t, chromedp.KeyEvent(kb.End), chromedp.KeyEvent(kb.Home))
		b.waitJS(t, 10*time.Second, `document.activeElement.id === "auth-login" && !!document.querySelector("#login-username")`, "Sign in by Home")
	})

	t.Run("forgot password is a link from sign-in", func(t *testing.T) {
		b.do(t, chromedp.Navigate(p.URL+"/?v=forgot#login"), chromedp.WaitVisible(chromedp.CSS("#forgot-link")))
		if tag := eval[string](t, b, `document.querySelector("#forgot-link").tagName`); tag != "A" {
			t.Errorf("Forgot password? is a %s, want a link", tag)
		}
		b.do(t, chromedp.Click(chromedp.CSS("#forgot-link")))
		b.waitJS(t, 10*time.Second, `!!document.querySelector("#reset-email") && document.activeElement.id === "reset-email"`, "the reset form with the focus")
		b.do(t, chromedp.KeyEvent(kb.Enter))
		// Inline validation: the error is under the field, announced, and
		// the focus stays on the field.
		b.waitJS(t, 10*time.Second, `document.querySelector("#reset-email").getAttribute("aria-invalid") === "true"`, "the field marked invalid")
		if got := eval[string](t, b, `document.querySelector("#reset-msg").getAttribute("role") + " | " + document.querySelector("#reset-msg").textContent`); !strings.Contains(got, "alert | Enter your e-mail") {
			t.Errorf("error summary %q", got)
		}
		if got := eval[string](t, b, `document.getElementById(document.querySelector("#reset-email").getAttribute("aria-describedby").split(" ").pop()).textContent`); !strings.Contains(got, "e-mail") {
			t.Errorf("the field's description is %q, want its error", got)
		}
		auditA11y(t, b, "reset")
		b.do(t, chromedp.Click(chromedp.CSS("#reset-back")))
		b.waitJS(t, 10*time.Second, `!!document.querySelector("#login-username")`, "back to sign in")
	})

	t.Run("keyboard-only sign-in keeps the deep link", func(t *testing.T) {
		deep := "/app.html#/problem/fizzbuzz"
		// Opening the link without a session leads to sign-in, remembering it.
		b.do(t, chromedp.Navigate(p.URL+deep), chromedp.WaitVisible(chromedp.CSS("#login-username")))
		if got := eval[string](t, b, `location.pathname + location.search`); got != "/?next="+url.QueryEscape(deep) {
			t.Errorf("sign-in page at %q", got)
		}
		b.waitJS(t, 10*time.Second, `!!document.querySelector("#next-note")`, "the note that sign-in leads on")
		b.tabTo(t, "#login-username", 25)
		b.typeKeys(t, known.Username)
		b.do(t, chromedp.KeyEvent("\t"))
		if got := focused(t, b); got != "login-password" {
			t.Fatalf("Tab from the username went to %q", got)
		}
		b.typeKeys(t, "wrong-pass-1")
		b.do(t, chromedp.KeyEvent(kb.Enter))
		b.waitJS(t, 30*time.Second, `document.activeElement.id === "login-msg" && /Wrong username or password/.test(document.activeElement.textContent)`, "the announced error with the focus")
		b.do(t, chromedp.Focus(chromedp.CSS("#login-password")))
		// Select-all and retype, by keyboard.
		b.do(t, chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
		b.typeKeys(t, known.Password)
		b.do(t, chromedp.KeyEvent(kb.Enter))
		b.waitJS(t, 30*time.Second, `location.pathname === "/app.html" && location.hash === "#/problem/fizzbuzz"`, "the deep link after signing in")
	})

	t.Run("forgot password, new password, notice mail", func(t *testing.T) {
		reset := p.Register("landreset", "candidate")
		b.do(t, chromedp.Navigate(p.URL+"/?signout&r=1#login"), chromedp.WaitVisible(chromedp.CSS("#login-username")),
			chromedp.SendKeys(chromedp.CSS("#login-username"), reset.Email),
			chromedp.Click(chromedp.CSS("#forgot-link")))
		// The address typed for sign-in is carried over.
		b.waitJS(t, 10*time.Second, `document.activeElement.id === "reset-email" && document.activeElement.value === "`+reset.Email+`"`, "the reset form with the address")
		start := time.Now()
		b.do(t, chromedp.KeyEvent(kb.Enter))
		b.waitJS(t, 30*time.Second, `!!document.querySelector("#reset-otp")`, "the code step")
		b.do(t, chromedp.SendKeys(chromedp.CSS("#reset-otp"), p.OTPFor(reset.Email, start)),
			chromedp.SendKeys(chromedp.CSS("#reset-password"), "brand-new-pass-4"),
			chromedp.Click(chromedp.CSS("#reset-step2 button[type=submit]")))
		b.waitJS(t, 30*time.Second, `/Password changed/.test(document.querySelector("#login-msg").textContent) && document.querySelector("#login-username").value === "`+reset.Email+`"`, "back at sign-in, told and filled in")
		b.do(t, chromedp.SendKeys(chromedp.CSS("#login-password"), "brand-new-pass-4"),
			chromedp.Click(chromedp.CSS("#login-form button[type=submit]")))
		b.waitJS(t, 30*time.Second, `location.pathname === "/app.html"`, "signed in with the new password")
		if _, err := p.Mailbox.WaitFor(reset.Email, 30*time.Second, func(m mailbox.Mail) bool { return m.Subject == "Your hirebus password was changed" }); err != nil {
			t.Errorf("no password-change notice: %v", err)
		}
	})

	t.Run("an open redirect is refused", func(t *testing.T) {
		b.do(t, chromedp.Navigate(p.URL+"/?signout&next="+url.QueryEscape("//evil.example/x")+"#login"), chromedp.WaitVisible(chromedp.CSS("#login-username")))
		b.do(t, chromedp.SendKeys(chromedp.CSS("#login-username"), known.Username),
			chromedp.SendKeys(chromedp.CSS("#login-password"), known.Password),
			chromedp.Click(chromedp.CSS("#login-form button[type=submit]")))
		b.waitJS(t, 30*time.Second, `location.pathname === "/app.html"`, "the app, not another site")
	})

	t.Run("sign-up says at once that an address is taken", func(t *testing.T) {
		b.do(t, chromedp.Navigate(p.URL+"/?signout&taken#register"), chromedp.WaitVisible(chromedp.CSS("#reg-email")))
		start := time.Now()
		b.do(t, chromedp.Focus(chromedp.CSS("#reg-email")))
		b.typeKeys(t, strings.ToUpper(known.Email))
		b.do(t, chromedp.KeyEvent(kb.Enter))
		b.waitJS(t, 30*time.Second, `document.activeElement.id === "reg-taken"`, "the taken-address notice with the focus")
		auditA11y(t, b, "signup-taken")
		// No code was mailed for a taken address.
		for _, m := range p.Mailbox.List() {
			if strings.EqualFold(m.To[0], known.Email) && !m.Time.Before(start) {
				t.Errorf("a mail went to the taken address: %q", m.Subject)
			}
		}
		b.do(t, chromedp.KeyEvent("\t"))
		if got := focused(t, b); got != "reg-taken-signin" {
			t.Fatalf("Tab from the notice went to %q", got)
		}
		b.do(t, chromedp.KeyEvent(kb.Enter))
		b.waitJS(t, 10*time.Second, `document.activeElement.id === "login-username" && document.activeElement.value.toLowerCase() === "`+strings.ToLower(known.Email)+`"`, "sign-in with the address filled in")
	})

	t.Run("keyboard-only sign-up with send again and change e-mail", func(t *testing.T) {
		user := fmt.Sprintf("kb%d", time.Now().UnixNano()%1_000_000_000)
		b.do(t, chromedp.Navigate(p.URL+"/?signout&kb#register"), chromedp.WaitVisible(chromedp.CSS("#reg-email")))
		b.tabTo(t, "#reg-email", 30)
		b.typeKeys(t, "typo-"+user+"@example.com")
		b.do(t, chromedp.KeyEvent(kb.Enter))
		b.waitJS(t, 30*time.Second, `document.activeElement.id === "reg-otp"`, "the code step with the focus")
		if !eval[bool](t, b, `document.querySelector("#reg-resend").disabled`) {
			t.Error("Send again is offered at once (it waits a little, so codes are not sent in a burst)")
		}
		auditA11y(t, b, "signup-code")
		// Change e-mail: back to the first step with the address kept.
		b.do(t, chromedp.Focus(chromedp.CSS("#reg-back")), chromedp.KeyEvent(kb.Enter))
		b.waitJS(t, 10*time.Second, `document.activeElement.id === "reg-email" && document.activeElement.value.startsWith("typo-")`, "the e-mail step with the address kept")
		b.do(t, chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)))
		email := user + "@example.com"
		start := time.Now()
		b.typeKeys(t, email)
		b.do(t, chromedp.KeyEvent(kb.Enter))
		b.waitJS(t, 30*time.Second, `document.activeElement.id === "reg-otp"`, "the code step again")
		b.typeKeys(t, p.OTPFor(email, start))
		b.do(t, chromedp.KeyEvent(kb.Enter))
		b.waitJS(t, 30*time.Second, `document.activeElement.id === "reg-username"`, "the account step with the focus")
		b.typeKeys(t, user)
		b.do(t, chromedp.KeyEvent("\t"))
		b.typeKeys(t, "lettersonly")
		b.do(t, chromedp.KeyEvent(kb.Enter))
		b.waitJS(t, 10*time.Second, `document.activeElement.id === "reg-password" && /digit/.test(document.querySelector("#reg-msg").textContent)`, "the password rule, focus on the field")
		auditA11y(t, b, "signup-account-error")
		b.typeKeys(t, "7")
		b.do(t, chromedp.KeyEvent(kb.Enter))
		b.waitJS(t, 45*time.Second, `location.pathname === "/app.html"`, "the app after signing up")
	})

	t.Run("API docs page", func(t *testing.T) {
		b.do(t, chromedp.Navigate(p.URL+"/docs"))
		b.waitJS(t, 30*time.Second, `document.querySelectorAll("details.endpoint .method").length >= 25`, "the endpoint list")
		auditA11y(t, b, "docs")
		b.do(t, chromedp.Click(chromedp.CSS("details.endpoint summary")))
		auditA11y(t, b, "docs-endpoint-open")
	})

	t.Run("dark colour scheme", func(t *testing.T) {
		media := func(value string) {
			t.Helper()
			ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
			defer cancel()
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: value}},
			}); err != nil {
				t.Fatalf("emulate %s: %v", value, err)
			}
		}
		media("dark")
		defer media("light")
		b.do(t, chromedp.Navigate(p.URL+"/?signout&dark#login"), chromedp.WaitVisible(chromedp.CSS("#login-username")))
		if bg := eval[string](t, b, `getComputedStyle(document.body).backgroundColor`); bg != "rgb(18, 21, 27)" {
			t.Fatalf("body background %q: the dark scheme is not applied", bg)
		}
		b.do(t, chromedp.Click(chromedp.CSS("#login-form button[type=submit]")))
		b.waitJS(t, 10*time.Second, `document.activeElement.id === "login-username"`, "the validation errors")
		auditA11y(t, b, "signin-dark")
	})

	t.Run("phone width", func(t *testing.T) {
		b.do(t, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		defer b.do(t, chromedp.EmulateViewport(1280, 900))
		for _, tc := range []struct{ name, path, ready string }{
			{"landing-390", "/?signout&m=1", "#login-username"},
			{"signin-390", "/?signout&m=2#register", "#reg-email"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b.do(t, chromedp.Navigate(p.URL+tc.path), chromedp.WaitVisible(chromedp.CSS(tc.ready)))
				if w := eval[int](t, b, `document.documentElement.scrollWidth`); w > 390 {
					t.Errorf("the page is %d px wide at 390 px: it scrolls sideways", w)
				}
				auditA11y(t, b, tc.name)
			})
		}
	})
}
