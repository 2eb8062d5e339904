package code_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hirebus/hirebus/edge"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/sandbox"
	"github.com/hirebus/hirebus/sandbox/docker"
	"github.com/hirebus/hirebus/sandbox/local"
	"github.com/hirebus/hirebus/workers/code"
	"github.com/hirebus/hirebus/workers/code/codetest"
	"github.com/jmoiron/sqlx"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

func TestMain(m *testing.M) {
	// The local sandbox re-executes this test binary as its init.
	local.MaybeRunInit()
	os.Exit(m.Run())
}

// command waits for the edge's command on subject to reach the stream and
// returns it as stored (data and headers).
func command(t *testing.T, js jetstream.JetStream, subject string) *jetstream.RawStreamMsg {
	t.Helper()
	st, err := js.Stream(context.Background(), events.StreamCommands)
	if err != nil {
		t.Fatal(err)
	}
	var msg *jetstream.RawStreamMsg
	testutil.Eventually(t, 10*time.Second, func() bool {
		msg, err = st.GetLastMsgForSubject(context.Background(), subject)
		return err == nil
	}, "no %s command in the stream: %v", subject, err)
	return msg
}

func envelopeOf(t *testing.T, m *jetstream.RawStreamMsg) events.Envelope {
	t.Helper()
	var env events.Envelope
	if err := json.Unmarshal(m.Data, &env); err != nil {
		t.Fatal(err)
	}
	return env
}

// eventsFor lists the events of one operation published on subject.
func eventsFor(t *testing.T, js jetstream.JetStream, subject, opID string) []events.Envelope {
	t.Helper()
	ctx := context.Background()
	cons, err := js.OrderedConsumer(ctx, events.StreamEvents, jetstream.OrderedConsumerConfig{FilterSubjects: []string{subject}})
	if err != nil {
		t.Fatal(err)
	}
	var out []events.Envelope
	for {
		batch, err := cons.FetchNoWait(256)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			n++
			var env events.Envelope
			if json.Unmarshal(m.Data(), &env) == nil && env.CorrelationID == opID {
				out = append(out, env)
			}
		}
		if n == 0 {
			return out
		}
	}
}

func queueDepth(t *testing.T, js jetstream.JetStream) uint64 {
	t.Helper()
	st, err := js.Stream(context.Background(), events.StreamCommands)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(context.Background(), jetstream.WithSubjectFilter(events.RoleSubject(events.RoleCode)))
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	return n
}

