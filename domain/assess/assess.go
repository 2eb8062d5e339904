// Package assess owns assessments: a company's timed tests (assessments,
// assessment_questions), the candidates invited to them
// (assessment_invitations), their one attempt each with a deadline kept on
// the database server's clock (assessment_attempts), the versioned answers
// and per-question results (assessment_answers) and the deadline sweeper's
// lease (assessment_leases).
//
// Why one package: the rules that make an assessment fair — one attempt,
// the server's deadline, answers frozen at submission, answer keys never
// shown to candidates — touch all of these tables in the same transactions.
// Access is decided in one function, authorize, on top of
// company.Authorize: members see everything, an invited candidate sees the
// candidate view types (which have no field for answer keys, rubrics or
// hidden tests), anyone else gets ErrNotFound.
package assess

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/hirebus/hirebus/events"
	"strconv"
	"strings"
	"time"

	"github.com/hirebus/hirebus/domain/audit"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/problems"
	"github.com/hirebus/hirebus/sandbox/spec"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// Sentinel errors; the edge maps them to HTTP once.
var (
	ErrNotFound       = events.NewError("assess", events.CodeNotFound, "not found")
	ErrForbidden      = events.NewError("assess", events.CodeForbidden, "your role does not allow this")
	ErrStarted        = events.NewError("assess", events.CodeAssessmentStarted, "an attempt has started; the assessment can no longer change")
	ErrAlreadyStarted = events.NewError("assess", events.CodeAlreadyStarted, "you already started this assessment")
	ErrWindow         = events.NewError("assess", events.CodeOutsideWindow, "the assessment is not open now")
	ErrClosed         = events.NewError("assess", events.CodeAttemptClosed, "the attempt is submitted or its time is over")
	ErrStale          = events.NewError("assess", events.CodeVersionMismatch, "the answer changed since this version; reload it")
	ErrInvited        = events.NewError("assess", events.CodeAlreadyInvited, "the candidate is already invited")
	ErrNotSubmitted   = events.NewError("assess", events.CodeNotSubmitted, "the attempt is not submitted yet")
	ErrNotManual      = events.NewError("assess", events.CodeNotManual, "only text answers are scored by hand")
)

// FieldError is invalid input in one field (public code invalid_<field>).
type FieldError = events.FieldError

func invalid(field, format string, args ...any) error {
	return &FieldError{Scope: "assess", Field: field, Message: fmt.Sprintf(format, args...)}
}

// Question kinds.
const (
	KindCode = "code"
	KindMCQ  = "mcq"
	KindText = "text"
)

// Limits.
const (
	MaxQuestions    = 50
	MaxOptions      = 10
	MaxPrompt       = 10000
	MaxOption       = 500
	MaxTextAnswer   = 20000
	MaxSource       = 64 << 10
	MaxDuration     = 600 // minutes
	MaxPoints       = 1000
	MaxRubric       = 5000
	MaxTitle        = 200
	MinFrameSeconds = 5
	MaxFrameSeconds = 300
)

// ConsentVersion is the version of ConsentText the candidate agrees to when
// starting; a start with another version is refused.
const ConsentVersion = "2026-12-01"

// ConsentText is shown in the lobby next to the assessment's proctoring
// settings.
const ConsentText = "This assessment is timed by the server: the clock starts when you press Start and " +
	"does not stop if you close the page. When time runs out your saved answers are submitted for you. " +
	"If webcam proctoring is on, a frame from your camera is sent at the interval shown and checked for " +
	"your face; findings are shown to the company."

// Proctoring are an assessment's proctoring settings.
type Proctoring struct {
	Webcam         bool `json:"webcam"`
	FrameIntervalS int  `json:"frame_interval_s"`
	Fullscreen     bool `json:"fullscreen"`
	// Liveness: the candidate must pass a face liveness challenge against
	// their own enrolled face just before starting (issue 16).
	Liveness bool `json:"liveness"`
}

