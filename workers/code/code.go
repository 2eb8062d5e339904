// Package code is the code worker: it consumes cmd.code.* and runs
// candidates' programs in a sandbox runner (sandbox/local by default,
// sandbox/docker in production).
//
//   - cmd.code.execute compiles (if needed) and runs one program once and
//     completes the operation with its output and verdict.
//   - cmd.code.submit grades a stored submission against the problem's
//     hidden tests with the judge, pushes each test's verdict to the user as
//     it finishes (evt.u.<uid>.code.test, through the outbox), and stores
//     the final result in coding_submissions and completes the operation in
//     one transaction.
//
// Every command is idempotent: an operation that is already finished is not
// run again, and the final write claims the command id (ops.Claim) so two
// concurrent deliveries commit one result. Sandbox failures are retried
// (temporary errors); commands that can never succeed fail their operation
// and are dead-lettered.
package code

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hirebus/hirebus/domain/submissions"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/judge"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/problems"
	"github.com/hirebus/hirebus/sandbox"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// Config of the code worker. Zero fields take defaults (see Validate).
type Config struct {
	// Slots bounds the sandboxes running at once in this process (and the
	// commands handled at once). Default runtime.NumCPU().
	Slots int
	// ExecuteLimits are the limits of an execute whose request leaves them
	// zero. Default sandbox.DefaultLimits().
	ExecuteLimits sandbox.Limits
	// MaxLimits is the ceiling for requested and per-problem limits.
	// Default sandbox.MaxLimits().
	MaxLimits sandbox.Limits
	// CompileLimits bound every compile step. Default sandbox.DefaultCompileLimits().
	CompileLimits sandbox.Limits
	// ReportBytes caps stdout, stderr and compiler output in results and
	// events (bus messages must stay far below NATS's max payload).
	// Default 64 KiB.
	ReportBytes int
	// TimeFactor multiplies a problem's time limit per language (JVM start
	// costs CPU time). Missing languages use 1. Default {"java": 2}.
	TimeFactor map[string]float64
	// CompileCache is how many compiled programs (and compilation errors)
	// are kept for identical sources (default 32; negative disables).
	CompileCache int
	// Policy overrides the role's delivery policy from events.Policies.
	Policy *events.ConsumerPolicy
	// MaxRunningPerUser bounds one user's commands running at once in this
	// process, so the other slots stay free for other users (default
	// Slots/2, at least 1).
	MaxRunningPerUser int
}

// Validate applies defaults and checks the config.
func (c *Config) Validate() error {
	if c.Slots == 0 {
		c.Slots = runtime.NumCPU()
	}
	if c.Slots < 1 || c.Slots > 256 {
		return fmt.Errorf("code worker: slots %d outside [1, 256]", c.Slots)
	}
	if c.MaxRunningPerUser == 0 {
		c.MaxRunningPerUser = max(1, c.Slots/2)
	}
	if c.MaxRunningPerUser < 1 || c.MaxRunningPerUser > c.Slots {
		return fmt.Errorf("code worker: running per user %d outside [1, slots]", c.MaxRunningPerUser)
	}
	if c.MaxLimits == (sandbox.Limits{}) {
		c.MaxLimits = sandbox.MaxLimits()
	}
	c.ExecuteLimits = c.ExecuteLimits.WithDefaults(sandbox.DefaultLimits())
	c.CompileLimits = c.CompileLimits.WithDefaults(sandbox.DefaultCompileLimits())
	if err := c.ExecuteLimits.Validate(c.MaxLimits); err != nil {
		return fmt.Errorf("code worker: execute limits: %w", err)
	}
	if c.ReportBytes == 0 {
		c.ReportBytes = 64 << 10
	}
	if c.ReportBytes < 1024 || c.ReportBytes > 256<<10 {
		return fmt.Errorf("code worker: report bytes %d outside [1 KiB, 256 KiB]", c.ReportBytes)
	}
	if c.CompileCache == 0 {
		c.CompileCache = 32
	}
	if c.CompileCache > 1024 {
		return fmt.Errorf("code worker: compile cache %d above 1024 programs", c.CompileCache)
	}
	if c.TimeFactor == nil {
		c.TimeFactor = map[string]float64{"java": 2}
	}
	for id, f := range c.TimeFactor {
		if _, err := sandbox.LookupLanguage(id); err != nil {
			return fmt.Errorf("code worker: time factor: %w", err)
		}
		if f < 1 || f > 10 {
			return fmt.Errorf("code worker: time factor %v for %s outside [1, 10]", f, id)
		}
	}
	return nil
}

