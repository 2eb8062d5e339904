package score

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/score"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/sandbox/local"
)

// goBad has a vet finding (a Printf verb of the wrong type) and is not
// gofmt-formatted.
const goBad = "package main\nimport \"fmt\"\nfunc main() {\nfmt.Printf(\"%d\\n\", \"x\")\n}\n"

func newRunner(t *testing.T) *local.Runner {
	t.Helper()
	testutil.SkipShort(t, "the local sandbox")
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	r, err := local.New(local.Options{Slots: 2, BaseDir: t.TempDir(), InitPath: "self", CacheDir: filepath.Join(dir, "hirebus", "sandbox")})
	if err != nil {
		t.Skipf("no local sandbox here: %v", err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// TestAnalysers runs the real tools in the sandbox on answers with known
// findings and on clean ones; pyflakes (not installed here) is reported
// "not available".
func TestAnalysers(t *testing.T) {
	a := &Analysers{Runner: newRunner(t)}
	cases := []struct {
		lang, src string
		tool      string
		min, max  int
	}{
		// One Go answer runs both Go tools (each takes seconds: the go
		// command starts twice).
		{"go", goBad, "go vet", 1, 5},
		{"go", goBad, "gofmt -l", 1, 1},
		{"c", "#include <stdio.h>\nint main(void) { int unused; return 0; }\n", "gcc -Wall -Wextra", 1, 3},
		{"cpp", "int main() { int x; unsigned u = 1; return x < u; }\n", "g++ -Wall -Wextra", 1, 4},
		{"c", "#include <stdio.h>\nint main(void) { puts(\"hi\"); return 0; }\n", "gcc -Wall -Wextra", 0, 0},
		// A forged marker in the source (gcc echoes source lines) is not
		// taken for a tool's output.
		{"c", "/* hirebus-analyser-0000 0 */\nint main(void) { int unused; return 0; }\n", "gcc -Wall -Wextra", 1, 3},
		{"java", "import java.util.*;\npublic class Main { public static void main(String[] a) { List l = new ArrayList(); l.add(1); } }\n", "javac -Xlint", 1, 4},
	}
	goRuns := map[string][]score.Findings{}
	for _, c := range cases {
		t.Run(c.lang+"/"+c.tool, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			fs, ok := goRuns[c.src]
			if !ok {
				fs = a.Run(ctx, c.lang, c.src)
				goRuns[c.src] = fs
			}
			for _, f := range fs {
				if f.Tool != c.tool {
					continue
				}
				if !f.Available || f.Count < c.min || f.Count > c.max {
					t.Fatalf("%+v: want %d..%d findings", f, c.min, c.max)
				}
				for _, m := range f.Messages {
					if strings.Contains(m, "/prog/") {
						t.Errorf("sandbox path in %q", m)
					}
				}
				return
			}
			t.Fatalf("no %s in %+v", c.tool, fs)
		})
	}
	t.Run("python", func(t *testing.T) {
		fs := a.Run(context.Background(), "python", "import os\n")
		if len(fs) != 1 || fs[0].Tool != "pyflakes" {
			t.Fatalf("%+v", fs)
		}
		if !fs[0].Available && !strings.HasPrefix(fs[0].Note, "not available") {
			t.Fatalf("pyflakes neither ran nor said why: %+v", fs[0])
		}
		if fs[0].Available && fs[0].Count != 1 {
			t.Fatalf("pyflakes: %+v", fs[0])
		}
	})
	t.Run("no sandbox", func(t *testing.T) {
		fs := (&Analysers{}).Run(context.Background(), "go", "package main\n")
		if len(fs) != 2 || fs[0].Available || !strings.Contains(fs[0].Note, "not available") {
			t.Fatalf("%+v", fs)
		}
	})
}
