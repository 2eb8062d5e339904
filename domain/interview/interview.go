// Package interview owns interviews, their participants, the rooms' chat
// (and an AI interview's transcript) and the interviewers' notes and
// scorecards. Scheduling checks the candidate's and every interviewer's
// calendar for clashes, moves the application to `interview` through
// domain/jobs, and notifies and mails every participant an iCalendar
// invitation (ical.go) in the same transaction. Access is decided in one
// place, authorize: participants and the company's members see an
// interview, anyone else gets ErrNotFound.
package interview

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hirebus/hirebus/domain/audit"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/jobs"
	"github.com/hirebus/hirebus/domain/notify"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// Sentinel errors; the edge maps them to HTTP once.
var (
	ErrNotFound  = events.NewError("interview", events.CodeNotFound, "not found")
	ErrForbidden = events.NewError("interview", events.CodeForbidden, "your role in this interview does not allow this")
	ErrCancelled = events.NewError("interview", events.CodeInterviewCancelled, "the interview is cancelled")
	ErrNotOpen   = events.NewError("interview", events.CodeRoomNotOpen, "the room opens 10 minutes before the start and closes 30 minutes after the end")
)

// Kinds, statuses and participant roles.
const (
	KindLive = "live"
	KindAI   = "ai"

	StatusScheduled = "scheduled"
	StatusCancelled = "cancelled"

	RoleCandidate   = "candidate"
	RoleInterviewer = "interviewer"
)

// Limits.
const (
	MinDuration     = 5   // minutes
	MaxDuration     = 480 // minutes
	MaxInterviewers = 3   // a live room is a mesh of at most 4 peers
	MaxAhead        = 366 * 24 * time.Hour
	JoinBefore      = 10 * time.Minute // the room opens this long before the start
	JoinAfter       = 30 * time.Minute // and closes this long after the end
	MaxRange        = 366 * 24 * time.Hour
)

// FieldError is a validation failure of one field (the edge answers 400
// invalid_<field>); it is jobs.FieldError so both map the same way.
type FieldError = jobs.FieldError

func invalid(field, format string, args ...any) error {
	return &jobs.FieldError{Scope: "interview", Field: field, Message: fmt.Sprintf(format, args...), Of: jobs.ErrInvalid}
}

// Clash is one participant already busy at the requested time.
type Clash struct {
	UserID      uint64 `json:"user_id" db:"user_id"`
	Name        string `json:"name" db:"name"`
	Role        string `json:"role" db:"role"`
	InterviewID uint64 `json:"interview_id" db:"interview_id"`
}

// ClashError is a refused schedule (409 naming who is busy).
type ClashError struct{ Clashes []Clash }

func (e *ClashError) Error() string {
	names := make([]string, len(e.Clashes))
	for i, c := range e.Clashes {
		names[i] = fmt.Sprintf("%s %s", c.Role, c.Name)
	}
	return "already booked at that time: " + strings.Join(names, ", ")
}

// Public implements events.Public: 409 naming who is busy.
func (e *ClashError) Public() (events.Code, string, map[string]any) {
	return events.CodeInterviewClash, e.Error(), map[string]any{"clashes": e.Clashes}
}

// Participant is the candidate or one interviewer.
type Participant struct {
	UserID uint64 `json:"user_id" db:"user_id"`
	Name   string `json:"name" db:"username"`
	Email  string `json:"-" db:"email"`
	Role   string `json:"role" db:"role"`
}

// Interview is an interview as its participants and the company see it.
type Interview struct {
	ID              uint64        `json:"id"`
	UID             string        `json:"uid"`
	ApplicationID   uint64        `json:"application_id"`
	JobID           uint64        `json:"job_id"`
	JobTitle        string        `json:"job_title"`
	CompanyID       uint64        `json:"company_id"`
	CompanyName     string        `json:"company_name"`
	CandidateID     uint64        `json:"candidate_id"`
	Kind            string        `json:"kind"`
	Status          string        `json:"status"`
	StartsAt        time.Time     `json:"starts_at"` // in the zone it was scheduled in
	EndsAt          time.Time     `json:"ends_at"`
	DurationMinutes int           `json:"duration_minutes"`
	Sequence        int           `json:"sequence"`
	Version         int           `json:"version"`
	Participants    []Participant `json:"participants"`
	MyRole          string        `json:"my_role,omitempty"` // candidate | interviewer | member
	CreatedAt       time.Time     `json:"created_at"`
	RoomID          string        `json:"-"`
	skills          []string
	jobDescription  string
}

