package edge_test

// Regression tests of issue 7 (security review). Each fails on the code
// before its fix; docs/security.md maps them to the OWASP API Top 10.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fasthttp/websocket"
	"github.com/hirebus/hirebus/edge"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/workers/face/facetest"
)

// rawDo sends a JSON request and returns the status, headers and body.
func rawDo(t *testing.T, method, url, token string, body any, hdr map[string]string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, data
}

func countOps(t *testing.T, p *platformtest.Platform) int {
	t.Helper()
	var n int
	if err := p.DB.Get(&n, `SELECT COUNT(*) FROM operations`); err != nil {
		t.Fatal(err)
	}
	return n
}

// registerEmail walks send-otp → verify → register for any address and
// returns the token (the platform helper derives the address from the name).
func registerEmail(t *testing.T, p *platformtest.Platform, username, email, mailbox string) (int, string) {
	t.Helper()
	start := time.Now()
	if r := p.Do("POST", "/api/auth/send-otp", "", map[string]string{"email": email, "purpose": "register"}); r.Status != 202 {
		t.Fatalf("send-otp %s: %d %s", email, r.Status, r.Body)
	}
	code := p.OTPFor(mailbox, start)
	if r := p.Do("POST", "/api/auth/verify-otp", "", map[string]string{"email": email, "otp": code, "purpose": "register"}); r.Status != 200 {
		t.Fatalf("verify-otp %s: %d %s", email, r.Status, r.Body)
	}
	r := p.Do("POST", "/api/auth/register", "", map[string]string{"username": username, "email": email, "password": "s3cret-pass"})
	tok, _ := r.Map(t)["token"].(string)
	return r.Status, tok
}

// TestLookalikeEmailTakeover: the critical finding. A forgot-password for
// v@exämple.com must not reach v@example.com's account, and a registered
// look-alike must not block the real owner's sign-up.
func TestLookalikeEmailTakeover(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	victim := p.Register("victim", "candidate") // victim@example.com
	const lookalike = "victim@exämple.com"

	before := countOps(t, p)
	if r := p.Do("POST", "/api/auth/forgot-password", "", map[string]string{"email": lookalike}); r.Status != 202 {
		t.Fatalf("forgot look-alike: %d %s", r.Status, r.Body)
	}
	if n := countOps(t, p); n != before {
		t.Fatalf("forgot-password for %s queued a mail (%d operations, was %d): it matched %s", lookalike, n, before, victim.Email)
	}
	r := p.Do("POST", "/api/auth/reset-password", "", map[string]string{"email": lookalike, "otp": "123456", "new_password": "attacker-pass-9"})
	if r.Status == 200 {
		t.Fatalf("reset through the look-alike: %s", r.Body)
	}
	if r := p.Do("POST", "/api/auth/login", "", map[string]string{"username": victim.Username, "password": victim.Password}); r.Status != 200 {
		t.Fatalf("victim cannot sign in: %d %s", r.Status, r.Body)
	}

	// Sign-up: the look-alike registers first (its mail goes to the
	// punycode address), the real owner can still register afterwards.
	if st, _ := registerEmail(t, p, "squatter", "owner@exämple.com", "owner@xn--exmple-cua.com"); st != 201 {
		t.Fatalf("look-alike register: %d", st)
	}
	if st, _ := registerEmail(t, p, "owner", "owner@example.com", "owner@example.com"); st != 201 {
		t.Fatalf("the real owner's sign-up was blocked by the look-alike: %d", st)
	}
	// Case is not a different account.
	if st, _ := registerEmail(t, p, "owner2", "Owner@Example.COM", "owner@example.com"); st != 409 {
		t.Fatalf("same address in other case: %d, want 409", st)
	}
	var stored []string
	if err := p.DB.Select(&stored, `SELECT email FROM users WHERE username IN ('squatter','owner') ORDER BY username`); err != nil {
		t.Fatal(err)
	}
	if len(stored) != 2 || stored[0] != "owner@example.com" || stored[1] != "owner@xn--exmple-cua.com" {
		t.Fatalf("stored addresses %q", stored)
	}
	// Non-ASCII local parts are refused, not folded.
	if r := p.Do("POST", "/api/auth/send-otp", "", map[string]string{"email": "vïctim@example.com"}); r.Status != 400 || r.ErrorCode() != "bad_email" {
		t.Fatalf("non-ASCII local part: %d %s", r.Status, r.Body)
	}
}

