package proctor

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// Summary is an attempt's proctoring at a glance.
type Summary struct {
	AttemptID    uint64                    `json:"attempt_id"`
	AssessmentID uint64                    `json:"assessment_id"`
	CandidateID  uint64                    `json:"candidate_id"`
	Score        int                       `json:"trust_score"`
	Flagged      bool                      `json:"flagged"`
	FlaggedAt    *time.Time                `json:"flagged_at,omitempty"`
	FlagAt       int                       `json:"flag_at"`
	Violations   []events.ProctorViolation `json:"violations"`
	LastFrame    string                    `json:"last_frame,omitempty"`
}

// Violations returns an attempt's score, flag and violations with their
// evidence (the candidate and the company's members).
func (s *Service) Violations(ctx context.Context, a company.Actor, attemptID uint64) (Summary, error) {
	v, err := Authorize(ctx, s.DB, a, attemptID)
	if err != nil {
		return Summary{}, err
	}
	return s.summary(ctx, s.DB, v)
}

// snapshot runs fn on one consistent read view, so the score, violations
// and events of one answer are of the same moment (the worker writes them in
// one transaction; separate reads could show a new event beside an old score).
func (s *Service) snapshot(ctx context.Context, fn func(q sqlx.QueryerContext) error) error {
	tx, err := s.DB.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("proctor: snapshot: %w", store.Translate(err))
	}
	defer func() { _ = tx.Rollback() }()
	return fn(tx)
}

func (s *Service) summary(ctx context.Context, q sqlx.QueryerContext, v Viewer) (Summary, error) {
	_, flagAt, err := Rules(ctx, q, v.Attempt.AssessmentID)
	if err != nil {
		return Summary{}, err
	}
	out := Summary{AttemptID: v.Attempt.ID, AssessmentID: v.Attempt.AssessmentID, CandidateID: v.Attempt.CandidateID, Score: 100,
		FlagAt: flagAt, Violations: []events.ProctorViolation{}}
	var row struct {
		Score     int            `db:"score"`
		FlaggedAt sql.NullTime   `db:"flagged_at"`
		LastFrame sql.NullString `db:"last_frame"`
	}
	err = sqlx.GetContext(ctx, q, &row, `SELECT score, flagged_at, last_frame FROM proctor_attempts WHERE attempt_id = ?`, v.Attempt.ID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Summary{}, fmt.Errorf("proctor: summary: %w", store.Translate(err))
	}
	if err == nil {
		out.Score, out.Flagged, out.LastFrame = row.Score, row.FlaggedAt.Valid, row.LastFrame.String
		if row.FlaggedAt.Valid {
			t := row.FlaggedAt.Time
			out.FlaggedAt = &t
		}
	}
	var rows []struct {
		ID        uint64    `db:"id"`
		RuleID    string    `db:"rule_id"`
		Severity  string    `db:"severity"`
		Deduction int       `db:"deduction"`
		Evidence  []byte    `db:"evidence"`
		Created   time.Time `db:"created_at"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT id, rule_id, severity, deduction, evidence, created_at FROM proctor_violations
		WHERE attempt_id = ? ORDER BY id`, v.Attempt.ID); err != nil {
		return Summary{}, fmt.Errorf("proctor: violations: %w", store.Translate(err))
	}
	for _, r := range rows {
		pv := events.ProctorViolation{ID: r.ID, RuleID: r.RuleID, Severity: r.Severity, Deduction: r.Deduction, Created: r.Created}
		_ = json.Unmarshal(r.Evidence, &pv.Evidence)
		out.Violations = append(out.Violations, pv)
	}
	return out, nil
}

// MaxTimeline bounds one timeline answer; after it, ask again with after=<last id>.
const MaxTimeline = 5000

// Timeline is every event of an attempt in the order it was handled.
type Timeline struct {
	Summary
	StartedAt *time.Time               `json:"started_at,omitempty"`
	Deadline  time.Time                `json:"deadline"`
	Events    []events.ProctorLogEntry `json:"events"`
	More      bool                     `json:"more"`
}

