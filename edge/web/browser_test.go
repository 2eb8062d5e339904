package web_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/mailbox"
	"github.com/hirebus/hirebus/sandbox/local"
	"github.com/hirebus/hirebus/workers/code/codetest"
	faceworker "github.com/hirebus/hirebus/workers/face"
	"github.com/hirebus/hirebus/workers/face/facetest"
)

func TestMain(m *testing.M) {
	// The code worker's local sandbox re-executes this test binary as its
	// init; that process must not run the tests.
	local.MaybeRunInit()
	os.Exit(m.Run())
}

// findBrowser returns a Chromium binary, or "" when none is installed.
func findBrowser() string {
	if p := os.Getenv("HIREBUS_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is one headless Chromium for a test, with every uncaught page
// exception collected: a script error is a failure even if the flow works.
type browser struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func newBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	bin := findBrowser()
	if bin == "" {
		t.Skip("no Chromium found (apt-get install chromium, or set HIREBUS_CHROMIUM): the pages are not driven in a browser")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.NoSandbox, // tests run as root here
		chromedp.DisableGPU,
		// This machine has no outside network: keep Chromium from trying.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.WindowSize(1280, 900),
	)
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	b := &browser{ctx: ctx}
	// The first action starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		cancelCtx()
		cancelAlloc()
		t.Fatalf("start %s: %v", bin, err)
	}
	lctx, cancelListen := context.WithCancel(ctx)
	_ = chromedp.Listen(lctx, func(ev any) {
		if e, ok := ev.(*runtime.EventExceptionThrown); ok && e.ExceptionDetails != nil {
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg = d.Exception.Description
			}
			b.mu.Lock()
			b.errors = append(b.errors, fmt.Sprintf("%s (%s:%d)", msg, d.URL, d.LineNumber+1))
			b.mu.Unlock()
		}
	})
	t.Cleanup(func() {
		cancelListen()
		cancelCtx()
		cancelAlloc()
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, e := range b.errors {
			t.Errorf("uncaught exception in a page: %s", e)
		}
	})
	return b
}