// Deps are the shared connections.
type Deps struct {
	DB    *sqlx.DB
	JS    jetstream.JetStream
	Relay *outbox.Relay
	Log   *slog.Logger
	// Runner is the sandbox the worker runs code in (required). The binary
	// builds it from its config (local or Docker) and closes it after Run;
	// the worker never closes it.
	Runner sandbox.Runner
}

// Worker consumes cmd.code.*.
type Worker struct {
	cfg    Config
	deps   Deps
	log    *slog.Logger
	base   sandbox.Runner // the sandbox runner itself
	runner sandbox.Runner // base, behind the compile cache when enabled
	cache  *cachingRunner
	judge  *judge.Judge
	policy events.ConsumerPolicy
	gate   *fairGate
}

var (
	metricRuns = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "hirebus_code_results_total",
		Help: "Code worker results by command (execute, submit) and verdict.",
	}, []string{"command", "verdict"})
	metricTests = promauto.NewCounter(prometheus.CounterOpts{
		Name: "hirebus_code_tests_graded_total",
		Help: "Test cases graded by the code worker.",
	})
)

// New validates cfg and builds the worker on deps.Runner.
func New(cfg Config, deps Deps) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.DB == nil || deps.JS == nil || deps.Relay == nil || deps.Runner == nil {
		return nil, errors.New("code worker: DB, JetStream, outbox relay and a sandbox runner are required")
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	w := &Worker{cfg: cfg, deps: deps, log: deps.Log.With("worker", events.RoleCode), base: deps.Runner}
	w.runner = w.base
	if cfg.CompileCache > 0 {
		w.cache = newCachingRunner(w.base, cfg.CompileCache)
		w.runner = w.cache
	}
	// Visible (example) tests keep their data for the candidate; eight
	// examples at the cap stay far below one bus message.
	w.judge = judge.New(w.runner, judge.Options{Parallelism: cfg.Slots, VisibleBytes: min(8<<10, cfg.ReportBytes)})
	w.gate = newFairGate(cfg.Slots, cfg.MaxRunningPerUser)
	w.policy = events.Policies[events.RoleCode]
	if cfg.Policy != nil {
		w.policy = *cfg.Policy
	}
	return w, nil
}

// Runner is the sandbox runner in use (without the compile cache).
func (w *Worker) Runner() sandbox.Runner { return w.base }

// Close drops the compile cache (the runner is the caller's); Run calls it
// on return.
func (w *Worker) Close() error {
	if w.cache != nil {
		return w.cache.Close()
	}
	return nil
}

// Run consumes until ctx ends, then drops the compile cache.
func (w *Worker) Run(ctx context.Context) error {
	defer w.Close()
	w.log.InfoContext(ctx, "code worker running", "runner", w.base.Name(), "slots", w.cfg.Slots, "compile_cache", w.cfg.CompileCache)
	// More commands in hand than slots: while one user's backlog waits in
	// the fair gate, another user's command is already pulled and gets the
	// next slot. Waiting commands keep their messages with heartbeats.
	return events.Consume(ctx, w.deps.JS, events.ConsumeConfig{
		Role: events.RoleCode, Concurrency: min(4*w.cfg.Slots, 256), Logger: w.log, Policy: w.cfg.Policy,
	}, w.Handle)
}

// Handle processes one command (exported for redelivery tests).
func (w *Worker) Handle(ctx context.Context, env events.Envelope, meta events.Meta) error {
	switch meta.Subject {
	case events.CmdCodeExecute:
		return w.execute(ctx, env, meta)
	case events.CmdCodeSubmit:
		return w.submit(ctx, env, meta)
	default:
		return events.Permanent(fmt.Errorf("code worker: unknown command %s", meta.Subject))
	}
}

