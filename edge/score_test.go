package edge_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/score"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	scoreworker "github.com/hirebus/hirebus/workers/score"
)

// TestRescoreAccessMatrix: POST /api/assessments/attempts/:id/rescore for
// every kind of caller (recruiters and owners only; a viewer 403; the
// candidate and everyone else 404), an attempt not graded yet (409), bad
// ids, the Idempotency-Key, and the score worker completing the operation
// with a new version of the review.
func TestRescoreAccessMatrix(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	w := startAssess(t, p)
	graded := func() uint64 {
		id, qs := w.assessment("text")
		att := w.start(id, w.cand.Token)
		w.must(w.do("PUT", fmt.Sprintf("/api/attempts/%d/answers/%d", att, qs[0]), w.cand.Token, map[string]any{"text": "A send blocks until a receiver is ready."}), 200)
		w.must(w.do("POST", fmt.Sprintf("/api/assessments/%d/submit", id), w.cand.Token, nil), 202)
		w.must(w.do("PUT", fmt.Sprintf("/api/attempts/%d/answers/%d/score", att, qs[0]), w.rec.Token, map[string]any{"score": 4}), 200)
		return att
	}
	att := graded()
	want := []int{401, 404, 404, 404, 404, 403, 202, 202}
	for i, who := range assessPrincipals {
		got := w.do("POST", fmt.Sprintf("/api/assessments/attempts/%d/rescore", att), w.tokens[who], nil)
		if got.Status != want[i] {
			t.Errorf("%s: %d, want %d: %s", who, got.Status, want[i], got.Body)
		}
	}
	t.Run("not graded", func(t *testing.T) {
		id, _ := w.assessment("text")
		open := w.start(id, w.cand.Token)
		if got := w.do("POST", fmt.Sprintf("/api/assessments/attempts/%d/rescore", open), w.rec.Token, nil); got.Status != 409 {
			t.Fatalf("%d %s", got.Status, got.Body)
		}
	})
	t.Run("bad ids", func(t *testing.T) {
		for path, status := range map[string]int{"/api/assessments/attempts/999999/rescore": 404, "/api/assessments/attempts/x/rescore": 400, "/api/assessments/attempts/0/rescore": 400} {
			if got := w.do("POST", path, w.rec.Token, nil); got.Status != status {
				t.Errorf("%s: %d, want %d: %s", path, got.Status, status, got.Body)
			}
		}
	})
	t.Run("idempotency key and the worker", func(t *testing.T) {
		wk, err := scoreworker.New(scoreworker.Config{}, scoreworker.Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log})
		if err != nil {
			t.Fatal(err)
		}
		p.Go(wk.Run)
		att := graded()
		// The graded attempt is reviewed once by itself (cmd.score.graded).
		var first score.Review
		testutil.Eventually(t, 20*time.Second, func() bool {
			first, err = score.ReviewFor(t.Context(), p.DB, att)
			return err == nil
		}, "attempt %d not reviewed after grading", att)
		if first.Version != 1 || first.Rubric.Points != 4 {
			t.Fatalf("review after grading: %+v %v", first, err)
		}
		path := fmt.Sprintf("/api/assessments/attempts/%d/rescore", att)
		h := map[string]string{"Idempotency-Key": "rescore-1"}
		r1 := req(t, "POST", p.URL+path, w.rec.Token, "", nil, h)
		r2 := req(t, "POST", p.URL+path, w.rec.Token, "", nil, h)
		if r1.Status != 202 || r2.Status != 202 || r1.Map(t)["op_id"] != r2.Map(t)["op_id"] {
			t.Fatalf("idempotent rescore: %d %s / %d %s", r1.Status, r1.Body, r2.Status, r2.Body)
		}
		op := p.WaitOp(w.rec.Token, r1.Map(t)["op_id"].(string), 20*time.Second)
		res, _ := op["result"].(map[string]any)
		if op["status"] != "done" || res["version"] != float64(2) || res["skill_score"] != float64(80) {
			t.Fatalf("rescore op: %v", op)
		}
		if again, _ := score.ReviewFor(t.Context(), p.DB, att); again.Version != 2 {
			t.Fatalf("version after one rescore: %d", again.Version)
		}
		// GET .../review: the company's members (any role); nobody else.
		read := []int{401, 404, 404, 404, 404, 200, 200, 200}
		for i, who := range assessPrincipals {
			got := w.do("GET", fmt.Sprintf("/api/assessments/attempts/%d/review", att), w.tokens[who], nil)
			if got.Status != read[i] {
				t.Errorf("GET review as %s: %d, want %d: %s", who, got.Status, read[i], got.Body)
			}
			if got.Status == 200 {
				m := got.Map(t)
				rev, _ := m["review"].(map[string]any)
				if rev["version"] != float64(2) || rev["skill_score"] != float64(80) || m["signals"] == nil {
					t.Errorf("GET review as %s: %s", who, got.Body)
				}
			}
		}
		unreviewed, _ := w.assessment("text")
		open := w.start(unreviewed, w.cand.Token)
		if got := w.do("GET", fmt.Sprintf("/api/assessments/attempts/%d/review", open), w.rec.Token, nil); got.Status != 404 {
			t.Errorf("GET review before any: %d %s", got.Status, got.Body)
		}
	})
}
