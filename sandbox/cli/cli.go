// Package cli implements `hirebus sandbox run`: compile and run one source
// file in the local sandbox and print the outcome as a single JSON object.
// It needs neither MySQL nor NATS.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/hirebus/hirebus/sandbox"
	"github.com/hirebus/hirebus/sandbox/local"
)

// ErrUsage marks command-line mistakes (exit status 2 in main).
var ErrUsage = errors.New("usage")

// Output is the printed JSON object; the field set is a CLI contract.
type Output struct {
	Verdict  sandbox.Verdict `json:"verdict"`
	ExitCode int             `json:"exit_code"`
	Signal   string          `json:"signal"`
	Stdout   string          `json:"stdout"`
	Stderr   string          `json:"stderr"`
	TimeMS   int64           `json:"time_ms"`
	MemoryKB int64           `json:"memory_kb"`
}

const usage = `usage: hirebus sandbox run --lang LANG [--stdin FILE] [--time-limit 2s] [--memory-limit 256MiB] SOURCE`

// RunCLI runs `sandbox <args>` (args start after "sandbox"). It prints one
// JSON object to stdout for every run that reached the sandbox, including
// CE and IE; the error is non-nil for usage mistakes (wrapping ErrUsage)
// and for an internal error (after printing verdict IE).
func RunCLI(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "run" {
		return fmt.Errorf("sandbox: %s: %w", usage, ErrUsage)
	}
	fs := flag.NewFlagSet("sandbox run", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	langID := fs.String("lang", "", "language: "+languageIDs())
	stdinPath := fs.String("stdin", "", "file fed to the program's standard input")
	timeLimit := fs.Duration("time-limit", sandbox.DefaultLimits().Time, "CPU time limit")
	wallLimit := fs.Duration("wall-limit", 0, "wall-clock limit (default 2×time-limit+1s)")
	memLimit := fs.String("memory-limit", "256MiB", "memory limit (bytes, KiB, MiB, GiB)")
	outLimit := fs.String("output-limit", "8MiB", "stdout+stderr limit")
	// Flags may follow SOURCE too.
	var positional []string
	rest := args[1:]
	for {
		if err := fs.Parse(rest); err != nil {
			return fmt.Errorf("sandbox run: %v\n%s: %w", err, usage, ErrUsage)
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		positional = append(positional, rest[0])
		rest = rest[1:]
	}
	if len(positional) != 1 || *langID == "" {
		return fmt.Errorf("sandbox run: %s: %w", usage, ErrUsage)
	}
	lang, err := sandbox.LookupLanguage(*langID)
	if err != nil {
		return fmt.Errorf("sandbox run: %w (known: %s): %w", err, languageIDs(), ErrUsage)
	}
	mem, err := ParseSize(*memLimit)
	if err != nil {
		return fmt.Errorf("sandbox run: --memory-limit: %w: %w", err, ErrUsage)
	}
	out, err := ParseSize(*outLimit)
	if err != nil {
		return fmt.Errorf("sandbox run: --output-limit: %w: %w", err, ErrUsage)
	}
	lim := sandbox.Limits{Time: *timeLimit, WallTime: *wallLimit, MemoryBytes: mem, OutputBytes: out}
	if lim.Time <= 0 || lim.WallTime < 0 {
		return fmt.Errorf("sandbox run: time limits must be positive: %w", ErrUsage)
	}
	if err := lim.Validate(sandbox.MaxLimits()); err != nil {
		return fmt.Errorf("sandbox run: %w: %w", err, ErrUsage)
	}
	src, err := os.ReadFile(positional[0])
	if err != nil {
		return fmt.Errorf("sandbox run: read source: %w: %w", err, ErrUsage)
	}
	if err := sandbox.ValidateSource(src); err != nil {
		return fmt.Errorf("sandbox run: %w: %w", err, ErrUsage)
	}
	var stdin []byte
	if *stdinPath != "" {
		if stdin, err = os.ReadFile(*stdinPath); err != nil {
			return fmt.Errorf("sandbox run: read stdin: %w: %w", err, ErrUsage)
		}
	}

	res, runErr := run(ctx, lang, src, stdin, lim)
	if runErr != nil {
		res = &sandbox.Result{Verdict: sandbox.IE, Stderr: runErr.Error()}
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(Output{
		Verdict: res.Verdict, ExitCode: res.ExitCode, Signal: res.Signal, Stdout: res.Stdout,
		Stderr: res.Stderr, TimeMS: res.TimeMS, MemoryKB: res.MemoryKB,
	}); err != nil {
		return fmt.Errorf("sandbox run: write result: %w", err)
	}
	if runErr != nil {
		return fmt.Errorf("sandbox run: %w", runErr)
	}
	return nil
}

func run(ctx context.Context, lang sandbox.Language, src, stdin []byte, lim sandbox.Limits) (*sandbox.Result, error) {
	r, err := local.New(local.Options{Slots: 1})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	p, cres, err := r.Compile(ctx, lang, src, sandbox.Limits{})
	if err != nil {
		return nil, err
	}
	if p == nil {
		return cres, nil
	}
	defer p.Close()
	return r.Run(ctx, p, stdin, lim)
}

func languageIDs() string {
	var ids []string
	for _, l := range sandbox.Languages() {
		ids = append(ids, l.ID)
	}
	return strings.Join(ids, ", ")
}

// ParseSize parses "256MiB", "256M", "1GiB", "512KiB", "1048576" into bytes.
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
		{"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
	}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || n <= 0 || n*float64(mult) > 1<<50 {
		return 0, fmt.Errorf("parse size %q: not a positive size", s)
	}
	return int64(n * float64(mult)), nil
}
