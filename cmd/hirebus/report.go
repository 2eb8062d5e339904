package main

import (
	"context"

	"github.com/hirebus/hirebus/domain/reports"
	"github.com/hirebus/hirebus/workers/report"
)

// newReportHandler builds the handler of cmd.score.report (candidate
// report snapshots); the score role's consumer dispatches to it.
func newReportHandler(d Deps) *report.Handler {
	return &report.Handler{Reports: &reports.Service{DB: d.DB}, Relay: d.Relay, Log: d.Log}
}

// newScoreWorker consumes the score role. Until the scorer (workers/score)
// owns the role, its one command is the candidate report.
func newScoreWorker(_ context.Context, cfg Config, d Deps) (worker, error) {
	return &report.Worker{JS: d.JS, Handler: newReportHandler(d), Concurrency: cfg.WorkerConcurrency, Log: d.Log}, nil
}
