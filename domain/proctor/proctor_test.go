package proctor_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/domain/jobs"
	"github.com/hirebus/hirebus/domain/proctor"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/outbox"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

type world struct {
	e                               *domaintest.Env
	as                              *assess.Service
	js                              *jobs.Service
	jobID                           uint64
	svc                             *proctor.Service
	owner, rec, viewer, other       company.Actor
	cand, cand2                     company.Actor
	assessmentID, attempt, attempt2 uint64
}

func ptr[T any](v T) *T { return &v }

func setup(t *testing.T) *world {
	t.Helper()
	e := domaintest.Start(t)
	ctx := context.Background()
	co := &company.Service{DB: e.DB, Relay: e.Relay}
	as := &assess.Service{DB: e.DB, Relay: e.Relay}
	js := &jobs.Service{DB: e.DB, Relay: e.Relay}
	w := &world{e: e, svc: &proctor.Service{DB: e.DB, Relay: e.Relay}, as: as, js: js}
	w.owner, w.rec, w.viewer = e.User(t, "owner", "recruiter"), e.User(t, "rec", "recruiter"), e.User(t, "viewer", "recruiter")
	w.other = e.User(t, "other", "recruiter")
	w.cand, w.cand2 = e.User(t, "cand", "candidate"), e.User(t, "cand2", "candidate")
	acme, err := co.Create(ctx, w.owner, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := co.Create(ctx, w.other, "Globex", ""); err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		a    company.Actor
		role string
	}{{w.rec, "recruiter"}, {w.viewer, "viewer"}} {
		if _, err := e.DB.Exec(`INSERT INTO company_members (company_id, user_id, member_role) VALUES (?, ?, ?)`, acme.ID, m.a.UserID, m.role); err != nil {
			t.Fatal(err)
		}
	}
	job, err := js.CreateJob(ctx, w.rec, jobs.JobInput{CompanyID: &acme.ID, Title: ptr("Go engineer"), Description: ptr("Go."), Status: ptr("open")})
	if err != nil {
		t.Fatal(err)
	}
	a, err := as.Create(ctx, w.rec, assess.Input{CompanyID: acme.ID, Title: "Screen", DurationMinutes: 30,
		Proctoring: assess.Proctoring{Webcam: true, FrameIntervalS: 10},
		Questions:  []assess.QuestionInput{{Kind: "mcq", Points: 1, Prompt: "Which?", Options: []string{"a", "b"}, Correct: []int{0}}}})
	if err != nil {
		t.Fatal(err)
	}
	w.assessmentID, w.jobID = a.ID, job.ID
	w.attempt, w.attempt2 = w.startAttempt(t, w.cand), w.startAttempt(t, w.cand2)
	return w
}

