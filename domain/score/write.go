package score

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// The writes of the score worker (workers/score). Each scoring command runs
// Begin, then Store, ReplaceSignals and SaveFingerprints in one
// transaction; the LLM review follows with SaveLLM on its own, so it never
// holds the rubric back.

// Begin locks an attempt's review for a scoring command. It returns the
// stored review when there is one, and repeated = true when commandID
// already made it (a redelivery: the caller repeats its first effect and
// writes nothing new).
func Begin(ctx context.Context, tx *sqlx.Tx, attemptID uint64, commandID string) (cur *Review, repeated bool, err error) {
	r, err := getReview(ctx, tx, attemptID, true)
	if errors.Is(err, ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	rev, err := r.review()
	if err != nil {
		return nil, false, err
	}
	return &rev, r.CommandID == commandID, nil
}

// Store writes a new version of an attempt's review (version 1, or the
// stored version + 1) made by commandID, and returns it as stored.
func Store(ctx context.Context, tx *sqlx.Tx, commandID string, rev Review) (Review, error) {
	rubric, err := json.Marshal(rev.Rubric)
	if err != nil {
		return Review{}, fmt.Errorf("score: encode rubric: %w", err)
	}
	var trust any
	if rev.TrustScore != nil {
		trust = *rev.TrustScore
	}
	status := rev.LLM.Status
	if status == "" {
		status = LLMOff
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO score_reviews (attempt_id, assessment_id, company_id, candidate_id, version, command_id,
		skill_score, rubric, trust_score, llm_status, llm_model, scored_at) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))
		ON DUPLICATE KEY UPDATE version = version + 1, command_id = VALUES(command_id), skill_score = VALUES(skill_score), rubric = VALUES(rubric),
		trust_score = VALUES(trust_score), llm_status = VALUES(llm_status), llm_model = VALUES(llm_model), llm_score = NULL, llm_review = NULL,
		llm_error = NULL, llm_tokens = 0, llm_at = NULL, scored_at = UTC_TIMESTAMP(3)`,
		rev.AttemptID, rev.AssessmentID, rev.CompanyID, rev.CandidateID, commandID, rev.SkillScore, rubric, trust, status, nullString(rev.LLM.Model)); err != nil {
		return Review{}, fmt.Errorf("score: store review %d: %w", rev.AttemptID, store.Translate(err))
	}
	r, err := getReview(ctx, tx, rev.AttemptID, false)
	if err != nil {
		return Review{}, err
	}
	return r.review()
}

// ReplaceSignals replaces an attempt's signals with the given ones (the
// signals of its latest scoring).
func ReplaceSignals(ctx context.Context, tx *sqlx.Tx, attemptID, assessmentID uint64, signals []Signal) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM ai_detection_logs WHERE attempt_id = ?`, attemptID); err != nil {
		return fmt.Errorf("score: clear signals of %d: %w", attemptID, store.Translate(err))
	}
	for _, s := range signals {
		if err := AddSignal(ctx, tx, attemptID, assessmentID, s); err != nil {
			return err
		}
	}
	return nil
}

// AddSignal stores one more signal of an attempt (e.g. on the earlier
// candidate of a similar pair, when the later one is scored).
func AddSignal(ctx context.Context, tx *sqlx.Tx, attemptID, assessmentID uint64, s Signal) error {
	if s.Confidence < 0 || s.Confidence > 1 {
		return fmt.Errorf("score: signal %s confidence %v outside [0, 1]", s.Kind, s.Confidence)
	}
	ev := s.Evidence
	if len(ev) == 0 {
		ev = json.RawMessage(`{}`)
	}
	var q any
	if s.QuestionID != nil {
		q = *s.QuestionID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO ai_detection_logs (attempt_id, assessment_id, question_id, kind, confidence, evidence) VALUES (?, ?, ?, ?, ?, ?)`,
		attemptID, assessmentID, q, s.Kind, s.Confidence, []byte(ev)); err != nil {
		return fmt.Errorf("score: add signal: %w", store.Translate(err))
	}
	return nil
}

// RemovePeerSignals removes the peer_similarity signals of attemptID that
// name other (the pair is being measured again).
func RemovePeerSignals(ctx context.Context, tx *sqlx.Tx, attemptID, other uint64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM ai_detection_logs WHERE attempt_id = ? AND kind = ?
		AND JSON_EXTRACT(evidence, '$.other_attempt_id') = ?`, attemptID, SignalPeerSimilarity, other); err != nil {
		return fmt.Errorf("score: remove peer signals: %w", store.Translate(err))
	}
	return nil
}

