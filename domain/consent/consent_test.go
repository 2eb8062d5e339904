package consent_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hirebus/hirebus/domain/consent"
	"github.com/hirebus/hirebus/domain/domaintest"
)

func TestRecordLatestWithdraw(t *testing.T) {
	e := domaintest.Start(t)
	ctx := context.Background()
	ann := e.User(t, "ann", "candidate")
	bob := e.User(t, "bob", "candidate")
	face, err := consent.Current(consent.NoticeFace)
	if err != nil {
		t.Fatal(err)
	}

	if _, err := consent.Latest(ctx, e.DB, ann.UserID, consent.NoticeFace); !errors.Is(err, consent.ErrNotFound) {
		t.Fatalf("before any consent: %v, want ErrNotFound", err)
	}
	for _, tc := range []struct {
		name, notice, version string
		want                  error
	}{
		{"unknown notice", "cookies", face.Version, consent.ErrUnknownNotice},
		{"old version", consent.NoticeFace, "2020-01-01", consent.ErrStaleVersion},
		{"empty version", consent.NoticeFace, "", consent.ErrStaleVersion},
		{"current", consent.NoticeFace, face.Version, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := consent.Record(ctx, e.DB, ann.UserID, tc.notice, tc.version, []byte{1, 2}); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	if n := e.Count(t, `SELECT COUNT(*) FROM consents WHERE user_id = ?`, ann.UserID); n != 1 {
		t.Fatalf("%d rows after one accepted consent, want 1", n)
	}
	c, err := consent.Latest(ctx, e.DB, ann.UserID, consent.NoticeFace)
	if err != nil {
		t.Fatal(err)
	}
	if c.Version != face.Version || !c.Current || c.WithdrawnAt != nil {
		t.Fatalf("latest = %+v", c)
	}
	if _, err := consent.Latest(ctx, e.DB, bob.UserID, consent.NoticeFace); !errors.Is(err, consent.ErrNotFound) {
		t.Fatalf("another user's consent leaked: %v", err)
	}

	n, err := consent.Withdraw(ctx, e.DB, ann.UserID, consent.NoticeFace)
	if err != nil || n != 1 {
		t.Fatalf("withdraw: %d, %v", n, err)
	}
	c, err = consent.Latest(ctx, e.DB, ann.UserID, consent.NoticeFace)
	if err != nil {
		t.Fatal(err)
	}
	if c.Current || c.WithdrawnAt == nil {
		t.Fatalf("after withdrawal: %+v", c)
	}
	// Withdrawing again changes nothing; the history is kept.
	if n, err := consent.Withdraw(ctx, e.DB, ann.UserID, consent.NoticeFace); err != nil || n != 0 {
		t.Fatalf("second withdraw: %d, %v", n, err)
	}
	if n := e.Count(t, `SELECT COUNT(*) FROM consents WHERE user_id = ?`, ann.UserID); n != 1 {
		t.Fatalf("%d rows after withdrawal, want the row kept", n)
	}
}
