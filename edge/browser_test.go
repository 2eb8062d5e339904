package edge_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hirebus/hirebus/internal/platformtest"
)

// chromium finds the browser; CI installs Debian's chromium (.ci/run).
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium on this machine: `apt-get install chromium` (CI installs it)")
	return ""
}

func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

// pollTrue waits until a JavaScript expression is true.
func pollTrue(expr string) chromedp.Action[chromedp.Void] {
	poll := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(20*time.Second))
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		_, err := poll(ctx, t)
		return chromedp.Void{}, err
	}
}

// waitJS retries a JavaScript condition across page navigations, which
// abort a single in-page poll.
func waitJS(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("browser: %s never became true", expr)
}

// TestBrowserRegisterAndSignIn drives the real pages in headless Chromium: a
// person creates an account with the e-mailed code, lands in the app, sees
// their profile and a live WebSocket connection, signs out and back in.
func TestBrowserRegisterAndSignIn(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	ctx := browser(t)
	email := "browser@example.com"
	start := time.Now()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(p.URL+"/#register"),
		chromedp.WaitVisible(chromedp.CSS("#reg-email")),
		chromedp.SendKeys(chromedp.CSS("#reg-email"), email),
		chromedp.Click(chromedp.CSS("#reg-step1 button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#reg-otp")),
	); err != nil {
		t.Fatalf("register step 1: %v", err)
	}
	code := p.OTPFor(email, start)
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#reg-otp"), code),
		chromedp.Click(chromedp.CSS("#reg-step2 button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#reg-username")),
		chromedp.SendKeys(chromedp.CSS("#reg-username"), "browseruser"),
		chromedp.SendKeys(chromedp.CSS("#reg-password"), "browse123pass"),
		chromedp.Click(chromedp.CSS("#reg-step3 button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#me")),
		pollTrue(`document.querySelector("#who") && document.querySelector("#who").textContent.includes("browseruser")`),
		pollTrue(`document.querySelector("#ws-dot") && document.querySelector("#ws-dot").className.includes("on")`),
	); err != nil {
		t.Fatalf("register and land in app: %v", err)
	}
	who, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#who")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(who, "candidate") {
		t.Fatalf("header shows %q", who)
	}
	if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(80)); err == nil && os.Getenv("HIREBUS_SCREENSHOTS") != "" {
		_ = os.WriteFile(filepath.Join(os.Getenv("HIREBUS_SCREENSHOTS"), "app.png"), shot, 0o644)
	}
	// Sign out, then sign in with the password.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#logout"))); err != nil {
		t.Fatalf("sign out: %v", err)
	}
	waitJS(t, ctx, `document.readyState === "complete" && !!document.querySelector("#login-form")`)
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS("#login-username")),
		chromedp.SendKeys(chromedp.CSS("#login-username"), "browseruser"),
		chromedp.SendKeys(chromedp.CSS("#login-password"), "browse123pass"),
		chromedp.Click(chromedp.CSS("#login-form button[type=submit]")),
	); err != nil {
		t.Fatalf("sign in: %v", err)
	}
	waitJS(t, ctx, `!!document.querySelector("#who") && document.querySelector("#who").textContent.includes("browseruser")`)
}
