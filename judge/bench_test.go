package judge

import (
	"context"
	"fmt"
	"testing"

	"github.com/hirebus/hirebus/sandbox"
	"github.com/hirebus/hirebus/sandbox/local"
)

// benchmarkGrade grades one submission against 10 tests per iteration
// (compile included) with the real local runner.
func benchmarkGrade(b *testing.B, langID, src string, parallelism int) {
	r, err := local.New(local.Options{CacheDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	l, err := sandbox.LookupLanguage(langID)
	if err != nil {
		b.Fatal(err)
	}
	tests := make([]TestCase, 10)
	for i := range tests {
		tests[i] = TestCase{Name: fmt.Sprint(i), Input: fmt.Sprintf("%d %d\n", i, i), Output: fmt.Sprintf("%d\n", 2*i)}
	}
	j := New(r, Options{Parallelism: parallelism})
	sub := Submission{Language: l, Source: []byte(src), Tests: tests}
	for b.Loop() {
		res, err := j.Grade(context.Background(), sub, nil)
		if err != nil || res.Verdict != Accepted {
			b.Fatalf("grade: %v %+v", err, res)
		}
	}
	b.ReportMetric(float64(b.N*len(tests))/b.Elapsed().Seconds(), "runs/s")
}

const cSum = "#include <stdio.h>\nint main(void){long long a,b;scanf(\"%lld %lld\",&a,&b);printf(\"%lld\\n\",a+b);return 0;}\n"

func BenchmarkGradeC10Tests(b *testing.B)          { benchmarkGrade(b, "c", cSum, 1) }
func BenchmarkGradeC10TestsParallel2(b *testing.B) { benchmarkGrade(b, "c", cSum, 2) }
func BenchmarkGradePython10Tests(b *testing.B)     { benchmarkGrade(b, "python", pySum, 1) }
