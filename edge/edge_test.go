package edge_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hirebus/hirebus/edge"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
)

// TestEndToEnd walks the whole account story against real MariaDB, JetStream
// and SMTP: send-otp → mail → verify → register → login → me → WebSocket op
// result → logout → old token refused.
func TestEndToEnd(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	email := "ada@example.com"
	start := time.Now()

	r := p.Do("POST", "/api/auth/send-otp", "", map[string]string{"email": email, "purpose": "register"})
	if r.Status != 202 {
		t.Fatalf("send-otp: %d %s", r.Status, r.Body)
	}
	sendOp := r.Map(t)["op_id"].(string)
	code := p.OTPFor(email, start)
	if op := p.WaitOp("", sendOp, 10*time.Second); op["status"] != "done" {
		t.Fatalf("send-otp op: %v", op)
	}

	// The mailed code is not what is stored.
	var stored int
	if err := p.DB.Get(&stored, `SELECT COUNT(*) FROM otp_codes WHERE email = ? AND code_hash = ?`, email, code); err != nil || stored != 0 {
		t.Fatalf("otp code stored in clear: %d %v", stored, err)
	}

	r = p.Do("POST", "/api/auth/verify-otp", "", map[string]string{"email": email, "otp": code, "purpose": "register"})
	if r.Status != 200 || r.Map(t)["verified"] != true {
		t.Fatalf("verify-otp: %d %s", r.Status, r.Body)
	}
	r = p.Do("POST", "/api/auth/register", "", map[string]string{"username": "ada", "email": email, "password": "analytical1", "role": "candidate"})
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	reg := r.Map(t)
	welcomeOp := reg["op_id"].(string)
	user := reg["user"].(map[string]any)
	if user["username"] != "ada" || user["role"] != "candidate" || reg["token"] == "" {
		t.Fatalf("register body: %s", r.Body)
	}
	if _, leaked := user["password_hash"]; leaked {
		t.Fatal("password hash leaked")
	}

	// The same verified code cannot register a second account.
	r = p.Do("POST", "/api/auth/register", "", map[string]string{"username": "ada2", "email": email, "password": "analytical1"})
	if r.Status != 403 && r.Status != 409 {
		t.Fatalf("second register with spent code: %d %s", r.Status, r.Body)
	}

	r = p.Do("POST", "/api/auth/login", "", map[string]string{"username": "ada", "password": "analytical1"})
	if r.Status != 200 {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	token := r.Map(t)["token"].(string)
	r = p.Do("POST", "/api/auth/login", "", map[string]string{"username": email, "password": "analytical1"})
	if r.Status != 200 {
		t.Fatalf("login by email: %d %s", r.Status, r.Body)
	}

	r = p.Do("GET", "/api/user/me", token, nil)
	if r.Status != 200 || r.Map(t)["email"] != email {
		t.Fatalf("me: %d %s", r.Status, r.Body)
	}

	// A WebSocket that asks for everything since seq 0 gets the welcome op
	// result even though it completed before the socket existed.
	ws := platformtest.DialWS(t, p.URL, token, 0)
	m := ws.WaitFor(10*time.Second, func(m platformtest.Push) bool { return m.Type == "op.completed" && m.OpID == welcomeOp })
	if m.Seq == 0 || !strings.Contains(string(m.Data), `"status":"done"`) {
		t.Fatalf("welcome push: %+v", m)
	}
	r = p.Do("GET", "/api/ops/"+welcomeOp, token, nil)
	if r.Status != 200 || r.Map(t)["status"] != "done" {
		t.Fatalf("op: %d %s", r.Status, r.Body)
	}

	r = p.Do("POST", "/api/auth/verify-token", "", map[string]string{"token": token})
	if v := r.Map(t); v["valid"] != true || v["role"] != "candidate" {
		t.Fatalf("verify-token: %s", r.Body)
	}
	if r = p.Do("POST", "/api/auth/logout", token, nil); r.Status != 200 {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	if r = p.Do("GET", "/api/user/me", token, nil); r.Status != 401 {
		t.Fatalf("me after logout: %d %s", r.Status, r.Body)
	}
	if r = p.Do("POST", "/api/auth/verify-token", "", map[string]string{"token": token}); r.Map(t)["valid"] != false {
		t.Fatalf("verify-token after logout: %s", r.Body)
	}
}

// TestLogoutSeenByEveryEdge: a session revoked on one edge is refused by
// another edge that had it cached, well before its cache would expire.
func TestLogoutSeenByEveryEdge(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{EdgeConfig: func(c *edge.Config) { c.SessionCache = time.Hour }})
	_, urlB := p.StartEdge(t, func(c *edge.Config) { c.SessionCache = time.Hour })
	u := p.Register("grace", "recruiter")
	if r := platformtest.Do(t, "GET", urlB+"/api/user/me", u.Token, nil); r.Status != 200 {
		t.Fatalf("edge B me: %d %s", r.Status, r.Body)
	}
	if r := p.Do("POST", "/api/auth/logout", u.Token, nil); r.Status != 200 {
		t.Fatalf("logout on A: %d", r.Status)
	}
	testutil.Eventually(t, 3*time.Second, func() bool {
		return platformtest.Do(t, "GET", urlB+"/api/user/me", u.Token, nil).Status == 401
	}, "edge B still accepts a revoked token")
}

func TestPasswordReset(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	u := p.Register("linus", "candidate")
	start := time.Now()
	if r := p.Do("POST", "/api/auth/forgot-password", "", map[string]string{"email": u.Email}); r.Status != 202 {
		t.Fatalf("forgot: %d %s", r.Status, r.Body)
	}
	// Unknown addresses get the same answer and no mail.
	if r := p.Do("POST", "/api/auth/forgot-password", "", map[string]string{"email": "nobody@example.com"}); r.Status != 202 {
		t.Fatalf("forgot unknown: %d %s", r.Status, r.Body)
	}
	code := p.OTPFor(u.Email, start)
	r := p.Do("POST", "/api/auth/reset-password", "", map[string]string{"email": u.Email, "otp": code, "new_password": "newpass123"})
	if r.Status != 200 {
		t.Fatalf("reset: %d %s", r.Status, r.Body)
	}
	if r := p.Do("GET", "/api/user/me", u.Token, nil); r.Status != 401 {
		t.Fatalf("old session survived reset: %d", r.Status)
	}
	if r := p.Do("POST", "/api/auth/login", "", map[string]string{"username": u.Username, "password": u.Password}); r.Status != 401 {
		t.Fatalf("old password still works: %d", r.Status)
	}
	if r := p.Do("POST", "/api/auth/login", "", map[string]string{"username": u.Username, "password": "newpass123"}); r.Status != 200 {
		t.Fatalf("new password: %d %s", r.Status, r.Body)
	}
	for _, m := range p.Mailbox.List() {
		if strings.EqualFold(m.To[0], "nobody@example.com") {
			t.Fatal("mail sent to an unregistered address")
		}
	}
}

func TestOTPLimits(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	email := "limits@example.com"
	start := time.Now()
	if r := p.Do("POST", "/api/auth/send-otp", "", map[string]string{"email": email, "purpose": "register"}); r.Status != 202 {
		t.Fatalf("send-otp: %d", r.Status)
	}
	code := p.OTPFor(email, start)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for i := 0; i < 5; i++ {
		r := p.Do("POST", "/api/auth/verify-otp", "", map[string]string{"email": email, "otp": wrong, "purpose": "register"})
		if r.Status != 400 || r.ErrorCode() != "invalid_otp" {
			t.Fatalf("wrong try %d: %d %s", i, r.Status, r.Body)
		}
	}
	r := p.Do("POST", "/api/auth/verify-otp", "", map[string]string{"email": email, "otp": code, "purpose": "register"})
	if r.Status != 429 {
		t.Fatalf("right code after 5 wrong tries: %d %s, want 429", r.Status, r.Body)
	}
	// Resend is limited per email (3 per window, one already used).
	for i := 0; i < 2; i++ {
		if r := p.Do("POST", "/api/auth/send-otp", "", map[string]string{"email": email, "purpose": "register"}); r.Status != 202 {
			t.Fatalf("resend %d: %d %s", i, r.Status, r.Body)
		}
	}
	if r := p.Do("POST", "/api/auth/send-otp", "", map[string]string{"email": email, "purpose": "register"}); r.Status != 429 {
		t.Fatalf("4th send: %d %s, want 429", r.Status, r.Body)
	}
	// ... and per IP.
	for i := 0; ; i++ {
		r := p.Do("POST", "/api/auth/send-otp", "", map[string]string{"email": fmt.Sprintf("ip%d@example.com", i), "purpose": "register"})
		if r.Status == 429 {
			break
		}
		if r.Status != 202 || i > 25 {
			t.Fatalf("per-IP limit not applied: try %d: %d", i, r.Status)
		}
	}
}

func TestBadInput(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{EdgeConfig: func(c *edge.Config) { c.BodyLimit = 64 << 10 }})
	u := p.Register("taken", "candidate")
	long := strings.Repeat("a", 300)
	cases := []struct {
		name, method, path, token string
		body                      any
		contentType               string
		status                    int
		code                      string
	}{
		{"malformed json", "POST", "/api/auth/login", "", `{"username":`, "", 400, "bad_json"},
		{"trailing data", "POST", "/api/auth/login", "", `{"username":"a","password":"b"} {}`, "", 400, "bad_json"},
		{"wrong type", "POST", "/api/auth/login", "", `{"username":5,"password":"x"}`, "", 400, "bad_json"},
		{"empty body", "POST", "/api/auth/login", "", "", "", 400, "empty_body"},
		{"wrong content type", "POST", "/api/auth/login", "", `{"username":"a","password":"b"}`, "text/plain", 415, "unsupported_media_type"},
		{"body over limit", "POST", "/api/auth/register", "", `{"username":"` + strings.Repeat("x", 70<<10) + `"}`, "", 413, "body_too_large"},
		{"missing email", "POST", "/api/auth/send-otp", "", map[string]string{"purpose": "register"}, "", 400, "missing_email"},
		{"bad email", "POST", "/api/auth/send-otp", "", map[string]string{"email": "not-an-email", "purpose": "register"}, "", 400, "bad_email"},
		{"email with name", "POST", "/api/auth/send-otp", "", map[string]string{"email": "Bob <bob@example.com>"}, "", 400, "bad_email"},
		{"long email", "POST", "/api/auth/send-otp", "", map[string]string{"email": long + "@example.com"}, "", 400, "bad_email"},
		{"bad purpose", "POST", "/api/auth/send-otp", "", map[string]string{"email": "x@example.com", "purpose": "admin"}, "", 400, "bad_purpose"},
		{"otp not digits", "POST", "/api/auth/verify-otp", "", map[string]string{"email": "x@example.com", "otp": "12ab56"}, "", 400, "bad_otp"},
		{"otp never sent", "POST", "/api/auth/verify-otp", "", map[string]string{"email": "x@example.com", "otp": "123456"}, "", 400, "invalid_otp"},
		{"missing username", "POST", "/api/auth/register", "", map[string]string{"email": "n@example.com", "password": "abcdefg1-k7"}, "", 400, "missing_username"},
		{"bad username", "POST", "/api/auth/register", "", map[string]string{"username": "a b", "email": "n@example.com", "password": "abcdefg1-k7"}, "", 400, "bad_username"},
		{"long username", "POST", "/api/auth/register", "", map[string]string{"username": long, "email": "n@example.com", "password": "abcdefg1-k7"}, "", 400, "bad_username"},
		{"weak password short", "POST", "/api/auth/register", "", map[string]string{"username": "neo", "email": "n@example.com", "password": "a1"}, "", 400, "weak_password"},
		{"weak password letters", "POST", "/api/auth/register", "", map[string]string{"username": "neo", "email": "n@example.com", "password": "abcdefghij"}, "", 400, "weak_password"},
		{"password over 72 bytes", "POST", "/api/auth/register", "", map[string]string{"username": "neo", "email": "n@example.com", "password": strings.Repeat("a1", 40)}, "", 400, "bad_password"},
		{"bad role", "POST", "/api/auth/register", "", map[string]string{"username": "neo", "email": "n@example.com", "password": "abcdefg1-k7", "role": "admin"}, "", 400, "bad_role"},
		{"register without otp", "POST", "/api/auth/register", "", map[string]string{"username": "neo", "email": "n@example.com", "password": "abcdefg1-k7"}, "", 403, "otp_required"},
		{"wrong password", "POST", "/api/auth/login", "", map[string]string{"username": "taken", "password": "nope12345"}, "", 401, "invalid_credentials"},
		{"unknown user", "POST", "/api/auth/login", "", map[string]string{"username": "ghost", "password": "nope12345"}, "", 401, "invalid_credentials"},
		{"login missing password", "POST", "/api/auth/login", "", map[string]string{"username": "taken"}, "", 400, "missing_password"},
		{"me without token", "GET", "/api/user/me", "", nil, "", 401, "unauthorized"},
		{"me with garbage token", "GET", "/api/user/me", "garbage", nil, "", 401, "unauthorized"},
		{"me with forged token", "GET", "/api/user/me", forge(u.Token), nil, "", 401, "unauthorized"},
		{"verify-token missing", "POST", "/api/auth/verify-token", "", map[string]string{}, "", 400, "missing_token"},
		{"reset weak password", "POST", "/api/auth/reset-password", "", map[string]string{"email": u.Email, "otp": "123456", "new_password": "x"}, "", 400, "weak_password"},
		{"op bad id", "GET", "/api/ops/123", "", nil, "", 400, "bad_op_id"},
		{"op unknown", "GET", "/api/ops/01a21698-adb4-7616-880c-08d713660fdf", "", nil, "", 404, "not_found"},
		{"unknown route", "GET", "/api/nope", "", nil, "", 404, "not_found"},
		{"ws without upgrade", "GET", "/ws", "", nil, "", 426, "upgrade_required"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var r platformtest.Response
			if tc.contentType != "" {
				r = doWithType(t, p.URL+tc.path, tc.contentType, tc.body.(string))
			} else {
				r = p.Do(tc.method, tc.path, tc.token, tc.body)
			}
			if r.Status != tc.status || r.ErrorCode() != tc.code {
				t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
			var e struct {
				Error struct{ Code, Message string }
			}
			r.JSON(t, &e)
			if e.Error.Message == "" {
				t.Fatalf("error without message: %s", r.Body)
			}
		})
	}
	t.Run("duplicate username", func(t *testing.T) {
		start := time.Now()
		email := "other@example.com"
		p.Do("POST", "/api/auth/send-otp", "", map[string]string{"email": email, "purpose": "register"})
		code := p.OTPFor(email, start)
		p.Do("POST", "/api/auth/verify-otp", "", map[string]string{"email": email, "otp": code, "purpose": "register"})
		r := p.Do("POST", "/api/auth/register", "", map[string]string{"username": "taken", "email": email, "password": "abcdefg1-k7"})
		if r.Status != 409 || r.ErrorCode() != "already_registered" {
			t.Fatalf("duplicate: %d %s", r.Status, r.Body)
		}
		// The failed register did not burn the verified code.
		r = p.Do("POST", "/api/auth/register", "", map[string]string{"username": "fresh", "email": email, "password": "abcdefg1-k7"})
		if r.Status != 201 {
			t.Fatalf("register after conflict: %d %s", r.Status, r.Body)
		}
	})
}

