package score

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/domain/interview"
	"github.com/hirebus/hirebus/domain/jobs"
	proctoring "github.com/hirebus/hirebus/domain/proctor"
	"github.com/hirebus/hirebus/domain/score"
	"github.com/hirebus/hirebus/domain/submissions"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/problems"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

type sworld struct {
	e                 *domaintest.Env
	as                *assess.Service
	js                *jobs.Service
	rec               company.Actor
	cand, cand2       company.Actor
	assessmentID, job uint64
	codeQ, mcqQ       uint64
}

func ptrTo[T any](v T) *T { return &v }

func fixture(t *testing.T, name string) string {
	b, err := os.ReadFile(filepath.Join("..", "..", "domain", "score", "testdata", "similarity", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newWorld(t *testing.T) *sworld {
	t.Helper()
	e := domaintest.Start(t)
	ctx := context.Background()
	if _, err := problems.UpsertSeed(ctx, e.DB); err != nil {
		t.Fatal(err)
	}
	w := &sworld{e: e, as: &assess.Service{DB: e.DB, Relay: e.Relay}, js: &jobs.Service{DB: e.DB, Relay: e.Relay}}
	owner := e.User(t, "owner", "recruiter")
	w.rec = owner
	w.cand, w.cand2 = e.User(t, "cand", "candidate"), e.User(t, "cand2", "candidate")
	co := &company.Service{DB: e.DB, Relay: e.Relay}
	acme, err := co.Create(ctx, owner, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	job, err := w.js.CreateJob(ctx, owner, jobs.JobInput{CompanyID: &acme.ID, Title: ptrTo("Go engineer"), Description: ptrTo("Go."), Status: ptrTo("open"),
		Skills: &[]string{"go"}})
	if err != nil {
		t.Fatal(err)
	}
	w.job = job.ID
	p, err := problems.GetBySlug(ctx, e.DB, "fizzbuzz")
	if err != nil {
		t.Fatal(err)
	}
	a, err := w.as.Create(ctx, owner, assess.Input{CompanyID: acme.ID, Title: "Screen", DurationMinutes: 30, Questions: []assess.QuestionInput{
		{Kind: "code", Points: 10, ProblemID: p.ID},
		{Kind: "mcq", Points: 2, Prompt: "Which?", Options: []string{"a", "b"}, Correct: []int{0}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	w.assessmentID, w.codeQ, w.mcqQ = a.ID, a.Questions[0].ID, a.Questions[1].ID
	return w
}

// take makes cand take the assessment with source as the code answer and
// grades the code as the code worker would (passed of 4 tests).
func (w *sworld) take(t *testing.T, cand company.Actor, lang, source string, passed int, before func(attempt uint64)) uint64 {
	t.Helper()
	ctx := context.Background()
	app, err := w.js.Apply(ctx, cand, w.job, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.as.Invite(ctx, w.rec, w.assessmentID, app.ID); err != nil {
		t.Fatal(err)
	}
	at, err := w.as.Start(ctx, cand, w.assessmentID, assess.StartInput{Consent: true, ConsentVersion: assess.ConsentVersion})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.as.SaveAnswer(ctx, cand, at.ID, w.codeQ, assess.AnswerInput{Language: lang, Source: &source}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.as.SaveAnswer(ctx, cand, at.ID, w.mcqQ, assess.AnswerInput{Choices: []int{0}}); err != nil {
		t.Fatal(err)
	}
	if before != nil {
		before(at.ID)
	}
	if _, err := w.as.Submit(ctx, cand, w.assessmentID); err != nil {
		t.Fatal(err)
	}
	var sub uint64
	if err := w.e.DB.Get(&sub, `SELECT submission_id FROM assessment_answers WHERE attempt_id = ? AND question_id = ?`, at.ID, w.codeQ); err != nil {
		t.Fatal(err)
	}
	if err := store.InTx(ctx, w.e.DB, func(tx *sqlx.Tx) error {
		_, err := submissions.Finish(ctx, tx, sub, submissions.Result{Verdict: "WA", Passed: passed, Total: 4, Score: float64(passed) / 4, TimeMS: 100, MemoryKB: 32000})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := (&assess.Sweeper{Service: w.as}).SweepOnce(ctx); err != nil {
		t.Fatal(err)
	}
	return at.ID
}

func (w *sworld) worker(t *testing.T, cfg Config) *Worker {
	wk, err := New(cfg, Deps{DB: w.e.DB, JS: w.e.JS, Relay: w.e.Relay})
	if err != nil {
		t.Fatal(err)
	}
	return wk
}

func waitReview(t *testing.T, db *sqlx.DB, attempt uint64, ok func(score.Review) bool) score.Review {
	t.Helper()
	var r score.Review
	testutil.Eventually(t, 20*time.Second, func() bool {
		var err error
		r, err = score.ReviewFor(context.Background(), db, attempt)
		return err == nil && ok(r)
	}, "attempt %d: review %+v", attempt, r)
	return r
}

// TestWorkerReviewsGradedAttempts: graded attempts reach the worker over
// the bus; the rubric is stored with the trust score beside it; a large
// paste and a copied (renamed) answer become signals with evidence on both
// candidates; a redelivered command repeats its first effect.
func TestWorkerReviewsGradedAttempts(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wk := w.worker(t, Config{})
	go func() { _ = wk.Run(ctx) }()

	orig := fixture(t, "wordfreq_a_orig.py")
	a1 := w.take(t, w.cand, "python", orig, 4, nil)
	r1 := waitReview(t, w.e.DB, a1, func(score.Review) bool { return true })
	// Code: 4/4 tests, 100 of 1000 ms... efficiency measured, no analysers
	// (no sandbox here) → (0.8 + 0.1*eff)/0.9 of 10; MCQ 2 of 2.
	if r1.Version != 1 || r1.Rubric.MaxPoints != 12 || r1.Rubric.Questions[1].Score != 2 || r1.LLM.Status != score.LLMOff || r1.TrustScore != nil {
		t.Fatalf("first review: %+v", r1)
	}
	if f := r1.Rubric.Questions[0].Findings; len(f) != 1 || f[0].Available || !strings.Contains(f[0].Note, "not available") {
		t.Fatalf("analysers without a sandbox: %+v", f)
	}

	// The second candidate pastes a large block and hands in a renamed copy.
	proc := &proctoring.Service{DB: w.e.DB, Relay: w.e.Relay}
	renamed := fixture(t, "wordfreq_a_renamed.py")
	a2 := w.take(t, w.cand2, "python", renamed, 4, func(attempt uint64) {
		now := time.Now().UTC()
		if _, err := proc.ApplySignals(ctx, events.ProctorSignals{AttemptID: attempt, AssessmentID: w.assessmentID, CandidateID: w.cand2.UserID,
			Events: []events.ProctorSignal{
				{Seq: 1, Type: events.SigKeystrokes, At: now, Data: events.ProctorData{Chars: 20, DurationMS: 5000}},
				{Seq: 2, Type: events.SigPaste, At: now, Data: events.ProctorData{Length: 700, Target: "code"}},
				{Seq: 3, Type: events.SigKeystrokes, At: now, Data: events.ProctorData{Chars: 90, DurationMS: 3000}},
			}}); err != nil {
			t.Fatal(err)
		}
	})
	r2 := waitReview(t, w.e.DB, a2, func(score.Review) bool { return true })
	if r2.TrustScore == nil || *r2.TrustScore >= 100 {
		t.Fatalf("trust score not beside the review: %+v", r2.TrustScore)
	}
	if r2.SkillScore != r1.SkillScore {
		t.Fatalf("the trust score moved the skill score: %v vs %v", r2.SkillScore, r1.SkillScore)
	}
	kinds := func(a uint64) map[string]score.Signal {
		sigs, err := score.SignalsFor(ctx, w.e.DB, a)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]score.Signal{}
		for _, s := range sigs {
			m[s.Kind] = s
			if s.Confidence <= 0 || s.Confidence > 1 || len(s.Evidence) < 10 {
				t.Fatalf("signal without confidence or evidence: %+v", s)
			}
		}
		return m
	}
	s2 := kinds(a2)
	if _, ok := s2[score.SignalLargePaste]; !ok {
		t.Fatalf("no large_paste: %v", s2)
	}
	if _, ok := s2[score.SignalTypingCadence]; !ok {
		t.Fatalf("no typing_cadence (90 chars in 3 s): %v", s2)
	}
	peer, ok := s2[score.SignalPeerSimilarity]
	if !ok || !strings.Contains(string(peer.Evidence), `"other_attempt_id":`) || *peer.QuestionID != w.codeQ {
		t.Fatalf("no peer_similarity on the later attempt: %v", s2)
	}
	if _, ok := kinds(a1)[score.SignalPeerSimilarity]; !ok {
		t.Fatal("no peer_similarity on the earlier attempt")
	}

	// Redelivery: the same graded command again changes nothing.
	before, _ := score.SignalsFor(ctx, w.e.DB, a2)
	env, err := events.NewEnvelope(events.EvtAssessmentGraded, "", 0, events.AssessmentAttempt{AttemptID: a2})
	if err != nil {
		t.Fatal(err)
	}
	env.ID = events.ScoreGradedID(a2)
	if err := wk.Handle(ctx, env, events.Meta{Subject: events.CmdScoreGraded, Delivered: 2}); err != nil {
		t.Fatal(err)
	}
	after, _ := score.SignalsFor(ctx, w.e.DB, a2)
	again, _ := score.ReviewFor(ctx, w.e.DB, a2)
	if again.Version != 1 || !again.ScoredAt.Equal(r2.ScoredAt) || len(after) != len(before) || after[0].ID != before[0].ID {
		t.Fatalf("redelivery changed the review: v%d %v/%v, %d/%d signals", again.Version, again.ScoredAt, r2.ScoredAt, len(after), len(before))
	}
	// A rescore command is a new version, and its own redelivery is not.
	rs, _ := events.NewEnvelope(events.OpScoreRescore, "op-x", w.rec.UserID, events.ScoreRescore{AttemptID: a2})
	for i := 0; i < 2; i++ {
		if err := wk.Handle(ctx, rs, events.Meta{Subject: events.CmdScoreRescore, Delivered: uint64(i + 1)}); err != nil {
			t.Fatal(err)
		}
	}
	if v, _ := score.ReviewFor(ctx, w.e.DB, a2); v.Version != 2 {
		t.Fatalf("after a rescore and its redelivery: version %d", v.Version)
	}
	if n := len(kinds(a1)); n != 1 {
		t.Fatalf("the earlier attempt's peer signal doubled: %d kinds", n)
	}
	var peers int
	if err := w.e.DB.Get(&peers, `SELECT COUNT(*) FROM ai_detection_logs WHERE attempt_id = ? AND kind = 'peer_similarity'`, a1); err != nil || peers != 1 {
		t.Fatalf("peer signals on the earlier attempt: %d %v", peers, err)
	}
}

// TestWorkerLLMStep: with an LLM configured the rubric is stored first
// (pending), the review is added, and the model's own solution is asked
// once and cached; a broken model leaves the rubric and a failed status.
func TestWorkerLLMStep(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	orig := fixture(t, "wordfreq_a_orig.py")
	s := newStandIn(t, func(_ int, body map[string]any) (int, string) {
		rf, _ := body["response_format"].(map[string]any)
		if js, _ := rf["json_schema"].(map[string]any); js["name"] == "solution" {
			b, _ := jsonString(orig)
			return 200, `{"source": ` + b + `}`
		}
		return 200, validReview
	})
	cfg := Config{LLM: LLMConfig{BaseURL: s.URL + "/v1", APIKey: "k", Model: "m", Backoff: time.Millisecond}}
	wk := w.worker(t, cfg)
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { _ = wk.Run(rctx) }()
	a1 := w.take(t, w.cand, "python", orig, 2, nil)
	r := waitReview(t, w.e.DB, a1, func(r score.Review) bool { return r.LLM.Status == score.LLMDone })
	if r.LLM.Score == nil || *r.LLM.Score != 70 || r.LLM.Model != "m" || len(r.LLM.Questions) != 1 || r.LLM.Tokens == 0 {
		t.Fatalf("llm review: %+v", r.LLM)
	}
	if r.SkillScore != r.Rubric.Overall {
		t.Fatalf("the LLM moved the skill score: %v vs %v", r.SkillScore, r.Rubric.Overall)
	}
	sigs, _ := score.SignalsFor(ctx, w.e.DB, a1)
	found := false
	for _, sg := range sigs {
		found = found || sg.Kind == score.SignalLLMSimilarity
	}
	if !found {
		t.Fatalf("no llm_similarity: %+v", sigs)
	}
	solutions := 0
	for _, b := range s.requests() {
		if rf, _ := b["response_format"].(map[string]any); rf["json_schema"].(map[string]any)["name"] == "solution" {
			solutions++
		}
	}
	a2 := w.take(t, w.cand2, "python", fixture(t, "wordfreq_b.py"), 4, nil)
	waitReview(t, w.e.DB, a2, func(r score.Review) bool { return r.LLM.Status == score.LLMDone })
	again := 0
	for _, b := range s.requests() {
		if rf, _ := b["response_format"].(map[string]any); rf["json_schema"].(map[string]any)["name"] == "solution" {
			again++
		}
	}
	if solutions != 1 || again != 1 {
		t.Fatalf("solutions asked %d then %d times; want once (cached)", solutions, again)
	}
	if sol, err := score.CachedSolution(ctx, w.e.DB, w.problemID(t), "python", "m"); err != nil || sol.Source != orig {
		t.Fatalf("cache: %v", err)
	}
}

func (w *sworld) problemID(t *testing.T) int64 {
	p, err := problems.GetBySlug(context.Background(), w.e.DB, "fizzbuzz")
	if err != nil {
		t.Fatal(err)
	}
	return p.ID
}

// TestWorkerReviewsAIInterview: an AI interview's closing reaches the
// worker; without an LLM its answers are reviewed against the bank's
// expectations and stored once.
func TestWorkerReviewsAIInterview(t *testing.T) {
	w := newWorld(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wk := w.worker(t, Config{})
	go func() { _ = wk.Run(ctx) }()
	ivs := &interview.Service{DB: w.e.DB, Relay: w.e.Relay}
	app, err := w.js.Apply(ctx, w.cand, w.job, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	iv, err := ivs.Schedule(ctx, w.rec, interview.ScheduleInput{ApplicationID: app.ID, StartsAt: time.Now().Add(time.Minute).Format(time.RFC3339),
		DurationMinutes: 30, Kind: "ai"})
	if err != nil {
		t.Fatal(err)
	}
	full, err := ivs.Get(ctx, w.cand, iv.ID)
	if err != nil {
		t.Fatal(err)
	}
	good := "I would use a channel when ownership of data passes between goroutines and a mutex to protect shared state; for example in our cache we used a sync.Mutex around the map."
	for i := 0; i <= interview.AIQuestions; i++ {
		if _, err := ivs.AITurn(ctx, full, interview.QuestionBank{}); err != nil {
			t.Fatal(err)
		}
		if i < interview.AIQuestions {
			ans := "no idea"
			if i == 0 {
				ans = good
			}
			if _, err := ivs.AddMessage(ctx, iv.ID, w.cand.UserID, "cand", interview.MsgAnswer, ans); err != nil {
				t.Fatal(err)
			}
		}
	}
	var r score.InterviewReview
	testutil.Eventually(t, 20*time.Second, func() bool {
		r, err = score.InterviewReviewFor(ctx, w.e.DB, iv.ID)
		return err == nil
	}, "interview %d not reviewed", iv.ID)
	if r.Method != "rubric" || len(r.Answers) != interview.AIQuestions || r.CandidateID != w.cand.UserID {
		t.Fatalf("%+v", r)
	}
	if r.Answers[0].Score < 70 || r.Answers[1].Score > 20 || len(r.Answers[0].Matched) < 3 {
		t.Fatalf("scores: first %d (%v), second %d", r.Answers[0].Score, r.Answers[0].Matched, r.Answers[1].Score)
	}
	list, err := score.InterviewReviewsOf(ctx, w.e.DB, w.cand.UserID)
	if err != nil || len(list) != 1 {
		t.Fatalf("reviews of the candidate: %d %v", len(list), err)
	}
}
