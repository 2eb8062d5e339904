// Package reports owns candidate reports (candidate_reports): a stored,
// versioned snapshot of everything a company knows about one assessment
// attempt — scores per question and section, tests passed, time used, the
// proctor trust score with its flags and timeline, AI-written-code signals,
// the LLM review, the interviewers' scorecards and where the candidate
// stands in the assessment's cohort.
//
// Why a snapshot: a report is what a hiring decision was made on. Answers
// are rescored, proctoring data expires after its retention, scorecards
// are edited; a stored JSON snapshot with a version keeps what was read,
// and regenerating adds the next version instead of rewriting the past.
//
// Why one package: the snapshot is assembled from other owners' read APIs
// (domain/assess, domain/proctor, domain/interview, domain/jobs and the
// scored review) with the requester's rights, stored here, and filtered
// here for who reads it. Access is decided in one function, authorize:
// the company's members (any role) read, recruiters and owners generate,
// the candidate reads their own report only once the results are released
// (without the company-only sections), anyone else gets ErrNotFound.
package reports

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/interview"
	"github.com/hirebus/hirebus/domain/jobs"
	"github.com/hirebus/hirebus/domain/proctor"
	"github.com/hirebus/hirebus/domain/score"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// The package's outcomes: typed events codes, mapped to HTTP once by the
// edge (classify).
var (
	// ErrNotFound: no such report, attempt or job, or not the caller's to see.
	ErrNotFound = events.NewError("reports", events.CodeNotFound, "not found")
	// ErrForbidden: a member whose role may read but not generate.
	ErrForbidden = events.NewError("reports", events.CodeForbidden, "your role does not allow this")
	// ErrNotReleased: the candidate's own report before the company
	// released the results.
	ErrNotReleased = events.NewError("reports", events.CodeResultsNotReleased, "your results are not released yet")
	// ErrNotGenerated: the caller may see the attempt, but no snapshot of
	// its report exists yet (POST /api/reports/generate makes one).
	ErrNotGenerated = events.NewError("reports", events.CodeReportNotGenerated, "no report has been generated for this attempt yet: POST /api/reports/generate makes one")
	// ErrNotSubmitted: the attempt is still being taken.
	ErrNotSubmitted = events.NewError("reports", events.CodeReportNotSubmitted, "the attempt is not submitted yet")
)

// Audiences of a report view.
const (
	AudienceCompany   = "company"
	AudienceCandidate = "candidate"
)

// Report is one snapshot. Fields marked "company only" are removed from
// the candidate's view (ForCandidate).
type Report struct {
	ID          uint64     `json:"id"`
	Version     int        `json:"version"`
	Audience    string     `json:"audience"`
	GeneratedAt time.Time  `json:"generated_at"`
	GeneratedBy uint64     `json:"generated_by,omitempty"` // company only
	AttemptID   uint64     `json:"attempt_id"`
	CompanyID   uint64     `json:"company_id"`
	JobID       *uint64    `json:"job_id"`
	Candidate   Person     `json:"candidate"`
	Assessment  AssessInfo `json:"assessment"`
	Status      string     `json:"status"` // the attempt's status when generated: submitted | graded

	Score     *float64         `json:"score"`
	MaxScore  float64          `json:"max_score"`
	Percent   *float64         `json:"percent"`
	Sections  []Section        `json:"sections"`
	Questions []QuestionResult `json:"questions"`
	Tests     Tests            `json:"tests"`
	Time      TimeUsed         `json:"time"`
	Proctor   ProctorReport    `json:"proctor"`
	Cohort    Cohort           `json:"cohort"`

	// AI-written and copied code signals (company only): evidence with a
	// confidence, never a verdict. Empty when the scorer found none or has
	// not run.
	Signals []score.Signal `json:"ai_signals,omitzero"`
	// Review is the score worker's review (the offline rubric per question
	// with analysers' findings and, when an LLM is configured, its review);
	// company only. Nil until the scorer has reviewed the attempt.
	Review *score.Review `json:"review,omitempty"`
	// Interviews are the interviewers' scorecards, recommendations and
	// notes of the candidate's interviews for this job (company only).
	Interviews []InterviewFeedback `json:"interviews,omitzero"`
}

// Person names a user.
type Person struct {
	ID   uint64 `json:"id"`
	Name string `json:"name"`
}

// AssessInfo is the assessment the attempt belongs to.
type AssessInfo struct {
	ID              uint64 `json:"id"`
	Title           string `json:"title"`
	DurationMinutes int    `json:"duration_minutes"`
	Questions       int    `json:"questions"`
}

