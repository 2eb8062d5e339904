package problems

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/hirebus/hirebus/judge"
)

// Seed is the built-in problem set: problems/seed/<slug>/... without the
// reference solutions. Use LoadSeed to parse it.
//
//go:embed seed/*/problem.json seed/*/statement.md seed/*/tests seed/*/starter
var Seed embed.FS

// LoadSeed parses and validates the embedded seed set.
func LoadSeed() ([]Problem, error) {
	sub, err := fs.Sub(Seed, "seed")
	if err != nil {
		return nil, fmt.Errorf("problems: load seed: %w", err)
	}
	ps, err := LoadFS(sub)
	if err != nil {
		return nil, fmt.Errorf("problems: load seed: %w", err)
	}
	return ps, nil
}

// LoadDir loads every problem directory directly under dir, or dir itself
// when it holds a problem.json. Problems are validated and sorted by slug.
func LoadDir(dir string) ([]Problem, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("problems: load %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("problems: load %s: not a directory", dir)
	}
	ps, err := LoadFS(os.DirFS(dir))
	if err != nil {
		return nil, fmt.Errorf("problems: load %s: %w", dir, err)
	}
	return ps, nil
}

// LoadFS is LoadDir over any file system; "." is the directory to load.
func LoadFS(fsys fs.FS) ([]Problem, error) {
	if _, err := fs.Stat(fsys, "problem.json"); err == nil {
		p, err := loadOne(fsys, ".")
		if err != nil {
			return nil, err
		}
		return []Problem{*p}, nil
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read directory: %w", err)
	}
	var out []Problem
	seen := map[string]bool{}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "_") {
			continue
		}
		p, err := loadOne(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		if p.Slug != e.Name() {
			return nil, fmt.Errorf("%w %q: directory is named %q; it must match the slug", ErrInvalid, p.Slug, e.Name())
		}
		if seen[p.Slug] {
			return nil, fmt.Errorf("%w %q: duplicate slug", ErrInvalid, p.Slug)
		}
		seen[p.Slug] = true
		out = append(out, *p)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no problem directories found", ErrInvalid)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Slug < out[j].Slug })
	return out, nil
}

// problemFile is problem.json. The statement may be inline or, preferably,
// in statement.md.
type problemFile struct {
	Slug          string           `json:"slug"`
	Title         string           `json:"title"`
	Statement     string           `json:"statement"`
	Difficulty    Difficulty       `json:"difficulty"`
	TimeLimitMS   int              `json:"time_limit_ms"`
	MemoryLimitKB int              `json:"memory_limit_kb"`
	Comparison    judge.Comparison `json:"comparison"`
	Examples      []Example        `json:"examples"`
}

func loadOne(fsys fs.FS, dir string) (*Problem, error) {
	raw, err := fs.ReadFile(fsys, path.Join(dir, "problem.json"))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrInvalid, dir, err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var pf problemFile
	if err := dec.Decode(&pf); err != nil {
		return nil, fmt.Errorf("%w: %s/problem.json: %w", ErrInvalid, dir, err)
	}
	p := &Problem{
		Slug:          pf.Slug,
		Title:         pf.Title,
		Statement:     pf.Statement,
		Difficulty:    pf.Difficulty,
		TimeLimitMS:   pf.TimeLimitMS,
		MemoryLimitKB: pf.MemoryLimitKB,
		Comparison:    pf.Comparison,
		Examples:      pf.Examples,
		Starter:       map[string]string{},
	}
	md, err := fs.ReadFile(fsys, path.Join(dir, "statement.md"))
	switch {
	case err == nil:
		if p.Statement != "" {
			return nil, fmt.Errorf("%w %q: statement given both inline and in statement.md", ErrInvalid, p.Slug)
		}
		p.Statement = string(md)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("%w %q: statement.md: %w", ErrInvalid, p.Slug, err)
	}
	if p.Tests, err = loadTests(fsys, path.Join(dir, "tests")); err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrInvalid, p.Slug, err)
	}
	if err := loadStarter(fsys, path.Join(dir, "starter"), p.Starter); err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrInvalid, p.Slug, err)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// loadTests pairs NAME.in with NAME.out; the order is the file-name order,
// so authors number tests (01-..., 02-...).
func loadTests(fsys fs.FS, dir string) ([]judge.TestCase, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("tests: %w", err)
	}
	ins := map[string]bool{}
	outs := map[string]bool{}
	for _, e := range entries {
		if e.IsDir() {
			return nil, fmt.Errorf("tests: unexpected directory %s", e.Name())
		}
		switch ext := path.Ext(e.Name()); ext {
		case ".in":
			ins[strings.TrimSuffix(e.Name(), ext)] = true
		case ".out":
			outs[strings.TrimSuffix(e.Name(), ext)] = true
		default:
			return nil, fmt.Errorf("tests: %s is neither .in nor .out", e.Name())
		}
	}
	names := make([]string, 0, len(ins))
	for n := range ins {
		if !outs[n] {
			return nil, fmt.Errorf("tests: %s.in has no %s.out", n, n)
		}
		names = append(names, n)
	}
	for n := range outs {
		if !ins[n] {
			return nil, fmt.Errorf("tests: %s.out has no %s.in", n, n)
		}
	}
	sort.Strings(names)
	tests := make([]judge.TestCase, 0, len(names))
	for _, n := range names {
		in, err := fs.ReadFile(fsys, path.Join(dir, n+".in"))
		if err != nil {
			return nil, fmt.Errorf("tests: %w", err)
		}
		out, err := fs.ReadFile(fsys, path.Join(dir, n+".out"))
		if err != nil {
			return nil, fmt.Errorf("tests: %w", err)
		}
		tests = append(tests, judge.TestCase{Name: n, Input: string(in), Output: string(out)})
	}
	return tests, nil
}

// loadStarter reads starter/<language>.<ext>; the name up to the first dot
// is the language (Go starters are go.go.txt so that the seed tree never
// holds .go files, which would make it a Go package).
func loadStarter(fsys fs.FS, dir string, into map[string]string) error {
	entries, err := fs.ReadDir(fsys, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("starter: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		lang, _, _ := strings.Cut(e.Name(), ".")
		if _, dup := into[lang]; dup {
			return fmt.Errorf("starter: two files for language %q", lang)
		}
		code, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("starter: %w", err)
		}
		into[lang] = string(code)
	}
	return nil
}

// UpsertSeed loads the embedded seed set into db (what `hirebus migrate`
// runs after the schema migrations); it is idempotent and returns how many
// problems it wrote.
func UpsertSeed(ctx context.Context, db *sqlx.DB) (int, error) {
	ps, err := LoadSeed()
	if err != nil {
		return 0, err
	}
	if err := Upsert(ctx, db, ps); err != nil {
		return 0, err
	}
	return len(ps), nil
}
