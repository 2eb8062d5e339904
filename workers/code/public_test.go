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
