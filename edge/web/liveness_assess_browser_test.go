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
	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	faceworker "github.com/hirebus/hirebus/workers/face"
	"github.com/hirebus/hirebus/workers/face/facetest"
)

// TestAssessLobbyStillCameraFailsLiveness: an assessment whose company
// requires liveness runs the face challenge in the lobby when the candidate
// presses Start; a camera showing a still photo of the candidate's own
// enrolled face cannot blink or turn, so the page says the liveness check
// did not pass and no attempt starts.
func TestAssessLobbyStillCameraFailsLiveness(t *testing.T) {
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
	video := filepath.Join(t.TempDir(), "camera.mjpeg")
	if err := os.WriteFile(video, bytes.Repeat(facetest.Image(t, f, facetest.Variant{Width: 480}), 120), 0o600); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, chromedp.Flag("use-file-for-fake-video-capture", video))
	p := platformtest.Start(t, platformtest.Options{})
	w, err := faceworker.New(faceworker.Config{}, faceworker.Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log, Embedder: pipe})
	if err != nil {
		t.Fatal(err)
	}
	p.Go(w.Run)

	cand := platformtest.User{Username: fmt.Sprintf("lcand%d", time.Now().UnixNano()%1_000_000_000), Password: "still-cam-7pass"}
	cand.Email = cand.Username + "@example.com"
	start := time.Now()
	if r := p.Do("POST", "/api/auth/send-otp", "", map[string]string{"email": cand.Email, "purpose": "register"}); r.Status != 202 {
		t.Fatalf("send-otp: %d %s", r.Status, r.Body)
	}
	if r := p.Do("POST", "/api/auth/verify-otp", "", map[string]string{"email": cand.Email, "otp": p.OTPFor(cand.Email, start), "purpose": "register"}); r.Status != 200 {
		t.Fatalf("verify-otp: %d %s", r.Status, r.Body)
	}
	var images []string
	for _, v := range facetest.Shots[:3] {
		images = append(images, facetest.Base64(t, f, v))
	}
	r := p.Do("POST", "/api/auth/register", "", map[string]any{"username": cand.Username, "email": cand.Email, "password": cand.Password, "images": images})
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	var reg struct {
		User     struct{ ID uint64 }
		Token    string
		EnrollOp string `json:"enroll_op_id"`
	}
	r.JSON(t, &reg)
	cand.ID, cand.Token = reg.User.ID, reg.Token
	if reg.EnrollOp != "" {
		if op := p.WaitOp(reg.Token, reg.EnrollOp, 60*time.Second); op["status"] != "done" {
			t.Fatalf("enrolment: %v", op)
		}
	}
	rec := p.Register("lrec", "recruiter")
	must := func(r platformtest.Response, status int) int {
		t.Helper()
		if r.Status != status {
			t.Fatalf("%d, want %d: %s", r.Status, status, r.Body)
		}
		return int(r.Map(t)["id"].(float64))
	}
	company := must(p.Do("POST", "/api/companies", rec.Token, map[string]string{"name": "Liveness Corp"}), 201)
	job := must(p.Do("POST", "/api/jobs", rec.Token, map[string]any{"company_id": company, "title": "Backend engineer", "description": "Go.", "status": "open"}), 201)
	app := must(p.Do("POST", "/api/applications", cand.Token, map[string]any{"job_id": job}), 201)
	id := must(p.Do("POST", "/api/assessments", rec.Token, map[string]any{"company_id": company, "job_id": job, "title": "Live screen", "duration_minutes": 30,
		"proctoring": map[string]any{"liveness": true},
		"questions":  []map[string]any{{"kind": "mcq", "points": 1, "prompt": "Pick defer.", "options": []string{"defer", "finally"}, "correct": []int{0}}}}), 201)
	must(p.Do("POST", fmt.Sprintf("/api/assessments/%d/invitations", id), rec.Token, map[string]any{"application_id": app}), 201)

	signIn(t, b.ctx, p.URL, cand, "candidate", fmt.Sprintf("/assess.html#/lobby/%d", id))
	b.waitJS(t, 20*time.Second, `document.querySelector("#lobby-rules").textContent.includes("Liveness check") && document.querySelector("#lobby-camera #lobby-face-agree")`, "the lobby with the liveness rule and the face notice before the camera")
	if eval[bool](t, b, `!!document.querySelector("#lobby-video")`) {
		t.Fatal("the camera is on before the face notice was accepted")
	}
	auditA11y(t, b, "assess-lobby-face-notice")
	b.do(t, chromedp.Click(chromedp.CSS("#lobby-face-agree")))
	b.waitJS(t, 30*time.Second, `document.querySelector("#lobby-video").videoWidth > 0`, "the camera running")
	b.do(t, chromedp.Click(chromedp.CSS("#lobby-agree")), chromedp.Click(chromedp.CSS("#lobby-start")))
	b.waitJS(t, 10*time.Second, `document.querySelector("#lobby-step").textContent !== ""`, "a challenge step shown under the picture")
	b.waitJS(t, 60*time.Second, `document.querySelector("#lobby-msg").textContent.includes("liveness check did not pass")`, "the liveness refusal")
	screenshot(t, b.ctx, "assess-lobby-liveness-refused.png")
	auditA11y(t, b, "assess-lobby-liveness-refused")
	if h := eval[string](t, b, `location.hash`); strings.HasPrefix(h, "#/take/") {
		t.Fatal("started with a still picture")
	}
	var n int
	if err := p.DB.Get(&n, `SELECT COUNT(*) FROM assessment_attempts WHERE assessment_id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d attempts started", n)
	}
}
