package main

// Wiring of the score worker: its sandbox (for the static analysers), the
// LLM of HIREBUS_LLM_* (the same settings as the AI interviewer) and the
// candidate report handler, which the role also carries.

import (
	"context"
	"log/slog"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/workers/score"
)

// newScoreWorker builds the score worker. Without a usable sandbox it still
// reviews; its analysers are then reported "not available".
func newScoreWorker(ctx context.Context, cfg Config, d Deps) (worker, error) {
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	deps := score.Deps{DB: d.DB, JS: d.JS, Relay: d.Relay, Log: d.Log}
	r, err := newSandboxRunner(ctx, cfg, log.With("worker", events.RoleScore))
	if err != nil {
		log.WarnContext(ctx, "score worker without a sandbox: analysers are not available", "err", err)
	} else {
		deps.Runner = r
	}
	w, err := score.New(score.Config{Concurrency: max(cfg.WorkerConcurrency, 2),
		LLM: score.LLMConfig{BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey, Model: cfg.LLMModel},
		// The candidate report snapshot is a command of the same role.
		Also: map[string]events.Handler{events.CmdReportGenerate: newReportHandler(d).Handle}}, deps)
	if err != nil {
		if r != nil {
			_ = r.Close()
		}
		return nil, err
	}
	if r != nil {
		return closeAfterRun{w, r}, nil
	}
	return w, nil
}
