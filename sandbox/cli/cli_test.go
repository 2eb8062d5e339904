package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hirebus/hirebus/sandbox"
	"github.com/hirebus/hirebus/sandbox/local"
)

func TestMain(m *testing.M) {
	local.MaybeRunInit()
	os.Exit(m.Run())
}

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunCLI(t *testing.T) {
	stdinFile := write(t, "in.txt", "21\n")
	cases := []struct {
		name    string
		args    []string
		verdict sandbox.Verdict
		stdout  string
		stderr  string
		signal  string
	}{
		{name: "python_hello", args: []string{"run", "--lang", "python", write(t, "a.py", "print('hello')\n")}, verdict: sandbox.OK, stdout: "hello\n"},
		{name: "stdin_file", args: []string{"run", "--lang", "c", "--stdin", stdinFile, write(t, "a.c", "#include <stdio.h>\nint main(void){int x; scanf(\"%d\", &x); printf(\"%d\\n\", 2*x); return 0;}\n")}, verdict: sandbox.OK, stdout: "42\n"},
		{name: "flags_after_source", args: []string{"run", write(t, "b.py", "import sys\nprint(sys.stdin.read().strip())\n"), "--lang", "python3", "--stdin", stdinFile}, verdict: sandbox.OK, stdout: "21\n"},
		{name: "compile_error", args: []string{"run", "--lang", "c", write(t, "bad.c", "int main(void){ return nope; }\n")}, verdict: sandbox.CE, stderr: "nope"},
		{name: "time_limit", args: []string{"run", "--lang", "python", "--time-limit", "500ms", write(t, "loop.py", "while True:\n    pass\n")}, verdict: sandbox.TLE},
		{name: "memory_limit", args: []string{"run", "--lang", "python", "--memory-limit", "64MiB", write(t, "mem.py", "x = b'a' * (512 << 20)\n")}, verdict: sandbox.MLE},
		{name: "output_limit", args: []string{"run", "--lang", "python", "--output-limit", "64KiB", write(t, "out.py", "while True:\n    print('x' * 1000)\n")}, verdict: sandbox.OLE},
		{name: "runtime_error", args: []string{"run", "--lang", "c", write(t, "seg.c", "#include <signal.h>\nint main(void){ raise(SIGSEGV); return 0; }\n")}, verdict: sandbox.RE, signal: "SIGSEGV"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			if err := RunCLI(context.Background(), tc.args, &out); err != nil {
				t.Fatalf("RunCLI: %v", err)
			}
			var got map[string]any
			dec := json.NewDecoder(bytes.NewReader(out.Bytes()))
			if err := dec.Decode(&got); err != nil {
				t.Fatalf("output is not JSON: %v: %s", err, out.String())
			}
			if dec.More() {
				t.Fatalf("more than one JSON value: %s", out.String())
			}
			for _, k := range []string{"verdict", "exit_code", "signal", "stdout", "stderr", "time_ms", "memory_kb"} {
				if _, ok := got[k]; !ok {
					t.Errorf("key %q missing: %s", k, out.String())
				}
			}
			if len(got) != 7 {
				t.Errorf("want exactly the 7 contract keys, got %d", len(got))
			}
			if got["verdict"] != string(tc.verdict) {
				t.Fatalf("verdict %v, want %s: %s", got["verdict"], tc.verdict, out.String())
			}
			if tc.stdout != "" && got["stdout"] != tc.stdout {
				t.Errorf("stdout %q, want %q", got["stdout"], tc.stdout)
			}
			if tc.stderr != "" && !strings.Contains(got["stderr"].(string), tc.stderr) {
				t.Errorf("stderr %q lacks %q", got["stderr"], tc.stderr)
			}
			if (tc.signal != "" || tc.verdict == sandbox.OK) && got["signal"] != tc.signal {
				t.Errorf("signal %q, want %q", got["signal"], tc.signal)
			}
		})
	}
}

func TestRunCLIUsage(t *testing.T) {
	src := write(t, "a.py", "print(1)\n")
	cases := []struct {
		name string
		args []string
	}{
		{"no_subcommand", nil},
		{"unknown_subcommand", []string{"exec"}},
		{"no_lang", []string{"run", src}},
		{"unknown_lang", []string{"run", "--lang", "cobol", src}},
		{"no_source", []string{"run", "--lang", "python"}},
		{"two_sources", []string{"run", "--lang", "python", src, src}},
		{"missing_source", []string{"run", "--lang", "python", "/nonexistent/x.py"}},
		{"empty_source", []string{"run", "--lang", "python", write(t, "e.py", "")}},
		{"bad_memory", []string{"run", "--lang", "python", "--memory-limit", "lots", src}},
		{"memory_above_max", []string{"run", "--lang", "python", "--memory-limit", "64GiB", src}},
		{"time_above_max", []string{"run", "--lang", "python", "--time-limit", "10m", src}},
		{"negative_time", []string{"run", "--lang", "python", "--time-limit", "-1s", src}},
		{"missing_stdin", []string{"run", "--lang", "python", "--stdin", "/nonexistent", src}},
		{"unknown_flag", []string{"run", "--lang", "python", "--bogus", src}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := RunCLI(context.Background(), tc.args, &out)
			if !errors.Is(err, ErrUsage) {
				t.Fatalf("error %v, want ErrUsage", err)
			}
			if out.Len() != 0 {
				t.Errorf("printed on a usage error: %s", out.String())
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"256MiB", 256 << 20, true}, {"256M", 256 << 20, true}, {"1GiB", 1 << 30, true}, {"512KiB", 512 << 10, true},
		{"1048576", 1 << 20, true}, {"1.5GiB", 3 << 29, true}, {"10MB", 10_000_000, true},
		{"", 0, false}, {"-1M", 0, false}, {"0", 0, false}, {"lots", 0, false}, {"1TiB", 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseSize(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Fatalf("ParseSize(%q) = %d, %v", tc.in, got, err)
			}
		})
	}
}
