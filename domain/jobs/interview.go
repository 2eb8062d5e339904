package jobs

import (
	"context"
	"fmt"

	"github.com/hirebus/hirebus/domain/audit"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// preInterview are the open states an application may leave for
// `interview` when an interview is scheduled (scheduling skips steps the
// company did not use).
var preInterview = map[string]bool{StatusApplied: true, StatusScreening: true, StatusAssessment: true}

// ForInterview returns an application and its job, locking the
// application row, for domain/interview inside its transaction; it does not
// authorize (the caller does, with company.Authorize).
func ForInterview(ctx context.Context, tx *sqlx.Tx, id uint64) (Application, Job, error) {
	app, err := getApp(ctx, tx, id, true)
	if err != nil {
		return app, Job{}, err
	}
	j, err := getJob(ctx, tx, app.JobID, false)
	return app, j, err
}

// EnterInterview moves an application to `interview` inside the caller's
// transaction (domain/interview scheduling an interview): from applied,
// screening or assessment, with its history and audit rows; an application
// already in `interview` is left as it is; any other state is a
// TransitionError. The caller has authorized a (PermWrite on the company)
// and sends the candidate the interview's own notification and mail.
func EnterInterview(ctx context.Context, tx *sqlx.Tx, a company.Actor, app Application, note string) error {
	if app.Status == StatusInterview {
		return nil
	}
	if !preInterview[app.Status] {
		return &TransitionError{From: app.Status, To: StatusInterview, Allowed: AllowedNext(app.Status, false)}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE applications SET status = 'interview', version = version + 1 WHERE id = ?`, app.ID); err != nil {
		return fmt.Errorf("jobs: enter interview: %w", store.Translate(err))
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO application_history (application_id, actor_id, from_status, to_status, note) VALUES (?, ?, ?, 'interview', ?)`,
		app.ID, a.UserID, app.Status, note); err != nil {
		return fmt.Errorf("jobs: history: %w", store.Translate(err))
	}
	return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: app.CompanyID, Action: "application.status", Target: appTarget(app.ID),
		Before: map[string]any{"status": app.Status, "version": app.Version}, After: map[string]any{"status": StatusInterview, "version": app.Version + 1, "note": note},
		RequestID: a.RequestID, IP: a.IP})
}