func forge(token string) string {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return token
	}
	return parts[0] + "." + parts[1] + ".AAAA" + parts[2][4:]
}

func doWithType(t *testing.T, url, ct, body string) platformtest.Response {
	t.Helper()
	return platformtest.DoRaw(t, "POST", url, ct, body)
}

func jsonReq(path, body string) *http.Request {
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}

func TestPagesAndDocs(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	for _, tc := range []struct {
		path, ctype, contains string
		status                int
	}{
		{"/", "text/html", "<html", 200},
		{"/app.html", "text/html", "<html", 200},
		{"/style.css", "text/css", "", 200},
		{"/docs", "text/html", "<html", 200},
		{"/docs/openapi.yaml", "application/yaml", "openapi:", 200},
		{"/health", "application/json", `"ok"`, 200},
		{"/metrics", "application/json", "not_found", 404}, // internal listener only (HIREBUS_METRICS_ADDR)
		{"/nope.html", "application/json", "not_found", 404},
		{"/web.go", "application/json", "not_found", 404},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, err := http.Get(p.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.ctype) || !strings.Contains(strings.ToLower(string(body)), strings.ToLower(tc.contains)) {
				t.Fatalf("%s: %d %s %.80q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
		})
	}
}

func TestLoginRateLimit(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{EdgeConfig: func(c *edge.Config) { c.LoginPerMin = 5 }})
	for i := 0; i < 5; i++ {
		if r := p.Do("POST", "/api/auth/login", "", map[string]string{"username": "nobody", "password": "wrong1234"}); r.Status != 401 {
			t.Fatalf("attempt %d: %d %s", i, r.Status, r.Body)
		}
	}
	r := p.Do("POST", "/api/auth/login", "", map[string]string{"username": "nobody", "password": "wrong1234"})
	if r.Status != 429 || r.ErrorCode() != "too_many_requests" {
		t.Fatalf("6th attempt within a minute: %d %s", r.Status, r.Body)
	}
}
