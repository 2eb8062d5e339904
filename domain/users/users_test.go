package users_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/domain/users"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

func TestAccounts(t *testing.T) {
	e := domaintest.Start(t)
	ctx := context.Background()
	id, err := users.Create(ctx, e.DB, users.New{Username: "ann", Email: "ann@x.io", PasswordHash: []byte("h1"), Role: "candidate", FullName: "Ann"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		n    users.New
	}{
		{"same username", users.New{Username: "ann", Email: "other@x.io", PasswordHash: []byte("h"), Role: "candidate"}},
		{"same email", users.New{Username: "ann2", Email: "ann@x.io", PasswordHash: []byte("h"), Role: "candidate"}},
	} {
		t.Run("duplicate/"+tc.name, func(t *testing.T) {
			if _, err := users.Create(ctx, e.DB, tc.n); !errors.Is(err, store.ErrDuplicate) {
				t.Fatalf("Create = %v; want ErrDuplicate", err)
			}
		})
	}
	u, err := users.Get(ctx, e.DB, id)
	if err != nil || u.Username != "ann" || u.Email != "ann@x.io" || u.FullName != "Ann" || u.FaceEnrolled {
		t.Fatalf("Get = %+v, %v", u, err)
	}
	if _, err := users.Get(ctx, e.DB, id+1000); !errors.Is(err, users.ErrNotFound) {
		t.Fatalf("Get(missing) = %v", err)
	}
	for _, tc := range []struct {
		name string
		key  users.Key
		arg  any
		want error
	}{
		{"by id", users.ByID, id, nil},
		{"by email", users.ByEmail, "ann@x.io", nil},
		{"by username", users.ByUsername, "ann", nil},
		{"unknown", users.ByUsername, "bob", users.ErrNotFound},
	} {
		t.Run("login/"+tc.name, func(t *testing.T) {
			l, err := users.GetLogin(ctx, e.DB, tc.key, tc.arg)
			if !errors.Is(err, tc.want) || (err == nil && (l.ID != id || string(l.PasswordHash) != "h1" || l.RequireFace)) {
				t.Fatalf("GetLogin = %+v, %v; want %v", l, err, tc.want)
			}
		})
	}
	// Only the three lookups exist (Key has no exported field, so no
	// caller can build another); the zero Key is refused.
	if _, err := users.GetLogin(ctx, e.DB, users.Key{}, 1); err == nil {
		t.Fatal("GetLogin accepted the zero key")
	}
	for _, tc := range []struct {
		email string
		want  bool
	}{{"ann@x.io", true}, {"Ann@x.io ", false}, {"bob@x.io", false}} {
		if got, err := users.EmailExists(ctx, e.DB, tc.email); err != nil || got != tc.want {
			t.Fatalf("EmailExists(%q) = %v, %v", tc.email, got, err)
		}
	}

	inTx := func(fn func(tx *sqlx.Tx) error) error { return store.InTx(ctx, e.DB, fn) }
	if err := inTx(func(tx *sqlx.Tx) error { return users.SetFaceEnrolled(ctx, tx, id, true) }); err != nil {
		t.Fatal(err)
	}
	err = inTx(func(tx *sqlx.Tx) error {
		if err := users.Lock(ctx, tx, id); err != nil {
			return err
		}
		enrolled, err := users.LockFace(ctx, tx, id)
		if err != nil || !enrolled {
			t.Errorf("LockFace = %v, %v; want enrolled", enrolled, err)
		}
		uid, face, err := users.LockByEmail(ctx, tx, "ann@x.io")
		if err != nil || uid != id || !face {
			t.Errorf("LockByEmail = %d, %v, %v", uid, face, err)
		}
		return users.ResetPassword(ctx, tx, id, []byte("h2"))
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := users.GetLogin(ctx, e.DB, users.ByID, id)
	if err != nil || string(l.PasswordHash) != "h2" || l.FaceEnrolled {
		t.Fatalf("after ResetPassword = %+v, %v; want new hash and face revoked", l, err)
	}
	if err := users.SetPassword(ctx, e.DB, id, []byte("h3")); err != nil {
		t.Fatal(err)
	}
	if l, _ := users.GetLogin(ctx, e.DB, users.ByID, id); string(l.PasswordHash) != "h3" || l.FaceEnrolled {
		t.Fatalf("after SetPassword = %+v", l)
	}
	if err := users.Delete(ctx, e.DB, id); err != nil {
		t.Fatal(err)
	}
	err = inTx(func(tx *sqlx.Tx) error {
		if err := users.Lock(ctx, tx, id); !errors.Is(err, users.ErrNotFound) {
			t.Errorf("Lock(deleted) = %v", err)
		}
		if _, err := users.LockFace(ctx, tx, id); !errors.Is(err, users.ErrNotFound) {
			t.Errorf("LockFace(deleted) = %v", err)
		}
		if _, _, err := users.LockByEmail(ctx, tx, "ann@x.io"); !errors.Is(err, users.ErrNotFound) {
			t.Errorf("LockByEmail(deleted) = %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
