//go:build linux

package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hirebus/hirebus/sandbox/docker/internal/sbxproto"
)

// TestMain lets the test binary play sbxinit's exec stage, because
// supervise re-executes os.Executable().
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == execArg {
		execStage(os.Args[2:])
		return
	}
	os.Exit(m.Run())
}

type outcome struct {
	stdout, stderr []byte
	rep            *sbxproto.Report
}

// run supervises req in-process with real pipes and real commands.
func run(t *testing.T, req sbxproto.Request, files map[string]string, stdin string) outcome {
	t.Helper()
	if req.ProgramDir == "" {
		req.ProgramDir = t.TempDir()
	}
	if req.Dir == "" {
		req.Dir = t.TempDir()
	}
	if req.Mode == "" {
		req.Mode = sbxproto.ModeRun
	}
	if req.Env == nil {
		req.Env = []string{"PATH=/usr/bin:/bin", "LANG=C.UTF-8"}
	}
	var contents [][]byte
	for name, c := range files {
		req.Files = append(req.Files, sbxproto.File{Name: name, Mode: 0o644})
		contents = append(contents, []byte(c))
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer w.Close()
		if err := sbxproto.WriteRequest(w, &req, contents); err != nil {
			return
		}
		_, _ = io.WriteString(w, stdin)
	}()
	var stdout, stderr bytes.Buffer
	rep := supervise(r, &stdout, &stderr)
	r.Close()
	writeReport(&stderr, rep)
	progErr, parsed, err := sbxproto.SplitReport(stderr.Bytes())
	if err != nil {
		t.Fatalf("SplitReport: %v (stderr %q)", err, stderr.String())
	}
	return outcome{stdout: stdout.Bytes(), stderr: progErr, rep: parsed}
}

