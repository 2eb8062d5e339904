package main

import (
	"context"
	"fmt"

	"github.com/hirebus/hirebus/domain/reports"
	"github.com/hirebus/hirebus/workers/report"
	"github.com/hirebus/hirebus/workers/score"
)

// newReportHandler builds the handler of cmd.score.report (candidate
// report snapshots).
func newReportHandler(d Deps) *report.Handler {
	return &report.Handler{Reports: &reports.Service{DB: d.DB}, Relay: d.Relay, Log: d.Log}
}

// newScoreRole is the score worker role: the score worker (newScoreWorker,
// score.go) handles its commands and the report handler cmd.score.report,
// on the role's one consumer.
func newScoreRole(ctx context.Context, cfg Config, d Deps) (worker, error) {
	w, err := newScoreWorker(ctx, cfg, d)
	if err != nil {
		return nil, err
	}
	inner := w
	c, closes := w.(closeAfterRun)
	if closes {
		inner = c.worker
	}
	sw, ok := inner.(*score.Worker)
	if !ok {
		return nil, fmt.Errorf("score role: unexpected score worker %T", inner)
	}
	role := &report.Role{JS: d.JS, Report: newReportHandler(d), Next: sw.Handle, Concurrency: max(cfg.WorkerConcurrency, 2), Log: d.Log}
	if closes {
		return closeAfterRun{role, c.res}, nil
	}
	return role, nil
}