// Timeline returns an attempt's events after the log id after, oldest
// first (the candidate and the company's members).
func (s *Service) Timeline(ctx context.Context, a company.Actor, attemptID, after uint64) (Timeline, error) {
	v, err := Authorize(ctx, s.DB, a, attemptID)
	if err != nil {
		return Timeline{}, err
	}
	var sum Summary
	var evs []events.ProctorLogEntry
	if err := s.snapshot(ctx, func(q sqlx.QueryerContext) error {
		if sum, err = s.summary(ctx, q, v); err != nil {
			return err
		}
		evs, err = s.events(ctx, q, attemptID, `id > ? ORDER BY id LIMIT ?`, after, MaxTimeline+1)
		return err
	}); err != nil {
		return Timeline{}, err
	}
	t := Timeline{Summary: sum, Deadline: v.Attempt.Deadline, Events: evs}
	if len(evs) > MaxTimeline {
		t.Events, t.More = evs[:MaxTimeline], true
	}
	return t, nil
}

// Recent returns an attempt's last n events, oldest first.
func (s *Service) Recent(ctx context.Context, attemptID uint64, n int) ([]events.ProctorLogEntry, error) {
	return s.recent(ctx, s.DB, attemptID, n)
}

func (s *Service) recent(ctx context.Context, q sqlx.QueryerContext, attemptID uint64, n int) ([]events.ProctorLogEntry, error) {
	evs, err := s.events(ctx, q, attemptID, `1 ORDER BY id DESC LIMIT ?`, n)
	if err != nil {
		return nil, err
	}
	for i, j := 0, len(evs)-1; i < j; i, j = i+1, j-1 {
		evs[i], evs[j] = evs[j], evs[i]
	}
	return evs, nil
}