// startAttempt invites candidate c to the assessment and starts c's attempt.
func (w *world) startAttempt(t *testing.T, c company.Actor) uint64 {
	t.Helper()
	ctx := context.Background()
	app, err := w.js.Apply(ctx, c, w.jobID, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.as.Invite(ctx, w.rec, w.assessmentID, app.ID); err != nil {
		t.Fatal(err)
	}
	at, err := w.as.Start(ctx, c, w.assessmentID, assess.StartInput{Consent: true, ConsentVersion: assess.ConsentVersion})
	if err != nil {
		t.Fatal(err)
	}
	return at.ID
}

func (w *world) signals(attempt uint64, evs ...events.ProctorSignal) events.ProctorSignals {
	return events.ProctorSignals{AttemptID: attempt, AssessmentID: w.assessmentID, CandidateID: w.cand.UserID, Events: evs}
}

func sig(seq uint64, typ string, d events.ProctorData) events.ProctorSignal {
	return events.ProctorSignal{Seq: seq, Type: typ, At: time.Now().UTC(), Data: d}
}

func TestApplySignalsScoresAndFlags(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	live := w.e.Subscribe(t, events.SubjectProctorEvents)
	res, err := w.svc.ApplySignals(ctx, w.signals(w.attempt,
		sig(1, events.SigTabHidden, events.ProctorData{}),
		sig(2, events.SigTabVisible, events.ProctorData{DurationMS: 1000}),
		sig(3, events.SigPaste, events.ProctorData{Length: 201, Target: "code"}),
	))
	if err != nil {
		t.Fatal(err)
	}
	if res.Update.Score != 85 || res.Update.Flagged || len(res.Update.Violations) != 1 || res.Update.Violations[0].RuleID != "paste_code_large" {
		t.Fatalf("after a large paste: %+v", res.Update)
	}
	if ev := res.Update.Violations[0].Evidence; ev.Value != 201 || ev.Threshold != 200 || ev.Seq == nil || *ev.Seq != 3 || ev.Kind != events.SigPaste {
		t.Fatalf("evidence %+v", ev)
	}
	// Two more tab switches: tab_hidden_often (high) -> 60, at/below 75: flagged.
	res, err = w.svc.ApplySignals(ctx, w.signals(w.attempt,
		sig(4, events.SigTabHidden, events.ProctorData{}), sig(5, events.SigTabVisible, events.ProctorData{DurationMS: 500}),
		sig(6, events.SigTabHidden, events.ProctorData{})))
	if err != nil {
		t.Fatal(err)
	}
	if res.Update.Score != 60 || !res.Update.Flagged || !res.Update.FlaggedNow {
		t.Fatalf("after 3 tab switches: %+v", res.Update)
	}
	sum, err := w.svc.Violations(ctx, w.rec, w.attempt)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Score != 60 || !sum.Flagged || len(sum.Violations) != 2 || sum.Violations[1].Severity != "high" {
		t.Fatalf("summary %+v", sum)
	}
	tl, err := w.svc.Timeline(ctx, w.cand, w.attempt, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Events) != 6 || *tl.Events[0].Seq != 1 || tl.Events[2].Severity != "medium" || tl.Events[5].Severity != "high" {
		t.Fatalf("timeline %+v", tl.Events)
	}
	got := live(5 * time.Second)
	if len(got) < 2 {
		t.Fatalf("live updates: %d", len(got))
	}
	var up events.ProctorUpdate
	if err := got[1].Decode(&up); err != nil || !up.FlaggedNow || up.CompanyID == 0 {
		t.Fatalf("live update %+v %v", up, err)
	}
}

// TestRedeliveryCountsOnce: the same batch handled twice (a redelivery or a
// retried POST) and overlapping batches change nothing the second time.
func TestRedeliveryCountsOnce(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	b := w.signals(w.attempt, sig(1, events.SigDevtools, events.ProctorData{}), sig(2, events.SigTabHidden, events.ProctorData{}))
	if _, err := w.svc.ApplySignals(ctx, b); err != nil {
		t.Fatal(err)
	}
	res, err := w.svc.ApplySignals(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if res.Duplicates != 2 || len(res.Update.Events) != 0 {
		t.Fatalf("redelivery %+v", res)
	}
	if n := w.e.Count(t, `SELECT COUNT(*) FROM proctor_logs WHERE attempt_id = ?`, w.attempt); n != 2 {
		t.Fatalf("%d logs", n)
	}
	if n := w.e.Count(t, `SELECT COUNT(*) FROM proctor_violations WHERE attempt_id = ?`, w.attempt); n != 1 {
		t.Fatalf("%d violations", n)
	}
	// Concurrent overlapping batches (two workers racing on one attempt).
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := w.svc.ApplySignals(ctx, w.signals(w.attempt, sig(3, events.SigTabHidden, events.ProctorData{}), sig(4, events.SigTabHidden, events.ProctorData{})))
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	sum, err := w.svc.Violations(ctx, w.owner, w.attempt)
	if err != nil {
		t.Fatal(err)
	}
	// devtools (15) + tab_hidden_often (25) once each.
	if sum.Score != 60 || len(sum.Violations) != 2 {
		t.Fatalf("after racing batches: %+v", sum)
	}
	var counters string
	if err := w.e.DB.Get(&counters, `SELECT JSON_EXTRACT(counters, '$.counters.tab_hidden_count') FROM proctor_attempts WHERE attempt_id = ?`, w.attempt); err != nil || counters != "3" {
		t.Fatalf("tab_hidden_count %q %v", counters, err)
	}
}

func TestFramesAndOverrides(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	if _, err := w.svc.SetRules(ctx, w.viewer, w.assessmentID, nil, 50); !errors.Is(err, proctor.ErrForbidden) {
		t.Fatalf("viewer set rules: %v", err)
	}
	if _, err := w.svc.SetRules(ctx, w.other, w.assessmentID, nil, 50); !errors.Is(err, proctor.ErrNotFound) {
		t.Fatalf("other company set rules: %v", err)
	}
	var fe *proctor.FieldError
	if _, err := w.svc.SetRules(ctx, w.rec, w.assessmentID, []proctor.Override{{ID: "x", Metric: "nope"}}, 0); !errors.As(err, &fe) {
		t.Fatalf("bad override: %v", err)
	}
	rs, err := w.svc.SetRules(ctx, w.rec, w.assessmentID, []proctor.Override{{ID: "face_absent", MinFrames: ptr(2)}}, 90)
	if err != nil || rs.FlagAt != 90 {
		t.Fatalf("set rules %+v %v", rs, err)
	}
	frame := func(cmd string, alerts ...string) proctor.Result {
		t.Helper()
		r, err := w.svc.ApplyFrame(ctx, cmd, events.ProctorFrame{AttemptID: w.attempt, AssessmentID: w.assessmentID, UserID: w.cand.UserID, Faces: 1, Alerts: alerts})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	frame("c1")
	r := frame("c2", events.EvtFaceAbsent)
	if r.Update.Score != 75 || !r.Update.FlaggedNow || r.Update.Violations[0].Evidence.Samples != 2 {
		t.Fatalf("absent frame with min_frames 2 and flag_at 90: %+v", r.Update)
	}
	if r := frame("c2", events.EvtFaceAbsent); r.Duplicates != 1 {
		t.Fatalf("redelivered frame counted: %+v", r)
	}
	r = frame("c3", events.EvtFaceMismatch)
	if r.Update.Score != 35 || r.Update.Violations[0].Severity != "critical" {
		t.Fatalf("mismatch %+v", r.Update)
	}
}

// TestAccess: the candidate and every member read; another candidate,
// another company's recruiter and strangers get 404; only members watch.
func TestAccess(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	stranger := w.e.User(t, "stranger", "candidate")
	cases := []struct {
		name      string
		who       company.Actor
		read      error
		watch     error
		candidate bool
	}{
		{"own candidate", w.cand, nil, proctor.ErrNotFound, true},
		{"owner", w.owner, nil, nil, false},
		{"recruiter", w.rec, nil, nil, false},
		{"viewer", w.viewer, nil, nil, false},
		{"other candidate", w.cand2, proctor.ErrNotFound, proctor.ErrNotFound, false},
		{"other company", w.other, proctor.ErrNotFound, proctor.ErrNotFound, false},
		{"stranger", stranger, proctor.ErrNotFound, proctor.ErrNotFound, false},
		{"anonymous", company.Actor{}, proctor.ErrNotFound, proctor.ErrNotFound, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := proctor.Authorize(ctx, w.e.DB, tc.who, w.attempt)
			if !errors.Is(err, tc.read) {
				t.Fatalf("Authorize: %v, want %v", err, tc.read)
			}
			if err == nil && v.Candidate != tc.candidate {
				t.Fatalf("candidate = %v", v.Candidate)
			}
			if _, err := w.svc.Violations(ctx, tc.who, w.attempt); !errors.Is(err, tc.read) {
				t.Fatalf("Violations: %v", err)
			}
			if _, err := w.svc.Timeline(ctx, tc.who, w.attempt, 0); !errors.Is(err, tc.read) {
				t.Fatalf("Timeline: %v", err)
			}
			if _, _, err := w.svc.SnapshotFor(ctx, tc.who, w.attempt, 10); !errors.Is(err, tc.watch) {
				t.Fatalf("SnapshotFor: %v, want %v", err, tc.watch)
			}
			if _, err := w.svc.AuthorizeLive(ctx, tc.who, w.assessmentID); !errors.Is(err, tc.watch) {
				t.Fatalf("AuthorizeLive: %v, want %v", err, tc.watch)
			}
		})
	}
	if _, err := proctor.Authorize(ctx, w.e.DB, w.rec, 999999); !errors.Is(err, proctor.ErrNotFound) {
		t.Fatalf("unknown attempt: %v", err)
	}
}

func TestPurge(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	if _, err := w.svc.ApplySignals(ctx, w.signals(w.attempt, sig(1, events.SigDevtools, events.ProctorData{}))); err != nil {
		t.Fatal(err)
	}
	if _, err := w.svc.ApplySignals(ctx, w.signals(w.attempt2, sig(1, events.SigCopy, events.ProctorData{Length: 3}))); err != nil {
		t.Fatal(err)
	}
	if _, err := w.e.DB.Exec(`UPDATE proctor_logs SET created_at = created_at - INTERVAL 100 DAY WHERE attempt_id = ?`, w.attempt); err != nil {
		t.Fatal(err)
	}
	if _, err := w.e.DB.Exec(`UPDATE proctor_attempts SET updated_at = updated_at - INTERVAL 100 DAY WHERE attempt_id = ?`, w.attempt); err != nil {
		t.Fatal(err)
	}
	n, err := w.svc.Purge(ctx, time.Now().Add(-90*24*time.Hour), 1000)
	if err != nil || n != 3 {
		t.Fatalf("purged %d, %v", n, err)
	}
	if n := w.e.Count(t, `SELECT COUNT(*) FROM proctor_logs`); n != 1 {
		t.Fatalf("%d logs left", n)
	}
	if n := w.e.Count(t, `SELECT COUNT(*) FROM proctor_attempts WHERE attempt_id = ?`, w.attempt2); n != 1 {
		t.Fatal("recent attempt purged")
	}
}

// TestFirstCommandsOfManyAttemptsAtOnce: the first batches of many new
// attempts handled at the same moment all succeed at the first try (no
// deadlock between their proctor_attempts rows, which used to cost a
// retry 200 ms later).
func TestFirstCommandsOfManyAttemptsAtOnce(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	for round := range 3 {
		var attempts []uint64
		for i := range 8 {
			attempts = append(attempts, w.startAttempt(t, w.e.User(t, fmt.Sprintf("c%d-%d", round, i), "candidate")))
		}
		start := make(chan struct{})
		var wg sync.WaitGroup
		for _, a := range attempts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if _, err := w.svc.ApplySignals(ctx, w.signals(a, sig(1, events.SigCopy, events.ProctorData{}))); err != nil {
					t.Errorf("attempt %d's first batch: %v", a, err)
				}
			}()
		}
		close(start)
		wg.Wait()
	}
}