// QuestionInput is one question as a recruiter writes it.
type QuestionInput struct {
	Kind      string   `json:"kind"`
	Points    int      `json:"points"`
	Prompt    string   `json:"prompt"`
	ProblemID int64    `json:"problem_id,omitempty"` // code
	Languages []string `json:"languages,omitempty"`  // code (empty = every language)
	Options   []string `json:"options,omitempty"`    // mcq
	Correct   []int    `json:"correct,omitempty"`    // mcq: 0-based option indexes
	Multiple  bool     `json:"multiple,omitempty"`   // mcq: several options may be correct
	MaxLength int      `json:"max_length,omitempty"` // text (0 = MaxTextAnswer)
	Rubric    string   `json:"rubric,omitempty"`     // text
}

// Input creates or replaces an assessment.
type Input struct {
	CompanyID       uint64          `json:"company_id"`
	Title           string          `json:"title"`
	JobID           *uint64         `json:"job_id,omitempty"`
	DurationMinutes int             `json:"duration_minutes"`
	OpensAt         *time.Time      `json:"opens_at,omitempty"`
	ClosesAt        *time.Time      `json:"closes_at,omitempty"`
	Questions       []QuestionInput `json:"questions"`
	Proctoring      Proctoring      `json:"proctoring"`
}

// Question is a question as members see it, with its answer key.
type Question struct {
	ID           uint64   `json:"id"`
	Ordinal      int      `json:"ordinal"`
	Kind         string   `json:"kind"`
	Points       int      `json:"points"`
	Prompt       string   `json:"prompt"`
	ProblemID    int64    `json:"problem_id,omitempty"`
	ProblemTitle string   `json:"problem_title,omitempty"`
	Languages    []string `json:"languages,omitempty"`
	Options      []string `json:"options,omitempty"`
	Multiple     bool     `json:"multiple,omitempty"`
	Correct      []int    `json:"correct,omitempty"`
	MaxLength    int      `json:"max_length,omitempty"`
	Rubric       string   `json:"rubric,omitempty"`
}

// Assessment is an assessment as members see it.
type Assessment struct {
	ID              uint64     `json:"id"`
	CompanyID       uint64     `json:"company_id"`
	JobID           *uint64    `json:"job_id"`
	Title           string     `json:"title"`
	DurationMinutes int        `json:"duration_minutes"`
	OpensAt         *time.Time `json:"opens_at"`
	ClosesAt        *time.Time `json:"closes_at"`
	Proctoring      Proctoring `json:"proctoring"`
	Version         int        `json:"version"`
	MaxScore        int        `json:"max_score"`
	Questions       []Question `json:"questions"`
	Invited         int        `json:"invited"`
	Started         int        `json:"started"`
	CreatedAt       time.Time  `json:"created_at"`
}

// CandidateQuestion is a question as the invited candidate sees it: the type
// has no field for the answer key, the rubric or tests.
type CandidateQuestion struct {
	ID           uint64   `json:"id"`
	Ordinal      int      `json:"ordinal"`
	Kind         string   `json:"kind"`
	Points       int      `json:"points"`
	Prompt       string   `json:"prompt"`
	ProblemID    int64    `json:"problem_id,omitempty"`
	ProblemTitle string   `json:"problem_title,omitempty"`
	Languages    []string `json:"languages,omitempty"`
	Options      []string `json:"options,omitempty"`
	Multiple     bool     `json:"multiple,omitempty"`
	MaxLength    int      `json:"max_length,omitempty"`
	// Problem is a code question's statement, examples, limits and starter
	// code (never its tests), also for a company's own problem, which the
	// public problem routes do not serve.
	Problem *problems.PublicProblem `json:"problem,omitempty"`
}

// Consent is what the candidate agrees to in the lobby.
type Consent struct {
	Version string `json:"version"`
	Text    string `json:"text"`
}

// CandidateAssessment is an assessment as the invited candidate sees it.
type CandidateAssessment struct {
	ID              uint64              `json:"id"`
	CompanyID       uint64              `json:"company_id"`
	CompanyName     string              `json:"company_name"`
	Title           string              `json:"title"`
	DurationMinutes int                 `json:"duration_minutes"`
	OpensAt         *time.Time          `json:"opens_at"`
	ClosesAt        *time.Time          `json:"closes_at"`
	Proctoring      Proctoring          `json:"proctoring"`
	Consent         Consent             `json:"consent"`
	Questions       []CandidateQuestion `json:"questions"`
	Attempt         *CandidateAttempt   `json:"attempt"`
}

