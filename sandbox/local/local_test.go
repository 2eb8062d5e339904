package local

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hirebus/hirebus/sandbox"
	"github.com/hirebus/hirebus/sandbox/sandboxtest"
)

func TestMain(m *testing.M) {
	// A re-executed test binary is the sandbox init: it must not run tests.
	MaybeRunInit()
	os.Exit(m.Run())
}

func newTestRunner(t *testing.T, opts Options) *Runner {
	t.Helper()
	if opts.CacheDir == "" {
		// Shared across test runs: the Go standard-library cache takes
		// a while to build once.
		opts.CacheDir = os.TempDir() + "/hirebus-sandbox-test-cache"
	}
	r, err := New(opts)
	if err != nil {
		t.Fatalf("new local runner: %v", err)
	}
	return r
}

func TestConformance(t *testing.T) {
	sandboxtest.Run(t, func(t *testing.T) sandbox.Runner {
		r := newTestRunner(t, Options{})
		if !r.Cgroups() {
			t.Log("cgroups unavailable: memory is enforced with rlimits only")
		}
		return r
	})
}

// TestLeftoversDetects proves the leftover scan used by the conformance
// suite can fail: a process planted in a sandbox cgroup, a stray file on
// the root mount point and an unclosed program directory are all reported.
func TestLeftoversDetects(t *testing.T) {
	r := newTestRunner(t, Options{})
	defer r.Close()
	if !r.Cgroups() {
		t.Skip("cgroups unavailable")
	}
	cgr, err := r.cg.newRun("planted", 64<<20, 8)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/usr/bin/sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer cmd.Process.Kill()
	if err := cgr.add(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	stray := filepath.Join(r.rootDir, "stray")
	if err := os.WriteFile(stray, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	orphan := filepath.Join(r.progsDir, "p-orphan")
	if err := os.Mkdir(orphan, 0o700); err != nil {
		t.Fatal(err)
	}
	left, err := r.Leftovers()
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(left, "\n")
	for _, want := range []string{"process " + strconv.Itoa(cmd.Process.Pid), "planted", stray, orphan} {
		if !strings.Contains(joined, want) {
			t.Errorf("leftovers lack %q: %v", want, left)
		}
	}
	cmd.Process.Kill()
	cmd.Wait()
	cgr.remove()
	os.Remove(stray)
	os.Remove(orphan)
	if left, _ := r.Leftovers(); len(left) != 0 {
		t.Errorf("leftovers after cleanup: %v", left)
	}
}

// TestRlimitsOnly runs the limit cases without cgroups: memory is then the
// address-space rlimit and CPU time RLIMIT_CPU.
func TestRlimitsOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("runs real programs in the sandbox: skipped under -short (run make test)")
	}
	r := newTestRunner(t, Options{DisableCgroups: true})
	defer r.Close()
	cases := []struct {
		name, lang, src string
		lim             sandbox.Limits
		want            sandbox.Verdict
	}{
		{"hello", "python", "print('hello')\n", sandbox.Limits{}, sandbox.OK},
		{"alloc_python", "python", "x = b'a' * (1 << 30)\n", sandbox.Limits{MemoryBytes: 128 << 20}, sandbox.MLE},
		{"alloc_cpp", "cpp", "#include <vector>\nint main(){ std::vector<char> v((std::size_t)1 << 30, 1); return v[7]; }\n", sandbox.Limits{MemoryBytes: 128 << 20}, sandbox.MLE},
		{"loop", "c", "int main(void){ volatile int i = 0; for(;;) i++; }\n", sandbox.Limits{Time: time.Second, WallTime: 5 * time.Second}, sandbox.TLE},
		{"fork_bomb", "c", "#include <unistd.h>\nint main(void){ for(;;) fork(); }\n", sandbox.Limits{Time: time.Second, WallTime: 2 * time.Second}, sandbox.TLE},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l, _ := sandbox.LookupLanguage(tc.lang)
			p, cres, err := r.Compile(context.Background(), l, []byte(tc.src), sandbox.Limits{})
			if err != nil || p == nil {
				t.Fatalf("compile: %v %+v", err, cres)
			}
			defer p.Close()
			res, err := r.Run(context.Background(), p, nil, tc.lim)
			if err != nil {
				t.Fatal(err)
			}
			if res.Verdict != tc.want {
				t.Fatalf("verdict %s (%s), want %s; stderr %.300s", res.Verdict, res.Message, tc.want, res.Stderr)
			}
		})
	}
}

