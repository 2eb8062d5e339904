// Package sandboxtest is the conformance suite every sandbox.Runner must
// pass: every language's hello world, stdin, compile and runtime errors,
// and every hostile program the code-execution issue lists (fork bomb,
// endless loop, endless sleep, 4 GiB allocation, 1 GiB of output, a TCP
// connection to MariaDB, writes outside the work directory, reading
// secrets, daemons, planted symlinks, hostile compile steps). After each
// case the runner must still serve and nothing may be left behind.
package sandboxtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hirebus/hirebus/sandbox"
)

// Option tunes the suite for one runner.
type Option func(*config)

type config struct {
	hostUID int
}

// WithHostUID makes the suite fail when, after a case, a process of this
// host uid living in a pid namespace other than the test's exists that did
// not exist before it (the local runner's sandbox user is 65534; the pid
// namespace filter keeps other programs of that uid on a shared host out,
// but not other sandboxes: use it only where no other runner is active).
func WithHostUID(uid int) Option { return func(c *config) { c.hostUID = uid } }

// Run runs the whole suite against runners made by newRunner (called once;
// the runner is closed at the end).
func Run(t *testing.T, newRunner func(t *testing.T) sandbox.Runner, opts ...Option) {
	if testing.Short() {
		// Real compilers and hostile programs take tens of seconds.
		t.Skip("runner conformance suite runs real compilers: skipped under -short (run make test)")
	}
	cfg := config{hostUID: -1}
	for _, o := range opts {
		o(&cfg)
	}
	r := newRunner(t)
	s := &suite{r: r, cfg: cfg}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("close runner: %v", err)
		}
	})
	hello := s.compile(t, "c", "#include <stdio.h>\nint main(void){puts(\"alive\");return 0;}\n")
	s.alive = hello
	t.Cleanup(func() { hello.Close() })

	t.Run("Hello", s.testHello)
	t.Run("Stdin", s.testStdin)
	t.Run("CompileError", s.testCompileError)
	t.Run("RuntimeError", s.testRuntimeError)
	t.Run("Hostile", s.testHostile)
	t.Run("HostileCompile", s.testHostileCompile)
	t.Run("Concurrent", s.testConcurrent)
	t.Run("BadInput", s.testBadInput)

	hello.Close()
	if lc, ok := r.(sandbox.LeftoverChecker); ok {
		left, err := lc.Leftovers()
		if err != nil {
			t.Fatalf("leftovers: %v", err)
		}
		if len(left) > 0 {
			t.Errorf("left behind after all programs were closed: %v", left)
		}
	}
}

type suite struct {
	r     sandbox.Runner
	cfg   config
	alive *sandbox.Program
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return c
}

func lang(t *testing.T, id string) sandbox.Language {
	t.Helper()
	l, err := sandbox.LookupLanguage(id)
	if err != nil {
		t.Fatalf("lookup %s: %v", id, err)
	}
	return l
}

// compile must succeed.
func (s *suite) compile(t *testing.T, langID, src string) *sandbox.Program {
	t.Helper()
	p, res, err := s.r.Compile(ctx(t), lang(t, langID), []byte(src), sandbox.Limits{})
	if err != nil {
		t.Fatalf("compile %s: %v", langID, err)
	}
	if p == nil {
		t.Fatalf("compile %s: %+v", langID, res)
	}
	return p
}

// run compiles and runs once, closing the program.
func (s *suite) run(t *testing.T, langID, src, stdin string, lim sandbox.Limits) *sandbox.Result {
	t.Helper()
	p := s.compile(t, langID, src)
	defer p.Close()
	res, err := s.r.Run(ctx(t), p, []byte(stdin), lim)
	if err != nil {
		t.Fatalf("run %s: %v", langID, err)
	}
	return res
}

func expectVerdict(t *testing.T, res *sandbox.Result, want sandbox.Verdict) {
	t.Helper()
	if res.Verdict != want {
		t.Fatalf("verdict %s, want %s (exit %d, signal %q, message %q, time %dms, wall %dms, mem %dKB)\nstdout: %.500s\nstderr: %.2000s",
			res.Verdict, want, res.ExitCode, res.Signal, res.Message, res.TimeMS, res.WallMS, res.MemoryKB, res.Stdout, res.Stderr)
	}
}