// Service runs the assessment operations.
type Service struct {
	DB    *sqlx.DB
	Relay *outbox.Relay
	// Link builds the link of the invitation mail (default
	// "/assess.html#take=<id>").
	Link func(assessmentID uint64) string
	// Liveness redeems a liveness token of userID inside the start's
	// transaction (once; the edge owns face checks). Assessments whose
	// proctoring requires liveness cannot be started while it is nil.
	Liveness func(ctx context.Context, tx *sqlx.Tx, userID uint64, token string) error
}

// head is the part of an assessment every access check needs.
type head struct {
	ID              uint64        `db:"id"`
	CompanyID       uint64        `db:"company_id"`
	JobID           sql.NullInt64 `db:"job_id"`
	Title           string        `db:"title"`
	DurationMinutes int           `db:"duration_minutes"`
	OpensAt         sql.NullTime  `db:"opens_at"`
	ClosesAt        sql.NullTime  `db:"closes_at"`
	Proctoring      []byte        `db:"proctoring"`
	Version         int           `db:"version"`
	CreatedAt       time.Time     `db:"created_at"`
}

const headCols = `id, company_id, job_id, title, duration_minutes, opens_at, closes_at, proctoring, version, created_at`

func getHead(ctx context.Context, q sqlx.QueryerContext, id uint64, lock bool) (head, error) {
	var h head
	query := `SELECT ` + headCols + ` FROM assessments WHERE id = ?`
	if lock {
		query += ` FOR UPDATE`
	}
	if err := sqlx.GetContext(ctx, q, &h, query, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return h, ErrNotFound
		}
		return h, fmt.Errorf("assess: get: %w", store.Translate(err))
	}
	return h, nil
}

// Need is what a caller wants to do with an assessment.
type Need int

// Needs.
const (
	NeedView  Need = iota + 1 // an invited candidate or any member
	NeedRead                  // any member (results, lists)
	NeedWrite                 // recruiters and owners (build, invite, score, release)
	NeedTake                  // the invited candidate only (start, answer, submit)
)

// Access is the outcome of authorize.
type Access struct {
	Candidate  bool   // the caller is an invited candidate
	MemberRole string // the caller's member role when not a candidate
}

// authorize is the package's one access decision, default deny: an invited
// candidate may view and take; members may view and read with any role and
// write as recruiter or owner (company.Authorize); a member asking to take
// gets ErrForbidden; anyone else ErrNotFound, so another company's
// assessment looks the same as none.
func authorize(ctx context.Context, q sqlx.QueryerContext, a company.Actor, h head, need Need) (Access, error) {
	if a.UserID == 0 {
		return Access{}, ErrNotFound
	}
	if need == NeedView || need == NeedTake {
		var n int
		if err := sqlx.GetContext(ctx, q, &n, `SELECT COUNT(*) FROM assessment_invitations WHERE assessment_id = ? AND candidate_id = ?`, h.ID, a.UserID); err != nil {
			return Access{}, fmt.Errorf("assess: invitation: %w", store.Translate(err))
		}
		if n > 0 {
			return Access{Candidate: true}, nil
		}
	}
	perm := company.PermRead
	if need == NeedWrite || need == NeedTake {
		perm = company.PermWrite
	}
	role, err := company.Authorize(ctx, q, a, h.CompanyID, perm)
	switch {
	case errors.Is(err, company.ErrNotFound):
		return Access{}, ErrNotFound
	case errors.Is(err, company.ErrForbidden):
		return Access{}, ErrForbidden
	case err != nil:
		return Access{}, err
	case need == NeedTake:
		return Access{}, ErrForbidden // members do not take their own company's tests
	}
	return Access{MemberRole: role}, nil
}