// lastTry reports whether a temporary failure now would exhaust the
// deliveries: the worker then finishes the operation itself so the client is
// not left waiting on a dead-lettered command.
func (w *Worker) lastTry(meta events.Meta) bool {
	return w.policy.MaxDeliver > 0 && meta.Delivered >= uint64(w.policy.MaxDeliver)
}

// errBadInput marks command contents the edge should have refused.
var errBadInput = errors.New("bad input")

// --- execute -----------------------------------------------------------------

func (w *Worker) execute(ctx context.Context, env events.Envelope, meta events.Meta) error {
	opID, uid := env.CorrelationID, env.ActorUserID
	// Wait for this user's turn first: a copy of the command that waited
	// while another finished then sees the operation done.
	release, err := w.gate.acquire(ctx, uid)
	if err != nil {
		return err
	}
	defer release()
	pending, err := w.opPending(ctx, opID)
	if err != nil || !pending {
		return err
	}
	var p events.CodeExecute
	if err := env.Decode(&p); err != nil {
		return w.reject(ctx, env, events.OpCodeExecute, events.CodeBadCommand, err)
	}
	lang, lim, err := w.executeInput(p)
	if err != nil {
		code := events.CodeBadInput
		switch {
		case errors.Is(err, sandbox.ErrUnknownLanguage):
			code = events.CodeUnknownLanguage
		case errors.Is(err, sandbox.ErrEmptySource):
			code = events.CodeEmptySource
		case errors.Is(err, sandbox.ErrSourceTooLarge):
			code = events.CodeSourceTooLarge
		case errors.Is(err, sandbox.ErrLimitTooHigh):
			code = events.CodeLimitTooHigh
		case errors.Is(err, sandbox.ErrBadLimit):
			code = events.CodeBadLimit
		}
		return w.reject(ctx, env, events.OpCodeExecute, code, err)
	}

	var out events.CodeExecuteResult
	if len(p.Tests) > 0 {
		out, err = w.runTests(ctx, lang, p, lim)
		if err != nil {
			if ctx.Err() != nil || !w.lastTry(meta) {
				return err
			}
			w.log.ErrorContext(ctx, "execute failed on every delivery; answering IE", "op", opID, "err", err)
			out = events.CodeExecuteResult{Verdict: string(sandbox.IE), Message: "the sandbox failed; try again later"}
		}
	} else {
		res, err := w.runOnce(ctx, lang, []byte(p.Source), []byte(p.Stdin), lim)
		if err != nil {
			if ctx.Err() != nil || !w.lastTry(meta) {
				return err
			}
			w.log.ErrorContext(ctx, "execute failed on every delivery; answering IE", "op", opID, "err", err)
			res = &sandbox.Result{Verdict: sandbox.IE, Message: "the sandbox failed; try again later"}
		}
		out = w.executeResult(res)
	}
	metricRuns.WithLabelValues("execute", out.Verdict).Inc()
	return w.deps.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		fresh, err := ops.Claim(ctx, tx, env.ID, events.RoleCode)
		if err != nil || !fresh {
			return err
		}
		return ops.Complete(ctx, tx, ob, opID, events.OpCodeExecute, uid, out)
	})
}

// executeInput re-checks what the edge validated: a worker must not trust a
// command just because it is on the bus.
func (w *Worker) executeInput(p events.CodeExecute) (sandbox.Language, sandbox.Limits, error) {
	lang, err := sandbox.LookupLanguage(p.Language)
	if err != nil {
		return sandbox.Language{}, sandbox.Limits{}, err
	}
	if err := sandbox.ValidateSource([]byte(p.Source)); err != nil {
		return sandbox.Language{}, sandbox.Limits{}, err
	}
	if p.TimeLimitMS < 0 || p.MemoryLimitKB < 0 {
		return sandbox.Language{}, sandbox.Limits{}, fmt.Errorf("execute: negative limit: %w", sandbox.ErrBadLimit)
	}
	if len(p.Tests) > events.MaxRunTests {
		return sandbox.Language{}, sandbox.Limits{}, fmt.Errorf("execute: %d test cases, at most %d", len(p.Tests), events.MaxRunTests)
	}
	if p.Comparison != nil {
		if err := runComparison(p.Comparison).Validate(); err != nil {
			return sandbox.Language{}, sandbox.Limits{}, fmt.Errorf("execute: %w", err)
		}
	}
	lim := sandbox.Limits{Time: time.Duration(p.TimeLimitMS) * time.Millisecond, MemoryBytes: p.MemoryLimitKB << 10}
	// A problem's Run gets the language's time factor, as its grading does.
	if f, ok := w.cfg.TimeFactor[lang.ID]; ok && p.ProblemID != 0 && lim.Time != 0 {
		lim.Time = min(time.Duration(float64(lim.Time)*f), w.cfg.MaxLimits.Time)
	}
	if err := lim.Validate(w.cfg.MaxLimits); err != nil {
		return sandbox.Language{}, sandbox.Limits{}, err
	}
	// The wall time derives from the requested CPU time, not the default's.
	if lim.Time != 0 {
		lim.WallTime = 2*lim.Time + time.Second
	}
	return lang, lim.WithDefaults(w.cfg.ExecuteLimits), nil
}