// healthy asserts the runner still serves and that nothing of the case
// remains: no new sandbox-user processes, no process carrying marker, no
// leftover resources the runner can see.
func (s *suite) healthy(t *testing.T, before map[string]bool, markers ...string) {
	t.Helper()
	res, err := s.r.Run(ctx(t), s.alive, nil, sandbox.Limits{})
	if err != nil || res.Verdict != sandbox.OK || res.Stdout != "alive\n" {
		t.Fatalf("runner no longer serves: %v %+v", err, res)
	}
	if s.cfg.hostUID >= 0 {
		if extra := newProcs(s.cfg.hostUID, before); len(extra) > 0 {
			t.Errorf("processes survived the run: %v", extra)
		}
	}
	for _, m := range markers {
		if procs := procsWith(m); len(procs) > 0 {
			t.Errorf("process carrying %q survived: %v", m, procs)
		}
	}
	if lc, ok := s.r.(sandbox.LeftoverChecker); ok {
		left, err := lc.Leftovers()
		if err != nil {
			t.Fatalf("leftovers: %v", err)
		}
		if len(left) > 0 {
			t.Errorf("left behind: %v", left)
		}
	}
}

func (s *suite) snapshot() map[string]bool {
	if s.cfg.hostUID < 0 {
		return nil
	}
	return procsOf(s.cfg.hostUID)
}

var helloSources = map[string]string{
	"python":     "print('hello')\n",
	"javascript": "console.log('hello');\n",
	"go":         "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello\") }\n",
	"c":          "#include <stdio.h>\nint main(void) { printf(\"hello\\n\"); return 0; }\n",
	"cpp":        "#include <iostream>\nint main() { std::cout << \"hello\" << std::endl; return 0; }\n",
	"java":       "public class Main { public static void main(String[] args) { System.out.println(\"hello\"); } }\n",
}

func (s *suite) testHello(t *testing.T) {
	for _, l := range sandbox.Languages() {
		t.Run(l.ID, func(t *testing.T) {
			src, ok := helloSources[l.ID]
			if !ok {
				t.Fatalf("no hello world for %s", l.ID)
			}
			res := s.run(t, l.ID, src, "", sandbox.Limits{})
			expectVerdict(t, res, sandbox.OK)
			if res.Stdout != "hello\n" || res.ExitCode != 0 || res.Signal != "" {
				t.Fatalf("stdout %q exit %d signal %q", res.Stdout, res.ExitCode, res.Signal)
			}
			if res.WallMS <= 0 && res.TimeMS <= 0 {
				t.Errorf("no timing reported: %+v", res)
			}
		})
	}
}

func (s *suite) testStdin(t *testing.T) {
	big := strings.Repeat("0123456789abcdef\n", 64<<10) // 1 MiB + : more than a pipe buffer
	cases := []struct {
		name, lang, src, stdin string
	}{
		{"python", "python", "import sys\nsys.stdout.write(sys.stdin.read())\n", "line 1\nline 2\n"},
		{"javascript", "javascript", "process.stdout.write(require('fs').readFileSync(0));\n", "a b c\n"},
		{"java", "java", "public class Main { public static void main(String[] a) throws Exception { System.out.write(System.in.readAllBytes()); System.out.flush(); } }\n", "x\ny\n"},
		{"go", "go", "package main\n\nimport (\n\t\"io\"\n\t\"os\"\n)\n\nfunc main() { io.Copy(os.Stdout, os.Stdin) }\n", "go go\n"},
		{"c_large", "c", "#include <unistd.h>\nint main(void){char b[65536];ssize_t n;while((n=read(0,b,sizeof b))>0){if(write(1,b,n)!=n)return 1;}return 0;}\n", big},
		{"empty", "python", "import sys\nprint(len(sys.stdin.read()))\n", ""},
		{"unread", "c", "#include <stdio.h>\nint main(void){ puts(\"ignored\"); return 0; }\n", strings.Repeat("x", 8<<20)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := s.run(t, tc.lang, tc.src, tc.stdin, sandbox.Limits{})
			expectVerdict(t, res, sandbox.OK)
			want := tc.stdin
			switch tc.name {
			case "empty":
				want = "0\n"
			case "unread":
				want = "ignored\n"
			}
			if res.Stdout != want {
				t.Fatalf("stdout %d bytes %.80q, want %d bytes", len(res.Stdout), res.Stdout, len(want))
			}
		})
	}
}

func (s *suite) testCompileError(t *testing.T) {
	cases := []struct{ lang, src, want string }{
		{"c", "int main(void) { return undefined_var; }\n", "undefined_var"},
		{"cpp", "int main() { nosuchfunc(); }\n", "nosuchfunc"},
		{"java", "public class Main { public static void main(String[] a) { int x = \"s\"; } }\n", "incompatible types"},
		{"go", "package main\n\nfunc main() { x := 1 }\n", "declared and not used"},
	}
	for _, tc := range cases {
		t.Run(tc.lang, func(t *testing.T) {
			p, res, err := s.r.Compile(ctx(t), lang(t, tc.lang), []byte(tc.src), sandbox.Limits{})
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			if p != nil {
				p.Close()
				t.Fatal("compile succeeded")
			}
			expectVerdict(t, res, sandbox.CE)
			if !strings.Contains(res.Stderr+res.Stdout, tc.want) {
				t.Fatalf("compiler message lacks %q: %s", tc.want, res.Stderr+res.Stdout)
			}
		})
	}
}

