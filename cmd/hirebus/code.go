package main

// Wiring of the coding feature: the code worker and its sandbox runner,
// `hirebus sandbox run`, `hirebus problems ...` and loading the seed problems
// after migrations.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/problems"
	"github.com/hirebus/hirebus/sandbox"
	"github.com/hirebus/hirebus/sandbox/cli"
	"github.com/hirebus/hirebus/sandbox/docker"
	"github.com/hirebus/hirebus/sandbox/local"
	"github.com/hirebus/hirebus/workers/code"
	"github.com/jmoiron/sqlx"
)

// newCodeWorker builds the sandbox runner HIREBUS_SANDBOX names and the
// code worker on it; the runner is closed when the worker's Run returns.
func newCodeWorker(ctx context.Context, cfg Config, d Deps) (worker, error) {
	log := d.Log
	if log == nil {
		log = slog.Default()
	}
	r, err := newSandboxRunner(ctx, cfg, log.With("worker", events.RoleCode))
	if err != nil {
		return nil, err
	}
	w, err := code.New(code.Config{Slots: cfg.WorkerConcurrency, MaxRunningPerUser: cfg.CodeRunPerUser},
		code.Deps{DB: d.DB, JS: d.JS, Relay: d.Relay, Log: d.Log, Runner: r})
	if err != nil {
		_ = r.Close()
		return nil, err
	}
	return closeAfterRun{w, r}, nil
}

// closeAfterRun runs a worker, then releases what was built for it.
type closeAfterRun struct {
	worker
	res interface{ Close() error }
}

func (c closeAfterRun) Run(ctx context.Context) error {
	err := c.worker.Run(ctx)
	if cerr := c.res.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	return err
}

// newSandboxRunner is the code worker's sandbox: the local namespaces runner
// (default, no daemon needed) or Docker (production), with as many slots as
// the worker handles commands at once.
func newSandboxRunner(ctx context.Context, cfg Config, log *slog.Logger) (sandbox.Runner, error) {
	slots := cfg.WorkerConcurrency
	if slots == 0 {
		slots = runtime.NumCPU() // the code worker's default
	}
	switch cfg.Sandbox {
	case "docker":
		ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		r, err := docker.New(ctx, docker.Config{
			Host: cfg.DockerHost, ImagePrefix: cfg.SandboxImagePrefix, ImageTag: cfg.SandboxImageTag,
			Runtime: cfg.SandboxRuntime, PoolSize: cfg.SandboxPool, Slots: slots, Max: sandbox.MaxLimits(),
		})
		if err != nil {
			return nil, fmt.Errorf("code worker: docker runner: %w", err)
		}
		return r, nil
	case "local", "":
		r, err := local.New(local.Options{Slots: slots, Logger: log})
		if err != nil {
			return nil, fmt.Errorf("code worker: local runner: %w", err)
		}
		return r, nil
	}
	return nil, fmt.Errorf("code worker: runner %q: want local or docker", cfg.Sandbox)
}

// runSandboxTool is `hirebus sandbox run ...`.
func runSandboxTool(ctx context.Context, _ Config, args []string) error {
	err := cli.RunCLI(ctx, args, os.Stdout)
	if errors.Is(err, cli.ErrUsage) {
		// Usage mistakes exit with status 2, like flag parsing does.
		fmt.Fprintln(os.Stderr, "hirebus:", err)
		os.Exit(2)
	}
	return err
}

// runProblemsTool is `hirebus problems validate|load|...`.
func runProblemsTool(ctx context.Context, cfg Config, args []string) error {
	switch {
	case len(args) == 0:
		return problems.ErrUsage
	case len(args) == 2 && args[0] == "validate":
		// Validation needs no database.
		return problems.RunCLI(ctx, args, nil, os.Stdout)
	}
	if err := cfg.Validate("migrate"); err != nil {
		return err
	}
	db, err := openDB(ctx, cfg, true)
	if err != nil {
		return err
	}
	defer db.Close()
	return problems.RunCLI(ctx, args, db, os.Stdout)
}

// loadSeedProblems upserts the embedded seed set; keyed by slug, so running
// it at every start changes nothing once loaded.
func loadSeedProblems(ctx context.Context, db *sqlx.DB) error {
	if _, err := problems.UpsertSeed(ctx, db); err != nil {
		return fmt.Errorf("seed problems: %w", err)
	}
	return nil
}
