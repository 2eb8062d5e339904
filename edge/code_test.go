package edge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hirebus/hirebus/edge"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/problems"
	"github.com/hirebus/hirebus/sandbox/local"
	"github.com/hirebus/hirebus/workers/code/codetest"
	"github.com/jmoiron/sqlx"
)

func TestMain(m *testing.M) {
	// The code worker's local sandbox re-executes this test binary as its
	// init; that process must not run the tests.
	local.MaybeRunInit()
	code := m.Run()
	testutil.RemoveBinaries() // the proctoring benchmark's worker processes
	os.Exit(code)
}

func TestCodeExecute(t *testing.T) {
	e := codetest.Start(t)
	e.StartWorker(t, codetest.Options{})
	u := e.Register("coder", "candidate")

	cases := []struct {
		name       string
		body       map[string]any
		verdict    string
		stdout     string
		stderrHas  string
		exitCode   int
		wantSignal bool
	}{
		{name: "python hello", body: map[string]any{"language": "python", "source": "print('hello, world')\n"},
			verdict: "OK", stdout: "hello, world\n"},
		{name: "python stdin", body: map[string]any{"language": "python3", "source": "import sys\nprint(sum(int(x) for x in sys.stdin.read().split()))\n", "stdin": "20 22\n"},
			verdict: "OK", stdout: "42\n"},
		{name: "c compile error", body: map[string]any{"language": "c", "source": "int main(void) { return undeclared_thing; }\n"},
			verdict: "CE", stderrHas: "undeclared_thing"},
		{name: "c hello", body: map[string]any{"language": "c", "source": "#include <stdio.h>\nint main(void){ puts(\"hi from c\"); return 0; }\n"},
			verdict: "OK", stdout: "hi from c\n"},
		{name: "runtime error exit code", body: map[string]any{"language": "python", "source": "import sys\nsys.exit(3)\n"},
			verdict: "RE", exitCode: 3},
		{name: "segfault", body: map[string]any{"language": "c", "source": "int main(void){ volatile int *p = 0; return *p; }\n"},
			verdict: "RE", wantSignal: true},
		{name: "infinite loop with a small time limit", body: map[string]any{"language": "python", "source": "while True:\n    pass\n", "time_limit_ms": 300},
			verdict: "TLE"},
		{name: "fork bomb", body: map[string]any{"language": "c", "source": "#include <unistd.h>\nint main(void){ for (;;) fork(); }\n", "time_limit_ms": 500},
			verdict: "TLE"},
		{name: "no network to MariaDB", body: map[string]any{"language": "python", "source": "import socket\ntry:\n    socket.create_connection(('127.0.0.1', 3306), timeout=2)\n    print('connected')\nexcept OSError:\n    print('refused')\n"},
			verdict: "OK", stdout: "refused\n"},
		{name: "worker still serving", body: map[string]any{"language": "python", "source": "print('still here')\n"},
			verdict: "OK", stdout: "still here\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do("POST", "/api/code/execute", u.Token, tc.body)
			if r.Status != 200 {
				t.Fatalf("execute: %d %s", r.Status, r.Body)
			}
			var res struct {
				OpID string `json:"op_id"`
				events.CodeExecuteResult
			}
			r.JSON(t, &res)
			if res.Verdict != tc.verdict {
				t.Fatalf("verdict %s, want %s: %s", res.Verdict, tc.verdict, r.Body)
			}
			if tc.stdout != "" && res.Stdout != tc.stdout {
				t.Errorf("stdout %q, want %q", res.Stdout, tc.stdout)
			}
			if tc.stderrHas != "" && !strings.Contains(res.Stderr, tc.stderrHas) {
				t.Errorf("stderr %q lacks %q", res.Stderr, tc.stderrHas)
			}
			if (tc.verdict == "OK" || tc.verdict == "RE") && !tc.wantSignal && res.ExitCode != tc.exitCode {
				t.Errorf("exit code %d, want %d", res.ExitCode, tc.exitCode)
			}
			if tc.wantSignal && res.Signal == "" {
				t.Errorf("no signal reported: %s", r.Body)
			}
			if res.OpID == "" {
				t.Error("no op_id")
			}
			// Every field of the contract is present, even when zero.
			m := r.Map(t)
			for _, k := range []string{"verdict", "stdout", "stderr", "exit_code", "signal", "time_ms", "memory_kb"} {
				if _, ok := m[k]; !ok {
					t.Errorf("response lacks %q: %s", k, r.Body)
				}
			}
		})
	}
}

