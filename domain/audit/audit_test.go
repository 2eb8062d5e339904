package audit_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"

	"github.com/hirebus/hirebus/domain/audit"
	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

func TestRecordInTransaction(t *testing.T) {
	e := domaintest.Start(t)
	ctx := context.Background()
	u := e.User(t, "ann", "recruiter")
	boom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		entry   audit.Entry
		fail    error
		want    error
		written int
	}{
		{"no actor", audit.Entry{Action: "x"}, nil, audit.ErrBadEntry, 0},
		{"no action", audit.Entry{ActorID: u.UserID}, nil, audit.ErrBadEntry, 0},
		{"rolled back with the write", audit.Entry{ActorID: u.UserID, CompanyID: 7, Action: "job.create"}, boom, boom, 0},
		{"committed", audit.Entry{ActorID: u.UserID, CompanyID: 7, Action: "job.update", Target: "job:1",
			Before: map[string]int{"v": 1}, After: map[string]int{"v": 2}, RequestID: "r1", IP: "192.0.2.9"}, nil, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.Count(t, `SELECT COUNT(*) FROM audit_log`)
			err := store.InTx(ctx, e.DB, func(tx *sqlx.Tx) error {
				if err := audit.Record(ctx, tx, tc.entry); err != nil {
					return err
				}
				return tc.fail
			})
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if n := e.Count(t, `SELECT COUNT(*) FROM audit_log`) - before; n != tc.written {
				t.Fatalf("rows written %d, want %d", n, tc.written)
			}
		})
	}
	rows, err := audit.List(ctx, e.DB, 7, 0, 10)
	if err != nil || len(rows) != 1 {
		t.Fatalf("list: %v %v", rows, err)
	}
	r := rows[0]
	if r.Action != "job.update" || string(r.Before) != `{"v": 1}` && string(r.Before) != `{"v":1}` || r.RequestID != "r1" || r.IP != "192.0.2.9" || r.ActorID != u.UserID {
		t.Fatalf("row: %+v before=%s", r, r.Before)
	}
	if rows, _ := audit.List(ctx, e.DB, 8, 0, 10); len(rows) != 0 {
		t.Fatalf("another company's rows: %v", rows)
	}
}

func TestRecordAuth(t *testing.T) {
	e := domaintest.Start(t)
	ctx := context.Background()
	u := e.User(t, "bob", "candidate")
	ip := make([]byte, 32)
	for _, tc := range []struct {
		name   string
		detail any
		want   string
	}{
		{"no detail", nil, ""},
		{"with detail", map[string]bool{"face": true}, `{"face":true}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := store.InTx(ctx, e.DB, func(tx *sqlx.Tx) error {
				return audit.RecordAuth(ctx, tx, u.UserID, "register", ip, tc.detail)
			})
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				Action string         `db:"action"`
				IP     []byte         `db:"ip_hash"`
				Detail sql.NullString `db:"detail"`
			}
			if err := e.DB.Get(&got, `SELECT action, ip_hash, detail FROM audit_log WHERE user_id = ? ORDER BY id DESC LIMIT 1`, u.UserID); err != nil {
				t.Fatal(err)
			}
			if got.Action != "register" || len(got.IP) != 32 || got.Detail.String != tc.want {
				t.Fatalf("row = %s %x %q; want register, 32-byte hash, %q", got.Action, got.IP, got.Detail.String, tc.want)
			}
		})
	}
}
