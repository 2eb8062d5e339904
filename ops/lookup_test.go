package ops_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

func TestLookups(t *testing.T) {
	e := domaintest.Start(t)
	ctx := context.Background()
	ann := e.User(t, "ann", "candidate")
	err := store.InTx(ctx, e.DB, func(tx *sqlx.Tx) error {
		if err := ops.Create(ctx, tx, "op-new", "face.enroll", ann.UserID); err != nil {
			return err
		}
		return ops.Create(ctx, tx, "op-old", "face.identify", 0)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.DB.Exec(`UPDATE operations SET created_at = NOW(3) - INTERVAL 10 MINUTE WHERE id = 'op-old'`); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id        string
		minutes   int
		wantFresh bool
		wantErr   error
	}{
		{"op-new", 5, true, nil},
		{"op-old", 5, false, nil},
		{"op-old", 15, true, nil},
		{"op-none", 5, false, sql.ErrNoRows},
	} {
		t.Run(tc.id, func(t *testing.T) {
			op, fresh, err := ops.GetFresh(ctx, e.DB, tc.id, tc.minutes)
			if !errors.Is(err, tc.wantErr) || fresh != tc.wantFresh || (err == nil && op.ID != tc.id) {
				t.Fatalf("GetFresh = %+v, %v, %v; want fresh=%v err=%v", op, fresh, err, tc.wantFresh, tc.wantErr)
			}
			if tc.wantErr != nil && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("missing op error %v does not match store.ErrNotFound", err)
			}
		})
	}
	if id, err := ops.FirstOfType(ctx, e.DB, ann.UserID, "face.enroll", time.Now().UTC().Add(time.Minute)); err != nil || id != "op-new" {
		t.Fatalf("FirstOfType = %q, %v", id, err)
	}
	if _, err := ops.FirstOfType(ctx, e.DB, ann.UserID, "face.enroll", time.Now().UTC().Add(-time.Hour)); !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("FirstOfType before any op = %v", err)
	}
}
