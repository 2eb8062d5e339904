package main

import (
	"slices"
	"strings"
	"testing"
)

// TestWiringListsAgree: every worker role can be started by `hirebus all`
// and is named in the usage, and so is every tool.
func TestWiringListsAgree(t *testing.T) {
	all := allWorkers()
	if len(all) != len(workerFactories) {
		t.Fatalf("allWorkers %v does not start every role of workerFactories", all)
	}
	for role := range workerFactories {
		if !slices.Contains(all, role) {
			t.Errorf("role %s is wired but not started by `hirebus all`", role)
		}
		if !strings.Contains(usage, role) {
			t.Errorf("role %s missing from the usage text", role)
		}
	}
	for name := range tools {
		if !strings.Contains(usage, "hirebus "+name) {
			t.Errorf("tool %s missing from the usage text", name)
		}
	}
}
