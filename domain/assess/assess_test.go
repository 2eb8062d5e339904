package assess_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/domain/jobs"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/problems"
)

type world struct {
	e                         *domaintest.Env
	svc                       *assess.Service
	jobs                      *jobs.Service
	owner, rec, viewer, other company.Actor
	cand, cand2, stranger     company.Actor
	acme, globex              company.Company
	job                       jobs.Job
	app, app2, app3           jobs.Application
	problemID                 int64
}

func ptr[T any](v T) *T { return &v }

func setup(t *testing.T) *world {
	t.Helper()
	e := domaintest.Start(t)
	ctx := context.Background()
	co := &company.Service{DB: e.DB, Relay: e.Relay}
	w := &world{e: e, svc: &assess.Service{DB: e.DB, Relay: e.Relay}, jobs: &jobs.Service{DB: e.DB, Relay: e.Relay}}
	w.owner, w.rec, w.viewer = e.User(t, "owner", "recruiter"), e.User(t, "rec", "recruiter"), e.User(t, "viewer", "recruiter")
	w.other = e.User(t, "other", "recruiter")
	w.cand, w.cand2, w.stranger = e.User(t, "cand", "candidate"), e.User(t, "cand2", "candidate"), e.User(t, "stranger", "candidate")
	var err error
	if w.acme, err = co.Create(ctx, w.owner, "Acme", ""); err != nil {
		t.Fatal(err)
	}
	if w.globex, err = co.Create(ctx, w.other, "Globex", ""); err != nil {
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
	w.job, err = w.jobs.CreateJob(ctx, w.rec, jobs.JobInput{CompanyID: &w.acme.ID, Title: ptr("Go engineer"), Description: ptr("Go."), Status: ptr("open")})
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range []struct {
		a   company.Actor
		out *jobs.Application
	}{{w.cand, &w.app}, {w.cand2, &w.app2}, {w.stranger, &w.app3}} {
		if *x.out, err = w.jobs.Apply(ctx, x.a, w.job.ID, "", nil); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := problems.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	if err := problems.Upsert(ctx, e.DB, ps); err != nil {
		t.Fatal(err)
	}
	p, err := problems.GetBySlug(ctx, e.DB, "fizzbuzz")
	if err != nil {
		t.Fatal(err)
	}
	w.problemID = p.ID
	return w
}

func (w *world) input() assess.Input {
	return assess.Input{CompanyID: w.acme.ID, Title: "Backend screen", JobID: &w.job.ID, DurationMinutes: 30,
		Proctoring: assess.Proctoring{Webcam: true, FrameIntervalS: 10},
		Questions: []assess.QuestionInput{
			{Kind: "mcq", Points: 2, Prompt: "Which is a Go keyword?", Options: []string{"defer", "finally", "until"}, Correct: []int{0}},
			{Kind: "mcq", Points: 3, Prompt: "Pick the even numbers", Options: []string{"1", "2", "4"}, Correct: []int{1, 2}, Multiple: true},
			{Kind: "text", Points: 5, Prompt: "Explain channels.", MaxLength: 500, Rubric: "SECRET-RUBRIC mentions blocking"},
			{Kind: "code", Points: 10, ProblemID: w.problemID, Languages: []string{"python", "go"}},
		}}
}

func (w *world) create(t *testing.T) assess.Assessment {
	t.Helper()
	a, err := w.svc.Create(context.Background(), w.rec, w.input())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestCreateValidation(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	cases := []struct {
		name  string
		edit  func(*assess.Input)
		field string
	}{
		{"no company", func(in *assess.Input) { in.CompanyID = 0 }, "company_id"},
		{"no title", func(in *assess.Input) { in.Title = "  " }, "title"},
		{"zero duration", func(in *assess.Input) { in.DurationMinutes = 0 }, "duration_minutes"},
		{"huge duration", func(in *assess.Input) { in.DurationMinutes = 601 }, "duration_minutes"},
		{"window backwards", func(in *assess.Input) {
			now := time.Now()
			in.OpensAt, in.ClosesAt = &now, ptr(now.Add(-time.Hour))
		}, "closes_at"},
		{"no questions", func(in *assess.Input) { in.Questions = nil }, "questions"},
		{"bad kind", func(in *assess.Input) { in.Questions[0].Kind = "essay" }, "questions"},
		{"zero points", func(in *assess.Input) { in.Questions[0].Points = 0 }, "questions"},
		{"one option", func(in *assess.Input) { in.Questions[0].Options = []string{"a"} }, "questions"},
		{"key out of range", func(in *assess.Input) { in.Questions[0].Correct = []int{7} }, "questions"},
		{"two keys single", func(in *assess.Input) { in.Questions[0].Correct = []int{0, 1} }, "questions"},
		{"no key", func(in *assess.Input) { in.Questions[0].Correct = nil }, "questions"},
		{"code without problem", func(in *assess.Input) { in.Questions[3].ProblemID = 0 }, "questions"},
		{"unknown problem", func(in *assess.Input) { in.Questions[3].ProblemID = 999999 }, "questions"},
		{"unknown language", func(in *assess.Input) { in.Questions[3].Languages = []string{"cobol"} }, "questions"},
		{"text without prompt", func(in *assess.Input) { in.Questions[2].Prompt = "" }, "questions"},
		{"text too long limit", func(in *assess.Input) { in.Questions[2].MaxLength = 1 << 20 }, "questions"},
		{"webcam interval", func(in *assess.Input) { in.Proctoring.FrameIntervalS = 1 }, "proctoring"},
		{"another company's job", func(in *assess.Input) { in.JobID = ptr(uint64(987654)) }, "job_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := w.input()
			c.edit(&in)
			_, err := w.svc.Create(ctx, w.rec, in)
			var fe *assess.FieldError
			if !errors.As(err, &fe) || fe.Field != c.field {
				t.Fatalf("err = %v, want invalid %s", err, c.field)
			}
		})
	}
}

func TestAccessMatrix(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	a := w.create(t)
	if _, err := w.svc.Invite(ctx, w.rec, a.ID, w.app.ID); err != nil {
		t.Fatal(err)
	}
	type want struct{ view, update, invite, start error }
	cases := []struct {
		name string
		who  company.Actor
		want want
	}{
		{"owner", w.owner, want{nil, nil, nil, assess.ErrForbidden}},
		{"recruiter", w.rec, want{nil, nil, nil, assess.ErrForbidden}},
		{"viewer", w.viewer, want{nil, assess.ErrForbidden, assess.ErrForbidden, assess.ErrForbidden}},
		{"another company's recruiter", w.other, want{assess.ErrNotFound, assess.ErrNotFound, assess.ErrNotFound, assess.ErrNotFound}},
		{"candidate not invited", w.stranger, want{assess.ErrNotFound, assess.ErrNotFound, assess.ErrNotFound, assess.ErrNotFound}},
		{"invited candidate", w.cand, want{nil, assess.ErrNotFound, assess.ErrNotFound, nil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, cv, err := w.svc.Get(ctx, c.who, a.ID)
			if !errors.Is(err, c.want.view) && !(err == nil && c.want.view == nil) {
				t.Errorf("view: %v, want %v", err, c.want.view)
			}
			if err == nil && c.who == w.cand && (m != nil || cv == nil) {
				t.Errorf("the candidate got the member view")
			}
			if err == nil && c.who != w.cand && (m == nil || cv != nil) {
				t.Errorf("a member got the candidate view")
			}
			in := w.input()
			in.Title = "Renamed by " + c.name
			if _, err := w.svc.Update(ctx, c.who, a.ID, in, 0); !errors.Is(err, c.want.update) && !(err == nil && c.want.update == nil) {
				t.Errorf("update: %v, want %v", err, c.want.update)
			}
			_, err = w.svc.Invite(ctx, c.who, a.ID, w.app2.ID)
			if c.want.invite == nil {
				if err != nil && !errors.Is(err, assess.ErrInvited) {
					t.Errorf("invite: %v", err)
				}
			} else if !errors.Is(err, c.want.invite) {
				t.Errorf("invite: %v, want %v", err, c.want.invite)
			}
		})
	}
	// Start last: after it the assessment can no longer change.
	for _, c := range cases {
		_, err := w.svc.Start(ctx, c.who, a.ID, assess.StartInput{Consent: true, ConsentVersion: assess.ConsentVersion})
		if !errors.Is(err, c.want.start) && !(err == nil && c.want.start == nil) {
			t.Errorf("%s: start: %v, want %v", c.name, err, c.want.start)
		}
	}
	if _, err := w.svc.Update(ctx, w.rec, a.ID, w.input(), 0); !errors.Is(err, assess.ErrStarted) {
		t.Errorf("update after a start: %v, want ErrStarted", err)
	}
	// The invitation moved the applications to `assessment`.
	app, err := w.jobs.GetApplication(ctx, w.rec, w.app.ID)
	if err != nil || app.Status != jobs.StatusAssessment {
		t.Errorf("application: %v %v", app.Status, err)
	}
	if n := w.e.Count(t, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = 'assessment.invitation'`, w.cand.UserID); n != 1 {
		t.Errorf("%d invitation notifications", n)
	}
	if n := w.e.Count(t, `SELECT COUNT(*) FROM outbox WHERE subject = ? AND data LIKE '%assessment_invitation%'`, events.CmdMailNotify); n+w.e.Commands(t, events.CmdMailNotify) < 1 {
		t.Errorf("no invitation mail queued")
	}
	mine, err := w.svc.MyAssessments(ctx, w.cand)
	if err != nil || len(mine) != 1 || mine[0].AssessmentID != a.ID || mine[0].Status != "active" {
		t.Errorf("my assessments: %+v %v", mine, err)
	}
}

// leakCheck fails when a candidate-facing value holds an answer key or the
// rubric.
func leakCheck(t *testing.T, what string, v any) {
	t.Helper()
	b, _ := json.Marshal(v)
	s := string(b)
	for _, bad := range []string{`"correct"`, "SECRET-RUBRIC", `"rubric"`, `"answer_key"`} {
		if strings.Contains(s, bad) {
			t.Errorf("%s leaks %s: %s", what, bad, s)
		}
	}
}

func TestAttemptLifecycle(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	a := w.create(t)
	if _, err := w.svc.Invite(ctx, w.rec, a.ID, w.app.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Invite(ctx, w.rec, a.ID, w.app.ID); !errors.Is(err, assess.ErrInvited) {
		t.Fatalf("second invitation: %v", err)
	}
	_, cv, err := w.svc.Get(ctx, w.cand, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	leakCheck(t, "candidate view", cv)
	if _, err := w.svc.Start(ctx, w.cand, a.ID, assess.StartInput{Consent: true, ConsentVersion: "1999"}); !errors.Is(err, assess.ErrConsent) {
		t.Fatalf("old consent: %v", err)
	}
	att, err := w.svc.Start(ctx, w.cand, a.ID, assess.StartInput{Consent: true, ConsentVersion: assess.ConsentVersion})
	if err != nil {
		t.Fatal(err)
	}
	if d := att.Deadline.Sub(att.StartedAt); d != 30*time.Minute {
		t.Errorf("deadline - start = %v", d)
	}
	if _, err := w.svc.Start(ctx, w.cand, a.ID, assess.StartInput{Consent: true, ConsentVersion: assess.ConsentVersion}); !errors.Is(err, assess.ErrAlreadyStarted) {
		t.Fatalf("second start: %v", err)
	}
	var consent int
	if err := w.e.DB.Get(&consent, `SELECT COUNT(*) FROM assessment_attempts WHERE id = ? AND consent_version = ? AND consented_at IS NOT NULL`, att.ID, assess.ConsentVersion); err != nil || consent != 1 {
		t.Fatalf("consent not recorded: %v", err)
	}
	q := a.Questions
	save := func(who company.Actor, qid uint64, in assess.AnswerInput) (assess.Saved, error) {
		return w.svc.SaveAnswer(ctx, who, att.ID, qid, in)
	}
	if _, err := save(w.cand, q[0].ID, assess.AnswerInput{Choices: []int{1}}); err != nil {
		t.Fatal(err)
	}
	s, err := save(w.cand, q[0].ID, assess.AnswerInput{Choices: []int{0}, BaseVersion: ptr(1)})
	if err != nil || s.Version != 2 {
		t.Fatalf("second save: %+v %v", s, err)
	}
	if _, err := save(w.cand, q[0].ID, assess.AnswerInput{Choices: []int{2}, BaseVersion: ptr(1)}); !errors.Is(err, assess.ErrStale) {
		t.Fatalf("stale save: %v", err)
	}
	bad := []struct {
		name string
		qid  uint64
		in   assess.AnswerInput
	}{
		{"choice out of range", q[0].ID, assess.AnswerInput{Choices: []int{5}}},
		{"two choices on single", q[0].ID, assess.AnswerInput{Choices: []int{0, 1}}},
		{"text on mcq", q[0].ID, assess.AnswerInput{Text: ptr("x")}},
		{"text too long", q[2].ID, assess.AnswerInput{Text: ptr(strings.Repeat("x", 501))}},
		{"language not allowed", q[3].ID, assess.AnswerInput{Language: "javascript", Source: ptr("x")}},
		{"no source", q[3].ID, assess.AnswerInput{Language: "python"}},
	}
	for _, b := range bad {
		var fe *assess.FieldError
		if _, err := save(w.cand, b.qid, b.in); !errors.As(err, &fe) {
			t.Errorf("%s: %v, want a field error", b.name, err)
		}
	}
	if _, err := save(w.cand2, q[0].ID, assess.AnswerInput{Choices: []int{0}}); !errors.Is(err, assess.ErrNotFound) {
		t.Errorf("another candidate saved: %v", err)
	}
	if _, err := save(w.other, q[0].ID, assess.AnswerInput{Choices: []int{0}}); !errors.Is(err, assess.ErrNotFound) {
		t.Errorf("another company's recruiter saved: %v", err)
	}
	if _, err := save(w.cand, 999999, assess.AnswerInput{Choices: []int{0}}); !errors.Is(err, assess.ErrNotFound) {
		t.Errorf("unknown question: %v", err)
	}
	if _, err := save(w.cand, q[1].ID, assess.AnswerInput{Choices: []int{2, 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := save(w.cand, q[2].ID, assess.AnswerInput{Text: ptr("They block until the other side is ready.")}); err != nil {
		t.Fatal(err)
	}
	if _, err := save(w.cand, q[3].ID, assess.AnswerInput{Language: "python", Source: ptr("print(1)")}); err != nil {
		t.Fatal(err)
	}
	submittedPush := w.e.Subscribe(t, events.UserSubject(w.rec.UserID, events.EvtAssessmentSubmitted))
	gradedPush := w.e.Subscribe(t, events.UserSubject(w.rec.UserID, events.EvtAssessmentGraded))
	sub, err := w.svc.Submit(ctx, w.cand, a.ID)
	if err != nil || sub.OpID == "" {
		t.Fatalf("submit: %+v %v", sub, err)
	}
	if _, err := w.svc.Submit(ctx, w.cand, a.ID); !errors.Is(err, assess.ErrClosed) {
		t.Fatalf("second submit: %v", err)
	}
	if _, err := save(w.cand, q[0].ID, assess.AnswerInput{Choices: []int{1}}); !errors.Is(err, assess.ErrClosed) {
		t.Fatalf("save after submit: %v", err)
	}
	go w.e.Relay.Run(ctxT(t))
	if evs := submittedPush(5 * time.Second); len(evs) != 1 {
		t.Fatalf("%d assessment.submitted pushes", len(evs))
	}
	// The code answer went to the code worker, linked to the assessment.
	var subID uint64
	if err := w.e.DB.Get(&subID, `SELECT c.id FROM coding_submissions c JOIN coding_sessions s ON s.id = c.session_id
		WHERE c.assessment_id = ? AND s.assessment_id = ? AND c.user_id = ?`, a.ID, a.ID, w.cand.UserID); err != nil {
		t.Fatalf("coding submission: %v", err)
	}
	if n := w.e.Count(t, `SELECT COUNT(*) FROM outbox WHERE subject = ?`, events.CmdCodeSubmit) + w.e.Commands(t, events.CmdCodeSubmit); n != 1 {
		t.Fatalf("%d code submit commands", n)
	}
	// The code worker's result (written as the worker does): half the tests.
	if _, err := w.e.DB.Exec(`UPDATE coding_submissions SET status = 'done', verdict = 'WA', passed = 2, total = 4, score = 0.5 WHERE id = ?`, subID); err != nil {
		t.Fatal(err)
	}
	sw := &assess.Sweeper{Service: w.svc, Holder: "t1"}
	if _, g, err := sw.SweepOnce(ctx); err != nil || g != 1 {
		t.Fatalf("collect: %d %v", g, err)
	}
	m, _, err := w.svc.GetAttempt(ctx, w.rec, att.ID)
	if err != nil {
		t.Fatal(err)
	}
	if m.Status != "submitted" || m.Results[0].Score == nil || *m.Results[0].Score != 2 || *m.Results[1].Score != 3 || *m.Results[3].Score != 5 || m.Results[2].Status != "manual" {
		t.Fatalf("results before the manual score: %+v", m.Results)
	}
	_, c, err := w.svc.GetAttempt(ctx, w.cand, att.ID)
	if err != nil || c.Results != nil || c.Score != nil {
		t.Fatalf("candidate sees results before release: %+v %v", c, err)
	}
	if _, err := w.svc.Release(ctx, w.rec, att.ID); !errors.Is(err, assess.ErrNotGraded) {
		t.Fatalf("release before graded: %v", err)
	}
	if _, err := w.svc.Score(ctx, w.rec, att.ID, q[0].ID, assess.ScoreInput{Score: ptr(1.0)}); !errors.Is(err, assess.ErrNotManual) {
		t.Fatalf("score an mcq: %v", err)
	}
	if _, err := w.svc.Score(ctx, w.rec, att.ID, q[2].ID, assess.ScoreInput{Score: ptr(6.0)}); err == nil {
		t.Fatal("score above the points accepted")
	}
	if _, err := w.svc.Score(ctx, w.viewer, att.ID, q[2].ID, assess.ScoreInput{Score: ptr(4.0)}); !errors.Is(err, assess.ErrForbidden) {
		t.Fatalf("viewer scored: %v", err)
	}
	m2, err := w.svc.Score(ctx, w.rec, att.ID, q[2].ID, assess.ScoreInput{Score: ptr(4.0)})
	if err != nil || m2.Status != "graded" || m2.Score == nil || *m2.Score != 14 {
		t.Fatalf("after the manual score: %+v %v", m2, err)
	}
	if evs := gradedPush(5 * time.Second); len(evs) != 1 {
		t.Fatalf("%d assessment.graded pushes", len(evs))
	}
	if _, err := w.svc.Release(ctx, w.rec, att.ID); err != nil {
		t.Fatal(err)
	}
	_, c, err = w.svc.GetAttempt(ctx, w.cand, att.ID)
	if err != nil || c.Score == nil || *c.Score != 14 || len(c.Results) != 4 {
		t.Fatalf("candidate after release: %+v %v", c, err)
	}
	leakCheck(t, "candidate attempt", c)
	var op struct {
		Status string `db:"status"`
		Result []byte `db:"result"`
	}
	if err := w.e.DB.Get(&op, `SELECT status, result FROM operations WHERE id = ?`, sub.OpID); err != nil || op.Status != "done" || strings.Contains(string(op.Result), "score") {
		t.Fatalf("submit op: %+v %s %v", op, op.Result, err)
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return ctx
}

func TestWindow(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	in := w.input()
	future := time.Now().Add(time.Hour)
	in.OpensAt = &future
	a, err := w.svc.Create(ctx, w.rec, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Invite(ctx, w.rec, a.ID, w.app.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Start(ctx, w.cand, a.ID, assess.StartInput{Consent: true, ConsentVersion: assess.ConsentVersion}); !errors.Is(err, assess.ErrWindow) {
		t.Fatalf("start before the window: %v", err)
	}
	if _, err := w.svc.Submit(ctx, w.cand, a.ID); !errors.Is(err, assess.ErrNotStarted) {
		t.Fatalf("submit before start: %v", err)
	}
	// A withdrawn application closes the invitation.
	b, err := w.svc.Create(ctx, w.rec, w.input())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Invite(ctx, w.rec, b.ID, w.app2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := w.jobs.SetStatus(ctx, w.cand2, w.app2.ID, jobs.StatusWithdrawn, "", 0); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Start(ctx, w.cand2, b.ID, assess.StartInput{Consent: true, ConsentVersion: assess.ConsentVersion}); !errors.Is(err, assess.ErrApplicationClosed) {
		t.Fatalf("start after withdrawing: %v", err)
	}
}

// TestDeadlineSurvivesRestart: an attempt whose deadline passes while no
// sweeper runs is submitted and graded by the sweeper of a new process
// (a new holder), whether the old one stopped cleanly or died holding the
// lease; a deadline is never submitted twice.
func TestDeadlineSurvivesRestart(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	in := w.input()
	in.Questions = in.Questions[:2] // MCQ only: graded at once
	a, err := w.svc.Create(ctx, w.rec, in)
	if err != nil {
		t.Fatal(err)
	}
	var attempts []uint64
	for _, x := range []struct {
		who company.Actor
		app uint64
	}{{w.cand, w.app.ID}, {w.cand2, w.app2.ID}} {
		if _, err := w.svc.Invite(ctx, w.rec, a.ID, x.app); err != nil {
			t.Fatal(err)
		}
		att, err := w.svc.Start(ctx, x.who, a.ID, assess.StartInput{Consent: true, ConsentVersion: assess.ConsentVersion})
		if err != nil {
			t.Fatal(err)
		}
		attempts = append(attempts, att.ID)
		if _, err := w.svc.SaveAnswer(ctx, x.who, att.ID, a.Questions[0].ID, assess.AnswerInput{Choices: []int{0}}); err != nil {
			t.Fatal(err)
		}
	}
	// Process 1 runs its sweeper: nothing is due.
	ctx1, stop1 := context.WithCancel(ctx)
	done1 := make(chan struct{})
	sw1 := &assess.Sweeper{Service: w.svc, Holder: "process-1", Interval: 50 * time.Millisecond}
	go func() { _ = sw1.Run(ctx1); close(done1) }()
	waitFor(t, 5*time.Second, func() bool {
		return w.e.Count(t, `SELECT COUNT(*) FROM assessment_leases WHERE holder = 'process-1'`) == 1
	})
	if n := w.e.Count(t, `SELECT COUNT(*) FROM assessment_attempts WHERE status = 'active'`); n != 2 {
		t.Fatalf("%d active before the deadline", n)
	}
	// Every component stops; meanwhile the deadlines pass (the clock is
	// moved by moving the deadlines into the past).
	stop1()
	<-done1
	if _, err := w.e.DB.Exec(`UPDATE assessment_attempts SET deadline = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND`); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.SaveAnswer(ctx, w.cand, attempts[0], a.Questions[1].ID, assess.AnswerInput{Choices: []int{1}}); !errors.Is(err, assess.ErrClosed) {
		t.Fatalf("save after the deadline, before any sweep: %v", err)
	}
	// A new process (new service, new holder) starts.
	svc2 := &assess.Service{DB: w.e.DB, Relay: w.e.Relay}
	sw2 := &assess.Sweeper{Service: svc2, Holder: "process-2", Interval: 50 * time.Millisecond}
	go func() { _ = sw2.Run(ctxT(t)) }()
	waitFor(t, 10*time.Second, func() bool {
		return w.e.Count(t, `SELECT COUNT(*) FROM assessment_attempts WHERE status = 'graded' AND submitted_by = 'deadline'`) == 2
	})
	var score float64
	if err := w.e.DB.Get(&score, `SELECT score FROM assessment_attempts WHERE id = ?`, attempts[0]); err != nil || score != 2 {
		t.Fatalf("score %v %v", score, err)
	}

	// A holder that died with the lease is replaced once the lease expires.
	sw3 := &assess.Sweeper{Service: svc2, Holder: "process-3", LeaseTTL: 300 * time.Millisecond}
	if held, err := sw3.Acquire(ctx); err != nil || held {
		t.Fatalf("lease taken from a live holder: %v %v", held, err)
	}
	dead := &assess.Sweeper{Service: svc2, Holder: "process-2", LeaseTTL: 200 * time.Millisecond}
	if held, err := dead.Acquire(ctx); err != nil || !held {
		t.Fatalf("renew: %v %v", held, err)
	}
}

func TestLeaseTakeover(t *testing.T) {
	e := domaintest.Start(t)
	ctx := context.Background()
	svc := &assess.Service{DB: e.DB, Relay: e.Relay}
	a := &assess.Sweeper{Service: svc, Holder: "a", LeaseTTL: 300 * time.Millisecond}
	b := &assess.Sweeper{Service: svc, Holder: "b", LeaseTTL: 300 * time.Millisecond}
	if held, err := a.Acquire(ctx); err != nil || !held {
		t.Fatalf("a: %v %v", held, err)
	}
	if held, err := b.Acquire(ctx); err != nil || held {
		t.Fatalf("b took a live lease: %v %v", held, err)
	}
	// a dies (no renewal, no release): b takes over after the TTL.
	waitFor(t, 5*time.Second, func() bool { held, err := b.Acquire(ctx); return err == nil && held })
	if held, _ := a.Acquire(ctx); held {
		t.Fatal("a got the lease back while b holds it")
	}
}

func waitFor(t *testing.T, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSaveRacesSubmit: autosaves racing the submission are either in the
// frozen answers or refused with ErrClosed, never lost after a 200.
func TestSaveRacesSubmit(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	in := w.input()
	in.Questions = in.Questions[2:3] // one text question
	a, err := w.svc.Create(ctx, w.rec, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.Invite(ctx, w.rec, a.ID, w.app.ID); err != nil {
		t.Fatal(err)
	}
	att, err := w.svc.Start(ctx, w.cand, a.ID, assess.StartInput{Consent: true, ConsentVersion: assess.ConsentVersion})
	if err != nil {
		t.Fatal(err)
	}
	// Eight writers save until the submission closes the attempt.
	var mu sync.Mutex
	ok, closed := 0, 0
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 5000; i++ {
				_, err := w.svc.SaveAnswer(ctx, w.cand, att.ID, a.Questions[0].ID, assess.AnswerInput{Text: ptr(fmt.Sprintf("g%d-%d", g, i))})
				mu.Lock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, assess.ErrClosed):
					closed++
				default:
					t.Errorf("save: %v", err)
				}
				mu.Unlock()
				if err != nil {
					return
				}
			}
		}(g)
	}
	waitFor(t, 10*time.Second, func() bool { mu.Lock(); defer mu.Unlock(); return ok >= 20 })
	if _, err := w.svc.Submit(ctx, w.cand, a.ID); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	var version int
	if err := w.e.DB.Get(&version, `SELECT version FROM assessment_answers WHERE attempt_id = ?`, att.ID); err != nil {
		t.Fatal(err)
	}
	if version != ok || closed != 8 {
		t.Fatalf("frozen version %d, %d saves accepted, %d refused", version, ok, closed)
	}
}