type row struct {
	ID              uint64    `db:"id"`
	UID             string    `db:"uid"`
	RoomID          string    `db:"room_id"`
	ApplicationID   uint64    `db:"application_id"`
	JobID           uint64    `db:"job_id"`
	JobTitle        string    `db:"job_title"`
	JobDescription  string    `db:"job_description"`
	Skills          string    `db:"skills"`
	CompanyID       uint64    `db:"company_id"`
	CompanyName     string    `db:"company_name"`
	CandidateID     uint64    `db:"candidate_id"`
	Kind            string    `db:"kind"`
	Status          string    `db:"status"`
	StartsAt        time.Time `db:"starts_at"`
	EndsAt          time.Time `db:"ends_at"`
	DurationMinutes int       `db:"duration_minutes"`
	TZOffset        int       `db:"tz_offset"`
	Sequence        int       `db:"sequence"`
	Version         int       `db:"version"`
	CreatedAt       time.Time `db:"created_at"`
}

// The jobs and companies columns are read here, never written.
const ivSelect = `SELECT i.id, i.uid, i.room_id, i.application_id, a.job_id, j.title AS job_title, j.description AS job_description, j.skills,
	i.company_id, c.name AS company_name, i.candidate_id, i.kind, i.status, i.starts_at, i.ends_at, i.duration_minutes, i.tz_offset,
	i.sequence, i.version, i.created_at
	FROM interviews i JOIN applications a ON a.id = i.application_id JOIN jobs j ON j.id = a.job_id JOIN companies c ON c.id = i.company_id`

func (r row) interview(ps []Participant) Interview {
	zone := time.FixedZone("", r.TZOffset)
	iv := Interview{ID: r.ID, UID: r.UID, RoomID: r.RoomID, ApplicationID: r.ApplicationID, JobID: r.JobID, JobTitle: r.JobTitle,
		CompanyID: r.CompanyID, CompanyName: r.CompanyName, CandidateID: r.CandidateID, Kind: r.Kind, Status: r.Status,
		StartsAt: r.StartsAt.In(zone), EndsAt: r.EndsAt.In(zone), DurationMinutes: r.DurationMinutes, Sequence: r.Sequence,
		Version: r.Version, CreatedAt: r.CreatedAt, Participants: ps, jobDescription: r.JobDescription}
	for _, s := range strings.Split(r.Skills, ",") {
		if s = strings.TrimSpace(s); s != "" {
			iv.skills = append(iv.skills, s)
		}
	}
	return iv
}

// Skills are the job's skills (the AI interviewer's question topics).
func (iv Interview) Skills() []string { return iv.skills }

// JobDescription is the job's text (the AI interviewer's context).
func (iv Interview) JobDescription() string { return iv.jobDescription }

// Participant returns userID's participation.
func (iv Interview) Participant(userID uint64) (Participant, bool) {
	for _, p := range iv.Participants {
		if p.UserID == userID {
			return p, true
		}
	}
	return Participant{}, false
}

// Service runs the interview operations.
type Service struct {
	DB    *sqlx.DB
	Relay *outbox.Relay
	// Link builds the link put in mails and calendar entries (default
	// "/interviews.html#interview=<id>").
	Link func(id uint64) string
	// Organizer is the calendar ORGANIZER address (default
	// interviews@hirebus.invalid).
	Organizer string
	// Now is the clock (tests); default time.Now.
	Now func() time.Time

	afterClashCheck func() // tests: runs between the clash check and the insert
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) link(id uint64) string {
	if s.Link != nil {
		return s.Link(id)
	}
	return "/interviews.html#interview=" + strconv.FormatUint(id, 10)
}

func (s *Service) organizer() string {
	if s.Organizer != "" {
		return s.Organizer
	}
	return "interviews@hirebus.invalid"
}

// Need is what a caller wants to do with an interview.
type Need int

// Needs, checked by authorize.
const (
	NeedRead          Need = iota + 1 // see it: participants and every company member
	NeedJoin                          // enter the room: participants only
	NeedManage                        // reschedule, cancel: the company's recruiters and owners
	NeedFeedbackRead                  // read notes and scorecards: company members only
	NeedFeedbackWrite                 // keep one's own notes: an interviewer who is a member
)

