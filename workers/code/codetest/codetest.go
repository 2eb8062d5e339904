// Package codetest starts a real platform (platformtest) with the seed
// problems loaded and, on request, a code worker using the local sandbox
// runner. Test binaries that use it must call local.MaybeRunInit() first in
// TestMain: the runner re-executes the test binary as the sandbox's init.
package codetest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/problems"
	"github.com/hirebus/hirebus/sandbox"
	"github.com/hirebus/hirebus/sandbox/local"
	"github.com/hirebus/hirebus/workers/code"
	"github.com/nats-io/nats.go/jetstream"
)

// Options tune Start.
type Options struct {
	Slots int // worker slots (default 2)
	// InitPath is the sandbox init binary (BuildInitBinary); empty: the
	// test binary re-executes itself, which costs a few ms more per run.
	InitPath string
	// Config adjusts the worker config before New.
	Config func(*code.Config)
	// JS, when set, is the worker's own JetStream connection (tests close
	// it to make the worker vanish like a killed process).
	JS jetstream.JetStream
	// Wrap, when set, wraps the counting runner (e.g. to block a run).
	Wrap func(sandbox.Runner) sandbox.Runner
}

// Env is a running platform with the seed problems.
type Env struct {
	*platformtest.Platform
	Runner *CountingRunner
	// ProgramsDir is where the worker's runner keeps compiled programs
	// (one directory each), for tests that check nothing is left behind.
	ProgramsDir string
}

// Start brings up the platform and loads the seed problems; the worker is
// started with StartWorker.
func Start(t testing.TB) *Env {
	t.Helper()
	p := platformtest.Start(t, platformtest.Options{})
	ps, err := problems.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	if err := problems.Upsert(context.Background(), p.DB, ps); err != nil {
		t.Fatal(err)
	}
	return &Env{Platform: p}
}

// NewRunner builds a local runner closed at test end, with its programs in
// baseDir ("" = a private temporary directory). The Go build cache is
// shared across runs: warming it takes a while once.
func NewRunner(t testing.TB, slots int, baseDir string) *local.Runner {
	t.Helper()
	return NewRunnerInit(t, slots, baseDir, "")
}

// NewRunnerInit is NewRunner with an explicit init binary ("" = self).
func NewRunnerInit(t testing.TB, slots int, baseDir, initPath string) *local.Runner {
	t.Helper()
	if initPath == "" {
		// Never pick up a stray init binary next to the test binary.
		initPath = "self"
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	r, err := local.New(local.Options{Slots: slots, BaseDir: baseDir, InitPath: initPath, CacheDir: filepath.Join(dir, "hirebus", "sandbox"), Logger: platformtest.Logger()})
	if err != nil {
		t.Fatalf("local runner: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// NewWorker builds a code worker on a counting local runner (not started).
func (e *Env) NewWorker(t testing.TB, opt Options) *code.Worker {
	t.Helper()
	if opt.Slots == 0 {
		opt.Slots = 2
	}
	base := t.TempDir()
	e.ProgramsDir = filepath.Join(base, "programs")
	e.Runner = &CountingRunner{Runner: NewRunnerInit(t, opt.Slots, base, opt.InitPath)}
	cfg := code.Config{Slots: opt.Slots}
	if opt.Config != nil {
		opt.Config(&cfg)
	}
	js := e.JS
	if opt.JS != nil {
		js = opt.JS
	}
	var runner sandbox.Runner = e.Runner
	if opt.Wrap != nil {
		runner = opt.Wrap(runner)
	}
	w, err := code.New(cfg, code.Deps{DB: e.DB, JS: js, Relay: e.Relay, Log: e.Log, Runner: runner})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// StartWorker builds and runs a code worker until the test ends.
func (e *Env) StartWorker(t testing.TB, opt Options) *code.Worker {
	t.Helper()
	w := e.NewWorker(t, opt)
	e.Go(w.Run)
	return w
}

// BuildInitBinary builds the small sandbox init binary production installs
// next to hirebus (`make build`) and returns its path.
func BuildInitBinary(t testing.TB) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), local.InitBinaryName)
	cmd := exec.Command("go", "build", "-o", out, "./sandbox/local/cmd/hirebus-sandbox-init")
	cmd.Dir = testutil.RepoRoot()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", local.InitBinaryName, err, b)
	}
	return out
}

// SeedSolution reads a reference solution shipped with a seed problem.
func SeedSolution(t testing.TB, slug, file string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(), "problems", "seed", slug, "solutions", file))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// CountingRunner is the real runner that also counts compiles and runs, so
// tests can prove a redelivered command did not run again.
type CountingRunner struct {
	sandbox.Runner
	Compiles atomic.Int64
	Runs     atomic.Int64
}

// Compile counts and delegates.
func (c *CountingRunner) Compile(ctx context.Context, lang sandbox.Language, src []byte, lim sandbox.Limits) (*sandbox.Program, *sandbox.Result, error) {
	c.Compiles.Add(1)
	return c.Runner.Compile(ctx, lang, src, lim)
}

// Run counts and delegates.
func (c *CountingRunner) Run(ctx context.Context, p *sandbox.Program, stdin []byte, lim sandbox.Limits) (*sandbox.Result, error) {
	c.Runs.Add(1)
	return c.Runner.Run(ctx, p, stdin, lim)
}
