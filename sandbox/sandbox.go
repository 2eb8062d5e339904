// Package sandbox defines how hirebus runs untrusted candidate code: the
// Runner interface every runner implements (sandbox/local with Linux
// namespaces, sandbox/docker for production), the verdicts, the resource
// limits and the table of supported languages.
//
// Contract shared by every runner (checked by sandbox/sandboxtest):
//
//   - Inside the sandbox the submission's files live in ProgramDir (read-only
//     during Run) and the writable, private, size-limited scratch directory is
//     WorkDir, which is also the current directory. Compile commands write
//     their outputs into WorkDir; the runner keeps only regular files whose
//     names match Language.Artifacts and never follows a link planted there.
//   - Run and Compile never return a Result carrying the host's environment,
//     and nothing the program started survives the call.
//   - A Program must be closed; closing removes everything it holds.
package sandbox

import (
	"context"
	"errors"
	"sync"

	"github.com/hirebus/hirebus/sandbox/spec"
)

// Verdict is the outcome of one plain run (judging adds WA/AC on top).
type Verdict string

// The verdicts of a plain run. They are part of the CLI and API contract.
const (
	OK  Verdict = "OK"  // exited with status 0 within every limit
	TLE Verdict = "TLE" // CPU time or wall-clock time limit exceeded
	MLE Verdict = "MLE" // memory limit exceeded (OOM kill or allocation failure at the limit)
	OLE Verdict = "OLE" // stdout+stderr exceeded Limits.OutputBytes
	RE  Verdict = "RE"  // non-zero exit status or killed by a signal
	CE  Verdict = "CE"  // compilation failed (Result.Stderr holds the compiler's message)
	IE  Verdict = "IE"  // the sandbox itself failed
)

// The language table, the source rule and the resource limits live in
// sandbox/spec (standard library only) so the edge can read them without the
// runner code; these names keep sandbox's API for runners and the judge.

// Paths every runner presents inside the sandbox (see spec).
const (
	ProgramDir = spec.ProgramDir
	WorkDir    = spec.WorkDir
)

// MaxSourceBytes is the largest accepted source file.
const MaxSourceBytes = spec.MaxSourceBytes

// Errors returned for bad input; callers map them to 4xx.
var (
	ErrUnknownLanguage = spec.ErrUnknownLanguage
	ErrEmptySource     = spec.ErrEmptySource
	ErrSourceTooLarge  = spec.ErrSourceTooLarge
	ErrLimitTooHigh    = spec.ErrLimitTooHigh
	ErrBadLimit        = spec.ErrBadLimit
	ErrClosed          = errors.New("runner closed")
)

// Limits bounds one sandboxed process tree (see spec.Limits).
type Limits = spec.Limits

// Language describes how to build and run one language (see spec.Language).
type Language = spec.Language

// ValidateSource rejects empty and oversized sources.
func ValidateSource(src []byte) error { return spec.ValidateSource(src) }

// DefaultLimits are the limits of a plain run.
func DefaultLimits() Limits { return spec.DefaultLimits() }

// DefaultCompileLimits are the limits of a compile step.
func DefaultCompileLimits() Limits { return spec.DefaultCompileLimits() }

// MaxLimits is the default ceiling for user-requested limits.
func MaxLimits() Limits { return spec.MaxLimits() }

// Expand substitutes the memory placeholders in args.
func Expand(args []string, memoryBytes int64) []string { return spec.Expand(args, memoryBytes) }

// Languages returns the supported languages, sorted by ID (a copy).
func Languages() []Language { return spec.Languages() }

// LookupLanguage finds a language by ID or alias.
func LookupLanguage(id string) (Language, error) { return spec.LookupLanguage(id) }

// Result is the outcome of one Compile or Run.
type Result struct {
	Verdict  Verdict `json:"verdict"`
	ExitCode int     `json:"exit_code"`
	Signal   string  `json:"signal"` // e.g. "SIGSEGV"; empty when it exited
	Stdout   string  `json:"stdout"`
	Stderr   string  `json:"stderr"`
	TimeMS   int64   `json:"time_ms"`   // CPU time of the whole tree
	WallMS   int64   `json:"wall_ms"`   // real time
	MemoryKB int64   `json:"memory_kb"` // peak memory of the whole tree
	// Truncated is set when stdout or stderr was cut at the output cap.
	Truncated bool `json:"truncated,omitempty"`
	// Message explains a non-OK verdict ("wall time limit exceeded", …).
	Message string `json:"message,omitempty"`
}

// Program is a compiled submission ready to run any number of times. It
// belongs to the Runner that made it.
type Program struct {
	Language Language
	// Handle is private to the runner that created the program.
	Handle any

	once    sync.Once
	closeFn func() error
	err     error
}

// NewProgram is for Runner implementations: closeFn releases whatever
// Handle holds and runs at most once.
func NewProgram(lang Language, handle any, closeFn func() error) *Program {
	return &Program{Language: lang, Handle: handle, closeFn: closeFn}
}

// Close releases the program; safe to call more than once.
func (p *Program) Close() error {
	if p == nil {
		return nil
	}
	p.once.Do(func() {
		if p.closeFn != nil {
			p.err = p.closeFn()
		}
	})
	return p.err
}

// Runner executes untrusted code. Implementations are safe for concurrent
// use; each call is independent.
type Runner interface {
	// Name identifies the runner ("local", "docker").
	Name() string
	// Compile stores the source and, for compiled languages, compiles it
	// inside the sandbox under lim (zero fields: DefaultCompileLimits).
	// On success it returns the Program and the compiler's Result (OK,
	// warnings in Stderr; nil for interpreted languages). When compilation
	// fails it returns a nil Program and a Result with Verdict CE and the
	// compiler's message. err is only for failures of the sandbox itself.
	Compile(ctx context.Context, lang Language, source []byte, lim Limits) (*Program, *Result, error)
	// Run executes the program once with stdin under lim (zero fields:
	// DefaultLimits). err is only for failures of the sandbox itself.
	Run(ctx context.Context, p *Program, stdin []byte, lim Limits) (*Result, error)
	// Close releases the runner; later calls fail with ErrClosed.
	Close() error
}

// LeftoverChecker is implemented by runners that can scan for resources
// (directories, cgroups, containers, mounts) that finished calls or closed
// Programs left behind; resources of open Programs are not listed. The
// conformance suite asserts the scan is empty after every case.
type LeftoverChecker interface {
	Leftovers() ([]string, error)
}
