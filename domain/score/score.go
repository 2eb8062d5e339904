// Package score owns the scored review of assessment attempts and AI
// interviews: score_reviews (the offline rubric of an attempt, stored first,
// and the LLM review added when it comes), ai_detection_logs (signals that
// code may be AI-written or copied, each with a confidence and its evidence,
// never a verdict), score_fingerprints (winnowing fingerprints of code
// answers, compared between candidates of one assessment),
// score_llm_solutions (the LLM's own solution of a problem, generated once)
// and score_interview_reviews (the review of an AI interview's answers).
//
// Why one package: the review, its signals and the fingerprints they come
// from are written together by the score worker (workers/score) in one
// transaction per command, so a redelivered command finds its first effect
// and repeats it instead of adding a second one.
//
// # Read API (for the reports, domain/reports)
//
// These functions do no access check: the caller has decided that its
// reader may see the attempt (assess.AttemptFor) or the interview.
//
//	ReviewFor(ctx, db, attemptID) (Review, error)            // ErrNotFound before the first scoring
//	SignalsFor(ctx, db, attemptID) ([]Signal, error)          // newest scoring's signals, oldest first
//	SkillScoresOf(ctx, db, assessmentID) (map[uint64]float64, error) // attempt -> skill score (cohort)
//	InterviewReviewFor(ctx, db, interviewID) (InterviewReview, error)  // ErrNotFound when not reviewed
//	InterviewReviewsOf(ctx, db, candidateID) ([]InterviewReview, error)
//
// A Review's SkillScore (0–100) is the rubric's: tests passed weighted by
// points, MCQ and manually scored text answers. The proctoring trust score
// is carried beside it (Review.TrustScore) and never mixed in; the LLM
// review (Review.LLM) is separate and may be pending, done, failed or off.
package score

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// ErrNotFound: no review (yet) for the attempt or interview, or an attempt
// the caller may not see.
var ErrNotFound = events.NewError("score", events.CodeNotFound, "not found")

// LLM review statuses.
const (
	LLMOff     = "off"     // no LLM configured when the attempt was scored
	LLMPending = "pending" // the rubric is stored; the LLM review is under way
	LLMDone    = "done"
	LLMFailed  = "failed" // the LLM gave no valid review (Error says why); the rubric stands
)

// Signal kinds of ai_detection_logs.
const (
	SignalLargePaste     = "large_paste"     // pasted characters against the final answer's size
	SignalTypingCadence  = "typing_cadence"  // keystroke bursts faster than people type
	SignalFirstKeystroke = "first_keystroke" // time to the first keystroke against the solution's size
	SignalPeerSimilarity = "peer_similarity" // winnowing similarity to another candidate's answer
	SignalLLMSimilarity  = "llm_similarity"  // winnowing similarity to the LLM's own solution
)

// Review is the scored review of one attempt.
type Review struct {
	AttemptID    uint64    `json:"attempt_id"`
	AssessmentID uint64    `json:"assessment_id"`
	CompanyID    uint64    `json:"company_id"`
	CandidateID  uint64    `json:"candidate_id"`
	Version      int       `json:"version"` // 1, then +1 per rescore
	SkillScore   float64   `json:"skill_score"`
	Rubric       Rubric    `json:"rubric"`
	TrustScore   *int      `json:"trust_score"` // proctoring (0–100), shown beside; nil without proctoring data
	LLM          LLMReview `json:"llm"`
	ScoredAt     time.Time `json:"scored_at"`
	// CommandID is the command that made this version (the score worker's
	// redelivery check).
	CommandID string `json:"-"`
}

// Rubric is the offline review: per question and overall.
type Rubric struct {
	Overall     float64          `json:"overall"` // 0–100: Points / MaxPoints
	Points      float64          `json:"points"`
	MaxPoints   float64          `json:"max_points"`
	Pending     int              `json:"pending"`     // questions not graded yet (manual text answers)
	TimeUsedS   int64            `json:"time_used_s"` // started to submitted
	DurationS   int64            `json:"duration_s"`  // the time allowed
	SubmittedBy string           `json:"submitted_by,omitempty"`
	Questions   []QuestionResult `json:"questions"`
	Analysers   []Analyser       `json:"analysers_available,omitempty"` // what this worker could run
}

