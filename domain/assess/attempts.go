package assess

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/hirebus/hirebus/domain/audit"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/jobs"
	"github.com/hirebus/hirebus/domain/notify"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/sandbox/spec"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// More sentinel errors of attempts.
var (
	ErrNotStarted = events.NewError("assess", events.CodeNotStarted, "start the assessment first")
	ErrNotGraded  = events.NewError("assess", events.CodeNotGraded, "the attempt is not graded yet")
	ErrConsent    = events.NewError("assess", events.CodeConsentRequired, "send consent: true with the current consent_version (GET the assessment)")
	// ErrLivenessRequired: the assessment requires a passed liveness
	// check and the start carried no liveness token.
	ErrLivenessRequired = events.NewError("assess", events.CodeLivenessRequired, "this assessment requires a liveness check of your face: POST /api/auth/face-challenge, perform its steps, POST /api/auth/face-liveness and start with its liveness_token")
	// ErrApplicationClosed: the application the invitation came from was
	// rejected, withdrawn or hired; the assessment can no longer be started.
	ErrApplicationClosed = events.NewError("assess", events.CodeApplicationClosed, "the application was closed; the assessment can no longer be started")
)

// Attempt statuses.
const (
	AttemptActive    = "active"
	AttemptSubmitted = "submitted"
	AttemptGraded    = "graded"
)

// Invitation is a candidate's invitation to an assessment.
type Invitation struct {
	ID            uint64    `json:"id"`
	AssessmentID  uint64    `json:"assessment_id"`
	ApplicationID uint64    `json:"application_id"`
	CandidateID   uint64    `json:"candidate_id"`
	CreatedAt     time.Time `json:"created_at"`
}