func oneOf(s string, list []string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// validate checks an Input and returns the problems its code questions use.
func (s *Service) validate(ctx context.Context, in *Input) (map[int64]string, error) {
	in.Title = strings.TrimSpace(in.Title)
	switch {
	case in.CompanyID == 0:
		return nil, invalid("company_id", "company_id is required")
	case in.Title == "" || len(in.Title) > MaxTitle:
		return nil, invalid("title", "title must be 1 to %d bytes", MaxTitle)
	case in.DurationMinutes < 1 || in.DurationMinutes > MaxDuration:
		return nil, invalid("duration_minutes", "duration_minutes must be from 1 to %d", MaxDuration)
	case in.OpensAt != nil && in.ClosesAt != nil && !in.ClosesAt.After(*in.OpensAt):
		return nil, invalid("closes_at", "closes_at must be after opens_at")
	case len(in.Questions) == 0 || len(in.Questions) > MaxQuestions:
		return nil, invalid("questions", "an assessment has 1 to %d questions", MaxQuestions)
	}
	if p := in.Proctoring; p.Webcam && (p.FrameIntervalS < MinFrameSeconds || p.FrameIntervalS > MaxFrameSeconds) {
		return nil, invalid("proctoring", "proctoring.frame_interval_s must be from %d to %d when webcam is on", MinFrameSeconds, MaxFrameSeconds)
	} else if !p.Webcam && p.FrameIntervalS != 0 && (p.FrameIntervalS < MinFrameSeconds || p.FrameIntervalS > MaxFrameSeconds) {
		return nil, invalid("proctoring", "proctoring.frame_interval_s must be from %d to %d", MinFrameSeconds, MaxFrameSeconds)
	}
	titles := map[int64]string{}
	for i := range in.Questions {
		q := &in.Questions[i]
		field := "questions[" + strconv.Itoa(i) + "]"
		q.Prompt = strings.TrimSpace(q.Prompt)
		if q.Points < 1 || q.Points > MaxPoints {
			return nil, invalid("questions", "%s.points must be from 1 to %d", field, MaxPoints)
		}
		if len(q.Prompt) > MaxPrompt {
			return nil, invalid("questions", "%s.prompt is longer than %d bytes", field, MaxPrompt)
		}
		switch q.Kind {
		case KindCode:
			if q.ProblemID <= 0 {
				return nil, invalid("questions", "%s.problem_id is required for a code question", field)
			}
			if len(q.Options) > 0 || len(q.Correct) > 0 || q.MaxLength != 0 || q.Rubric != "" {
				return nil, invalid("questions", "%s: a code question has no options, correct, max_length or rubric", field)
			}
			if _, ok := titles[q.ProblemID]; !ok {
				title, err := s.usableProblem(ctx, in.CompanyID, q.ProblemID)
				if errors.Is(err, problems.ErrNotFound) {
					return nil, invalid("questions", "%s.problem_id %d is not a seed problem nor one of the company's published problems", field, q.ProblemID)
				}
				if err != nil {
					return nil, fmt.Errorf("assess: problem: %w", err)
				}
				titles[q.ProblemID] = title
			}
			for _, l := range q.Languages {
				if _, err := spec.LookupLanguage(l); err != nil {
					return nil, invalid("questions", "%s.languages: unknown language %q", field, l)
				}
			}
		case KindMCQ:
			if q.Prompt == "" {
				return nil, invalid("questions", "%s.prompt is required", field)
			}
			if len(q.Options) < 2 || len(q.Options) > MaxOptions {
				return nil, invalid("questions", "%s needs 2 to %d options", field, MaxOptions)
			}
			for _, o := range q.Options {
				if strings.TrimSpace(o) == "" || len(o) > MaxOption {
					return nil, invalid("questions", "%s: every option is 1 to %d bytes", field, MaxOption)
				}
			}
			if len(q.Correct) == 0 || (!q.Multiple && len(q.Correct) != 1) {
				return nil, invalid("questions", "%s.correct needs exactly one option (or several with multiple)", field)
			}
			seen := map[int]bool{}
			for _, c := range q.Correct {
				if c < 0 || c >= len(q.Options) || seen[c] {
					return nil, invalid("questions", "%s.correct holds an option index out of range or twice", field)
				}
				seen[c] = true
			}
			if len(q.Languages) > 0 || q.ProblemID != 0 || q.MaxLength != 0 || q.Rubric != "" {
				return nil, invalid("questions", "%s: an mcq question has only prompt, options, correct, multiple and points", field)
			}
		case KindText:
			if q.Prompt == "" {
				return nil, invalid("questions", "%s.prompt is required", field)
			}
			if q.MaxLength < 0 || q.MaxLength > MaxTextAnswer {
				return nil, invalid("questions", "%s.max_length must be from 1 to %d", field, MaxTextAnswer)
			}
			if q.MaxLength == 0 {
				q.MaxLength = MaxTextAnswer
			}
			if len(q.Rubric) > MaxRubric {
				return nil, invalid("questions", "%s.rubric is longer than %d bytes", field, MaxRubric)
			}
			if len(q.Options) > 0 || len(q.Correct) > 0 || q.ProblemID != 0 || len(q.Languages) > 0 {
				return nil, invalid("questions", "%s: a text question has only prompt, max_length, rubric and points", field)
			}
		default:
			return nil, invalid("questions", "%s.kind must be code, mcq or text", field)
		}
	}
	return titles, nil
}

func jsonOrNil(v any, empty bool) (any, error) {
	if empty {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("assess: encode: %w", err)
	}
	return b, nil
}

func writeQuestions(ctx context.Context, tx *sqlx.Tx, id uint64, qs []QuestionInput) error {
	for i, q := range qs {
		langs, err := jsonOrNil(q.Languages, len(q.Languages) == 0)
		if err != nil {
			return err
		}
		opts, err := jsonOrNil(q.Options, len(q.Options) == 0)
		if err != nil {
			return err
		}
		key, err := jsonOrNil(q.Correct, len(q.Correct) == 0)
		if err != nil {
			return err
		}
		var problem, rubric any
		if q.ProblemID != 0 {
			problem = q.ProblemID
		}
		if q.Rubric != "" {
			rubric = q.Rubric
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO assessment_questions (assessment_id, ordinal, kind, points, prompt, problem_id,
			languages, options, multiple, answer_key, max_length, rubric) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, i+1, q.Kind, q.Points, q.Prompt, problem, langs, opts, q.Multiple, key, q.MaxLength, rubric); err != nil {
			return fmt.Errorf("assess: insert question: %w", store.Translate(err))
		}
	}
	return nil
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

// checkJob verifies that a job belongs to the company (cross-owner read of
// jobs until jobs exports a check).
func checkJob(ctx context.Context, tx *sqlx.Tx, companyID uint64, jobID *uint64) (any, error) {
	if jobID == nil {
		return nil, nil
	}
	var cid uint64
	err := tx.GetContext(ctx, &cid, `SELECT company_id FROM jobs WHERE id = ?`, *jobID)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && cid != companyID) {
		return nil, invalid("job_id", "job %d is not one of the company's jobs", *jobID)
	}
	if err != nil {
		return nil, fmt.Errorf("assess: job: %w", store.Translate(err))
	}
	return *jobID, nil
}

func target(kind string, id uint64) string { return kind + ":" + strconv.FormatUint(id, 10) }

// Create makes an assessment of in.CompanyID (recruiters and owners).
func (s *Service) Create(ctx context.Context, a company.Actor, in Input) (Assessment, error) {
	if _, err := s.validate(ctx, &in); err != nil {
		return Assessment{}, err
	}
	var id uint64
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		if _, err := authorize(ctx, tx, a, head{CompanyID: in.CompanyID}, NeedWrite); err != nil {
			return err
		}
		job, err := checkJob(ctx, tx, in.CompanyID, in.JobID)
		if err != nil {
			return err
		}
		proc, _ := json.Marshal(in.Proctoring)
		res, err := tx.ExecContext(ctx, `INSERT INTO assessments (company_id, job_id, title, duration_minutes, opens_at, closes_at, proctoring, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, in.CompanyID, job, in.Title, in.DurationMinutes, nullTime(in.OpensAt), nullTime(in.ClosesAt), proc, a.UserID)
		if err != nil {
			return fmt.Errorf("assess: create: %w", store.Translate(err))
		}
		lid, _ := res.LastInsertId()
		id = uint64(lid)
		if err := writeQuestions(ctx, tx, id, in.Questions); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: in.CompanyID, Action: "assessment.create", Target: target("assessment", id),
			After: map[string]any{"title": in.Title, "questions": len(in.Questions), "duration_minutes": in.DurationMinutes}, RequestID: a.RequestID, IP: a.IP})
	})
	if err != nil {
		return Assessment{}, err
	}
	return s.memberView(ctx, s.DB, id)
}

// Update replaces an assessment while no attempt has started (ErrStarted
// afterwards). expectVersion (0 = none) must match when given.
func (s *Service) Update(ctx context.Context, a company.Actor, id uint64, in Input, expectVersion int) (Assessment, error) {
	if _, err := s.validate(ctx, &in); err != nil {
		return Assessment{}, err
	}
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		h, err := getHead(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if _, err := authorize(ctx, tx, a, h, NeedWrite); err != nil {
			return err
		}
		if in.CompanyID != h.CompanyID {
			return invalid("company_id", "an assessment cannot move to another company")
		}
		if expectVersion != 0 && expectVersion != h.Version {
			return ErrStale
		}
		var started int
		if err := tx.GetContext(ctx, &started, `SELECT COUNT(*) FROM assessment_attempts WHERE assessment_id = ?`, id); err != nil {
			return fmt.Errorf("assess: attempts: %w", store.Translate(err))
		}
		if started > 0 {
			return ErrStarted
		}
		job, err := checkJob(ctx, tx, in.CompanyID, in.JobID)
		if err != nil {
			return err
		}
		proc, _ := json.Marshal(in.Proctoring)
		if _, err := tx.ExecContext(ctx, `UPDATE assessments SET job_id = ?, title = ?, duration_minutes = ?, opens_at = ?, closes_at = ?,
			proctoring = ?, version = version + 1 WHERE id = ?`, job, in.Title, in.DurationMinutes, nullTime(in.OpensAt), nullTime(in.ClosesAt), proc, id); err != nil {
			return fmt.Errorf("assess: update: %w", store.Translate(err))
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM assessment_questions WHERE assessment_id = ?`, id); err != nil {
			return fmt.Errorf("assess: replace questions: %w", store.Translate(err))
		}
		if err := writeQuestions(ctx, tx, id, in.Questions); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: h.CompanyID, Action: "assessment.update", Target: target("assessment", id),
			Before: map[string]any{"version": h.Version}, After: map[string]any{"title": in.Title, "questions": len(in.Questions), "version": h.Version + 1},
			RequestID: a.RequestID, IP: a.IP})
	})
	if err != nil {
		return Assessment{}, err
	}
	return s.memberView(ctx, s.DB, id)
}