// authorize is the interview domain's one access decision (default deny):
// someone who is neither a participant nor a member of the interview's
// company gets ErrNotFound; someone who may see it but not do `need` gets
// ErrForbidden. It returns the caller's role in the interview (candidate,
// interviewer or member).
func authorize(ctx context.Context, q sqlx.QueryerContext, a company.Actor, iv Interview, need Need) (string, error) {
	if a.UserID == 0 {
		return "", ErrNotFound
	}
	part, isPart := iv.Participant(a.UserID)
	memberRole, err := company.Authorize(ctx, q, a, iv.CompanyID, company.PermRead)
	member := err == nil
	if err != nil && !errors.Is(err, company.ErrNotFound) && !errors.Is(err, company.ErrForbidden) {
		return "", err
	}
	if !isPart && !member {
		return "", ErrNotFound
	}
	role := "member"
	if isPart {
		role = part.Role
	}
	ok := false
	switch need {
	case NeedRead:
		ok = true
	case NeedJoin:
		ok = isPart
	case NeedManage:
		ok = member && (memberRole == company.RoleOwner || memberRole == company.RoleRecruiter)
	case NeedFeedbackRead:
		ok = member
	case NeedFeedbackWrite:
		ok = member && isPart && part.Role == RoleInterviewer
	}
	if !ok {
		return role, ErrForbidden
	}
	return role, nil
}

func load(ctx context.Context, q sqlx.QueryerContext, where string, arg any, lock bool) (Interview, error) {
	var r row
	query := ivSelect + ` WHERE ` + where
	if lock {
		query += ` FOR UPDATE`
	}
	if err := sqlx.GetContext(ctx, q, &r, query, arg); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return Interview{}, ErrNotFound
		}
		return Interview{}, fmt.Errorf("interview: load: %w", store.Translate(err))
	}
	ps, err := participants(ctx, q, r.ID)
	if err != nil {
		return Interview{}, err
	}
	return r.interview(ps), nil
}

// The users columns are read here until users get their own owner package.
func participants(ctx context.Context, q sqlx.QueryerContext, id uint64) ([]Participant, error) {
	ps := []Participant{}
	if err := sqlx.SelectContext(ctx, q, &ps, `SELECT p.user_id, u.username, u.email, p.role FROM interview_participants p
		JOIN users u ON u.id = p.user_id WHERE p.interview_id = ? ORDER BY p.role = 'interviewer', p.user_id`, id); err != nil {
		return nil, fmt.Errorf("interview: participants: %w", store.Translate(err))
	}
	return ps, nil
}

// ScheduleInput is POST /api/interviews.
type ScheduleInput struct {
	ApplicationID   uint64   `json:"application_id"`
	StartsAt        string   `json:"starts_at"`
	DurationMinutes int      `json:"duration_minutes"`
	Interviewers    []uint64 `json:"interviewers"`
	Kind            string   `json:"kind"`
}

// parseSlot checks a start (RFC 3339 with a zone) and a duration.
func (s *Service) parseSlot(startsAt string, minutes int) (time.Time, int, error) {
	if startsAt == "" {
		return time.Time{}, 0, invalid("starts_at", "starts_at is required (RFC 3339 with a zone, e.g. 2026-12-01T14:00:00+01:00)")
	}
	t, err := time.Parse(time.RFC3339, startsAt)
	if err != nil {
		return time.Time{}, 0, invalid("starts_at", "starts_at must be RFC 3339 with a zone (e.g. 2026-12-01T14:00:00+01:00 or ...Z)")
	}
	if minutes < MinDuration || minutes > MaxDuration {
		return time.Time{}, 0, invalid("duration_minutes", "duration_minutes must be from %d to %d", MinDuration, MaxDuration)
	}
	now := s.now()
	if t.Before(now.Add(-time.Minute)) {
		return time.Time{}, 0, invalid("starts_at", "starts_at is in the past")
	}
	if t.After(now.Add(MaxAhead)) {
		return time.Time{}, 0, invalid("starts_at", "starts_at is more than a year ahead")
	}
	_, off := t.Zone()
	return t, off, nil
}

func newHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// lockCalendars serializes scheduling for these users: concurrent bookings
// of the same person wait here, so two cannot both pass the clash check.
// (The users rows are only locked, never written, here.)
func lockCalendars(ctx context.Context, tx *sqlx.Tx, ids []uint64) error {
	q, args, err := sqlx.In(`SELECT id FROM users WHERE id IN (?) ORDER BY id FOR UPDATE`, ids)
	if err != nil {
		return fmt.Errorf("interview: lock calendars: %w", err)
	}
	var got []uint64
	if err := tx.SelectContext(ctx, &got, q, args...); err != nil {
		return fmt.Errorf("interview: lock calendars: %w", store.Translate(err))
	}
	return nil
}