// Invite invites an application's candidate (recruiters and owners): the
// application moves to `assessment`, the candidate is notified and mailed,
// all in one commit.
func (s *Service) Invite(ctx context.Context, a company.Actor, assessmentID, applicationID uint64) (Invitation, error) {
	if applicationID == 0 {
		return Invitation{}, invalid("application_id", "application_id is required")
	}
	var inv Invitation
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		h, err := getHead(ctx, tx, assessmentID, false)
		if err != nil {
			return err
		}
		if _, err := authorize(ctx, tx, a, h, NeedWrite); err != nil {
			return err
		}
		app, err := jobs.MoveToAssessmentTx(ctx, tx, a, applicationID, h.CompanyID, "invited to the assessment "+h.Title)
		if errors.Is(err, jobs.ErrNotFound) {
			return invalid("application_id", "application %d is not one of the company's applications", applicationID)
		}
		if err != nil {
			return err
		}
		if h.JobID.Valid && uint64(h.JobID.Int64) != app.JobID {
			return invalid("application_id", "application %d is for another job than the assessment's", applicationID)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO assessment_invitations (assessment_id, application_id, candidate_id, invited_by) VALUES (?, ?, ?, ?)`,
			h.ID, app.ID, app.CandidateID, a.UserID)
		if err != nil {
			if err = store.Translate(err); errors.Is(err, store.ErrDuplicate) {
				return ErrInvited
			}
			return fmt.Errorf("assess: invite: %w", err)
		}
		id, _ := res.LastInsertId()
		inv = Invitation{ID: uint64(id), AssessmentID: h.ID, ApplicationID: app.ID, CandidateID: app.CandidateID, CreatedAt: time.Now().UTC()}
		window := windowText(h)
		if _, err := notify.Send(ctx, tx, ob, notify.New{UserID: app.CandidateID, Kind: "assessment.invitation",
			Title: "Assessment: " + h.Title, Body: fmt.Sprintf("%s invites you to the %d-minute assessment %s%s.", app.CompanyName, h.DurationMinutes, h.Title, window),
			Data: map[string]any{"assessment_id": h.ID, "application_id": app.ID}}); err != nil {
			return err
		}
		if app.CandidateEmail != "" {
			link := "/assess.html#take=" + strconv.FormatUint(h.ID, 10)
			if s.Link != nil {
				link = s.Link(h.ID)
			}
			env, err := events.NewEnvelope(events.CmdMailNotify, "", a.UserID, events.MailNotify{To: app.CandidateEmail, Template: events.MailTemplateAssessment,
				Data: map[string]string{"name": app.CandidateName, "company": app.CompanyName, "job": app.JobTitle, "title": h.Title,
					"duration": strconv.Itoa(h.DurationMinutes), "window": window, "link": link}})
			if err != nil {
				return err
			}
			if err := ob.Add(events.CmdMailNotify, env); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: h.CompanyID, Action: "assessment.invite", Target: target("assessment", h.ID),
			After: inv, RequestID: a.RequestID, IP: a.IP})
	})
	return inv, err
}

func windowText(h head) string {
	const layout = "2006-01-02 15:04 MST"
	switch {
	case h.OpensAt.Valid && h.ClosesAt.Valid:
		return ", open from " + h.OpensAt.Time.UTC().Format(layout) + " to " + h.ClosesAt.Time.UTC().Format(layout)
	case h.OpensAt.Valid:
		return ", open from " + h.OpensAt.Time.UTC().Format(layout)
	case h.ClosesAt.Valid:
		return ", open until " + h.ClosesAt.Time.UTC().Format(layout)
	}
	return ""
}

// attemptRow is an attempt as stored.
type attemptRow struct {
	ID             uint64          `db:"id"`
	AssessmentID   uint64          `db:"assessment_id"`
	CompanyID      uint64          `db:"company_id"`
	CandidateID    uint64          `db:"candidate_id"`
	Status         string          `db:"status"`
	ConsentVersion string          `db:"consent_version"`
	ConsentedAt    time.Time       `db:"consented_at"`
	StartedAt      time.Time       `db:"started_at"`
	Deadline       time.Time       `db:"deadline"`
	SubmittedAt    sql.NullTime    `db:"submitted_at"`
	SubmittedBy    sql.NullString  `db:"submitted_by"`
	SubmitOpID     sql.NullString  `db:"submit_op_id"`
	GradedAt       sql.NullTime    `db:"graded_at"`
	Score          sql.NullFloat64 `db:"score"`
	MaxScore       float64         `db:"max_score"`
	ReleasedAt     sql.NullTime    `db:"released_at"`
	Now            time.Time       `db:"now"`
}

const attemptCols = `t.id, t.assessment_id, a.company_id, t.candidate_id, t.status, t.consent_version, t.consented_at, t.started_at, t.deadline,
	t.submitted_at, t.submitted_by, t.submit_op_id, t.graded_at, t.score, t.max_score, t.released_at, UTC_TIMESTAMP(3) AS now`

func getAttempt(ctx context.Context, q sqlx.QueryerContext, where string, lock string, args ...any) (attemptRow, error) {
	var r attemptRow
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+attemptCols+` FROM assessment_attempts t JOIN assessments a ON a.id = t.assessment_id WHERE `+where+lock, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("assess: attempt: %w", store.Translate(err))
	}
	return r, nil
}

// authorizeAttempt applies authorize to an attempt: NeedTake is its own
// candidate only; NeedRead/NeedWrite are the company's members; NeedView
// is either. Anyone else gets ErrNotFound.
func authorizeAttempt(ctx context.Context, q sqlx.QueryerContext, a company.Actor, t attemptRow, need Need) (Access, error) {
	own := a.UserID != 0 && a.UserID == t.CandidateID
	if own && (need == NeedTake || need == NeedView) {
		return Access{Candidate: true}, nil
	}
	if need == NeedView {
		need = NeedRead
	}
	acc, err := authorize(ctx, q, a, head{ID: t.AssessmentID, CompanyID: t.CompanyID}, need)
	if err != nil {
		return Access{}, err
	}
	if acc.Candidate { // invited, but not to this attempt
		return Access{}, ErrNotFound
	}
	return acc, nil
}

// AnswerView is one saved answer.
type AnswerView struct {
	QuestionID uint64          `json:"question_id"`
	Version    int             `json:"version"`
	Answer     json.RawMessage `json:"answer"`
	SavedAt    *time.Time      `json:"saved_at"`
}

// QuestionResult is one question's result.
type QuestionResult struct {
	QuestionID uint64          `json:"question_id"`
	Kind       string          `json:"kind"`
	Points     int             `json:"points"`
	Status     string          `json:"status"` // grading | manual | graded | ungraded
	Score      *float64        `json:"score"`
	Detail     json.RawMessage `json:"detail,omitempty"`
}

// CandidateAttempt is an attempt as its candidate sees it: the server's
// clock and deadline, the saved answers and, once released, the results.
type CandidateAttempt struct {
	ID           uint64           `json:"id"`
	AssessmentID uint64           `json:"assessment_id"`
	Status       string           `json:"status"`
	StartedAt    time.Time        `json:"started_at"`
	Deadline     time.Time        `json:"deadline"`
	ServerNow    time.Time        `json:"server_now"`
	RemainingMS  int64            `json:"remaining_ms"`
	SubmittedAt  *time.Time       `json:"submitted_at"`
	SubmittedBy  string           `json:"submitted_by,omitempty"`
	SubmitOpID   string           `json:"submit_op_id,omitempty"`
	Answers      []AnswerView     `json:"answers"`
	Released     bool             `json:"results_released"`
	Score        *float64         `json:"score,omitempty"`
	MaxScore     float64          `json:"max_score"`
	Results      []QuestionResult `json:"results,omitempty"`
}

// MemberAttempt is an attempt as the company's members see it.
type MemberAttempt struct {
	CandidateAttempt
	CandidateID    uint64     `json:"candidate_id"`
	CandidateName  string     `json:"candidate_name"`
	ConsentVersion string     `json:"consent_version"`
	ConsentedAt    time.Time  `json:"consented_at"`
	GradedAt       *time.Time `json:"graded_at"`
	ReleasedAt     *time.Time `json:"released_at"`
	ProctorEvents  int        `json:"proctor_events"`
}

type answerRow struct {
	QuestionID  uint64          `db:"question_id"`
	Kind        string          `db:"kind"`
	Points      int             `db:"points"`
	Version     int             `db:"version"`
	Answer      []byte          `db:"answer"`
	SavedAt     sql.NullTime    `db:"saved_at"`
	GradeStatus string          `db:"grade_status"`
	Score       sql.NullFloat64 `db:"score"`
	Detail      []byte          `db:"detail"`
}

func loadAnswers(ctx context.Context, q sqlx.QueryerContext, attemptID uint64) ([]answerRow, error) {
	var rows []answerRow
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT n.question_id, q.kind, q.points, n.version, n.answer, n.saved_at, n.grade_status, n.score, n.detail
		FROM assessment_answers n JOIN assessment_questions q ON q.id = n.question_id WHERE n.attempt_id = ? ORDER BY q.ordinal`, attemptID); err != nil {
		return nil, fmt.Errorf("assess: answers: %w", store.Translate(err))
	}
	return rows, nil
}

func nullFloat(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	v := f.Float64
	return &v
}