type questionRow struct {
	ID           uint64         `db:"id"`
	Ordinal      int            `db:"ordinal"`
	Kind         string         `db:"kind"`
	Points       int            `db:"points"`
	Prompt       string         `db:"prompt"`
	ProblemID    sql.NullInt64  `db:"problem_id"`
	ProblemTitle sql.NullString `db:"problem_title"`
	Languages    []byte         `db:"languages"`
	Options      []byte         `db:"options"`
	Multiple     bool           `db:"multiple"`
	AnswerKey    []byte         `db:"answer_key"`
	MaxLength    int            `db:"max_length"`
	Rubric       sql.NullString `db:"rubric"`
}

func loadQuestions(ctx context.Context, q sqlx.QueryerContext, id uint64) ([]questionRow, error) {
	var rows []questionRow
	// coding_problems.title is read for display (cross-owner read of the
	// problems package's table, like its public listing).
	err := sqlx.SelectContext(ctx, q, &rows, `SELECT q.id, q.ordinal, q.kind, q.points, q.prompt, q.problem_id, p.title AS problem_title,
		q.languages, q.options, q.multiple, q.answer_key, q.max_length, q.rubric
		FROM assessment_questions q LEFT JOIN coding_problems p ON p.id = q.problem_id WHERE q.assessment_id = ? ORDER BY q.ordinal`, id)
	if err != nil {
		return nil, fmt.Errorf("assess: questions: %w", store.Translate(err))
	}
	return rows, nil
}