// clashes lists who among ids has another scheduled interview overlapping
// [start, end) (except the interview `except`). It is a locking read: under
// REPEATABLE READ a plain SELECT would read the transaction's older snapshot
// and miss a booking committed while we waited for the calendar locks.
func clashes(ctx context.Context, tx *sqlx.Tx, ids []uint64, start, end time.Time, except uint64) ([]Clash, error) {
	q, args, err := sqlx.In(`SELECT p.user_id, u.username AS name, p.role, i.id AS interview_id FROM interview_participants p
		JOIN interviews i ON i.id = p.interview_id JOIN users u ON u.id = p.user_id
		WHERE p.user_id IN (?) AND i.status = 'scheduled' AND i.starts_at < ? AND i.ends_at > ? AND i.id <> ?
		ORDER BY p.user_id, i.id LOCK IN SHARE MODE`, ids, end.UTC(), start.UTC(), except)
	if err != nil {
		return nil, fmt.Errorf("interview: clashes: %w", err)
	}
	var rows []Clash
	if err := tx.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, fmt.Errorf("interview: clashes: %w", store.Translate(err))
	}
	// Name each person once (their first clashing interview).
	var out []Clash
	seen := map[uint64]bool{}
	for _, c := range rows {
		if !seen[c.UserID] {
			seen[c.UserID] = true
			out = append(out, c)
		}
	}
	return out, nil
}

// Schedule creates an interview of an application (the company's
// recruiters and owners), after checking every participant's calendar;
// the application moves to `interview`; every participant gets a
// notification and a mail with the invitation.
func (s *Service) Schedule(ctx context.Context, a company.Actor, in ScheduleInput) (Interview, error) {
	if in.Kind == "" {
		in.Kind = KindLive
	}
	if in.Kind != KindLive && in.Kind != KindAI {
		return Interview{}, invalid("kind", "kind must be live or ai")
	}
	if in.ApplicationID == 0 {
		return Interview{}, invalid("application_id", "application_id is required")
	}
	start, off, err := s.parseSlot(in.StartsAt, in.DurationMinutes)
	if err != nil {
		return Interview{}, err
	}
	end := start.Add(time.Duration(in.DurationMinutes) * time.Minute)
	interviewers := dedupe(in.Interviewers)
	if in.Kind == KindLive && len(interviewers) == 0 {
		return Interview{}, invalid("interviewers", "a live interview needs at least one interviewer")
	}
	if len(interviewers) > MaxInterviewers {
		return Interview{}, invalid("interviewers", "at most %d interviewers (the room is a peer-to-peer mesh of at most 4)", MaxInterviewers)
	}
	var id uint64
	err = s.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		app, _, err := jobs.ForInterview(ctx, tx, in.ApplicationID)
		if errors.Is(err, jobs.ErrNotFound) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := company.Authorize(ctx, tx, a, app.CompanyID, company.PermWrite); err != nil {
			if errors.Is(err, company.ErrForbidden) {
				return ErrForbidden
			}
			if errors.Is(err, company.ErrNotFound) {
				return ErrNotFound
			}
			return err
		}
		members, err := company.MemberIDs(ctx, tx, app.CompanyID, company.PermRead)
		if err != nil {
			return err
		}
		for _, uid := range interviewers {
			if uid == app.CandidateID || !contains(members, uid) {
				return invalid("interviewers", "interviewer %d is not a member of %s", uid, app.CompanyName)
			}
		}
		everyone := append([]uint64{app.CandidateID}, interviewers...)
		if err := lockCalendars(ctx, tx, everyone); err != nil {
			return err
		}
		busy, err := clashes(ctx, tx, everyone, start, end, 0)
		if err != nil {
			return err
		}
		if len(busy) > 0 {
			for i := range busy {
				busy[i].Role = RoleInterviewer
				if busy[i].UserID == app.CandidateID {
					busy[i].Role = RoleCandidate
				}
			}
			return &ClashError{Clashes: busy}
		}
		if s.afterClashCheck != nil {
			s.afterClashCheck()
		}
		uid := newHex(16) + "@hirebus"
		res, err := tx.ExecContext(ctx, `INSERT INTO interviews (uid, room_id, application_id, company_id, candidate_id, created_by, kind, starts_at, ends_at, duration_minutes, tz_offset)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, uid, newHex(16), app.ID, app.CompanyID, app.CandidateID, a.UserID, in.Kind, start.UTC(), end.UTC(), in.DurationMinutes, off)
		if err != nil {
			return fmt.Errorf("interview: insert: %w", store.Translate(err))
		}
		iid, _ := res.LastInsertId()
		id = uint64(iid)
		for _, uid := range everyone {
			role := RoleInterviewer
			if uid == app.CandidateID {
				role = RoleCandidate
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO interview_participants (interview_id, user_id, role) VALUES (?, ?, ?)`, id, uid, role); err != nil {
				return fmt.Errorf("interview: participant: %w", store.Translate(err))
			}
		}
		if err := jobs.EnterInterview(ctx, tx, a, app, "interview scheduled"); err != nil {
			return err
		}
		iv, err := load(ctx, tx, `i.id = ?`, id, false)
		if err != nil {
			return err
		}
		if err := s.announce(ctx, tx, ob, iv, "scheduled"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: iv.CompanyID, Action: "interview.schedule", Target: target(id),
			After: snapshot(iv), RequestID: a.RequestID, IP: a.IP})
	})
	if err != nil {
		return Interview{}, err
	}
	return s.Get(ctx, a, id)
}