func (t attemptRow) view(answers []answerRow, results bool) CandidateAttempt {
	v := CandidateAttempt{ID: t.ID, AssessmentID: t.AssessmentID, Status: t.Status, StartedAt: t.StartedAt, Deadline: t.Deadline,
		ServerNow: t.Now, SubmittedAt: timePtr(t.SubmittedAt), SubmittedBy: t.SubmittedBy.String, SubmitOpID: t.SubmitOpID.String,
		Answers: []AnswerView{}, Released: t.ReleasedAt.Valid, MaxScore: t.MaxScore}
	if t.Status == AttemptActive && t.Deadline.After(t.Now) {
		v.RemainingMS = t.Deadline.Sub(t.Now).Milliseconds()
	}
	for _, r := range answers {
		av := AnswerView{QuestionID: r.QuestionID, Version: r.Version, SavedAt: timePtr(r.SavedAt)}
		if len(r.Answer) > 0 {
			av.Answer = json.RawMessage(r.Answer)
		}
		v.Answers = append(v.Answers, av)
	}
	if results {
		v.Score = nullFloat(t.Score)
		for _, r := range answers {
			qr := QuestionResult{QuestionID: r.QuestionID, Kind: r.Kind, Points: r.Points, Status: r.GradeStatus, Score: nullFloat(r.Score)}
			if len(r.Detail) > 0 {
				qr.Detail = json.RawMessage(r.Detail)
			}
			v.Results = append(v.Results, qr)
		}
	}
	return v
}

func (s *Service) candidateAttempt(ctx context.Context, q sqlx.QueryerContext, assessmentID, candidateID uint64) (CandidateAttempt, error) {
	t, err := getAttempt(ctx, q, `t.assessment_id = ? AND t.candidate_id = ?`, "", assessmentID, candidateID)
	if err != nil {
		return CandidateAttempt{}, err
	}
	answers, err := loadAnswers(ctx, q, t.ID)
	if err != nil {
		return CandidateAttempt{}, err
	}
	return t.view(answers, t.ReleasedAt.Valid), nil
}

// StartInput is the candidate's start request. It carries no time: the
// attempt's start and deadline are the database server's clock.
type StartInput struct {
	Consent        bool   `json:"consent"`
	ConsentVersion string `json:"consent_version"`
	// LivenessToken proves a passed liveness challenge of the candidate's
	// enrolled face, when the assessment's proctoring requires liveness.
	LivenessToken string `json:"liveness_token,omitempty"`
}

