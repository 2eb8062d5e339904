package edge

// The coding API: problems (public views only: hidden tests never leave
// MySQL through the edge), one-off runs (execute: waits a bounded time for
// the code worker) and graded submissions (submit: 202, per-test verdicts
// arrive over the WebSocket as code.test, the result as op.completed).

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/domain/submissions"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/problems"
	"github.com/hirebus/hirebus/sandbox/spec"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
	"github.com/nats-io/nats.go/jetstream"
)

// CodeConfig tunes the coding API of one edge. Zero fields take defaults.
type CodeConfig struct {
	// MaxQueue is how many code commands may wait or run before new ones
	// are refused with 503 (default 256).
	MaxQueue int
	// MaxLimits is the ceiling for the time and memory limits an execute
	// may ask for (default spec.MaxLimits(); keep it equal to the code
	// worker's MaxLimits).
	MaxLimits spec.Limits
	// MaxStdinBytes caps an execute's stdin (default 1 MiB).
	MaxStdinBytes int
	// MaxPerUser is how many code jobs (execute and submit) one user may
	// have waiting or running; more are refused with 429 (default 4).
	MaxPerUser int
}

func (c CodeConfig) withDefaults() CodeConfig {
	if c.MaxQueue <= 0 {
		c.MaxQueue = 256
	}
	if c.MaxLimits == (spec.Limits{}) {
		c.MaxLimits = spec.MaxLimits()
	}
	if c.MaxStdinBytes <= 0 {
		c.MaxStdinBytes = 1 << 20
	}
	if c.MaxPerUser <= 0 {
		c.MaxPerUser = 4
	}
	return c
}

// SetCodeConfig replaces the coding API settings of s (safe at any time).
func (s *Server) SetCodeConfig(c CodeConfig) {
	c = c.withDefaults()
	s.code.Store(&c)
}

func (s *Server) codeConfig() CodeConfig { return *s.code.Load() }

// codeRoutes are the coding API's routes (wired by routes in server.go).
func (s *Server) codeRoutes(api fiber.Router) {
	api.Get("/problems", s.requireAuth, s.handleListProblems)
	api.Get("/problems/:id", s.requireAuth, s.handleGetProblem)
	api.Get("/code/languages", s.requireAuth, s.handleLanguages)
	api.Post("/code/execute", s.requireAuth, s.handleExecute)
	api.Post("/code/submit", s.requireAuth, s.handleSubmit)
	api.Get("/code/submissions", s.requireAuth, s.handleListSubmissions)
	api.Get("/code/submissions/:id", s.requireAuth, s.handleGetSubmission)
}

// --- problems ----------------------------------------------------------------

// problemWithStatus is a problem as its reader sees it: Status is the
// reader's own standing ("solved", "attempted", or absent), from their
// practice submissions.
type problemWithStatus struct {
	*problems.PublicProblem
	Status string `json:"status,omitempty"`
}

func (s *Server) handleListProblems(c *fiber.Ctx) error {
	pr, ok := principal(c)
	if !ok {
		return errUnauthorized
	}
	ctx := c.UserContext()
	ps, err := problems.List(ctx, s.deps.DB)
	if err != nil {
		return err
	}
	marks, err := submissions.ProblemStatuses(ctx, s.deps.DB, pr.UserID)
	if err != nil {
		return err
	}
	out := make([]problemWithStatus, len(ps))
	for i := range ps {
		out[i] = problemWithStatus{&ps[i], marks[ps[i].ID]}
	}
	return c.JSON(fiber.Map{"problems": out})
}

func (s *Server) handleGetProblem(c *fiber.Ctx) error {
	pr, ok := principal(c)
	if !ok {
		return errUnauthorized
	}
	ctx := c.UserContext()
	pp, err := s.lookupProblem(ctx, c.Params("id"))
	if err != nil {
		return err
	}
	marks, err := submissions.ProblemStatuses(ctx, s.deps.DB, pr.UserID)
	if err != nil {
		return err
	}
	return c.JSON(problemWithStatus{pp, marks[pp.ID]})
}