func decodeList[T any](b []byte) []T {
	var out []T
	if len(b) > 0 {
		_ = json.Unmarshal(b, &out)
	}
	return out
}

func (r questionRow) member() Question {
	return Question{ID: r.ID, Ordinal: r.Ordinal, Kind: r.Kind, Points: r.Points, Prompt: r.Prompt, ProblemID: r.ProblemID.Int64,
		ProblemTitle: r.ProblemTitle.String, Languages: decodeList[string](r.Languages), Options: decodeList[string](r.Options),
		Multiple: r.Multiple, Correct: decodeList[int](r.AnswerKey), MaxLength: r.MaxLength, Rubric: r.Rubric.String}
}

func (r questionRow) candidate() CandidateQuestion {
	return CandidateQuestion{ID: r.ID, Ordinal: r.Ordinal, Kind: r.Kind, Points: r.Points, Prompt: r.Prompt, ProblemID: r.ProblemID.Int64,
		ProblemTitle: r.ProblemTitle.String, Languages: decodeList[string](r.Languages), Options: decodeList[string](r.Options),
		Multiple: r.Multiple, MaxLength: r.MaxLength}
}

func (h head) proctoring() Proctoring {
	var p Proctoring
	_ = json.Unmarshal(h.Proctoring, &p)
	return p
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	v := t.Time
	return &v
}

