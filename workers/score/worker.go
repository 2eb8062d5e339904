package score

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/interview"
	proctoring "github.com/hirebus/hirebus/domain/proctor"
	"github.com/hirebus/hirebus/domain/score"
	"github.com/hirebus/hirebus/domain/submissions"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/problems"
	"github.com/hirebus/hirebus/sandbox"
	"github.com/jmoiron/sqlx"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Config of a score worker process.
type Config struct {
	Concurrency     int           // commands handled at once (default 2)
	LLM             LLMConfig     // HIREBUS_LLM_*; empty: the offline rubric only
	AnalyserTimeout time.Duration // all analysers of one attempt (default 5m; answers after it say "not available")
	LLMTimeout      time.Duration // the whole LLM step of one attempt (default 8m, under the consumer's 10m in-progress limit)
	Policy          *events.ConsumerPolicy
	// Also handles more commands of the role by subject, on the same
	// consumer: cmd/hirebus wires the candidate report snapshot
	// (cmd.score.report, workers/report) here.
	Also map[string]events.Handler
}

// Deps are the shared connections.
type Deps struct {
	DB     *sqlx.DB
	JS     jetstream.JetStream
	Relay  *outbox.Relay
	Log    *slog.Logger
	Runner sandbox.Runner // the analysers' sandbox; nil: analysers "not available"
}

// Worker is one score worker process.
type Worker struct {
	cfg        Config
	db         *sqlx.DB
	js         jetstream.JetStream
	relay      *outbox.Relay
	log        *slog.Logger
	llm        *LLM
	an         *Analysers
	proctor    *proctoring.Service
	interviews *interview.Service
}

var (
	metricReviews = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "hirebus_score_reviews_total", Help: "Reviews stored by the score worker, by kind (rubric, llm, interview) and outcome.",
	}, []string{"kind", "outcome"})
	metricSignals = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "hirebus_score_signals_total", Help: "AI-written / copied code signals stored, by kind.",
	}, []string{"kind"})
)

// New builds a worker.
func New(cfg Config, d Deps) (*Worker, error) {
	if d.DB == nil || d.JS == nil || d.Relay == nil {
		return nil, errors.New("score worker: DB, JetStream and outbox relay are required")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 2
	}
	if cfg.AnalyserTimeout == 0 {
		cfg.AnalyserTimeout = 5 * time.Minute
	}
	if cfg.LLMTimeout == 0 {
		cfg.LLMTimeout = 8 * time.Minute
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	return &Worker{cfg: cfg, db: d.DB, js: d.JS, relay: d.Relay, log: d.Log.With("component", "score"), llm: NewLLM(cfg.LLM),
		an: &Analysers{Runner: d.Runner}, proctor: &proctoring.Service{DB: d.DB, Relay: d.Relay},
		interviews: &interview.Service{DB: d.DB, Relay: d.Relay}}, nil
}

// Run consumes the score commands until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	return events.Consume(ctx, w.js, events.ConsumeConfig{Role: events.RoleScore, Concurrency: w.cfg.Concurrency, Logger: w.log, Policy: w.cfg.Policy}, w.Handle)
}

// Handle processes one command.
func (w *Worker) Handle(ctx context.Context, env events.Envelope, meta events.Meta) error {
	switch meta.Subject {
	case events.CmdScoreGraded:
		var p events.AssessmentAttempt
		if err := env.Decode(&p); err != nil {
			return err
		}
		return w.scoreAttempt(ctx, env, p.AttemptID, false)
	case events.CmdScoreRescore:
		var p events.ScoreRescore
		if err := env.Decode(&p); err != nil {
			return err
		}
		return w.scoreAttempt(ctx, env, p.AttemptID, true)
	case events.CmdScoreInterview:
		var p events.ScoreInterview
		if err := env.Decode(&p); err != nil {
			return err
		}
		return w.reviewInterview(ctx, env, p.InterviewID)
	}
	if h, ok := w.cfg.Also[meta.Subject]; ok {
		return h(ctx, env, meta)
	}
	return events.Permanent(fmt.Errorf("score worker: unknown subject %s", meta.Subject))
}

