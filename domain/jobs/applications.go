package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hirebus/hirebus/domain/audit"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/notify"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// Application statuses.
const (
	StatusApplied    = "applied"
	StatusScreening  = "screening"
	StatusAssessment = "assessment"
	StatusInterview  = "interview"
	StatusOffer      = "offer"
	StatusHired      = "hired"
	StatusRejected   = "rejected"
	StatusWithdrawn  = "withdrawn"
)

// Statuses in pipeline order (the board's columns).
var Statuses = []string{StatusApplied, StatusScreening, StatusAssessment, StatusInterview, StatusOffer, StatusHired, StatusRejected, StatusWithdrawn}

// pipeline is the forward step of each open state.
var pipeline = map[string]string{
	StatusApplied:    StatusScreening,
	StatusScreening:  StatusAssessment,
	StatusAssessment: StatusInterview,
	StatusInterview:  StatusOffer,
	StatusOffer:      StatusHired,
}

// Transitions is the table of allowed next states by the company's
// recruiters: the next pipeline step or rejected, from every open state.
// The candidate may only withdraw, from every open state. hired, rejected
// and withdrawn are final.
var Transitions = func() map[string][]string {
	t := map[string][]string{}
	for from, next := range pipeline {
		t[from] = []string{next, StatusRejected}
	}
	return t
}()

// AllowedNext is the list of states the caller may move an application in
// state from to (byCandidate: the applicant themself).
func AllowedNext(from string, byCandidate bool) []string {
	if _, open := pipeline[from]; !open {
		return []string{}
	}
	if byCandidate {
		return []string{StatusWithdrawn}
	}
	return append([]string(nil), Transitions[from]...)
}

// TransitionError is a refused status change; it matches ErrTransition.
type TransitionError struct {
	From, To string
	Allowed  []string
}

func (e *TransitionError) Error() string {
	return fmt.Sprintf("cannot move an application from %s to %s (allowed: %s)", e.From, e.To, strings.Join(e.Allowed, ", "))
}

// Is makes errors.Is(err, ErrTransition) true.
func (e *TransitionError) Is(target error) bool { return target == ErrTransition }

// Public implements events.Public: 409 naming the allowed moves.
func (e *TransitionError) Public() (events.Code, string, map[string]any) {
	return events.CodeTransition, e.Error(), map[string]any{"allowed": e.Allowed}
}

// Application is one candidate's application to one job.
type Application struct {
	ID             uint64    `json:"id" db:"id"`
	JobID          uint64    `json:"job_id" db:"job_id"`
	JobTitle       string    `json:"job_title" db:"job_title"`
	CompanyID      uint64    `json:"company_id" db:"company_id"`
	CompanyName    string    `json:"company_name" db:"company_name"`
	CandidateID    uint64    `json:"candidate_id" db:"candidate_id"`
	CandidateName  string    `json:"candidate_name" db:"candidate_name"`
	CandidateEmail string    `json:"candidate_email,omitempty" db:"candidate_email"`
	Status         string    `json:"status" db:"status"`
	CoverLetter    string    `json:"cover_letter" db:"cover_letter"`
	ResumeKey      string    `json:"-" db:"resume_key"`
	ResumeName     string    `json:"resume_name,omitempty" db:"resume_name"`
	ResumeSize     int64     `json:"resume_size,omitempty" db:"resume_size"`
	Version        int       `json:"version" db:"version"`
	CreatedAt      time.Time `json:"created_at" db:"created_at"`
	UpdatedAt      time.Time `json:"updated_at" db:"updated_at"`
	AllowedNext    []string  `json:"allowed_next" db:"-"`
}

// HistoryEntry is one status change.
type HistoryEntry struct {
	ID        uint64    `json:"id" db:"id"`
	ActorID   uint64    `json:"actor_id" db:"actor_id"`
	ActorName string    `json:"actor_name" db:"actor_name"`
	From      *string   `json:"from" db:"from_status"`
	To        string    `json:"to" db:"to_status"`
	Note      string    `json:"note" db:"note"`
	CreatedAt time.Time `json:"created_at" db:"created_at"`
}

// Resume is a stored résumé object.
type Resume struct {
	Key  string
	Name string
	Size int64
}

// Limits of application fields.
const (
	MaxCoverLetter = 10000
	MaxNote        = 2000
	MaxResumeBytes = 5 << 20
)