func (h head) member(qs []questionRow) Assessment {
	out := Assessment{ID: h.ID, CompanyID: h.CompanyID, Title: h.Title, DurationMinutes: h.DurationMinutes, OpensAt: timePtr(h.OpensAt),
		ClosesAt: timePtr(h.ClosesAt), Proctoring: h.proctoring(), Version: h.Version, CreatedAt: h.CreatedAt, Questions: []Question{}}
	if h.JobID.Valid {
		j := uint64(h.JobID.Int64)
		out.JobID = &j
	}
	for _, q := range qs {
		out.Questions = append(out.Questions, q.member())
		out.MaxScore += q.Points
	}
	return out
}

func (s *Service) memberView(ctx context.Context, q sqlx.QueryerContext, id uint64) (Assessment, error) {
	h, err := getHead(ctx, q, id, false)
	if err != nil {
		return Assessment{}, err
	}
	qs, err := loadQuestions(ctx, q, id)
	if err != nil {
		return Assessment{}, err
	}
	out := h.member(qs)
	if err := sqlx.GetContext(ctx, q, &out.Invited, `SELECT COUNT(*) FROM assessment_invitations WHERE assessment_id = ?`, id); err != nil {
		return out, fmt.Errorf("assess: invited: %w", store.Translate(err))
	}
	if err := sqlx.GetContext(ctx, q, &out.Started, `SELECT COUNT(*) FROM assessment_attempts WHERE assessment_id = ?`, id); err != nil {
		return out, fmt.Errorf("assess: started: %w", store.Translate(err))
	}
	return out, nil
}

// Get returns the member view (any member) or the candidate view (an
// invited candidate); exactly one of the two is set.
func (s *Service) Get(ctx context.Context, a company.Actor, id uint64) (*Assessment, *CandidateAssessment, error) {
	h, err := getHead(ctx, s.DB, id, false)
	if err != nil {
		return nil, nil, err
	}
	acc, err := authorize(ctx, s.DB, a, h, NeedView)
	if err != nil {
		return nil, nil, err
	}
	if !acc.Candidate {
		m, err := s.memberView(ctx, s.DB, id)
		return &m, nil, err
	}
	c, err := s.candidateView(ctx, h, a.UserID)
	return nil, &c, err
}

func (s *Service) candidateView(ctx context.Context, h head, candidateID uint64) (CandidateAssessment, error) {
	qs, err := loadQuestions(ctx, s.DB, h.ID)
	if err != nil {
		return CandidateAssessment{}, err
	}
	name, err := company.Name(ctx, s.DB, h.CompanyID)
	if err != nil {
		return CandidateAssessment{}, err
	}
	out := CandidateAssessment{ID: h.ID, CompanyID: h.CompanyID, CompanyName: name, Title: h.Title, DurationMinutes: h.DurationMinutes,
		OpensAt: timePtr(h.OpensAt), ClosesAt: timePtr(h.ClosesAt), Proctoring: h.proctoring(),
		Consent: Consent{Version: ConsentVersion, Text: ConsentText}, Questions: []CandidateQuestion{}}
	for _, q := range qs {
		cq := q.candidate()
		if q.ProblemID.Valid {
			p, err := problems.GetAny(ctx, s.DB, q.ProblemID.Int64)
			if err != nil {
				return out, err
			}
			cq.Problem = &p.PublicProblem
		}
		out.Questions = append(out.Questions, cq)
	}
	att, err := s.candidateAttempt(ctx, s.DB, h.ID, candidateID)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return out, err
	}
	if err == nil {
		out.Attempt = &att
	}
	return out, nil
}