func (s *suite) testRuntimeError(t *testing.T) {
	cases := []struct {
		name, lang, src string
		exit            int
		signal, stderr  string
	}{
		{"c_exit3", "c", "#include <stdlib.h>\nint main(void){ exit(3); }\n", 3, "", ""},
		{"c_segfault", "c", "int main(int argc, char **argv){ int *p = (int *)(long)(argc - 1); *p = 1; return p[1]; }\n", 128 + 11, "SIGSEGV", ""},
		{"c_abort", "c", "#include <stdlib.h>\nint main(void){ abort(); }\n", 128 + 6, "SIGABRT", ""},
		{"python_exception", "python", "print(1 // 0)\n", 1, "", "ZeroDivisionError"},
		{"java_exception", "java", "public class Main { public static void main(String[] a) { throw new IllegalStateException(\"boom\"); } }\n", 1, "", "IllegalStateException"},
		{"javascript_throw", "javascript", "throw new Error('boom');\n", 1, "", "boom"},
		{"go_panic", "go", "package main\n\nfunc main() { panic(\"boom\") }\n", 2, "", "panic: boom"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := s.run(t, tc.lang, tc.src, "", sandbox.Limits{})
			expectVerdict(t, res, sandbox.RE)
			if res.ExitCode != tc.exit || res.Signal != tc.signal {
				t.Fatalf("exit %d signal %q, want %d %q", res.ExitCode, res.Signal, tc.exit, tc.signal)
			}
			if !strings.Contains(res.Stderr, tc.stderr) {
				t.Fatalf("stderr lacks %q: %s", tc.stderr, res.Stderr)
			}
		})
	}
}

func randomDigits(n int) string {
	var sb strings.Builder
	for range n {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		sb.WriteString(d.String())
	}
	return sb.String()
}

