package code

import (
	"context"
	"testing"
	"time"
)

// TestFairGateRoundRobin: with one user's backlog waiting, another user's
// command gets the next free slot, and no user runs more than perUser.
func TestFairGateRoundRobin(t *testing.T) {
	g := newFairGate(2, 1)
	ctx := context.Background()
	const a, b = 1, 2
	relA1, err := g.acquire(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	granted := make(chan uint64, 20)
	for i := 0; i < 5; i++ {
		go func() {
			rel, err := g.acquire(ctx, a)
			if err == nil {
				granted <- a
				defer rel()
				time.Sleep(time.Millisecond)
			}
		}()
	}
	// a's backlog is queued behind its one running command.
	waitFor(t, func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(g.waiting[a]) == 5 })
	relB, err := g.acquire(ctx, b) // the second slot is free: b runs at once
	if err != nil {
		t.Fatal(err)
	}
	select {
	case u := <-granted:
		t.Fatalf("user %d ran past its per-user limit", u)
	default:
	}
	relB()
	relA1()
	for i := 0; i < 5; i++ {
		select {
		case <-granted:
		case <-time.After(5 * time.Second):
			t.Fatal("a's backlog stalled")
		}
	}
	// Cancelled waiters leave no trace.
	rel, _ := g.acquire(ctx, a)
	rel2, _ := g.acquire(ctx, b)
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() { _, err := g.acquire(cctx, a); done <- err }()
	waitFor(t, func() bool { g.mu.Lock(); defer g.mu.Unlock(); return len(g.waiting[a]) == 1 })
	cancel()
	if err := <-done; err == nil {
		t.Fatal("cancelled acquire succeeded")
	}
	rel()
	rel2()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.running != 0 || len(g.waiting) != 0 || len(g.ring) != 0 || len(g.runningBy) != 0 {
		t.Fatalf("gate not empty: running %d waiting %v ring %v by %v", g.running, g.waiting, g.ring, g.runningBy)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}
