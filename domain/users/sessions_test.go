package users_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/domain/users"
)

func TestSessions(t *testing.T) {
	e := domaintest.Start(t)
	ctx := context.Background()
	ann := e.User(t, "ann", "candidate")
	now := time.Now().UTC()
	for _, n := range []users.NewSession{
		{ID: "s-reg", Method: "register", ExpiresAt: now.Add(time.Hour)},
		{ID: "s-login", Method: "password", ExpiresAt: now.Add(time.Hour)},
		{ID: "s-old", Method: "password", ExpiresAt: now.Add(-time.Hour)},
	} {
		n.UserID, n.DeviceHash, n.UserAgent = ann.UserID, make([]byte, 32), "test"
		if err := users.CreateSession(ctx, e.DB, n); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := users.GetSession(ctx, e.DB, "s-none"); !errors.Is(err, users.ErrNotFound) {
		t.Fatalf("GetSession(missing) = %v", err)
	}
	id, exp, err := users.RegisterSession(ctx, e.DB, ann.UserID)
	if err != nil || id != "s-reg" || exp.Before(now) {
		t.Fatalf("RegisterSession = %q, %v, %v", id, exp, err)
	}
	ids, err := users.ActiveSessions(ctx, e.DB, ann.UserID)
	if err != nil || len(ids) != 3 {
		t.Fatalf("ActiveSessions = %v, %v; want 3", ids, err)
	}
	if err := users.RevokeSession(ctx, e.DB, "s-reg"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		sid     string
		revoked bool
	}{{"s-reg", true}, {"s-login", false}} {
		t.Run(tc.sid, func(t *testing.T) {
			s, err := users.GetSession(ctx, e.DB, tc.sid)
			if err != nil || s.UserID != ann.UserID || s.RevokedAt.Valid != tc.revoked {
				t.Fatalf("GetSession = %+v, %v; want revoked=%v", s, err, tc.revoked)
			}
		})
	}
	if _, _, err := users.RegisterSession(ctx, e.DB, ann.UserID); !errors.Is(err, users.ErrNotFound) {
		t.Fatalf("RegisterSession after revoke = %v", err)
	}
	if ids, _ := users.ActiveSessions(ctx, e.DB, ann.UserID); len(ids) != 2 {
		t.Fatalf("ActiveSessions after revoke = %v", ids)
	}
	n, err := users.PurgeSessions(ctx, e.DB)
	if err != nil || n != 1 {
		t.Fatalf("PurgeSessions = %d, %v; want the expired one", n, err)
	}
	if _, err := users.GetSession(ctx, e.DB, "s-old"); !errors.Is(err, users.ErrNotFound) {
		t.Fatalf("expired session still there: %v", err)
	}
}