func target(id uint64) string { return "interview:" + strconv.FormatUint(id, 10) }

func snapshot(iv Interview) map[string]any {
	ids := make([]uint64, 0, len(iv.Participants))
	for _, p := range iv.Participants {
		ids = append(ids, p.UserID)
	}
	return map[string]any{"status": iv.Status, "kind": iv.Kind, "starts_at": iv.StartsAt.Format(time.RFC3339), "duration_minutes": iv.DurationMinutes,
		"sequence": iv.Sequence, "participants": ids}
}

func dedupe(ids []uint64) []uint64 {
	seen := map[uint64]bool{}
	var out []uint64
	for _, id := range ids {
		if id != 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func contains(ids []uint64, id uint64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// announce notifies every participant and queues their mails (each with
// the .ics of the interview's current state) in the caller's transaction.
func (s *Service) announce(ctx context.Context, tx *sqlx.Tx, ob *outbox.Batch, iv Interview, action string) error {
	ics, err := Calendar(iv, s.organizer(), s.link(iv.ID))
	if err != nil {
		return err
	}
	method := "REQUEST"
	if iv.Status == StatusCancelled {
		method = "CANCEL"
	}
	when := iv.StartsAt.Format("Mon 2 Jan 2006 15:04 (UTC-07:00)") + fmt.Sprintf(", %d minutes", iv.DurationMinutes)
	title := map[string]string{"scheduled": "Interview scheduled", "rescheduled": "Interview moved", "cancelled": "Interview cancelled"}[action]
	for _, p := range iv.Participants {
		if _, err := notify.Send(ctx, tx, ob, notify.New{UserID: p.UserID, Kind: "interview." + action,
			Title: title + ": " + iv.JobTitle, Body: fmt.Sprintf("%s interview for %s at %s: %s.", strings.ToUpper(iv.Kind[:1])+iv.Kind[1:], iv.JobTitle, iv.CompanyName, when),
			Data: map[string]any{"interview_id": iv.ID, "application_id": iv.ApplicationID, "starts_at": iv.StartsAt.Format(time.RFC3339), "status": iv.Status}}); err != nil {
			return err
		}
		if p.Email == "" {
			continue
		}
		env, err := events.NewEnvelope(events.CmdMailNotify, "", 0, events.MailNotify{To: p.Email, Template: events.MailTemplateInterview,
			Data: map[string]string{"name": p.Name, "job": iv.JobTitle, "company": iv.CompanyName, "when": when, "action": action,
				"link": s.link(iv.ID), "kind": iv.Kind},
			Attachments: []events.MailAttachment{{Filename: "invite.ics", ContentType: "text/calendar; charset=utf-8; method=" + method, Data: ics}}})
		if err != nil {
			return err
		}
		if err := ob.Add(events.CmdMailNotify, env); err != nil {
			return err
		}
	}
	return nil
}

// Get returns an interview to its participants and the company's members.
func (s *Service) Get(ctx context.Context, a company.Actor, id uint64) (Interview, error) {
	iv, err := load(ctx, s.DB, `i.id = ?`, id, false)
	if err != nil {
		return iv, err
	}
	role, err := authorize(ctx, s.DB, a, iv, NeedRead)
	if err != nil {
		return Interview{}, err
	}
	iv.MyRole = role
	return iv, nil
}

// RescheduleInput is PUT /api/interviews/:id.
type RescheduleInput struct {
	StartsAt        string `json:"starts_at"`
	DurationMinutes int    `json:"duration_minutes"`
}

// Reschedule moves a scheduled interview (the company's recruiters and
// owners) after the same clash check; SEQUENCE grows by one and every
// participant gets the updated invitation.
func (s *Service) Reschedule(ctx context.Context, a company.Actor, id uint64, in RescheduleInput) (Interview, error) {
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		cur, err := load(ctx, tx, `i.id = ?`, id, true)
		if err != nil {
			return err
		}
		if _, err := authorize(ctx, tx, a, cur, NeedManage); err != nil {
			return err
		}
		if cur.Status != StatusScheduled {
			return ErrCancelled
		}
		if in.DurationMinutes == 0 {
			in.DurationMinutes = cur.DurationMinutes
		}
		start, off, err := s.parseSlot(in.StartsAt, in.DurationMinutes)
		if err != nil {
			return err
		}
		end := start.Add(time.Duration(in.DurationMinutes) * time.Minute)
		var everyone []uint64
		for _, p := range cur.Participants {
			everyone = append(everyone, p.UserID)
		}
		if err := lockCalendars(ctx, tx, everyone); err != nil {
			return err
		}
		busy, err := clashes(ctx, tx, everyone, start, end, id)
		if err != nil {
			return err
		}
		if len(busy) > 0 {
			for i := range busy {
				p, _ := cur.Participant(busy[i].UserID)
				busy[i].Role = p.Role
			}
			return &ClashError{Clashes: busy}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE interviews SET starts_at = ?, ends_at = ?, duration_minutes = ?, tz_offset = ?, sequence = sequence + 1, version = version + 1 WHERE id = ?`,
			start.UTC(), end.UTC(), in.DurationMinutes, off, id); err != nil {
			return fmt.Errorf("interview: reschedule: %w", store.Translate(err))
		}
		return s.changed(ctx, tx, ob, a, cur, "rescheduled", "interview.reschedule")
	})
	if err != nil {
		return Interview{}, err
	}
	return s.Get(ctx, a, id)
}

// Cancel cancels a scheduled interview (the company's recruiters and
// owners); participants get METHOD:CANCEL. Cancelling a cancelled
// interview changes nothing.
func (s *Service) Cancel(ctx context.Context, a company.Actor, id uint64) (Interview, error) {
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		cur, err := load(ctx, tx, `i.id = ?`, id, true)
		if err != nil {
			return err
		}
		if _, err := authorize(ctx, tx, a, cur, NeedManage); err != nil {
			return err
		}
		if cur.Status == StatusCancelled {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE interviews SET status = 'cancelled', sequence = sequence + 1, version = version + 1 WHERE id = ?`, id); err != nil {
			return fmt.Errorf("interview: cancel: %w", store.Translate(err))
		}
		return s.changed(ctx, tx, ob, a, cur, "cancelled", "interview.cancel")
	})
	if err != nil {
		return Interview{}, err
	}
	return s.Get(ctx, a, id)
}

// changed finishes a change of an interview inside its transaction: it
// reads the interview as changed, tells the participants (announce: a
// notification and an iCalendar mail saying how) and audits the change
// against cur, the interview before it.
func (s *Service) changed(ctx context.Context, tx *sqlx.Tx, ob *outbox.Batch, a company.Actor, cur Interview, how, action string) error {
	iv, err := load(ctx, tx, `i.id = ?`, cur.ID, false)
	if err != nil {
		return err
	}
	if err := s.announce(ctx, tx, ob, iv, how); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: iv.CompanyID, Action: action, Target: target(cur.ID),
		Before: snapshot(cur), After: snapshot(iv), RequestID: a.RequestID, IP: a.IP})
}