func (s *suite) testHostile(t *testing.T) {
	short := sandbox.Limits{Time: time.Second, WallTime: 2 * time.Second}
	hostDir := t.TempDir()
	os.Chmod(hostDir, 0o777) // even a writable host dir must stay out of reach
	hostFile := filepath.Join(hostDir, "victim.txt")
	if err := os.WriteFile(hostFile, []byte("original"), 0o666); err != nil {
		t.Fatal(err)
	}
	passwdBefore, _ := os.ReadFile("/etc/passwd")
	secret := "s3cr3t-" + randomDigits(12)
	t.Setenv("HIREBUS_SANDBOX_TEST_SECRET", secret)

	// A listener of our own next to MariaDB: nothing on the host's
	// loopback may be reachable.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var accepted sync.WaitGroup
	acceptedN := 0
	var mu sync.Mutex
	accepted.Add(1)
	go func() {
		defer accepted.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			acceptedN++
			mu.Unlock()
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	daemonMarker := "86399." + randomDigits(9)

	cases := []struct {
		name, lang, src, stdin string
		lim                    sandbox.Limits
		verdict                sandbox.Verdict
		check                  func(t *testing.T, res *sandbox.Result)
		markers                []string
	}{
		{name: "fork_bomb_c", lang: "c", src: "#include <unistd.h>\nint main(void){ for(;;) fork(); }\n", lim: short, verdict: sandbox.TLE},
		{name: "fork_bomb_python", lang: "python", src: "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n", lim: short, verdict: sandbox.TLE},
		// A generous wall limit so the CPU limit ends it even on a busy host.
		{name: "infinite_loop_c", lang: "c", src: "int main(void){ volatile unsigned long i = 0; for(;;) i++; }\n",
			lim: sandbox.Limits{Time: time.Second, WallTime: 15 * time.Second}, verdict: sandbox.TLE,
			check: func(t *testing.T, res *sandbox.Result) {
				if res.TimeMS < 900 || res.TimeMS > 1500 {
					t.Errorf("CPU time %dms for a TLE at 1s of CPU", res.TimeMS)
				}
			}},
		{name: "infinite_loop_java", lang: "java", src: "public class Main { public static void main(String[] a) { long i = 0; while (true) { i++; } } }\n",
			lim: sandbox.Limits{Time: time.Second, WallTime: 3 * time.Second}, verdict: sandbox.TLE},
		{name: "infinite_loop_javascript", lang: "javascript", src: "for(;;){}\n", lim: short, verdict: sandbox.TLE},
		{name: "sleep_forever", lang: "python", src: "import time\ntime.sleep(10**6)\n", lim: short, verdict: sandbox.TLE,
			check: func(t *testing.T, res *sandbox.Result) {
				if res.WallMS < 1900 {
					t.Errorf("killed after %dms, wall limit 2s", res.WallMS)
				}
			}},
		{name: "sleep_forever_c", lang: "c", src: "#include <unistd.h>\nint main(void){ for(;;) pause(); }\n", lim: short, verdict: sandbox.TLE},
		{name: "alloc_4gib_c", lang: "c", src: "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\nint main(int argc, char **argv){ size_t n = (size_t)4 << 30; char *p = malloc(n); if (!p) { puts(\"malloc failed\"); return 2; } memset(p, argc, n); long s = 0; for (size_t i = 0; i < n; i += 4096) s += p[i]; printf(\"%ld\\n\", s); return 0; }\n",
			lim: sandbox.Limits{MemoryBytes: 256 << 20, Time: 10 * time.Second}, verdict: sandbox.MLE},
		{name: "alloc_4gib_cpp", lang: "cpp", src: "#include <vector>\nint main(){ std::vector<char> v((std::size_t)4 << 30, 1); return v[12345]; }\n",
			lim: sandbox.Limits{MemoryBytes: 256 << 20, Time: 10 * time.Second}, verdict: sandbox.MLE},
		{name: "alloc_4gib_python", lang: "python", src: "x = b'\\x01' * (4 << 30)\nprint(len(x))\n",
			lim: sandbox.Limits{MemoryBytes: 256 << 20, Time: 10 * time.Second}, verdict: sandbox.MLE},
		{name: "alloc_4gib_java", lang: "java", src: "public class Main { public static void main(String[] a) { long[] x = new long[512 * 1024 * 1024]; System.out.println(x.length); } }\n",
			lim: sandbox.Limits{MemoryBytes: 256 << 20, Time: 10 * time.Second}, verdict: sandbox.MLE},
		{name: "alloc_4gib_javascript", lang: "javascript", src: "const a = []; for (;;) a.push(new Array(1 << 20).fill(1.5));\n",
			lim: sandbox.Limits{MemoryBytes: 256 << 20, Time: 10 * time.Second}, verdict: sandbox.MLE},
		{name: "print_1gib_c", lang: "c", src: "#include <string.h>\n#include <unistd.h>\nint main(void){ static char b[1 << 20]; memset(b, 'x', sizeof b); for (int i = 0; i < 1024; i++) if (write(1, b, sizeof b) < 0) return 1; return 0; }\n",
			lim: sandbox.Limits{OutputBytes: 1 << 20}, verdict: sandbox.OLE,
			check: func(t *testing.T, res *sandbox.Result) {
				if int64(len(res.Stdout)+len(res.Stderr)) > 1<<20 || !res.Truncated {
					t.Errorf("kept %d bytes (cap 1 MiB), truncated=%v", len(res.Stdout)+len(res.Stderr), res.Truncated)
				}
			}},
		{name: "print_1gib_python_stderr", lang: "python", src: "import sys\nb = 'x' * (1 << 20)\nfor _ in range(1024):\n    sys.stderr.write(b)\n",
			lim: sandbox.Limits{OutputBytes: 1 << 20}, verdict: sandbox.OLE},
		{name: "file_1gib", lang: "c", src: "#include <stdio.h>\n#include <string.h>\nint main(void){ static char b[1 << 20]; FILE *f = fopen(\"big\", \"w\"); if (!f) return 1; for (int i = 0; i < 1024; i++) if (fwrite(b, 1, sizeof b, f) != sizeof b) return 2; return fclose(f); }\n",
			lim: sandbox.Limits{FileSizeBytes: 4 << 20}, verdict: sandbox.OLE},
		{name: "tcp_to_mariadb", lang: "python", stdin: strconv.Itoa(port),
			src: "import socket, sys\nport = int(sys.stdin.read())\nfor p in (3306, port):\n    try:\n        socket.create_connection(('127.0.0.1', p), timeout=2)\n        print('connected', p)\n    except OSError:\n        print('blocked', p)\nfor host in ('10.0.0.1', '8.8.8.8'):\n    try:\n        socket.create_connection((host, 53), timeout=1)\n        print('connected', host)\n    except OSError:\n        print('blocked', host)\n",
			lim: sandbox.Limits{Time: 5 * time.Second}, verdict: sandbox.OK,
			check: func(t *testing.T, res *sandbox.Result) {
				want := fmt.Sprintf("blocked 3306\nblocked %d\nblocked 10.0.0.1\nblocked 8.8.8.8\n", port)
				if res.Stdout != want {
					t.Errorf("network reachable: %q", res.Stdout)
				}
			}},
		{name: "write_outside_workdir", lang: "python", stdin: hostDir,
			src:     "import sys\nhost = sys.stdin.read().strip()\nfor p in ['/etc/passwd', '/etc/x', '/usr/bin/x', '/usr/lib/x', '/prog/x', '/x', '/proc/sys/kernel/hostname', host + '/pwned', host + '/victim.txt']:\n    try:\n        with open(p, 'a') as f:\n            f.write('pwned')\n        print('wrote', p)\n    except OSError:\n        print('denied', p)\nfor p in ['/work/ok', '/tmp/ok']:\n    with open(p, 'w') as f:\n        f.write('ok')\n    print('wrote', p)\n",
			verdict: sandbox.OK,
			check: func(t *testing.T, res *sandbox.Result) {
				for _, line := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
					if strings.HasPrefix(line, "wrote") && !strings.HasSuffix(line, "/work/ok") && !strings.HasSuffix(line, "/tmp/ok") {
						t.Errorf("sandbox could write: %s", line)
					}
				}
				if !strings.Contains(res.Stdout, "wrote /work/ok") || !strings.Contains(res.Stdout, "wrote /tmp/ok") {
					t.Errorf("work dir not writable: %s", res.Stdout)
				}
			}},
		{name: "read_secrets", lang: "python",
			src:     "import os\nprint('ENV', dict(os.environ))\nfor p in ['/etc/shadow', '/proc/1/environ', '/proc/self/environ', '/proc/1/cmdline', '/root/.bash_history']:\n    try:\n        with open(p, 'rb') as f:\n            print(p, f.read()[:4096])\n    except OSError:\n        print(p, 'denied')\nfor d in os.listdir('/proc'):\n    if d.isdigit():\n        try:\n            with open('/proc/%s/environ' % d, 'rb') as f:\n                print('proc', d, f.read())\n        except OSError:\n            pass\n",
			verdict: sandbox.OK,
			check: func(t *testing.T, res *sandbox.Result) {
				if strings.Contains(res.Stdout+res.Stderr, secret) || strings.Contains(res.Stdout, "HIREBUS_SANDBOX_TEST_SECRET") {
					t.Errorf("worker environment visible in the sandbox: %s", res.Stdout)
				}
				if !strings.Contains(res.Stdout, "/etc/shadow denied") {
					t.Errorf("/etc/shadow readable: %s", res.Stdout)
				}
			}},
		{name: "daemon_outlives_run", lang: "python", stdin: daemonMarker,
			src:     "import os, sys, time\nmarker = sys.stdin.read().strip()\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        os.execv('/bin/sleep', ['sleep', marker])\n    os._exit(0)\ntime.sleep(0.3)\nprint('parent done')\n",
			verdict: sandbox.OK, markers: []string{daemonMarker},
			check: func(t *testing.T, res *sandbox.Result) {
				if res.Stdout != "parent done\n" {
					t.Errorf("stdout %q", res.Stdout)
				}
			}},
		{name: "nested_namespaces", lang: "c", verdict: sandbox.OK,
			src: "#define _GNU_SOURCE\n#include <sched.h>\n#include <stdio.h>\nint main(void){ int f[] = {CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWUSER | CLONE_NEWNET}; for (int i = 0; i < 4; i++) puts(unshare(f[i]) == 0 ? \"created\" : \"blocked\"); return 0; }\n",
			check: func(t *testing.T, res *sandbox.Result) {
				if strings.Contains(res.Stdout, "created") {
					t.Errorf("program could create namespaces: %q", res.Stdout)
				}
			}},
		{name: "kernel_attack_surface", lang: "c", verdict: sandbox.OK,
			src: "#define _GNU_SOURCE\n#include <stdio.h>\n#include <string.h>\n#include <unistd.h>\n#include <sys/syscall.h>\n#include <linux/perf_event.h>\n" +
				"int main(void){\n" +
				"  struct perf_event_attr pa; memset(&pa, 0, sizeof pa); pa.size = sizeof pa; pa.type = PERF_TYPE_SOFTWARE; pa.config = PERF_COUNT_SW_CPU_CLOCK; pa.exclude_kernel = 1;\n" +
				"  long r[5];\n" +
				"  r[0] = syscall(SYS_keyctl, 1 /* KEYCTL_JOIN_SESSION_KEYRING */, \"x\");\n" +
				"  r[1] = syscall(SYS_add_key, \"user\", \"k\", \"v\", 1, -3 /* KEY_SPEC_SESSION_KEYRING */);\n" +
				"  r[2] = syscall(SYS_perf_event_open, &pa, 0, -1, -1, 0);\n" +
				"  unsigned int attr[16] = {2 /* BPF_MAP_TYPE_ARRAY */, 4, 4, 1};\n" +
				"  r[3] = syscall(SYS_bpf, 0 /* BPF_MAP_CREATE */, attr, sizeof attr);\n" +
				"  r[4] = syscall(SYS_userfaultfd, 1 /* UFFD_USER_MODE_ONLY */);\n" +
				"  for (int i = 0; i < 5; i++) printf(\"%s\\n\", r[i] < 0 ? \"blocked\" : \"allowed\");\n" +
				"  return 0; }\n",
			check: func(t *testing.T, res *sandbox.Result) {
				if res.Stdout != strings.Repeat("blocked\n", 5) {
					t.Errorf("keyctl, add_key, perf_event_open, bpf, userfaultfd: %q", res.Stdout)
				}
			}},
		{name: "symlink_planted", lang: "python", stdin: hostFile,
			src:     "import os, sys\nhost = sys.stdin.read().strip()\nfor name, target in [('/work/main', '/etc/passwd'), ('/work/Main.class', '/etc/shadow'), ('/work/out.txt', host), ('/prog/evil', '/etc/passwd'), ('/tmp/x', host)]:\n    try:\n        os.symlink(target, name)\n        print('linked', name)\n    except OSError:\n        print('denied', name)\nfor n in ['/work/main', '/work/out.txt', '/tmp/x']:\n    try:\n        with open(n, 'w') as f:\n            f.write('pwned')\n        print('wrote through', n)\n    except OSError:\n        print('no write', n)\n",
			verdict: sandbox.OK,
			check: func(t *testing.T, res *sandbox.Result) {
				if strings.Contains(res.Stdout, "wrote through") || strings.Contains(res.Stdout, "linked /prog/evil") {
					t.Errorf("write through planted link: %s", res.Stdout)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := s.snapshot()
			res := s.run(t, tc.lang, tc.src, tc.stdin, tc.lim)
			expectVerdict(t, res, tc.verdict)
			if tc.check != nil {
				tc.check(t, res)
			}
			s.healthy(t, before, tc.markers...)
			if b, _ := os.ReadFile(hostFile); string(b) != "original" {
				t.Fatalf("host file changed: %q", b)
			}
			if b, _ := os.ReadFile("/etc/passwd"); !bytes.Equal(b, passwdBefore) {
				t.Fatal("host /etc/passwd changed")
			}
			if _, err := os.Stat(filepath.Join(hostDir, "pwned")); err == nil {
				t.Fatal("sandbox created a file in a host directory")
			}
		})
	}
	ln.Close()
	accepted.Wait()
	if acceptedN > 0 {
		t.Errorf("host loopback listener accepted %d connections from the sandbox", acceptedN)
	}
}

// testHostileCompile runs hostile compile steps: sources that try to read
// host files through the preprocessor or never finish, and compile
// commands (the Judge0 CVE-2024-28185 pattern: the compile step is
// attacker-influenced) that plant links where artifacts are expected,
// write outside, or leave daemons.
func (s *suite) testHostileCompile(t *testing.T) {
	hostDir := t.TempDir()
	os.Chmod(hostDir, 0o777)
	passwdBefore, _ := os.ReadFile("/etc/passwd")
	marker := "86398." + randomDigits(9)
	shadowHead := ""
	if b, err := os.ReadFile("/etc/shadow"); err == nil && len(b) > 12 {
		shadowHead = string(b[:12])
	}
	small := sandbox.Limits{Time: 2 * time.Second, WallTime: 4 * time.Second, MemoryBytes: 256 << 20}

	withCompile := func(base string, artifacts []string, script string, run ...string) sandbox.Language {
		l := lang(t, base)
		l.Compile = []string{"/bin/sh", "-c", script}
		if artifacts != nil {
			l.Artifacts = artifacts
		}
		if len(run) > 0 {
			l.Run = run
		}
		return l
	}
	cases := []struct {
		name    string
		lang    sandbox.Language
		src     string
		lim     sandbox.Limits
		wantCE  bool
		check   func(t *testing.T, p *sandbox.Program, res *sandbox.Result)
		markers []string
	}{
		{name: "include_etc_shadow", lang: lang(t, "c"), src: "#include \"/etc/shadow\"\nint main(void){return 0;}\n", wantCE: true,
			check: func(t *testing.T, _ *sandbox.Program, res *sandbox.Result) {
				if shadowHead != "" && strings.Contains(res.Stderr+res.Stdout, shadowHead) {
					t.Errorf("host /etc/shadow leaked through the compiler: %s", res.Stderr)
				}
			}},
		{name: "include_dev_zero", lang: lang(t, "c"), src: "#include \"/dev/zero\"\nint main(void){return 0;}\n", lim: small, wantCE: true, check: limitHit},
		{name: "include_dev_stdin", lang: lang(t, "cpp"), src: "#include \"/dev/stdin\"\nint main(){return 0;}\n", lim: small, wantCE: true},
		{name: "template_bomb", lang: lang(t, "cpp"), lim: small, wantCE: true,
			src: "template<int N> struct F { static const long v = F<N-1>::v + F<N-2>::v; };\ntemplate<> struct F<1> { static const long v = 1; };\ntemplate<> struct F<0> { static const long v = 0; };\n#define A(x) x x x x x x x x x x\nint main(){ return F<100000>::v > 0; }\n"},
		{name: "artifact_is_symlink", lang: withCompile("c", nil, "ln -s /etc/passwd /work/main"), src: "int main(void){return 0;}\n", wantCE: true},
		{name: "artifacts_mixed_links", src: "x",
			lang: withCompile("c", []string{"*.class"},
				"echo real > /work/A.class && ln -s /etc/passwd /work/B.class && ln -s "+hostDir+" /work/C.class && mkfifo /work/D.class && mkdir /work/E.class",
				"/bin/sh", "-c", "ls /prog; cat /prog/B.class"),
			check: func(t *testing.T, p *sandbox.Program, _ *sandbox.Result) {
				res, err := s.r.Run(ctx(t), p, nil, sandbox.Limits{})
				if err != nil {
					t.Fatalf("run: %v", err)
				}
				if res.Stdout != "A.class\nmain.c\n" {
					t.Errorf("program dir holds %q, want only the source and the regular artifact", res.Stdout)
				}
				if strings.Contains(res.Stdout, "root:") {
					t.Errorf("host passwd reached through a kept link")
				}
			}},
		{name: "compile_writes_outside", src: "x", wantCE: true,
			lang: withCompile("c", nil, "echo pwned >> /etc/passwd; echo pwned > "+hostDir+"/pwned; echo pwned > /prog/main.c; echo pwned > /usr/bin/pwned; exit 1")},
		{name: "compile_reads_secrets", src: "x", wantCE: true,
			lang: withCompile("c", nil, "cat /etc/shadow; env; cat /proc/1/environ; exit 1"),
			check: func(t *testing.T, _ *sandbox.Program, res *sandbox.Result) {
				if strings.Contains(res.Stdout+res.Stderr, "HIREBUS_SANDBOX_TEST_SECRET") {
					t.Errorf("worker environment visible to the compiler: %s", res.Stdout)
				}
			}},
		{name: "compile_network", wantCE: true,
			src:  "#include <arpa/inet.h>\n#include <stdio.h>\n#include <sys/socket.h>\n#include <unistd.h>\nint main(void){ struct sockaddr_in a = {0}; a.sin_family = AF_INET; a.sin_port = htons(3306); a.sin_addr.s_addr = htonl(0x7f000001); int s = socket(AF_INET, SOCK_STREAM, 0); puts(connect(s, (struct sockaddr *)&a, sizeof a) == 0 ? \"connected\" : \"blocked\"); return 0; }\n",
			lang: withCompile("c", nil, "gcc -o /tmp/probe /prog/main.c && /tmp/probe; exit 1"),
			check: func(t *testing.T, _ *sandbox.Program, res *sandbox.Result) {
				if strings.Contains(res.Stdout, "connected") {
					t.Errorf("compile step reached 127.0.0.1:3306")
				}
			}},
		{name: "compile_daemon", src: "int main(void){return 0;}\n", markers: []string{marker},
			lang: withCompile("c", nil, "setsid sleep "+marker+" >/dev/null 2>&1 < /dev/null & gcc -o /work/main /prog/main.c")},
		{name: "compile_fork_bomb", src: "x", lim: small, wantCE: true,
			lang: withCompile("c", nil, "b() { b | b & }; b; sleep 100"), check: limitHit},
		{name: "macro_bomb", lang: lang(t, "c"), lim: small, wantCE: true, check: limitHit,
			src: "#define A x x x x x x x x x x\n#define B A A A A A A A A A A\n#define C B B B B B B B B B B\n#define D C C C C C C C C C C\n#define E D D D D D D D D D D\n#define F E E E E E E E E E E\n#define G F F F F F F F F F F\n#define H G G G G G G G G G G\nint x[] = {H};\nint main(void){return 0;}\n"},
	}
	t.Setenv("HIREBUS_SANDBOX_TEST_SECRET", "compile-secret-"+randomDigits(8))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := s.snapshot()
			p, res, err := s.r.Compile(ctx(t), tc.lang, []byte(tc.src), tc.lim)
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			if p != nil {
				defer p.Close()
			}
			if tc.wantCE {
				if p != nil {
					t.Fatalf("compile succeeded: %+v", res)
				}
				expectVerdict(t, res, sandbox.CE)
			} else if p == nil {
				t.Fatalf("compile failed: %+v", res)
			}
			if tc.check != nil {
				tc.check(t, p, res)
			}
			if p != nil {
				p.Close()
			}
			s.healthy(t, before, tc.markers...)
			if b, _ := os.ReadFile("/etc/passwd"); !bytes.Equal(b, passwdBefore) {
				t.Fatal("host /etc/passwd changed")
			}
			if _, err := os.Stat(filepath.Join(hostDir, "pwned")); err == nil {
				t.Fatal("compile step wrote into a host directory")
			}
		})
	}
}

