package main

// Wiring of the coding feature: the code worker, `hirebus sandbox run`,
// `hirebus problems ...` and loading the seed problems after migrations.

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/problems"
	"github.com/hirebus/hirebus/sandbox/cli"
	"github.com/hirebus/hirebus/sandbox/docker"
	"github.com/hirebus/hirebus/workers/code"
	"github.com/jmoiron/sqlx"
)

func init() {
	workerFactories[events.RoleCode] = func(_ context.Context, cfg Config, d Deps) (worker, error) {
		return code.New(code.Config{Slots: cfg.WorkerConcurrency, MaxRunningPerUser: cfg.CodeRunPerUser, Runner: cfg.Sandbox, Docker: docker.Config{
			Host: cfg.DockerHost, ImagePrefix: cfg.SandboxImagePrefix, ImageTag: cfg.SandboxImageTag,
			Runtime: cfg.SandboxRuntime, PoolSize: cfg.SandboxPool,
		}},
			code.Deps{DB: d.DB, JS: d.JS, Relay: d.Relay, Log: d.Log})
	}
	tools["sandbox"] = func(ctx context.Context, _ Config, args []string) error {
		err := cli.RunCLI(ctx, args, os.Stdout)
		if errors.Is(err, cli.ErrUsage) {
			// Usage mistakes exit with status 2, like flag parsing does.
			fmt.Fprintln(os.Stderr, "hirebus:", err)
			os.Exit(2)
		}
		return err
	}
	tools["problems"] = func(ctx context.Context, cfg Config, args []string) error {
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
	afterMigrateHooks = append(afterMigrateHooks, loadSeedProblems)
}

// loadSeedProblems upserts the embedded seed set; keyed by slug, so running
// it at every start changes nothing once loaded.
func loadSeedProblems(ctx context.Context, db *sqlx.DB) error {
	if _, err := problems.UpsertSeed(ctx, db); err != nil {
		return fmt.Errorf("seed problems: %w", err)
	}
	return nil
}
