package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hirebus/hirebus/sandbox/local"
)

func TestMain(m *testing.M) {
	// The local sandbox re-executes this test binary as its init, as main does.
	local.MaybeRunInit()
	os.Exit(m.Run())
}

// TestSandboxRunner: the binary builds the code worker's runner from
// HIREBUS_SANDBOX (local by default, Docker on request) and refuses others.
func TestSandboxRunner(t *testing.T) {
	ctx := context.Background()
	for _, kind := range []string{"", "local"} {
		t.Run("local/"+kind, func(t *testing.T) {
			r, err := newSandboxRunner(ctx, Config{Sandbox: kind, WorkerConcurrency: 1}, slog.Default())
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.Name() != "local" {
				t.Fatalf("runner %s, want local", r.Name())
			}
		})
	}
	errCases := []struct {
		name string
		cfg  Config
		want string
	}{
		{"unknown runner", Config{Sandbox: "chroot"}, "runner"},
		{"docker without a daemon", Config{Sandbox: "docker", DockerHost: "unix://" + filepath.Join(t.TempDir(), "no-docker.sock")}, "docker"},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := newSandboxRunner(ctx, tc.cfg, slog.Default())
			if err == nil {
				r.Close()
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}
