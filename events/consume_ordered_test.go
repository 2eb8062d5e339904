package events_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/testutil"
)

// TestConsumeBySubjectKeepsOrder: two processes (two ConsumeBySubject
// loops on one consumer) with many commands in flight handle each
// subject's commands exactly once and in the order they were stored, even
// when commands fail and come back by redelivery, while different subjects
// overlap.
func TestConsumeBySubjectKeepsOrder(t *testing.T) {
	js := setup(t)
	const subjects, per = 5, 30
	type rec struct {
		Subject string
		N       int
	}
	var mu sync.Mutex
	handled := map[string][]int{} // subject -> n in handling order (successful runs)
	failed := map[string]bool{}   // env id -> failed once already
	running := map[string]bool{}  // subject -> a handler is running for it
	var overlap, concurrent, maxConcurrent int
	h := func(ctx context.Context, env events.Envelope, meta events.Meta) error {
		var r rec
		if err := env.Decode(&r); err != nil {
			return events.Permanent(err)
		}
		mu.Lock()
		if running[meta.Subject] {
			overlap++
		}
		running[meta.Subject] = true
		concurrent++
		maxConcurrent = max(maxConcurrent, concurrent)
		fail := r.N%7 == 3 && !failed[env.ID]
		failed[env.ID] = true
		mu.Unlock()
		time.Sleep(time.Duration(rand.IntN(3000)) * time.Microsecond)
		mu.Lock()
		defer mu.Unlock()
		running[meta.Subject] = false
		concurrent--
		if fail {
			return errors.New("temporary failure")
		}
		handled[meta.Subject] = append(handled[meta.Subject], r.N)
		return nil
	}
	policy := events.ConsumerPolicy{AckWait: time.Second, MaxDeliver: 5, Backoff: []time.Duration{20 * time.Millisecond, 40 * time.Millisecond}, MaxAckPending: 32}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := events.ConsumeBySubject(ctx, js, events.ConsumeConfig{Role: events.RoleProctor, Concurrency: 4, Grace: time.Second, Policy: &policy,
				Durable: events.ProctorConsumerName(0), Filter: events.ProctorPartitionFilter(0)}, h)
			if err != nil {
				t.Errorf("consume: %v", err)
			}
		}()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })

	subj := func(i int) string { return events.ProctorSubject(uint64(16 * (i + 1))) } // all in partition 0
	for n := range per {
		for i := range subjects {
			publish(t, js, subj(i), rec{Subject: subj(i), N: n})
		}
	}
	testutil.Eventually(t, 30*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		total := 0
		for _, ns := range handled {
			total += len(ns)
		}
		return total >= subjects*per
	}, "not every command was handled")
	time.Sleep(300 * time.Millisecond) // a late duplicate would show up by now
	mu.Lock()
	defer mu.Unlock()
	for i := range subjects {
		got := handled[subj(i)]
		want := make([]int, per)
		for n := range want {
			want[n] = n
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s handled %v, want %v", subj(i), got, want)
		}
	}
	if overlap != 0 {
		t.Errorf("%d handlers ran while another of the same subject was running", overlap)
	}
	if maxConcurrent < 2 {
		t.Errorf("at most %d handlers ran at once: subjects did not overlap", maxConcurrent)
	}
}