// Section is the result of one kind of question (code, mcq, text): the
// assessments have no other sections.
type Section struct {
	Kind      string   `json:"kind"`
	Questions int      `json:"questions"`
	Score     float64  `json:"score"`
	MaxScore  float64  `json:"max_score"`
	Percent   *float64 `json:"percent"`
	Pending   int      `json:"pending"` // answers still being graded or awaiting a manual score
}

// QuestionResult is one question's result.
type QuestionResult struct {
	QuestionID  uint64   `json:"question_id"`
	Ordinal     int      `json:"ordinal"`
	Kind        string   `json:"kind"`
	Title       string   `json:"title"`
	Points      int      `json:"points"`
	Status      string   `json:"status"` // graded | grading | manual | ungraded
	Score       *float64 `json:"score"`
	Answered    bool     `json:"answered"`
	Right       *bool    `json:"right,omitempty"` // MCQ
	TestsPassed *int     `json:"tests_passed,omitempty"`
	TestsTotal  *int     `json:"tests_total,omitempty"`
	Verdict     string   `json:"verdict,omitempty"`
}

// Tests sums the code questions' tests.
type Tests struct {
	Passed int `json:"passed"`
	Total  int `json:"total"`
}

// TimeUsed is the attempt's timing on the server's clock.
type TimeUsed struct {
	StartedAt      time.Time  `json:"started_at"`
	SubmittedAt    *time.Time `json:"submitted_at"`
	Deadline       time.Time  `json:"deadline"`
	SubmittedBy    string     `json:"submitted_by,omitempty"` // candidate | deadline
	UsedSeconds    int64      `json:"used_seconds"`
	AllowedSeconds int64      `json:"allowed_seconds"`
}

// ProctorReport is the attempt's proctoring: the trust score (shown beside
// the skill score, never mixed into it), its flags with evidence, and every
// event as a mark on the timeline.
type ProctorReport struct {
	TrustScore int                       `json:"trust_score"`
	Flagged    bool                      `json:"flagged"`
	FlagAt     int                       `json:"flag_at"`
	Violations []events.ProctorViolation `json:"violations"`
	Events     int                       `json:"events"`
	Counts     map[string]int            `json:"counts"` // events by kind
	Timeline   []Mark                    `json:"timeline"`
	Truncated  bool                      `json:"timeline_truncated,omitempty"`
}

// Mark is one proctoring event on the timeline: milliseconds after the
// start, its kind and severity.
type Mark struct {
	T        int64  `json:"t_ms"`
	Kind     string `json:"kind"`
	Severity string `json:"severity"`
}

// Cohort places the attempt among the assessment's graded attempts.
type Cohort struct {
	Candidates int `json:"candidates"` // attempts started
	Graded     int `json:"graded"`     // attempts with a score
	// Percentile is the share of graded attempts scoring below this one
	// (ties count half), 0–100; nil while this attempt has no score.
	Percentile *float64 `json:"percentile"`
	Mean       *float64 `json:"mean_percent"`
	// Bins count graded attempts by percent of the maximum: [0,10),
	// [10,20) … [90,100].
	Bins []int `json:"bins"`
}

// InterviewFeedback is one interview with its interviewers' feedback.
type InterviewFeedback struct {
	InterviewID uint64               `json:"interview_id"`
	Kind        string               `json:"kind"`
	Status      string               `json:"status"`
	StartsAt    time.Time            `json:"starts_at"`
	Feedback    []interview.Feedback `json:"feedback"`
}

// ForCandidate is the candidate's view: the company-only sections removed.
func (r Report) ForCandidate() Report {
	r.Audience = AudienceCandidate
	r.GeneratedBy = 0
	r.Signals, r.Review, r.Interviews = nil, nil, nil
	return r
}

// Service runs the report operations.
type Service struct {
	DB *sqlx.DB
	// TimelineMax bounds the marks kept in a snapshot (default 20,000).
	TimelineMax int
}

func (s *Service) assess() *assess.Service       { return &assess.Service{DB: s.DB} }
func (s *Service) proctor() *proctor.Service     { return &proctor.Service{DB: s.DB} }
func (s *Service) jobs() *jobs.Service           { return &jobs.Service{DB: s.DB} }
func (s *Service) interview() *interview.Service { return &interview.Service{DB: s.DB} }

// head is what every access decision needs to know about a report or an
// attempt.
type head struct {
	AttemptID   uint64
	CompanyID   uint64
	CandidateID uint64
}

// Need is what a caller wants to do with a report.
type Need int

// Needs, checked by authorize.
const (
	NeedRead     Need = iota + 1 // members (any role); the candidate once released
	NeedGenerate                 // recruiters and owners
	NeedCompare                  // members (any role): the side-by-side of a job
)

