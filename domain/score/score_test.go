package score_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/domain/score"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// TestReviewStoreAndRead: the rubric is stored first (version 1, LLM
// pending), a redelivered command finds its own review, the LLM review is
// added to its version only, a rescore makes version 2 and replaces the
// signals, and the read API returns what was stored.
func TestReviewStoreAndRead(t *testing.T) {
	e := domaintest.Start(t)
	ctx := context.Background()
	if _, err := score.ReviewFor(ctx, e.DB, 42); !errors.Is(err, score.ErrNotFound) {
		t.Fatalf("before scoring: %v", err)
	}
	trust := 80
	rev := score.Review{AttemptID: 42, AssessmentID: 7, CompanyID: 3, CandidateID: 9, SkillScore: 62.5, TrustScore: &trust,
		Rubric: score.Rubric{Overall: 62.5, Points: 5, MaxPoints: 8, Questions: []score.QuestionResult{{QuestionID: 1, Kind: "code", Points: 8, Score: 5}}},
		LLM:    score.LLMReview{Status: score.LLMPending, Model: "m"}}
	q1 := uint64(1)
	store1 := func(cmd string, sig []score.Signal) (score.Review, bool) {
		var out score.Review
		var repeated bool
		if err := store.InTx(ctx, e.DB, func(tx *sqlx.Tx) error {
			cur, rep, err := score.Begin(ctx, tx, 42, cmd)
			if err != nil {
				return err
			}
			if rep {
				out, repeated = *cur, true
				return nil
			}
			if out, err = score.Store(ctx, tx, cmd, rev); err != nil {
				return err
			}
			return score.ReplaceSignals(ctx, tx, 42, 7, sig)
		}); err != nil {
			t.Fatal(err)
		}
		return out, repeated
	}
	got, rep := store1("cmd-1", []score.Signal{{QuestionID: &q1, Kind: score.SignalLargePaste, Confidence: 0.7, Evidence: json.RawMessage(`{"pasted_chars":900}`)}})
	if rep || got.Version != 1 || got.LLM.Status != score.LLMPending || *got.TrustScore != 80 || got.SkillScore != 62.5 {
		t.Fatalf("first: %+v %v", got, rep)
	}
	if again, rep := store1("cmd-1", nil); !rep || again.Version != 1 {
		t.Fatalf("redelivery: %+v %v", again, rep)
	}
	sigs, err := score.SignalsFor(ctx, e.DB, 42)
	if err != nil || len(sigs) != 1 || sigs[0].Confidence != 0.7 || *sigs[0].QuestionID != 1 {
		t.Fatalf("signals: %+v %v", sigs, err)
	}
	s := 90.0
	if ok, err := score.SaveLLM(ctx, e.DB, 42, 1, score.LLMReview{Status: score.LLMDone, Model: "m", Score: &s, Tokens: 300,
		Questions: []score.LLMQuestion{{QuestionID: 1, Score: 90, Strengths: []string{"clear"}, Concerns: []string{}, Rationale: "ok"}}}); !ok || err != nil {
		t.Fatalf("llm: %v %v", ok, err)
	}
	got, err = score.ReviewFor(ctx, e.DB, 42)
	if err != nil || got.LLM.Status != score.LLMDone || *got.LLM.Score != 90 || len(got.LLM.Questions) != 1 || got.LLM.Tokens != 300 || got.LLM.At == nil {
		t.Fatalf("with llm: %+v %v", got.LLM, err)
	}
	got, _ = store1("cmd-2", nil)
	if got.Version != 2 || got.LLM.Status != score.LLMPending || got.LLM.Score != nil {
		t.Fatalf("rescore: %+v", got)
	}
	if ok, _ := score.SaveLLM(ctx, e.DB, 42, 1, score.LLMReview{Status: score.LLMDone}); ok {
		t.Fatal("an old version's llm review was saved over the rescore")
	}
	if sigs, _ := score.SignalsFor(ctx, e.DB, 42); len(sigs) != 0 {
		t.Fatalf("signals not replaced: %+v", sigs)
	}
	cohort, err := score.SkillScoresOf(ctx, e.DB, 7)
	if err != nil || cohort[42] != 62.5 {
		t.Fatalf("cohort: %v %v", cohort, err)
	}
}