// failOp ends a rescore operation with a typed error.
func (w *Worker) failOp(ctx context.Context, env events.Envelope, code events.Code, msg string) error {
	return w.relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		return ops.Fail(ctx, tx, ob, env.CorrelationID, events.OpScoreRescore, env.ActorUserID, code, msg)
	})
}

// scoreAttempt reviews an attempt: the rubric and signals in one commit
// (with the push and, for a rescore, the operation's completion), then the
// LLM review. A redelivered command finds its own review and only finishes
// what is missing (the LLM review); a graded command after the attempt was
// already reviewed changes nothing.
func (w *Worker) scoreAttempt(ctx context.Context, env events.Envelope, attemptID uint64, rescore bool) error {
	cur, err := score.ReviewFor(ctx, w.db, attemptID)
	switch {
	case err == nil && (cur.CommandID == env.ID || !rescore):
		return w.finishLLM(ctx, cur)
	case err != nil && !errors.Is(err, score.ErrNotFound):
		return err
	}
	at, err := assess.AttemptForReview(ctx, w.db, attemptID)
	if errors.Is(err, assess.ErrNotFound) {
		if rescore {
			return w.failOp(ctx, env, events.CodeBadCommand, "the attempt no longer exists")
		}
		return events.Permanent(fmt.Errorf("score: attempt %d: %w", attemptID, err))
	}
	if err != nil {
		return err
	}
	if at.Status != assess.AttemptGraded {
		if rescore {
			return w.failOp(ctx, env, events.CodeAttemptNotGraded, "the attempt is not graded yet")
		}
		return events.Permanent(fmt.Errorf("score: attempt %d is %s, not graded", attemptID, at.Status))
	}
	facts, statements, err := w.codeFacts(ctx, at)
	if err != nil {
		return err
	}
	rubric := BuildRubric(at, facts)
	rubric.Analysers = w.an.Available()
	rev := score.Review{AttemptID: at.ID, AssessmentID: at.AssessmentID, CompanyID: at.CompanyID, CandidateID: at.CandidateID,
		SkillScore: rubric.Overall, Rubric: rubric, LLM: score.LLMReview{Status: score.LLMOff}}
	if w.llm != nil {
		rev.LLM = score.LLMReview{Status: score.LLMPending, Model: w.llm.Model()}
	}
	scores, err := w.proctor.ScoresOf(ctx, at.AssessmentID)
	if err != nil {
		return err
	}
	if s, ok := scores[at.ID]; ok {
		v := s.Score
		rev.TrustScore = &v
	}
	signals, err := w.behaviour(ctx, at)
	if err != nil {
		return err
	}
	fps, peers, err := w.similarity(ctx, at)
	if err != nil {
		return err
	}
	signals = append(signals, peers.own...)

	var stored score.Review
	err = w.relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		cur, repeated, err := score.Begin(ctx, tx, at.ID, env.ID)
		if err != nil {
			return err
		}
		if repeated || (cur != nil && !rescore) {
			stored = *cur
			return nil
		}
		if stored, err = score.Store(ctx, tx, env.ID, rev); err != nil {
			return err
		}
		if err := score.ReplaceSignals(ctx, tx, at.ID, at.AssessmentID, signals); err != nil {
			return err
		}
		for _, f := range fps {
			if err := score.SaveFingerprint(ctx, tx, f); err != nil {
				return err
			}
		}
		for _, p := range peers.others {
			if err := score.RemovePeerSignals(ctx, tx, p.attemptID, at.ID); err != nil {
				return err
			}
			if err := score.AddSignal(ctx, tx, p.attemptID, at.AssessmentID, p.signal); err != nil {
				return err
			}
		}
		if err := w.push(ctx, tx, ob, stored, len(signals)); err != nil {
			return err
		}
		if rescore {
			return ops.Complete(ctx, tx, ob, env.CorrelationID, events.OpScoreRescore, env.ActorUserID, reviewed(stored, len(signals)))
		}
		return nil
	})
	if err != nil {
		return err
	}
	metricReviews.WithLabelValues("rubric", "stored").Inc()
	for _, s := range signals {
		metricSignals.WithLabelValues(s.Kind).Inc()
	}
	w.log.InfoContext(ctx, "attempt reviewed", "attempt", at.ID, "version", stored.Version, "skill_score", stored.SkillScore, "signals", len(signals))
	return w.llmStep(ctx, stored, at, statements)
}