// runOnce compiles and runs; an error (or an IE verdict) is a failure of the
// sandbox, worth retrying.
func (w *Worker) runOnce(ctx context.Context, lang sandbox.Language, src, stdin []byte, lim sandbox.Limits) (*sandbox.Result, error) {
	prog, cres, err := w.runner.Compile(ctx, lang, src, w.cfg.CompileLimits)
	if err != nil {
		return nil, fmt.Errorf("code worker: compile: %w", err)
	}
	if prog == nil {
		if cres == nil || cres.Verdict == sandbox.IE {
			return nil, fmt.Errorf("code worker: compile: sandbox internal error: %s", resultMessage(cres))
		}
		// Whatever stopped the compiler (error, time, memory) is the
		// candidate's compilation error.
		ce := *cres
		if ce.Verdict != sandbox.CE && ce.Message != "" {
			ce.Stderr = joinNonEmpty(ce.Stderr, "compiler: "+ce.Message)
		}
		ce.Verdict = sandbox.CE
		return &ce, nil
	}
	defer prog.Close()
	res, err := w.runner.Run(ctx, prog, stdin, lim)
	if err != nil {
		return nil, fmt.Errorf("code worker: run: %w", err)
	}
	if res.Verdict == sandbox.IE {
		return nil, fmt.Errorf("code worker: run: sandbox internal error: %s", resultMessage(res))
	}
	return res, nil
}

func resultMessage(r *sandbox.Result) string {
	if r == nil {
		return "no result"
	}
	return joinNonEmpty(r.Message, r.Stderr)
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n" + b
}

// runComparison is the judge's comparison of a run (trailing whitespace
// when the run names none).
func runComparison(c *events.CodeRunComparison) judge.Comparison {
	if c == nil {
		return judge.Comparison{}
	}
	return judge.Comparison{Mode: judge.Mode(c.Mode), AbsEpsilon: c.AbsEpsilon, RelEpsilon: c.RelEpsilon}
}