// TestGoCacheIsolated checks the Go cache is shared read-only: a compile
// that rewrites every cache file must not affect the next compile.
func TestGoCacheIsolated(t *testing.T) {
	r := newTestRunner(t, Options{})
	defer r.Close()
	if err := r.WarmUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	goLang, _ := sandbox.LookupLanguage("go")
	poison := goLang
	poison.Compile = []string{"/bin/sh", "-c", "find /gocache -type f -exec sh -c 'echo poison > \"$1\"' _ {} \\; ; echo poisoned; exit 1"}
	_, res, err := r.Compile(context.Background(), poison, []byte("package main\n"), sandbox.Limits{})
	if err != nil || res == nil || !strings.Contains(res.Stdout, "poisoned") || res.Stderr != "" {
		t.Fatalf("poisoning compile did not run: %v %+v", err, res)
	}
	p, res, err := r.Compile(context.Background(), goLang, []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"clean\") }\n"), sandbox.Limits{})
	if err != nil || p == nil {
		t.Fatalf("compile after poisoning: %v %+v", err, res)
	}
	defer p.Close()
	out, err := r.Run(context.Background(), p, nil, sandbox.Limits{})
	if err != nil || out.Stdout != "clean\n" {
		t.Fatalf("run: %v %+v", err, out)
	}
	fi, err := os.Stat(r.opts.CacheDir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("cache parent must be root-only: %v %v", fi.Mode(), err)
	}
}

// TestStaleCleanup: a runner that died without Close leaves a base
// directory and cgroups named after its pid; the next New removes them.
func TestStaleCleanup(t *testing.T) {
	dead := exec.Command("/usr/bin/true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	name := "hirebus-sandbox-" + strconv.Itoa(dead.Process.Pid) + "-stale"
	base := filepath.Join(os.TempDir(), name)
	if err := os.MkdirAll(filepath.Join(base, "programs", "p-1"), 0o700); err != nil {
		t.Fatal(err)
	}
	own, err := ownCgroups()
	if err != nil {
		t.Fatal(err)
	}
	mem := v1Mount("memory")
	var cgDir string
	if mem != "" {
		cgDir = filepath.Join(mem, own["memory"], name)
		if err := os.MkdirAll(filepath.Join(cgDir, "run1"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	live := filepath.Join(os.TempDir(), "hirebus-sandbox-"+strconv.Itoa(os.Getppid())+"-live")
	if err := os.MkdirAll(live, 0o700); err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(live)
	r := newTestRunner(t, Options{})
	defer r.Close()
	if _, err := os.Stat(base); !os.IsNotExist(err) {
		t.Errorf("stale base dir kept: %v", err)
	}
	if cgDir != "" {
		if _, err := os.Stat(cgDir); !os.IsNotExist(err) {
			t.Errorf("stale cgroup kept: %v", err)
		}
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("directory of a live process removed: %v", err)
	}
}

// buildInitBinary builds cmd/hirebus-sandbox-init as `make build` does.
func buildInitBinary(t testing.TB) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), InitBinaryName)
	cmd := exec.Command("go", "build", "-o", out, "./cmd/hirebus-sandbox-init")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build init binary: %v\n%s", err, b)
	}
	return out
}

