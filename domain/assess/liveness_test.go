package assess_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/jmoiron/sqlx"
)

// TestStartLiveness: an assessment with proctoring.liveness starts only
// when the Liveness hook redeems the candidate's token; without a token or
// a hook it is ErrLivenessRequired, the hook's refusal is returned as is and
// leaves no attempt; without the setting the hook is never asked.
func TestStartLiveness(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	refused := errors.New("token refused")
	var calls []string
	w.svc.Liveness = func(_ context.Context, tx *sqlx.Tx, userID uint64, token string) error {
		if tx == nil || userID != w.cand.UserID {
			t.Errorf("hook called with tx %v, user %d", tx, userID)
		}
		calls = append(calls, token)
		if token != "good" {
			return refused
		}
		return nil
	}
	in := w.input()
	in.Proctoring.Liveness = true
	a, err := w.svc.Create(ctx, w.rec, in)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Proctoring.Liveness {
		t.Fatal("proctoring.liveness not kept")
	}
	if _, err := w.svc.Invite(ctx, w.rec, a.ID, w.app.ID); err != nil {
		t.Fatal(err)
	}
	start := func(token string) error {
		_, err := w.svc.Start(ctx, w.cand, a.ID, assess.StartInput{Consent: true, ConsentVersion: assess.ConsentVersion, LivenessToken: token})
		return err
	}
	if err := start(""); !errors.Is(err, assess.ErrLivenessRequired) {
		t.Fatalf("no token: %v", err)
	}
	if err := start("bad"); !errors.Is(err, refused) {
		t.Fatalf("refused token: %v", err)
	}
	var n int
	if err := w.e.DB.Get(&n, `SELECT COUNT(*) FROM assessment_attempts WHERE assessment_id = ?`, a.ID); err != nil || n != 0 {
		t.Fatalf("attempts after refusals: %d %v", n, err)
	}
	if err := start("good"); err != nil {
		t.Fatalf("good token: %v", err)
	}
	if len(calls) != 2 {
		t.Fatalf("hook calls %v", calls)
	}

	plain := w.create(t)
	if _, err := w.svc.Invite(ctx, w.rec, plain.ID, w.app.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Start(ctx, w.cand, plain.ID, assess.StartInput{Consent: true, ConsentVersion: assess.ConsentVersion}); err != nil {
		t.Fatalf("not required: %v", err)
	}
	if len(calls) != 2 {
		t.Fatalf("hook asked for an assessment without liveness: %v", calls)
	}

	w.svc.Liveness = nil
	other, err := w.svc.Create(ctx, w.rec, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Invite(ctx, w.rec, other.ID, w.app.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Start(ctx, w.cand, other.ID, assess.StartInput{Consent: true, ConsentVersion: assess.ConsentVersion, LivenessToken: "good"}); !errors.Is(err, assess.ErrLivenessRequired) {
		t.Fatalf("no hook: %v", err)
	}
}