// Summary is one assessment in a company's list.
type Summary struct {
	ID              uint64     `json:"id" db:"id"`
	CompanyID       uint64     `json:"company_id" db:"company_id"`
	JobID           *uint64    `json:"job_id" db:"job_id"`
	Title           string     `json:"title" db:"title"`
	DurationMinutes int        `json:"duration_minutes" db:"duration_minutes"`
	OpensAt         *time.Time `json:"opens_at" db:"opens_at"`
	ClosesAt        *time.Time `json:"closes_at" db:"closes_at"`
	Questions       int        `json:"questions" db:"questions"`
	Invited         int        `json:"invited" db:"invited"`
	Started         int        `json:"started" db:"started"`
	CreatedAt       time.Time  `json:"created_at" db:"created_at"`
}

// List returns a company's assessments, newest first (any member).
func (s *Service) List(ctx context.Context, a company.Actor, companyID uint64) ([]Summary, error) {
	if _, err := authorize(ctx, s.DB, a, head{CompanyID: companyID}, NeedRead); err != nil {
		return nil, err
	}
	out := []Summary{}
	err := s.DB.SelectContext(ctx, &out, `SELECT a.id, a.company_id, a.job_id, a.title, a.duration_minutes, a.opens_at, a.closes_at, a.created_at,
		(SELECT COUNT(*) FROM assessment_questions q WHERE q.assessment_id = a.id) AS questions,
		(SELECT COUNT(*) FROM assessment_invitations i WHERE i.assessment_id = a.id) AS invited,
		(SELECT COUNT(*) FROM assessment_attempts t WHERE t.assessment_id = a.id) AS started
		FROM assessments a WHERE a.company_id = ? ORDER BY a.id DESC LIMIT 200`, companyID)
	if err != nil {
		return nil, fmt.Errorf("assess: list: %w", store.Translate(err))
	}
	return out, nil
}

// Mine is one assessment in a candidate's "my assessments".
type Mine struct {
	AssessmentID    uint64     `json:"assessment_id" db:"assessment_id"`
	Title           string     `json:"title" db:"title"`
	CompanyName     string     `json:"company_name" db:"company_name"`
	DurationMinutes int        `json:"duration_minutes" db:"duration_minutes"`
	OpensAt         *time.Time `json:"opens_at" db:"opens_at"`
	ClosesAt        *time.Time `json:"closes_at" db:"closes_at"`
	ApplicationID   uint64     `json:"application_id" db:"application_id"`
	InvitedAt       time.Time  `json:"invited_at" db:"invited_at"`
	AttemptID       *uint64    `json:"attempt_id" db:"attempt_id"`
	Status          string     `json:"status" db:"status"` // invited | active | submitted | graded
	Deadline        *time.Time `json:"deadline" db:"deadline"`
	Released        bool       `json:"results_released" db:"released"`
}

// MyAssessments lists the caller's invitations with their window and
// attempt state, newest first.
func (s *Service) MyAssessments(ctx context.Context, a company.Actor) ([]Mine, error) {
	if a.UserID == 0 {
		return nil, ErrNotFound
	}
	out := []Mine{}
	err := s.DB.SelectContext(ctx, &out, `SELECT i.assessment_id, a.title, c.name AS company_name, a.duration_minutes, a.opens_at, a.closes_at,
		i.application_id, i.created_at AS invited_at, t.id AS attempt_id, COALESCE(t.status, 'invited') AS status, t.deadline,
		(t.released_at IS NOT NULL) AS released
		FROM assessment_invitations i JOIN assessments a ON a.id = i.assessment_id JOIN companies c ON c.id = a.company_id
		LEFT JOIN assessment_attempts t ON t.assessment_id = i.assessment_id AND t.candidate_id = i.candidate_id
		WHERE i.candidate_id = ? ORDER BY i.id DESC LIMIT 200`, a.UserID)
	if err != nil {
		return nil, fmt.Errorf("assess: mine: %w", store.Translate(err))
	}
	return out, nil
}