// lookupProblem finds a problem by numeric id or slug.
func (s *Server) lookupProblem(ctx context.Context, ref string) (*problems.PublicProblem, error) {
	ref = strings.TrimSpace(ref)
	var (
		pp  *problems.PublicProblem
		err error
	)
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil {
		if id <= 0 {
			return nil, Errorf(404, "problem_not_found", "no problem %q", ref)
		}
		pp, err = problems.Get(ctx, s.deps.DB, id)
	} else {
		if ref == "" || len(ref) > 64 {
			return nil, Errorf(404, "problem_not_found", "no problem %q", ref)
		}
		pp, err = problems.GetBySlug(ctx, s.deps.DB, ref)
	}
	if errors.Is(err, problems.ErrNotFound) {
		return nil, Errorf(404, "problem_not_found", "no problem %q", ref)
	}
	if err != nil {
		return nil, err
	}
	return pp, nil
}

func (s *Server) handleLanguages(c *fiber.Ctx) error {
	type lang struct {
		ID       string `json:"id"`
		Name     string `json:"name"`
		Compiled bool   `json:"compiled"`
	}
	var out []lang
	for _, l := range spec.Languages() {
		out = append(out, lang{ID: l.ID, Name: l.Name, Compiled: l.Compiled()})
	}
	return c.JSON(fiber.Map{"languages": out})
}

// --- validation shared by execute and submit ---------------------------------

func validateCode(language, source string) (spec.Language, error) {
	lang, err := spec.LookupLanguage(language)
	if err != nil {
		ids := make([]string, 0, 8)
		for _, l := range spec.Languages() {
			ids = append(ids, l.ID)
		}
		return lang, Errorf(400, "unknown_language", "unknown language %q (supported: %s)", language, strings.Join(ids, ", "))
	}
	if err := spec.ValidateSource([]byte(source)); err != nil {
		if errors.Is(err, spec.ErrSourceTooLarge) {
			return lang, Errorf(413, "source_too_large", "source is %d bytes; the maximum is %d", len(source), spec.MaxSourceBytes)
		}
		return lang, badRequest("empty_source", "source is empty")
	}
	return lang, nil
}

// checkCodeQueue answers 503 when the code workers are too far behind: a
// full queue must be refused at once, not left to hang. CMD is a work
// queue, so its message count on cmd.code.> is exactly what waits or runs.
// If the count cannot be read the request goes through: the outbox keeps
// commands while NATS is away.
func (s *Server) checkCodeQueue(ctx context.Context) error {
	limit := s.codeConfig().MaxQueue
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	n, err := codeQueueDepth(ctx, s.deps.JS)
	if err != nil {
		s.log.WarnContext(ctx, "code queue depth unknown; accepting", "err", err)
		return nil
	}
	if n >= uint64(limit) {
		return Errorf(503, "queue_full", "the code runners are busy (%d jobs queued); try again shortly", n)
	}
	return nil
}