func TestSupervise(t *testing.T) {
	py := func(code string) sbxproto.Request {
		return sbxproto.Request{Cmd: []string{"/usr/bin/python3", "-c", code}, CPUTimeMS: 5000, OutputBytes: 1 << 20, OpenFiles: 64, FileSizeBytes: 1 << 20}
	}
	tests := []struct {
		name  string
		req   sbxproto.Request
		files map[string]string
		stdin string
		check func(t *testing.T, o outcome)
	}{
		{"echo stdin", py("import sys; sys.stdout.write(sys.stdin.read().upper())"), nil, "hello\n", func(t *testing.T, o outcome) {
			if string(o.stdout) != "HELLO\n" || o.rep.ExitCode != 0 || o.rep.Signal != "" || o.rep.Error != "" {
				t.Fatalf("got %q %+v", o.stdout, o.rep)
			}
			if o.rep.MemoryKB <= 0 {
				t.Fatalf("no memory measured: %+v", o.rep)
			}
		}},
		{"stderr separate", py("import sys; print('out'); print('err', file=sys.stderr)"), nil, "", func(t *testing.T, o outcome) {
			if string(o.stdout) != "out\n" || string(o.stderr) != "err\n" {
				t.Fatalf("stdout %q stderr %q", o.stdout, o.stderr)
			}
		}},
		{"exit code", py("raise SystemExit(3)"), nil, "", func(t *testing.T, o outcome) {
			if o.rep.ExitCode != 3 || o.rep.Signal != "" {
				t.Fatalf("%+v", o.rep)
			}
		}},
		{"signal", py("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"), nil, "", func(t *testing.T, o outcome) {
			if o.rep.Signal != "SIGSEGV" || o.rep.ExitCode != 128+11 {
				t.Fatalf("%+v", o.rep)
			}
		}},
		{"output cap", func() sbxproto.Request {
			r := py("import sys\nwhile True: sys.stdout.write('x' * 4096)")
			r.OutputBytes = 100_000
			return r
		}(), nil, "", func(t *testing.T, o outcome) {
			if !o.rep.OutputExceeded || len(o.stdout) != 100_000 {
				t.Fatalf("exceeded=%v len=%d", o.rep.OutputExceeded, len(o.stdout))
			}
		}},
		{"cpu limit", func() sbxproto.Request {
			r := py("while True: pass")
			r.CPUTimeMS = 500
			return r
		}(), nil, "", func(t *testing.T, o outcome) {
			if !o.rep.CPUExceeded || o.rep.CPUTimeMS < 500 {
				t.Fatalf("%+v", o.rep)
			}
		}},
		{"missing binary", sbxproto.Request{Cmd: []string{"/nonexistent/prog"}}, nil, "", func(t *testing.T, o outcome) {
			if o.rep.StartError == "" || o.rep.ExitCode != 127 {
				t.Fatalf("%+v", o.rep)
			}
		}},
		{"minimal environment", py("import os; print(sorted(os.environ))"), nil, "", func(t *testing.T, o outcome) {
			if got := strings.TrimSpace(string(o.stdout)); got != "['LANG', 'PATH']" && got != "['LANG', 'LC_CTYPE', 'PATH']" {
				t.Fatalf("environment %s", got)
			}
		}},
		{"files written read-only dir", func() sbxproto.Request {
			return sbxproto.Request{Cmd: []string{"/usr/bin/python3", "-c",
				"import os,sys\nd=sys.argv[1]\nprint(open(os.path.join(d,'data.txt')).read())\ntry:\n open(os.path.join(d,'new'),'w')\n print('wrote')\nexcept OSError: print('denied')"}}
		}(), map[string]string{"data.txt": "payload"}, "", func(t *testing.T, o outcome) {
			// root ignores directory permissions, so only check the content
			// and that the mode was dropped.
			if !strings.HasPrefix(string(o.stdout), "payload") {
				t.Fatalf("stdout %q stderr %q", o.stdout, o.stderr)
			}
		}},
		{"forged report is ignored", py("import sys; sys.stderr.write('\\x00\\x1ehirebus-sbxinit-report\\x1e\\x00{\"exit_code\":0,\"cpu_time_ms\":1}\\n'); sys.exit(5)"), nil, "", func(t *testing.T, o outcome) {
			if o.rep.ExitCode != 5 {
				t.Fatalf("forged report won: %+v", o.rep)
			}
		}},
		{"daemon does not hold the run", py("import os, time\nif os.fork() == 0:\n    time.sleep(60)\nprint('parent done')"), nil, "", func(t *testing.T, o outcome) {
			if o.rep.WallMS > 5000 || string(o.stdout) != "parent done\n" {
				t.Fatalf("wall %d stdout %q", o.rep.WallMS, o.stdout)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := tt.req
			if len(req.Cmd) == 3 && tt.files != nil {
				dir := t.TempDir()
				req.ProgramDir = dir
				req.Cmd = append(req.Cmd, dir)
			}
			start := time.Now()
			o := run(t, req, tt.files, tt.stdin)
			if time.Since(start) > 20*time.Second {
				t.Fatalf("took %s", time.Since(start))
			}
			tt.check(t, o)
		})
	}
}

func TestSuperviseBadRequest(t *testing.T) {
	tests := []struct {
		name string
		req  sbxproto.Request
	}{
		{"relative command", sbxproto.Request{Mode: sbxproto.ModeRun, Cmd: []string{"python3"}}},
		{"bad mode", sbxproto.Request{Mode: "debug", Cmd: []string{"/bin/true"}}},
		{"file with slash", sbxproto.Request{Mode: sbxproto.ModeRun, Cmd: []string{"/bin/true"}, Files: []sbxproto.File{{Name: "../x"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := map[string]string{}
			req := tt.req
			var contents [][]byte
			for range req.Files {
				contents = append(contents, []byte("x"))
			}
			_ = files
			req.ProgramDir, req.Dir = t.TempDir(), t.TempDir()
			r, w, _ := os.Pipe()
			go func() { _ = sbxproto.WriteRequest(w, &req, contents); w.Close() }()
			rep := supervise(r, io.Discard, io.Discard)
			r.Close()
			if rep.Error == "" {
				t.Fatalf("accepted bad request: %+v", rep)
			}
		})
	}
}

func TestCompileArtifacts(t *testing.T) {
	if _, err := os.Stat("/usr/bin/gcc"); err != nil {
		t.Skip("gcc not installed")
	}
	work := t.TempDir()
	// A planted link to a host file (CVE-2024-28185 pattern) must never be
	// returned, even though its name matches the artifact pattern.
	if err := os.Symlink("/etc/passwd", filepath.Join(work, "main.link")); err != nil {
		t.Fatal(err)
	}
	prog := t.TempDir()
	compile := sbxproto.Request{
		Mode: sbxproto.ModeCompile, Dir: work, ProgramDir: prog,
		Cmd:       []string{"/usr/bin/gcc", "-O2", "-o", filepath.Join(work, "main"), filepath.Join(prog, "main.c")},
		Artifacts: []string{"main*"}, CPUTimeMS: 20000, OutputBytes: 1 << 20, FileSizeBytes: 64 << 20,
	}
	o := run(t, compile, map[string]string{"main.c": "#include <stdio.h>\nint main(void){puts(\"hi\");return 0;}\n"}, "")
	if o.rep.ExitCode != 0 {
		t.Fatalf("compile failed: %+v %s", o.rep, o.stderr)
	}
	tr := tar.NewReader(bytes.NewReader(o.stdout))
	var names []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg {
			t.Fatalf("non-regular artifact %s", h.Name)
		}
		names = append(names, h.Name)
	}
	if len(names) != 1 || names[0] != "main" {
		t.Fatalf("artifacts %v, want [main]", names)
	}

	broken := compile
	broken.Dir = t.TempDir()
	broken.ProgramDir = t.TempDir()
	broken.Cmd = []string{"/usr/bin/gcc", "-o", filepath.Join(broken.Dir, "main"), filepath.Join(broken.ProgramDir, "main.c")}
	o = run(t, broken, map[string]string{"main.c": "int main(void) { return undefined_thing; }\n"}, "")
	if o.rep.ExitCode == 0 || len(o.stdout) != 0 || !strings.Contains(string(o.stderr), "undefined_thing") {
		t.Fatalf("broken compile: rep %+v stdout %d bytes stderr %q", o.rep, len(o.stdout), o.stderr)
	}
}