// ParseRange reads the from/to of GET /api/interviews (RFC 3339; default
// from now-1 day for 30 days; at most a year).
func (s *Service) ParseRange(from, to string) (time.Time, time.Time, error) {
	var f, t time.Time
	var err error
	if from == "" {
		f = s.now().Add(-24 * time.Hour)
	} else if f, err = time.Parse(time.RFC3339, from); err != nil {
		return f, t, invalid("from", "from must be RFC 3339 with a zone")
	}
	if to == "" {
		t = f.Add(30 * 24 * time.Hour)
	} else if t, err = time.Parse(time.RFC3339, to); err != nil {
		return f, t, invalid("to", "to must be RFC 3339 with a zone")
	}
	if !t.After(f) {
		return f, t, invalid("to", "to must be after from")
	}
	if t.Sub(f) > MaxRange {
		return f, t, invalid("to", "the range is longer than a year")
	}
	return f, t, nil
}

// Mine lists the interviews the caller takes part in that overlap
// [from, to), by start time, cancelled ones included (their status says so).
func (s *Service) Mine(ctx context.Context, a company.Actor, from, to time.Time) ([]Interview, error) {
	var rows []row
	if err := s.DB.SelectContext(ctx, &rows, ivSelect+` JOIN interview_participants p ON p.interview_id = i.id AND p.user_id = ?
		WHERE i.starts_at < ? AND i.ends_at > ? ORDER BY i.starts_at, i.id LIMIT 500`, a.UserID, to.UTC(), from.UTC()); err != nil {
		return nil, fmt.Errorf("interview: mine: %w", store.Translate(err))
	}
	out := make([]Interview, 0, len(rows))
	for _, r := range rows {
		ps, err := participants(ctx, s.DB, r.ID)
		if err != nil {
			return nil, err
		}
		iv := r.interview(ps)
		p, _ := iv.Participant(a.UserID)
		iv.MyRole = p.Role
		out = append(out, iv)
	}
	return out, nil
}

