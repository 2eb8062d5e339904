package otp_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/otp"
	"github.com/hirebus/hirebus/schema"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

func openDB(t *testing.T) *sqlx.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DSN: testutil.MySQL(t), MaxOpenConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := schema.Migrate(ctx, db.DB); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

func TestRequests(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	since := time.Now().UTC().Add(-time.Hour)
	ha, hb := sha256.Sum256([]byte("ip-a")), sha256.Sum256([]byte("ip-b"))
	ipA, ipB := ha[:], hb[:] // ip_hash is a SHA-256
	for _, r := range []struct {
		email string
		ip    []byte
	}{{"a@x.io", ipA}, {"a@x.io", ipB}, {"b@x.io", ipA}} {
		if err := otp.RecordRequest(ctx, db, r.email, r.ip); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name          string
		email         string
		ip            []byte
		byEmail, byIP int
	}{
		{"both counted", "a@x.io", ipA, 2, 2},
		{"other ip", "b@x.io", ipB, 1, 1},
		{"unknown", "c@x.io", make([]byte, 32), 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, i, err := otp.CountRequests(ctx, db, tc.email, tc.ip, since)
			if err != nil || e != tc.byEmail || i != tc.byIP {
				t.Fatalf("CountRequests = %d, %d, %v; want %d, %d", e, i, err, tc.byEmail, tc.byIP)
			}
		})
	}
	if _, _, err := otp.CountRequests(ctx, db, "a@x.io", ipA, time.Now().UTC().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, byEmail := range []bool{true, false} {
		oldest, err := otp.OldestRequest(ctx, db, byEmail, "a@x.io", ipA, since)
		if err != nil || oldest.Before(since) || time.Since(oldest) > time.Hour {
			t.Fatalf("OldestRequest(byEmail=%v) = %v, %v", byEmail, oldest, err)
		}
	}
	n, err := otp.Purge(ctx, db)
	if err != nil || n != 0 {
		t.Fatalf("Purge of fresh rows = %d, %v", n, err)
	}
}

func TestCodeLifecycle(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	const email = "ann@x.io"
	salt := []byte("0123456789abcdef")
	h := otp.Hash("123456", salt)
	put := func(cmd string, expires time.Time) time.Time {
		t.Helper()
		stored, err := otp.Store(ctx, db, otp.Code{CommandID: cmd, Email: email, Purpose: otp.PurposeRegister,
			Hash: h[:], Salt: salt, MaxAttempts: 2, ExpiresAt: expires})
		if err != nil {
			t.Fatal(err)
		}
		return stored
	}
	exp := time.Now().UTC().Add(10 * time.Minute).Truncate(time.Millisecond)
	first := put("cmd-1", exp)
	if again := put("cmd-1", exp.Add(time.Hour)); !again.Equal(first) {
		t.Fatalf("redelivered Store changed the expiry: %v then %v", first, again)
	}
	if _, err := otp.SentAt(ctx, db, "cmd-none"); !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("SentAt(unknown) err = %v", err)
	}
	if s, err := otp.SentAt(ctx, db, "cmd-1"); err != nil || s.Valid {
		t.Fatalf("SentAt before MarkSent = %v, %v", s, err)
	}
	if err := otp.MarkSent(ctx, db, "cmd-1"); err != nil {
		t.Fatal(err)
	}
	if s, err := otp.SentAt(ctx, db, "cmd-1"); err != nil || !s.Valid {
		t.Fatalf("SentAt after MarkSent = %v, %v", s, err)
	}

	check := func(code string) (bool, error) {
		var wrong bool
		err := store.InTx(ctx, db, func(tx *sqlx.Tx) error {
			var err error
			wrong, err = otp.Check(ctx, tx, email, otp.PurposeRegister, code)
			return err
		})
		return wrong, err
	}
	consume := func() error {
		return store.InTx(ctx, db, func(tx *sqlx.Tx) error { return otp.ConsumeVerified(ctx, tx, email, otp.PurposeRegister) })
	}
	if err := otp.HasVerified(ctx, db, email, otp.PurposeRegister); !errors.Is(err, otp.ErrNotVerified) {
		t.Fatalf("HasVerified before check = %v", err)
	}
	for _, tc := range []struct {
		name      string
		code      string
		wantWrong bool
		wantErr   error
	}{
		{"wrong code counts a try", "000000", true, nil},
		{"right code verifies", "123456", false, nil},
		{"wrong again exhausts", "000000", true, nil},
		{"exhausted", "123456", false, otp.ErrTooMany},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wrong, err := check(tc.code)
			if wrong != tc.wantWrong || !errors.Is(err, tc.wantErr) {
				t.Fatalf("Check(%s) = %v, %v; want %v, %v", tc.code, wrong, err, tc.wantWrong, tc.wantErr)
			}
		})
	}
	if err := otp.HasVerified(ctx, db, email, otp.PurposeRegister); err != nil {
		t.Fatalf("HasVerified after check = %v", err)
	}
	if err := consume(); err != nil {
		t.Fatal(err)
	}
	if err := consume(); !errors.Is(err, otp.ErrNotVerified) {
		t.Fatalf("second consume = %v", err)
	}
	if err := otp.Unconsume(ctx, db, email, otp.PurposeRegister); err != nil {
		t.Fatal(err)
	}
	if err := consume(); err != nil {
		t.Fatalf("consume after Unconsume = %v", err)
	}
	if _, err := check("123456"); !errors.Is(err, otp.ErrInvalid) {
		t.Fatalf("Check of a consumed code = %v; want ErrInvalid", err)
	}
}
