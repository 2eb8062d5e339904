package pinecone_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync/atomic"
	"testing"

	"github.com/hirebus/hirebus/face/index"
	"github.com/hirebus/hirebus/face/index/indextest"
	"github.com/hirebus/hirebus/face/index/pinecone"
	"github.com/hirebus/hirebus/face/index/pineconetest"
	"github.com/hirebus/hirebus/internal/testutil"
)

// The Pinecone adapter runs the shared suite against the in-process
// stand-in (pineconetest); Pinecone itself is not reachable from CI.
func TestPineconeSuite(t *testing.T) {
	var users atomic.Uint64
	indextest.Run(t, indextest.Harness{
		New: func(t *testing.T) index.Index {
			srv := pineconetest.Start(t, "test-key", index.Dim)
			p, err := pinecone.New(pinecone.Config{APIKey: "test-key", IndexHost: srv.Host(), Namespace: testutil.RandomName("ns")})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { p.Close() })
			return p
		},
		NewUser: func(*testing.T) uint64 { return users.Add(1) },
	})
}

// Deployments share an index but never each other's faces.
func TestPineconeNamespacesIsolate(t *testing.T) {
	ctx := context.Background()
	srv := pineconetest.Start(t, "k", index.Dim)
	open := func(ns string) *pinecone.Index {
		p, err := pinecone.New(pinecone.Config{APIKey: "k", IndexHost: srv.Host(), Namespace: ns})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		return p
	}
	staging, prod := open("staging"), open("production")
	v := indextest.Synth(rand.New(rand.NewPCG(1, 2)), 1)[0]
	if _, err := staging.ReplaceUser(ctx, 7, "op", []index.Entry{{Vector: v}}); err != nil {
		t.Fatal(err)
	}
	if m, err := prod.Search(ctx, v, 3); err != nil || len(m) != 0 {
		t.Fatalf("production sees staging's face: %+v %v", m, err)
	}
	if srv.Count("staging") != 1 || srv.Count("production") != 0 {
		t.Fatalf("counts staging=%d production=%d", srv.Count("staging"), srv.Count("production"))
	}
}

func TestPineconeWrongKey(t *testing.T) {
	srv := pineconetest.Start(t, "right", index.Dim)
	p, err := pinecone.New(pinecone.Config{APIKey: "wrong", IndexHost: srv.Host(), Namespace: "ns"})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	v := indextest.Synth(rand.New(rand.NewPCG(1, 2)), 1)[0]
	if _, err := p.Search(context.Background(), v, 1); err == nil {
		t.Fatal("search with a wrong API key succeeded")
	}
}

func TestPineconeConfigValidate(t *testing.T) {
	ok := pinecone.Config{APIKey: "k", IndexHost: "h", Namespace: "n"}
	cases := []struct {
		name string
		mut  func(*pinecone.Config)
		bad  bool
	}{
		{"complete", func(*pinecone.Config) {}, false},
		{"no key", func(c *pinecone.Config) { c.APIKey = "" }, true},
		{"no host", func(c *pinecone.Config) { c.IndexHost = "" }, true},
		{"no namespace", func(c *pinecone.Config) { c.Namespace = "" }, true},
		{"fanout too large", func(c *pinecone.Config) { c.Fanout = 1000 }, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := ok
			c.mut(&cfg)
			err := cfg.Validate()
			if (err != nil) != c.bad || (err != nil && !errors.Is(err, index.ErrInvalid)) {
				t.Fatalf("Validate() = %v, want error %v", err, c.bad)
			}
		})
	}
}