// Start records the invited candidate's consent and creates their one
// attempt with deadline = now + duration on the server's clock. A second
// start is ErrAlreadyStarted; outside the window ErrWindow.
func (s *Service) Start(ctx context.Context, a company.Actor, assessmentID uint64, in StartInput) (CandidateAttempt, error) {
	if !in.Consent || in.ConsentVersion != ConsentVersion {
		return CandidateAttempt{}, ErrConsent
	}
	var attemptID uint64
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		h, err := getHead(ctx, tx, assessmentID, false)
		if err != nil {
			return err
		}
		if _, err := authorize(ctx, tx, a, h, NeedTake); err != nil {
			return err
		}
		var appID uint64
		if err := tx.GetContext(ctx, &appID, `SELECT application_id FROM assessment_invitations WHERE assessment_id = ? AND candidate_id = ?`, h.ID, a.UserID); err != nil {
			return fmt.Errorf("assess: invitation: %w", store.Translate(err))
		}
		appStatus, err := jobs.ApplicationStatus(ctx, tx, appID)
		if err != nil {
			return err
		}
		if !jobs.Open(appStatus) {
			return ErrApplicationClosed
		}
		var open bool
		if err := tx.GetContext(ctx, &open, `SELECT (opens_at IS NULL OR opens_at <= UTC_TIMESTAMP(3)) AND (closes_at IS NULL OR closes_at > UTC_TIMESTAMP(3))
			FROM assessments WHERE id = ?`, h.ID); err != nil {
			return fmt.Errorf("assess: window: %w", store.Translate(err))
		}
		if !open {
			return ErrWindow
		}
		if h.proctoring().Liveness {
			if in.LivenessToken == "" || s.Liveness == nil {
				return ErrLivenessRequired
			}
			if err := s.Liveness(ctx, tx, a.UserID, in.LivenessToken); err != nil {
				return err
			}
		}
		var maxScore float64
		if err := tx.GetContext(ctx, &maxScore, `SELECT COALESCE(SUM(points), 0) FROM assessment_questions WHERE assessment_id = ?`, h.ID); err != nil {
			return fmt.Errorf("assess: max score: %w", store.Translate(err))
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO assessment_attempts (assessment_id, candidate_id, status, consent_version, consented_at, started_at, deadline, max_score)
			VALUES (?, ?, 'active', ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL ? MINUTE, ?)`,
			h.ID, a.UserID, in.ConsentVersion, h.DurationMinutes, maxScore)
		if err != nil {
			if err = store.Translate(err); errors.Is(err, store.ErrDuplicate) {
				return ErrAlreadyStarted
			}
			return fmt.Errorf("assess: start: %w", err)
		}
		id, _ := res.LastInsertId()
		attemptID = uint64(id)
		if _, err := tx.ExecContext(ctx, `INSERT INTO assessment_answers (attempt_id, question_id) SELECT ?, id FROM assessment_questions WHERE assessment_id = ?`,
			attemptID, h.ID); err != nil {
			return fmt.Errorf("assess: answers: %w", store.Translate(err))
		}
		return nil
	})
	if err != nil {
		return CandidateAttempt{}, err
	}
	return s.candidateAttempt(ctx, s.DB, assessmentID, a.UserID)
}

// AnswerInput is one autosave. Which fields apply depends on the
// question's kind: choices (mcq), text (text), language and source (code).
// BaseVersion, when sent, must be the answer's current version (another tab
// saved in between otherwise: ErrStale).
type AnswerInput struct {
	Choices     []int   `json:"choices,omitempty"`
	Text        *string `json:"text,omitempty"`
	Language    string  `json:"language,omitempty"`
	Source      *string `json:"source,omitempty"`
	BaseVersion *int    `json:"base_version,omitempty"`
}

// Saved is the answer of an autosave.
type Saved struct {
	QuestionID  uint64    `json:"question_id"`
	Version     int       `json:"version"`
	SavedAt     time.Time `json:"saved_at"`
	Deadline    time.Time `json:"deadline"`
	RemainingMS int64     `json:"remaining_ms"`
}

type questionRules struct {
	Kind      string `db:"kind"`
	Languages []byte `db:"languages"`
	Options   []byte `db:"options"`
	Multiple  bool   `db:"multiple"`
	MaxLength int    `db:"max_length"`
}

// answerJSON validates an answer against its question and encodes it.
func answerJSON(q questionRules, in AnswerInput) ([]byte, error) {
	switch q.Kind {
	case KindMCQ:
		if in.Text != nil || in.Source != nil || in.Language != "" {
			return nil, invalid("answer", "an mcq answer has only choices")
		}
		n := len(decodeList[string](q.Options))
		seen := map[int]bool{}
		for _, c := range in.Choices {
			if c < 0 || c >= n || seen[c] {
				return nil, invalid("choices", "choices must be distinct option indexes from 0 to %d", n-1)
			}
			seen[c] = true
		}
		if !q.Multiple && len(in.Choices) > 1 {
			return nil, invalid("choices", "this question takes one choice")
		}
		ch := append([]int{}, in.Choices...)
		sort.Ints(ch)
		return json.Marshal(map[string]any{"choices": ch})
	case KindText:
		if in.Text == nil || len(in.Choices) > 0 || in.Source != nil || in.Language != "" {
			return nil, invalid("text", "a text answer has only text")
		}
		if !utf8.ValidString(*in.Text) || len(*in.Text) > q.MaxLength {
			return nil, invalid("text", "text must be valid UTF-8 of at most %d bytes", q.MaxLength)
		}
		return json.Marshal(map[string]any{"text": *in.Text})
	case KindCode:
		if in.Source == nil || len(in.Choices) > 0 || in.Text != nil {
			return nil, invalid("source", "a code answer has language and source")
		}
		if len(*in.Source) > MaxSource || !utf8.ValidString(*in.Source) {
			return nil, invalid("source", "source must be valid UTF-8 of at most %d bytes", MaxSource)
		}
		lang, err := spec.LookupLanguage(in.Language)
		if err != nil {
			return nil, invalid("language", "unknown language %q", in.Language)
		}
		if allowed := decodeList[string](q.Languages); len(allowed) > 0 && !oneOf(lang.ID, allowed) {
			return nil, invalid("language", "this question accepts %v", allowed)
		}
		return json.Marshal(map[string]any{"language": lang.ID, "source": *in.Source})
	}
	return nil, invalid("question_id", "unknown question kind")
}

// SaveAnswer autosaves one answer of the caller's own attempt. The attempt
// row is share-locked, so a save and the submission (which locks it for
// update) are ordered: a save is either in the frozen answers or refused
// with ErrClosed. The deadline is compared with the database's clock.
func (s *Service) SaveAnswer(ctx context.Context, a company.Actor, attemptID, questionID uint64, in AnswerInput) (Saved, error) {
	var out Saved
	err := store.InTx(ctx, s.DB, func(tx *sqlx.Tx) error {
		t, err := getAttempt(ctx, tx, `t.id = ?`, ` LOCK IN SHARE MODE`, attemptID)
		if err != nil {
			return err
		}
		if _, err := authorizeAttempt(ctx, tx, a, t, NeedTake); err != nil {
			return err
		}
		if t.Status != AttemptActive || !t.Deadline.After(t.Now) {
			return ErrClosed
		}
		var q questionRules
		err = tx.GetContext(ctx, &q, `SELECT kind, languages, options, multiple, max_length FROM assessment_questions WHERE id = ? AND assessment_id = ?`,
			questionID, t.AssessmentID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("assess: question: %w", store.Translate(err))
		}
		body, err := answerJSON(q, in)
		if err != nil {
			return err
		}
		query := `UPDATE assessment_answers SET answer = ?, version = version + 1, saved_at = UTC_TIMESTAMP(3) WHERE attempt_id = ? AND question_id = ?`
		args := []any{body, attemptID, questionID}
		if in.BaseVersion != nil {
			query += ` AND version = ?`
			args = append(args, *in.BaseVersion)
		}
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("assess: save: %w", store.Translate(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrStale
		}
		var row struct {
			Version int       `db:"version"`
			SavedAt time.Time `db:"saved_at"`
		}
		if err := tx.GetContext(ctx, &row, `SELECT version, saved_at FROM assessment_answers WHERE attempt_id = ? AND question_id = ?`, attemptID, questionID); err != nil {
			return fmt.Errorf("assess: reread: %w", store.Translate(err))
		}
		out = Saved{QuestionID: questionID, Version: row.Version, SavedAt: row.SavedAt, Deadline: t.Deadline, RemainingMS: t.Deadline.Sub(t.Now).Milliseconds()}
		return nil
	})
	return out, err
}

// Submitted is the answer of a submission.
type Submitted struct {
	AttemptID uint64 `json:"attempt_id"`
	OpID      string `json:"op_id"`
}

// Submit freezes the caller's answers; grading goes on in the background
// (the returned operation completes when MCQ and code are graded).
func (s *Service) Submit(ctx context.Context, a company.Actor, assessmentID uint64) (Submitted, error) {
	var out Submitted
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		h, err := getHead(ctx, tx, assessmentID, false)
		if err != nil {
			return err
		}
		if _, err := authorize(ctx, tx, a, h, NeedTake); err != nil {
			return err
		}
		t, err := getAttempt(ctx, tx, `t.assessment_id = ? AND t.candidate_id = ?`, ` FOR UPDATE`, assessmentID, a.UserID)
		if errors.Is(err, ErrNotFound) {
			return ErrNotStarted
		}
		if err != nil {
			return err
		}
		by := "candidate"
		if !t.Deadline.After(t.Now) {
			by = "deadline" // the sweeper had not come round yet
		}
		opID, err := s.finalize(ctx, tx, ob, t, by)
		out = Submitted{AttemptID: t.ID, OpID: opID}
		return err
	})
	return out, err
}

// finalize submits a locked active attempt: freezes it, grades MCQ and
// empty answers at once, hands code answers to the code worker (a
// coding_sessions row and a coding_submissions row each, linked by
// assessment_id) and leaves text answers for a score. It pushes
// assessment.submitted to the company's writers.
func (s *Service) finalize(ctx context.Context, tx *sqlx.Tx, ob *outbox.Batch, t attemptRow, by string) (string, error) {
	if t.Status != AttemptActive {
		return "", ErrClosed
	}
	opID := events.NewID()
	res, err := tx.ExecContext(ctx, `UPDATE assessment_attempts SET status = 'submitted', submitted_at = UTC_TIMESTAMP(3), submitted_by = ?, submit_op_id = ?
		WHERE id = ? AND status = 'active'`, by, opID, t.ID)
	if err != nil {
		return "", fmt.Errorf("assess: submit: %w", store.Translate(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", ErrClosed
	}
	if err := ops.Create(ctx, tx, opID, events.OpAssessmentSubmit, t.CandidateID); err != nil {
		return "", err
	}
	var qs []struct {
		QuestionID uint64        `db:"question_id"`
		Kind       string        `db:"kind"`
		Points     int           `db:"points"`
		ProblemID  sql.NullInt64 `db:"problem_id"`
		AnswerKey  []byte        `db:"answer_key"`
		Answer     []byte        `db:"answer"`
	}
	if err := tx.SelectContext(ctx, &qs, `SELECT n.question_id, q.kind, q.points, q.problem_id, q.answer_key, n.answer
		FROM assessment_answers n JOIN assessment_questions q ON q.id = n.question_id WHERE n.attempt_id = ? ORDER BY q.ordinal`, t.ID); err != nil {
		return "", fmt.Errorf("assess: frozen answers: %w", store.Translate(err))
	}
	for _, q := range qs {
		var ans struct {
			Choices  []int  `json:"choices"`
			Text     string `json:"text"`
			Language string `json:"language"`
			Source   string `json:"source"`
		}
		if len(q.Answer) > 0 {
			_ = json.Unmarshal(q.Answer, &ans)
		}
		grade := func(score float64, detail any) error {
			d, _ := json.Marshal(detail)
			_, err := tx.ExecContext(ctx, `UPDATE assessment_answers SET grade_status = 'graded', score = ?, detail = ? WHERE attempt_id = ? AND question_id = ?`,
				score, d, t.ID, q.QuestionID)
			if err != nil {
				return fmt.Errorf("assess: grade: %w", store.Translate(err))
			}
			return nil
		}
		switch q.Kind {
		case KindMCQ:
			key := decodeList[int](q.AnswerKey)
			sort.Ints(key)
			right := len(ans.Choices) == len(key)
			for i := 0; right && i < len(key); i++ {
				right = ans.Choices[i] == key[i]
			}
			score := 0.0
			if right {
				score = float64(q.Points)
			}
			if err := grade(score, map[string]any{"right": right}); err != nil {
				return "", err
			}
		case KindText:
			if ans.Text == "" {
				if err := grade(0, map[string]any{"reason": "no answer"}); err != nil {
					return "", err
				}
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE assessment_answers SET grade_status = 'manual' WHERE attempt_id = ? AND question_id = ?`, t.ID, q.QuestionID); err != nil {
				return "", fmt.Errorf("assess: manual: %w", store.Translate(err))
			}
		case KindCode:
			if ans.Source == "" || ans.Language == "" {
				if err := grade(0, map[string]any{"reason": "no answer"}); err != nil {
					return "", err
				}
				continue
			}
			subID, err := queueCode(ctx, tx, ob, t, q.ProblemID.Int64, ans.Language, ans.Source)
			if err != nil {
				return "", err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE assessment_answers SET grade_status = 'grading', submission_id = ? WHERE attempt_id = ? AND question_id = ?`,
				subID, t.ID, q.QuestionID); err != nil {
				return "", fmt.Errorf("assess: grading: %w", store.Translate(err))
			}
		}
	}
	t.Status, t.SubmittedBy = AttemptSubmitted, sql.NullString{String: by, Valid: true}
	if err := pushWriters(ctx, tx, ob, t, events.EvtAssessmentSubmitted, nil); err != nil {
		return "", err
	}
	return opID, maybeGraded(ctx, tx, ob, t.ID)
}

// queueCode links a code answer to the code worker: a closed coding session
// and a pending submission with assessment_id set (cross-owner writes of
// the coding tables, in the form the edge's submit route writes them), and
// the cmd.code.submit command in the same commit.
func queueCode(ctx context.Context, tx *sqlx.Tx, ob *outbox.Batch, t attemptRow, problemID int64, lang, source string) (uint64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO coding_sessions (user_id, problem_id, assessment_id, language, code, ended_at)
		VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(3))`, t.CandidateID, problemID, t.AssessmentID, lang, source)
	if err != nil {
		return 0, fmt.Errorf("assess: coding session: %w", store.Translate(err))
	}
	sessionID, _ := res.LastInsertId()
	codeOp := events.NewID()
	res, err = tx.ExecContext(ctx, `INSERT INTO coding_submissions (op_id, user_id, problem_id, session_id, assessment_id, language, source, status)
		VALUES (?, ?, ?, ?, ?, ?, ?, 'pending')`, codeOp, t.CandidateID, problemID, sessionID, t.AssessmentID, lang, source)
	if err != nil {
		return 0, fmt.Errorf("assess: coding submission: %w", store.Translate(err))
	}
	subID, _ := res.LastInsertId()
	// The operation has no user: its result (per-test verdicts) is the
	// company's until it releases the results.
	if err := ops.Create(ctx, tx, codeOp, events.OpCodeSubmit, 0); err != nil {
		return 0, err
	}
	env, err := events.NewEnvelope(events.OpCodeSubmit, codeOp, t.CandidateID, events.CodeSubmit{SubmissionID: uint64(subID), ProblemID: problemID, Language: lang})
	if err != nil {
		return 0, err
	}
	return uint64(subID), ob.Add(events.CmdCodeSubmit, env)
}

