package code_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hirebus/hirebus/judge"
	"github.com/hirebus/hirebus/problems"
	"github.com/hirebus/hirebus/sandbox"
	"github.com/hirebus/hirebus/workers/code/codetest"
)

const benchTests = 20

// aPlusB is a problem with many tiny tests, so grading cost is dominated by
// sandboxed runs rather than by the one compile per submission.
func aPlusB() problems.Problem {
	p := problems.Problem{
		Slug: "bench-a-plus-b", Title: "A + B", Statement: "Print a+b.", Difficulty: problems.Easy,
		TimeLimitMS: 1000, MemoryLimitKB: 65536,
		Examples: []problems.Example{{Input: "1 2\n", Output: "3\n"}},
	}
	for i := range benchTests {
		p.Tests = append(p.Tests, judge.TestCase{Name: fmt.Sprintf("%02d", i), Input: fmt.Sprintf("%d %d\n", i, 1000+i), Output: fmt.Sprintf("%d\n", 1000+2*i)})
	}
	return p
}

const cAPlusB = "#include <stdio.h>\nint main(void){ long a, b; if (scanf(\"%ld %ld\", &a, &b) != 2) return 1; printf(\"%ld\\n\", a + b); return 0; }\n"

// Benchmarks use the separate sandbox init binary, as production does.

// BenchmarkGradedRunsC: graded runs per second of a trivial C program
// through the whole path (HTTP submit → outbox → JetStream → code worker
// with NumCPU slots → judge → per-test pushes → MySQL result), one op per
// graded test, 20 tests per submission. same-source resubmits one source
// (compiled once, then served by the compile cache); distinct-sources makes
// every submission compile. Use -benchtime=Nx (N a multiple of 20): setup
// (platform, worker) is outside the timer.
func BenchmarkGradedRunsC(b *testing.B) {
	b.Run("same-source", func(b *testing.B) { benchGraded(b, false) })
	b.Run("distinct-sources", func(b *testing.B) { benchGraded(b, true) })
}

func benchGraded(b *testing.B, distinct bool) {
	e := codetest.Start(b)
	ps := []problems.Problem{aPlusB()}
	if err := problems.Upsert(context.Background(), e.DB, ps); err != nil {
		b.Fatal(err)
	}
	e.StartWorker(b, codetest.Options{Slots: runtime.NumCPU(), InitPath: codetest.BuildInitBinary(b)})
	u := e.Register("bench", "candidate")
	// Warm the runner (first compile, page cache) outside the timer.
	if r := e.Do("POST", "/api/code/execute", u.Token, map[string]any{"language": "c", "source": cAPlusB, "stdin": "1 2\n"}); r.Status != 200 {
		b.Fatalf("warm-up: %d %s", r.Status, r.Body)
	}
	subs := (b.N + benchTests - 1) / benchTests
	b.ResetTimer()
	start := time.Now()
	for i := range subs {
		src := cAPlusB
		if distinct {
			src += fmt.Sprintf("/* %d */\n", i)
		}
		r := e.Do("POST", "/api/code/submit", u.Token, map[string]any{"problem_id": ps[0].ID, "language": "c", "source": src})
		if r.Status != 202 {
			b.Fatalf("submit: %d %s", r.Status, r.Body)
		}
	}
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var done, accepted int
		if err := e.DB.QueryRow(`SELECT COUNT(*), COALESCE(SUM(verdict = 'AC'), 0) FROM coding_submissions WHERE status IN ('done', 'failed')`).Scan(&done, &accepted); err != nil {
			b.Fatal(err)
		}
		if done == subs {
			if accepted != subs {
				b.Fatalf("%d of %d submissions accepted", accepted, subs)
			}
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d submissions graded", done, subs)
		}
		time.Sleep(5 * time.Millisecond)
	}
	el := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(subs*benchTests)/el.Seconds(), "runs/s")
	b.ReportMetric(float64(subs)/el.Seconds(), "submissions/s")
}

// BenchmarkExecutePythonAPI: latency of POST /api/code/execute with a
// Python hello world, one request at a time (edge → bus → worker → sandbox
// → op.completed → edge). Reports the median.
func BenchmarkExecutePythonAPI(b *testing.B) {
	e := codetest.Start(b)
	e.StartWorker(b, codetest.Options{Slots: runtime.NumCPU(), InitPath: codetest.BuildInitBinary(b)})
	u := e.Register("latency", "candidate")
	body := map[string]any{"language": "python", "source": "print('hello')\n"}
	if r := e.Do("POST", "/api/code/execute", u.Token, body); r.Status != 200 {
		b.Fatalf("warm-up: %d %s", r.Status, r.Body)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		r := e.Do("POST", "/api/code/execute", u.Token, body)
		lat = append(lat, time.Since(t0))
		if r.Status != 200 || !strings.Contains(string(r.Body), `"stdout":"hello\n"`) {
			b.Fatalf("execute: %d %s", r.Status, r.Body)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-median")
}

// BenchmarkJudgeOnlyC grades the same 20-test submission with the judge and
// the local runner alone (no bus, no MySQL), two submissions at a time like
// the worker: the ceiling BenchmarkGradedRunsC is measured against.
func BenchmarkJudgeOnlyC(b *testing.B) {
	slots := runtime.NumCPU()
	j := judge.New(codetest.NewRunnerInit(b, slots, "", codetest.BuildInitBinary(b)), judge.Options{Parallelism: slots})
	p := aPlusB()
	lang, _ := sandbox.LookupLanguage("c")
	sub := judge.Submission{Language: lang, Source: []byte(cAPlusB), Tests: p.Tests,
		Limits: sandbox.Limits{Time: time.Second, MemoryBytes: 64 << 20}}
	subs := (b.N + benchTests - 1) / benchTests
	next := make(chan int, subs)
	for i := range subs {
		next <- i
	}
	close(next)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range slots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				res, err := j.Grade(context.Background(), sub, nil)
				if err != nil || res.Verdict != judge.Accepted {
					b.Errorf("grade: %v %+v", err, res)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(subs*benchTests)/time.Since(start).Seconds(), "runs/s")
}
