package edge_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hirebus/hirebus/internal/platformtest"
	faceworker "github.com/hirebus/hirebus/workers/face"
)

// TestAssessLiveness: an assessment whose proctoring requires liveness
// starts only with a liveness token from the candidate's own passed
// challenge, once and while it is young; without the setting starting is
// unchanged.
func TestAssessLiveness(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	w, err := faceworker.New(faceworker.Config{}, faceworker.Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log, Embedder: scripted{}})
	if err != nil {
		t.Fatal(err)
	}
	p.Go(w.Run)
	a := startAssess(t, p)
	enrol := func(name string, person int) (platformtest.User, uint64) {
		u, op, r := registerWithFace(t, p, name, []string{pose(t, person, 0, 0.3), pose(t, person, 5, 0.3), pose(t, person, -5, 0.3)})
		if r.Status != 201 {
			t.Fatalf("register %s: %d %s", name, r.Status, r.Body)
		}
		if op != "" {
			if got := p.WaitOp(u.Token, op, 60*time.Second); got["status"] != "done" {
				t.Fatalf("enroll %s: %v", name, got)
			}
		}
		app := a.id(a.must(a.do("POST", "/api/applications", u.Token, map[string]any{"job_id": a.job}), 201))
		return u, app
	}
	fa, appA := enrol("facea", 7)
	fb, appB := enrol("faceb", 9)

	newAssessment := func(liveness bool) uint64 {
		body := a.body(30, "mcq")
		body["proctoring"] = map[string]any{"webcam": false, "frame_interval_s": 0, "liveness": liveness}
		m := a.must(a.do("POST", "/api/assessments", a.rec.Token, body), 201)
		if got := m["proctoring"].(map[string]any)["liveness"]; got != liveness {
			t.Fatalf("proctoring.liveness = %v, want %v", got, liveness)
		}
		id := a.id(m)
		for _, app := range []uint64{a.app, appA, appB} {
			a.must(a.do("POST", fmt.Sprintf("/api/assessments/%d/invitations", id), a.rec.Token, map[string]any{"application_id": app}), 201)
		}
		return id
	}
	start := func(id uint64, tok, liveness string) platformtest.Response {
		body := map[string]any{"consent": consent["consent"], "consent_version": consent["consent_version"]}
		if liveness != "" {
			body["liveness_token"] = liveness
		}
		return a.do("POST", fmt.Sprintf("/api/assessments/%d/start", id), tok, body)
	}
	check := func(u platformtest.User, person int, still bool) platformtest.Response {
		r := p.Do("POST", "/api/auth/face-challenge", u.Token, nil)
		if r.Status != 200 {
			t.Fatalf("face-challenge: %d %s", r.Status, r.Body)
		}
		var c struct {
			ID    string   `json:"challenge_id"`
			Steps []string `json:"steps"`
		}
		r.JSON(t, &c)
		frames := perform(t, person, c.Steps)
		if still {
			for i := range frames {
				frames[i] = frames[0]
			}
		}
		return p.Do("POST", "/api/auth/face-liveness", u.Token, map[string]any{"challenge_id": c.ID, "images": frames})
	}
	token := func(u platformtest.User, person int) string {
		t.Helper()
		r := check(u, person, false)
		if r.Status != 200 {
			t.Fatalf("face-liveness: %d %s", r.Status, r.Body)
		}
		tok, _ := r.Map(t)["liveness_token"].(string)
		if len(tok) != 36 {
			t.Fatalf("no liveness_token: %s", r.Body)
		}
		return tok
	}
	refused := func(r platformtest.Response, status int, code string) {
		t.Helper()
		if r.Status != status || r.ErrorCode() != code {
			t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, status, code)
		}
	}

	plain, req1, req2 := newAssessment(false), newAssessment(true), newAssessment(true)

	t.Run("not required: unchanged", func(t *testing.T) {
		if r := start(plain, a.cand.Token, ""); r.Status != 201 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("required without token", func(t *testing.T) {
		refused(start(req1, fa.Token, ""), 403, "liveness_required")
	})
	t.Run("no enrolled face", func(t *testing.T) {
		refused(check(a.cand, 3, false), 409, "face_not_enrolled")
		refused(start(req1, a.cand.Token, ""), 403, "liveness_required")
	})
	t.Run("not signed in", func(t *testing.T) {
		if r := p.Do("POST", "/api/auth/face-liveness", "", map[string]any{"challenge_id": "x", "images": []string{}}); r.Status != 401 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("still picture fails the check", func(t *testing.T) {
		refused(check(fa, 7, true), 403, "liveness_failed")
		var op string
		if err := p.DB.Get(&op, `SELECT id FROM operations WHERE user_id = ? AND type = 'face_identify' ORDER BY created_at DESC LIMIT 1`, fa.ID); err != nil {
			t.Fatal(err)
		}
		refused(start(req1, fa.Token, op), 403, "liveness_token_invalid")
	})
	t.Run("someone else's face fails the check", func(t *testing.T) {
		refused(check(fa, 9, false), 403, "face_not_recognized")
	})
	t.Run("unknown token", func(t *testing.T) {
		refused(start(req1, fa.Token, "00000000-0000-0000-0000-000000000000"), 403, "liveness_token_invalid")
		refused(start(req1, fa.Token, "nope"), 403, "liveness_token_invalid")
	})
	tokA := token(fa, 7)
	t.Run("another user's token", func(t *testing.T) {
		refused(start(req1, fb.Token, tokA), 403, "liveness_token_invalid")
	})
	t.Run("passed: starts, once", func(t *testing.T) {
		if r := start(req1, fa.Token, tokA); r.Status != 201 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		refused(start(req2, fa.Token, tokA), 403, "liveness_token_invalid")
	})
	t.Run("expired token", func(t *testing.T) {
		tok := token(fa, 7)
		if _, err := p.DB.Exec(`UPDATE operations SET created_at = created_at - INTERVAL 6 MINUTE WHERE id = ?`, tok); err != nil {
			t.Fatal(err)
		}
		refused(start(req2, fa.Token, tok), 403, "liveness_token_invalid")
	})
	t.Run("a refused start does not spend the token", func(t *testing.T) {
		tok := token(fa, 7)
		refused(start(req1, fa.Token, tok), 409, "already_started")
		if r := start(req2, fa.Token, tok); r.Status != 201 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
}