// TestSubmitRedelivery delivers the same submit command twice through the
// bus (a second copy with another Nats-Msg-Id, as after a lost ack): the
// second delivery must neither grade again nor publish a second result.
func TestSubmitRedelivery(t *testing.T) {
	e := codetest.Start(t)
	u := e.Register("twice", "candidate")
	r := e.Do("POST", "/api/code/submit", u.Token, map[string]any{"problem_id": "fizzbuzz", "language": "python",
		"source": codetest.SeedSolution(t, "fizzbuzz", "python.py")})
	if r.Status != 202 {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	acc := r.Map(t)
	opID, total := acc["op_id"].(string), int(acc["total"].(float64))

	orig := command(t, e.JS, events.CmdCodeSubmit)
	h := nats.Header{}
	for k, v := range orig.Header {
		h[k] = v
	}
	h.Set(jetstream.MsgIDHeader, events.NewID())
	if _, err := e.JS.PublishMsg(context.Background(), &nats.Msg{Subject: events.CmdCodeSubmit, Data: orig.Data, Header: h}); err != nil {
		t.Fatal(err)
	}
	if d := queueDepth(t, e.JS); d != 2 {
		t.Fatalf("queue depth %d, want the command twice", d)
	}

	// One slot: the copies are handled one after the other.
	e.StartWorker(t, codetest.Options{Slots: 1})
	if op := e.WaitOp(u.Token, opID, 60*time.Second); op["status"] != "done" {
		t.Fatalf("op: %v", op)
	}
	testutil.Eventually(t, 30*time.Second, func() bool { return queueDepth(t, e.JS) == 0 }, "the duplicate was not acked")

	if c := e.Runner.Compiles.Load(); c != 1 {
		t.Errorf("%d compiles, want 1", c)
	}
	if n := e.Runner.Runs.Load(); n != int64(total) {
		t.Errorf("%d runs, want %d", n, total)
	}
	if got := eventsFor(t, e.JS, events.UserSubject(u.ID, events.EvtOpCompleted), opID); len(got) != 1 {
		t.Errorf("%d op.completed events, want 1", len(got))
	}
	if got := eventsFor(t, e.JS, events.UserSubject(u.ID, events.EvtCodeTest), opID); len(got) != total {
		t.Errorf("%d code.test events, want %d", len(got), total)
	}
	var rows []struct {
		Status  string `db:"status"`
		Verdict string `db:"verdict"`
		Passed  int    `db:"passed"`
	}
	if err := e.DB.Select(&rows, `SELECT status, verdict, passed FROM coding_submissions WHERE op_id = ?`, opID); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Status != "done" || rows[0].Verdict != "AC" || rows[0].Passed != total {
		t.Fatalf("submission rows: %+v", rows)
	}
}

// TestConcurrentDeliveries hands the same command to two handlers at once
// (AckWait expired while the first was still grading): both may grade, but
// exactly one result is committed and announced.
func TestConcurrentDeliveries(t *testing.T) {
	e := codetest.Start(t)
	u := e.Register("racer", "candidate")
	r := e.Do("POST", "/api/code/submit", u.Token, map[string]any{"problem_id": "reverse-words", "language": "python",
		"source": "import sys\nfor line in sys.stdin:\n    print(' '.join(reversed(line.split())))\n"})
	if r.Status != 202 {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	opID := r.Map(t)["op_id"].(string)
	env := envelopeOf(t, command(t, e.JS, events.CmdCodeSubmit))
	w := e.NewWorker(t, codetest.Options{})

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = w.Handle(context.Background(), env, events.Meta{Subject: events.CmdCodeSubmit, Delivered: uint64(i + 1)})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("delivery %d: %v", i+1, err)
		}
	}
	// A third, late delivery finds the result and does nothing.
	before := e.Runner.Runs.Load()
	if err := w.Handle(context.Background(), env, events.Meta{Subject: events.CmdCodeSubmit, Delivered: 3}); err != nil {
		t.Fatal(err)
	}
	if e.Runner.Runs.Load() != before {
		t.Error("a delivery after the commit graded again")
	}
	testutil.Eventually(t, 10*time.Second, func() bool {
		return len(eventsFor(t, e.JS, events.UserSubject(u.ID, events.EvtOpCompleted), opID)) >= 1
	}, "no op.completed")
	if got := eventsFor(t, e.JS, events.UserSubject(u.ID, events.EvtOpCompleted), opID); len(got) != 1 {
		t.Errorf("%d op.completed events, want 1", len(got))
	}
	var claims int
	if err := e.DB.Get(&claims, `SELECT COUNT(*) FROM processed_commands WHERE command_id = ?`, env.ID); err != nil || claims != 1 {
		t.Errorf("%d claims (%v)", claims, err)
	}
}

// craft creates a pending operation and returns its command envelope, as
// the edge would, for commands the edge would never send.
func craft(t *testing.T, e *codetest.Env, uid uint64, opType string, payload any) events.Envelope {
	t.Helper()
	opID := events.NewID()
	env, err := events.NewEnvelope(opType, opID, uid, payload)
	if err != nil {
		t.Fatal(err)
	}
	err = e.Relay.Tx(context.Background(), func(tx *sqlx.Tx, _ *outbox.Batch) error {
		return ops.Create(context.Background(), tx, opID, opType, uid)
	})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// TestBadCommands: what the edge refuses must also be refused by the worker
// (dead-letter) with the operation failed, so no client waits forever.
func TestBadCommands(t *testing.T) {
	e := codetest.Start(t)
	u := e.Register("forger", "candidate")
	w := e.NewWorker(t, codetest.Options{})
	cases := []struct {
		name    string
		subject string
		opType  string
		payload any
		code    string // expected op error code; "" = no op to fail
	}{
		{"unknown language", events.CmdCodeExecute, events.OpCodeExecute, events.CodeExecute{Language: "cobol", Source: "DISPLAY 'X'."}, "unknown_language"},
		{"empty source", events.CmdCodeExecute, events.OpCodeExecute, events.CodeExecute{Language: "python", Source: "\n"}, "empty_source"},
		{"time limit too high", events.CmdCodeExecute, events.OpCodeExecute, events.CodeExecute{Language: "python", Source: "print(1)", TimeLimitMS: 3_600_000}, "limit_too_high"},
		{"negative memory", events.CmdCodeExecute, events.OpCodeExecute, events.CodeExecute{Language: "python", Source: "print(1)", MemoryLimitKB: -1}, "bad_limit"},
		{"undecodable payload", events.CmdCodeExecute, events.OpCodeExecute, "not an object", "bad_command"},
		{"missing submission", events.CmdCodeSubmit, events.OpCodeSubmit, events.CodeSubmit{SubmissionID: 777, ProblemID: 1, Language: "python"}, "bad_command"},
		{"unknown subject", "cmd.code.explode", events.OpCodeExecute, events.CodeExecute{}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := craft(t, e, u.ID, tc.opType, tc.payload)
			err := w.Handle(context.Background(), env, events.Meta{Subject: tc.subject, Delivered: 1})
			if !events.IsPermanent(err) {
				t.Fatalf("error %v is not permanent", err)
			}
			op, gerr := ops.Get(context.Background(), e.DB, env.CorrelationID)
			if gerr != nil {
				t.Fatal(gerr)
			}
			if tc.code == "" {
				return
			}
			var oe events.OpError
			_ = json.Unmarshal(op.Error, &oe)
			if op.Status != ops.StatusFailed || string(oe.Code) != tc.code {
				t.Fatalf("op %s %s, want failed %s", op.Status, op.Error, tc.code)
			}
		})
	}
	t.Run("operation missing", func(t *testing.T) {
		env, _ := events.NewEnvelope(events.OpCodeExecute, events.NewID(), u.ID, events.CodeExecute{Language: "python", Source: "print(1)"})
		if err := w.Handle(context.Background(), env, events.Meta{Subject: events.CmdCodeExecute, Delivered: 1}); !events.IsPermanent(err) {
			t.Fatalf("error %v is not permanent", err)
		}
	})
}