// ForApplication lists an application's interviews to the company's
// members and its candidate (the applications board).
func (s *Service) ForApplication(ctx context.Context, a company.Actor, appID uint64) ([]Interview, error) {
	var rows []row
	if err := s.DB.SelectContext(ctx, &rows, ivSelect+` WHERE i.application_id = ? ORDER BY i.starts_at, i.id`, appID); err != nil {
		return nil, fmt.Errorf("interview: for application: %w", store.Translate(err))
	}
	out := []Interview{}
	for _, r := range rows {
		ps, err := participants(ctx, s.DB, r.ID)
		if err != nil {
			return nil, err
		}
		iv := r.interview(ps)
		role, err := authorize(ctx, s.DB, a, iv, NeedRead)
		if err != nil {
			continue
		}
		iv.MyRole = role
		out = append(out, iv)
	}
	return out, nil
}

// Room is what the room needs to know about a participant entering it.
type Room struct {
	Interview Interview
	Me        Participant
}

// Join checks that a may enter the interview's room now: a participant,
// the interview scheduled, from JoinBefore the start to JoinAfter the end.
// The edge then issues the room token.
func (s *Service) Join(ctx context.Context, a company.Actor, id uint64) (Room, error) {
	iv, err := load(ctx, s.DB, `i.id = ?`, id, false)
	if err != nil {
		return Room{}, err
	}
	if _, err := authorize(ctx, s.DB, a, iv, NeedJoin); err != nil {
		return Room{}, err
	}
	return s.open(iv, a.UserID)
}

// Window is when an interview's room is open.
func Window(iv Interview) (opens, closes time.Time) {
	return iv.StartsAt.Add(-JoinBefore), iv.EndsAt.Add(JoinAfter)
}

func (s *Service) open(iv Interview, userID uint64) (Room, error) {
	if iv.Status != StatusScheduled {
		return Room{}, ErrCancelled
	}
	opens, closes := Window(iv)
	if now := s.now(); now.Before(opens) || now.After(closes) {
		return Room{}, ErrNotOpen
	}
	me, ok := iv.Participant(userID)
	if !ok {
		return Room{}, ErrForbidden
	}
	return Room{Interview: iv, Me: me}, nil
}

// EnterRoom re-checks a room token's holder when the WebSocket opens: still
// a participant, the interview still scheduled and the room open.
func (s *Service) EnterRoom(ctx context.Context, roomID string, userID uint64) (Room, error) {
	iv, err := load(ctx, s.DB, `i.room_id = ?`, roomID, false)
	if err != nil {
		return Room{}, err
	}
	if _, ok := iv.Participant(userID); !ok {
		return Room{}, ErrForbidden
	}
	return s.open(iv, userID)
}
