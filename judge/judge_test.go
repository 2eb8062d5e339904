package judge

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hirebus/hirebus/sandbox"
	"github.com/hirebus/hirebus/sandbox/local"
)

func TestMain(m *testing.M) {
	// The local runner re-executes the test binary as the sandbox init.
	local.MaybeRunInit()
	os.Exit(m.Run())
}

var (
	runnerOnce sync.Once
	runner     sandbox.Runner
	runnerErr  error
)

// localRunner is the real local sandbox runner, shared by the tests of
// this package and closed when the process ends.
func localRunner(t *testing.T) sandbox.Runner {
	t.Helper()
	runnerOnce.Do(func() {
		runner, runnerErr = local.New(local.Options{CacheDir: os.TempDir() + "/hirebus-sandbox-test-cache"})
	})
	if runnerErr != nil {
		t.Fatalf("local runner: %v", runnerErr)
	}
	return runner
}

func lang(t *testing.T, id string) sandbox.Language {
	t.Helper()
	l, err := sandbox.LookupLanguage(id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// sumTests: "a b" -> a+b. Inputs steer the hostile program below.
var sumTests = []TestCase{
	{Name: "small", Input: "1 2\n", Output: "3\n"},
	{Name: "negative", Input: "-5 3\n", Output: "-2\n"},
	{Name: "zero", Input: "0 0\n", Output: "0\n"},
	{Name: "big", Input: "2000000000 2000000000\n", Output: "4000000000\n"},
}

const pySum = "a, b = map(int, input().split())\nprint(a + b)\n"

// pyMisbehave sums correctly except for one magic first operand, on which
// it does what the name says.
const pyMisbehave = `import sys, time
a, b = map(int, input().split())
if a == -5:
    print(a - b)              # wrong answer
elif a == 0:
    time.sleep(60)            # time limit
elif a == 2 * 10**9:
    raise ValueError("boom")  # runtime error
else:
    print(a + b)
`

func TestGradeLocal(t *testing.T) {
	r := localRunner(t)
	short := sandbox.Limits{Time: time.Second, WallTime: 2 * time.Second}
	tests := []struct {
		name     string
		sub      Submission
		parallel int
		want     Verdict
		perTest  []Verdict
		check    func(t *testing.T, res *Result)
	}{
		{name: "python accepted", sub: Submission{Language: lang(t, "python"), Source: []byte(pySum), Tests: sumTests},
			want: Accepted, perTest: []Verdict{Accepted, Accepted, Accepted, Accepted}},
		{name: "c accepted in parallel", parallel: 3, sub: Submission{Language: lang(t, "c"), Tests: sumTests,
			Source: []byte("#include <stdio.h>\nint main(void){long long a,b;scanf(\"%lld %lld\",&a,&b);printf(\"%lld\\n\",a+b);return 0;}\n")},
			want: Accepted, perTest: []Verdict{Accepted, Accepted, Accepted, Accepted}},
		{name: "32-bit overflow is wrong answer", sub: Submission{Language: lang(t, "c"), Tests: sumTests,
			Source: []byte("#include <stdio.h>\nint main(void){int a,b;scanf(\"%d %d\",&a,&b);printf(\"%d\\n\",a+b);return 0;}\n")},
			want: WrongAnswer, perTest: []Verdict{Accepted, Accepted, Accepted, WrongAnswer},
			check: func(t *testing.T, res *Result) {
				if res.Tests[3].Message != "line 1: output differs" {
					t.Errorf("message %q", res.Tests[3].Message)
				}
			}},
		{name: "mixed failures, first in order decides", parallel: 4,
			sub:  Submission{Language: lang(t, "python"), Source: []byte(pyMisbehave), Tests: sumTests, Limits: short},
			want: WrongAnswer, perTest: []Verdict{Accepted, WrongAnswer, TimeLimitExceeded, RuntimeError},
			check: func(t *testing.T, res *Result) {
				if res.Passed != 1 || res.Score != 0.25 {
					t.Errorf("passed %d score %v", res.Passed, res.Score)
				}
				if re := res.Tests[3]; re.ExitCode != 1 || re.Message == "" {
					t.Errorf("runtime error %+v", re)
				}
			}},
		{name: "compilation error", sub: Submission{Language: lang(t, "c"), Tests: sumTests,
			Source: []byte("int main(void) { return missing_symbol; }\n")},
			want: CompilationError,
			check: func(t *testing.T, res *Result) {
				if !strings.Contains(res.CompileOutput, "missing_symbol") || res.Total != 4 || res.Passed != 0 || len(res.Tests) != 0 {
					t.Errorf("result %+v", res)
				}
			}},
		{name: "memory limit", sub: Submission{Language: lang(t, "python"), Tests: sumTests[:1],
			Source: []byte("x = bytearray(1 << 30)\nprint(len(x))\n"), Limits: sandbox.Limits{MemoryBytes: 64 << 20}},
			want: MemoryLimitExceeded, perTest: []Verdict{MemoryLimitExceeded}},
		{name: "output limit", sub: Submission{Language: lang(t, "python"), Tests: sumTests[:1],
			Source: []byte("while True:\n    print('x' * 1000)\n"), Limits: sandbox.Limits{OutputBytes: 64 << 10}},
			want: OutputLimitExceeded, perTest: []Verdict{OutputLimitExceeded}},
		{name: "signal is runtime error", sub: Submission{Language: lang(t, "c"), Tests: sumTests[:2],
			Source: []byte("#include <stdlib.h>\nint main(void){ abort(); }\n")},
			want: RuntimeError, perTest: []Verdict{RuntimeError, RuntimeError},
			check: func(t *testing.T, res *Result) {
				if res.Tests[0].Signal != "SIGABRT" || res.Tests[0].Message == "" {
					t.Errorf("test 0: %+v", res.Tests[0])
				}
			}},
		{name: "float tolerance", sub: Submission{Language: lang(t, "python"),
			Comparison: Comparison{Mode: ModeFloat, AbsEpsilon: 1e-6},
			Tests:      []TestCase{{Name: "third", Input: "1 3\n", Output: "0.333333333\n"}, {Name: "half", Input: "1 2\n", Output: "0.5\n"}},
			Source:     []byte("a, b = map(int, input().split())\nprint('%.7f' % (a / b))\n")},
			want: Accepted, perTest: []Verdict{Accepted, Accepted}},
		{name: "visible tests keep input, expected and actual output; hidden ones none",
			sub: Submission{Language: lang(t, "python"), Source: []byte("import sys\na, b = map(int, input().split())\nprint(a - b)\nsys.stderr.write('dbg %d' % a)\n"),
				Tests: []TestCase{{Name: "example", Input: "1 2\n", Output: "3\n", Visible: true}, {Name: "hidden", Input: "5 3\n", Output: "8\n"}}},
			want: WrongAnswer, perTest: []Verdict{WrongAnswer, WrongAnswer},
			check: func(t *testing.T, res *Result) {
				v, h := res.Tests[0], res.Tests[1]
				if !v.Visible || v.Input != "1 2\n" || v.Expected != "3\n" || v.Stdout != "-1\n" || v.Stderr != "dbg 1" {
					t.Errorf("visible test %+v", v)
				}
				if h.Visible || h.Input != "" || h.Expected != "" || h.Stdout != "" || h.Stderr != "" {
					t.Errorf("hidden test kept data: %+v", h)
				}
			}},
		{name: "exact mode rejects missing newline", sub: Submission{Language: lang(t, "python"),
			Comparison: Comparison{Mode: ModeExact}, Tests: sumTests[:1],
			Source: []byte("import sys\na, b = map(int, input().split())\nsys.stdout.write(str(a + b))\n")},
			want: WrongAnswer, perTest: []Verdict{WrongAnswer}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := New(r, Options{Parallelism: tt.parallel})
			var (
				mu    sync.Mutex
				dones []int
				seen  = map[int]bool{}
			)
			res, err := j.Grade(context.Background(), tt.sub, func(tr TestResult, done, total int) {
				mu.Lock()
				defer mu.Unlock()
				if total != len(tt.sub.Tests) {
					t.Errorf("progress total %d", total)
				}
				dones = append(dones, done)
				seen[tr.Index] = true
			})
			if err != nil {
				t.Fatalf("Grade: %v", err)
			}
			if res.Verdict != tt.want {
				t.Fatalf("verdict %s, want %s: %+v", res.Verdict, tt.want, res)
			}
			if len(res.Tests) != len(tt.perTest) {
				t.Fatalf("%d test results, want %d", len(res.Tests), len(tt.perTest))
			}
			for i, v := range tt.perTest {
				if res.Tests[i].Verdict != v || res.Tests[i].Index != i || res.Tests[i].Name != tt.sub.Tests[i].Name {
					t.Errorf("test %d: %+v, want %s", i, res.Tests[i], v)
				}
			}
			// Progress: once per test, done counting 1..n.
			if len(dones) != len(tt.perTest) || len(seen) != len(tt.perTest) {
				t.Errorf("progress calls %v for %d tests", dones, len(tt.perTest))
			}
			for i, d := range dones {
				if d != i+1 {
					t.Errorf("progress done sequence %v", dones)
					break
				}
			}
			if tt.check != nil {
				tt.check(t, res)
			}
		})
	}
}

func TestGradeCancel(t *testing.T) {
	r := localRunner(t)
	j := New(r, Options{})
	tests := make([]TestCase, 20)
	for i := range tests {
		tests[i] = TestCase{Name: "t", Input: "0 0\n", Output: "0\n"}
	}
	// Every test sleeps far beyond the wall limit; cancel while the first
	// one runs.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { time.Sleep(500 * time.Millisecond); cancel() }()
	start := time.Now()
	res, err := j.Grade(ctx, Submission{Language: lang(t, "python"), Source: []byte(pyMisbehave), Tests: tests,
		Limits: sandbox.Limits{Time: time.Second, WallTime: 30 * time.Second}}, nil)
	if !errors.Is(err, context.Canceled) || res != nil {
		t.Fatalf("Grade after cancel = %+v, %v; want context.Canceled", res, err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Fatalf("cancellation took %s", el)
	}
}

func TestGradeBadInput(t *testing.T) {
	r := localRunner(t)
	tests := []struct {
		name string
		j    *Judge
		sub  Submission
		want error
	}{
		{"no tests", New(r, Options{}), Submission{Language: lang(t, "python"), Source: []byte(pySum)}, ErrNoTests},
		{"bad comparison", New(r, Options{}), Submission{Language: lang(t, "python"), Source: []byte(pySum), Tests: sumTests,
			Comparison: Comparison{Mode: "regex"}}, ErrInvalidComparison},
		{"empty source", New(r, Options{}), Submission{Language: lang(t, "python"), Source: []byte("  \n"), Tests: sumTests}, sandbox.ErrEmptySource},
		{"compile limit too high", New(r, Options{}), Submission{Language: lang(t, "python"), Source: []byte(pySum), Tests: sumTests,
			CompileLimits: sandbox.Limits{MemoryBytes: 1 << 40}}, sandbox.ErrLimitTooHigh},
		{"run limit above configured max", New(r, Options{MaxLimits: sandbox.Limits{Time: 5 * time.Second}}),
			Submission{Language: lang(t, "python"), Source: []byte(pySum), Tests: sumTests,
				Limits: sandbox.Limits{Time: 10 * time.Second}}, sandbox.ErrLimitTooHigh},
		{"negative limit", New(r, Options{}), Submission{Language: lang(t, "python"), Source: []byte(pySum), Tests: sumTests,
			Limits: sandbox.Limits{OutputBytes: -1}}, sandbox.ErrBadLimit},
		{"no runner", New(nil, Options{}), Submission{Language: lang(t, "python"), Source: []byte(pySum), Tests: sumTests}, ErrNilRunner},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := tt.j.Grade(context.Background(), tt.sub, nil)
			if !errors.Is(err, tt.want) || res != nil {
				t.Fatalf("Grade = %+v, %v; want %v", res, err, tt.want)
			}
		})
	}
}