// TestInitBinary runs sandboxes through the separate init binary and
// checks the runner refuses one others could have replaced.
func TestInitBinary(t *testing.T) {
	bin := buildInitBinary(t)
	r := newTestRunner(t, Options{InitPath: bin})
	defer r.Close()
	if r.initPath != bin {
		t.Fatalf("init path %q", r.initPath)
	}
	l, _ := sandbox.LookupLanguage("c")
	p, cres, err := r.Compile(context.Background(), l, []byte("#include <stdio.h>\nint main(void){ puts(\"via helper\"); return 0; }\n"), sandbox.Limits{})
	if err != nil || p == nil {
		t.Fatalf("compile: %v %+v", err, cres)
	}
	defer p.Close()
	res, err := r.Run(context.Background(), p, nil, sandbox.Limits{})
	if err != nil || res.Stdout != "via helper\n" {
		t.Fatalf("run: %v %+v", err, res)
	}

	t.Run("untrusted", func(t *testing.T) {
		if err := os.Chmod(bin, 0o777); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(bin, 0o755)
		if r, err := New(Options{InitPath: bin, CacheDir: t.TempDir()}); err == nil {
			r.Close()
			t.Fatal("world-writable init binary accepted")
		}
	})
	t.Run("not_an_init", func(t *testing.T) {
		if r, err := New(Options{InitPath: "/usr/bin/true", CacheDir: t.TempDir()}); err == nil {
			r.Close()
			t.Fatal("a binary that is not the init passed the probe")
		}
	})
}

// TestNoDescriptorLeak: every run's pipes are closed, whatever the verdict.
func TestNoDescriptorLeak(t *testing.T) {
	r := newTestRunner(t, Options{})
	defer r.Close()
	l, _ := sandbox.LookupLanguage("python")
	progs := map[string]string{
		"ok":  "print('x')\n",
		"ole": "while True:\n    print('x' * 1000)\n",
		"tle": "import time\ntime.sleep(100)\n",
		"re":  "raise SystemExit(3)\n",
	}
	countFDs := func() int {
		entries, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Fatal(err)
		}
		return len(entries)
	}
	run := func() {
		for name, src := range progs {
			p, _, err := r.Compile(context.Background(), l, []byte(src), sandbox.Limits{})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if _, err := r.Run(context.Background(), p, []byte("in"), sandbox.Limits{OutputBytes: 64 << 10, WallTime: 300 * time.Millisecond}); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			p.Close()
		}
	}
	run() // warm anything lazily opened
	before := countFDs()
	for range 3 {
		run()
	}
	if after := countFDs(); after > before {
		t.Fatalf("descriptors grew from %d to %d", before, after)
	}
}

func TestClose(t *testing.T) {
	r := newTestRunner(t, Options{})
	l, _ := sandbox.LookupLanguage("python")
	p, _, err := r.Compile(context.Background(), l, []byte("print(1)\n"), sandbox.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	base := r.opts.BaseDir
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("second close: %v", err)
	}
	if _, err := os.Stat(base); !os.IsNotExist(err) {
		t.Fatalf("base dir left: %v", err)
	}
	if _, err := r.Run(context.Background(), p, nil, sandbox.Limits{}); !errors.Is(err, sandbox.ErrClosed) {
		t.Fatalf("run after close: %v", err)
	}
	if _, _, err := r.Compile(context.Background(), l, []byte("print(1)\n"), sandbox.Limits{}); !errors.Is(err, sandbox.ErrClosed) {
		t.Fatalf("compile after close: %v", err)
	}
	p.Close()
}

func TestAvailable(t *testing.T) {
	for _, l := range sandbox.Languages() {
		t.Run(l.ID, func(t *testing.T) {
			if err := Available(l); err != nil {
				t.Fatalf("toolchain missing on this host: %v", err)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		l, _ := sandbox.LookupLanguage("c")
		l.Compile = []string{"/usr/bin/no-such-compiler"}
		if err := Available(l); err == nil {
			t.Fatal("missing compiler reported available")
		}
	})
}
