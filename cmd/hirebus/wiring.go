package main

// The binary's wiring, in one place: every worker role, every tool and what
// runs after migrations. Nothing registers itself from init(); adding a role
// or a tool is one line here plus its constructor.

import (
	"context"
	"errors"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/workers/mail"
	"github.com/hirebus/hirebus/workers/proctor"
	"github.com/jmoiron/sqlx"
)

// workerFactory builds one worker role from config and the shared deps.
type workerFactory func(ctx context.Context, cfg Config, d Deps) (worker, error)

// workerFactories are the roles of `hirebus worker ROLE`; `hirebus all`
// starts them in allWorkers' order.
var workerFactories = map[string]workerFactory{
	events.RoleMail:    newMailWorker,    // below
	events.RoleFace:    newFaceWorker,    // face.go
	events.RoleCode:    newCodeWorker,    // code.go
	events.RoleAssess:  newAssessWorker,  // below
	events.RoleProctor: newProctorWorker, // below
	events.RoleScore:   newScoreWorker,   // score.go: the score worker, with the report command (report.go)
}

// allWorkers is the start order of the roles in `hirebus all`.
func allWorkers() []string {
	order := []string{events.RoleMail, events.RoleFace, events.RoleCode, events.RoleAssess, events.RoleProctor, events.RoleScore}
	var out []string
	for _, r := range order {
		if _, ok := workerFactories[r]; ok {
			out = append(out, r)
		}
	}
	return out
}

// tools are sub-commands that need no running platform.
var tools = map[string]func(ctx context.Context, cfg Config, args []string) error{
	"face":     runFaceTool,     // face.go
	"sandbox":  runSandboxTool,  // code.go
	"problems": runProblemsTool, // code.go
}

// afterMigrate runs after migrations, in `hirebus migrate` and `hirebus all`.
func afterMigrate(ctx context.Context, db *sqlx.DB) error {
	return loadSeedProblems(ctx, db) // code.go
}

// newMailWorker sends over HIREBUS_SMTP_ADDR, or in `all` without it over
// the development mailbox.
func newMailWorker(_ context.Context, cfg Config, d Deps) (worker, error) {
	addr := cfg.SMTPAddr
	if addr == "" && d.Mailbox != nil {
		addr = d.Mailbox.Addr()
	}
	if addr == "" {
		return nil, errors.New("HIREBUS_SMTP_ADDR is required for the mail worker")
	}
	key, err := cfg.OTPKey()
	if err != nil {
		return nil, err
	}
	return mail.New(mail.Config{SMTPAddr: addr, From: cfg.SMTPFrom, StartTLS: cfg.SMTPTLS, Concurrency: cfg.WorkerConcurrency, CodeKey: key},
		mail.Deps{DB: d.DB, JS: d.JS, Relay: d.Relay, Log: d.Log})
}

// newAssessWorker runs the assessment deadline sweeper: it submits attempts
// whose time ran out and collects their code results (see domain/assess).
func newAssessWorker(_ context.Context, _ Config, d Deps) (worker, error) {
	return &assess.Sweeper{Service: &assess.Service{DB: d.DB, Relay: d.Relay}, Log: d.Log}, nil
}

// newProctorWorker consumes proctoring signals and frame checks in order per
// attempt and runs the proctoring retention job (HIREBUS_PROCTOR_RETENTION).
func newProctorWorker(_ context.Context, cfg Config, d Deps) (worker, error) {
	return proctor.New(proctor.Config{Retention: cfg.ProctorRetention, Concurrency: cfg.WorkerConcurrency}, proctor.Deps{DB: d.DB, JS: d.JS, Relay: d.Relay, Log: d.Log})
}