// TestForgotPasswordKeepsOwnersCode: a forgot-password by someone else
// does not invalidate the code the owner already has.
func TestForgotPasswordKeepsOwnersCode(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	u := p.Register("keeper", "candidate")
	start := time.Now()
	if r := p.Do("POST", "/api/auth/forgot-password", "", map[string]string{"email": u.Email}); r.Status != 202 {
		t.Fatalf("forgot: %d", r.Status)
	}
	mine := p.OTPFor(u.Email, start)
	start2 := time.Now()
	if r := p.Do("POST", "/api/auth/forgot-password", "", map[string]string{"email": u.Email}); r.Status != 202 {
		t.Fatalf("someone else's forgot: %d", r.Status)
	}
	other := p.OTPFor(u.Email, start2)
	if other == mine {
		t.Skip("both codes are equal by chance")
	}
	r := p.Do("POST", "/api/auth/reset-password", "", map[string]string{"email": u.Email, "otp": mine, "new_password": "brand-new-pass-7"})
	if r.Status != 200 {
		t.Fatalf("owner's code after another request: %d %s", r.Status, r.Body)
	}
	// One reset spends every live code.
	r = p.Do("POST", "/api/auth/reset-password", "", map[string]string{"email": u.Email, "otp": other, "new_password": "second-new-pass-7"})
	if r.Status == 200 {
		t.Fatal("a second reset with the spare code worked")
	}
}

// TestForgotPasswordEnumeration: operation lookups and quotas of
// forgot-password answer the same for known and unknown addresses.
func TestForgotPasswordEnumeration(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	u := p.Register("known", "candidate")
	seq := func(email string) (statuses []int, opStatus []int) {
		for i := 0; i < 4; i++ {
			r := p.Do("POST", "/api/auth/forgot-password", "", map[string]string{"email": email})
			statuses = append(statuses, r.Status)
			if r.Status == 202 {
				id := r.Map(t)["op_id"].(string)
				opStatus = append(opStatus, p.Do("GET", "/api/ops/"+id, "", nil).Status)
			}
		}
		return statuses, opStatus
	}
	ks, kops := seq(u.Email)
	// The known address had one code (its registration) in this window;
	// give the unknown one the same history.
	p.Do("POST", "/api/auth/send-otp", "", map[string]string{"email": "nobody-here@example.com"})
	us, uops := seq("nobody-here@example.com")
	if fmt.Sprint(ks) != fmt.Sprint(us) || fmt.Sprint(kops) != fmt.Sprint(uops) {
		t.Fatalf("known %v ops %v, unknown %v ops %v: must be equal", ks, kops, us, uops)
	}
	if fmt.Sprint(ks) != "[202 202 429 429]" {
		t.Fatalf("quota %v", ks)
	}
	st, h, _ := rawDo(t, "POST", p.URL+"/api/auth/forgot-password", "", map[string]string{"email": "nobody-here@example.com"}, nil)
	if secs, _ := strconv.Atoi(h.Get("Retry-After")); st != 429 || secs < 1 || secs > 600 {
		t.Fatalf("over quota: %d Retry-After %q", st, h.Get("Retry-After"))
	}
	// Even the account owner cannot read a forgot-password operation.
	r := p.Do("POST", "/api/auth/forgot-password", u.Token, map[string]string{"email": u.Email})
	if r.Status == 202 {
		if st := p.Do("GET", "/api/ops/"+r.Map(t)["op_id"].(string), u.Token, nil).Status; st != 404 {
			t.Fatalf("owner reads forgot op: %d", st)
		}
	}
}

