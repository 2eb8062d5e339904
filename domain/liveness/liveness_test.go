package liveness_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/domain/liveness"
	"github.com/hirebus/hirebus/events"
)

func TestIssueAndUse(t *testing.T) {
	e := domaintest.Start(t)
	ctx := context.Background()
	live, old := events.NewID(), events.NewID()
	steps := []string{"blink", "turn_left"}
	if err := liveness.Issue(ctx, e.DB, live, steps, time.Now().Add(time.Minute).UTC()); err != nil {
		t.Fatal(err)
	}
	if err := liveness.Issue(ctx, e.DB, old, steps, time.Now().Add(-time.Second).UTC()); err != nil {
		t.Fatal(err)
	}
	got, err := liveness.Use(ctx, e.DB, live)
	if err != nil || !slices.Equal(got, steps) {
		t.Fatalf("Use = %v, %v; want %v", got, err, steps)
	}
	for _, tc := range []struct{ name, id string }{
		{"used twice", live}, {"expired", old}, {"unknown", events.NewID()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := liveness.Use(ctx, e.DB, tc.id); !errors.Is(err, liveness.ErrUnusable) {
				t.Fatalf("Use = %v; want ErrUnusable", err)
			}
		})
	}
}