// runTests compiles once and runs every case of p in order, comparing each
// output that has an expected one with the judge's comparison, so "AC" on
// a Run means what it means on a submission. Each case's stdout, stderr and
// expected output share the report cap, keeping the result one bus
// message. An error (or IE) is a sandbox failure, worth retrying.
func (w *Worker) runTests(ctx context.Context, lang sandbox.Language, p events.CodeExecute, lim sandbox.Limits) (events.CodeExecuteResult, error) {
	prog, cres, err := w.runner.Compile(ctx, lang, []byte(p.Source), w.cfg.CompileLimits)
	if err != nil {
		return events.CodeExecuteResult{}, fmt.Errorf("code worker: compile: %w", err)
	}
	if prog == nil {
		if cres == nil || cres.Verdict == sandbox.IE {
			return events.CodeExecuteResult{}, fmt.Errorf("code worker: compile: sandbox internal error: %s", resultMessage(cres))
		}
		ce := *cres
		if ce.Verdict != sandbox.CE && ce.Message != "" {
			ce.Stderr = joinNonEmpty(ce.Stderr, "compiler: "+ce.Message)
		}
		ce.Verdict = sandbox.CE
		out := w.executeResult(&ce)
		out.Stdout = ""
		return out, nil
	}
	defer prog.Close()
	cmp := runComparison(p.Comparison).Normalize()
	share := max(1024, w.cfg.ReportBytes/len(p.Tests))
	out := events.CodeExecuteResult{Verdict: string(judge.Accepted), Tests: make([]events.CodeRunResult, 0, len(p.Tests))}
	firstFailure := ""
	for i, tc := range p.Tests {
		r, err := w.runner.Run(ctx, prog, []byte(tc.Input), lim)
		if err != nil {
			return events.CodeExecuteResult{}, fmt.Errorf("code worker: run case %d: %w", i, err)
		}
		if r.Verdict == sandbox.IE {
			return events.CodeExecuteResult{}, fmt.Errorf("code worker: run case %d: sandbox internal error: %s", i, resultMessage(r))
		}
		stdout, t1 := clip(r.Stdout, share)
		stderr, t2 := clip(r.Stderr, share)
		cr := events.CodeRunResult{Index: i, Example: tc.Example, Stdout: stdout, Stderr: stderr, ExitCode: r.ExitCode,
			Signal: r.Signal, TimeMS: r.TimeMS, MemoryKB: r.MemoryKB, Message: r.Message, Truncated: r.Truncated || t1 || t2}
		if tc.Expected != nil {
			exp, t3 := clip(*tc.Expected, share)
			cr.Expected, cr.Checked, cr.Truncated = &exp, true, cr.Truncated || t3
			v, msg := judge.GradeRun(cmp, *tc.Expected, r)
			cr.Verdict, cr.Message = string(v), msg
			out.Checked++
			if v == judge.Accepted {
				out.Passed++
			}
		} else {
			cr.Verdict = string(r.Verdict)
			if r.Verdict == sandbox.OK && (r.ExitCode != 0 || r.Signal != "") {
				cr.Verdict = string(sandbox.RE)
			}
		}
		if cr.Verdict != string(judge.Accepted) && cr.Verdict != string(sandbox.OK) && firstFailure == "" {
			firstFailure = cr.Verdict
		}
		out.TimeMS, out.WallMS, out.MemoryKB = max(out.TimeMS, r.TimeMS), max(out.WallMS, r.WallMS), max(out.MemoryKB, r.MemoryKB)
		out.Truncated = out.Truncated || cr.Truncated
		out.Tests = append(out.Tests, cr)
	}
	switch {
	case firstFailure != "":
		out.Verdict = firstFailure
	case out.Checked == 0:
		out.Verdict = string(sandbox.OK)
	}
	return out, nil
}

func (w *Worker) executeResult(r *sandbox.Result) events.CodeExecuteResult {
	stdout, t1 := clip(r.Stdout, w.cfg.ReportBytes)
	stderr, t2 := clip(r.Stderr, w.cfg.ReportBytes)
	return events.CodeExecuteResult{
		Verdict: string(r.Verdict), Stdout: stdout, Stderr: stderr, ExitCode: r.ExitCode, Signal: r.Signal,
		TimeMS: r.TimeMS, WallMS: r.WallMS, MemoryKB: r.MemoryKB, Message: r.Message,
		Truncated: r.Truncated || t1 || t2,
	}
}

// clip cuts s to at most n bytes on a UTF-8 boundary.
func clip(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n], true
}

// opPending reports whether the operation still waits for a result; a
// finished one means an earlier delivery committed it.
func (w *Worker) opPending(ctx context.Context, opID string) (bool, error) {
	op, err := ops.Get(ctx, w.deps.DB, opID)
	if errors.Is(err, store.ErrNotFound) {
		return false, events.Permanent(fmt.Errorf("code worker: operation %q does not exist", opID))
	}
	if err != nil {
		return false, err
	}
	return op.Status == ops.StatusPending, nil
}

// reject fails the operation with a public error code and dead-letters the
// command: the edge validates the same things, so this is a bug signal.
func (w *Worker) reject(ctx context.Context, env events.Envelope, opType string, code events.Code, cause error) error {
	metricRuns.WithLabelValues(strings.TrimPrefix(opType, "code."), "rejected").Inc()
	err := w.deps.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		fresh, err := ops.Claim(ctx, tx, env.ID, events.RoleCode)
		if err != nil || !fresh {
			return err
		}
		return ops.Fail(ctx, tx, ob, env.CorrelationID, opType, env.ActorUserID, code, publicMessage(cause))
	})
	if err != nil {
		return fmt.Errorf("code worker: reject %s: %w", env.ID, err)
	}
	return events.Permanent(fmt.Errorf("code worker: %w: %w", errBadInput, cause))
}