// The users columns are read here until users get their own owner package.
const appCols = `a.id, a.job_id, j.title AS job_title, a.company_id, c.name AS company_name, a.candidate_id,
	u.username AS candidate_name, u.email AS candidate_email, a.status, COALESCE(a.cover_letter, '') AS cover_letter,
	COALESCE(a.resume_key, '') AS resume_key, COALESCE(a.resume_name, '') AS resume_name, COALESCE(a.resume_size, 0) AS resume_size,
	a.version, a.created_at, a.updated_at`

const appFrom = ` FROM applications a JOIN jobs j ON j.id = a.job_id JOIN companies c ON c.id = a.company_id JOIN users u ON u.id = a.candidate_id`

func getApp(ctx context.Context, q sqlx.QueryerContext, id uint64, lock bool) (Application, error) {
	var app Application
	query := `SELECT ` + appCols + appFrom + ` WHERE a.id = ?`
	if lock {
		query += ` FOR UPDATE`
	}
	if err := sqlx.GetContext(ctx, q, &app, query, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return app, ErrNotFound
		}
		return app, fmt.Errorf("jobs: get application: %w", store.Translate(err))
	}
	return app, nil
}

// readAccess decides whether a may see app: its candidate, or any member of
// the company. It reports whether a is the candidate.
func readAccess(ctx context.Context, q sqlx.QueryerContext, a company.Actor, app Application) (bool, error) {
	if a.UserID != 0 && a.UserID == app.CandidateID {
		return true, nil
	}
	if err := authorize(ctx, q, a, app.CompanyID, company.PermRead); err != nil {
		return false, ErrNotFound
	}
	return false, nil
}

func appTarget(id uint64) string { return "application:" + strconv.FormatUint(id, 10) }

