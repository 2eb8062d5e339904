package interview

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// Feedback limits.
const (
	MaxNotes     = 20000
	MaxCriteria  = 20
	MaxCriterion = 100
)

// Recommendations of a scorecard.
var Recommendations = []string{"strong_no", "no", "yes", "strong_yes"}

// Criterion is one scored line of a scorecard (1–5).
type Criterion struct {
	Name    string `json:"name"`
	Score   int    `json:"score"`
	Comment string `json:"comment,omitempty"`
}

// Feedback is one interviewer's private notes and scorecard, visible to the
// company's members only.
type Feedback struct {
	InterviewID    uint64      `json:"interview_id"`
	InterviewerID  uint64      `json:"interviewer_id"`
	Interviewer    string      `json:"interviewer,omitempty"`
	Notes          string      `json:"notes"`
	Scorecard      []Criterion `json:"scorecard"`
	Recommendation string      `json:"recommendation,omitempty"`
	UpdatedAt      time.Time   `json:"updated_at"`
}

// FeedbackInput is PUT /api/interviews/:id/feedback.
type FeedbackInput struct {
	Notes          string      `json:"notes"`
	Scorecard      []Criterion `json:"scorecard"`
	Recommendation string      `json:"recommendation"`
}

func (in *FeedbackInput) validate() error {
	if len(in.Notes) > MaxNotes {
		return invalid("notes", "notes are longer than %d bytes", MaxNotes)
	}
	if len(in.Scorecard) > MaxCriteria {
		return invalid("scorecard", "at most %d criteria", MaxCriteria)
	}
	seen := map[string]bool{}
	for i := range in.Scorecard {
		c := &in.Scorecard[i]
		c.Name = strings.TrimSpace(c.Name)
		if c.Name == "" || utf8.RuneCountInString(c.Name) > MaxCriterion {
			return invalid("scorecard", "criterion %d needs a name of at most %d characters", i+1, MaxCriterion)
		}
		if seen[strings.ToLower(c.Name)] {
			return invalid("scorecard", "criterion %q is repeated", c.Name)
		}
		seen[strings.ToLower(c.Name)] = true
		if c.Score < 1 || c.Score > 5 {
			return invalid("scorecard", "score of %q must be from 1 to 5", c.Name)
		}
		if len(c.Comment) > 2000 {
			return invalid("scorecard", "comment of %q is longer than 2000 bytes", c.Name)
		}
	}
	if in.Recommendation != "" && !oneOf(in.Recommendation, Recommendations) {
		return invalid("recommendation", "recommendation must be one of %s", strings.Join(Recommendations, ", "))
	}
	return nil
}

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

// SaveFeedback stores the caller's own notes and scorecard (an interviewer
// of the interview who is a member of its company).
func (s *Service) SaveFeedback(ctx context.Context, a company.Actor, id uint64, in FeedbackInput) (Feedback, error) {
	if err := in.validate(); err != nil {
		return Feedback{}, err
	}
	iv, err := load(ctx, s.DB, `i.id = ?`, id, false)
	if err != nil {
		return Feedback{}, err
	}
	if _, err := authorize(ctx, s.DB, a, iv, NeedFeedbackWrite); err != nil {
		return Feedback{}, err
	}
	if in.Scorecard == nil {
		in.Scorecard = []Criterion{}
	}
	card, _ := json.Marshal(in.Scorecard)
	var rec any
	if in.Recommendation != "" {
		rec = in.Recommendation
	}
	if _, err := s.DB.ExecContext(ctx, `INSERT INTO interview_feedback (interview_id, interviewer_id, notes, scorecard, recommendation) VALUES (?, ?, ?, ?, ?)
		ON DUPLICATE KEY UPDATE notes = VALUES(notes), scorecard = VALUES(scorecard), recommendation = VALUES(recommendation)`,
		id, a.UserID, in.Notes, card, rec); err != nil {
		return Feedback{}, fmt.Errorf("interview: save feedback: %w", store.Translate(err))
	}
	all, err := feedback(ctx, s.DB, id, a.UserID)
	if err != nil || len(all) == 0 {
		return Feedback{}, errors.Join(err, ErrNotFound)
	}
	return all[0], nil
}

// Feedback lists every interviewer's notes and scorecard of an interview
// to the company's members (the candidate report reads the same).
func (s *Service) Feedback(ctx context.Context, a company.Actor, id uint64) ([]Feedback, error) {
	iv, err := load(ctx, s.DB, `i.id = ?`, id, false)
	if err != nil {
		return nil, err
	}
	if _, err := authorize(ctx, s.DB, a, iv, NeedFeedbackRead); err != nil {
		return nil, err
	}
	return feedback(ctx, s.DB, id, 0)
}

func feedback(ctx context.Context, q sqlx.QueryerContext, id, only uint64) ([]Feedback, error) {
	var rows []struct {
		InterviewerID  uint64         `db:"interviewer_id"`
		Name           string         `db:"username"`
		Notes          string         `db:"notes"`
		Scorecard      []byte         `db:"scorecard"`
		Recommendation sql.NullString `db:"recommendation"`
		UpdatedAt      time.Time      `db:"updated_at"`
	}
	query := `SELECT f.interviewer_id, COALESCE(u.username, '') AS username, f.notes, f.scorecard, f.recommendation, f.updated_at
		FROM interview_feedback f LEFT JOIN users u ON u.id = f.interviewer_id WHERE f.interview_id = ?`
	args := []any{id}
	if only != 0 {
		query += ` AND f.interviewer_id = ?`
		args = append(args, only)
	}
	if err := sqlx.SelectContext(ctx, q, &rows, query+` ORDER BY f.interviewer_id`, args...); err != nil {
		return nil, fmt.Errorf("interview: feedback: %w", store.Translate(err))
	}
	out := make([]Feedback, 0, len(rows))
	for _, r := range rows {
		f := Feedback{InterviewID: id, InterviewerID: r.InterviewerID, Interviewer: r.Name, Notes: r.Notes, Recommendation: r.Recommendation.String, UpdatedAt: r.UpdatedAt}
		if err := json.Unmarshal(r.Scorecard, &f.Scorecard); err != nil {
			return nil, fmt.Errorf("interview: scorecard: %w", err)
		}
		out = append(out, f)
	}
	return out, nil
}