// publicMessage is the innermost message of a sandbox validation error,
// without operation prefixes.
func publicMessage(err error) string {
	for _, s := range []error{sandbox.ErrUnknownLanguage, sandbox.ErrEmptySource, sandbox.ErrSourceTooLarge, sandbox.ErrLimitTooHigh, sandbox.ErrBadLimit} {
		if errors.Is(err, s) {
			return err.Error()
		}
	}
	return "the command could not be processed"
}

// --- submit ------------------------------------------------------------------

// submissionRow is a submission being graded.
type submissionRow struct{ submissions.Job }

// addressee is the user the submission's events are pushed to.
func (s submissionRow) addressee() uint64 {
	if s.AssessmentID.Valid {
		return 0
	}
	return s.UserID
}

func (w *Worker) submit(ctx context.Context, env events.Envelope, meta events.Meta) error {
	var p events.CodeSubmit
	if err := env.Decode(&p); err != nil {
		return w.reject(ctx, env, events.OpCodeSubmit, events.CodeBadCommand, err)
	}
	// This user's turn first (see execute); the submission is read after.
	release, err := w.gate.acquire(ctx, env.ActorUserID)
	if err != nil {
		return err
	}
	defer release()
	job, err := submissions.ForGrading(ctx, w.deps.DB, p.SubmissionID)
	sub := submissionRow{job}
	if errors.Is(err, submissions.ErrNotFound) {
		return w.reject(ctx, env, events.OpCodeSubmit, events.CodeBadCommand, fmt.Errorf("submission %d does not exist", p.SubmissionID))
	}
	if err != nil {
		return fmt.Errorf("code worker: read submission %d: %w", p.SubmissionID, err)
	}
	if sub.OpID != env.CorrelationID || sub.UserID != env.ActorUserID {
		return w.reject(ctx, env, events.OpCodeSubmit, events.CodeBadCommand, fmt.Errorf("submission %d belongs to another operation", sub.ID))
	}
	if sub.Status == "done" || sub.Status == "failed" {
		return nil // an earlier delivery committed the result
	}
	if err := submissions.MarkRunning(ctx, w.deps.DB, sub.ID); err != nil {
		return fmt.Errorf("code worker: mark submission %d running: %w", sub.ID, err)
	}

	lang, err := sandbox.LookupLanguage(sub.Language)
	if err != nil {
		return w.failSubmission(ctx, env, sub, events.CodeUnknownLanguage, err.Error(), events.Permanent(err))
	}
	prob, err := problems.ForGrading(ctx, w.deps.DB, sub.ProblemID)
	if errors.Is(err, problems.ErrNotFound) {
		return w.failSubmission(ctx, env, sub, events.CodeProblemNotFound, "the problem no longer exists", events.Permanent(err))
	}
	if err != nil {
		return fmt.Errorf("code worker: %w", err)
	}
	if len(prob.Tests) == 0 {
		return w.failSubmission(ctx, env, sub, events.CodeNoTests, "the problem has no tests", events.Permanent(judge.ErrNoTests))
	}

	t0 := time.Now()
	progress := w.startProgress(ctx, env, sub.ID, sub.addressee())
	res, gerr := w.judge.Grade(ctx, judge.Submission{
		Language:      lang,
		Source:        []byte(sub.Source),
		Tests:         prob.Tests,
		Comparison:    prob.Comparison,
		Limits:        w.problemLimits(prob, lang),
		CompileLimits: w.cfg.CompileLimits,
	}, progress.add)
	t1 := time.Now()
	progress.finish()
	t2 := time.Now()
	defer func() {
		w.log.DebugContext(ctx, "submission graded", "submission", sub.ID, "grade", t1.Sub(t0), "pushes_wait", t2.Sub(t1), "store", time.Since(t2))
	}()
	if gerr == nil && res.Verdict == judge.InternalError && !w.lastTry(meta) {
		gerr = fmt.Errorf("sandbox internal error while grading: %s", firstIEMessage(res))
	}
	if gerr != nil {
		if ctx.Err() != nil || !w.lastTry(meta) {
			return fmt.Errorf("code worker: grade submission %d: %w", sub.ID, gerr)
		}
		w.log.ErrorContext(ctx, "grading failed on every delivery", "submission", sub.ID, "err", gerr)
		return w.failSubmission(ctx, env, sub, events.CodeInternal, "grading failed; submit again later", nil)
	}
	metricTests.Add(float64(len(res.Tests)))
	metricRuns.WithLabelValues("submit", string(res.Verdict)).Inc()
	return w.storeResult(ctx, env, sub, res)
}