// TestSandboxFailureIsTemporary: a runner that fails (here: closed) is a
// temporary error, retried; on the last delivery the operation is finished
// with an internal-error verdict instead of being left pending.
func TestSandboxFailureIsTemporary(t *testing.T) {
	e := codetest.Start(t)
	u := e.Register("unlucky", "candidate")
	r := codetest.NewRunner(t, 1, "")
	r.Close()
	policy := events.Policies[events.RoleCode]
	w, err := code.New(code.Config{Slots: 1}, code.Deps{DB: e.DB, JS: e.JS, Relay: e.Relay, Log: e.Log, Runner: r})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("execute", func(t *testing.T) {
		env := craft(t, e, u.ID, events.OpCodeExecute, events.CodeExecute{Language: "python", Source: "print(1)"})
		for d := 1; d < policy.MaxDeliver; d++ {
			err := w.Handle(context.Background(), env, events.Meta{Subject: events.CmdCodeExecute, Delivered: uint64(d)})
			if err == nil || events.IsPermanent(err) {
				t.Fatalf("delivery %d: %v, want a temporary error", d, err)
			}
			if op, _ := ops.Get(context.Background(), e.DB, env.CorrelationID); op.Status != ops.StatusPending {
				t.Fatalf("op %s after a temporary failure", op.Status)
			}
		}
		if err := w.Handle(context.Background(), env, events.Meta{Subject: events.CmdCodeExecute, Delivered: uint64(policy.MaxDeliver)}); err != nil {
			t.Fatalf("last delivery: %v", err)
		}
		op, _ := ops.Get(context.Background(), e.DB, env.CorrelationID)
		var res events.CodeExecuteResult
		_ = json.Unmarshal(op.Result, &res)
		if op.Status != ops.StatusDone || res.Verdict != "IE" {
			t.Fatalf("op %s %s, want done with IE", op.Status, op.Result)
		}
	})

	t.Run("submit", func(t *testing.T) {
		resp := e.Do("POST", "/api/code/submit", u.Token, map[string]any{"problem_id": "fizzbuzz", "language": "python", "source": "print(1)"})
		if resp.Status != 202 {
			t.Fatalf("submit: %d %s", resp.Status, resp.Body)
		}
		opID := resp.Map(t)["op_id"].(string)
		env := envelopeOf(t, command(t, e.JS, events.CmdCodeSubmit))
		err := w.Handle(context.Background(), env, events.Meta{Subject: events.CmdCodeSubmit, Delivered: 1})
		if err == nil || events.IsPermanent(err) {
			t.Fatalf("first delivery: %v, want a temporary error", err)
		}
		if err := w.Handle(context.Background(), env, events.Meta{Subject: events.CmdCodeSubmit, Delivered: uint64(policy.MaxDeliver)}); err != nil && !errors.Is(err, context.Canceled) {
			t.Fatalf("last delivery: %v", err)
		}
		op, _ := ops.Get(context.Background(), e.DB, opID)
		var status string
		_ = e.DB.Get(&status, `SELECT status FROM coding_submissions WHERE op_id = ?`, opID)
		if op.Status != ops.StatusFailed || status != "failed" {
			t.Fatalf("op %s, submission %s; want both failed", op.Status, status)
		}
	})
}