// QuestionResult is one question's offline result.
type QuestionResult struct {
	QuestionID uint64  `json:"question_id"`
	Ordinal    int     `json:"ordinal"`
	Kind       string  `json:"kind"` // code | mcq | text
	Points     int     `json:"points"`
	Score      float64 `json:"score"`   // rubric points earned (see Correctness, Efficiency, Quality)
	Percent    float64 `json:"percent"` // 0–100 of this question
	Status     string  `json:"status"`  // graded | manual | grading | ungraded
	Answered   bool    `json:"answered"`
	// Graded is the assessment's own score of the answer (tests passed ×
	// points, the MCQ key, a recruiter's text score).
	Graded *float64 `json:"graded"`
	// The rubric's parts (0–1): code answers earn 80% for correctness
	// (tests passed), 10% for efficiency (time and memory against the
	// limits) and 10% for quality (analyser findings); a part that could
	// not be measured is left out and the others share its weight. MCQ and
	// text answers are correctness only.
	Correctness float64  `json:"correctness"`
	Efficiency  *float64 `json:"efficiency,omitempty"`
	Quality     *float64 `json:"quality,omitempty"`
	// Code questions.
	Language      string     `json:"language,omitempty"`
	Verdict       string     `json:"verdict,omitempty"`
	TestsPassed   int        `json:"tests_passed,omitempty"`
	TestsTotal    int        `json:"tests_total,omitempty"`
	TimeMS        int64      `json:"time_ms,omitempty"`
	TimeLimitMS   int64      `json:"time_limit_ms,omitempty"`
	MemoryKB      int64      `json:"memory_kb,omitempty"`
	MemoryLimitKB int64      `json:"memory_limit_kb,omitempty"`
	TimeShare     *float64   `json:"time_share,omitempty"`   // time used / limit (0–1)
	MemoryShare   *float64   `json:"memory_share,omitempty"` // memory used / limit (0–1)
	Size          *CodeSize  `json:"size,omitempty"`
	Findings      []Findings `json:"findings,omitempty"`
	// Text questions.
	TextChars int    `json:"text_chars,omitempty"`
	Note      string `json:"note,omitempty"`
}

// CodeSize is the size and complexity of a code answer.
type CodeSize struct {
	Lines      int `json:"lines"`
	CodeLines  int `json:"code_lines"` // not blank, not only a comment
	Tokens     int `json:"tokens"`
	Cyclomatic int `json:"cyclomatic"` // 1 + decision points (if, for, while, case, &&, ||, ?, catch)
	MaxNesting int `json:"max_nesting"`
}

// Findings are one analyser's findings on a code answer.
type Findings struct {
	Tool      string   `json:"tool"` // go vet, gofmt -l, gcc -Wall -Wextra, ...
	Available bool     `json:"available"`
	Note      string   `json:"note,omitempty"` // "not available" when the tool is not installed
	Count     int      `json:"count"`
	Messages  []string `json:"messages,omitempty"` // the first ones, cut
}

// Analyser is a tool and whether this worker has it.
type Analyser struct {
	Language  string `json:"language"`
	Tool      string `json:"tool"`
	Available bool   `json:"available"`
}

// LLMReview is the LLM's review of an attempt.
type LLMReview struct {
	Status    string        `json:"status"` // off | pending | done | failed
	Model     string        `json:"model,omitempty"`
	Score     *float64      `json:"score,omitempty"` // 0–100, points-weighted over the reviewed questions
	Summary   string        `json:"summary,omitempty"`
	Questions []LLMQuestion `json:"questions,omitempty"`
	Error     string        `json:"error,omitempty"`
	Tokens    int           `json:"tokens,omitempty"`
	At        *time.Time    `json:"at,omitempty"`
}

// LLMQuestion is the LLM's review of one question (schema-validated).
type LLMQuestion struct {
	QuestionID uint64   `json:"question_id"`
	Score      int      `json:"score"` // 0–100
	Strengths  []string `json:"strengths"`
	Concerns   []string `json:"concerns"`
	Rationale  string   `json:"rationale"`
	// Flags are this worker's remarks on the review: the answer talks to
	// an AI reviewer, or the model's score is far from the tests passed.
	Flags []string `json:"flags,omitempty"`
}

// Signal is one AI-written or copied code signal: evidence and a
// confidence in [0, 1], never a verdict.
type Signal struct {
	ID           uint64          `json:"id" db:"id"`
	AttemptID    uint64          `json:"attempt_id" db:"attempt_id"`
	AssessmentID uint64          `json:"assessment_id" db:"assessment_id"`
	QuestionID   *uint64         `json:"question_id,omitempty" db:"question_id"`
	Kind         string          `json:"kind" db:"kind"`
	Confidence   float64         `json:"confidence" db:"confidence"`
	Evidence     json.RawMessage `json:"evidence" db:"evidence"`
	CreatedAt    time.Time       `json:"created_at" db:"created_at"`
}