// pushWriters sends an attempt event to every recruiter and owner of the
// company.
func pushWriters(ctx context.Context, tx *sqlx.Tx, ob *outbox.Batch, t attemptRow, typ string, score *float64) error {
	ids, err := company.MemberIDs(ctx, tx, t.CompanyID, company.PermWrite)
	if err != nil {
		return err
	}
	p := events.AssessmentAttempt{AttemptID: t.ID, AssessmentID: t.AssessmentID, CompanyID: t.CompanyID, CandidateID: t.CandidateID,
		Status: t.Status, SubmittedBy: t.SubmittedBy.String, Score: score, MaxScore: t.MaxScore}
	for _, uid := range ids {
		env, err := events.NewEnvelope(typ, "", 0, p)
		if err != nil {
			return err
		}
		if err := ob.Add(events.UserSubject(uid, typ), env); err != nil {
			return err
		}
	}
	return nil
}

// maybeGraded completes the submit operation once nothing waits for the
// code worker, and marks the attempt graded (with its total, pushing
// assessment.graded) once nothing waits for a score either.
func maybeGraded(ctx context.Context, tx *sqlx.Tx, ob *outbox.Batch, attemptID uint64) error {
	t, err := getAttempt(ctx, tx, `t.id = ?`, ` FOR UPDATE`, attemptID)
	if err != nil {
		return err
	}
	var st struct {
		Grading int     `db:"grading"`
		Manual  int     `db:"manual"`
		Total   float64 `db:"total"`
	}
	if err := tx.GetContext(ctx, &st, `SELECT COALESCE(SUM(grade_status = 'grading'), 0) AS grading, COALESCE(SUM(grade_status = 'manual'), 0) AS manual,
		COALESCE(SUM(score), 0) AS total FROM assessment_answers WHERE attempt_id = ?`, attemptID); err != nil {
		return fmt.Errorf("assess: grading state: %w", store.Translate(err))
	}
	if st.Grading > 0 || t.Status == AttemptActive {
		return nil
	}
	status := "graded"
	if st.Manual > 0 {
		status = "awaiting_manual"
	}
	if t.SubmitOpID.Valid {
		if err := ops.Complete(ctx, tx, ob, t.SubmitOpID.String, events.OpAssessmentSubmit, t.CandidateID,
			events.AssessmentSubmitResult{AttemptID: t.ID, Status: status}); err != nil {
			return err
		}
	}
	if st.Manual > 0 {
		return nil
	}
	if t.Status == AttemptGraded {
		_, err := tx.ExecContext(ctx, `UPDATE assessment_attempts SET score = ? WHERE id = ?`, st.Total, t.ID)
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE assessment_attempts SET status = 'graded', graded_at = UTC_TIMESTAMP(3), score = ? WHERE id = ? AND status = 'submitted'`,
		st.Total, t.ID); err != nil {
		return fmt.Errorf("assess: graded: %w", store.Translate(err))
	}
	t.Status = AttemptGraded
	total := st.Total
	if err := pushWriters(ctx, tx, ob, t, events.EvtAssessmentGraded, &total); err != nil {
		return err
	}
	return scoreGraded(ob, t, total)
}

// scoreGraded hands assessment.graded to the score worker (workers/score)
// as a command in the same commit: a durable copy on CMD, one per attempt.
func scoreGraded(ob *outbox.Batch, t attemptRow, total float64) error {
	env, err := events.NewEnvelope(events.EvtAssessmentGraded, "", 0, events.AssessmentAttempt{AttemptID: t.ID, AssessmentID: t.AssessmentID,
		CompanyID: t.CompanyID, CandidateID: t.CandidateID, Status: t.Status, SubmittedBy: t.SubmittedBy.String, Score: &total, MaxScore: t.MaxScore})
	if err != nil {
		return err
	}
	env.ID = events.ScoreGradedID(t.ID)
	return ob.Add(events.CmdScoreGraded, env)
}

// collectCode moves finished code submissions into their answers' scores
// (points × the share of tests passed; a failed grading scores 0 with its
// reason) and returns how many answers it graded.
func (s *Service) collectCode(ctx context.Context, limit int) (int, error) {
	var rows []struct {
		AttemptID  uint64 `db:"attempt_id"`
		QuestionID uint64 `db:"question_id"`
	}
	if err := s.DB.SelectContext(ctx, &rows, `SELECT n.attempt_id, n.question_id FROM assessment_answers n
		JOIN coding_submissions c ON c.id = n.submission_id
		WHERE n.grade_status = 'grading' AND c.status IN ('done', 'failed') LIMIT ?`, limit); err != nil {
		return 0, fmt.Errorf("assess: finished code: %w", store.Translate(err))
	}
	graded := 0
	for _, r := range rows {
		err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
			if _, err := getAttempt(ctx, tx, `t.id = ?`, ` FOR UPDATE`, r.AttemptID); err != nil {
				return err
			}
			var c struct {
				Points  int            `db:"points"`
				Status  string         `db:"status"`
				Verdict sql.NullString `db:"verdict"`
				Passed  int            `db:"passed"`
				Total   int            `db:"total"`
				Score   float64        `db:"score"`
				SubID   uint64         `db:"id"`
			}
			err := tx.GetContext(ctx, &c, `SELECT q.points, c.status, c.verdict, c.passed, c.total, c.score, c.id
				FROM assessment_answers n JOIN assessment_questions q ON q.id = n.question_id JOIN coding_submissions c ON c.id = n.submission_id
				WHERE n.attempt_id = ? AND n.question_id = ? AND n.grade_status = 'grading'`, r.AttemptID, r.QuestionID)
			if errors.Is(err, sql.ErrNoRows) {
				return nil // another sweeper took it
			}
			if err != nil {
				return fmt.Errorf("assess: code result: %w", store.Translate(err))
			}
			score := 0.0
			if c.Status == "done" {
				score = float64(c.Points) * c.Score
			}
			d, _ := json.Marshal(map[string]any{"submission_id": c.SubID, "status": c.Status, "verdict": c.Verdict.String, "passed": c.Passed, "total": c.Total})
			if _, err := tx.ExecContext(ctx, `UPDATE assessment_answers SET grade_status = 'graded', score = ?, detail = ? WHERE attempt_id = ? AND question_id = ?`,
				score, d, r.AttemptID, r.QuestionID); err != nil {
				return fmt.Errorf("assess: code score: %w", store.Translate(err))
			}
			graded++
			return maybeGraded(ctx, tx, ob, r.AttemptID)
		})
		if err != nil {
			return graded, err
		}
	}
	return graded, nil
}

// ScoreInput is a recruiter's score of a text answer.
type ScoreInput struct {
	Score *float64 `json:"score"`
}

// Score sets a text answer's score (recruiters and owners) on a submitted
// attempt; the last manual score grades the attempt.
func (s *Service) Score(ctx context.Context, a company.Actor, attemptID, questionID uint64, in ScoreInput) (MemberAttempt, error) {
	if in.Score == nil {
		return MemberAttempt{}, invalid("score", "score is required")
	}
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		t, err := getAttempt(ctx, tx, `t.id = ?`, ` FOR UPDATE`, attemptID)
		if err != nil {
			return err
		}
		if _, err := authorizeAttempt(ctx, tx, a, t, NeedWrite); err != nil {
			return err
		}
		if t.Status == AttemptActive {
			return ErrNotSubmitted
		}
		var q struct {
			Kind   string `db:"kind"`
			Points int    `db:"points"`
		}
		err = tx.GetContext(ctx, &q, `SELECT q.kind, q.points FROM assessment_answers n JOIN assessment_questions q ON q.id = n.question_id
			WHERE n.attempt_id = ? AND n.question_id = ?`, attemptID, questionID)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("assess: score question: %w", store.Translate(err))
		}
		if q.Kind != KindText {
			return ErrNotManual
		}
		if *in.Score < 0 || *in.Score > float64(q.Points) {
			return invalid("score", "score must be from 0 to %d", q.Points)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE assessment_answers SET grade_status = 'graded', score = ?, graded_by = ?, detail = ? WHERE attempt_id = ? AND question_id = ?`,
			*in.Score, a.UserID, []byte(`{"manual":true}`), attemptID, questionID); err != nil {
			return fmt.Errorf("assess: score: %w", store.Translate(err))
		}
		if err := audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: t.CompanyID, Action: "assessment.score", Target: target("attempt", attemptID),
			After: map[string]any{"question_id": questionID, "score": *in.Score}, RequestID: a.RequestID, IP: a.IP}); err != nil {
			return err
		}
		return maybeGraded(ctx, tx, ob, attemptID)
	})
	if err != nil {
		return MemberAttempt{}, err
	}
	return s.memberAttempt(ctx, attemptID)
}

