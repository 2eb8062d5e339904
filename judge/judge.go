package judge

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/hirebus/hirebus/sandbox"
)

// Verdict is the grade of one test or of a whole submission. The short
// codes are stored in coding_submissions.verdict and sent to clients.
type Verdict string

// Verdicts.
const (
	Accepted            Verdict = "AC"
	WrongAnswer         Verdict = "WA"
	TimeLimitExceeded   Verdict = "TLE"
	MemoryLimitExceeded Verdict = "MLE"
	OutputLimitExceeded Verdict = "OLE"
	RuntimeError        Verdict = "RE"
	CompilationError    Verdict = "CE"
	InternalError       Verdict = "IE"
)

// Description is the human-readable name ("Wrong Answer").
func (v Verdict) Description() string {
	switch v {
	case Accepted:
		return "Accepted"
	case WrongAnswer:
		return "Wrong Answer"
	case TimeLimitExceeded:
		return "Time Limit Exceeded"
	case MemoryLimitExceeded:
		return "Memory Limit Exceeded"
	case OutputLimitExceeded:
		return "Output Limit Exceeded"
	case RuntimeError:
		return "Runtime Error"
	case CompilationError:
		return "Compilation Error"
	case InternalError:
		return "Internal Error"
	}
	return string(v)
}

// Errors.
var (
	// ErrNoTests is returned for a submission without test cases.
	ErrNoTests = errors.New("judge: submission has no tests")
	// ErrNilRunner is returned by Grade on a Judge without a runner.
	ErrNilRunner = errors.New("judge: no runner")
)

// Submission is one piece of code to grade against a problem's tests.
type Submission struct {
	Language sandbox.Language
	Source   []byte
	Tests    []TestCase
	// Comparison is the problem's checker; the zero value ignores
	// trailing whitespace.
	Comparison Comparison
	// Limits apply to every test run; zero fields take the sandbox
	// defaults.
	Limits sandbox.Limits
	// CompileLimits apply to the compile step; zero fields take the
	// sandbox compile defaults.
	CompileLimits sandbox.Limits
}

// TestResult is the grade of one test.
type TestResult struct {
	// Index is the test's position in Submission.Tests.
	Index    int     `json:"index"`
	Name     string  `json:"name"`
	Verdict  Verdict `json:"verdict"`
	TimeMS   int64   `json:"time_ms"`
	WallMS   int64   `json:"wall_ms"`
	MemoryKB int64   `json:"memory_kb"`
	ExitCode int     `json:"exit_code"`
	Signal   string  `json:"signal,omitempty"`
	// Message says why the test failed ("line 3: output differs", "exit
	// code 1", the sandbox's explanation). It never quotes the expected
	// output.
	Message string `json:"message,omitempty"`
	// Stderr is the start of the program's stderr, only when
	// Options.StderrBytes > 0 (a program can echo hidden input there) or
	// the test is Visible.
	Stderr string `json:"stderr,omitempty"`
	// Visible copies TestCase.Visible. Only for visible tests are Input,
	// Expected and Stdout set (each cut to Options.VisibleBytes).
	Visible  bool   `json:"visible,omitempty"`
	Input    string `json:"input,omitempty"`
	Expected string `json:"expected,omitempty"`
	Stdout   string `json:"stdout,omitempty"`
}

// Result is the grade of a whole submission.
type Result struct {
	// Verdict is CompilationError, or the verdict of the first test in
	// test order that was not accepted, or Accepted.
	Verdict Verdict `json:"verdict"`
	Passed  int     `json:"passed"`
	Total   int     `json:"total"`
	// Score is Passed/Total in [0, 1].
	Score float64 `json:"score"`
	// Tests is in test order; empty after a compilation error.
	Tests []TestResult `json:"tests"`
	// CompileOutput is the compiler's message (errors on CE, warnings
	// otherwise).
	CompileOutput string `json:"compile_output,omitempty"`
	// TimeMS and MemoryKB are the maxima over all tests.
	TimeMS   int64 `json:"time_ms"`
	MemoryKB int64 `json:"memory_kb"`
}

// ProgressFunc is told about each test as it finishes. done counts finished
// tests (1..total). Calls are serialised and done increases by one each
// time, but with parallelism tests may finish out of order (tr.Index).
type ProgressFunc func(tr TestResult, done, total int)

