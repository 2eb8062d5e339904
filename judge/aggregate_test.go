package judge

import (
	"testing"

	"github.com/hirebus/hirebus/sandbox"
)

func TestGradeRun(t *testing.T) {
	tc := TestCase{Name: "t", Input: "1 2\n", Output: "3\n"}
	tests := []struct {
		name    string
		res     sandbox.Result
		want    Verdict
		message string
	}{
		{"ok and right", sandbox.Result{Verdict: sandbox.OK, Stdout: "3"}, Accepted, ""},
		{"ok and wrong", sandbox.Result{Verdict: sandbox.OK, Stdout: "4\n"}, WrongAnswer, "line 1: output differs"},
		{"ok but empty", sandbox.Result{Verdict: sandbox.OK}, WrongAnswer, "line 1: output ends early"},
		{"ok with exit code is RE", sandbox.Result{Verdict: sandbox.OK, ExitCode: 3, Stdout: "3\n"}, RuntimeError, "exit code 3"},
		{"tle", sandbox.Result{Verdict: sandbox.TLE, Message: "wall time limit exceeded"}, TimeLimitExceeded, "wall time limit exceeded"},
		{"mle", sandbox.Result{Verdict: sandbox.MLE}, MemoryLimitExceeded, "memory limit exceeded"},
		{"ole", sandbox.Result{Verdict: sandbox.OLE}, OutputLimitExceeded, "output limit exceeded"},
		{"re by exit", sandbox.Result{Verdict: sandbox.RE, ExitCode: 1}, RuntimeError, "exit code 1"},
		{"re by signal", sandbox.Result{Verdict: sandbox.RE, Signal: "SIGSEGV", ExitCode: -1}, RuntimeError, "killed by SIGSEGV"},
		{"ie", sandbox.Result{Verdict: sandbox.IE, Message: "cgroup gone"}, InternalError, "cgroup gone"},
		{"ce while running is IE", sandbox.Result{Verdict: sandbox.CE}, InternalError, `unexpected run verdict "CE"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, msg := gradeRun(Comparison{}, tc, &tt.res)
			if v != tt.want || msg != tt.message {
				t.Fatalf("gradeRun = %s %q, want %s %q", v, msg, tt.want, tt.message)
			}
		})
	}
}

// GradeRun is gradeRun for one expected output, with the comparison
// normalised (the zero value ignores trailing whitespace).
func TestGradeRunExported(t *testing.T) {
	for _, tt := range []struct {
		name     string
		cmp      Comparison
		expected string
		res      sandbox.Result
		want     Verdict
	}{
		{"zero comparison ignores trailing spaces", Comparison{}, "3\n", sandbox.Result{Verdict: sandbox.OK, Stdout: "3  \n\n"}, Accepted},
		{"exact sees them", Comparison{Mode: ModeExact}, "3\n", sandbox.Result{Verdict: sandbox.OK, Stdout: "3  \n"}, WrongAnswer},
		{"float tolerance", Comparison{Mode: ModeFloat, AbsEpsilon: 1e-3}, "0.3333\n", sandbox.Result{Verdict: sandbox.OK, Stdout: "0.33331\n"}, Accepted},
		{"crash", Comparison{}, "3\n", sandbox.Result{Verdict: sandbox.RE, ExitCode: 2}, RuntimeError},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if v, msg := GradeRun(tt.cmp, tt.expected, &tt.res); v != tt.want {
				t.Fatalf("GradeRun = %s %q, want %s", v, msg, tt.want)
			}
		})
	}
}

func TestAggregate(t *testing.T) {
	tr := func(v Verdict, ms, kb int64) TestResult { return TestResult{Verdict: v, TimeMS: ms, MemoryKB: kb} }
	tests := []struct {
		name   string
		tests  []TestResult
		want   Verdict
		passed int
		score  float64
		ms, kb int64
	}{
		{"all accepted", []TestResult{tr(Accepted, 5, 100), tr(Accepted, 9, 80)}, Accepted, 2, 1, 9, 100},
		{"first failure decides", []TestResult{tr(Accepted, 1, 1), tr(TimeLimitExceeded, 2000, 1), tr(WrongAnswer, 1, 1)}, TimeLimitExceeded, 1, 1.0 / 3, 2000, 1},
		{"order not severity", []TestResult{tr(WrongAnswer, 1, 1), tr(InternalError, 1, 1)}, WrongAnswer, 0, 0, 1, 1},
		{"later passes still count", []TestResult{tr(RuntimeError, 1, 1), tr(Accepted, 1, 1), tr(Accepted, 1, 1), tr(Accepted, 1, 1)}, RuntimeError, 3, 0.75, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := &Result{Tests: tt.tests}
			aggregate(res)
			if res.Verdict != tt.want || res.Passed != tt.passed || res.Total != len(tt.tests) ||
				res.Score != tt.score || res.TimeMS != tt.ms || res.MemoryKB != tt.kb {
				t.Fatalf("aggregate = %+v, want verdict %s passed %d score %v time %d mem %d",
					res, tt.want, tt.passed, tt.score, tt.ms, tt.kb)
			}
		})
	}
}

func TestCompileFailure(t *testing.T) {
	tests := []struct {
		name    string
		res     *sandbox.Result
		want    Verdict
		message string
	}{
		{"ce", &sandbox.Result{Verdict: sandbox.CE, Stderr: "main.c:1: error"}, CompilationError, "main.c:1: error"},
		{"compiler tle", &sandbox.Result{Verdict: sandbox.TLE, Message: "time limit exceeded"}, CompilationError, "compiler: time limit exceeded"},
		{"ie", &sandbox.Result{Verdict: sandbox.IE, Message: "boom"}, InternalError, "compiler: boom"},
		{"nil", nil, InternalError, "runner returned neither a program nor a compile result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := compileFailure(tt.res, 7)
			if res.Verdict != tt.want || res.CompileOutput != tt.message || res.Total != 7 || res.Passed != 0 || len(res.Tests) != 0 {
				t.Fatalf("compileFailure = %+v, want %s %q", res, tt.want, tt.message)
			}
		})
	}
}

func TestVerdictDescription(t *testing.T) {
	for v, want := range map[Verdict]string{Accepted: "Accepted", WrongAnswer: "Wrong Answer", TimeLimitExceeded: "Time Limit Exceeded",
		MemoryLimitExceeded: "Memory Limit Exceeded", OutputLimitExceeded: "Output Limit Exceeded", RuntimeError: "Runtime Error",
		CompilationError: "Compilation Error", InternalError: "Internal Error"} {
		if got := v.Description(); got != want {
			t.Errorf("%s.Description() = %q, want %q", v, got, want)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 3, "hel"},
		{"héllo", 2, "h"}, // do not split the 2-byte é
		{"héllo", 3, "hé"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := truncate(tt.in, tt.n); got != tt.want {
				t.Fatalf("truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
		})
	}
}