// Apply creates the caller's application to an open job (candidates only,
// once per job). The résumé, if any, is already stored under resume.Key.
func (s *Service) Apply(ctx context.Context, a company.Actor, jobID uint64, cover string, resume *Resume) (Application, error) {
	if a.Role != "candidate" {
		return Application{}, ErrForbidden
	}
	if len(cover) > MaxCoverLetter {
		return Application{}, invalid("cover_letter", "cover_letter is longer than %d bytes", MaxCoverLetter)
	}
	var out Application
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		j, err := getJob(ctx, tx, jobID, false)
		if err != nil {
			return err
		}
		switch j.Status {
		case "draft":
			return ErrNotFound
		case "closed":
			return ErrJobClosed
		}
		var key, name any
		var size any
		if resume != nil {
			key, name, size = resume.Key, resume.Name, resume.Size
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO applications (job_id, company_id, candidate_id, status, cover_letter, resume_key, resume_name, resume_size)
			VALUES (?, ?, ?, 'applied', ?, ?, ?, ?)`, jobID, j.CompanyID, a.UserID, cover, key, name, size)
		if err != nil {
			if err = store.Translate(err); errors.Is(err, store.ErrDuplicate) {
				return ErrDuplicate
			}
			return fmt.Errorf("jobs: apply: %w", err)
		}
		id, _ := res.LastInsertId()
		if _, err := tx.ExecContext(ctx, `INSERT INTO application_history (application_id, actor_id, from_status, to_status) VALUES (?, ?, NULL, 'applied')`, id, a.UserID); err != nil {
			return fmt.Errorf("jobs: history: %w", store.Translate(err))
		}
		if out, err = getApp(ctx, tx, uint64(id), false); err != nil {
			return err
		}
		writers, err := company.MemberIDs(ctx, tx, j.CompanyID, company.PermWrite)
		if err != nil {
			return err
		}
		for _, uid := range writers {
			if _, err := notify.Send(ctx, tx, ob, notify.New{UserID: uid, Kind: "application.new",
				Title: "New application: " + j.Title, Body: out.CandidateName + " applied to " + j.Title + ".",
				Data: map[string]any{"application_id": out.ID, "job_id": j.ID}}); err != nil {
				return err
			}
		}
		return nil
	})
	out.AllowedNext = AllowedNext(out.Status, true)
	return out, err
}

// GetApplication returns an application to its candidate or the company's
// members; anyone else gets ErrNotFound.
func (s *Service) GetApplication(ctx context.Context, a company.Actor, id uint64) (Application, error) {
	app, err := getApp(ctx, s.DB, id, false)
	if err != nil {
		return app, err
	}
	own, err := readAccess(ctx, s.DB, a, app)
	if err != nil {
		return Application{}, err
	}
	if own {
		app.AllowedNext = AllowedNext(app.Status, true)
	} else if authorize(ctx, s.DB, a, app.CompanyID, company.PermWrite) == nil {
		app.AllowedNext = AllowedNext(app.Status, false)
	} else {
		app.AllowedNext = []string{}
	}
	return app, nil
}

// ResumeOf returns the stored résumé of an application, to the same
// readers as GetApplication.
func (s *Service) ResumeOf(ctx context.Context, a company.Actor, id uint64) (Resume, error) {
	app, err := s.GetApplication(ctx, a, id)
	if err != nil {
		return Resume{}, err
	}
	if app.ResumeKey == "" {
		return Resume{}, ErrNotFound
	}
	return Resume{Key: app.ResumeKey, Name: app.ResumeName, Size: app.ResumeSize}, nil
}

// History returns an application's status changes, oldest first.
func (s *Service) History(ctx context.Context, a company.Actor, id uint64) ([]HistoryEntry, error) {
	if _, err := s.GetApplication(ctx, a, id); err != nil {
		return nil, err
	}
	out := []HistoryEntry{}
	if err := s.DB.SelectContext(ctx, &out, `SELECT h.id, h.actor_id, COALESCE(u.username, '') AS actor_name, h.from_status, h.to_status, h.note, h.created_at
		FROM application_history h LEFT JOIN users u ON u.id = h.actor_id WHERE h.application_id = ? ORDER BY h.id`, id); err != nil {
		return nil, fmt.Errorf("jobs: history: %w", store.Translate(err))
	}
	return out, nil
}

// AppFilter selects a page of applications.
type AppFilter struct {
	CandidateID uint64   // set: the candidate's own applications
	CompanyIDs  []uint64 // otherwise: these companies' applications
	JobID       uint64
	Status      string
	Before      uint64 // cursor: applications with a smaller id
	Limit       int
}

// AppPage is one page of applications, newest first.
type AppPage struct {
	Items      []Application `json:"items"`
	NextCursor string        `json:"next_cursor,omitempty"`
}

func boardSQL(f AppFilter) (string, []any) {
	var sb strings.Builder
	var args []any
	sb.WriteString(`SELECT ` + appCols + appFrom + ` WHERE `)
	if f.CandidateID != 0 {
		sb.WriteString(`a.candidate_id = ?`)
		args = append(args, f.CandidateID)
	} else {
		q, qa, _ := sqlx.In(`a.company_id IN (?)`, f.CompanyIDs)
		sb.WriteString(q)
		args = append(args, qa...)
	}
	if f.JobID != 0 {
		sb.WriteString(` AND a.job_id = ?`)
		args = append(args, f.JobID)
	}
	if f.Status != "" {
		sb.WriteString(` AND a.status = ?`)
		args = append(args, f.Status)
	}
	if f.Before != 0 {
		sb.WriteString(` AND a.id < ?`)
		args = append(args, f.Before)
	}
	limit := f.Limit
	if limit == 0 {
		limit = 50
	}
	sb.WriteString(` ORDER BY a.id DESC LIMIT ?`)
	args = append(args, limit+1)
	return sb.String(), args
}

// ListApplications lists a candidate's own applications, or for a company
// member the applications of companyID (0 = all their companies).
func (s *Service) ListApplications(ctx context.Context, a company.Actor, companyID uint64, f AppFilter) (AppPage, error) {
	if f.Status != "" && !oneOf(f.Status, Statuses) {
		return AppPage{}, invalid("status", "status must be one of %s", strings.Join(Statuses, ", "))
	}
	if f.Limit < 0 || f.Limit > 100 {
		return AppPage{}, invalid("limit", "limit must be from 1 to 100")
	}
	if f.Limit == 0 {
		f.Limit = 50
	}
	f.CandidateID, f.CompanyIDs = 0, nil
	byCandidate := a.Role == "candidate"
	var roles map[uint64]string
	switch {
	case byCandidate:
		f.CandidateID = a.UserID
	default:
		var err error
		if roles, err = company.Roles(ctx, s.DB, a.UserID); err != nil {
			return AppPage{}, err
		}
		if companyID != 0 {
			if _, member := roles[companyID]; !member {
				return AppPage{}, ErrNotFound
			}
			f.CompanyIDs = []uint64{companyID}
		} else {
			for id := range roles {
				f.CompanyIDs = append(f.CompanyIDs, id)
			}
		}
	}
	page := AppPage{Items: []Application{}}
	if !byCandidate && len(f.CompanyIDs) == 0 {
		return page, nil
	}
	q, args := boardSQL(f)
	if err := s.DB.SelectContext(ctx, &page.Items, q, args...); err != nil {
		return page, fmt.Errorf("jobs: list applications: %w", store.Translate(err))
	}
	if len(page.Items) > f.Limit {
		page.Items = page.Items[:f.Limit]
		page.NextCursor = strconv.FormatUint(page.Items[f.Limit-1].ID, 10)
	}
	for i := range page.Items {
		it := &page.Items[i]
		switch {
		case byCandidate:
			it.AllowedNext = AllowedNext(it.Status, true)
		case company.Can(roles[it.CompanyID], company.PermWrite):
			it.AllowedNext = AllowedNext(it.Status, false)
		default:
			it.AllowedNext = []string{} // viewers look, they do not move
		}
	}
	return page, nil
}

// mailed are the transitions the candidate also gets a mail for.
var mailed = map[string]bool{StatusInterview: true, StatusOffer: true, StatusRejected: true}

// SetStatus moves an application to `to`: the company's recruiters and
// owners along Transitions, the candidate only to withdrawn. expectVersion
// (0 = none sent) must match when given. The change, its history row, an
// audit row (recruiter writes), the notification of the other side and the
// candidate's mail are committed together.
func (s *Service) SetStatus(ctx context.Context, a company.Actor, id uint64, to, note string, expectVersion int) (Application, error) {
	if !oneOf(to, Statuses) {
		return Application{}, invalid("status", "status must be one of %s", strings.Join(Statuses, ", "))
	}
	if len(note) > MaxNote {
		return Application{}, invalid("note", "note is longer than %d bytes", MaxNote)
	}
	var out Application
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		cur, err := getApp(ctx, tx, id, true)
		if err != nil {
			return err
		}
		own := a.UserID == cur.CandidateID
		if !own {
			if err := authorize(ctx, tx, a, cur.CompanyID, company.PermWrite); err != nil {
				return err
			}
		}
		if expectVersion != 0 && expectVersion != cur.Version {
			return ErrStale
		}
		allowed := AllowedNext(cur.Status, own)
		if !oneOf(to, allowed) {
			return &TransitionError{From: cur.Status, To: to, Allowed: allowed}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE applications SET status = ?, version = version + 1 WHERE id = ?`, to, id); err != nil {
			return fmt.Errorf("jobs: set status: %w", store.Translate(err))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO application_history (application_id, actor_id, from_status, to_status, note) VALUES (?, ?, ?, ?, ?)`,
			id, a.UserID, cur.Status, to, note); err != nil {
			return fmt.Errorf("jobs: history: %w", store.Translate(err))
		}
		if out, err = getApp(ctx, tx, id, false); err != nil {
			return err
		}
		data := map[string]any{"application_id": id, "job_id": cur.JobID, "from": cur.Status, "to": to}
		if own {
			writers, err := company.MemberIDs(ctx, tx, cur.CompanyID, company.PermWrite)
			if err != nil {
				return err
			}
			for _, uid := range writers {
				if _, err := notify.Send(ctx, tx, ob, notify.New{UserID: uid, Kind: "application.status",
					Title: cur.CandidateName + " withdrew", Body: cur.CandidateName + " withdrew their application to " + cur.JobTitle + ".", Data: data}); err != nil {
					return err
				}
			}
			return nil
		}
		if _, err := notify.Send(ctx, tx, ob, notify.New{UserID: cur.CandidateID, Kind: "application.status",
			Title: cur.JobTitle + ": " + to, Body: fmt.Sprintf("Your application to %s at %s moved to %s.", cur.JobTitle, cur.CompanyName, to), Data: data}); err != nil {
			return err
		}
		if mailed[to] && cur.CandidateEmail != "" {
			env, err := events.NewEnvelope(events.CmdMailNotify, "", a.UserID, events.MailNotify{To: cur.CandidateEmail, Template: events.MailTemplateStatus,
				Data: map[string]string{"name": cur.CandidateName, "job": cur.JobTitle, "company": cur.CompanyName, "status": to, "note": note}})
			if err != nil {
				return err
			}
			if err := ob.Add(events.CmdMailNotify, env); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: cur.CompanyID, Action: "application.status", Target: appTarget(id),
			Before: map[string]any{"status": cur.Status, "version": cur.Version}, After: map[string]any{"status": to, "version": out.Version, "note": note},
			RequestID: a.RequestID, IP: a.IP})
	})
	if err == nil {
		out.AllowedNext = AllowedNext(out.Status, a.UserID == out.CandidateID)
	}
	return out, err
}
