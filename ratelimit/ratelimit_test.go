package ratelimit_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/ratelimit"
	"github.com/hirebus/hirebus/schema"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

func openDB(t *testing.T) *sqlx.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, store.Config{DSN: testutil.MySQL(t), MaxOpenConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := schema.Migrate(ctx, db.DB); err != nil {
		t.Fatal(err)
	}
	return db
}

// TestSharedLimiter: two limiters (two edges) on one database share one
// bucket, bursts of N pass, the next waits, and time refills it.
func TestSharedLimiter(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	clock := func() time.Time { return now }
	a := &ratelimit.MySQL{DB: db, Now: clock}
	b := &ratelimit.MySQL{DB: db, Now: clock}
	r := ratelimit.PerMinute(4)
	for i := 0; i < 4; i++ {
		l := a
		if i%2 == 1 {
			l = b
		}
		if d, err := l.Allow(ctx, "k", r); err != nil || !d.OK {
			t.Fatalf("event %d: %+v %v", i, d, err)
		}
	}
	d, err := b.Allow(ctx, "k", r)
	if err != nil || d.OK || d.RetryAfter < 10*time.Second || d.RetryAfter > 16*time.Second {
		t.Fatalf("5th event: %+v %v, want refused with ~15s", d, err)
	}
	if d, _ := a.Allow(ctx, "other", r); !d.OK {
		t.Fatal("another key was limited")
	}
	now = now.Add(15 * time.Second)
	if d, _ := a.Allow(ctx, "k", r); !d.OK {
		t.Fatal("bucket did not refill")
	}
	if d, _ := a.Allow(ctx, "k", r); d.OK {
		t.Fatal("refill admitted more than one")
	}
}

// TestSharedLimiterConcurrent: concurrent edges never admit more than N.
func TestSharedLimiterConcurrent(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	var ok atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		l := ratelimit.NewMySQL(db)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				d, err := l.Allow(ctx, "burst", ratelimit.Rate{N: 7, Per: time.Hour})
				if err != nil {
					t.Error(err)
					return
				}
				if d.OK {
					ok.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 7 {
		t.Fatalf("admitted %d, want 7", ok.Load())
	}
}

func TestBackoff(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	now := time.Unix(1_800_000_000, 0)
	b := &ratelimit.Backoff{DB: db, Free: 2, Base: time.Second, Max: 4 * time.Second, Now: func() time.Time { return now }}
	want := []time.Duration{0, 0, time.Second, 2 * time.Second, 4 * time.Second, 4 * time.Second}
	for i, w := range want {
		got, err := b.Fail(ctx, "acct")
		if err != nil || got != w {
			t.Fatalf("failure %d: wait %v %v, want %v", i+1, got, err, w)
		}
	}
	if d, _ := b.Delay(ctx, "acct"); d != 4*time.Second {
		t.Fatalf("delay %v", d)
	}
	now = now.Add(5 * time.Second)
	if d, _ := b.Delay(ctx, "acct"); d != 0 {
		t.Fatalf("delay after waiting: %v (never a hard lock)", d)
	}
	if err := b.Reset(ctx, "acct"); err != nil {
		t.Fatal(err)
	}
	if got, _ := b.Fail(ctx, "acct"); got != 0 {
		t.Fatalf("after reset: %v", got)
	}
}