// TestPasswordResetRevokesFace: after a password reset the face enrolment
// is gone (whoever replaced it with a stolen token loses face sign-in).
func TestPasswordResetRevokesFace(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	u := p.Register("revoked", "candidate")
	if _, err := p.DB.Exec(`UPDATE users SET face_enrolled = TRUE WHERE id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	p.Do("POST", "/api/auth/forgot-password", "", map[string]string{"email": u.Email})
	code := p.OTPFor(u.Email, start)
	if r := p.Do("POST", "/api/auth/reset-password", "", map[string]string{"email": u.Email, "otp": code, "new_password": "after-reset-pass-3"}); r.Status != 200 {
		t.Fatalf("reset: %d %s", r.Status, r.Body)
	}
	var enrolled bool
	var deletes int
	if err := p.DB.Get(&enrolled, `SELECT face_enrolled FROM users WHERE id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := p.DB.Get(&deletes, `SELECT COUNT(*) FROM operations WHERE type = 'face_delete' AND user_id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	if enrolled || deletes != 1 {
		t.Fatalf("after reset: face_enrolled=%v, face delete commands=%d", enrolled, deletes)
	}
}

// TestResetFaceNeedsReauthentication: a token alone cannot replace the face.
func TestResetFaceNeedsReauthentication(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{EdgeConfig: func(c *edge.Config) { c.ResetFacePerHour = 4 }})
	u := p.Register("reauth", "candidate")
	blank := facetest.Blank(t)
	imgs := []string{blank, blank, blank}
	if r := p.Do("POST", "/api/auth/reset-face", u.Token, map[string]any{"images": imgs}); r.Status != 403 || r.ErrorCode() != "reauth_required" {
		t.Fatalf("token only: %d %s", r.Status, r.Body)
	}
	if r := p.Do("POST", "/api/auth/reset-face", u.Token, map[string]any{"images": imgs, "password": "wrong-pass-1"}); r.Status != 401 {
		t.Fatalf("wrong password: %d %s", r.Status, r.Body)
	}
	if r := p.Do("POST", "/api/auth/reset-face", u.Token, map[string]any{"images": imgs, "password": u.Password}); r.Status != 202 {
		t.Fatalf("with password: %d %s", r.Status, r.Body)
	}
	// A fresh mailed code works too, once.
	start := time.Now()
	p.Do("POST", "/api/auth/send-otp", u.Token, map[string]string{"email": u.Email, "purpose": "reset"})
	code := p.OTPFor(u.Email, start)
	if r := p.Do("POST", "/api/auth/reset-face", u.Token, map[string]any{"images": imgs, "otp": code}); r.Status != 202 {
		t.Fatalf("with otp: %d %s", r.Status, r.Body)
	}
	// Rate limit per user (4 per hour, all used above, the 403 and 401
	// included): 429 with Retry-After.
	st, h, body := rawDo(t, "POST", p.URL+"/api/auth/reset-face", u.Token, map[string]any{"images": imgs, "password": u.Password}, nil)
	if st != 429 || h.Get("Retry-After") == "" {
		t.Fatalf("4th reset-face in an hour: %d %s (Retry-After %q)", st, body, h.Get("Retry-After"))
	}
}

// TestFaceLoginOperatorRequirement: HIREBUS_FACE_LOGIN_REQUIRE makes face
// sign-in need a username or a password before any face work.
func TestFaceLoginOperatorRequirement(t *testing.T) {
	img := facetest.Blank(t)
	for _, tc := range []struct {
		require string
		body    map[string]any
		code    string
	}{
		{edge.FaceLoginRequireUsername, map[string]any{"image": img}, "username_required"},
		{edge.FaceLoginRequirePassword, map[string]any{"image": img}, "password_required"},
		{edge.FaceLoginRequirePassword, map[string]any{"image": img, "username": "someone"}, "password_required"},
	} {
		t.Run(tc.require, func(t *testing.T) {
			p := platformtest.Start(t, platformtest.Options{NoMailWorker: true, EdgeConfig: func(c *edge.Config) { c.FaceLoginRequire = tc.require }})
			before := countOps(t, p)
			r := p.Do("POST", "/api/auth/face-login", "", tc.body)
			if r.Status != 401 || r.ErrorCode() != tc.code {
				t.Fatalf("got %d %s, want 401 %s", r.Status, r.Body, tc.code)
			}
			if countOps(t, p) != before {
				t.Fatal("a face check was queued anyway")
			}
		})
	}
	if _, err := edge.New(edge.Config{JWTKey: make([]byte, 32), FaceLoginRequire: "maybe"}, edge.Deps{}); err == nil || !strings.Contains(err.Error(), "face login") {
		t.Fatalf("bad requirement accepted: %v", err)
	}
}

// TestFaceLoginUnknownUserDoesTheWork: an unknown username is checked like
// a known one (a face command is queued), so timing does not tell them apart.
func TestFaceLoginUnknownUserDoesTheWork(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true, EdgeConfig: func(c *edge.Config) { c.WaitTimeout = 200 * time.Millisecond }})
	before := countOps(t, p)
	r := p.Do("POST", "/api/auth/face-login", "", map[string]any{"image": facetest.Blank(t), "username": "nobody-at-all"})
	if r.Status == 401 {
		t.Fatalf("unknown username answered at once: %s", r.Body)
	}
	if countOps(t, p) != before+1 {
		t.Fatal("no face check queued for an unknown username")
	}
}

// TestRegisterChecksOTPFirst: without a verified code, register answers
// before hashing the password. The bcrypt cost here takes tens of seconds
// per hash, so an answer within the client deadline proves the order.
func TestRegisterChecksOTPFirst(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true, EdgeConfig: func(c *edge.Config) { c.PasswordCost = 19 }})
	body, _ := json.Marshal(map[string]string{"username": "slowpoke", "email": "slow@example.com", "password": "s3cret-pass"})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", p.URL+"/api/auth/register", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("register without a code did not answer before hashing: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Fatalf("status %d, want 403 otp_required", resp.StatusCode)
	}
}

// TestRegisterRateLimit: register is limited per client address, with
// Retry-After.
func TestRegisterRateLimit(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true, EdgeConfig: func(c *edge.Config) { c.RegisterPerMin = 3 }})
	body := map[string]string{"username": "someone", "email": "someone@example.com", "password": "s3cret-pass"}
	for i := 0; i < 3; i++ {
		if r := p.Do("POST", "/api/auth/register", "", body); r.Status != 403 {
			t.Fatalf("register %d: %d %s", i, r.Status, r.Body)
		}
	}
	st, h, b := rawDo(t, "POST", p.URL+"/api/auth/register", "", body, nil)
	if st != 429 || h.Get("Retry-After") == "" {
		t.Fatalf("4th register: %d %s, Retry-After %q", st, b, h.Get("Retry-After"))
	}
}

// TestCommonPasswordRefused: the kept blocklist rejects common passwords
// that pass the letters-and-digits rule.
func TestCommonPasswordRefused(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	for _, pw := range []string{"password1", "Password1", "abc12345", "qwerty123"} {
		r := p.Do("POST", "/api/auth/register", "", map[string]string{"username": "neo", "email": "neo@example.com", "password": pw})
		if r.Status != 400 || r.ErrorCode() != "weak_password" {
			t.Fatalf("%s: %d %s", pw, r.Status, r.Body)
		}
	}
}

// TestLoginBackoffPerAccount: failed passwords slow the account down with
// growing delays (429 + Retry-After) whatever address they come from, and
// the owner gets in once the short delay has passed: no hard lock.
func TestLoginBackoffPerAccount(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{EdgeConfig: func(c *edge.Config) {
		c.LoginBackoffFree = 3
		c.LoginBackoffMax = 2 * time.Second
	}})
	u := p.Register("guarded", "candidate")
	_, urlB := p.StartEdge(t, func(c *edge.Config) { c.LoginBackoffFree = 3; c.LoginBackoffMax = 2 * time.Second })
	for i := 0; i < 4; i++ {
		base := p.URL
		if i%2 == 1 {
			base = urlB // another edge: the backoff is shared
		}
		if r := platformtest.Do(t, "POST", base+"/api/auth/login", "", map[string]string{"username": u.Username, "password": "wrong-pass-1"}); r.Status != 401 {
			t.Fatalf("wrong password %d: %d %s", i, r.Status, r.Body)
		}
	}
	st, h, b := rawDo(t, "POST", urlB+"/api/auth/login", "", map[string]string{"username": u.Username, "password": u.Password}, nil)
	if st != 429 || h.Get("Retry-After") == "" {
		t.Fatalf("right password right after 4 failures: %d %s, want 429 with Retry-After", st, b)
	}
	testutil.Eventually(t, 5*time.Second, func() bool {
		return p.Do("POST", "/api/auth/login", "", map[string]string{"username": u.Username, "password": u.Password}).Status == 200
	}, "the owner stays locked out")
}

// TestRateLimitSharedAcrossEdges: the per-IP login limit holds across two
// edges and answers with Retry-After.
func TestRateLimitSharedAcrossEdges(t *testing.T) {
	tweak := func(c *edge.Config) { c.LoginPerMin = 4; c.LoginBackoffFree = -1 }
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true, EdgeConfig: tweak})
	_, urlB := p.StartEdge(t, tweak)
	for i := 0; i < 4; i++ {
		base := p.URL
		if i%2 == 1 {
			base = urlB
		}
		if r := platformtest.Do(t, "POST", base+"/api/auth/login", "", map[string]string{"username": "nobody", "password": "wrong1234"}); r.Status != 401 {
			t.Fatalf("attempt %d: %d %s", i, r.Status, r.Body)
		}
	}
	for _, base := range []string{p.URL, urlB} {
		st, h, b := rawDo(t, "POST", base+"/api/auth/login", "", map[string]string{"username": "nobody", "password": "wrong1234"}, nil)
		secs, _ := strconv.Atoi(h.Get("Retry-After"))
		if st != 429 || secs < 1 {
			t.Fatalf("%s: %d %s Retry-After %q", base, st, b, h.Get("Retry-After"))
		}
	}
}

// TestTrustedProxies: the client address comes from the proxy header only
// when the peer is a trusted proxy, and then it is the right-most hop that
// is not a trusted proxy (what the client wrote itself is ignored). The
// per-IP OTP quota (1 here) shows which address the edge saw.
func TestTrustedProxies(t *testing.T) {
	trusted := func(c *edge.Config) {
		c.OTPPerIP = 1
		c.ProxyHeader = "X-Forwarded-For"
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	}
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true, EdgeConfig: trusted})
	n := 0
	send := func(base, xff string) int {
		n++
		st, _, _ := rawDo(t, "POST", base+"/api/auth/send-otp", "", map[string]string{"email": fmt.Sprintf("p%d@example.com", n)}, map[string]string{"X-Forwarded-For": xff})
		return st
	}
	for i, tc := range []struct {
		xff  string
		want int
	}{
		{"203.0.113.5", 202},
		{"203.0.113.5", 429},
		{"203.0.113.5, 198.51.100.7", 202}, // the client wrote 203.0.113.5 itself
		{"198.51.100.7", 429},
		{"9.9.9.9, 198.51.100.7", 429},
		{"192.0.2.1, 127.0.0.9", 202}, // a trusted hop is skipped
	} {
		if got := send(p.URL, tc.xff); got != tc.want {
			t.Fatalf("step %d X-Forwarded-For %q: %d, want %d", i, tc.xff, got, tc.want)
		}
	}
	// Peer not trusted: the header is ignored, every request is 127.0.0.1.
	_, urlB := p.StartEdge(t, func(c *edge.Config) {
		trusted(c)
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	})
	if got := send(urlB, "192.0.2.50"); got != 202 {
		t.Fatalf("first from untrusted peer: %d", got)
	}
	if got := send(urlB, "192.0.2.51"); got != 429 {
		t.Fatalf("spoofed header from an untrusted peer was believed: %d", got)
	}
	// A header without trusted proxies is a configuration error.
	if _, err := edge.New(edge.Config{JWTKey: make([]byte, 32), ProxyHeader: "X-Forwarded-For"}, edge.Deps{}); err == nil {
		t.Fatal("proxy header without trusted proxies accepted")
	}
}

// TestUserAgentCleaned: invalid UTF-8 and over-long User-Agents are cleaned
// and cut, never a 500.
func TestUserAgentCleaned(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	u := p.Register("agent", "candidate")
	for name, ua := range map[string]string{
		"invalid utf-8":      "Mozilla/5.0 \xff\xfe\xc3(",
		"long multibyte cut": strings.Repeat("a", 511) + "é" + strings.Repeat("ü", 300),
	} {
		t.Run(name, func(t *testing.T) {
			st, _, b := rawDo(t, "POST", p.URL+"/api/auth/login", "", map[string]string{"username": u.Username, "password": u.Password}, map[string]string{"User-Agent": ua})
			if st != 200 {
				t.Fatalf("login: %d %s", st, b)
			}
		})
	}
	var agents []string
	if err := p.DB.Select(&agents, `SELECT user_agent FROM user_sessions WHERE user_id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	for _, a := range agents {
		if len(a) > 512 || !utf8.ValidString(a) {
			t.Fatalf("stored user agent %q", a)
		}
	}
}

// TestWebSocketLimits: connections per user are capped, replays are rate
// limited, and a replay's consumer is deleted when it is done.
func TestWebSocketLimits(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{EdgeConfig: func(c *edge.Config) {
		c.WSPerUser = 2
		c.WSReplayPerMin = 3
	}})
	u := p.Register("socket", "candidate")
	stream, err := p.JS.Stream(context.Background(), events.StreamEvents)
	if err != nil {
		t.Fatal(err)
	}
	consumers := func() int {
		info, err := stream.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return info.State.Consumers
	}
	base := consumers()
	a := platformtest.DialWS(t, p.URL, u.Token, 1) // replay 1
	// The replay's consumer goes away once the replay is over.
	testutil.Eventually(t, 5*time.Second, func() bool { return consumers() <= base }, "replay consumer left behind (%d consumers, base %d)", consumers(), base)
	b := platformtest.DialWS(t, p.URL, u.Token, -1)
	if st := wsDialStatus(t, p.URL, u.Token, -1); st != 429 {
		t.Fatalf("third socket: status %d, want 429", st)
	}
	a.Conn.Close()
	b.Conn.Close()
	testutil.Eventually(t, 5*time.Second, func() bool { return wsDialStatus(t, p.URL, u.Token, 1) == 101 }, "sockets not released") // replay 2
	testutil.Eventually(t, 5*time.Second, func() bool { return wsDialStatus(t, p.URL, u.Token, 1) == 101 }, "sockets not released") // replay 3
	if st := wsDialStatus(t, p.URL, u.Token, 1); st != 429 {
		t.Fatalf("4th replay in a minute: %d, want 429", st)
	}
}

// wsDialStatus dials /ws and returns the HTTP status (101 on success; the
// connection is closed again).
func wsDialStatus(t *testing.T, baseURL, token string, lastSeq int64) int {
	t.Helper()
	u := "ws" + strings.TrimPrefix(baseURL, "http") + "/ws"
	if lastSeq >= 0 {
		u += fmt.Sprintf("?last_seq=%d", lastSeq)
	}
	d := websocket.Dialer{Subprotocols: []string{"hirebus.v1", "bearer." + token}, HandshakeTimeout: 5 * time.Second}
	conn, resp, err := d.Dial(u, nil)
	if err != nil {
		if resp != nil {
			return resp.StatusCode
		}
		t.Fatalf("ws dial: %v", err)
	}
	_, _, _ = conn.ReadMessage() // ready (and the replay, if any, starts)
	conn.Close()
	return 101
}

// TestDeadLetteredOperationFails: an operation whose command is
// dead-lettered ends failed instead of pending forever.
func TestDeadLetteredOperationFails(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	kill := p.StartMailWorker(t, nil, nil)
	u := p.Register("dlq", "candidate")
	kill() // the command below stays pending: nobody handles it
	r := p.Do("POST", "/api/auth/send-otp", u.Token, map[string]string{"email": "dead@example.com"})
	if r.Status != 202 {
		t.Fatalf("send-otp: %d", r.Status)
	}
	opID := r.Map(t)["op_id"].(string)
	// Dead-letter the command the way the consume loop does.
	env, err := events.NewEnvelope("send_otp", opID, u.ID, events.SendOTP{Email: "dead@example.com", Purpose: "register"})
	if err != nil {
		t.Fatal(err)
	}
	dl, err := events.NewEnvelope("dead_letter", opID, u.ID, events.DeadLetter{Subject: events.CmdMailSendOTP, Consumer: "mail", Deliveries: 5, Error: "boom", Envelope: env})
	if err != nil {
		t.Fatal(err)
	}
	if err := events.NewPublisher(p.JS).Publish(context.Background(), events.DeadLetterSubject(events.CmdMailSendOTP), dl); err != nil {
		t.Fatal(err)
	}
	op := p.WaitOp(u.Token, opID, 10*time.Second)
	if op["status"] != "failed" {
		t.Fatalf("dead-lettered op: %v", op)
	}
}

// TestImagePixelCap: face images above the configured pixel count are
// refused from the header, before any decoding (the old cap was 40 MP).
func TestImagePixelCap(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{EdgeConfig: func(c *edge.Config) {
		c.WaitTimeout = 100 * time.Millisecond
		c.FramePerMin = 2
	}})
	r := p.Do("POST", "/detect_face", "", map[string]string{"image": bombPNG(t, 2600, 2000)}) // 5.2 MP
	if r.Status != 413 || r.ErrorCode() != "image_too_large" {
		t.Fatalf("5.2 MP image: %d %s", r.Status, r.Body)
	}
	if r := p.Do("POST", "/detect_face", "", map[string]string{"image": bombPNG(t, 1920, 1080)}); r.Status == 413 {
		t.Fatalf("webcam-sized image refused: %s", r.Body)
	}
	// Proctor frames are limited per user.
	u := p.Register("framer", "candidate")
	for i := 0; i < 2; i++ {
		if r := p.Do("POST", "/api/proctor/frame", u.Token, map[string]any{"assessment_id": 999, "image": facetest.Blank(t)}); r.Status != 404 {
			t.Fatalf("frame %d: %d %s", i, r.Status, r.Body)
		}
	}
	if r := p.Do("POST", "/api/proctor/frame", u.Token, map[string]any{"assessment_id": 999, "image": facetest.Blank(t)}); r.Status != 429 {
		t.Fatalf("3rd frame in a minute: %d %s", r.Status, r.Body)
	}
}

// TestPagesCannotBeFramed: pages forbid framing (clickjacking).
func TestPagesCannotBeFramed(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	for _, path := range []string{"/", "/app.html", "/docs"} {
		_, h, _ := rawDo(t, "GET", p.URL+path, "", nil, nil)
		if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY" {
			t.Fatalf("%s: CSP %q XFO %q", path, h.Get("Content-Security-Policy"), h.Get("X-Frame-Options"))
		}
	}
}
