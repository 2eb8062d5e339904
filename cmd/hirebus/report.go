package main

import (
	"github.com/hirebus/hirebus/domain/reports"
	"github.com/hirebus/hirebus/workers/report"
)

// newReportHandler builds the handler of cmd.score.report (candidate
// report snapshots).
func newReportHandler(d Deps) *report.Handler {
	return &report.Handler{Reports: &reports.Service{DB: d.DB}, Relay: d.Relay, Log: d.Log}
}