// TestCompileCache: running and then submitting the same source compiles
// once; the cache is bounded (LRU) and compilation errors are cached too.
func TestCompileCache(t *testing.T) {
	e := codetest.Start(t)
	u := e.Register("cached", "candidate")
	w := e.NewWorker(t, codetest.Options{Config: func(c *code.Config) { c.CompileCache = 2 }})
	execute := func(src string) events.CodeExecuteResult {
		t.Helper()
		env := craft(t, e, u.ID, events.OpCodeExecute, events.CodeExecute{Language: "c", Source: src})
		if err := w.Handle(context.Background(), env, events.Meta{Subject: events.CmdCodeExecute, Delivered: 1}); err != nil {
			t.Fatal(err)
		}
		op, err := ops.Get(context.Background(), e.DB, env.CorrelationID)
		if err != nil {
			t.Fatal(err)
		}
		var res events.CodeExecuteResult
		if err := json.Unmarshal(op.Result, &res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	prog := func(n int) string {
		return "#include <stdio.h>\nint main(void){ printf(\"%d\\n\", " + string(rune('0'+n)) + "); return 0; }\n"
	}
	steps := []struct {
		src      string
		verdict  string
		stdout   string
		compiles int64 // total compiles after the step
	}{
		{prog(1), "OK", "1\n", 1},
		{prog(1), "OK", "1\n", 1}, // hit
		{"int main(void){ return x; }\n", "CE", "", 2},
		{"int main(void){ return x; }\n", "CE", "", 2}, // cached CE
		{prog(2), "OK", "2\n", 3},                      // evicts prog(1)
		{prog(1), "OK", "1\n", 4},                      // compiled again
		{prog(2), "OK", "2\n", 4},
	}
	for i, s := range steps {
		res := execute(s.src)
		if res.Verdict != s.verdict || res.Stdout != s.stdout {
			t.Fatalf("step %d: %s %q, want %s %q (%s)", i, res.Verdict, res.Stdout, s.verdict, s.stdout, res.Stderr)
		}
		if s.verdict == "CE" && !strings.Contains(res.Stderr, "x") {
			t.Errorf("step %d: CE without the compiler message: %q", i, res.Stderr)
		}
		if got := e.Runner.Compiles.Load(); got != s.compiles {
			t.Fatalf("step %d: %d compiles, want %d", i, got, s.compiles)
		}
	}
	// Evicted builds are removed at once; closing drops the rest.
	programs := func() int {
		entries, err := os.ReadDir(e.ProgramsDir)
		if err != nil {
			t.Fatal(err)
		}
		return len(entries)
	}
	if n := programs(); n > 2 {
		t.Errorf("%d program directories with a cache of 2", n)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if n := programs(); n != 0 {
		t.Errorf("%d program directories after close", n)
	}
}

// TestSeedSolutionsAccepted grades every reference solution of the seed set
// through the worker: the problems' limits, the per-language time factors
// and the toolchains of all six languages agree.
func TestSeedSolutionsAccepted(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles every seed solution (Java, Go, C++ …)")
	}
	e := codetest.Start(t)
	// One user submits every seed solution at once: lift the per-user
	// job limit (a product limit, not what this test is about).
	e.Edge.SetCodeConfig(edge.CodeConfig{MaxPerUser: 1000})
	e.StartWorker(t, codetest.Options{})
	u := e.Register("reference", "candidate")
	langs := map[string]string{".py": "python", ".js": "javascript", ".go": "go", ".c": "c", ".cpp": "cpp", ".java": "java"}
	// Go sources are stored as *.go.txt so the seed tree is no Go package.
	type job struct{ slug, file, opID string }
	var jobs []job
	dirs, err := os.ReadDir(filepath.Join(testutil.RepoRoot(), "problems", "seed"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		files, _ := os.ReadDir(filepath.Join(testutil.RepoRoot(), "problems", "seed", d.Name(), "solutions"))
		for _, f := range files {
			lang, ok := langs[filepath.Ext(strings.TrimSuffix(f.Name(), ".txt"))]
			if !ok {
				continue
			}
			r := e.Do("POST", "/api/code/submit", u.Token, map[string]any{"problem_id": d.Name(), "language": lang,
				"source": codetest.SeedSolution(t, d.Name(), f.Name())})
			if r.Status != 202 {
				t.Fatalf("submit %s/%s: %d %s", d.Name(), f.Name(), r.Status, r.Body)
			}
			jobs = append(jobs, job{d.Name(), f.Name(), r.Map(t)["op_id"].(string)})
		}
	}
	if len(jobs) < 10 {
		t.Fatalf("only %d reference solutions found", len(jobs))
	}
	for _, j := range jobs {
		t.Run(j.slug+"/"+j.file, func(t *testing.T) {
			op := e.WaitOp(u.Token, j.opID, 5*time.Minute)
			var res events.CodeSubmitResult
			raw, _ := json.Marshal(op["result"])
			_ = json.Unmarshal(raw, &res)
			if op["status"] != "done" || res.Verdict != "AC" {
				t.Fatalf("%v: %s", op["status"], raw)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	e := codetest.Start(t)
	deps := code.Deps{DB: e.DB, JS: e.JS, Relay: e.Relay, Log: e.Log, Runner: codetest.NewRunner(t, 1, t.TempDir())}
	cases := []struct {
		name string
		cfg  code.Config
		deps code.Deps
		want string
	}{
		{"too many slots", code.Config{Slots: 1000}, deps, "slots"},
		{"report cap too small", code.Config{ReportBytes: 10}, deps, "report bytes"},
		{"time factor for an unknown language", code.Config{TimeFactor: map[string]float64{"cobol": 2}}, deps, "unknown language"},
		{"time factor below 1", code.Config{TimeFactor: map[string]float64{"java": 0.5}}, deps, "time factor"},
		{"execute limits above the maximum", code.Config{ExecuteLimits: sandbox.Limits{Time: time.Hour}}, deps, "execute limits"},
		{"no database", code.Config{}, code.Deps{JS: e.JS, Relay: e.Relay, Runner: deps.Runner}, "required"},
		{"no runner", code.Config{}, code.Deps{DB: e.DB, JS: e.JS, Relay: e.Relay}, "runner"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w, err := code.New(tc.cfg, tc.deps)
			if err == nil {
				w.Close()
				t.Fatal("accepted")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
		})
	}
	// The defaults are valid, and the worker runs on the runner it is given
	// (the binary builds it: cmd/hirebus TestSandboxRunner).
	w, err := code.New(code.Config{}, deps)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if w.Runner() != deps.Runner {
		t.Fatalf("worker runs on %s, not the runner it was given", w.Runner().Name())
	}
}

// TestDockerRunner runs an execute and a submission through a worker on the
// Docker runner where a daemon answers (production); skipped otherwise.
func TestDockerRunner(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	err := docker.Ping(ctx, os.Getenv("DOCKER_HOST"))
	cancel()
	if err != nil {
		t.Skipf("no Docker daemon (%v): the docker runner is exercised where DOCKER_HOST or the default socket answers", err)
	}
	e := codetest.Start(t)
	dctx, dcancel := context.WithTimeout(context.Background(), 15*time.Second)
	runner, err := docker.New(dctx, docker.Config{Host: os.Getenv("DOCKER_HOST")})
	dcancel()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { runner.Close() })
	w, err := code.New(code.Config{}, code.Deps{DB: e.DB, JS: e.JS, Relay: e.Relay, Log: e.Log, Runner: runner})
	if err != nil {
		t.Fatal(err)
	}
	e.Go(w.Run)
	u := e.Register("whale", "candidate")
	r := e.Do("POST", "/api/code/execute", u.Token, map[string]any{"language": "python", "source": "print('in a container')\n"})
	if r.Status != 200 || !strings.Contains(string(r.Body), `"stdout":"in a container\n"`) {
		t.Fatalf("execute: %d %s", r.Status, r.Body)
	}
	r = e.Do("POST", "/api/code/submit", u.Token, map[string]any{"problem_id": "fizzbuzz", "language": "python",
		"source": codetest.SeedSolution(t, "fizzbuzz", "python.py")})
	if r.Status != 202 {
		t.Fatalf("submit: %d %s", r.Status, r.Body)
	}
	op := e.WaitOp(u.Token, r.Map(t)["op_id"].(string), 2*time.Minute)
	if raw, _ := json.Marshal(op["result"]); op["status"] != "done" || !strings.Contains(string(raw), `"verdict":"AC"`) {
		t.Fatalf("submission: %v %s", op["status"], raw)
	}
}
