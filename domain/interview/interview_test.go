package interview_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/domain/interview"
	"github.com/hirebus/hirebus/domain/jobs"
	"github.com/hirebus/hirebus/events"
)

type world struct {
	e                               *domaintest.Env
	svc                             *interview.Service
	jobs                            *jobs.Service
	owner, rec, viewer, other, cand company.Actor
	cand2                           company.Actor
	acme                            company.Company
	app, app2                       jobs.Application
	now                             time.Time
}

func ptr[T any](v T) *T { return &v }

func setup(t *testing.T) *world {
	e := domaintest.Start(t)
	ctx := context.Background()
	co := &company.Service{DB: e.DB, Relay: e.Relay}
	w := &world{e: e, jobs: &jobs.Service{DB: e.DB, Relay: e.Relay}, now: time.Now()}
	w.svc = &interview.Service{DB: e.DB, Relay: e.Relay, Now: func() time.Time { return w.now }}
	w.owner, w.rec, w.viewer = e.User(t, "owner", "recruiter"), e.User(t, "rec", "recruiter"), e.User(t, "viewer", "recruiter")
	w.other, w.cand, w.cand2 = e.User(t, "other", "recruiter"), e.User(t, "cand", "candidate"), e.User(t, "cand2", "candidate")
	var err error
	if w.acme, err = co.Create(ctx, w.owner, "Acme", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := co.Create(ctx, w.other, "Globex", ""); err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		a    company.Actor
		role string
	}{{w.rec, "recruiter"}, {w.viewer, "viewer"}} {
		if _, err := e.DB.Exec(`INSERT INTO company_members (company_id, user_id, member_role) VALUES (?, ?, ?)`, w.acme.ID, m.a.UserID, m.role); err != nil {
			t.Fatal(err)
		}
	}
	j, err := w.jobs.CreateJob(ctx, w.rec, jobs.JobInput{CompanyID: &w.acme.ID, Title: ptr("Go engineer"), Description: ptr("Write Go."),
		Status: ptr("open"), Skills: &[]string{"go", "sql"}, Remote: ptr("remote")})
	if err != nil {
		t.Fatal(err)
	}
	if w.app, err = w.jobs.Apply(ctx, w.cand, j.ID, "hi", nil); err != nil {
		t.Fatal(err)
	}
	if w.app2, err = w.jobs.Apply(ctx, w.cand2, j.ID, "hi", nil); err != nil {
		t.Fatal(err)
	}
	return w
}

func at(t time.Time, zone string) string {
	loc, _ := time.LoadLocation(zone)
	return t.In(loc).Format(time.RFC3339)
}

