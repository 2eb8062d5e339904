package problems

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"

	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/schema"
)

// migratedDB is a fresh database with every real migration applied.
func migratedDB(t *testing.T) *sqlx.DB {
	t.Helper()
	db, err := sqlx.Open("mysql", testutil.MySQL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := schema.Migrate(ctx, db.DB); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

func TestStore(t *testing.T) {
	db := migratedDB(t)
	ctx := context.Background()
	n, err := UpsertSeed(ctx, db)
	if err != nil {
		t.Fatalf("UpsertSeed: %v", err)
	}
	seed, err := LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	if n != len(seed) {
		t.Fatalf("UpsertSeed wrote %d problems, seed has %d", n, len(seed))
	}
	if err := Upsert(ctx, db, seed); err != nil {
		t.Fatalf("Upsert: %v", err)
	}
	ids := map[string]int64{}
	for _, p := range seed {
		if p.ID == 0 {
			t.Fatalf("%s has no id after Upsert", p.Slug)
		}
		ids[p.Slug] = p.ID
	}

	t.Run("idempotent", func(t *testing.T) {
		before, err := List(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		again, err := LoadSeed()
		if err != nil {
			t.Fatal(err)
		}
		if err := Upsert(ctx, db, again); err != nil {
			t.Fatalf("second Upsert: %v", err)
		}
		after, err := List(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(seed) || len(before) != len(after) {
			t.Fatalf("List has %d then %d problems, want %d", len(before), len(after), len(seed))
		}
		for i := range after {
			a, b := before[i], after[i]
			if a.ID != b.ID || a.Slug != b.Slug || a.TestCount != b.TestCount || !a.UpdatedAt.Equal(b.UpdatedAt) {
				t.Fatalf("problem changed by identical upsert: %+v -> %+v", a.Slug, b.Slug)
			}
			if b.ID != ids[b.Slug] {
				t.Fatalf("%s id %d, want %d", b.Slug, b.ID, ids[b.Slug])
			}
		}
	})

	t.Run("round trip", func(t *testing.T) {
		for _, want := range seed {
			got, err := ForGrading(ctx, db, want.ID)
			if err != nil {
				t.Fatalf("ForGrading(%s): %v", want.Slug, err)
			}
			if got.Slug != want.Slug || got.Title != want.Title || got.Statement != want.Statement ||
				got.TimeLimitMS != want.TimeLimitMS || got.MemoryLimitKB != want.MemoryLimitKB ||
				got.Comparison != want.Comparison || len(got.Examples) != len(want.Examples) ||
				len(got.Starter) != len(want.Starter) || len(got.Tests) != len(want.Tests) {
				t.Fatalf("%s: round trip differs:\n got %+v\nwant %+v", want.Slug, got.Public(), want.Public())
			}
			for i := range want.Tests {
				g, w := got.Tests[i], want.Tests[i]
				if g.Name != w.Name || g.Input != w.Input || g.Output != w.Output {
					t.Fatalf("%s: test %d differs after round trip", want.Slug, i)
				}
			}
			for lang, code := range want.Starter {
				if got.Starter[lang] != code {
					t.Fatalf("%s: starter %s differs", want.Slug, lang)
				}
			}
		}
	})

	t.Run("list is easiest first, then by title", func(t *testing.T) {
		list, err := List(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		rank := map[Difficulty]int{Easy: 0, Medium: 1, Hard: 2}
		for i := 1; i < len(list); i++ {
			a, b := list[i-1], list[i]
			if rank[a.Difficulty] > rank[b.Difficulty] || (a.Difficulty == b.Difficulty && a.Title > b.Title) {
				t.Fatalf("%s (%s) listed before %s (%s)", a.Title, a.Difficulty, b.Title, b.Difficulty)
			}
		}
	})

	t.Run("tests that are examples are visible, the others hidden", func(t *testing.T) {
		for _, tc := range []struct {
			slug    string
			visible []string
		}{
			{"fizzbuzz", []string{"03-five"}},
			{"count-primes", []string{"02-one", "04-ten"}},
			// Same input as example 2, and the float comparison accepts
			// the example's output for the test's.
			{"mean-and-deviation", []string{"03-two", "04-thirds"}},
			{"two-sum", nil},
		} {
			p, err := ForGrading(ctx, db, ids[tc.slug])
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tt := range p.Tests {
				if tt.Visible {
					got = append(got, tt.Name)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.visible, ",") {
				t.Errorf("%s: visible tests %v, want %v", tc.slug, got, tc.visible)
			}
		}
	})

	t.Run("public views hide tests", func(t *testing.T) {
		list, err := List(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		one, err := Get(ctx, db, ids["two-sum"])
		if err != nil {
			t.Fatal(err)
		}
		bySlug, err := GetBySlug(ctx, db, "two-sum")
		if err != nil {
			t.Fatal(err)
		}
		if one.ID != bySlug.ID || one.Slug != "two-sum" || one.TestCount < 5 {
			t.Fatalf("Get = %+v, GetBySlug = %+v", one, bySlug)
		}
		full, err := ForGrading(ctx, db, one.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range []any{list, one} {
			b, err := jsonMarshal(v)
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range full.Tests {
				// Skip tiny tests whose text could appear in an example.
				if len(tc.Input) > 40 && bytes.Contains(b, []byte(jsonEscape(tc.Input))) {
					t.Fatalf("public JSON contains hidden input of %s", tc.Name)
				}
			}
		}
	})

	t.Run("update keeps id and replaces tests", func(t *testing.T) {
		ps, err := LoadSeed()
		if err != nil {
			t.Fatal(err)
		}
		var p Problem
		for _, q := range ps {
			if q.Slug == "fizzbuzz" {
				p = q
			}
		}
		p.Title = "FizzBuzz Classic"
		p.Tests = p.Tests[:5]
		batch := []Problem{p}
		if err := Upsert(ctx, db, batch); err != nil {
			t.Fatal(err)
		}
		p = batch[0]
		got, err := ForGrading(ctx, db, ids["fizzbuzz"])
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "FizzBuzz Classic" || len(got.Tests) != 5 || p.ID != ids["fizzbuzz"] {
			t.Fatalf("after update: id %d title %q tests %d", p.ID, got.Title, len(got.Tests))
		}
	})

	t.Run("not found", func(t *testing.T) {
		if _, err := Get(ctx, db, 999999); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Get(missing) = %v", err)
		}
		if _, err := GetBySlug(ctx, db, "nope"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetBySlug(missing) = %v", err)
		}
		if _, err := ForGrading(ctx, db, 999999); !errors.Is(err, ErrNotFound) {
			t.Fatalf("ForGrading(missing) = %v", err)
		}
	})

	t.Run("invalid problem writes nothing", func(t *testing.T) {
		ps, err := LoadSeed()
		if err != nil {
			t.Fatal(err)
		}
		ps[0].Title = "changed"
		ps[1].TimeLimitMS = 0
		if err := Upsert(ctx, db, ps[:2]); !errors.Is(err, ErrInvalid) {
			t.Fatalf("Upsert(invalid) = %v, want ErrInvalid", err)
		}
		got, err := Get(ctx, db, ids[ps[0].Slug])
		if err != nil {
			t.Fatal(err)
		}
		if got.Title == "changed" {
			t.Fatal("a failed Upsert wrote part of its batch")
		}
	})
}

func TestRunCLI(t *testing.T) {
	db := migratedDB(t)
	ctx := context.Background()
	dir := t.TempDir()
	writeProblem(t, dir, "echo", nil)

	tests := []struct {
		name    string
		args    []string
		db      *sqlx.DB
		wantOut string
		wantErr string
	}{
		{"no args", nil, db, "", "usage"},
		{"unknown", []string{"frobnicate"}, db, "", "usage"},
		{"load without dir", []string{"load"}, db, "", "usage"},
		{"validate", []string{"validate", dir}, nil, "ok echo (1 tests)", ""},
		{"validate bad dir", []string{"validate", dir + "/nope"}, nil, "", "no such file"},
		{"load needs db", []string{"load", dir}, nil, "", "no database"},
		{"load", []string{"load", dir}, db, "loaded echo id=", ""},
		{"load again", []string{"load", dir}, db, "loaded echo id=", ""},
		{"seed", []string{"seed"}, db, "loaded two-sum id=", ""},
		{"list", []string{"list"}, db, "two-sum", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			err := RunCLI(ctx, tt.args, tt.db, &out)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("RunCLI(%v) = %v, want error containing %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("RunCLI(%v): %v", tt.args, err)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Fatalf("RunCLI(%v) printed %q, want %q", tt.args, out.String(), tt.wantOut)
			}
		})
	}
	list, err := List(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := LoadSeed()
	if len(list) != len(seed)+1 {
		t.Fatalf("after load+seed: %d problems, want %d", len(list), len(seed)+1)
	}
}

// TestMigrationDownUp checks 00003_coding.sql both ways: down drops every
// coding table (in foreign-key order) and up recreates them.
func TestMigrationDownUp(t *testing.T) {
	db := migratedDB(t)
	ctx := context.Background()
	if _, err := UpsertSeed(ctx, db); err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectMySQL, db.DB, schema.Migrations(), goose.WithLogger(goose.NopLogger()))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 2); err != nil {
		t.Fatalf("down to 2: %v", err)
	}
	var n int
	if err := db.GetContext(ctx, &n, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 'coding\_%'`); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d coding tables left after down", n)
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if _, err := UpsertSeed(ctx, db); err != nil {
		t.Fatalf("seed after re-up: %v", err)
	}
}

// TestCodingSchema exercises the constraints of 00003_coding.sql that the
// code worker relies on.
func TestCodingSchema(t *testing.T) {
	db := migratedDB(t)
	ctx := context.Background()
	if _, err := UpsertSeed(ctx, db); err != nil {
		t.Fatal(err)
	}
	res, err := db.ExecContext(ctx, `INSERT INTO users (username, email, password_hash) VALUES ('cand', 'cand@example.com', 'x')`)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := res.LastInsertId()
	pp, err := GetBySlug(ctx, db, "two-sum")
	if err != nil {
		t.Fatal(err)
	}
	res, err = db.ExecContext(ctx, `INSERT INTO coding_sessions (user_id, problem_id, language, code) VALUES (?, ?, 'python', 'print(1)')`, uid, pp.ID)
	if err != nil {
		t.Fatal(err)
	}
	sid, _ := res.LastInsertId()
	insert := func(op string, session any) error {
		_, err := db.ExecContext(ctx, `INSERT INTO coding_submissions (op_id, user_id, problem_id, session_id, language, source) VALUES (?, ?, ?, ?, 'python', 'print(1)')`,
			op, uid, pp.ID, session)
		return err
	}
	steps := []struct {
		name    string
		run     func() error
		wantErr bool
	}{
		{"submission", func() error { return insert("00000000-0000-0000-0000-000000000001", sid) }, false},
		{"redelivered op id is rejected", func() error { return insert("00000000-0000-0000-0000-000000000001", sid) }, true},
		{"practice submission without session", func() error { return insert("00000000-0000-0000-0000-000000000002", nil) }, false},
		{"unknown verdict rejected", func() error {
			_, err := db.ExecContext(ctx, `UPDATE coding_submissions SET verdict = 'XX' WHERE op_id = '00000000-0000-0000-0000-000000000002'`)
			return err
		}, true},
		{"done with results", func() error {
			_, err := db.ExecContext(ctx, `UPDATE coding_submissions SET status = 'done', verdict = 'WA', passed = 3, total = 7, score = 3/7,
				results = '[{"index":0,"verdict":"AC"}]', finished_at = NOW(3) WHERE op_id = '00000000-0000-0000-0000-000000000002'`)
			return err
		}, false},
		{"deleting the session keeps the submission", func() error {
			if _, err := db.ExecContext(ctx, `DELETE FROM coding_sessions WHERE id = ?`, sid); err != nil {
				return err
			}
			var n int
			if err := db.GetContext(ctx, &n, `SELECT COUNT(*) FROM coding_submissions WHERE session_id IS NULL`); err != nil {
				return err
			}
			if n != 2 {
				return errors.New("submission lost or still attached to the deleted session")
			}
			return nil
		}, false},
		{"a problem with submissions cannot be deleted", func() error {
			_, err := db.ExecContext(ctx, `DELETE FROM coding_problems WHERE id = ?`, pp.ID)
			return err
		}, true},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if err := s.run(); (err != nil) != s.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, s.wantErr)
			}
		})
	}
}
