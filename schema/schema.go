// Package schema holds hirebus's SQL migrations, embedded in the binary, and
// applies them with goose so every process agrees on the database shape.
package schema

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations exposes the embedded migration files (for docs and tests).
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrations, "migrations")
	return sub
}

// EnsureDatabase creates the database named in dsn if it does not exist yet,
// so a fresh machine needs no manual step before `hirebus all`.
func EnsureDatabase(ctx context.Context, dsn string) error {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return fmt.Errorf("schema: parse dsn: %w", err)
	}
	name := cfg.DBName
	if name == "" {
		return fmt.Errorf("schema: dsn names no database")
	}
	if strings.ContainsAny(name, "`\x00") {
		return fmt.Errorf("schema: bad database name %q", name)
	}
	cfg.DBName = ""
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return fmt.Errorf("schema: open: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return fmt.Errorf("schema: create database %s: %w", name, err)
	}
	return nil
}

// Migrate applies every pending migration. Run it from one process (hirebus
// migrate, or hirebus all) before scaling out edges and workers.
func Migrate(ctx context.Context, db *sql.DB) error {
	provider, err := goose.NewProvider(goose.DialectMySQL, db, Migrations(), goose.WithLogger(goose.NopLogger()))
	if err != nil {
		return fmt.Errorf("schema: goose provider: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("schema: migrate up: %w", err)
	}
	for _, r := range results {
		slog.Debug("migration applied", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
	}
	return nil
}
