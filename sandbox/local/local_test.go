package local

import (
	"os"
	"testing"

	"github.com/hirebus/hirebus/sandbox"
	"github.com/hirebus/hirebus/sandbox/sandboxtest"
)

func TestMain(m *testing.M) {
	// A re-executed test binary is the sandbox init: it must not run tests.
	MaybeRunInit()
	os.Exit(m.Run())
}

func newTestRunner(t *testing.T, opts Options) *Runner {
	t.Helper()
	if opts.CacheDir == "" {
		// Shared across test runs: the Go standard-library cache takes
		// a while to build once.
		opts.CacheDir = os.TempDir() + "/hirebus-sandbox-test-cache"
	}
	r, err := New(opts)
	if err != nil {
		t.Fatalf("new local runner: %v", err)
	}
	return r
}

func TestConformance(t *testing.T) {
	sandboxtest.Run(t, func(t *testing.T) sandbox.Runner {
		r := newTestRunner(t, Options{})
		if !r.Cgroups() {
			t.Log("cgroups unavailable: memory is enforced with rlimits only")
		}
		return r
	})
}