// TestUnpublishedUpdateGoesOutFirst: when a batch commits but its live
// update cannot be published (NATS unreachable, or the process died between
// commit and publish), ApplySignals fails so the command is retried rather
// than acknowledged; the retry finds the batch logged and publishes the
// pending update, so the attempt's updates reach the feed in command order
// even though the next batch publishes at once.
func TestUnpublishedUpdateGoesOutFirst(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	live := w.e.Subscribe(t, events.SubjectProctorEvents)

	// A relay whose NATS connection is closed: every publish fails.
	nc, err := nats.Connect(w.e.JS.Conn().ConnectedUrl())
	if err != nil {
		t.Fatal(err)
	}
	dead, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	down := &proctor.Service{DB: w.e.DB, Relay: outbox.New(w.e.DB, events.NewPublisher(dead), outbox.Config{}, nil)}

	first := w.signals(w.attempt, sig(1, events.SigCopy, events.ProctorData{}), sig(2, events.SigCopy, events.ProctorData{}))
	if _, err := down.ApplySignals(ctx, first); !errors.Is(err, outbox.ErrUnpublished) {
		t.Fatalf("batch committed without its update published: want ErrUnpublished, got %v", err)
	}
	if n := w.e.Count(t, `SELECT COUNT(*) FROM proctor_logs WHERE attempt_id = ?`, w.attempt); n != 2 {
		t.Fatalf("%d logs after the first batch", n)
	}
	// The retry (the command was not acknowledged) finds the batch logged
	// and publishes its update before the next batch runs.
	res, err := w.svc.ApplySignals(ctx, first)
	if err != nil || res.Duplicates != 2 {
		t.Fatalf("retry: %+v %v", res, err)
	}
	if _, err := w.svc.ApplySignals(ctx, w.signals(w.attempt, sig(3, events.SigCopy, events.ProctorData{}))); err != nil {
		t.Fatal(err)
	}
	var seqs []uint64
	testutil.Eventually(t, 5*time.Second, func() bool {
		for _, env := range live(200 * time.Millisecond) {
			var up events.ProctorUpdate
			if err := env.Decode(&up); err != nil {
				t.Fatal(err)
			}
			for _, e := range up.Events {
				seqs = append(seqs, *e.Seq)
			}
		}
		return len(seqs) >= 3
	}, "the feed carried %v", &seqs)
	if !slices.Equal(seqs, []uint64{1, 2, 3}) {
		t.Fatalf("the feed carried seqs %v, want 1 2 3 once each, in order", seqs)
	}
}
