package jobs

import (
	"context"
	"fmt"

	"github.com/hirebus/hirebus/domain/audit"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/jmoiron/sqlx"
)

// MoveToAssessmentTx moves an application of companyID to `assessment`
// inside the caller's transaction (domain/assess invites the candidate in
// the same commit). It is allowed from applied and screening (an invitation
// is the screening decision) and is a no-op from assessment; other states
// are a TransitionError. The caller has authorized the actor as a writer of
// companyID; another company's application is ErrNotFound. The status
// change is recorded in the history and the audit log; the candidate's
// notification is the caller's (one message for invitation and move).
func MoveToAssessmentTx(ctx context.Context, tx *sqlx.Tx, a company.Actor, id, companyID uint64, note string) (Application, error) {
	cur, err := getApp(ctx, tx, id, true)
	if err != nil {
		return cur, err
	}
	if cur.CompanyID != companyID {
		return Application{}, ErrNotFound
	}
	switch cur.Status {
	case StatusAssessment:
		return cur, nil
	case StatusApplied, StatusScreening:
	default:
		return Application{}, &TransitionError{From: cur.Status, To: StatusAssessment, Allowed: AllowedNext(cur.Status, false)}
	}
	if len(note) > MaxNote {
		note = note[:MaxNote]
	}
	if _, err := tx.ExecContext(ctx, `UPDATE applications SET status = 'assessment', version = version + 1 WHERE id = ?`, id); err != nil {
		return Application{}, fmt.Errorf("jobs: to assessment: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO application_history (application_id, actor_id, from_status, to_status, note) VALUES (?, ?, ?, 'assessment', ?)`,
		id, a.UserID, cur.Status, note); err != nil {
		return Application{}, fmt.Errorf("jobs: history: %w", err)
	}
	out, err := getApp(ctx, tx, id, false)
	if err != nil {
		return out, err
	}
	return out, audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: companyID, Action: "application.status", Target: appTarget(id),
		Before: map[string]any{"status": cur.Status, "version": cur.Version}, After: map[string]any{"status": StatusAssessment, "version": out.Version, "note": note},
		RequestID: a.RequestID, IP: a.IP})
}

// ApplicationStatus returns an application's status (for domain/assess,
// which lets a candidate start an assessment only while the application
// is open); it does not authorize.
func ApplicationStatus(ctx context.Context, q sqlx.QueryerContext, id uint64) (string, error) {
	app, err := getApp(ctx, q, id, false)
	if err != nil {
		return "", err
	}
	return app.Status, nil
}

// Open reports whether status is an open pipeline state (not hired,
// rejected or withdrawn).
func Open(status string) bool {
	_, open := pipeline[status]
	return open
}