func reviewed(r score.Review, signals int) events.ScoreReviewed {
	return events.ScoreReviewed{AttemptID: r.AttemptID, AssessmentID: r.AssessmentID, Version: r.Version, SkillScore: r.SkillScore,
		TrustScore: r.TrustScore, LLMStatus: r.LLM.Status, LLMScore: r.LLM.Score, Signals: signals}
}

// push tells the company's recruiters and owners that a review is stored.
func (w *Worker) push(ctx context.Context, tx *sqlx.Tx, ob *outbox.Batch, r score.Review, signals int) error {
	ids, err := company.MemberIDs(ctx, tx, r.CompanyID, company.PermWrite)
	if err != nil {
		return err
	}
	for _, uid := range ids {
		env, err := events.NewEnvelope(events.EvtScoreReviewed, "", 0, reviewed(r, signals))
		if err != nil {
			return err
		}
		if err := ob.Add(events.UserSubject(uid, events.EvtScoreReviewed), env); err != nil {
			return err
		}
	}
	return nil
}

// codeFacts measures each code answer: time and memory against the
// problem's limits, and the analysers' findings. It also returns the
// problems' statements (for the LLM).
func (w *Worker) codeFacts(ctx context.Context, at assess.ReviewAttempt) (map[uint64]CodeFacts, map[int64]string, error) {
	facts := map[uint64]CodeFacts{}
	statements := map[int64]string{}
	actx, cancel := context.WithTimeout(ctx, w.cfg.AnalyserTimeout)
	defer cancel()
	for _, q := range at.Questions {
		if q.Kind != assess.KindCode || strings.TrimSpace(q.Source) == "" {
			continue
		}
		var f CodeFacts
		if q.ProblemID != 0 {
			p, err := problems.GetAny(ctx, w.db, q.ProblemID)
			if err != nil && !errors.Is(err, problems.ErrNotFound) {
				return nil, nil, err
			}
			if err == nil {
				f.TimeLimitMS, f.MemoryLimitKB = int64(p.TimeLimitMS), int64(p.MemoryLimitKB)
				statements[q.ProblemID] = p.Statement
			}
		}
		if q.SubmissionID != 0 {
			o, err := submissions.OutcomeOf(ctx, w.db, q.SubmissionID)
			if err != nil && !errors.Is(err, submissions.ErrNotFound) {
				return nil, nil, err
			}
			if err == nil {
				if o.TimeMS != nil {
					f.TimeMS = *o.TimeMS
				}
				if o.MemoryKB != nil {
					f.MemoryKB = *o.MemoryKB
				}
			}
		}
		f.Findings = w.an.Run(actx, q.Language, q.Source)
		facts[q.QuestionID] = f
	}
	return facts, statements, nil
}

// behaviour reads the attempt's proctoring timeline and derives the
// paste, cadence and first-keystroke signals.
func (w *Worker) behaviour(ctx context.Context, at assess.ReviewAttempt) ([]score.Signal, error) {
	evs, err := w.proctor.Recent(ctx, at.ID, proctoring.MaxTimeline)
	if err != nil {
		return nil, err
	}
	b := Behaviour{StartedAt: at.StartedAt, Events: evs}
	if at.SubmittedAt != nil {
		b.SubmittedAt = *at.SubmittedAt
	}
	for _, q := range at.Questions {
		b.AnswerChars += len([]rune(q.Source)) + len([]rune(q.Text))
	}
	return BehaviourSignals(b), nil
}

type peerSignal struct {
	attemptID uint64
	signal    score.Signal
}

type peerResult struct {
	own    []score.Signal
	others []peerSignal
}

