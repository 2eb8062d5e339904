package code_test

import (
	"encoding/json"
	"testing"

	"github.com/hirebus/hirebus/judge"
	"github.com/hirebus/hirebus/workers/code"
)

// TestPublicTestsOnlyVerdict: a hidden test's exit code, signal, message,
// time and memory can all carry its input out (exit(input[0])); only the
// verdict is shown (issue 7).
func TestPublicTestsOnlyVerdict(t *testing.T) {
	in := []judge.TestResult{
		{Index: 0, Name: "secret-1", Verdict: judge.RuntimeError, ExitCode: 42, Message: "exit code 42", TimeMS: 17, MemoryKB: 2048},
		{Index: 1, Name: "secret-2", Verdict: judge.RuntimeError, Signal: "SIGSEGV", ExitCode: -1, Message: "killed by SIGSEGV", Stderr: "hidden input"},
	}
	b, err := json.Marshal(code.PublicTests(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"index":0,"verdict":"RE"},{"index":1,"verdict":"RE"}]`
	if string(b) != want {
		t.Fatalf("public tests %s, want %s", b, want)
	}
}

// A visible test is one of the problem's examples: its data is already in
// the statement, so a wrong answer on it shows expected vs actual output.
func TestPublicTestsShowVisibleTests(t *testing.T) {
	in := []judge.TestResult{
		{Index: 0, Name: "03-five", Verdict: judge.WrongAnswer, Visible: true, Input: "5\n", Expected: "1\n2\nFizz\n4\nBuzz\n",
			Stdout: "1\n2\n3\n4\n5\n", Stderr: "debug", Message: "line 3: output differs", TimeMS: 12, MemoryKB: 3000},
		{Index: 1, Name: "secret", Verdict: judge.WrongAnswer, Message: "line 1: output differs", Stdout: "x"},
	}
	b, err := json.Marshal(code.PublicTests(in))
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"index":0,"verdict":"WA","time_ms":12,"memory_kb":3000,"message":"line 3: output differs","visible":true,` +
		`"input":"5\n","expected_output":"1\n2\nFizz\n4\nBuzz\n","stdout":"1\n2\n3\n4\n5\n","stderr":"debug"},{"index":1,"verdict":"WA"}]`
	if string(b) != want {
		t.Fatalf("public tests\n%s\nwant\n%s", b, want)
	}
}
