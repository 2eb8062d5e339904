package problems

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hirebus/hirebus/judge"
	"github.com/hirebus/hirebus/sandbox"
	"github.com/hirebus/hirebus/sandbox/local"
)

func TestMain(m *testing.M) {
	// The local runner re-executes the test binary as the sandbox init.
	local.MaybeRunInit()
	os.Exit(m.Run())
}

func newLocalJudge(t *testing.T) *judge.Judge {
	t.Helper()
	r, err := local.New(local.Options{CacheDir: os.TempDir() + "/hirebus-sandbox-test-cache"})
	if err != nil {
		t.Fatalf("local runner: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return judge.New(r, judge.Options{Parallelism: 2})
}

func limitsOf(p *Problem) sandbox.Limits {
	return sandbox.Limits{
		Time:        time.Duration(p.TimeLimitMS) * time.Millisecond,
		MemoryBytes: int64(p.MemoryLimitKB) * 1024,
	}
}

// TestReferenceSolutions proves the seed tests right: every reference
// solution in seed/<slug>/solutions/ is graded by the real judge and the
// local sandbox under the problem's own limits and must be accepted. The
// expected outputs were produced by problems/tools/genseed.py with separate
// (mostly brute-force) code, so the two implementations check each other.
func TestReferenceSolutions(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every seed test through the sandbox")
	}
	ps, err := LoadDir("seed")
	if err != nil {
		t.Fatal(err)
	}
	j := newLocalJudge(t)
	for i := range ps {
		p := &ps[i]
		dir := filepath.Join("seed", p.Slug, "solutions")
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatalf("%s: %v", p.Slug, err)
		}
		hasPython := false
		for _, e := range entries {
			langID, _, _ := strings.Cut(e.Name(), ".")
			hasPython = hasPython || langID == "python"
			t.Run(p.Slug+"/"+langID, func(t *testing.T) {
				lang, err := sandbox.LookupLanguage(langID)
				if err != nil {
					t.Fatal(err)
				}
				src, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				defer cancel()
				res, err := j.Grade(ctx, judge.Submission{
					Language: lang, Source: src, Tests: p.Tests, Comparison: p.Comparison, Limits: limitsOf(p),
				}, nil)
				if err != nil {
					t.Fatalf("Grade: %v", err)
				}
				if res.Verdict != judge.Accepted {
					for _, tr := range res.Tests {
						if tr.Verdict != judge.Accepted {
							t.Errorf("test %s: %s %s (time %dms, memory %dKB)", tr.Name, tr.Verdict, tr.Message, tr.TimeMS, tr.MemoryKB)
						}
					}
					t.Fatalf("verdict %s (%d/%d passed) %s", res.Verdict, res.Passed, res.Total, res.CompileOutput)
				}
				t.Logf("accepted: max time %dms, max memory %dKB", res.TimeMS, res.MemoryKB)
			})
		}
		if !hasPython {
			t.Errorf("%s has no python reference solution", p.Slug)
		}
	}
}

// TestStarterCode checks that every starter program of a seed problem
// compiles and runs (it solves nothing, so the verdict is Wrong Answer,
// never a compilation or runtime error). The starters of all problems come
// from one template per language, differing only in a comment.
func TestStarterCode(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles six languages")
	}
	ps, err := LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	j := newLocalJudge(t)
	p := &ps[0]
	for _, lang := range sandbox.Languages() {
		t.Run(lang.ID, func(t *testing.T) {
			res, err := j.Grade(context.Background(), judge.Submission{
				Language: lang, Source: []byte(p.Starter[lang.ID]), Tests: p.Tests[:1], Comparison: p.Comparison, Limits: limitsOf(p),
			}, nil)
			if err != nil {
				t.Fatalf("Grade: %v", err)
			}
			if res.Verdict != judge.WrongAnswer {
				t.Fatalf("starter verdict %s, want WA: %s %+v", res.Verdict, res.CompileOutput, res.Tests)
			}
		})
	}
}

// TestWrongSolutionsRejected shows the hidden tests have teeth: typical
// mistakes must not be accepted.
func TestWrongSolutionsRejected(t *testing.T) {
	if testing.Short() {
		t.Skip("runs seed tests through the sandbox")
	}
	ps, err := LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	bySlug := map[string]*Problem{}
	for i := range ps {
		bySlug[ps[i].Slug] = &ps[i]
	}
	j := newLocalJudge(t)
	tests := []struct {
		name, slug, lang, src string
		want                  judge.Verdict
	}{
		{"32-bit sums", "max-subarray", "c",
			"#include <stdio.h>\nint main(void){int n;scanf(\"%d\",&n);int best=0,cur=0;for(int i=0;i<n;i++){int x;scanf(\"%d\",&x);cur=(i==0||cur<0)?x:cur+x;if(i==0||cur>best)best=cur;}printf(\"%d\\n\",best);return 0;}\n",
			judge.WrongAnswer},
		{"empty subarray allowed", "max-subarray", "python",
			"import sys\nd=sys.stdin.read().split()\nbest=cur=0\nfor x in map(int,d[1:]):\n    cur=max(0,cur+x)\n    best=max(best,cur)\nprint(best)\n",
			judge.WrongAnswer},
		{"trial division", "count-primes", "python",
			"n=int(input())\nprint(sum(1 for k in range(2,n+1) if all(k%d for d in range(2,int(k**0.5)+1))))\n",
			judge.TimeLimitExceeded},
		{"split on single spaces", "reverse-words", "python",
			"print(' '.join(reversed(input().split(' '))))\n", judge.WrongAnswer},
		{"counts runs of one", "string-compression", "python",
			"import itertools\ns=input().strip()\nprint(''.join(c+str(len(list(g))) for c,g in itertools.groupby(s)))\n", judge.WrongAnswer},
		{"two decimals", "mean-and-deviation", "python",
			"import math\nn=int(input())\nx=list(map(float,input().split()))\nm=sum(x)/n\nprint('%.2f %.2f'%(m,math.sqrt(sum((v-m)**2 for v in x)/n)))\n",
			judge.WrongAnswer},
		{"quadratic two sum", "two-sum", "python",
			"n,t=map(int,input().split())\na=list(map(int,input().split()))\nfor i in range(n):\n    for j in range(i+1,n):\n        if a[i]+a[j]==t:\n            print(i,j); raise SystemExit\n",
			judge.TimeLimitExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.slug+"/"+tt.name, func(t *testing.T) {
			p := bySlug[tt.slug]
			lang, err := sandbox.LookupLanguage(tt.lang)
			if err != nil {
				t.Fatal(err)
			}
			res, err := j.Grade(context.Background(), judge.Submission{
				Language: lang, Source: []byte(tt.src), Tests: p.Tests, Comparison: p.Comparison, Limits: limitsOf(p),
			}, nil)
			if err != nil {
				t.Fatalf("Grade: %v", err)
			}
			if res.Verdict != tt.want {
				t.Fatalf("verdict %s (%d/%d), want %s", res.Verdict, res.Passed, res.Total, tt.want)
			}
			if res.Passed == 0 && tt.want == judge.WrongAnswer {
				t.Logf("note: failed every test")
			}
		})
	}
}