// similarity fingerprints the attempt's code answers and compares each with
// the stored fingerprints of the other candidates' answers to the same
// question; a similar pair is a signal on both attempts.
func (w *Worker) similarity(ctx context.Context, at assess.ReviewAttempt) ([]score.Fingerprint, peerResult, error) {
	var fps []score.Fingerprint
	var res peerResult
	for _, q := range at.Questions {
		if q.Kind != assess.KindCode || strings.TrimSpace(q.Source) == "" {
			continue
		}
		fp := score.Fingerprint{AttemptID: at.ID, QuestionID: q.QuestionID, AssessmentID: at.AssessmentID, CandidateID: at.CandidateID,
			Language: q.Language, Hashes: score.Fingerprints(q.Source)}
		fps = append(fps, fp)
		stored, err := score.FingerprintsOf(ctx, w.db, at.AssessmentID, q.QuestionID)
		if err != nil {
			return nil, res, err
		}
		var others []score.Fingerprint
		var sets [][]uint64
		for _, o := range stored {
			if o.AttemptID != at.ID {
				others = append(others, o)
				sets = append(sets, o.Hashes)
			}
		}
		qid := q.QuestionID
		for _, m := range score.MostSimilar(fp.Hashes, sets, score.PeerThreshold) {
			o := others[m.Index]
			ev := func(other, otherCandidate uint64) []byte {
				return evidence(map[string]any{"other_attempt_id": other, "other_candidate_id": otherCandidate, "similarity": m.Similarity,
					"shared_fingerprints": m.Shared, "fingerprints": len(fp.Hashes), "other_fingerprints": len(o.Hashes),
					"method":      fmt.Sprintf("winnowing, %d-token k-grams of normalised tokens, window %d", score.WinnowK, score.WinnowW),
					"description": fmt.Sprintf("%.0f%% of the winnowing fingerprints of the smaller answer are shared with attempt %d", 100*m.Similarity, other)})
			}
			c := similarityConfidence(m.Similarity)
			res.own = append(res.own, score.Signal{QuestionID: &qid, Kind: score.SignalPeerSimilarity, Confidence: c, Evidence: ev(o.AttemptID, o.CandidateID)})
			res.others = append(res.others, peerSignal{attemptID: o.AttemptID,
				signal: score.Signal{QuestionID: &qid, Kind: score.SignalPeerSimilarity, Confidence: c, Evidence: ev(at.ID, at.CandidateID)}})
		}
	}
	return fps, res, nil
}

// finishLLM completes a stored review whose LLM review is still pending
// (the command was redelivered after the rubric commit).
func (w *Worker) finishLLM(ctx context.Context, cur score.Review) error {
	if cur.LLM.Status != score.LLMPending {
		return nil
	}
	at, err := assess.AttemptForReview(ctx, w.db, cur.AttemptID)
	if err != nil {
		return err
	}
	statements := map[int64]string{}
	for _, q := range at.Questions {
		if q.ProblemID != 0 {
			if p, err := problems.GetAny(ctx, w.db, q.ProblemID); err == nil {
				statements[q.ProblemID] = p.Statement
			}
		}
	}
	return w.llmStep(ctx, cur, at, statements)
}

// llmStep adds the LLM review (and the similarity to the model's own
// solutions) to the stored version. It returns an error only when the
// review could not be saved; a model that fails is a failed LLM review.
func (w *Worker) llmStep(ctx context.Context, rev score.Review, at assess.ReviewAttempt, statements map[int64]string) error {
	if rev.LLM.Status != score.LLMPending {
		return nil
	}
	if w.llm == nil {
		_, err := score.SaveLLM(ctx, w.db, rev.AttemptID, rev.Version, score.LLMReview{Status: score.LLMFailed, Error: "no LLM is configured on the score worker any more"})
		return err
	}
	lctx, cancel := context.WithTimeout(ctx, w.cfg.LLMTimeout)
	l := w.llm.ReviewAttempt(lctx, at, rev.Rubric, statements)
	sims := w.llmSimilarity(lctx, at, statements)
	cancel()
	err := w.relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		ok, err := score.SaveLLM(ctx, tx, rev.AttemptID, rev.Version, l)
		if err != nil || !ok {
			return err // !ok: a rescore replaced this version meanwhile
		}
		if err := score.ReplaceKind(ctx, tx, rev.AttemptID, rev.AssessmentID, score.SignalLLMSimilarity, sims); err != nil {
			return err
		}
		r, err := score.ReviewFor(ctx, tx, rev.AttemptID)
		if err != nil {
			return err
		}
		n, err := score.SignalsFor(ctx, tx, rev.AttemptID)
		if err != nil {
			return err
		}
		return w.push(ctx, tx, ob, r, len(n))
	})
	if err != nil {
		return err
	}
	metricReviews.WithLabelValues("llm", l.Status).Inc()
	w.log.InfoContext(ctx, "llm review", "attempt", rev.AttemptID, "status", l.Status, "tokens", l.Tokens, "err", l.Error)
	return nil
}