// TestScheduleRules: zones kept, bad input refused by field, clashes named
// for the candidate and for an interviewer, the application moved to
// interview, notifications and mails with a parsable REQUEST.
func TestScheduleRules(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	start := time.Now().Add(48 * time.Hour).Truncate(time.Minute)
	in := interview.ScheduleInput{ApplicationID: w.app.ID, StartsAt: at(start, "Asia/Kolkata"), DurationMinutes: 45, Interviewers: []uint64{w.rec.UserID}, Kind: "live"}

	for _, tc := range []struct {
		name  string
		edit  func(*interview.ScheduleInput)
		field string
	}{
		{"no zone", func(i *interview.ScheduleInput) { i.StartsAt = start.Format("2006-01-02T15:04:05") }, "starts_at"},
		{"past", func(i *interview.ScheduleInput) { i.StartsAt = time.Now().Add(-time.Hour).Format(time.RFC3339) }, "starts_at"},
		{"too long", func(i *interview.ScheduleInput) { i.DurationMinutes = 600 }, "duration_minutes"},
		{"bad kind", func(i *interview.ScheduleInput) { i.Kind = "phone" }, "kind"},
		{"no interviewer", func(i *interview.ScheduleInput) { i.Interviewers = nil }, "interviewers"},
		{"too many", func(i *interview.ScheduleInput) { i.Interviewers = []uint64{1, 2, 3, 4} }, "interviewers"},
		{"outsider interviewer", func(i *interview.ScheduleInput) { i.Interviewers = []uint64{w.other.UserID} }, "interviewers"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := in
			tc.edit(&bad)
			_, err := w.svc.Schedule(ctx, w.rec, bad)
			var fe *jobs.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("err %v, want a FieldError on %s", err, tc.field)
			}
		})
	}
	if _, err := w.svc.Schedule(ctx, w.viewer, in); !errors.Is(err, interview.ErrForbidden) {
		t.Fatalf("viewer schedules: %v", err)
	}
	if _, err := w.svc.Schedule(ctx, w.other, in); !errors.Is(err, interview.ErrNotFound) {
		t.Fatalf("other company schedules: %v", err)
	}
	if _, err := w.svc.Schedule(ctx, w.cand, in); !errors.Is(err, interview.ErrNotFound) {
		t.Fatalf("candidate schedules: %v", err)
	}

	iv, err := w.svc.Schedule(ctx, w.rec, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, off := iv.StartsAt.Zone(); off != 5*3600+1800 || !iv.StartsAt.Equal(start) || !iv.EndsAt.Equal(start.Add(45*time.Minute)) {
		t.Fatalf("starts %v ends %v", iv.StartsAt, iv.EndsAt)
	}
	if len(iv.Participants) != 2 || iv.Sequence != 0 || iv.Status != "scheduled" || iv.MyRole != "interviewer" {
		t.Fatalf("interview: %+v", iv)
	}
	app, err := w.jobs.GetApplication(ctx, w.rec, w.app.ID)
	if err != nil || app.Status != jobs.StatusInterview {
		t.Fatalf("application %s %v", app.Status, err)
	}
	for _, u := range []company.Actor{w.cand, w.rec} {
		if n := w.e.Count(t, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = 'interview.scheduled'`, u.UserID); n != 1 {
			t.Fatalf("user %d has %d notifications", u.UserID, n)
		}
	}

	// Same slot, overlapping by 15 minutes, for the same interviewer (other
	// candidate): 409 naming the interviewer only.
	clash := interview.ScheduleInput{ApplicationID: w.app2.ID, StartsAt: start.Add(30 * time.Minute).UTC().Format(time.RFC3339), DurationMinutes: 30,
		Interviewers: []uint64{w.rec.UserID, w.owner.UserID}, Kind: "live"}
	_, err = w.svc.Schedule(ctx, w.owner, clash)
	var ce *interview.ClashError
	if !errors.As(err, &ce) || len(ce.Clashes) != 1 || ce.Clashes[0].UserID != w.rec.UserID || ce.Clashes[0].Role != "interviewer" || !strings.Contains(ce.Error(), "rec") {
		t.Fatalf("interviewer clash: %v", err)
	}
	// The candidate's own clash, with a different interviewer.
	_, err = w.svc.Schedule(ctx, w.owner, interview.ScheduleInput{ApplicationID: w.app.ID, StartsAt: at(start.Add(-30*time.Minute), "America/New_York"),
		DurationMinutes: 31, Interviewers: []uint64{w.owner.UserID}})
	if !errors.As(err, &ce) || len(ce.Clashes) != 1 || ce.Clashes[0].Role != "candidate" {
		t.Fatalf("candidate clash: %v", err)
	}
	// Back to back is no clash.
	iv2, err := w.svc.Schedule(ctx, w.owner, interview.ScheduleInput{ApplicationID: w.app2.ID, StartsAt: start.Add(45 * time.Minute).Format(time.RFC3339),
		DurationMinutes: 30, Interviewers: []uint64{w.rec.UserID}})
	if err != nil {
		t.Fatalf("back to back: %v", err)
	}

	// Reschedule into the other interview: clash; elsewhere: SEQUENCE+1.
	if _, err := w.svc.Reschedule(ctx, w.rec, iv.ID, interview.RescheduleInput{StartsAt: iv2.StartsAt.Format(time.RFC3339)}); !errors.As(err, &ce) {
		t.Fatalf("reschedule clash: %v", err)
	}
	if _, err := w.svc.Reschedule(ctx, w.cand, iv.ID, interview.RescheduleInput{StartsAt: at(start.Add(3*time.Hour), "UTC")}); !errors.Is(err, interview.ErrForbidden) {
		t.Fatalf("candidate reschedules: %v", err)
	}
	moved, err := w.svc.Reschedule(ctx, w.rec, iv.ID, interview.RescheduleInput{StartsAt: at(start.Add(3*time.Hour), "Europe/Paris"), DurationMinutes: 60})
	if err != nil || moved.Sequence != 1 || moved.DurationMinutes != 60 || moved.UID != iv.UID {
		t.Fatalf("reschedule: %+v %v", moved, err)
	}
	cancelled, err := w.svc.Cancel(ctx, w.owner, iv.ID)
	if err != nil || cancelled.Status != "cancelled" || cancelled.Sequence != 2 {
		t.Fatalf("cancel: %+v %v", cancelled, err)
	}
	if again, err := w.svc.Cancel(ctx, w.owner, iv.ID); err != nil || again.Sequence != 2 {
		t.Fatalf("cancel twice: %+v %v", again, err)
	}
	if _, err := w.svc.Reschedule(ctx, w.rec, iv.ID, interview.RescheduleInput{StartsAt: at(start.Add(5*time.Hour), "UTC")}); !errors.Is(err, interview.ErrCancelled) {
		t.Fatalf("reschedule a cancelled interview: %v", err)
	}
	// A cancelled interview frees the slot.
	if _, err := w.svc.Reschedule(ctx, w.rec, iv2.ID, interview.RescheduleInput{StartsAt: moved.StartsAt.Format(time.RFC3339)}); err != nil {
		t.Fatalf("slot of the cancelled interview: %v", err)
	}

	// The mails: to the candidate, three versions of one UID.
	var cals []*ics.Calendar
	for _, env := range commands(t, w.e, events.CmdMailNotify) {
		var m events.MailNotify
		if err := env.Decode(&m); err != nil {
			t.Fatal(err)
		}
		if m.To != "cand@example.com" || m.Template != events.MailTemplateInterview || len(m.Attachments) != 1 {
			continue
		}
		cal, err := ics.ParseCalendar(bytes.NewReader(m.Attachments[0].Data))
		if err != nil {
			t.Fatalf("parse .ics: %v\n%s", err, m.Attachments[0].Data)
		}
		cals = append(cals, cal)
	}
	if len(cals) != 3 {
		t.Fatalf("%d calendar mails to the candidate, want 3", len(cals))
	}
	for i, want := range []struct {
		method, seq, status string
		start               time.Time
	}{{"REQUEST", "0", "CONFIRMED", start}, {"REQUEST", "1", "CONFIRMED", start.Add(3 * time.Hour)}, {"CANCEL", "2", "CANCELLED", start.Add(3 * time.Hour)}} {
		cal := cals[i]
		if m := cal.CalendarProperties[0]; !hasProp(cal, "METHOD", want.method) {
			t.Fatalf("mail %d: method %v", i, m)
		}
		ev := cal.Events()
		if len(ev) != 1 || ev[0].Id() != iv.UID {
			t.Fatalf("mail %d: events %d uid %s", i, len(ev), ev[0].Id())
		}
		if got := ev[0].GetProperty(ics.ComponentPropertySequence).Value; got != want.seq {
			t.Fatalf("mail %d: sequence %s want %s", i, got, want.seq)
		}
		if got := ev[0].GetProperty(ics.ComponentPropertyStatus).Value; got != want.status {
			t.Fatalf("mail %d: status %s", i, got)
		}
		st, err := ev[0].GetStartAt()
		if err != nil || !st.Equal(want.start) {
			t.Fatalf("mail %d: start %v %v want %v", i, st, err, want.start)
		}
		if n := len(ev[0].Attendees()); n != 2 {
			t.Fatalf("mail %d: %d attendees", i, n)
		}
	}
}

// commands reads every command stored on subject.
func commands(t *testing.T, e *domaintest.Env, subject string) []events.Envelope {
	t.Helper()
	ctx := context.Background()
	st, err := e.JS.Stream(ctx, events.StreamCommands)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []events.Envelope
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && seq > 0; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil || m.Subject != subject {
			continue
		}
		var env events.Envelope
		if err := json.Unmarshal(m.Data, &env); err != nil {
			t.Fatal(err)
		}
		out = append(out, env)
	}
	return out
}

func hasProp(cal *ics.Calendar, name, value string) bool {
	for _, p := range cal.CalendarProperties {
		if p.IANAToken == name && p.Value == value {
			return true
		}
	}
	return false
}

// TestInterviewAccess: who may read, join, manage and keep feedback.
func TestInterviewAccess(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	start := time.Now().Add(time.Hour).Truncate(time.Second)
	iv, err := w.svc.Schedule(ctx, w.rec, interview.ScheduleInput{ApplicationID: w.app.ID, StartsAt: start.Format(time.RFC3339), DurationMinutes: 30,
		Interviewers: []uint64{w.rec.UserID}, Kind: "live"})
	if err != nil {
		t.Fatal(err)
	}
	type want struct{ read, feedbackRead, feedbackWrite, join error }
	for name, tc := range map[string]struct {
		a company.Actor
		w want
	}{
		"candidate":     {w.cand, want{nil, interview.ErrForbidden, interview.ErrForbidden, nil}},
		"interviewer":   {w.rec, want{nil, nil, nil, nil}},
		"owner":         {w.owner, want{nil, nil, interview.ErrForbidden, interview.ErrForbidden}},
		"viewer":        {w.viewer, want{nil, nil, interview.ErrForbidden, interview.ErrForbidden}},
		"other company": {w.other, want{interview.ErrNotFound, interview.ErrNotFound, interview.ErrNotFound, interview.ErrNotFound}},
		"other cand":    {w.cand2, want{interview.ErrNotFound, interview.ErrNotFound, interview.ErrNotFound, interview.ErrNotFound}},
	} {
		t.Run(name, func(t *testing.T) {
			w.now = start.Add(-5 * time.Minute)
			_, err := w.svc.Get(ctx, tc.a, iv.ID)
			check(t, "read", err, tc.w.read)
			_, err = w.svc.Feedback(ctx, tc.a, iv.ID)
			check(t, "feedback read", err, tc.w.feedbackRead)
			_, err = w.svc.SaveFeedback(ctx, tc.a, iv.ID, interview.FeedbackInput{Notes: "n", Scorecard: []interview.Criterion{{Name: "Go", Score: 4}}, Recommendation: "yes"})
			check(t, "feedback write", err, tc.w.feedbackWrite)
			_, err = w.svc.Join(ctx, tc.a, iv.ID)
			check(t, "join", err, tc.w.join)
		})
	}
	// The room's window: 10 minutes before the start to 30 after the end.
	for _, tc := range []struct {
		at   time.Time
		want error
	}{{start.Add(-11 * time.Minute), interview.ErrNotOpen}, {start.Add(-9 * time.Minute), nil}, {start.Add(59 * time.Minute), nil}, {start.Add(61 * time.Minute), interview.ErrNotOpen}} {
		w.now = tc.at
		_, err := w.svc.Join(ctx, w.cand, iv.ID)
		check(t, "window "+tc.at.Sub(start).String(), err, tc.want)
	}
	w.now = start
	fb, err := w.svc.Feedback(ctx, w.viewer, iv.ID)
	if err != nil || len(fb) != 1 || fb[0].Scorecard[0].Score != 4 || fb[0].Recommendation != "yes" || fb[0].Interviewer != "rec" {
		t.Fatalf("feedback: %+v %v", fb, err)
	}
	for _, bad := range []interview.FeedbackInput{{Scorecard: []interview.Criterion{{Name: "Go", Score: 6}}}, {Recommendation: "maybe"},
		{Scorecard: []interview.Criterion{{Name: "Go", Score: 3}, {Name: "go", Score: 2}}}} {
		var fe *jobs.FieldError
		if _, err := w.svc.SaveFeedback(ctx, w.rec, iv.ID, bad); !errors.As(err, &fe) {
			t.Fatalf("bad feedback %+v: %v", bad, err)
		}
	}
	// Messages: stored and read back by participants and members only.
	if _, err := w.svc.AddMessage(ctx, iv.ID, w.cand.UserID, "cand", interview.MsgChat, "hello"); err != nil {
		t.Fatal(err)
	}
	if msgs, err := w.svc.Messages(ctx, w.viewer, iv.ID); err != nil || len(msgs) != 1 || msgs[0].Name != "cand" {
		t.Fatalf("messages: %+v %v", msgs, err)
	}
	if _, err := w.svc.Messages(ctx, w.other, iv.ID); !errors.Is(err, interview.ErrNotFound) {
		t.Fatalf("other company reads messages: %v", err)
	}
	// Entering the room by its id re-checks participation and status.
	if _, err := w.svc.EnterRoom(ctx, iv.RoomID, w.owner.UserID); !errors.Is(err, interview.ErrForbidden) {
		t.Fatalf("owner enters: %v", err)
	}
	if r, err := w.svc.EnterRoom(ctx, iv.RoomID, w.cand.UserID); err != nil || r.Me.Role != "candidate" {
		t.Fatalf("candidate enters: %+v %v", r, err)
	}
	if _, err := w.svc.Cancel(ctx, w.rec, iv.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.EnterRoom(ctx, iv.RoomID, w.cand.UserID); !errors.Is(err, interview.ErrCancelled) {
		t.Fatalf("enter a cancelled room: %v", err)
	}
	// My calendar.
	list, err := w.svc.Mine(ctx, w.cand, start.Add(-time.Hour), start.Add(time.Hour))
	if err != nil || len(list) != 1 || list[0].MyRole != "candidate" {
		t.Fatalf("mine: %+v %v", list, err)
	}
	if list, _ := w.svc.Mine(ctx, w.cand, start.Add(time.Hour), start.Add(2*time.Hour)); len(list) != 0 {
		t.Fatalf("mine out of range: %d", len(list))
	}
}

func check(t *testing.T, what string, got, want error) {
	t.Helper()
	if (want == nil && got != nil) || (want != nil && !errors.Is(got, want)) {
		t.Fatalf("%s: %v, want %v", what, got, want)
	}
}

// TestConcurrentBookingsOfOneInterviewer: two companies book the same
// interviewer (a member of both) at the same time; exactly one wins, the
// other gets the clash (the calendars are locked, not just read).
func TestConcurrentBookingsOfOneInterviewer(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	var globex uint64
	if err := w.e.DB.Get(&globex, `SELECT id FROM companies WHERE name = 'Globex'`); err != nil {
		t.Fatal(err)
	}
	if _, err := w.e.DB.Exec(`INSERT INTO company_members (company_id, user_id, member_role) VALUES (?, ?, 'viewer')`, globex, w.viewer.UserID); err != nil {
		t.Fatal(err)
	}
	gj, err := w.jobs.CreateJob(ctx, w.other, jobs.JobInput{CompanyID: &globex, Title: ptr("Globex job"), Description: ptr("x"), Status: ptr("open")})
	if err != nil {
		t.Fatal(err)
	}
	gapp, err := w.jobs.Apply(ctx, w.cand2, gj.ID, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(24 * time.Hour).Format(time.RFC3339)
	// Each booking, past its clash check, waits (up to a bound) for the
	// other to get there too: without the calendar lock both would, and
	// both would insert.
	arrived := make(chan struct{}, 2)
	interview.SetAfterClashCheck(w.svc, func() {
		arrived <- struct{}{}
		deadline := time.After(time.Second)
		for len(arrived) < 2 {
			select {
			case <-deadline:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	})
	errs := make(chan error, 2)
	for _, c := range []struct {
		by  company.Actor
		app uint64
	}{{w.rec, w.app.ID}, {w.other, gapp.ID}} {
		go func() {
			_, err := w.svc.Schedule(ctx, c.by, interview.ScheduleInput{ApplicationID: c.app, StartsAt: start, DurationMinutes: 60,
				Interviewers: []uint64{w.viewer.UserID}})
			errs <- err
		}()
	}
	var ok, clash int
	for i := 0; i < 2; i++ {
		var ce *interview.ClashError
		switch err := <-errs; {
		case err == nil:
			ok++
		case errors.As(err, &ce) && ce.Clashes[0].UserID == w.viewer.UserID:
			clash++
		default:
			t.Fatalf("unexpected: %v", err)
		}
	}
	if ok != 1 || clash != 1 {
		t.Fatalf("%d booked, %d clashes; want 1 and 1", ok, clash)
	}
	if n := w.e.Count(t, `SELECT COUNT(*) FROM interview_participants WHERE user_id = ?`, w.viewer.UserID); n != 1 {
		t.Fatalf("the interviewer is in %d interviews", n)
	}
}