// authorize is the package's one access decision, default deny. It returns
// the audience the caller reads as. Members of the attempt's company read
// (any role) and generate (recruiter, owner: a viewer gets ErrForbidden);
// the attempt's own candidate reads once its results are released
// (ErrNotReleased before); anyone else — anonymous, another company,
// another candidate — gets ErrNotFound.
func (s *Service) authorize(ctx context.Context, q sqlx.QueryerContext, a company.Actor, h head, need Need) (string, error) {
	if a.UserID == 0 || h.CompanyID == 0 {
		return "", ErrNotFound
	}
	perm := company.PermRead
	if need == NeedGenerate {
		perm = company.PermWrite
	}
	_, err := company.Authorize(ctx, q, a, h.CompanyID, perm)
	switch {
	case err == nil:
		return AudienceCompany, nil
	case errors.Is(err, company.ErrForbidden):
		return "", ErrForbidden
	case !errors.Is(err, company.ErrNotFound):
		return "", err
	}
	if need != NeedRead || a.UserID != h.CandidateID {
		return "", ErrNotFound
	}
	_, cv, err := s.assess().GetAttempt(ctx, a, h.AttemptID)
	switch {
	case errors.Is(err, assess.ErrNotFound):
		return "", ErrNotFound
	case err != nil:
		return "", fmt.Errorf("reports: release: %w", err)
	case cv == nil:
		return "", ErrNotFound
	case !cv.Released:
		return "", ErrNotReleased
	}
	return AudienceCandidate, nil
}

// attemptHead reads an attempt's head through domain/assess's access check
// (its candidate or a member of its company; anyone else ErrNotFound).
func (s *Service) attemptHead(ctx context.Context, a company.Actor, attemptID uint64) (assess.AttemptInfo, head, error) {
	info, _, err := assess.AttemptFor(ctx, s.DB, a, attemptID)
	if errors.Is(err, assess.ErrNotFound) || errors.Is(err, assess.ErrForbidden) {
		return info, head{}, ErrNotFound
	}
	if err != nil {
		return info, head{}, fmt.Errorf("reports: attempt: %w", err)
	}
	return info, head{AttemptID: info.ID, CompanyID: info.CompanyID, CandidateID: info.CandidateID}, nil
}

// CanGenerate checks, before a command is accepted, that the actor may
// generate a report of the attempt and that it is submitted. It returns
// the attempt's candidate.
func (s *Service) CanGenerate(ctx context.Context, a company.Actor, attemptID uint64) (candidateID uint64, err error) {
	info, h, err := s.attemptHead(ctx, a, attemptID)
	if err != nil {
		return 0, err
	}
	if _, err := s.authorize(ctx, s.DB, a, h, NeedGenerate); err != nil {
		return 0, err
	}
	if info.Status == assess.AttemptActive {
		return 0, ErrNotSubmitted
	}
	return info.CandidateID, nil
}

// row is a stored snapshot.
type row struct {
	ID          uint64        `db:"id"`
	AttemptID   uint64        `db:"attempt_id"`
	Version     int           `db:"version"`
	CompanyID   uint64        `db:"company_id"`
	CandidateID uint64        `db:"candidate_id"`
	JobID       sql.NullInt64 `db:"job_id"`
	Snapshot    string        `db:"snapshot"`
	CreatedAt   time.Time     `db:"created_at"`
}

const rowCols = `r.id, r.attempt_id, r.version, r.company_id, r.candidate_id, r.job_id, r.snapshot, r.created_at`

func (r row) head() head {
	return head{AttemptID: r.AttemptID, CompanyID: r.CompanyID, CandidateID: r.CandidateID}
}

func (r row) report() (Report, error) {
	var rep Report
	if err := json.Unmarshal([]byte(r.Snapshot), &rep); err != nil {
		return Report{}, fmt.Errorf("reports: snapshot %d: %w", r.ID, err)
	}
	rep.ID, rep.Version, rep.GeneratedAt = r.ID, r.Version, r.CreatedAt
	return rep, nil
}