func firstIEMessage(res *judge.Result) string {
	if res.Verdict == judge.InternalError && len(res.Tests) == 0 {
		return res.CompileOutput
	}
	for _, t := range res.Tests {
		if t.Verdict == judge.InternalError {
			return t.Message
		}
	}
	return ""
}

// problemLimits applies the problem's limits, the language's time factor
// and the worker's ceiling.
func (w *Worker) problemLimits(p *problems.Problem, lang sandbox.Language) sandbox.Limits {
	t := time.Duration(p.TimeLimitMS) * time.Millisecond
	if f, ok := w.cfg.TimeFactor[lang.ID]; ok {
		t = time.Duration(float64(t) * f)
	}
	lim := sandbox.Limits{Time: t, MemoryBytes: int64(p.MemoryLimitKB) << 10}
	if m := w.cfg.MaxLimits.Time; m > 0 && lim.Time > m {
		lim.Time = m
	}
	if m := w.cfg.MaxLimits.MemoryBytes; m > 0 && lim.MemoryBytes > m {
		lim.MemoryBytes = m
	}
	return lim
}

// PublicTests converts judge results to what candidates may see: only the
// verdict of each hidden test. Exit codes, signals, messages ("exit code
// 3"), times and memory are all channels a program can encode the hidden
// input in (exit(input[0]), sleep(input[1]) ...), so none of them leaves.
//
// A visible test (one of the problem's examples, see
// problems.MarkVisibleTests) has nothing to hide: its input and expected
// output are in the statement, so its output, stderr, exit code, time and
// message are shown too, and a wrong answer on it shows expected vs actual.
func PublicTests(trs []judge.TestResult) []events.CodeTestResult {
	out := make([]events.CodeTestResult, len(trs))
	for i, tr := range trs {
		out[i] = events.CodeTestResult{Index: tr.Index, Verdict: string(tr.Verdict)}
		if tr.Visible {
			out[i] = events.CodeTestResult{Index: tr.Index, Verdict: string(tr.Verdict), TimeMS: tr.TimeMS, MemoryKB: tr.MemoryKB,
				ExitCode: tr.ExitCode, Signal: tr.Signal, Message: tr.Message, Visible: true,
				Input: tr.Input, Expected: tr.Expected, Stdout: tr.Stdout, Stderr: tr.Stderr}
		}
	}
	return out
}

func (w *Worker) storeResult(ctx context.Context, env events.Envelope, sub submissionRow, res *judge.Result) error {
	compileOut, _ := clip(res.CompileOutput, w.cfg.ReportBytes)
	out := events.CodeSubmitResult{
		SubmissionID: sub.ID, ProblemID: sub.ProblemID, Verdict: string(res.Verdict), VerdictText: res.Verdict.Description(),
		Passed: res.Passed, Total: res.Total, Score: res.Score, TimeMS: res.TimeMS, MemoryKB: res.MemoryKB,
		CompileOutput: compileOut, Tests: PublicTests(res.Tests),
	}
	testsJSON, err := json.Marshal(out.Tests)
	if err != nil {
		return events.Permanent(fmt.Errorf("code worker: encode results: %w", err))
	}
	return w.deps.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		fresh, err := ops.Claim(ctx, tx, env.ID, events.RoleCode)
		if err != nil || !fresh {
			return err
		}
		stored, err := submissions.Finish(ctx, tx, sub.ID, submissions.Result{Verdict: out.Verdict, Passed: out.Passed,
			Total: out.Total, Score: out.Score, Tests: testsJSON, CompileOutput: compileOut, TimeMS: out.TimeMS, MemoryKB: out.MemoryKB})
		if err != nil {
			return fmt.Errorf("code worker: store submission %d: %w", sub.ID, err)
		}
		if !stored {
			return nil // finished by another delivery under a different command id
		}
		return ops.Complete(ctx, tx, ob, sub.OpID, events.OpCodeSubmit, sub.addressee(), out)
	})
}