// Release shows a graded attempt's results to its candidate (recruiters and
// owners) and notifies them.
func (s *Service) Release(ctx context.Context, a company.Actor, attemptID uint64) (MemberAttempt, error) {
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		t, err := getAttempt(ctx, tx, `t.id = ?`, ` FOR UPDATE`, attemptID)
		if err != nil {
			return err
		}
		if _, err := authorizeAttempt(ctx, tx, a, t, NeedWrite); err != nil {
			return err
		}
		if t.Status != AttemptGraded {
			return ErrNotGraded
		}
		if t.ReleasedAt.Valid {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE assessment_attempts SET released_at = UTC_TIMESTAMP(3) WHERE id = ?`, attemptID); err != nil {
			return fmt.Errorf("assess: release: %w", store.Translate(err))
		}
		if _, err := notify.Send(ctx, tx, ob, notify.New{UserID: t.CandidateID, Kind: "assessment.results",
			Title: "Assessment results", Body: "The results of your assessment are available.",
			Data: map[string]any{"assessment_id": t.AssessmentID, "attempt_id": t.ID}}); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: t.CompanyID, Action: "assessment.release", Target: target("attempt", attemptID),
			RequestID: a.RequestID, IP: a.IP})
	})
	if err != nil {
		return MemberAttempt{}, err
	}
	return s.memberAttempt(ctx, attemptID)
}

func (s *Service) memberAttempt(ctx context.Context, attemptID uint64) (MemberAttempt, error) {
	t, err := getAttempt(ctx, s.DB, `t.id = ?`, "", attemptID)
	if err != nil {
		return MemberAttempt{}, err
	}
	answers, err := loadAnswers(ctx, s.DB, attemptID)
	if err != nil {
		return MemberAttempt{}, err
	}
	m := MemberAttempt{CandidateAttempt: t.view(answers, true), CandidateID: t.CandidateID, ConsentVersion: t.ConsentVersion,
		ConsentedAt: t.ConsentedAt, GradedAt: timePtr(t.GradedAt), ReleasedAt: timePtr(t.ReleasedAt)}
	// users.username: cross-owner read until users get their owner package.
	if err := s.DB.GetContext(ctx, &m.CandidateName, `SELECT username FROM users WHERE id = ?`, t.CandidateID); err != nil {
		return m, fmt.Errorf("assess: candidate: %w", store.Translate(err))
	}
	if err := s.DB.GetContext(ctx, &m.ProctorEvents, `SELECT COUNT(*) FROM proctor_logs WHERE attempt_id = ?`, attemptID); err != nil {
		return m, fmt.Errorf("assess: proctor events: %w", store.Translate(err))
	}
	return m, nil
}

// GetAttempt returns an attempt to its candidate (results only once
// released) or to the company's members; exactly one view is set.
func (s *Service) GetAttempt(ctx context.Context, a company.Actor, attemptID uint64) (*MemberAttempt, *CandidateAttempt, error) {
	t, err := getAttempt(ctx, s.DB, `t.id = ?`, "", attemptID)
	if err != nil {
		return nil, nil, err
	}
	acc, err := authorizeAttempt(ctx, s.DB, a, t, NeedView)
	if err != nil {
		return nil, nil, err
	}
	if acc.Candidate {
		c, err := s.candidateAttempt(ctx, s.DB, t.AssessmentID, t.CandidateID)
		return nil, &c, err
	}
	m, err := s.memberAttempt(ctx, attemptID)
	return &m, nil, err
}

// AttemptSummary is one attempt in an assessment's results list.
type AttemptSummary struct {
	ID            uint64     `json:"id" db:"id"`
	CandidateID   uint64     `json:"candidate_id" db:"candidate_id"`
	CandidateName string     `json:"candidate_name" db:"candidate_name"`
	Status        string     `json:"status" db:"status"`
	StartedAt     time.Time  `json:"started_at" db:"started_at"`
	Deadline      time.Time  `json:"deadline" db:"deadline"`
	SubmittedAt   *time.Time `json:"submitted_at" db:"submitted_at"`
	SubmittedBy   *string    `json:"submitted_by" db:"submitted_by"`
	Score         *float64   `json:"score" db:"score"`
	MaxScore      float64    `json:"max_score" db:"max_score"`
	Released      bool       `json:"results_released" db:"released"`
}

// Attempts lists an assessment's attempts (any member).
func (s *Service) Attempts(ctx context.Context, a company.Actor, assessmentID uint64) ([]AttemptSummary, error) {
	h, err := getHead(ctx, s.DB, assessmentID, false)
	if err != nil {
		return nil, err
	}
	if _, err := authorize(ctx, s.DB, a, h, NeedRead); err != nil {
		return nil, err
	}
	out := []AttemptSummary{}
	if err := s.DB.SelectContext(ctx, &out, `SELECT t.id, t.candidate_id, u.username AS candidate_name, t.status, t.started_at, t.deadline,
		t.submitted_at, t.submitted_by, t.score, t.max_score, (t.released_at IS NOT NULL) AS released
		FROM assessment_attempts t JOIN users u ON u.id = t.candidate_id WHERE t.assessment_id = ? ORDER BY t.id`, assessmentID); err != nil {
		return nil, fmt.Errorf("assess: attempts: %w", store.Translate(err))
	}
	return out, nil
}

// ActiveAttempt returns the caller's own attempt when it is active and
// before its deadline (proctoring frames are accepted only then);
// otherwise ErrNotFound (someone else's or unknown) or ErrClosed. With
// attemptID 0 it finds the caller's attempt on assessmentID.
func (s *Service) ActiveAttempt(ctx context.Context, a company.Actor, attemptID, assessmentID uint64) (attempt, assessment uint64, err error) {
	var t attemptRow
	if attemptID != 0 {
		t, err = getAttempt(ctx, s.DB, `t.id = ?`, "", attemptID)
	} else {
		t, err = getAttempt(ctx, s.DB, `t.assessment_id = ? AND t.candidate_id = ?`, "", assessmentID, a.UserID)
	}
	if err != nil {
		return 0, 0, err
	}
	if a.UserID == 0 || t.CandidateID != a.UserID {
		return 0, 0, ErrNotFound
	}
	if t.Status != AttemptActive || !t.Deadline.After(t.Now) {
		return 0, 0, ErrClosed
	}
	return t.ID, t.AssessmentID, nil
}
