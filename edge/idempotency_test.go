package edge_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/hirebus/hirebus/edge"
	"github.com/hirebus/hirebus/internal/platformtest"
)

// postKeyed posts body as JSON with an optional token and Idempotency-Key.
func postKeyed(t *testing.T, url, token, key string, body any) platformtest.Response {
	t.Helper()
	data, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(data))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return platformtest.Response{Status: resp.StatusCode, Body: out}
}

// TestIdempotencyKeyOnCommandRoutes: every command-creating route answers a
// retry with the same Idempotency-Key (same caller, same body) with the
// operation the first request created, refuses the key with another body,
// and creates a new operation without a key.
func TestIdempotencyKeyOnCommandRoutes(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{EdgeConfig: func(c *edge.Config) { c.WaitTimeout = 200 * time.Millisecond }})
	u := p.Register("keyed", "candidate")
	img := noisePNG(t, 64)
	routes := []struct {
		name, path, token string
		body, other       any
		status            int // answer without a worker for the command
	}{
		{"send-otp", "/api/auth/send-otp", "", map[string]string{"email": "k1@example.com", "purpose": "register"},
			map[string]string{"email": "k2@example.com", "purpose": "register"}, 202},
		{"reset-face", "/api/auth/reset-face", u.Token, map[string]any{"images": []string{img, img, img}, "password": u.Password},
			map[string]any{"images": []string{img, img, img, img}, "password": u.Password}, 202},
		{"face-login", "/api/auth/face-login", "", map[string]any{"image": img},
			map[string]any{"image": noisePNG(t, 65)}, 202},
		{"code execute", "/api/code/execute", u.Token, map[string]any{"language": "python", "source": "print(1)"},
			map[string]any{"language": "python", "source": "print(2)"}, 202},
	}
	for _, r := range routes {
		t.Run(r.name, func(t *testing.T) {
			key := "retry-" + r.name[:4] + "-1"
			first := postKeyed(t, p.URL+r.path, r.token, key, r.body)
			again := postKeyed(t, p.URL+r.path, r.token, key, r.body)
			if first.Status != r.status || again.Status != r.status {
				t.Fatalf("answers %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
			}
			a, b := first.Map(t), again.Map(t)
			if a["op_id"] == nil || a["op_id"] != b["op_id"] || b["replayed"] != true {
				t.Fatalf("retry made another operation: %s vs %s", first.Body, again.Body)
			}
			if x := postKeyed(t, p.URL+r.path, r.token, key, r.other); x.Status != 422 || x.ErrorCode() != "idempotency_key_reused" {
				t.Fatalf("same key, other body: %d %s", x.Status, x.Body)
			}
			if x := postKeyed(t, p.URL+r.path, r.token, "bad key", r.body); x.Status != 400 || x.ErrorCode() != "bad_idempotency_key" {
				t.Fatalf("bad key: %d %s", x.Status, x.Body)
			}
			if x := postKeyed(t, p.URL+r.path, r.token, "", r.body); x.Status != r.status || x.Map(t)["op_id"] == a["op_id"] {
				t.Fatalf("no key: %d %s", x.Status, x.Body)
			}
		})
	}
	var otpRequests int
	if err := p.DB.Get(&otpRequests, `SELECT COUNT(*) FROM otp_requests WHERE email = 'k1@example.com'`); err != nil || otpRequests != 2 {
		t.Fatalf("otp requests for k1: %d (%v), want 2 (keyed once + unkeyed once)", otpRequests, err)
	}
}

// TestIdempotentRegister: a registration retried with its key (the edge
// died before answering) returns the same account and a working token for
// the same session, not 409 and not a second session.
func TestIdempotentRegister(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	email := "again@example.com"
	start := time.Now()
	if r := p.Do("POST", "/api/auth/send-otp", "", map[string]string{"email": email, "purpose": "register"}); r.Status != 202 {
		t.Fatalf("send-otp: %d %s", r.Status, r.Body)
	}
	code := p.OTPFor(email, start)
	if r := p.Do("POST", "/api/auth/verify-otp", "", map[string]string{"email": email, "otp": code, "purpose": "register"}); r.Status != 200 {
		t.Fatalf("verify-otp: %d %s", r.Status, r.Body)
	}
	body := map[string]string{"username": "again", "email": email, "password": "s3cret-pass", "role": "candidate"}
	first := postKeyed(t, p.URL+"/api/auth/register", "", "reg-1", body)
	again := postKeyed(t, p.URL+"/api/auth/register", "", "reg-1", body)
	if first.Status != 201 || again.Status != 201 {
		t.Fatalf("register: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
	}
	var a, b struct {
		User     struct{ ID uint64 }
		Token    string
		OpID     string `json:"op_id"`
		Replayed bool
	}
	first.JSON(t, &a)
	again.JSON(t, &b)
	if a.User.ID == 0 || a.User.ID != b.User.ID || a.OpID != b.OpID || !b.Replayed {
		t.Fatalf("replayed register: %s vs %s", first.Body, again.Body)
	}
	if r := p.Do("GET", "/api/user/me", b.Token, nil); r.Status != 200 {
		t.Fatalf("replayed token: %d %s", r.Status, r.Body)
	}
	var sessions int
	if err := p.DB.Get(&sessions, `SELECT COUNT(*) FROM user_sessions WHERE user_id = ?`, a.User.ID); err != nil || sessions != 1 {
		t.Fatalf("sessions: %d (%v), want 1", sessions, err)
	}
	other := map[string]string{"username": "again", "email": email, "password": "other-pass-1", "role": "candidate"}
	if r := postKeyed(t, p.URL+"/api/auth/register", "", "reg-1", other); r.Status != 422 {
		t.Fatalf("same key, other password: %d %s", r.Status, r.Body)
	}
}

// TestIdempotencyKeyConcurrent: retries racing each other with one key
// create one operation; each answer is that operation or 409 (retry).
func TestIdempotencyKeyConcurrent(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	body := map[string]string{"email": "race@example.com", "purpose": "register"}
	const n = 8
	answers := make(chan platformtest.Response, n)
	for range n {
		go func() { answers <- postKeyed(t, p.URL+"/api/auth/send-otp", "", "race-key", body) }()
	}
	ops := map[any]bool{}
	for range n {
		r := <-answers
		switch r.Status {
		case 202:
			ops[r.Map(t)["op_id"]] = true
		case 409:
			if r.ErrorCode() != "idempotency_key_in_use" {
				t.Fatalf("409 %s", r.Body)
			}
		default:
			t.Fatalf("answer %d %s", r.Status, r.Body)
		}
	}
	var stored int
	if err := p.DB.Get(&stored, `SELECT COUNT(*) FROM operations WHERE type = 'send_otp'`); err != nil {
		t.Fatal(err)
	}
	if len(ops) != 1 || stored != 1 {
		t.Fatalf("operations: %d answered, %d stored; want 1", len(ops), stored)
	}
}