// failSubmission stores a failed submission and fails its operation; ret is
// returned afterwards (Permanent to dead-letter, nil to ack).
func (w *Worker) failSubmission(ctx context.Context, env events.Envelope, sub submissionRow, code events.Code, message string, ret error) error {
	metricRuns.WithLabelValues("submit", "failed").Inc()
	err := w.deps.Relay.Tx(ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		fresh, err := ops.Claim(ctx, tx, env.ID, events.RoleCode)
		if err != nil || !fresh {
			return err
		}
		stored, err := submissions.Fail(ctx, tx, sub.ID, message)
		if err != nil {
			return fmt.Errorf("code worker: fail submission %d: %w", sub.ID, err)
		}
		if !stored {
			return nil
		}
		return ops.Fail(ctx, tx, ob, sub.OpID, events.OpCodeSubmit, sub.addressee(), code, message)
	})
	if err != nil {
		return err
	}
	return ret
}

// --- per-test pushes ---------------------------------------------------------

// progressPub publishes code.test events in the order the judge reports
// them without holding the judge up: a goroutine writes whatever is queued
// in one outbox transaction, so fast tests share a commit.
type progressPub struct {
	w     *Worker
	ctx   context.Context
	env   events.Envelope
	subID uint64
	uid   uint64 // addressee of the pushes
	ch    chan events.CodeTest
	done  chan struct{}
}

func (w *Worker) startProgress(ctx context.Context, env events.Envelope, subID, uid uint64) *progressPub {
	p := &progressPub{w: w, ctx: ctx, env: env, subID: subID, uid: uid,
		ch: make(chan events.CodeTest, problems.MaxTests+1), done: make(chan struct{})}
	go p.loop()
	return p
}

// add is the judge's progress callback (calls are serialised by the judge).
func (p *progressPub) add(tr judge.TestResult, done, total int) {
	// Only the verdict of a hidden test is public (see PublicTests).
	ev := events.CodeTest{SubmissionID: p.subID, Index: tr.Index, Verdict: string(tr.Verdict), Done: done, Total: total}
	select {
	case p.ch <- ev:
	default:
		// Cannot happen with at most MaxTests tests; dropping a push is
		// better than stalling the grading.
		p.w.log.WarnContext(p.ctx, "code.test push dropped", "submission", p.subID, "index", tr.Index)
	}
}

// finish waits until every queued push is written.
func (p *progressPub) finish() {
	close(p.ch)
	<-p.done
}

func (p *progressPub) loop() {
	defer close(p.done)
	for ev := range p.ch {
		batch := []events.CodeTest{ev}
	drain:
		for {
			select {
			case more, ok := <-p.ch:
				if !ok {
					break drain
				}
				batch = append(batch, more)
			default:
				break drain
			}
		}
		if err := p.publish(batch); err != nil {
			// Pushes are a courtesy; the stored result is authoritative.
			p.w.log.WarnContext(p.ctx, "code.test pushes failed", "submission", p.subID, "err", err)
		}
	}
}

func (p *progressPub) publish(batch []events.CodeTest) error {
	uid := p.uid
	return p.w.deps.Relay.Tx(p.ctx, func(tx *sqlx.Tx, ob *outbox.Batch) error {
		for _, ev := range batch {
			seq, fresh, err := ops.ProgressItem(p.ctx, tx, p.env.CorrelationID, ev.Index)
			if err != nil {
				return err
			}
			if !fresh {
				continue // an earlier delivery pushed this test already
			}
			ev.Seq = seq
			e, err := events.NewEnvelope(events.EvtCodeTest, p.env.CorrelationID, uid, ev)
			if err != nil {
				return err
			}
			if err := ob.Add(events.UserSubject(uid, events.EvtCodeTest), e); err != nil {
				return err
			}
		}
		return nil
	})
}
