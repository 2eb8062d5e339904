package index_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	_ "github.com/go-sql-driver/mysql"

	"github.com/hirebus/hirebus/face/index"
	"github.com/hirebus/hirebus/face/index/indextest"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/schema"
)

// migratedDB returns a fresh MariaDB database with every migration applied.
func migratedDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", testutil.MySQL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := schema.Migrate(context.Background(), db); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

var userSeq atomic.Int64

func createUser(t *testing.T, db *sql.DB) uint64 {
	t.Helper()
	n := userSeq.Add(1)
	res, err := db.Exec(`INSERT INTO users (username, email, password_hash) VALUES (?, ?, '')`,
		fmt.Sprintf("face%d", n), fmt.Sprintf("face%d@example.test", n))
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	id, _ := res.LastInsertId()
	return uint64(id)
}

func newEmbedded(t *testing.T, db *sql.DB) *index.Embedded {
	t.Helper()
	e, err := index.NewEmbedded(db, index.EmbeddedConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func TestEmbeddedSuite(t *testing.T) {
	dbs := map[*testing.T]*sql.DB{}
	dbOf := func(t *testing.T) *sql.DB {
		if db, ok := dbs[t]; ok {
			return db
		}
		db := migratedDB(t)
		dbs[t] = db
		return db
	}
	indextest.Run(t, indextest.Harness{
		New:     func(t *testing.T) index.Index { return newEmbedded(t, dbOf(t)) },
		NewUser: func(t *testing.T) uint64 { return createUser(t, dbOf(t)) },
	})
}

// Two replicas over one database: what one writes, the other sees after
// ApplyChange (the bus event), and a fresh Load sees everything.
func TestEmbeddedReplicasConverge(t *testing.T) {
	ctx := context.Background()
	db := migratedDB(t)
	a, b := newEmbedded(t, db), newEmbedded(t, db)
	rng := rand.New(rand.NewPCG(3, 4))
	u := createUser(t, db)
	vecs := indextest.Synth(rng, 3)
	es := []index.Entry{{Vector: vecs[0]}, {Vector: vecs[1]}, {Vector: vecs[2]}}
	if _, err := a.ReplaceUser(ctx, u, "op-1", es); err != nil {
		t.Fatal(err)
	}
	if m, _ := b.Search(ctx, vecs[0], 1); len(m) != 0 {
		t.Fatalf("replica b found %+v before the change event", m)
	}
	// The event travels as JSON over the bus.
	raw, err := json.Marshal(index.Change{Kind: index.ChangeReplaced, UserID: u, OpID: "op-1"})
	if err != nil {
		t.Fatal(err)
	}
	var ch index.Change
	if err := json.Unmarshal(raw, &ch); err != nil {
		t.Fatal(err)
	}
	for range 2 { // duplicates are harmless
		if err := b.ApplyChange(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	m, err := b.Search(ctx, vecs[2], 1)
	if err != nil || len(m) != 1 || m[0].UserID != u || m[0].EmbeddingID != es[2].EmbeddingID {
		t.Fatalf("replica b after event: %+v %v", m, err)
	}
	if n, _ := b.Len(ctx); n != 3 {
		t.Fatalf("replica b Len = %d, want 3", n)
	}

	c := newEmbedded(t, db) // a replica started later loads the state
	if n, _ := c.Len(ctx); n != 3 {
		t.Fatalf("fresh replica Len = %d, want 3", n)
	}

	// Deleting the user row cascades to face_embeddings; the deletion event
	// then empties the replicas' memory.
	if _, err := db.Exec(`DELETE FROM users WHERE id = ?`, u); err != nil {
		t.Fatal(err)
	}
	for _, r := range []*index.Embedded{a, b, c} {
		if err := r.ApplyChange(ctx, index.Change{Kind: index.ChangeDeleted, UserID: u}); err != nil {
			t.Fatal(err)
		}
		if n, _ := r.Len(ctx); n != 0 {
			t.Fatalf("replica still holds %d descriptors after cascade delete", n)
		}
	}
}

func TestEmbeddedUnknownUser(t *testing.T) {
	ctx := context.Background()
	db := migratedDB(t)
	e := newEmbedded(t, db)
	v := indextest.Synth(rand.New(rand.NewPCG(1, 1)), 1)[0]
	cases := []struct {
		name string
		call func() error
	}{
		{"replace", func() error { _, err := e.ReplaceUser(ctx, 424242, "op-x", []index.Entry{{Vector: v}}); return err }},
		{"upsert", func() error { return e.Upsert(ctx, []index.Entry{{UserID: 424242, Vector: v}}) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.call(); !errors.Is(err, index.ErrNoUser) {
				t.Fatalf("err = %v; want ErrNoUser", err)
			}
		})
	}
	var n int
	if err := db.QueryRow(`SELECT COUNT(*) FROM face_enrollments`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("failed enrolment left %d rows (%v)", n, err)
	}
}

// A replayed enrolment must not undo a later reset.
func TestEmbeddedReplayAfterReset(t *testing.T) {
	ctx := context.Background()
	db := migratedDB(t)
	e := newEmbedded(t, db)
	rng := rand.New(rand.NewPCG(5, 6))
	u := createUser(t, db)
	old, reset := indextest.Synth(rng, 3), indextest.Synth(rng, 3)
	mk := func(vs [][]float32, src index.Source) []index.Entry {
		var es []index.Entry
		for _, v := range vs {
			es = append(es, index.Entry{Vector: v, Source: src})
		}
		return es
	}
	if _, err := e.ReplaceUser(ctx, u, "enroll-1", mk(old, index.SourceEnroll)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ReplaceUser(ctx, u, "reset-1", mk(reset, index.SourceReset)); err != nil {
		t.Fatal(err)
	}
	applied, err := e.ReplaceUser(ctx, u, "enroll-1", mk(old, index.SourceEnroll))
	if err != nil || applied {
		t.Fatalf("replay: applied=%v err=%v", applied, err)
	}
	got, err := e.UserEntries(ctx, u)
	if err != nil || len(got) != 3 {
		t.Fatalf("entries: %d %v", len(got), err)
	}
	for _, g := range got {
		if g.Source != index.SourceReset {
			t.Fatalf("replayed enrolment overwrote the reset: %+v", g.Source)
		}
	}
}