// do runs browser steps, each bounded so a missing element fails the test
// instead of hanging it.
func (b *browser) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, b *browser, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitJS polls a boolean JavaScript expression until it holds. Deadlines are
// generous because the suite shares two cores with heavy benchmarks; a
// passing run does not wait for them.
func (b *browser) waitJS(t *testing.T, timeout time.Duration, expr, what string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+expr+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
			state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + " | " + ((document.querySelector(".msg:not(.hidden)")||{}).textContent || "")`))
			cancel()
			t.Fatalf("waited %s for %s (page: %s)", timeout, what, state)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// The pages against a real platform (MariaDB, JetStream, mail and code
// workers, edge): register through the form with the mailed code, see the
// live event feed, get missed events replayed after being away, run code and
// submit a solution with live per-test progress, read the API docs, sign out
// (the token is refused), sign in again.
func TestPagesInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	b := newBrowser(t)
	p := codetest.Start(t)
	p.StartWorker(t, codetest.Options{})
	user := fmt.Sprintf("web%d", time.Now().UnixNano()%1_000_000_000)
	email := user + "@example.com"
	const password = "secret123-k7"

	t.Run("register with the mailed code", func(t *testing.T) {
		b.do(t,
			chromedp.Navigate(p.URL+"/#register"),
			chromedp.WaitVisible(chromedp.CSS("#reg-email")),
			chromedp.SendKeys(chromedp.CSS("#reg-email"), email),
			chromedp.Click(chromedp.CSS("#reg-step1 button[type=submit]")),
			// HIREBUS_DEV: the page reads the code from /dev/mailbox.
			chromedp.WaitVisible(chromedp.CSS("#reg-devmail button")),
			chromedp.Click(chromedp.CSS("#reg-devmail button")),
			chromedp.Click(chromedp.CSS("#reg-step2 button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#reg-username")),
			chromedp.SendKeys(chromedp.CSS("#reg-username"), user),
			chromedp.SendKeys(chromedp.CSS("#reg-password"), "lettersonly"),
			chromedp.Click(chromedp.CSS("#reg-submit")),
		)
		// The page refuses a password without a digit before asking the server.
		b.waitJS(t, 30*time.Second, `/digit/.test(document.querySelector("#reg-msg").textContent)`, "the password rule message")
		// The page's form state follows typing (not a value set from outside).
		b.do(t,
			chromedp.Focus(chromedp.CSS("#reg-password")),
			chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
			chromedp.SendKeys(chromedp.CSS("#reg-password"), password),
			chromedp.Click(chromedp.CSS("#reg-submit")),
		)
		b.waitJS(t, 45*time.Second, `location.pathname === "/app.html"`, "the app page after registering")
	})

	var token string
	var seq int
	t.Run("profile and live events", func(t *testing.T) {
		b.waitJS(t, 45*time.Second, `document.querySelector("#ws-text").textContent === "live"`, "the WebSocket to be live")
		b.waitJS(t, 30*time.Second, `[...document.querySelectorAll("#me dd")].some(d => d.textContent === "`+email+`")`, "the profile from /api/user/me")
		// The welcome mail's op.completed happened before the socket opened:
		// the first connect replays it.
		b.waitJS(t, 45*time.Second, `[...document.querySelectorAll("#feed .badge")].some(b => b.textContent === "op.completed")`, "op.completed in the feed")
		token = eval[string](t, b, `sessionStorage.getItem("hirebus.token")`)
		// The resume point is kept per user in this browser.
		last := eval[string](t, b, `localStorage.getItem("hirebus.last_seq." + JSON.parse(sessionStorage.getItem("hirebus.user")).id) || ""`)
		var err error
		if seq, err = strconv.Atoi(last); err != nil || seq <= 0 {
			t.Fatalf("last_seq %q not kept", last)
		}
	})

	t.Run("events missed while away are replayed", func(t *testing.T) {
		if token == "" {
			t.Skip("no session")
		}
		b.do(t, chromedp.Navigate(p.URL+"/docs")) // the socket closes
		r := p.Do("POST", "/api/auth/send-otp", token, map[string]any{"email": "other-" + email, "purpose": "register"})
		if r.Status != 202 {
			t.Fatalf("send-otp: %d %s", r.Status, r.Body)
		}
		var body struct {
			OpID string `json:"op_id"`
		}
		r.JSON(t, &body)
		p.WaitOp(token, body.OpID, 45*time.Second)
		b.do(t, chromedp.Navigate(p.URL+"/app.html"))
		b.waitJS(t, 45*time.Second, `[...document.querySelectorAll("#feed .badge")].some(b => b.textContent === "otp.sent")`, "the missed otp.sent")
		seqs := eval[[]string](t, b, `[...document.querySelectorAll("#feed .seq")].map(s => s.textContent)`)
		for _, s := range seqs {
			if n, _ := strconv.Atoi(strings.TrimPrefix(s, "#")); n <= seq {
				t.Errorf("replayed event %s, which was seen before (last_seq %d)", s, seq)
			}
		}
	})

	t.Run("run code in the playground", func(t *testing.T) {
		b.do(t,
			chromedp.Navigate(p.URL+"/app.html#/playground"),
			chromedp.WaitVisible(chromedp.CSS("#code .cm-content")),
		)
		setJS(t, b, "#lang", "python")
		setCode(t, b, "print(sum(map(int, input().split())))\n")
		b.do(t,
			chromedp.SendKeys(chromedp.CSS("#stdin"), "2 3 4"),
			chromedp.Click(chromedp.CSS("#run")),
		)
		b.waitJS(t, 60*time.Second, `document.querySelector("#run-result")`, "the run result")
		if got := eval[string](t, b, `document.querySelector("#run-verdict").textContent + " " + document.querySelector("#run-result pre.stdout").textContent.trim()`); got != "Ran 9" {
			t.Errorf("run shows %q, want \"Ran 9\"", got)
		}
	})

	t.Run("submit with live per-test progress", func(t *testing.T) {
		b.do(t,
			chromedp.Navigate(p.URL+"/app.html#/problem/fizzbuzz"),
			chromedp.WaitVisible(chromedp.CSS("#problem-body p")),
			chromedp.WaitVisible(chromedp.CSS("#code .cm-content")),
		)
		setJS(t, b, "#lang", "python")
		setCode(t, b, "n = int(input())\nfor i in range(1, n + 1):\n    print(\"FizzBuzz\" if i % 15 == 0 else \"Fizz\" if i % 3 == 0 else \"Buzz\" if i % 5 == 0 else i)\n")
		// Record every progress text the page shows while grading.
		eval[bool](t, b, `(window.__counts = [], new MutationObserver(() => { const c = document.querySelector("#sub-count"); if (c) window.__counts.push(c.textContent); }).observe(document.querySelector("#results"), {childList: true, characterData: true, subtree: true}), true)`)
		b.do(t, chromedp.Click(chromedp.CSS("#submit")))
		b.waitJS(t, 90*time.Second, `/passed/.test(document.querySelector("#sub-count").textContent)`, "the graded submission")
		verdict := eval[string](t, b, `document.querySelector("#sub-verdict").textContent`)
		rows := eval[int](t, b, `document.querySelectorAll("#submit-result .sub-tests tbody tr").length`)
		counts := eval[[]string](t, b, `window.__counts`)
		if !strings.HasPrefix(verdict, "AC") {
			t.Errorf("verdict %q, want AC", verdict)
		}
		if rows < 2 {
			t.Errorf("%d test rows", rows)
		}
		live := 0
		for _, c := range counts {
			if strings.HasSuffix(c, " tests") && !strings.HasPrefix(c, "0 /") {
				live++
			}
		}
		if live == 0 {
			t.Errorf("no per-test progress was shown before the result: %q", counts)
		}
		b.waitJS(t, 30*time.Second, `document.querySelectorAll("#history tbody tr").length === 1`, "the submission in the history list")
	})

	t.Run("API docs page renders the OpenAPI document", func(t *testing.T) {
		b.do(t, chromedp.Navigate(p.URL+"/docs"))
		b.waitJS(t, 30*time.Second, `document.querySelectorAll("details.endpoint .method").length >= 25`, "the endpoint list")
		paths := eval[[]string](t, b, `[...document.querySelectorAll("details.endpoint .path")].map(p => p.textContent)`)
		for _, want := range []string{"/api/auth/register", "/ws", "/api/code/submit"} {
			if !contains(paths, want) {
				t.Errorf("docs page lacks %s", want)
			}
		}
	})

	t.Run("sign out refuses the token", func(t *testing.T) {
		if token == "" {
			t.Skip("no session")
		}
		b.do(t,
			chromedp.Navigate(p.URL+"/app.html"),
			chromedp.WaitVisible(chromedp.CSS("#logout")),
			chromedp.Click(chromedp.CSS("#logout")),
		)
		b.waitJS(t, 30*time.Second, `location.search.includes("signout")`, "the sign-in page")
		if r := p.Do("GET", "/api/user/me", token, nil); r.Status != 401 {
			t.Fatalf("me with the old token: %d, want 401", r.Status)
		}
	})

	t.Run("password sign-in", func(t *testing.T) {
		b.do(t,
			chromedp.Navigate(p.URL+"/?signout&password#login"),
			chromedp.WaitVisible(chromedp.CSS("#login-username")),
			chromedp.SendKeys(chromedp.CSS("#login-username"), user),
			chromedp.SendKeys(chromedp.CSS("#login-password"), "wrong-pass-1"),
			chromedp.Click(chromedp.CSS("#login-form button[type=submit]")),
		)
		b.waitJS(t, 30*time.Second, `/Wrong username or password/.test(document.querySelector("#login-msg").textContent)`, "the wrong-password message")
		b.do(t,
			chromedp.Focus(chromedp.CSS("#login-password")),
			chromedp.KeyEvent("a", chromedp.KeyModifiers(chromedp.ModifierCtrl)),
			chromedp.SendKeys(chromedp.CSS("#login-password"), password),
			chromedp.Click(chromedp.CSS("#login-form button[type=submit]")),
		)
		b.waitJS(t, 30*time.Second, `location.pathname === "/app.html"`, "the app page after signing in")
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Face sign-in as a person does it: the camera (Chromium's fake capture
// device playing a golden face) gives three photos at registration, the app
// follows the enrolment, and after signing out the same face signs in
// without a username.
func TestFaceSignInInBrowser(t *testing.T) {
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
	// The camera: one webcam-sized golden face, repeated as an MJPEG stream.
	frame := facetest.Image(t, facetest.Faces(t)[0], facetest.Variant{Width: 480})
	video := filepath.Join(t.TempDir(), "camera.mjpeg")
	if err := os.WriteFile(video, bytes.Repeat(frame, 120), 0o600); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, chromedp.Flag("use-file-for-fake-video-capture", video))
	p := platformtest.Start(t, platformtest.Options{})
	w, err := faceworker.New(faceworker.Config{}, faceworker.Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log, Embedder: pipe})
	if err != nil {
		t.Fatal(err)
	}
	p.Go(w.Run)
	user := fmt.Sprintf("face%d", time.Now().UnixNano()%1_000_000_000)

	t.Run("register with three camera photos", func(t *testing.T) {
		b.do(t,
			chromedp.Navigate(p.URL+"/#register"),
			chromedp.WaitVisible(chromedp.CSS("#reg-email")),
			chromedp.SendKeys(chromedp.CSS("#reg-email"), user+"@example.com"),
			chromedp.Click(chromedp.CSS("#reg-step1 button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#reg-devmail button")),
			chromedp.Click(chromedp.CSS("#reg-devmail button")),
			chromedp.Click(chromedp.CSS("#reg-step2 button[type=submit]")),
			chromedp.WaitVisible(chromedp.CSS("#reg-username")),
			chromedp.SendKeys(chromedp.CSS("#reg-username"), user),
			chromedp.SendKeys(chromedp.CSS("#reg-password"), "secret123-k7"),
			chromedp.Click(chromedp.CSS("#reg-face summary")),
			// The privacy notice comes before the camera.
			chromedp.WaitVisible(chromedp.CSS("#reg-consent-accept")),
			chromedp.Click(chromedp.CSS("#reg-consent-accept")),
			chromedp.WaitVisible(chromedp.CSS("#reg-cam")),
			chromedp.Click(chromedp.CSS("#reg-cam")),
		)
		b.waitJS(t, 30*time.Second, `document.querySelector("#reg-video").videoWidth > 0`, "the camera picture")
		for i := 0; i < 3; i++ {
			b.do(t, chromedp.Click(chromedp.CSS("#reg-snap")))
		}
		if n := eval[int](t, b, `document.querySelectorAll("#reg-shots .shot").length`); n != 3 {
			t.Fatalf("%d photos taken, want 3", n)
		}
		b.do(t, chromedp.Click(chromedp.CSS("#reg-submit")))
		b.waitJS(t, 45*time.Second, `location.pathname === "/app.html"`, "the app page after registering")
	})

	t.Run("the app follows the enrolment", func(t *testing.T) {
		b.waitJS(t, 90*time.Second, `!document.querySelector("#enroll-msg").classList.contains("hidden")`, "the enrolment outcome")
		if msg := eval[string](t, b, `document.querySelector("#enroll-msg").textContent`); !strings.Contains(msg, "ready") {
			t.Fatalf("enrolment: %q", msg)
		}
		b.waitJS(t, 30*time.Second, `[...document.querySelectorAll("#feed .badge")].filter(b => b.textContent === "face.enroll.progress").length === 3`, "three face.enroll.progress events")
		b.waitJS(t, 30*time.Second, `[...document.querySelectorAll("#me dd")].some(d => d.textContent === "set up")`, "the profile to show face sign-in set up")
	})

	t.Run("replacing the face needs the password", func(t *testing.T) {
		b.do(t, chromedp.Click(chromedp.CSS("#enroll-box summary")),
			chromedp.Click(chromedp.CSS("#enroll-cam")))
		b.waitJS(t, 30*time.Second, `!document.querySelector("#enroll-snap").disabled`, "the camera for new photos")
		for i := 0; i < 3; i++ {
			b.do(t, chromedp.Click(chromedp.CSS("#enroll-snap")))
		}
		b.do(t, chromedp.Click(chromedp.CSS("#enroll-send")))
		b.waitJS(t, 30*time.Second, `document.querySelector("#enroll-msg").textContent.includes("password")`, "the request for the password")
		b.do(t, chromedp.SendKeys(chromedp.CSS("#enroll-password"), "secret123-k7"),
			chromedp.Click(chromedp.CSS("#enroll-send")))
		b.waitJS(t, 90*time.Second, `document.querySelector("#enroll-msg").textContent.includes("ready")`, "the replaced face")
		// The owner is told by mail, in case it was not them.
		if _, err := p.Mailbox.WaitFor(user+"@example.com", 30*time.Second, func(m mailbox.Mail) bool {
			return m.Subject == "Your hirebus face sign-in was changed"
		}); err != nil {
			t.Errorf("no face-change notice: %v", err)
		}
		// The consent given at registration was recorded with its version.
		if got := eval[string](t, b, `document.querySelector("#consent-status").textContent`); !strings.HasPrefix(got, "accepted version ") {
			t.Errorf("consent status %q", got)
		}
	})

	t.Run("the same face signs in without a username", func(t *testing.T) {
		b.do(t, chromedp.Click(chromedp.CSS("#logout")))
		b.waitJS(t, 30*time.Second, `location.search.includes("signout")`, "the sign-in page")
		b.do(t,
			// A new query string: a hash-only change loads no page.
			chromedp.Navigate(p.URL+"/?signout&camera#face"),
			chromedp.WaitVisible(chromedp.CSS("#face-start")),
			chromedp.Click(chromedp.CSS("#face-start")),
		)
		b.waitJS(t, 30*time.Second, `!document.querySelector("#face-go").disabled`, "the camera for face sign-in")
		b.do(t, chromedp.Click(chromedp.CSS("#face-go")))
		b.waitJS(t, 60*time.Second, `location.pathname === "/app.html"`, "the app page after face sign-in")
		b.waitJS(t, 30*time.Second, `document.querySelector("#who").textContent.startsWith("`+user+` ")`, "the signed-in user's name")
	})

	t.Run("delete my face data from Home", func(t *testing.T) {
		b.waitJS(t, 30*time.Second, `document.querySelector("#face-status") && document.querySelector("#face-status").textContent.startsWith("stored")`, "the face data shown as stored")
		b.do(t, chromedp.Click(chromedp.CSS("#face-delete")))
		b.waitJS(t, 10*time.Second, `document.querySelector("#face-delete-dialog").open`, "the confirmation dialog")
		auditA11y(t, b, "home-delete-face-dialog")
		b.do(t, chromedp.Click(chromedp.CSS("#face-delete-confirm")))
		b.waitJS(t, 60*time.Second, `document.querySelector("#privacy-msg").textContent.includes("deleted")`, "the deletion outcome")
		b.waitJS(t, 30*time.Second, `document.querySelector("#face-status").textContent === "none stored" && document.querySelector("#consent-status").textContent.startsWith("withdrawn")`, "no face data, consent withdrawn")
		if _, err := p.Mailbox.WaitFor(user+"@example.com", 30*time.Second, func(m mailbox.Mail) bool {
			return m.Subject == "Your hirebus face data was deleted"
		}); err != nil {
			t.Errorf("no deletion notice: %v", err)
		}
		var n int
		if err := p.DB.Get(&n, `SELECT COUNT(*) FROM face_embeddings e JOIN users u ON u.id = e.user_id WHERE u.username = ?`, user); err != nil || n != 0 {
			t.Fatalf("%d face descriptors left (%v)", n, err)
		}
	})
}