// InterviewReview is the review of an AI interview's answers.
type InterviewReview struct {
	InterviewID   uint64            `json:"interview_id"`
	CompanyID     uint64            `json:"company_id"`
	ApplicationID uint64            `json:"application_id"`
	CandidateID   uint64            `json:"candidate_id"`
	Method        string            `json:"method"` // rubric | llm
	Score         float64           `json:"score"`  // 0–100
	Answers       []InterviewAnswer `json:"answers"`
	Model         string            `json:"model,omitempty"`
	LLMError      string            `json:"llm_error,omitempty"` // why the LLM was not used when configured
	ScoredAt      time.Time         `json:"scored_at"`
}

// InterviewAnswer is one question of an AI interview with its review.
type InterviewAnswer struct {
	Question  string   `json:"question"`
	Answer    string   `json:"answer"`
	Score     int      `json:"score"` // 0–100
	Strengths []string `json:"strengths,omitempty"`
	Concerns  []string `json:"concerns,omitempty"`
	Rationale string   `json:"rationale"`
	// Matched are the expected points (rubric) the answer covers.
	Matched []string `json:"matched,omitempty"`
}

type reviewRow struct {
	AttemptID    uint64          `db:"attempt_id"`
	AssessmentID uint64          `db:"assessment_id"`
	CompanyID    uint64          `db:"company_id"`
	CandidateID  uint64          `db:"candidate_id"`
	Version      int             `db:"version"`
	CommandID    string          `db:"command_id"`
	SkillScore   float64         `db:"skill_score"`
	Rubric       []byte          `db:"rubric"`
	TrustScore   sql.NullInt64   `db:"trust_score"`
	LLMStatus    string          `db:"llm_status"`
	LLMScore     sql.NullFloat64 `db:"llm_score"`
	LLMReview    []byte          `db:"llm_review"`
	LLMModel     sql.NullString  `db:"llm_model"`
	LLMError     sql.NullString  `db:"llm_error"`
	LLMTokens    int             `db:"llm_tokens"`
	ScoredAt     time.Time       `db:"scored_at"`
	LLMAt        sql.NullTime    `db:"llm_at"`
}

const reviewCols = `attempt_id, assessment_id, company_id, candidate_id, version, command_id, skill_score, rubric, trust_score,
	llm_status, llm_score, llm_review, llm_model, llm_error, llm_tokens, scored_at, llm_at`

func getReview(ctx context.Context, q sqlx.QueryerContext, attemptID uint64, lock bool) (reviewRow, error) {
	var r reviewRow
	query := `SELECT ` + reviewCols + ` FROM score_reviews WHERE attempt_id = ?`
	if lock {
		query += ` FOR UPDATE`
	}
	err := sqlx.GetContext(ctx, q, &r, query, attemptID)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("score: review %d: %w", attemptID, store.Translate(err))
	}
	return r, nil
}

func (r reviewRow) review() (Review, error) {
	out := Review{AttemptID: r.AttemptID, AssessmentID: r.AssessmentID, CompanyID: r.CompanyID, CandidateID: r.CandidateID,
		Version: r.Version, SkillScore: r.SkillScore, ScoredAt: r.ScoredAt, LLM: LLMReview{Status: r.LLMStatus}, CommandID: r.CommandID}
	if err := json.Unmarshal(r.Rubric, &out.Rubric); err != nil {
		return out, fmt.Errorf("score: decode rubric of %d: %w", r.AttemptID, err)
	}
	if out.Rubric.Questions == nil {
		out.Rubric.Questions = []QuestionResult{}
	}
	if r.TrustScore.Valid {
		v := int(r.TrustScore.Int64)
		out.TrustScore = &v
	}
	if len(r.LLMReview) > 0 {
		if err := json.Unmarshal(r.LLMReview, &out.LLM); err != nil {
			return out, fmt.Errorf("score: decode llm review of %d: %w", r.AttemptID, err)
		}
	}
	out.LLM.Status, out.LLM.Model, out.LLM.Error, out.LLM.Tokens = r.LLMStatus, r.LLMModel.String, r.LLMError.String, r.LLMTokens
	if r.LLMScore.Valid {
		v := r.LLMScore.Float64
		out.LLM.Score = &v
	} else {
		out.LLM.Score = nil
	}
	if r.LLMAt.Valid {
		t := r.LLMAt.Time
		out.LLM.At = &t
	}
	return out, nil
}

// ReviewFor returns an attempt's latest review (ErrNotFound before the
// score worker stored one). No access check.
func ReviewFor(ctx context.Context, db sqlx.QueryerContext, attemptID uint64) (Review, error) {
	r, err := getReview(ctx, db, attemptID, false)
	if err != nil {
		return Review{}, err
	}
	return r.review()
}

