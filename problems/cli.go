package problems

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/jmoiron/sqlx"
)

// ErrUsage is returned by RunCLI for a malformed command line.
var ErrUsage = errors.New(`usage: hirebus problems load DIR | seed | validate DIR | list`)

// RunCLI implements `hirebus problems ...`; args excludes "problems":
//
//	load DIR      validate DIR and upsert its problems
//	seed          upsert the embedded seed set
//	validate DIR  validate only (db may be nil)
//	list          print id, slug, difficulty, test count and title
func RunCLI(ctx context.Context, args []string, db *sqlx.DB, stdout io.Writer) error {
	if len(args) == 0 {
		return ErrUsage
	}
	needDB := func() error {
		if db == nil {
			return fmt.Errorf("problems %s: no database connection", args[0])
		}
		return nil
	}
	switch {
	case args[0] == "load" && len(args) == 2:
		if err := needDB(); err != nil {
			return err
		}
		ps, err := LoadDir(args[1])
		if err != nil {
			return err
		}
		return upsertAndReport(ctx, db, ps, stdout)
	case args[0] == "seed" && len(args) == 1:
		if err := needDB(); err != nil {
			return err
		}
		ps, err := LoadSeed()
		if err != nil {
			return err
		}
		return upsertAndReport(ctx, db, ps, stdout)
	case args[0] == "validate" && len(args) == 2:
		ps, err := LoadDir(args[1])
		if err != nil {
			return err
		}
		for _, p := range ps {
			fmt.Fprintf(stdout, "ok %s (%d tests)\n", p.Slug, len(p.Tests))
		}
		return nil
	case args[0] == "list" && len(args) == 1:
		if err := needDB(); err != nil {
			return err
		}
		ps, err := List(ctx, db)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSLUG\tDIFFICULTY\tTESTS\tTITLE")
		for _, p := range ps {
			fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\n", p.ID, p.Slug, p.Difficulty, p.TestCount, p.Title)
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("problems list: write: %w", err)
		}
		return nil
	}
	return ErrUsage
}

func upsertAndReport(ctx context.Context, db *sqlx.DB, ps []Problem, stdout io.Writer) error {
	if err := Upsert(ctx, db, ps); err != nil {
		return err
	}
	for _, p := range ps {
		fmt.Fprintf(stdout, "loaded %s id=%d tests=%d\n", p.Slug, p.ID, len(p.Tests))
	}
	return nil
}