// limitHit asserts a failed compile was stopped by a limit, not by the
// compiler giving up on its own.
func limitHit(t *testing.T, _ *sandbox.Program, res *sandbox.Result) {
	t.Helper()
	if !strings.Contains(res.Message, "limit") && !strings.Contains(res.Message, "memory") {
		t.Errorf("compile not stopped by a limit: %q", res.Message)
	}
}

func (s *suite) testConcurrent(t *testing.T) {
	p := s.compile(t, "c", "#include <stdio.h>\nint main(void){ int x; if (scanf(\"%d\", &x) != 1) return 1; printf(\"%d\\n\", x * 2); return 0; }\n")
	defer p.Close()
	const n = 12
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := s.r.Run(ctx(t), p, []byte(strconv.Itoa(i)), sandbox.Limits{})
			if err != nil {
				errs <- err.Error()
				return
			}
			if res.Verdict != sandbox.OK || res.Stdout != strconv.Itoa(2*i)+"\n" {
				errs <- fmt.Sprintf("run %d: %s %q", i, res.Verdict, res.Stdout)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func (s *suite) testBadInput(t *testing.T) {
	c := lang(t, "c")
	cases := []struct {
		name string
		src  []byte
	}{
		{"empty", nil},
		{"blank", []byte("  \n")},
		{"too_large", bytes.Repeat([]byte("a"), sandbox.MaxSourceBytes+1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, _, err := s.r.Compile(ctx(t), c, tc.src, sandbox.Limits{})
			if err == nil {
				p.Close()
				t.Fatal("bad source accepted")
			}
			if !errors.Is(err, sandbox.ErrEmptySource) && !errors.Is(err, sandbox.ErrSourceTooLarge) {
				t.Fatalf("error %v wraps neither ErrEmptySource nor ErrSourceTooLarge", err)
			}
		})
	}
	t.Run("negative_limit", func(t *testing.T) {
		p := s.compile(t, "python", "print(1)\n")
		defer p.Close()
		if _, err := s.r.Run(ctx(t), p, nil, sandbox.Limits{Time: -time.Second}); !errors.Is(err, sandbox.ErrBadLimit) {
			t.Fatalf("negative time limit: %v, want ErrBadLimit", err)
		}
	})
	t.Run("context_cancelled", func(t *testing.T) {
		p := s.compile(t, "python", "import time\ntime.sleep(100)\n")
		defer p.Close()
		before := s.snapshot()
		c, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := s.r.Run(c, p, nil, sandbox.Limits{Time: 10 * time.Second, WallTime: 20 * time.Second})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("run with an expiring context: %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("cancellation took %v", d)
		}
		s.healthy(t, before)
	})
	t.Run("closed_program", func(t *testing.T) {
		p := s.compile(t, "python", "print(1)\n")
		p.Close()
		if _, err := s.r.Run(ctx(t), p, nil, sandbox.Limits{}); err == nil {
			t.Fatal("closed program ran")
		}
	})
}

// procsOf lists "pid:starttime" of the host processes whose real uid is uid.
func procsOf(uid int) map[string]bool {
	out := map[string]bool{}
	ownNS, _ := os.Readlink("/proc/self/ns/pid")
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		status, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "Uid:" && f[1] == strconv.Itoa(uid) {
				if ns, err := os.Readlink("/proc/" + e.Name() + "/ns/pid"); err != nil || ns == ownNS {
					break
				}
				// pid plus start time: pids are reused.
				stat, _ := os.ReadFile("/proc/" + e.Name() + "/stat")
				start := ""
				if i := bytes.LastIndexByte(stat, ')'); i >= 0 {
					if f := strings.Fields(string(stat[i+1:])); len(f) > 19 {
						start = f[19]
					}
				}
				out[e.Name()+":"+start] = true
			}
		}
	}
	return out
}

func newProcs(uid int, before map[string]bool) []string {
	var extra []string
	// Processes of a run that just ended may be in their last exit steps;
	// give them a moment before calling it a leak.
	deadline := time.Now().Add(time.Second)
	for {
		extra = extra[:0]
		for k := range procsOf(uid) {
			if !before[k] {
				extra = append(extra, k)
			}
		}
		if len(extra) == 0 || time.Now().After(deadline) {
			return extra
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// procsWith lists host processes whose command line contains marker.
func procsWith(marker string) []string {
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.Contains(b, []byte(marker)) {
			out = append(out, e.Name()+" "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return out
}