// SignalsFor returns an attempt's AI-written / copied code signals of its
// latest scoring, oldest first (empty, not nil, when there are none). No
// access check.
func SignalsFor(ctx context.Context, db sqlx.QueryerContext, attemptID uint64) ([]Signal, error) {
	out := []Signal{}
	if err := sqlx.SelectContext(ctx, db, &out, `SELECT id, attempt_id, assessment_id, question_id, kind, confidence, evidence, created_at
		FROM ai_detection_logs WHERE attempt_id = ? ORDER BY id`, attemptID); err != nil {
		return nil, fmt.Errorf("score: signals of %d: %w", attemptID, store.Translate(err))
	}
	return out, nil
}

// SkillScoresOf returns the skill score (0–100) of every reviewed attempt
// of an assessment (the cohort for percentiles and distributions). No
// access check.
func SkillScoresOf(ctx context.Context, db sqlx.QueryerContext, assessmentID uint64) (map[uint64]float64, error) {
	var rows []struct {
		AttemptID  uint64  `db:"attempt_id"`
		SkillScore float64 `db:"skill_score"`
	}
	if err := sqlx.SelectContext(ctx, db, &rows, `SELECT attempt_id, skill_score FROM score_reviews WHERE assessment_id = ?`, assessmentID); err != nil {
		return nil, fmt.Errorf("score: cohort of %d: %w", assessmentID, store.Translate(err))
	}
	out := make(map[uint64]float64, len(rows))
	for _, r := range rows {
		out[r.AttemptID] = r.SkillScore
	}
	return out, nil
}

type interviewRow struct {
	InterviewID   uint64         `db:"interview_id"`
	CompanyID     uint64         `db:"company_id"`
	ApplicationID uint64         `db:"application_id"`
	CandidateID   uint64         `db:"candidate_id"`
	CommandID     string         `db:"command_id"`
	Method        string         `db:"method"`
	Score         float64        `db:"score"`
	Review        []byte         `db:"review"`
	LLMModel      sql.NullString `db:"llm_model"`
	LLMError      sql.NullString `db:"llm_error"`
	ScoredAt      time.Time      `db:"scored_at"`
}

const interviewCols = `interview_id, company_id, application_id, candidate_id, command_id, method, score, review, llm_model, llm_error, scored_at`

func (r interviewRow) review() (InterviewReview, error) {
	out := InterviewReview{InterviewID: r.InterviewID, CompanyID: r.CompanyID, ApplicationID: r.ApplicationID, CandidateID: r.CandidateID,
		Method: r.Method, Score: r.Score, Model: r.LLMModel.String, LLMError: r.LLMError.String, ScoredAt: r.ScoredAt}
	if err := json.Unmarshal(r.Review, &out.Answers); err != nil {
		return out, fmt.Errorf("score: decode interview review %d: %w", r.InterviewID, err)
	}
	if out.Answers == nil {
		out.Answers = []InterviewAnswer{}
	}
	return out, nil
}

// InterviewReviewFor returns the review of an AI interview's answers
// (ErrNotFound when it was not reviewed). No access check.
func InterviewReviewFor(ctx context.Context, db sqlx.QueryerContext, interviewID uint64) (InterviewReview, error) {
	var r interviewRow
	err := sqlx.GetContext(ctx, db, &r, `SELECT `+interviewCols+` FROM score_interview_reviews WHERE interview_id = ?`, interviewID)
	if errors.Is(err, sql.ErrNoRows) {
		return InterviewReview{}, ErrNotFound
	}
	if err != nil {
		return InterviewReview{}, fmt.Errorf("score: interview review %d: %w", interviewID, store.Translate(err))
	}
	return r.review()
}

// InterviewReviewsOf returns the AI interview reviews of a candidate,
// oldest first. No access check: the caller keeps only its company's
// (InterviewReview.CompanyID).
func InterviewReviewsOf(ctx context.Context, db sqlx.QueryerContext, candidateID uint64) ([]InterviewReview, error) {
	var rows []interviewRow
	if err := sqlx.SelectContext(ctx, db, &rows, `SELECT `+interviewCols+` FROM score_interview_reviews WHERE candidate_id = ? ORDER BY interview_id`,
		candidateID); err != nil {
		return nil, fmt.Errorf("score: interview reviews of %d: %w", candidateID, store.Translate(err))
	}
	out := make([]InterviewReview, 0, len(rows))
	for _, r := range rows {
		v, err := r.review()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