func codeQueueDepth(ctx context.Context, js jetstream.JetStream) (uint64, error) {
	st, err := js.Stream(ctx, events.StreamCommands)
	if err != nil {
		return 0, err
	}
	info, err := st.Info(ctx, jetstream.WithSubjectFilter(events.RoleSubject(events.RoleCode)))
	if err != nil {
		return 0, err
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	return n, nil
}

// --- execute -----------------------------------------------------------------

type executeReq struct {
	Language      string `json:"language"`
	Source        string `json:"source"`
	Stdin         string `json:"stdin"`
	TimeLimitMS   *int64 `json:"time_limit_ms"`
	MemoryLimitKB *int64 `json:"memory_limit_kb"`
	// ProblemID runs the problem's examples (with its comparison and
	// limits) before Tests, the candidate's custom cases (issue 9).
	ProblemID json.RawMessage `json:"problem_id"`
	Tests     []struct {
		Input    string  `json:"input"`
		Expected *string `json:"expected_output"`
	} `json:"tests"`
}

// Smallest limits accepted: below them no runtime even starts, which would
// only produce confusing verdicts.
const (
	minTimeLimitMS   = 100
	minMemoryLimitKB = 16 << 10
)

func (s *Server) executePayload(ctx context.Context, req executeReq) (events.CodeExecute, error) {
	cc := s.codeConfig()
	lang, err := validateCode(req.Language, req.Source)
	if err != nil {
		return events.CodeExecute{}, err
	}
	if len(req.Stdin) > cc.MaxStdinBytes {
		return events.CodeExecute{}, Errorf(413, "stdin_too_large", "stdin is %d bytes; the maximum is %d", len(req.Stdin), cc.MaxStdinBytes)
	}
	p := events.CodeExecute{Language: lang.ID, Source: req.Source, Stdin: req.Stdin}
	if err := s.runTests(ctx, &req, &p); err != nil {
		return p, err
	}
	if req.TimeLimitMS != nil {
		v := *req.TimeLimitMS
		maxMS := cc.MaxLimits.Time.Milliseconds()
		switch {
		case v < minTimeLimitMS:
			return p, Errorf(400, "limit_too_low", "time_limit_ms must be at least %d", minTimeLimitMS)
		case maxMS > 0 && v > maxMS:
			return p, Errorf(400, "limit_too_high", "time_limit_ms %d is above the maximum %d", v, maxMS)
		}
		p.TimeLimitMS = v
	}
	if req.MemoryLimitKB != nil {
		v := *req.MemoryLimitKB
		maxKB := cc.MaxLimits.MemoryBytes >> 10
		switch {
		case v < minMemoryLimitKB:
			return p, Errorf(400, "limit_too_low", "memory_limit_kb must be at least %d", minMemoryLimitKB)
		case maxKB > 0 && v > maxKB:
			return p, Errorf(400, "limit_too_high", "memory_limit_kb %d is above the maximum %d", v, maxKB)
		}
		p.MemoryLimitKB = v
	}
	// Source and stdin travel inside the command: it must fit one NATS
	// message (the envelope adds little beyond the JSON-escaped payload).
	raw, err := json.Marshal(p)
	if err != nil {
		return p, err
	}
	if max := s.deps.NC.MaxPayload(); max > 0 && int64(len(raw))+8<<10 > max {
		return p, Errorf(413, "payload_too_large", "source and stdin together are too large to run (%d bytes encoded; limit about %d)", len(raw), max-8<<10)
	}
	return p, nil
}

func (s *Server) handleExecute(c *fiber.Ctx) error {
	pr, ok := principal(c)
	if !ok {
		return errUnauthorized
	}
	var req executeReq
	if err := bind(c, &req); err != nil {
		return err
	}
	payload, err := s.executePayload(c.UserContext(), req)
	if err != nil {
		return err
	}
	if done, err := s.idempotent(c, "code-execute", pr.UserID, func(op string) error { return s.replayExecute(c, op) }); done || err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := s.checkCodeQueue(ctx); err != nil {
		return err
	}
	opID, oc, done, err := s.acceptAndWait(ctx, events.OpCodeExecute, events.CmdCodeExecute, pr.UserID, payload, s.userCodeJobs(ctx, pr.UserID))
	if err != nil {
		return err
	}
	if !done {
		return accepted(c, opID, nil)
	}
	if oc.Status != ops.StatusDone {
		return opFailed(oc, events.CodeInternal, "the operation failed")
	}
	var res events.CodeExecuteResult
	if err := json.Unmarshal(oc.Result, &res); err != nil {
		return &APIError{Status: 500, Code: "internal", Message: "undecodable worker result", Err: err}
	}
	return c.JSON(struct {
		OpID string `json:"op_id"`
		events.CodeExecuteResult
	}{opID, res})
}

// runTests fills p's test cases from req: the problem's examples first
// (compared with the problem's checker, under its limits unless the request
// sets them), then the custom tests. Their inputs and expected outputs
// together count against the stdin cap. The limits it sets in req are
// validated by the caller like requested ones.
func (s *Server) runTests(ctx context.Context, req *executeReq, p *events.CodeExecute) error {
	raw := bytes.TrimSpace(req.ProblemID)
	if len(raw) > 0 && string(raw) != "null" {
		ref, err := problemRef(raw)
		if err != nil {
			return err
		}
		prob, err := s.lookupProblem(ctx, ref)
		if err != nil {
			return err
		}
		p.ProblemID = prob.ID
		c := prob.Comparison.Normalize()
		p.Comparison = &events.CodeRunComparison{Mode: string(c.Mode), AbsEpsilon: c.AbsEpsilon, RelEpsilon: c.RelEpsilon}
		for i, ex := range prob.Examples {
			out := ex.Output
			p.Tests = append(p.Tests, events.CodeRunTest{Input: ex.Input, Expected: &out, Example: i + 1})
		}
		// The problem's limits, cut to what an execute may ask for.
		lim := s.codeConfig().MaxLimits
		if req.TimeLimitMS == nil {
			v := int64(prob.TimeLimitMS)
			req.TimeLimitMS = &v
			if m := lim.Time.Milliseconds(); m > 0 && v > m {
				*req.TimeLimitMS = m
			}
		}
		if req.MemoryLimitKB == nil {
			v := int64(prob.MemoryLimitKB)
			req.MemoryLimitKB = &v
			if m := lim.MemoryBytes >> 10; m > 0 && v > m {
				*req.MemoryLimitKB = m
			}
		}
	}
	if len(p.Tests)+len(req.Tests) > events.MaxRunTests {
		return Errorf(400, "too_many_tests", "a run takes at most %d test cases (the problem's examples count); %d given", events.MaxRunTests, len(p.Tests)+len(req.Tests))
	}
	size := len(req.Stdin)
	for _, t := range req.Tests {
		tc := events.CodeRunTest{Input: t.Input}
		size += len(t.Input)
		if t.Expected != nil {
			exp := *t.Expected
			tc.Expected = &exp
			size += len(exp)
		}
		p.Tests = append(p.Tests, tc)
	}
	if max := s.codeConfig().MaxStdinBytes; size > max {
		return Errorf(413, "stdin_too_large", "test inputs and expected outputs are %d bytes together; the maximum is %d", size, max)
	}
	return nil
}

// --- submit ------------------------------------------------------------------

type submitReq struct {
	ProblemID json.RawMessage `json:"problem_id"`
	Language  string          `json:"language"`
	Source    string          `json:"source"`
}

func (s *Server) handleSubmit(c *fiber.Ctx) error {
	pr, ok := principal(c)
	if !ok {
		return errUnauthorized
	}
	var req submitReq
	if err := bind(c, &req); err != nil {
		return err
	}
	ref, err := problemRef(req.ProblemID)
	if err != nil {
		return err
	}
	lang, err := validateCode(req.Language, req.Source)
	if err != nil {
		return err
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	prob, err := s.lookupProblem(ctx, ref)
	if err != nil {
		return err
	}
	if key != nil {
		if done, err := s.replaySubmit(c, pr.UserID, *key, prob.ID, lang.ID, req.Source); done || err != nil {
			return err
		}
	}
	if err := s.checkCodeQueue(ctx); err != nil {
		return err
	}
	opID := events.NewID()
	var subID uint64
	err = s.deps.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		if err := s.userCodeJobs(ctx, pr.UserID)(tx); err != nil {
			return err
		}
		var err error
		subID, err = submissions.Create(ctx, tx, submissions.New{OpID: opID, UserID: pr.UserID, ProblemID: prob.ID,
			Language: lang.ID, Source: req.Source, Total: prob.TestCount, IdempotencyKey: key})
		if err != nil {
			return err
		}
		return createOpTx(ctx, tx, out, opID, events.OpCodeSubmit, events.CmdCodeSubmit, pr.UserID,
			events.CodeSubmit{SubmissionID: subID, ProblemID: prob.ID, Language: lang.ID})
	})
	if errors.Is(err, store.ErrDuplicate) && key != nil {
		// A concurrent retry with the same key won the insert.
		if done, err := s.replaySubmit(c, pr.UserID, *key, prob.ID, lang.ID, req.Source); done || err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	return accepted(c, opID, fiber.Map{"submission_id": subID, "problem_id": prob.ID, "total": prob.TestCount})
}

// idempotencyKey reads the optional Idempotency-Key header (copied: Fiber
// reuses request memory).
func idempotencyKey(c *fiber.Ctx) (*string, error) {
	k := strings.TrimSpace(c.Get("Idempotency-Key"))
	if k == "" {
		return nil, nil
	}
	if len(k) > 128 {
		return nil, badRequest("bad_idempotency_key", "Idempotency-Key must be at most 128 characters")
	}
	for _, r := range k {
		if r < 0x21 || r > 0x7e {
			return nil, badRequest("bad_idempotency_key", "Idempotency-Key must be printable ASCII without spaces")
		}
	}
	k = strings.Clone(k)
	return &k, nil
}

// replaySubmit answers a retried submit with the submission its key already
// made. The same key with a different body is a client bug: 422.
func (s *Server) replaySubmit(c *fiber.Ctx, userID uint64, key string, problemID int64, language, source string) (bool, error) {
	prev, err := submissions.ByKey(c.UserContext(), s.deps.DB, userID, key)
	if errors.Is(err, submissions.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("edge: idempotent submit: %w", err)
	}
	if prev.ProblemID != problemID || prev.Language != language || prev.Source != source {
		return true, Errorf(422, "idempotency_key_reused", "this Idempotency-Key was used for a different submission")
	}
	return true, accepted(c, prev.OpID, fiber.Map{"submission_id": prev.ID, "problem_id": prev.ProblemID, "total": prev.Total, "replayed": true})
}

// problemRef accepts a numeric id (number or string) or a slug.
func problemRef(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", badRequest("missing_problem_id", "problem_id is required")
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	var str string
	if err := json.Unmarshal(raw, &str); err == nil && strings.TrimSpace(str) != "" {
		return str, nil
	}
	return "", badRequest("bad_problem_id", "problem_id must be a problem id or slug")
}

// --- submissions -------------------------------------------------------------

func (s *Server) handleGetSubmission(c *fiber.Ctx) error {
	pr, ok := principal(c)
	if !ok {
		return errUnauthorized
	}
	id, err := strconv.ParseUint(c.Params("id"), 10, 64)
	if err != nil || id == 0 {
		return Errorf(404, "not_found", "no such submission")
	}
	// An assessment's code answer is graded for the company: its results
	// reach the candidate only through released assessment results, so
	// submissions.Get returns practice submissions only.
	v, err := submissions.Get(c.UserContext(), s.deps.DB, id)
	if errors.Is(err, submissions.ErrNotFound) || (err == nil && v.UserID != pr.UserID && pr.Role != "admin") {
		// Someone else's submission looks exactly like a missing one.
		return Errorf(404, "not_found", "no such submission")
	}
	if err != nil {
		return err
	}
	v.Tests = []events.CodeTestResult{}
	if len(v.Results) > 0 {
		if err := json.Unmarshal(v.Results, &v.Tests); err != nil {
			return &APIError{Status: 500, Code: "internal", Message: "stored results are unreadable", Err: err}
		}
		// Rows graded before issue 7 kept exit codes and messages of
		// hidden tests: show only the verdicts. A visible test (one of
		// the problem's examples, issue 9) keeps its expected and actual
		// output.
		for i, tr := range v.Tests {
			if !tr.Visible {
				v.Tests[i] = events.CodeTestResult{Index: tr.Index, Verdict: tr.Verdict}
			}
		}
	}
	return c.JSON(v)
}

// handleListSubmissions lists the caller's latest submissions (optionally of
// one problem), without sources or per-test results.
func (s *Server) handleListSubmissions(c *fiber.Ctx) error {
	pr, ok := principal(c)
	if !ok {
		return errUnauthorized
	}
	var problemID int64
	if ref := c.Query("problem_id"); ref != "" {
		prob, err := s.lookupProblem(c.UserContext(), ref)
		if err != nil {
			return err
		}
		problemID = prob.ID
	}
	list, err := submissions.List(c.UserContext(), s.deps.DB, pr.UserID, problemID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"submissions": list})
}