// llmSimilarity compares each code answer with the model's own solution
// of its problem in its language (generated once and cached).
func (w *Worker) llmSimilarity(ctx context.Context, at assess.ReviewAttempt, statements map[int64]string) []score.Signal {
	var out []score.Signal
	for _, q := range at.Questions {
		if q.Kind != assess.KindCode || strings.TrimSpace(q.Source) == "" || statements[q.ProblemID] == "" {
			continue
		}
		sol, err := score.CachedSolution(ctx, w.db, q.ProblemID, q.Language, w.llm.Model())
		if errors.Is(err, score.ErrNotFound) {
			src, serr := w.llm.Solve(ctx, statements[q.ProblemID], q.Language)
			if serr != nil {
				w.log.WarnContext(ctx, "llm solution failed", "problem", q.ProblemID, "language", q.Language, "err", serr)
				continue
			}
			sol = score.LLMSolution{ProblemID: q.ProblemID, Language: q.Language, Model: w.llm.Model(), Source: src, Hashes: score.Fingerprints(src)}
			if err := score.CacheSolution(ctx, w.db, sol); err != nil {
				w.log.WarnContext(ctx, "llm solution not cached", "err", err)
			}
		} else if err != nil {
			w.log.WarnContext(ctx, "llm solution cache", "err", err)
			continue
		}
		sim, shared := score.Overlap(score.Fingerprints(q.Source), sol.Hashes)
		if sim < score.PeerThreshold {
			continue
		}
		qid := q.QuestionID
		out = append(out, score.Signal{QuestionID: &qid, Kind: score.SignalLLMSimilarity, Confidence: similarityConfidence(sim),
			Evidence: evidence(map[string]any{"model": w.llm.Model(), "similarity": sim, "shared_fingerprints": shared,
				"description": fmt.Sprintf("%.0f%% of the winnowing fingerprints are shared with %s's own solution of the problem", 100*sim, w.llm.Model())})})
	}
	return out
}

// reviewInterview reviews a finished AI interview's answers.
func (w *Worker) reviewInterview(ctx context.Context, env events.Envelope, interviewID uint64) error {
	// Reviewed already (a redelivery, or the closing published twice):
	// the stored review stands.
	if _, err := score.InterviewReviewFor(ctx, w.db, interviewID); err == nil {
		return nil
	} else if !errors.Is(err, score.ErrNotFound) {
		return err
	}
	iv, tr, err := w.interviews.ForReview(ctx, interviewID)
	if errors.Is(err, interview.ErrNotFound) {
		return events.Permanent(fmt.Errorf("score: interview %d: %w", interviewID, err))
	}
	if err != nil {
		return err
	}
	if iv.Kind != interview.KindAI {
		return events.Permanent(fmt.Errorf("score: interview %d is not an AI interview", interviewID))
	}
	qas := Pairs(tr, iv.CandidateID)
	r := score.InterviewReview{InterviewID: iv.ID, CompanyID: iv.CompanyID, ApplicationID: iv.ApplicationID, CandidateID: iv.CandidateID, Method: "rubric"}
	if w.llm != nil {
		answers, s, err := w.llm.ReviewInterview(ctx, iv.JobTitle, qas)
		if err == nil {
			r.Method, r.Answers, r.Score, r.Model = "llm", answers, s, w.llm.Model()
		} else {
			r.LLMError = err.Error()
		}
	}
	if r.Method == "rubric" {
		r.Answers, r.Score = RubricInterview(qas)
	}
	if _, _, err := score.SaveInterviewReview(ctx, w.db, env.ID, r); err != nil {
		return err
	}
	metricReviews.WithLabelValues("interview", r.Method).Inc()
	w.log.InfoContext(ctx, "ai interview reviewed", "interview", iv.ID, "method", r.Method, "score", r.Score)
	return nil
}
