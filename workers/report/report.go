// Package report handles cmd.score.report: it builds a candidate report
// snapshot (domain/reports.Build, with the requester's rights), stores it
// as the attempt's next version and completes the operation, all in one
// transaction with the command's claim, so a redelivered command repeats
// its first effect instead of adding a version.
//
// Why a role-less package: the command belongs to the score worker role
// (building a report reads the scored review) but not to the scorer's
// code; Role consumes the role and hands the report command here and every
// other command to the score worker (cmd/hirebus wires both).
package report

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/reports"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/outbox"
	"github.com/jmoiron/sqlx"
)

// Handler builds and stores report snapshots.
type Handler struct {
	Reports *reports.Service
	Relay   *outbox.Relay
	Log     *slog.Logger
}

// Handle processes one cmd.score.report.
func (h *Handler) Handle(ctx context.Context, env events.Envelope, _ events.Meta) error {
	var p events.ReportGenerate
	if err := env.Decode(&p); err != nil {
		return err
	}
	done, err := ops.Processed(ctx, h.Reports.DB, env.ID)
	if err != nil || done {
		return err
	}
	actor := company.Actor{UserID: env.ActorUserID, Role: p.Role, RequestID: p.RequestID}
	rep, err := h.Reports.Build(ctx, actor, p.AttemptID)
	switch {
	case errors.Is(err, reports.ErrNotFound), errors.Is(err, reports.ErrForbidden):
		return h.fail(ctx, env, events.CodeReportAttemptNotFound, "the attempt does not exist or you may no longer generate its report")
	case errors.Is(err, reports.ErrNotSubmitted):
		return h.fail(ctx, env, events.CodeReportNotSubmitted, "the attempt is not submitted yet")
	case err != nil:
		return fmt.Errorf("report: build %d: %w", p.AttemptID, err)
	}
	return h.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		fresh, err := ops.Claim(ctx, tx, env.ID, events.RoleScore)
		if err != nil || !fresh {
			return err
		}
		id, version, err := reports.Store(ctx, tx, env.ID, env.ActorUserID, rep)
		if err != nil {
			return err
		}
		res := events.ReportGenerated{ReportID: id, AttemptID: p.AttemptID, CandidateID: rep.Candidate.ID, Version: version}
		ev, err := events.NewEnvelope(events.EvtReportGenerated, env.CorrelationID, env.ActorUserID, res)
		if err != nil {
			return err
		}
		if err := out.Add(events.UserSubject(env.ActorUserID, events.EvtReportGenerated), ev); err != nil {
			return err
		}
		if h.Log != nil {
			h.Log.InfoContext(ctx, "report generated", "attempt_id", p.AttemptID, "version", version, "report_id", id)
		}
		return ops.Complete(ctx, tx, out, env.CorrelationID, events.OpReportGenerate, env.ActorUserID, res)
	})
}

func (h *Handler) fail(ctx context.Context, env events.Envelope, code events.Code, msg string) error {
	return h.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		fresh, err := ops.Claim(ctx, tx, env.ID, events.RoleScore)
		if err != nil || !fresh {
			return err
		}
		return ops.Fail(ctx, tx, out, env.CorrelationID, events.OpReportGenerate, env.ActorUserID, code, msg)
	})
}
