package pinecone_test

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"testing"

	_ "github.com/go-sql-driver/mysql"
	"github.com/hirebus/hirebus/face/index"
	"github.com/hirebus/hirebus/face/index/indextest"
	"github.com/hirebus/hirebus/face/index/pinecone"
	"github.com/hirebus/hirebus/face/index/pineconetest"
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

func TestOpenChoosesImplementation(t *testing.T) {
	ctx := context.Background()
	db := migratedDB(t)
	srv := pineconetest.Start(t, "k", index.Dim)
	cases := []struct {
		name string
		cfg  pinecone.OpenConfig
		want string
		err  error
	}{
		{"default is embedded", pinecone.OpenConfig{}, "*index.Embedded", nil},
		{"pinecone when configured", pinecone.OpenConfig{Pinecone: pinecone.Config{APIKey: "k", IndexHost: srv.Host(), Namespace: "dev"}}, "*pinecone.Index", nil},
		{"half-configured pinecone is an error", pinecone.OpenConfig{Pinecone: pinecone.Config{APIKey: "k"}}, "", index.ErrInvalid},
		{"negative parallelism", pinecone.OpenConfig{Parallelism: -1}, "", index.ErrInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ix, err := pinecone.Open(ctx, db, c.cfg)
			if !errors.Is(err, c.err) {
				t.Fatalf("Open err = %v; want %v", err, c.err)
			}
			if err != nil {
				return
			}
			defer ix.Close()
			var got string
			switch ix.(type) {
			case *index.Embedded:
				got = "*index.Embedded"
			case *pinecone.Index:
				got = "*pinecone.Index"
			}
			if got != c.want {
				t.Fatalf("Open returned %T; want %s", ix, c.want)
			}
			if _, err := ix.Search(ctx, indextest.Synth(rand.New(rand.NewPCG(1, 1)), 1)[0], 1); err != nil {
				t.Fatalf("search on opened index: %v", err)
			}
		})
	}
}