// Options tune a Judge.
type Options struct {
	// Parallelism is how many tests of one submission run at once
	// (default 1). The worker's own slot count bounds total load.
	Parallelism int
	// StderrBytes keeps that many leading bytes of each test's stderr in
	// TestResult.Stderr (default 0: none).
	StderrBytes int
	// VisibleBytes caps the input, expected output, stdout and stderr kept
	// for a Visible test (default 8 KiB).
	VisibleBytes int
	// MaxLimits is the ceiling for Submission.Limits and CompileLimits
	// (default sandbox.MaxLimits()); checked before anything runs so a bad
	// request fails as a whole instead of as per-test internal errors.
	MaxLimits sandbox.Limits
}

// Judge grades submissions with a sandbox runner.
type Judge struct {
	runner sandbox.Runner
	opts   Options
}

// New returns a Judge that runs code with r.
func New(r sandbox.Runner, opts Options) *Judge {
	if opts.Parallelism < 1 {
		opts.Parallelism = 1
	}
	if opts.StderrBytes < 0 {
		opts.StderrBytes = 0
	}
	if opts.VisibleBytes <= 0 {
		opts.VisibleBytes = 8 << 10
	}
	if opts.MaxLimits == (sandbox.Limits{}) {
		opts.MaxLimits = sandbox.MaxLimits()
	}
	return &Judge{runner: r, opts: opts}
}

// Grade compiles sub once and runs every test, calling progress (may be nil)
// as each test finishes.
//
// A compile failure is a Result with Verdict CompilationError, not an error.
// A sandbox failure on one test makes that test InternalError and grading
// continues. Grade returns an error only when grading could not happen at
// all: invalid submission (errors wrap ErrNoTests, ErrInvalidComparison or
// the sandbox's ErrEmptySource, ErrSourceTooLarge, ErrBadLimit,
// ErrLimitTooHigh, ErrUnknownLanguage), sandbox failure while compiling, or
// ctx ended (then the error wraps ctx.Err()).
func (j *Judge) Grade(ctx context.Context, sub Submission, progress ProgressFunc) (*Result, error) {
	if j == nil || j.runner == nil {
		return nil, ErrNilRunner
	}
	if len(sub.Tests) == 0 {
		return nil, ErrNoTests
	}
	if err := sub.Comparison.Validate(); err != nil {
		return nil, fmt.Errorf("judge: grade: %w", err)
	}
	cmp := sub.Comparison.Normalize()
	if err := sub.Limits.Validate(j.opts.MaxLimits); err != nil {
		return nil, fmt.Errorf("judge: run limits: %w", err)
	}
	if err := sub.CompileLimits.Validate(j.opts.MaxLimits); err != nil {
		return nil, fmt.Errorf("judge: compile limits: %w", err)
	}

	prog, cres, err := j.runner.Compile(ctx, sub.Language, sub.Source, sub.CompileLimits)
	if err != nil {
		return nil, fmt.Errorf("judge: compile: %w", err)
	}
	if prog == nil {
		return compileFailure(cres, len(sub.Tests)), nil
	}
	defer prog.Close()

	res := &Result{Total: len(sub.Tests), Tests: make([]TestResult, len(sub.Tests))}
	if cres != nil {
		res.CompileOutput = compilerMessage(cres)
	}

	var (
		mu   sync.Mutex
		done int
		wg   sync.WaitGroup
	)
	next := make(chan int)
	worker := func() {
		defer wg.Done()
		for i := range next {
			tr := j.runTest(ctx, prog, sub, cmp, i)
			mu.Lock()
			res.Tests[i] = tr
			done++
			if progress != nil && ctx.Err() == nil {
				progress(tr, done, res.Total)
			}
			mu.Unlock()
		}
	}
	workers := min(j.opts.Parallelism, len(sub.Tests))
	wg.Add(workers)
	for range workers {
		go worker()
	}
feed:
	for i := range sub.Tests {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("judge: grade: %w", err)
	}
	aggregate(res)
	return res, nil
}

// compileFailure turns a failed compile into the submission's result. Any
// non-OK compile outcome without a program (including a compiler that ran
// out of time or memory) is the candidate's compilation error, except IE.
func compileFailure(cres *sandbox.Result, total int) *Result {
	res := &Result{Verdict: CompilationError, Total: total, Tests: []TestResult{}}
	if cres == nil {
		res.Verdict = InternalError
		res.CompileOutput = "runner returned neither a program nor a compile result"
		return res
	}
	if cres.Verdict == sandbox.IE {
		res.Verdict = InternalError
	}
	res.CompileOutput = compilerMessage(cres)
	if cres.Verdict != sandbox.CE && cres.Verdict != sandbox.OK && cres.Message != "" {
		if res.CompileOutput != "" {
			res.CompileOutput += "\n"
		}
		res.CompileOutput += "compiler: " + cres.Message
	}
	return res
}