func (s *Service) events(ctx context.Context, q sqlx.QueryerContext, attemptID uint64, where string, args ...any) ([]events.ProctorLogEntry, error) {
	var rows []struct {
		ID       uint64         `db:"id"`
		Seq      sql.NullInt64  `db:"seq"`
		Kind     string         `db:"kind"`
		Severity string         `db:"severity"`
		Detail   []byte         `db:"detail"`
		At       sql.NullTime   `db:"at"`
		Created  time.Time      `db:"created_at"`
		Cmd      sql.NullString `db:"command_id"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT id, seq, kind, severity, detail, at, created_at, command_id FROM proctor_logs
		WHERE attempt_id = ? AND `+where, append([]any{attemptID}, args...)...); err != nil {
		return nil, fmt.Errorf("proctor: timeline: %w", store.Translate(err))
	}
	out := make([]events.ProctorLogEntry, 0, len(rows))
	for _, r := range rows {
		e := events.ProctorLogEntry{ID: r.ID, Kind: r.Kind, Severity: r.Severity, Created: r.Created}
		if r.Seq.Valid {
			v := uint64(r.Seq.Int64)
			e.Seq = &v
		}
		if r.At.Valid {
			t := r.At.Time
			e.At = &t
		}
		if len(r.Detail) > 0 {
			if r.Seq.Valid {
				var d events.ProctorData
				if json.Unmarshal(r.Detail, &d) == nil {
					e.Data = &d
				}
			} else {
				var f events.FrameDetail
				if json.Unmarshal(r.Detail, &f) == nil {
					e.Frame = &f
				}
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// Snapshot is what a recruiter gets on subscribing to an attempt.
type Snapshot struct {
	Summary
	Events []events.ProctorLogEntry `json:"events"`
}

// SnapshotFor authorises the actor as a member of the attempt's company and
// returns its score and last n events. A candidate (even its own) may not
// watch the live feed: ErrNotFound.
func (s *Service) SnapshotFor(ctx context.Context, a company.Actor, attemptID uint64, n int) (Snapshot, Viewer, error) {
	v, err := Authorize(ctx, s.DB, a, attemptID)
	if err != nil {
		return Snapshot{}, v, err
	}
	if v.Candidate {
		return Snapshot{}, v, ErrNotFound
	}
	var sum Summary
	var evs []events.ProctorLogEntry
	if err := s.snapshot(ctx, func(q sqlx.QueryerContext) error {
		if sum, err = s.summary(ctx, q, v); err != nil {
			return err
		}
		evs, err = s.recent(ctx, q, attemptID, n)
		return err
	}); err != nil {
		return Snapshot{}, v, err
	}
	return Snapshot{Summary: sum, Events: evs}, v, nil
}

// Purge deletes proctoring data older than before (the retention job), at
// most limit rows per table per call; it returns the rows deleted.
func (s *Service) Purge(ctx context.Context, before time.Time, limit int) (int64, error) {
	var total int64
	for _, q := range []string{
		`DELETE FROM proctor_logs WHERE created_at < ? LIMIT ?`,
		`DELETE FROM proctor_violations WHERE attempt_id IN (SELECT attempt_id FROM (SELECT attempt_id FROM proctor_attempts WHERE updated_at < ? LIMIT ?) x)`,
		`DELETE FROM proctor_attempts WHERE updated_at < ? LIMIT ?`,
	} {
		r, err := s.DB.ExecContext(ctx, q, before.UTC(), limit)
		if err != nil {
			return total, fmt.Errorf("proctor: purge: %w", store.Translate(err))
		}
		n, _ := r.RowsAffected()
		total += n
	}
	return total, nil
}

// AuthorizeLive checks that the actor may watch an assessment's live feed
// (any member of its company).
func (s *Service) AuthorizeLive(ctx context.Context, a company.Actor, assessmentID uint64) (uint64, error) {
	return AuthorizeAssessment(ctx, s.DB, a, assessmentID)
}

// ScoresOf returns the score and flag of the given attempts of one
// assessment that have proctoring data (the live grid).
func (s *Service) ScoresOf(ctx context.Context, assessmentID uint64) (map[uint64]Summary, error) {
	var rows []struct {
		AttemptID uint64         `db:"attempt_id"`
		Score     int            `db:"score"`
		FlaggedAt sql.NullTime   `db:"flagged_at"`
		LastFrame sql.NullString `db:"last_frame"`
	}
	if err := s.DB.SelectContext(ctx, &rows, `SELECT attempt_id, score, flagged_at, last_frame FROM proctor_attempts WHERE assessment_id = ?`, assessmentID); err != nil {
		return nil, fmt.Errorf("proctor: scores: %w", store.Translate(err))
	}
	out := map[uint64]Summary{}
	for _, r := range rows {
		out[r.AttemptID] = Summary{AttemptID: r.AttemptID, AssessmentID: assessmentID, Score: r.Score, Flagged: r.FlaggedAt.Valid, LastFrame: r.LastFrame.String}
	}
	return out, nil
}

// LatestFlags returns the most severe violation of each attempt of an
// assessment (the live grid's "latest flag").
func (s *Service) LatestFlags(ctx context.Context, assessmentID uint64) (map[uint64]events.ProctorViolation, error) {
	var rows []struct {
		AttemptID uint64    `db:"attempt_id"`
		RuleID    string    `db:"rule_id"`
		Severity  string    `db:"severity"`
		Deduction int       `db:"deduction"`
		Created   time.Time `db:"created_at"`
	}
	if err := s.DB.SelectContext(ctx, &rows, `SELECT v.attempt_id, v.rule_id, v.severity, v.deduction, v.created_at FROM proctor_violations v
		JOIN proctor_attempts p ON p.attempt_id = v.attempt_id WHERE p.assessment_id = ? ORDER BY v.id`, assessmentID); err != nil {
		return nil, fmt.Errorf("proctor: flags: %w", store.Translate(err))
	}
	out := map[uint64]events.ProctorViolation{}
	for _, r := range rows {
		out[r.AttemptID] = events.ProctorViolation{RuleID: r.RuleID, Severity: r.Severity, Deduction: r.Deduction, Created: r.Created}
	}
	return out, nil
}