// TestCodeExecuteOutputCap: a program printing far more than the result
// may carry gets its output cut at the worker's report cap (bus messages
// must stay small), flagged as truncated.
func TestCodeExecuteOutputCap(t *testing.T) {
	e := codetest.Start(t)
	e.StartWorker(t, codetest.Options{})
	u := e.Register("chatty", "candidate")
	r := e.Do("POST", "/api/code/execute", u.Token, map[string]any{"language": "python",
		"source": "import sys\nsys.stdout.write('x' * 3000000)\nsys.stderr.write('e' * 300000)\n"})
	if r.Status != 200 {
		t.Fatalf("execute: %d %s", r.Status, truncate(r.Body))
	}
	var res events.CodeExecuteResult
	r.JSON(t, &res)
	if res.Verdict != "OK" || !res.Truncated || len(res.Stdout) != 64<<10 || len(res.Stderr) != 64<<10 || strings.Trim(res.Stdout, "x") != "" {
		t.Fatalf("verdict %s truncated %v stdout %d stderr %d bytes", res.Verdict, res.Truncated, len(res.Stdout), len(res.Stderr))
	}
	// Beyond the sandbox's own output limit the verdict is OLE.
	r = e.Do("POST", "/api/code/execute", u.Token, map[string]any{"language": "c",
		"source": "#include <stdio.h>\nint main(void){ for (;;) fputs(\"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\\n\", stdout); }\n"})
	if r.Status != 200 {
		t.Fatalf("execute: %d %s", r.Status, truncate(r.Body))
	}
	r.JSON(t, &res)
	if res.Verdict != "OLE" || len(res.Stdout) > 64<<10 {
		t.Fatalf("endless output: verdict %s, %d bytes of stdout", res.Verdict, len(res.Stdout))
	}
}

// pushes collects code.test pushes of one operation until its op.completed.
func pushes(t *testing.T, ws *platformtest.WS, opID string) ([]events.CodeTest, events.OpCompleted, []string) {
	t.Helper()
	var (
		tests []events.CodeTest
		raw   []string
	)
	for {
		m := ws.WaitFor(60*time.Second, func(p platformtest.Push) bool { return p.OpID == opID })
		raw = append(raw, string(m.Data))
		switch m.Type {
		case events.EvtCodeTest:
			var ct events.CodeTest
			if err := json.Unmarshal(m.Data, &ct); err != nil {
				t.Fatal(err)
			}
			tests = append(tests, ct)
		case events.EvtOpCompleted:
			var oc events.OpCompleted
			if err := json.Unmarshal(m.Data, &oc); err != nil {
				t.Fatal(err)
			}
			return tests, oc, raw
		}
	}
}

