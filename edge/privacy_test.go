package edge_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/mailbox"
)

// TestPrivacyRoutes: the sign-up e-mail check, the face notice and the
// consent record with its version, deleting one's face data (consent
// withdrawn, notice mail), and the mail after a password change.
func TestPrivacyRoutes(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	u := p.Register("pria", "candidate")

	t.Run("email status", func(t *testing.T) {
		for _, tc := range []struct {
			name, email string
			status      int
			registered  bool
			code        string
		}{
			{"registered", u.Email, 200, true, ""},
			{"registered, other case and spaces", "  " + strings.ToUpper(u.Email) + " ", 200, true, ""},
			{"free", "free-" + u.Email, 200, false, ""},
			{"not an address", "nope", 400, false, "bad_email"},
			{"empty", "", 400, false, "missing_email"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := p.Do("POST", "/api/auth/email-status", "", map[string]string{"email": tc.email})
				if r.Status != tc.status {
					t.Fatalf("status %d %s, want %d", r.Status, r.Body, tc.status)
				}
				if tc.code != "" {
					if got := r.ErrorCode(); got != tc.code {
						t.Fatalf("code %q, want %q", got, tc.code)
					}
					return
				}
				if got := r.Map(t)["registered"]; got != tc.registered {
					t.Fatalf("registered = %v, want %v", got, tc.registered)
				}
			})
		}
	})

	t.Run("email status is rate-limited per client", func(t *testing.T) {
		// The subtest above used 5 of the 10 a minute.
		codes := []int{}
		for i := 0; i < 6; i++ {
			codes = append(codes, p.Do("POST", "/api/auth/email-status", "", map[string]string{"email": fmt.Sprintf("probe%d@example.com", i)}).Status)
		}
		if fmt.Sprint(codes) != "[200 200 200 200 200 429]" {
			t.Fatalf("statuses %v, want the 11th check in a minute refused", codes)
		}
	})

	var version string
	t.Run("notice", func(t *testing.T) {
		r := p.Do("GET", "/api/privacy/notices/face", "", nil)
		if r.Status != 200 {
			t.Fatalf("notice: %d %s", r.Status, r.Body)
		}
		n := r.Map(t)
		version, _ = n["version"].(string)
		if version == "" || n["retention"] == "" || len(n["stored"].([]any)) == 0 {
			t.Fatalf("notice %v", n)
		}
		if r := p.Do("GET", "/api/privacy/notices/cookies", "", nil); r.Status != 404 {
			t.Fatalf("unknown notice: %d", r.Status)
		}
	})

	t.Run("consent", func(t *testing.T) {
		if r := p.Do("POST", "/api/privacy/consents", "", map[string]string{"notice": "face", "version": version}); r.Status != 401 {
			t.Fatalf("anonymous consent: %d", r.Status)
		}
		if got := p.Do("GET", "/api/privacy/consents/face", u.Token, nil).Map(t)["consent"]; got != nil {
			t.Fatalf("consent before any: %v", got)
		}
		for _, tc := range []struct {
			name   string
			body   any
			status int
			code   string
		}{
			{"stale version", map[string]string{"notice": "face", "version": "2001-01-01"}, 409, "notice_changed"},
			{"unknown notice", map[string]string{"notice": "cookies", "version": version}, 404, "unknown_notice"},
			{"missing version", map[string]string{"notice": "face"}, 400, "missing_field"},
			{"not json", "[", 400, ""},
			{"current", map[string]string{"notice": "face", "version": version}, 201, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := p.Do("POST", "/api/privacy/consents", u.Token, tc.body)
				if r.Status != tc.status || (tc.code != "" && r.ErrorCode() != tc.code) {
					t.Fatalf("%d %s, want %d %s", r.Status, r.Body, tc.status, tc.code)
				}
			})
		}
		c, _ := p.Do("GET", "/api/privacy/consents/face", u.Token, nil).Map(t)["consent"].(map[string]any)
		if c == nil || c["version"] != version || c["current"] != true {
			t.Fatalf("recorded consent %v", c)
		}
	})

	t.Run("delete face data", func(t *testing.T) {
		start := time.Now()
		if r := p.Do("DELETE", "/api/user/face", "", nil); r.Status != 401 {
			t.Fatalf("anonymous delete: %d", r.Status)
		}
		r := p.Do("DELETE", "/api/user/face", u.Token, nil)
		if r.Status != 202 || r.Map(t)["op_id"] == "" {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		c, _ := p.Do("GET", "/api/privacy/consents/face", u.Token, nil).Map(t)["consent"].(map[string]any)
		if c == nil || c["current"] != false || c["withdrawn_at"] == nil {
			t.Fatalf("consent after deleting the face data: %v", c)
		}
		if _, err := p.Mailbox.WaitFor(u.Email, 15*time.Second, func(m mailbox.Mail) bool {
			return !m.Time.Before(start.Add(-time.Second)) && m.Subject == "Your hirebus face data was deleted"
		}); err != nil {
			t.Fatalf("no deletion notice: %v", err)
		}
	})

	t.Run("password change mail", func(t *testing.T) {
		start := time.Now()
		if r := p.Do("POST", "/api/auth/forgot-password", "", map[string]string{"email": u.Email}); r.Status != 202 {
			t.Fatalf("forgot: %d %s", r.Status, r.Body)
		}
		code := p.OTPFor(u.Email, start)
		if r := p.Do("POST", "/api/auth/reset-password", "", map[string]string{"email": u.Email, "otp": code, "new_password": "newpass-481"}); r.Status != 200 {
			t.Fatalf("reset: %d %s", r.Status, r.Body)
		}
		m, err := p.Mailbox.WaitFor(u.Email, 15*time.Second, func(m mailbox.Mail) bool {
			return !m.Time.Before(start.Add(-time.Second)) && m.Subject == "Your hirebus password was changed"
		})
		if err != nil {
			t.Fatalf("no password notice: %v", err)
		}
		if !strings.Contains(m.Body, "If this was not you") {
			t.Fatalf("notice body: %s", m.Body)
		}
	})
}
