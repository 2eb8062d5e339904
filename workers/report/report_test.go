package report_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/domain/jobs"
	"github.com/hirebus/hirebus/domain/reports"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/workers/report"
	"github.com/jmoiron/sqlx"
)

func ptr[T any](v T) *T { return &v }

// TestHandle: a command makes one version; its redelivery repeats the first
// effect (no second version, the operation's result unchanged); a new
// command makes the next version; an attempt still being taken and a
// requester without the right fail the operation with a typed code.
func TestHandle(t *testing.T) {
	e := domaintest.Start(t)
	ctx := context.Background()
	co := &company.Service{DB: e.DB, Relay: e.Relay}
	as := &assess.Service{DB: e.DB, Relay: e.Relay}
	js := &jobs.Service{DB: e.DB, Relay: e.Relay}
	rec, cand, cand2, other := e.User(t, "rec", "recruiter"), e.User(t, "cand", "candidate"), e.User(t, "cand2", "candidate"), e.User(t, "other", "recruiter")
	acme, err := co.Create(ctx, rec, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	job, err := js.CreateJob(ctx, rec, jobs.JobInput{CompanyID: &acme.ID, Title: ptr("Go"), Description: ptr("Go."), Status: ptr("open")})
	if err != nil {
		t.Fatal(err)
	}
	a, err := as.Create(ctx, rec, assess.Input{CompanyID: acme.ID, JobID: &job.ID, Title: "Screen", DurationMinutes: 30,
		Questions: []assess.QuestionInput{{Kind: "mcq", Points: 2, Prompt: "Which?", Options: []string{"a", "b"}, Correct: []int{0}}}})
	if err != nil {
		t.Fatal(err)
	}
	var attempts []uint64
	for _, c := range []company.Actor{cand, cand2} {
		app, err := js.Apply(ctx, c, job.ID, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := as.Invite(ctx, rec, a.ID, app.ID); err != nil {
			t.Fatal(err)
		}
		at, err := as.Start(ctx, c, a.ID, assess.StartInput{Consent: true, ConsentVersion: assess.ConsentVersion})
		if err != nil {
			t.Fatal(err)
		}
		attempts = append(attempts, at.ID)
	}
	if _, err := as.SaveAnswer(ctx, cand, attempts[0], a.Questions[0].ID, assess.AnswerInput{Choices: []int{0}}); err != nil {
		t.Fatal(err)
	}
	if _, err := as.Submit(ctx, cand, a.ID); err != nil {
		t.Fatal(err)
	}
	h := &report.Handler{Reports: &reports.Service{DB: e.DB}, Relay: e.Relay}
	command := func(by company.Actor, attempt uint64) events.Envelope {
		t.Helper()
		opID := events.NewID()
		env, err := events.NewEnvelope(events.OpReportGenerate, opID, by.UserID, events.ReportGenerate{AttemptID: attempt, Role: by.Role})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Relay.Tx(ctx, func(tx *sqlx.Tx, _ *outbox.Batch) error {
			return ops.Create(ctx, tx, opID, events.OpReportGenerate, by.UserID)
		}); err != nil {
			t.Fatal(err)
		}
		return env
	}
	handle := func(env events.Envelope) ops.Op {
		t.Helper()
		if err := h.Handle(ctx, env, events.Meta{Subject: events.CmdReportGenerate, Delivered: 1}); err != nil {
			t.Fatal(err)
		}
		op, err := ops.Get(ctx, e.DB, env.CorrelationID)
		if err != nil {
			t.Fatal(err)
		}
		return op
	}
	versions := func() int {
		return e.Count(t, `SELECT COUNT(*) FROM candidate_reports WHERE attempt_id = ?`, attempts[0])
	}

	first := command(rec, attempts[0])
	op := handle(first)
	var res events.ReportGenerated
	if err := json.Unmarshal(op.Result, &res); err != nil || op.Status != ops.StatusDone || res.Version != 1 || res.CandidateID != cand.UserID {
		t.Fatalf("first: %+v %+v %v", op, res, err)
	}
	t.Run("redelivery repeats the first effect", func(t *testing.T) {
		again := handle(first)
		if versions() != 1 || string(again.Result) != string(op.Result) {
			t.Errorf("after a redelivery: %d versions, result %s", versions(), again.Result)
		}
	})
	t.Run("a new command makes the next version", func(t *testing.T) {
		var r events.ReportGenerated
		if err := json.Unmarshal(handle(command(rec, attempts[0])).Result, &r); err != nil || r.Version != 2 || versions() != 2 {
			t.Errorf("second: %+v, %d versions", r, versions())
		}
	})
	for _, c := range []struct {
		name    string
		by      company.Actor
		attempt uint64
		code    events.Code
	}{
		{"an attempt still being taken", rec, attempts[1], events.CodeReportNotSubmitted},
		{"another company's recruiter", other, attempts[0], events.CodeReportAttemptNotFound},
		{"the candidate", cand, attempts[0], events.CodeReportAttemptNotFound},
		{"no such attempt", rec, 999999, events.CodeReportAttemptNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			op := handle(command(c.by, c.attempt))
			if op.Status != ops.StatusFailed || !json.Valid(op.Error) || !containsCode(op.Error, c.code) {
				t.Errorf("op %s %s", op.Status, op.Error)
			}
		})
	}
	if versions() != 2 {
		t.Errorf("%d versions after the refused commands", versions())
	}
}

func containsCode(raw []byte, code events.Code) bool {
	var e events.OpError
	return json.Unmarshal(raw, &e) == nil && e.Code == code
}