func TestCodeSubmit(t *testing.T) {
	e := codetest.Start(t)
	e.StartWorker(t, codetest.Options{})
	u := e.Register("solver", "candidate")
	other := e.Register("snoop", "candidate")
	ws := platformtest.DialWS(t, e.URL, u.Token, -1)

	full, err := problemsForGrading(e.DB, "fizzbuzz")
	if err != nil {
		t.Fatal(err)
	}
	n := len(full.Tests)
	var bodies []string // everything the candidate saw, checked for hidden tests at the end

	cases := []struct {
		name       string
		source     string
		lang       string
		verdict    string
		passed     int
		firstWrong int // index of the first non-AC test, -1 for none
	}{
		{name: "correct python", lang: "python", source: codetest.SeedSolution(t, "fizzbuzz", "python.py"), verdict: "AC", passed: n, firstWrong: -1},
		// Numbers only: right for n=1, wrong from n=3 (test index 1) on.
		{name: "wrong python", lang: "python", source: "n = int(input())\nprint('\\n'.join(str(i) for i in range(1, n + 1)))\n", verdict: "WA", passed: 1, firstWrong: 1},
		{name: "compile error c", lang: "c", source: "int main(void) { return nope; }\n", verdict: "CE", passed: 0, firstWrong: -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do("POST", "/api/code/submit", u.Token, map[string]any{"problem_id": "fizzbuzz", "language": tc.lang, "source": tc.source})
			if r.Status != 202 {
				t.Fatalf("submit: %d %s", r.Status, r.Body)
			}
			bodies = append(bodies, string(r.Body))
			acc := r.Map(t)
			opID := acc["op_id"].(string)
			subID := uint64(acc["submission_id"].(float64))
			if int(acc["total"].(float64)) != n {
				t.Errorf("total %v, want %d", acc["total"], n)
			}

			tests, oc, raw := pushes(t, ws, opID)
			bodies = append(bodies, raw...)
			if tc.verdict == "CE" {
				if len(tests) != 0 {
					t.Errorf("%d test pushes after a compile error", len(tests))
				}
			} else {
				if len(tests) != n {
					t.Fatalf("%d code.test pushes, want %d", len(tests), n)
				}
				seen := map[int]bool{}
				for i, ct := range tests {
					if ct.Done != i+1 || ct.Total != n || ct.SubmissionID != subID {
						t.Errorf("push %d: done %d total %d submission %d", i, ct.Done, ct.Total, ct.SubmissionID)
					}
					seen[ct.Index] = true
				}
				if len(seen) != n {
					t.Errorf("pushes cover %d distinct tests, want %d", len(seen), n)
				}
			}
			if oc.Status != "done" {
				t.Fatalf("op %s: %+v", oc.Status, oc.Error)
			}
			var res events.CodeSubmitResult
			if err := json.Unmarshal(oc.Result, &res); err != nil {
				t.Fatal(err)
			}
			if res.Verdict != tc.verdict || res.Passed != tc.passed || res.Total != n || res.SubmissionID != subID {
				t.Fatalf("result %s %d/%d (submission %d), want %s %d/%d: %s", res.Verdict, res.Passed, res.Total, res.SubmissionID, tc.verdict, tc.passed, n, oc.Result)
			}
			if tc.verdict == "CE" && !strings.Contains(res.CompileOutput, "nope") {
				t.Errorf("compile output %q lacks the compiler message", res.CompileOutput)
			}
			if tc.firstWrong >= 0 {
				if res.Tests[tc.firstWrong].Verdict != "WA" {
					t.Errorf("test %d verdict %s, want WA", tc.firstWrong, res.Tests[tc.firstWrong].Verdict)
				}
				for i := 0; i < tc.firstWrong; i++ {
					if res.Tests[i].Verdict != "AC" {
						t.Errorf("test %d verdict %s, want AC", i, res.Tests[i].Verdict)
					}
				}
			}

			// Stored with per-test results; only the owner may read it.
			r = e.Do("GET", "/api/code/submissions/"+strconv.FormatUint(subID, 10), u.Token, nil)
			if r.Status != 200 {
				t.Fatalf("get submission: %d %s", r.Status, r.Body)
			}
			bodies = append(bodies, string(r.Body))
			var sv struct {
				Status  string                  `json:"status"`
				Verdict string                  `json:"verdict"`
				Passed  int                     `json:"passed"`
				Total   int                     `json:"total"`
				Score   float64                 `json:"score"`
				Tests   []events.CodeTestResult `json:"tests"`
				Source  string                  `json:"source"`
			}
			r.JSON(t, &sv)
			wantTests := n
			if tc.verdict == "CE" {
				wantTests = 0
			}
			if sv.Status != "done" || sv.Verdict != tc.verdict || sv.Passed != tc.passed || sv.Total != n || len(sv.Tests) != wantTests || sv.Source != tc.source {
				t.Fatalf("stored submission: %s", r.Body)
			}
			// fizzbuzz's test 03-five is its example: a wrong answer there
			// shows expected vs actual; the hidden tests show verdicts only.
			if tc.verdict == "WA" {
				ex := sv.Tests[2]
				if !ex.Visible || ex.Verdict != "WA" || ex.Input != "5\n" || ex.Expected != "1\n2\nFizz\n4\nBuzz\n" || ex.Stdout != "1\n2\n3\n4\n5\n" || ex.Message == "" {
					t.Errorf("example test: %+v", ex)
				}
				for i, tr := range sv.Tests {
					if i != 2 && (tr.Visible || tr.Stdout != "" || tr.Expected != "" || tr.Message != "") {
						t.Errorf("hidden test %d shows more than its verdict: %+v", i, tr)
					}
				}
			}
			if r := e.Do("GET", "/api/code/submissions/"+strconv.FormatUint(subID, 10), other.Token, nil); r.Status != 404 {
				t.Errorf("another user read the submission: %d %s", r.Status, r.Body)
			}
		})
	}

	r := e.Do("GET", "/api/problems", u.Token, nil)
	if r.Status != 200 {
		t.Fatalf("list problems: %d %s", r.Status, r.Body)
	}
	bodies = append(bodies, string(r.Body))
	var list struct{ Problems []map[string]any }
	r.JSON(t, &list)
	if len(list.Problems) < 10 {
		t.Errorf("%d problems listed, want the seed set (>= 10)", len(list.Problems))
	}
	// The candidate's marks: fizzbuzz solved (the first case), nothing
	// else touched; the other user has no marks.
	for _, p := range list.Problems {
		want := ""
		if p["slug"] == "fizzbuzz" {
			want = "solved"
		}
		if got, _ := p["progress"].(string); got != want {
			t.Errorf("%s: progress %q, want %q", p["slug"], got, want)
		}
	}
	if r := e.Do("GET", "/api/problems/fizzbuzz", other.Token, nil); strings.Contains(string(r.Body), `"progress"`) {
		t.Errorf("another user sees a progress mark: %s", r.Body)
	}
	if r := e.Do("GET", "/api/problems/fizzbuzz", u.Token, nil); !strings.Contains(string(r.Body), `"progress":"solved"`) {
		t.Errorf("the solver's problem lacks its mark: %s", truncate(r.Body))
	}
	for _, ref := range []string{"fizzbuzz", strconv.FormatInt(full.ID, 10)} {
		r = e.Do("GET", "/api/problems/"+ref, u.Token, nil)
		if r.Status != 200 {
			t.Fatalf("get problem %s: %d %s", ref, r.Status, r.Body)
		}
		bodies = append(bodies, string(r.Body))
		m := r.Map(t)
		if _, ok := m["tests"]; ok {
			t.Errorf("problem %s exposes tests", ref)
		}
		if int(m["test_count"].(float64)) != n {
			t.Errorf("test_count %v, want %d", m["test_count"], n)
		}
	}
	r = e.Do("GET", "/api/code/submissions?problem_id=fizzbuzz", u.Token, nil)
	if r.Status != 200 || strings.Count(string(r.Body), `"op_id"`) != len(cases) {
		t.Errorf("list submissions: %d %s", r.Status, r.Body)
	}
	bodies = append(bodies, string(r.Body))

	// No hidden test input or expected output appears in anything the
	// candidate received (tests equal to a public example excepted; short
	// ones would match by accident).
	public := map[string]bool{}
	for _, ex := range full.Examples {
		public[ex.Input], public[ex.Output] = true, true
	}
	all := strings.Join(bodies, "\n")
	checked := 0
	for _, tc := range full.Tests {
		for _, s := range []string{tc.Input, tc.Output} {
			if len(s) < 12 || public[s] {
				continue
			}
			checked++
			// A prefix also catches a leak that was cut at an output cap.
			if len(s) > 64 {
				s = s[:64]
			}
			enc, _ := json.Marshal(s)
			if strings.Contains(all, strings.Trim(string(enc), `"`)) {
				t.Errorf("hidden test %s leaked", tc.Name)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no hidden test was long enough to check")
	}
}

// A Run of a problem runs its examples, then the candidate's own cases, and
// compares each with its expected output: "AC" only when the output
// matched, expected vs actual on a wrong one, "OK" for a case without an
// expected output, only the compiler's message on a compile error.
func TestCodeRunTests(t *testing.T) {
	e := codetest.Start(t)
	e.StartWorker(t, codetest.Options{})
	u := e.Register("runner", "candidate")
	right := codetest.SeedSolution(t, "fizzbuzz", "python.py")
	numbers := "n = int(input())\nprint('\\n'.join(str(i) for i in range(1, n + 1)))\n"
	str := func(s string) *string { return &s }
	type run = events.CodeRunResult
	cases := []struct {
		name    string
		body    map[string]any
		verdict string
		passed  int
		checked int
		tests   []run
	}{
		{name: "right answer on the example and a custom test", body: map[string]any{"problem_id": "fizzbuzz", "language": "python", "source": right,
			"tests": []map[string]any{{"input": "3\n", "expected_output": "1\n2\nFizz\n"}, {"input": "1\n"}}},
			verdict: "AC", passed: 2, checked: 2, tests: []run{
				{Index: 0, Example: 1, Verdict: "AC", Checked: true, Expected: str("1\n2\nFizz\n4\nBuzz\n"), Stdout: "1\n2\nFizz\n4\nBuzz\n"},
				{Index: 1, Verdict: "AC", Checked: true, Expected: str("1\n2\nFizz\n"), Stdout: "1\n2\nFizz\n"},
				{Index: 2, Verdict: "OK", Stdout: "1\n"}}},
		{name: "exiting is not passing: wrong output on the example", body: map[string]any{"problem_id": "fizzbuzz", "language": "python", "source": numbers},
			verdict: "WA", passed: 0, checked: 1, tests: []run{
				{Index: 0, Example: 1, Verdict: "WA", Checked: true, Expected: str("1\n2\nFizz\n4\nBuzz\n"), Stdout: "1\n2\n3\n4\n5\n", Message: "line 3: output differs"}}},
		{name: "custom tests without a problem", body: map[string]any{"language": "python", "source": "import sys\nprint(int(input()) * 2)\nsys.stderr.write('dbg')\n",
			"tests": []map[string]any{{"input": "21\n", "expected_output": "42"}, {"input": "x\n"}}},
			verdict: "RE", passed: 1, checked: 1, tests: []run{
				{Index: 0, Verdict: "AC", Checked: true, Expected: str("42"), Stdout: "42\n", Stderr: "dbg"},
				{Index: 1, Verdict: "RE", ExitCode: 1}}},
		{name: "compile error shows only the compiler", body: map[string]any{"problem_id": "fizzbuzz", "language": "c", "source": "int main(void) { return nope; }\n"},
			verdict: "CE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.Do("POST", "/api/code/execute", u.Token, tc.body)
			if r.Status != 200 {
				t.Fatalf("execute: %d %s", r.Status, r.Body)
			}
			var res events.CodeExecuteResult
			r.JSON(t, &res)
			if res.Verdict != tc.verdict || res.Passed != tc.passed || res.Checked != tc.checked || len(res.Tests) != len(tc.tests) {
				t.Fatalf("run %s %d/%d with %d tests, want %s %d/%d with %d: %s", res.Verdict, res.Passed, res.Checked, len(res.Tests),
					tc.verdict, tc.passed, tc.checked, len(tc.tests), truncate(r.Body))
			}
			if tc.verdict == "CE" && (!strings.Contains(res.Stderr, "nope") || res.Stdout != "") {
				t.Errorf("compile error: stderr %q stdout %q", res.Stderr, res.Stdout)
			}
			for i, want := range tc.tests {
				got := res.Tests[i]
				if got.Index != want.Index || got.Example != want.Example || got.Verdict != want.Verdict || got.Checked != want.Checked ||
					(want.Expected != nil) != (got.Expected != nil) || (want.Expected != nil && *got.Expected != *want.Expected) ||
					(want.Stdout != "" && got.Stdout != want.Stdout) || (want.Stderr != "" && got.Stderr != want.Stderr) ||
					(want.Message != "" && got.Message != want.Message) || got.ExitCode != want.ExitCode {
					t.Errorf("test %d: %+v, want %+v", i, got, want)
				}
			}
		})
	}
}