// Fingerprint is the winnowing fingerprint set of one code answer.
type Fingerprint struct {
	AttemptID    uint64
	QuestionID   uint64
	AssessmentID uint64
	CandidateID  uint64
	Language     string
	Hashes       []uint64 // sorted, distinct
}

func packHashes(h []uint64) []byte {
	b := make([]byte, 8*len(h))
	for i, v := range h {
		binary.LittleEndian.PutUint64(b[8*i:], v)
	}
	return b
}

func unpackHashes(b []byte) []uint64 {
	out := make([]uint64, len(b)/8)
	for i := range out {
		out[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	return out
}

// SaveFingerprint stores (or replaces) a code answer's fingerprints.
func SaveFingerprint(ctx context.Context, tx *sqlx.Tx, f Fingerprint) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO score_fingerprints (attempt_id, question_id, assessment_id, candidate_id, language, hashes)
		VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE language = VALUES(language), hashes = VALUES(hashes)`,
		f.AttemptID, f.QuestionID, f.AssessmentID, f.CandidateID, f.Language, packHashes(f.Hashes)); err != nil {
		return fmt.Errorf("score: save fingerprint: %w", store.Translate(err))
	}
	return nil
}

// FingerprintsOf returns the fingerprints of every answer to one question
// of an assessment.
func FingerprintsOf(ctx context.Context, q sqlx.QueryerContext, assessmentID, questionID uint64) ([]Fingerprint, error) {
	var rows []struct {
		AttemptID   uint64 `db:"attempt_id"`
		CandidateID uint64 `db:"candidate_id"`
		Language    string `db:"language"`
		Hashes      []byte `db:"hashes"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT attempt_id, candidate_id, language, hashes FROM score_fingerprints
		WHERE assessment_id = ? AND question_id = ? ORDER BY attempt_id`, assessmentID, questionID); err != nil {
		return nil, fmt.Errorf("score: fingerprints: %w", store.Translate(err))
	}
	out := make([]Fingerprint, len(rows))
	for i, r := range rows {
		out[i] = Fingerprint{AttemptID: r.AttemptID, QuestionID: questionID, AssessmentID: assessmentID, CandidateID: r.CandidateID,
			Language: r.Language, Hashes: unpackHashes(r.Hashes)}
	}
	return out, nil
}

// SaveLLM adds the LLM review to version of an attempt's review; a review
// of an older version (a rescore came meanwhile) is dropped and reported
// false.
func SaveLLM(ctx context.Context, db sqlx.ExecerContext, attemptID uint64, version int, l LLMReview) (bool, error) {
	var score any
	if l.Score != nil {
		score = *l.Score
	}
	body := l
	body.Status, body.Model, body.Error, body.Tokens, body.Score, body.At = "", "", "", 0, nil, nil
	rev, err := json.Marshal(body)
	if err != nil {
		return false, fmt.Errorf("score: encode llm review: %w", err)
	}
	res, err := db.ExecContext(ctx, `UPDATE score_reviews SET llm_status = ?, llm_score = ?, llm_review = ?, llm_model = ?, llm_error = ?,
		llm_tokens = ?, llm_at = UTC_TIMESTAMP(3) WHERE attempt_id = ? AND version = ?`,
		l.Status, score, rev, nullString(l.Model), nullString(cut(l.Error, 500)), l.Tokens, attemptID, version)
	if err != nil {
		return false, fmt.Errorf("score: save llm review %d: %w", attemptID, store.Translate(err))
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// LLMSolution is the LLM's cached solution of a problem.
type LLMSolution struct {
	ProblemID int64
	Language  string
	Model     string
	Source    string
	Hashes    []uint64
	CreatedAt time.Time
}

// CachedSolution returns the cached solution (ErrNotFound when none).
func CachedSolution(ctx context.Context, q sqlx.QueryerContext, problemID int64, language, model string) (LLMSolution, error) {
	var r struct {
		Source    string    `db:"source"`
		Hashes    []byte    `db:"hashes"`
		CreatedAt time.Time `db:"created_at"`
	}
	err := sqlx.GetContext(ctx, q, &r, `SELECT source, hashes, created_at FROM score_llm_solutions WHERE problem_id = ? AND language = ? AND model = ?`,
		problemID, language, model)
	if errors.Is(err, sql.ErrNoRows) {
		return LLMSolution{}, ErrNotFound
	}
	if err != nil {
		return LLMSolution{}, fmt.Errorf("score: llm solution: %w", store.Translate(err))
	}
	return LLMSolution{ProblemID: problemID, Language: language, Model: model, Source: r.Source, Hashes: unpackHashes(r.Hashes), CreatedAt: r.CreatedAt}, nil
}

// CacheSolution stores a solution once; the first stored one wins (two
// workers generating at once keep one).
func CacheSolution(ctx context.Context, db sqlx.ExecerContext, s LLMSolution) error {
	if _, err := db.ExecContext(ctx, `INSERT IGNORE INTO score_llm_solutions (problem_id, language, model, source, hashes) VALUES (?, ?, ?, ?, ?)`,
		s.ProblemID, s.Language, s.Model, s.Source, packHashes(s.Hashes)); err != nil {
		return fmt.Errorf("score: cache llm solution: %w", store.Translate(err))
	}
	return nil
}

// SaveInterviewReview stores the review of an AI interview made by
// commandID. When the interview already has a review made by the same
// command (a redelivery), the stored one is returned with repeated = true
// and nothing is written; another command replaces it.
func SaveInterviewReview(ctx context.Context, db *sqlx.DB, commandID string, r InterviewReview) (InterviewReview, bool, error) {
	var out InterviewReview
	repeated := false
	err := store.InTx(ctx, db, func(tx *sqlx.Tx) error {
		var cur interviewRow
		err := tx.GetContext(ctx, &cur, `SELECT `+interviewCols+` FROM score_interview_reviews WHERE interview_id = ? FOR UPDATE`, r.InterviewID)
		if err == nil && cur.CommandID == commandID {
			repeated = true
			out, err = cur.review()
			return err
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("score: interview review: %w", store.Translate(err))
		}
		answers, err := json.Marshal(r.Answers)
		if err != nil {
			return fmt.Errorf("score: encode interview review: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO score_interview_reviews (interview_id, company_id, application_id, candidate_id, command_id,
			method, score, review, llm_model, llm_error, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(3))
			ON DUPLICATE KEY UPDATE command_id = VALUES(command_id), method = VALUES(method), score = VALUES(score), review = VALUES(review),
			llm_model = VALUES(llm_model), llm_error = VALUES(llm_error), scored_at = UTC_TIMESTAMP(3)`,
			r.InterviewID, r.CompanyID, r.ApplicationID, r.CandidateID, commandID, r.Method, r.Score, answers,
			nullString(r.Model), nullString(cut(r.LLMError, 500))); err != nil {
			return fmt.Errorf("score: save interview review: %w", store.Translate(err))
		}
		var row interviewRow
		if err := tx.GetContext(ctx, &row, `SELECT `+interviewCols+` FROM score_interview_reviews WHERE interview_id = ?`, r.InterviewID); err != nil {
			return fmt.Errorf("score: interview review: %w", store.Translate(err))
		}
		out, err = row.review()
		return err
	})
	return out, repeated, err
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// ReplaceKind replaces an attempt's signals of one kind (the LLM step adds
// its llm_similarity signals to the stored scoring).
func ReplaceKind(ctx context.Context, tx *sqlx.Tx, attemptID, assessmentID uint64, kind string, signals []Signal) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM ai_detection_logs WHERE attempt_id = ? AND kind = ?`, attemptID, kind); err != nil {
		return fmt.Errorf("score: clear %s signals of %d: %w", kind, attemptID, store.Translate(err))
	}
	for _, s := range signals {
		s.Kind = kind
		if err := AddSignal(ctx, tx, attemptID, assessmentID, s); err != nil {
			return err
		}
	}
	return nil
}
