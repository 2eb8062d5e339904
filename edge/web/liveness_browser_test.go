package web_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/hirebus/hirebus/edge"
	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	faceworker "github.com/hirebus/hirebus/workers/face"
	"github.com/hirebus/hirebus/workers/face/facetest"
)

// TestFaceSignInStillCameraFailsLiveness: with liveness required, the
// sign-in page runs the server's challenge, but a camera that shows a still
// picture (Chromium's fake capture device playing one photo of the
// enrolled face) cannot blink or turn: the page says the liveness check
// did not pass and nobody is signed in.
func TestFaceSignInStillCameraFailsLiveness(t *testing.T) {
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
	f := facetest.Faces(t)[0]
	frame := facetest.Image(t, f, facetest.Variant{Width: 480})
	video := filepath.Join(t.TempDir(), "camera.mjpeg")
	if err := os.WriteFile(video, bytes.Repeat(frame, 120), 0o600); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, chromedp.Flag("use-file-for-fake-video-capture", video))
	p := platformtest.Start(t, platformtest.Options{EdgeConfig: func(c *edge.Config) { c.FaceLiveness = edge.LivenessRequired }})
	w, err := faceworker.New(faceworker.Config{}, faceworker.Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log, Embedder: pipe})
	if err != nil {
		t.Fatal(err)
	}
	p.Go(w.Run)

	// Enrol the face through the API (the registration page is covered by
	// TestFaceSignInInBrowser).
	user := fmt.Sprintf("still%d", time.Now().UnixNano()%1_000_000_000)
	email := user + "@example.com"
	start := time.Now()
	if r := p.Do("POST", "/api/auth/send-otp", "", map[string]string{"email": email, "purpose": "register"}); r.Status != 202 {
		t.Fatalf("send-otp: %d %s", r.Status, r.Body)
	}
	if r := p.Do("POST", "/api/auth/verify-otp", "", map[string]string{"email": email, "otp": p.OTPFor(email, start), "purpose": "register"}); r.Status != 200 {
		t.Fatalf("verify-otp: %d %s", r.Status, r.Body)
	}
	var images []string
	for _, v := range facetest.Shots[:3] {
		images = append(images, facetest.Base64(t, f, v))
	}
	r := p.Do("POST", "/api/auth/register", "", map[string]any{"username": user, "email": email, "password": "still-cam-7pass", "images": images})
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	var reg struct {
		Token    string
		EnrollOp string `json:"enroll_op_id"`
	}
	r.JSON(t, &reg)
	if reg.EnrollOp != "" {
		if op := p.WaitOp(reg.Token, reg.EnrollOp, 60*time.Second); op["status"] != "done" {
			t.Fatalf("enrolment: %v", op)
		}
	}

	b.do(t,
		chromedp.Navigate(p.URL+"/?camera#face"),
		// The privacy notice comes before the camera.
		chromedp.WaitVisible(chromedp.CSS("#face-consent-accept")),
		chromedp.Click(chromedp.CSS("#face-consent-accept")),
		chromedp.WaitVisible(chromedp.CSS("#face-start")),
		chromedp.SendKeys(chromedp.CSS("#face-username"), user),
		chromedp.Click(chromedp.CSS("#face-start")),
	)
	b.waitJS(t, 30*time.Second, `!document.querySelector("#face-go").disabled`, "the camera for face sign-in")
	b.do(t, chromedp.Click(chromedp.CSS("#face-go")))
	b.waitJS(t, 10*time.Second, `!document.querySelector("#face-step").classList.contains("hidden")`, "a challenge step shown under the picture")
	b.waitJS(t, 60*time.Second, `document.querySelector("#face-msg").textContent.includes("liveness check did not pass")`, "the liveness refusal")
	if path := eval[string](t, b, `location.pathname`); path == "/app.html" {
		t.Fatal("signed in with a still picture")
	}
	if tok := eval[string](t, b, `sessionStorage.getItem("hirebus.token") || ""`); tok != "" {
		t.Fatalf("a token was stored: %q", tok)
	}
	if dir := os.Getenv("HIREBUS_SCREENSHOTS"); dir != "" {
		png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(90))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "face-liveness-still-camera.jpg"), png, 0o644); err != nil {
			t.Error(err)
		}
	}
	msg := eval[string](t, b, `document.querySelector("#face-msg").textContent`)
	if !strings.Contains(msg, "instructions") {
		t.Errorf("message %q does not tell what to do", msg)
	}
}
