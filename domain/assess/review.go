package assess

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// The score worker's read of an attempt (workers/score reviews graded
// attempts): the attempt, its questions with their answer keys and rubrics,
// and the frozen answers with their results. No access check: for workers
// and for callers that authorised the reader already.

// ReviewQuestion is one question of an attempt with its answer and result.
type ReviewQuestion struct {
	QuestionID uint64   `json:"question_id"`
	Ordinal    int      `json:"ordinal"`
	Kind       string   `json:"kind"`
	Points     int      `json:"points"`
	Prompt     string   `json:"prompt"`
	ProblemID  int64    `json:"problem_id,omitempty"`
	Options    []string `json:"options,omitempty"`
	Correct    []int    `json:"correct,omitempty"`
	Rubric     string   `json:"rubric,omitempty"`
	// The frozen answer.
	Language string     `json:"language,omitempty"`
	Source   string     `json:"source,omitempty"`
	Text     string     `json:"text,omitempty"`
	Choices  []int      `json:"choices,omitempty"`
	Saves    int        `json:"saves"` // how many times the answer was saved
	SavedAt  *time.Time `json:"saved_at,omitempty"`
	// The result.
	GradeStatus  string          `json:"grade_status"` // ungraded | grading | manual | graded
	Score        *float64        `json:"score"`
	SubmissionID uint64          `json:"submission_id,omitempty"`
	Detail       json.RawMessage `json:"detail,omitempty"`
}

// ReviewAttempt is an attempt as the score worker reads it.
type ReviewAttempt struct {
	AttemptInfo
	StartedAt       time.Time        `json:"started_at"`
	SubmittedAt     *time.Time       `json:"submitted_at"`
	SubmittedBy     string           `json:"submitted_by"`
	DurationMinutes int              `json:"duration_minutes"`
	Score           *float64         `json:"score"`
	MaxScore        float64          `json:"max_score"`
	Questions       []ReviewQuestion `json:"questions"`
}

// AttemptForReview returns an attempt with its questions, answers and
// results, or ErrNotFound.
func AttemptForReview(ctx context.Context, q sqlx.QueryerContext, attemptID uint64) (ReviewAttempt, error) {
	t, err := getAttempt(ctx, q, `t.id = ?`, "", attemptID)
	if err != nil {
		return ReviewAttempt{}, err
	}
	h, err := getHead(ctx, q, t.AssessmentID, false)
	if err != nil {
		return ReviewAttempt{}, err
	}
	out := ReviewAttempt{AttemptInfo: t.info(), StartedAt: t.StartedAt, SubmittedAt: timePtr(t.SubmittedAt), SubmittedBy: t.SubmittedBy.String,
		DurationMinutes: h.DurationMinutes, Score: nullFloat(t.Score), MaxScore: t.MaxScore, Questions: []ReviewQuestion{}}
	qs, err := loadQuestions(ctx, q, t.AssessmentID)
	if err != nil {
		return out, err
	}
	var rows []struct {
		QuestionID   uint64     `db:"question_id"`
		Version      int        `db:"version"`
		Answer       []byte     `db:"answer"`
		SavedAt      *time.Time `db:"saved_at"`
		GradeStatus  string     `db:"grade_status"`
		Score        *float64   `db:"score"`
		SubmissionID *uint64    `db:"submission_id"`
		Detail       []byte     `db:"detail"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT question_id, version, answer, saved_at, grade_status, score, submission_id, detail
		FROM assessment_answers WHERE attempt_id = ?`, attemptID); err != nil {
		return out, fmt.Errorf("assess: answers for review: %w", store.Translate(err))
	}
	byQ := make(map[uint64]int, len(rows))
	for i, r := range rows {
		byQ[r.QuestionID] = i
	}
	for _, qr := range qs {
		m := qr.member()
		rq := ReviewQuestion{QuestionID: m.ID, Ordinal: m.Ordinal, Kind: m.Kind, Points: m.Points, Prompt: m.Prompt, ProblemID: m.ProblemID,
			Options: m.Options, Correct: m.Correct, Rubric: m.Rubric, GradeStatus: "ungraded"}
		if i, ok := byQ[m.ID]; ok {
			r := rows[i]
			var ans struct {
				Choices  []int  `json:"choices"`
				Text     string `json:"text"`
				Language string `json:"language"`
				Source   string `json:"source"`
			}
			if len(r.Answer) > 0 {
				_ = json.Unmarshal(r.Answer, &ans)
			}
			rq.Language, rq.Source, rq.Text, rq.Choices = ans.Language, ans.Source, ans.Text, ans.Choices
			rq.Saves, rq.SavedAt, rq.GradeStatus, rq.Score = r.Version, r.SavedAt, r.GradeStatus, r.Score
			if r.SubmissionID != nil {
				rq.SubmissionID = *r.SubmissionID
			}
			if len(r.Detail) > 0 {
				rq.Detail = json.RawMessage(r.Detail)
			}
		}
		out.Questions = append(out.Questions, rq)
	}
	return out, nil
}