func compilerMessage(r *sandbox.Result) string {
	switch {
	case r.Stderr != "" && r.Stdout != "":
		return r.Stdout + r.Stderr
	case r.Stderr != "":
		return r.Stderr
	default:
		return r.Stdout
	}
}

func (j *Judge) runTest(ctx context.Context, prog *sandbox.Program, sub Submission, cmp Comparison, i int) TestResult {
	tc := sub.Tests[i]
	tr := TestResult{Index: i, Name: tc.Name, Visible: tc.Visible}
	if tc.Visible {
		tr.Input = truncate(tc.Input, j.opts.VisibleBytes)
		tr.Expected = truncate(tc.Output, j.opts.VisibleBytes)
	}
	r, err := j.runner.Run(ctx, prog, []byte(tc.Input), sub.Limits)
	if err != nil {
		tr.Verdict = InternalError
		tr.Message = "sandbox: " + err.Error()
		return tr
	}
	tr.TimeMS, tr.WallMS, tr.MemoryKB = r.TimeMS, r.WallMS, r.MemoryKB
	tr.ExitCode, tr.Signal = r.ExitCode, r.Signal
	if j.opts.StderrBytes > 0 {
		tr.Stderr = truncate(r.Stderr, j.opts.StderrBytes)
	}
	if tc.Visible {
		tr.Stdout = truncate(r.Stdout, j.opts.VisibleBytes)
		tr.Stderr = truncate(r.Stderr, j.opts.VisibleBytes)
	}
	tr.Verdict, tr.Message = gradeRun(cmp, tc, r)
	return tr
}

// GradeRun grades one finished run against the expected output with cmp (a
// zero Comparison ignores trailing whitespace): Accepted, WrongAnswer with
// the first difference, or the run's own failure (TLE, MLE, OLE, RE, IE).
// The code worker grades a candidate's Run of the examples with it, so a
// Run and a submission agree on what "matches" means.
func GradeRun(cmp Comparison, expected string, r *sandbox.Result) (Verdict, string) {
	return gradeRun(cmp.Normalize(), TestCase{Output: expected}, r)
}

// gradeRun maps a sandbox run plus output comparison to a test verdict.
func gradeRun(cmp Comparison, tc TestCase, r *sandbox.Result) (Verdict, string) {
	switch r.Verdict {
	case sandbox.OK:
		// A runner must not call a failing exit OK; treat it as RE anyway
		// rather than grading the output of a crashed program.
		if r.ExitCode != 0 || r.Signal != "" {
			return RuntimeError, exitMessage(r)
		}
		if ok, reason := Compare(cmp, []byte(tc.Output), []byte(r.Stdout)); !ok {
			return WrongAnswer, reason
		}
		return Accepted, ""
	case sandbox.TLE:
		return TimeLimitExceeded, orDefault(r.Message, "time limit exceeded")
	case sandbox.MLE:
		return MemoryLimitExceeded, orDefault(r.Message, "memory limit exceeded")
	case sandbox.OLE:
		return OutputLimitExceeded, orDefault(r.Message, "output limit exceeded")
	case sandbox.RE:
		return RuntimeError, exitMessage(r)
	case sandbox.IE:
		return InternalError, orDefault(r.Message, "sandbox internal error")
	default:
		return InternalError, fmt.Sprintf("unexpected run verdict %q", r.Verdict)
	}
}

func exitMessage(r *sandbox.Result) string {
	if r.Message != "" {
		return r.Message
	}
	if r.Signal != "" {
		return "killed by " + r.Signal
	}
	return fmt.Sprintf("exit code %d", r.ExitCode)
}

// aggregate fills the summary fields from res.Tests (which must be in test
// order): the first non-accepted test decides the verdict.
func aggregate(res *Result) {
	res.Verdict = Accepted
	res.Passed = 0
	for _, tr := range res.Tests {
		if tr.Verdict == Accepted {
			res.Passed++
		} else if res.Verdict == Accepted {
			res.Verdict = tr.Verdict
		}
		res.TimeMS = max(res.TimeMS, tr.TimeMS)
		res.MemoryKB = max(res.MemoryKB, tr.MemoryKB)
	}
	res.Total = len(res.Tests)
	if res.Total > 0 {
		res.Score = float64(res.Passed) / float64(res.Total)
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