// Store adds rep as the attempt's next version inside tx (the worker's
// transaction, which also claims the command and completes the operation)
// and returns its id and version.
func Store(ctx context.Context, tx *sqlx.Tx, commandID string, generatedBy uint64, rep *Report) (uint64, int, error) {
	var version int
	if err := tx.GetContext(ctx, &version, `SELECT COALESCE(MAX(version), 0) FROM candidate_reports WHERE attempt_id = ? FOR UPDATE`, rep.AttemptID); err != nil {
		return 0, 0, fmt.Errorf("reports: version: %w", store.Translate(err))
	}
	version++
	rep.Version, rep.GeneratedBy, rep.Audience = version, generatedBy, AudienceCompany
	body, err := json.Marshal(rep)
	if err != nil {
		return 0, 0, fmt.Errorf("reports: encode: %w", err)
	}
	var job any
	if rep.JobID != nil {
		job = *rep.JobID
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO candidate_reports (attempt_id, version, assessment_id, company_id, candidate_id, job_id, generated_by, command_id, snapshot)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, rep.AttemptID, version, rep.Assessment.ID, rep.CompanyID, rep.Candidate.ID, job, generatedBy, commandID, string(body))
	if err != nil {
		return 0, 0, fmt.Errorf("reports: store: %w", store.Translate(err))
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, 0, fmt.Errorf("reports: store id: %w", err)
	}
	rep.ID = uint64(id)
	return uint64(id), version, nil
}

// Query narrows GET /api/reports/candidate/:id.
type Query struct {
	CandidateID uint64
	AttemptID   uint64 // 0: every attempt of the candidate the caller may see
	Version     int    // 0: the latest; needs AttemptID
}

// Candidate returns the reports of a candidate the caller may read, latest
// version per attempt (or Query.Version of Query.AttemptID), each in the
// caller's view. Nothing visible: ErrNotGenerated when the caller may read
// the named attempt but it has no snapshot, ErrNotReleased for the
// candidate's own unreleased results, ErrNotFound otherwise.
func (s *Service) Candidate(ctx context.Context, a company.Actor, q Query) ([]Report, error) {
	if a.UserID == 0 || q.CandidateID == 0 {
		return nil, ErrNotFound
	}
	query := `SELECT ` + rowCols + ` FROM candidate_reports r WHERE r.candidate_id = ?`
	args := []any{q.CandidateID}
	if q.AttemptID != 0 {
		query += ` AND r.attempt_id = ?`
		args = append(args, q.AttemptID)
	}
	if q.Version != 0 {
		query += ` AND r.version = ?`
		args = append(args, q.Version)
	} else {
		query += ` AND r.version = (SELECT MAX(x.version) FROM candidate_reports x WHERE x.attempt_id = r.attempt_id)`
	}
	query += ` ORDER BY r.attempt_id`
	var rows []row
	if err := s.DB.SelectContext(ctx, &rows, query, args...); err != nil {
		return nil, fmt.Errorf("reports: read: %w", store.Translate(err))
	}
	out := []Report{}
	var denied error = ErrNotFound
	for _, r := range rows {
		aud, err := s.authorize(ctx, s.DB, a, r.head(), NeedRead)
		if errors.Is(err, ErrNotReleased) {
			denied = err
			continue
		}
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		rep, err := r.report()
		if err != nil {
			return nil, err
		}
		if aud == AudienceCandidate {
			rep = rep.ForCandidate()
		}
		out = append(out, rep)
	}
	if len(out) > 0 {
		return out, nil
	}
	if len(rows) > 0 || q.AttemptID == 0 || q.Version != 0 {
		return nil, denied
	}
	// No snapshot of the named attempt: say so to whoever may read it.
	info, h, err := s.attemptHead(ctx, a, q.AttemptID)
	if err != nil {
		return nil, err
	}
	if info.CandidateID != q.CandidateID {
		return nil, ErrNotFound
	}
	if _, err := s.authorize(ctx, s.DB, a, h, NeedRead); err != nil {
		return nil, err
	}
	return nil, ErrNotGenerated
}

// Versions lists the stored versions of an attempt's report (numbers and
// times) to whoever may read it.
func (s *Service) Versions(ctx context.Context, a company.Actor, attemptID uint64) ([]VersionInfo, error) {
	var rows []row
	if err := s.DB.SelectContext(ctx, &rows, `SELECT r.id, r.attempt_id, r.version, r.company_id, r.candidate_id, r.job_id, '' AS snapshot, r.created_at
		FROM candidate_reports r WHERE r.attempt_id = ? ORDER BY r.version`, attemptID); err != nil {
		return nil, fmt.Errorf("reports: versions: %w", store.Translate(err))
	}
	if len(rows) == 0 {
		return nil, ErrNotFound
	}
	if _, err := s.authorize(ctx, s.DB, a, rows[0].head(), NeedRead); err != nil {
		return nil, err
	}
	out := make([]VersionInfo, 0, len(rows))
	for _, r := range rows {
		out = append(out, VersionInfo{ID: r.ID, Version: r.Version, GeneratedAt: r.CreatedAt})
	}
	return out, nil
}

// VersionInfo is one stored version.
type VersionInfo struct {
	ID          uint64    `json:"id"`
	Version     int       `json:"version"`
	GeneratedAt time.Time `json:"generated_at"`
}