// problemsForGrading reads a problem with its hidden tests, as only the
// worker may.
func problemsForGrading(db *sqlx.DB, slug string) (*problems.Problem, error) {
	pp, err := problems.GetBySlug(context.Background(), db, slug)
	if err != nil {
		return nil, err
	}
	return problems.ForGrading(context.Background(), db, pp.ID)
}

func TestCodeBadInput(t *testing.T) {
	e := codetest.Start(t)
	// No worker: every case must be refused before anything is queued.
	u := e.Register("clumsy", "candidate")
	big := strings.Repeat("a", 1<<20)
	cases := []struct {
		name   string
		path   string
		token  string
		body   any
		status int
		code   string
	}{
		{"execute unknown language", "/api/code/execute", u.Token, map[string]any{"language": "cobol", "source": "x"}, 400, "unknown_language"},
		{"execute empty source", "/api/code/execute", u.Token, map[string]any{"language": "python", "source": "  \n"}, 400, "empty_source"},
		{"execute 1 MB source", "/api/code/execute", u.Token, map[string]any{"language": "python", "source": big}, 413, "source_too_large"},
		{"execute time limit too high", "/api/code/execute", u.Token, map[string]any{"language": "python", "source": "print(1)", "time_limit_ms": 600000}, 400, "limit_too_high"},
		{"execute memory limit too high", "/api/code/execute", u.Token, map[string]any{"language": "python", "source": "print(1)", "memory_limit_kb": 64 << 20}, 400, "limit_too_high"},
		{"execute memory limit too low", "/api/code/execute", u.Token, map[string]any{"language": "python", "source": "print(1)", "memory_limit_kb": 1}, 400, "limit_too_low"},
		{"execute stdin too large", "/api/code/execute", u.Token, map[string]any{"language": "python", "source": "print(1)", "stdin": strings.Repeat("1", 2<<20)}, 413, "stdin_too_large"},
		{"execute malformed json", "/api/code/execute", u.Token, `{"language": "python", "source": `, 400, "bad_json"},
		{"execute wrong type", "/api/code/execute", u.Token, `{"language": 3, "source": "print(1)"}`, 400, "bad_json"},
		{"execute without token", "/api/code/execute", "", map[string]any{"language": "python", "source": "print(1)"}, 401, "unauthorized"},
		{"submit unknown problem id", "/api/code/submit", u.Token, map[string]any{"problem_id": 999999, "language": "python", "source": "print(1)"}, 404, "problem_not_found"},
		{"submit unknown problem slug", "/api/code/submit", u.Token, map[string]any{"problem_id": "no-such-problem", "language": "python", "source": "print(1)"}, 404, "problem_not_found"},
		{"submit missing problem", "/api/code/submit", u.Token, map[string]any{"language": "python", "source": "print(1)"}, 400, "missing_problem_id"},
		{"submit bad problem id", "/api/code/submit", u.Token, map[string]any{"problem_id": []int{1}, "language": "python", "source": "print(1)"}, 400, "bad_problem_id"},
		{"submit unknown language", "/api/code/submit", u.Token, map[string]any{"problem_id": "fizzbuzz", "language": "brainfuck", "source": "+"}, 400, "unknown_language"},
		{"submit empty source", "/api/code/submit", u.Token, map[string]any{"problem_id": "fizzbuzz", "language": "python", "source": ""}, 400, "empty_source"},
		{"submit 1 MB source", "/api/code/submit", u.Token, map[string]any{"problem_id": "fizzbuzz", "language": "python", "source": big}, 413, "source_too_large"},
		{"submit malformed json", "/api/code/submit", u.Token, `{"problem_id": 1,,}`, 400, "bad_json"},
		{"submit without token", "/api/code/submit", "", map[string]any{"problem_id": "fizzbuzz", "language": "python", "source": "print(1)"}, 401, "unauthorized"},
		{"problem unknown", "/api/problems/424242", u.Token, nil, 404, "problem_not_found"},
		{"problem unknown slug", "/api/problems/nope", u.Token, nil, 404, "problem_not_found"},
		{"problems without token", "/api/problems", "", nil, 401, "unauthorized"},
		{"submission unknown", "/api/code/submissions/987654", u.Token, nil, 404, "not_found"},
		{"submission bad id", "/api/code/submissions/abc", u.Token, nil, 404, "not_found"},
		{"run unknown problem", "/api/code/execute", u.Token, map[string]any{"problem_id": "no-such-problem", "language": "python", "source": "print(1)"}, 404, "problem_not_found"},
		{"run bad problem id", "/api/code/execute", u.Token, map[string]any{"problem_id": true, "language": "python", "source": "print(1)"}, 400, "bad_problem_id"},
		{"run too many tests", "/api/code/execute", u.Token, map[string]any{"problem_id": "fizzbuzz", "language": "python", "source": "print(1)",
			"tests": make([]map[string]string, events.MaxRunTests)}, 400, "too_many_tests"},
		{"run test inputs too large", "/api/code/execute", u.Token, map[string]any{"language": "python", "source": "print(1)",
			"tests": []map[string]string{{"input": strings.Repeat("1", 600<<10)}, {"input": "1", "expected_output": strings.Repeat("1", 600<<10)}}}, 413, "stdin_too_large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method := "POST"
			if tc.body == nil {
				method = "GET"
			}
			r := e.Do(method, tc.path, tc.token, tc.body)
			if r.Status != tc.status || r.ErrorCode() != tc.code {
				t.Fatalf("%d %s, want %d %s", r.Status, truncate(r.Body), tc.status, tc.code)
			}
		})
	}
	t.Run("wrong content type", func(t *testing.T) {
		r := platformtest.DoRaw(t, "POST", e.URL+"/api/code/execute", "text/plain", `{"language":"python","source":"print(1)"}`)
		if r.Status != 415 && r.Status != 401 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	// Nothing reached the queue or the submissions table.
	var n int
	if err := e.DB.Get(&n, `SELECT COUNT(*) FROM coding_submissions`); err != nil || n != 0 {
		t.Fatalf("%d submissions stored after bad input (%v)", n, err)
	}
	var ops int
	if err := e.DB.Get(&ops, `SELECT COUNT(*) FROM operations WHERE type LIKE 'code.%'`); err != nil || ops != 0 {
		t.Fatalf("%d code operations created after bad input (%v)", ops, err)
	}
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

func TestCodeQueueFull(t *testing.T) {
	e := codetest.Start(t)
	e.Edge.SetCodeConfig(edge.CodeConfig{MaxQueue: 2})
	u := e.Register("eager", "candidate")
	src := codetest.SeedSolution(t, "fizzbuzz", "python.py")
	submit := func() platformtest.Response {
		return e.Do("POST", "/api/code/submit", u.Token, map[string]any{"problem_id": "fizzbuzz", "language": "python", "source": src})
	}
	// No worker yet: two submissions fill the queue.
	var opIDs []string
	for range 2 {
		r := submit()
		if r.Status != 202 {
			t.Fatalf("submit: %d %s", r.Status, r.Body)
		}
		opIDs = append(opIDs, r.Map(t)["op_id"].(string))
	}
	// The commands reach the stream through the outbox right after commit;
	// from then on the edge refuses at once instead of queueing or hanging.
	var full platformtest.Response
	testutil.Eventually(t, 10*time.Second, func() bool {
		start := time.Now()
		full = submit()
		if time.Since(start) > 3*time.Second {
			t.Fatalf("a refused submit took %s", time.Since(start))
		}
		if full.Status == 202 {
			opIDs = append(opIDs, full.Map(t)["op_id"].(string))
		}
		return full.Status == 503
	}, "queue never reported full")
	if full.ErrorCode() != "queue_full" {
		t.Fatalf("503 with code %q: %s", full.ErrorCode(), full.Body)
	}
	start := time.Now()
	r := e.Do("POST", "/api/code/execute", u.Token, map[string]any{"language": "python", "source": "print(1)"})
	if r.Status != 503 || r.ErrorCode() != "queue_full" || time.Since(start) > 3*time.Second {
		t.Fatalf("execute on a full queue: %d %s after %s", r.Status, r.Body, time.Since(start))
	}

	// A worker drains the queue; everything accepted is graded and the
	// edge accepts again.
	e.StartWorker(t, codetest.Options{})
	for _, id := range opIDs {
		op := e.WaitOp(u.Token, id, 90*time.Second)
		if op["status"] != "done" {
			t.Fatalf("op %s: %v", id, op)
		}
	}
	testutil.Eventually(t, 30*time.Second, func() bool { return submit().Status == 202 }, "edge still refuses after the queue drained")
}

// TestCodeExecuteAccepted: when the worker does not answer within the
// edge's wait, execute answers 202 with the op id; the result arrives later
// on the operation (and the WebSocket).
func TestCodeExecuteAccepted(t *testing.T) {
	e := codetest.Start(t)
	_, url := e.StartEdge(t, func(c *edge.Config) { c.WaitTimeout = 300 * time.Millisecond })
	u := e.Register("patient", "candidate")
	start := time.Now()
	r := platformtest.Do(t, "POST", url+"/api/code/execute", u.Token, map[string]any{"language": "python", "source": "print(6 * 7)\n"})
	if r.Status != 202 || time.Since(start) > 5*time.Second {
		t.Fatalf("execute without a worker: %d %s after %s", r.Status, r.Body, time.Since(start))
	}
	opID := r.Map(t)["op_id"].(string)
	e.StartWorker(t, codetest.Options{})
	op := e.WaitOp(u.Token, opID, 60*time.Second)
	res, _ := json.Marshal(op["result"])
	if op["status"] != "done" || !strings.Contains(string(res), `"stdout":"42\n"`) {
		t.Fatalf("op: %v %s", op["status"], res)
	}
}

// TestCodeSubmitIdempotencyKey: a retried submit (double click, flaky
// network) with the same Idempotency-Key returns the first submission.
func TestCodeSubmitIdempotencyKey(t *testing.T) {
	e := codetest.Start(t)
	u := e.Register("retrier", "candidate")
	src := codetest.SeedSolution(t, "fizzbuzz", "python.py")
	post := func(key, source string) platformtest.Response {
		body, _ := json.Marshal(map[string]any{"problem_id": "fizzbuzz", "language": "python", "source": source})
		req, _ := http.NewRequest("POST", e.URL+"/api/code/submit", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+u.Token)
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return platformtest.Response{Status: resp.StatusCode, Body: data}
	}
	first := post("attempt-7f3a", src)
	again := post("attempt-7f3a", src)
	if first.Status != 202 || again.Status != 202 {
		t.Fatalf("submits: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
	}
	a, b := first.Map(t), again.Map(t)
	if a["submission_id"] != b["submission_id"] || a["op_id"] != b["op_id"] || b["replayed"] != true {
		t.Fatalf("retry made a new submission: %s vs %s", first.Body, again.Body)
	}
	if r := post("attempt-7f3a", src+"\n# changed"); r.Status != 422 || r.ErrorCode() != "idempotency_key_reused" {
		t.Fatalf("same key, other source: %d %s", r.Status, r.Body)
	}
	if r := post("bad key", src); r.Status != 400 || r.ErrorCode() != "bad_idempotency_key" {
		t.Fatalf("bad key: %d %s", r.Status, r.Body)
	}
	if r := post("", src); r.Status != 202 || r.Map(t)["submission_id"] == a["submission_id"] {
		t.Fatalf("no key: %d %s", r.Status, r.Body)
	}
	var n int
	if err := e.DB.Get(&n, `SELECT COUNT(*) FROM coding_submissions WHERE user_id = ?`, u.ID); err != nil || n != 2 {
		t.Fatalf("submissions stored: %d (%v), want 2", n, err)
	}
}

// TestCodeFairness: one user's busy loops neither queue without bound nor
// starve another user's print(1) (issue 7: 20 loops delayed it to 55 s).
// Small numbers: 2 slots, 3 jobs per user, 2-second loops.
func TestCodeFairness(t *testing.T) {
	e := codetest.Start(t)
	srv, url := e.StartEdge(t, func(c *edge.Config) { c.WaitTimeout = 100 * time.Millisecond })
	srv.SetCodeConfig(edge.CodeConfig{MaxPerUser: 3})
	e.StartWorker(t, codetest.Options{Slots: 2})
	hog := e.Register("hog", "candidate")
	other := e.Register("other", "candidate")
	loop := map[string]any{"language": "python", "source": "while True:\n    pass\n", "time_limit_ms": 2000}
	var hogOps []string
	refused := 0
	for i := 0; i < 6; i++ {
		r := platformtest.Do(t, "POST", url+"/api/code/execute", hog.Token, loop)
		switch r.Status {
		case 202:
			hogOps = append(hogOps, r.Map(t)["op_id"].(string))
		case 429:
			if r.ErrorCode() != "too_many_jobs" {
				t.Fatalf("429 with %s", r.Body)
			}
			refused++
		default:
			t.Fatalf("busy loop %d: %d %s", i, r.Status, r.Body)
		}
	}
	if len(hogOps) != 3 || refused != 3 {
		t.Fatalf("accepted %d, refused %d busy loops; want 3 and 3", len(hogOps), refused)
	}
	r := platformtest.Do(t, "POST", url+"/api/code/execute", other.Token, map[string]any{"language": "python", "source": "print(1)\n"})
	switch r.Status {
	case 200:
	case 202:
		opID := r.Map(t)["op_id"].(string)
		if op := e.WaitOp(other.Token, opID, 60*time.Second); op["status"] != "done" {
			t.Fatalf("print(1): %v", op)
		}
	default:
		t.Fatalf("print(1): %d %s", r.Status, r.Body)
	}
	var done int
	q, args, _ := sqlx.In(`SELECT COUNT(*) FROM operations WHERE status <> 'pending' AND id IN (?)`, hogOps)
	if err := e.DB.Get(&done, q, args...); err != nil {
		t.Fatal(err)
	}
	if done >= 2 {
		t.Fatalf("print(1) finished only after %d of the other user's busy loops", done)
	}
}
