package local

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hirebus/hirebus/sandbox"
)

const helloC = "#include <stdio.h>\nint main(void){ puts(\"hello\"); return 0; }\n"

// reportMedian adds the median of per-op durations as a metric: the
// issue's goals are medians, and ns/op is a mean.
func reportMedian(b *testing.B, d []time.Duration, name string) {
	if len(d) == 0 {
		return
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, name)
	if name != "overhead-ms" {
		b.ReportMetric(float64(d[len(d)*9/10].Microseconds())/1000, strings.TrimSuffix(name, "-ms")+"-p90-ms")
	}
}

func compileFor(b *testing.B, r *Runner, langID, src string) *sandbox.Program {
	b.Helper()
	l, err := sandbox.LookupLanguage(langID)
	if err != nil {
		b.Fatal(err)
	}
	p, res, err := r.Compile(context.Background(), l, []byte(src), sandbox.Limits{})
	if err != nil || p == nil {
		b.Fatalf("compile: %v %+v", err, res)
	}
	return p
}

func benchRunner(b *testing.B, initPath string) *Runner {
	b.Helper()
	r, err := New(Options{CacheDir: os.TempDir() + "/hirebus-sandbox-test-cache", InitPath: initPath})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	return r
}

// BenchmarkOverheadC measures the sandbox overhead: a sandboxed run of a
// hello-world C binary minus a bare fork+exec of the same binary, with the
// separate init binary (as installed by make build) and with the test
// binary re-executed as init.
func BenchmarkOverheadC(b *testing.B) {
	bin := buildInitBinary(b)
	b.Run("init-binary", func(b *testing.B) { benchOverhead(b, benchRunner(b, bin)) })
	b.Run("self-reexec", func(b *testing.B) { benchOverhead(b, benchRunner(b, "self")) })
}

func benchOverhead(b *testing.B, r *Runner) {
	p := compileFor(b, r, "c", helloC)
	defer p.Close()
	bin := filepath.Join(p.Handle.(*program).dir, "main")
	var bare, boxed []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if out, err := exec.Command(bin).Output(); err != nil || string(out) != "hello\n" {
			b.Fatalf("bare run: %v %q", err, out)
		}
		t1 := time.Now()
		res, err := r.Run(context.Background(), p, nil, sandbox.Limits{})
		if err != nil || res.Verdict != sandbox.OK {
			b.Fatalf("sandboxed run: %v %+v", err, res)
		}
		t2 := time.Now()
		bare, boxed = append(bare, t1.Sub(t0)), append(boxed, t2.Sub(t1))
	}
	reportMedian(b, bare, "bare-ms")
	reportMedian(b, boxed, "sandboxed-ms")
	over := make([]time.Duration, len(bare))
	sort.Slice(bare, func(i, j int) bool { return bare[i] < bare[j] })
	sort.Slice(boxed, func(i, j int) bool { return boxed[i] < boxed[j] })
	for i := range bare {
		over[i] = boxed[i] - bare[i]
	}
	reportMedian(b, over, "overhead-ms")
}

// BenchmarkPythonHello (init binary) is a Python hello world end to end: store the
// source, run it in a fresh sandbox, collect the result.
func BenchmarkPythonHello(b *testing.B) {
	r := benchRunner(b, buildInitBinary(b))
	l, _ := sandbox.LookupLanguage("python")
	var ds []time.Duration
	for b.Loop() {
		t0 := time.Now()
		p, _, err := r.Compile(context.Background(), l, []byte("print('hello')\n"), sandbox.Limits{})
		if err != nil {
			b.Fatal(err)
		}
		res, err := r.Run(context.Background(), p, nil, sandbox.Limits{})
		p.Close()
		if err != nil || res.Stdout != "hello\n" {
			b.Fatalf("run: %v %+v", err, res)
		}
		ds = append(ds, time.Since(t0))
	}
	reportMedian(b, ds, "median-ms")
}

// BenchmarkGradedRunsC measures graded runs per second of a trivial C
// program through the runner's parallel slots (Options.Slots, default
// NumCPU) with the init binary: each op is a run with stdin whose output
// is compared.
func BenchmarkGradedRunsC(b *testing.B) {
	bin := buildInitBinary(b)
	for _, slots := range []int{runtime.NumCPU(), 2 * runtime.NumCPU()} {
		b.Run(fmt.Sprintf("slots=%d", slots), func(b *testing.B) {
			r, err := New(Options{CacheDir: os.TempDir() + "/hirebus-sandbox-test-cache", InitPath: bin, Slots: slots})
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			benchGraded(b, r)
		})
	}
}

func benchGraded(b *testing.B, r *Runner) {
	p := compileFor(b, r, "c", "#include <stdio.h>\nint main(void){ long a, c; if (scanf(\"%ld %ld\", &a, &c) != 2) return 1; printf(\"%ld\\n\", a + c); return 0; }\n")
	defer p.Close()
	workers := 2 * r.opts.Slots
	var mu sync.Mutex
	next := 0
	start := time.Now()
	b.ResetTimer()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= b.N {
					mu.Unlock()
					return
				}
				next++
				mu.Unlock()
				res, err := r.Run(context.Background(), p, []byte("20 22\n"), sandbox.Limits{})
				if err != nil || res.Verdict != sandbox.OK || res.Stdout != "42\n" {
					b.Errorf("graded run failed: %v %+v", err, res)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "runs/s")
}
