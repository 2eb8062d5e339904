package problems

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hirebus/hirebus/judge"
	"github.com/hirebus/hirebus/sandbox"
)

func TestLoadSeed(t *testing.T) {
	ps, err := LoadSeed()
	if err != nil {
		t.Fatalf("LoadSeed: %v", err)
	}
	if len(ps) < 10 {
		t.Fatalf("seed has %d problems, want at least 10", len(ps))
	}
	var float bool
	for _, p := range ps {
		t.Run(p.Slug, func(t *testing.T) {
			if len(p.Tests) < 5 {
				t.Errorf("%d hidden tests, want at least 5", len(p.Tests))
			}
			for _, l := range sandbox.Languages() {
				if strings.TrimSpace(p.Starter[l.ID]) == "" {
					t.Errorf("no starter code for %s", l.ID)
				}
			}
			// Seed convention: the stress test's name contains "large" (big
			// input, big output or heavy computation).
			large := false
			for _, tc := range p.Tests {
				large = large || strings.Contains(tc.Name, "large")
			}
			if !large {
				t.Errorf("no test named *large*")
			}
			if !strings.HasPrefix(p.Statement, "# ") {
				t.Errorf("statement does not start with a Markdown title")
			}
		})
		float = float || p.Comparison.Mode == judge.ModeFloat
	}
	if !float {
		t.Error("no seed problem uses float comparison")
	}
	// The seed on disk and the embedded copy must agree.
	disk, err := LoadDir("seed")
	if err != nil {
		t.Fatalf("LoadDir(seed): %v", err)
	}
	if len(disk) != len(ps) {
		t.Fatalf("disk has %d problems, embedded %d", len(disk), len(ps))
	}
}

// writeProblem lays out a minimal valid problem under dir/slug and lets
// mutate change files before loading.
func writeProblem(t *testing.T, dir, slug string, files map[string]string) {
	t.Helper()
	base := map[string]string{
		"problem.json": `{"slug":"` + slug + `","title":"T","difficulty":"easy","time_limit_ms":1000,"memory_limit_kb":65536,
			"examples":[{"input":"1\n","output":"1\n"}]}`,
		"statement.md":      "# T\nEcho.\n",
		"tests/01-a.in":     "1\n",
		"tests/01-a.out":    "1\n",
		"starter/python.py": "print(input())\n",
	}
	for k, v := range files {
		if v == "" {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	for name, content := range base {
		p := filepath.Join(dir, slug, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadDirValidation(t *testing.T) {
	tests := []struct {
		name    string
		slug    string
		files   map[string]string
		wantErr string
	}{
		{"valid", "echo", nil, ""},
		{"bad slug", "Echo_1", nil, "slug"},
		{"dir differs from slug", "echo", map[string]string{"problem.json": `{"slug":"other","title":"T","difficulty":"easy","time_limit_ms":1000,"memory_limit_kb":65536,"examples":[{"input":"1","output":"1"}]}`}, "must match the slug"},
		{"unknown field", "echo", map[string]string{"problem.json": `{"slug":"echo","titel":"T"}`}, "unknown field"},
		{"bad json", "echo", map[string]string{"problem.json": `{`}, "problem.json"},
		{"missing statement", "echo", map[string]string{"statement.md": ""}, "statement"},
		{"bad difficulty", "echo", map[string]string{"problem.json": `{"slug":"echo","title":"T","difficulty":"trivial","time_limit_ms":1000,"memory_limit_kb":65536,"examples":[{"input":"1","output":"1"}]}`}, "difficulty"},
		{"time limit too high", "echo", map[string]string{"problem.json": `{"slug":"echo","title":"T","difficulty":"easy","time_limit_ms":999999,"memory_limit_kb":65536,"examples":[{"input":"1","output":"1"}]}`}, "time_limit_ms"},
		{"memory too low", "echo", map[string]string{"problem.json": `{"slug":"echo","title":"T","difficulty":"easy","time_limit_ms":1000,"memory_limit_kb":10,"examples":[{"input":"1","output":"1"}]}`}, "memory_limit_kb"},
		{"bad comparison", "echo", map[string]string{"problem.json": `{"slug":"echo","title":"T","difficulty":"easy","time_limit_ms":1000,"memory_limit_kb":65536,"comparison":{"mode":"fuzzy"},"examples":[{"input":"1","output":"1"}]}`}, "comparison"},
		{"no examples", "echo", map[string]string{"problem.json": `{"slug":"echo","title":"T","difficulty":"easy","time_limit_ms":1000,"memory_limit_kb":65536,"examples":[]}`}, "example"},
		{"in without out", "echo", map[string]string{"tests/02-b.in": "2\n"}, "has no 02-b.out"},
		{"out without in", "echo", map[string]string{"tests/02-b.out": "2\n"}, "has no 02-b.in"},
		{"stray test file", "echo", map[string]string{"tests/readme.txt": "x"}, "neither .in nor .out"},
		{"no tests", "echo", map[string]string{"tests/01-a.in": "", "tests/01-a.out": "", "tests/.keep": ""}, "tests"},
		{"unknown starter language", "echo", map[string]string{"starter/cobol.cob": "x"}, `unknown language "cobol"`},
		{"alias starter language", "echo", map[string]string{"starter/py.py": "x"}, `unknown language "py"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeProblem(t, dir, tt.slug, tt.files)
			ps, err := LoadDir(dir)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("LoadDir: %v", err)
				}
				if len(ps) != 1 || ps[0].Slug != tt.slug || len(ps[0].Tests) != 1 || ps[0].Tests[0].Output != "1\n" {
					t.Fatalf("LoadDir = %+v", ps)
				}
				if ps[0].Comparison.Mode != judge.ModeTrailingWhitespace {
					t.Fatalf("default comparison = %q", ps[0].Comparison.Mode)
				}
				return
			}
			if err == nil {
				t.Fatalf("LoadDir succeeded, want error containing %q", tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %q does not contain %q", err, tt.wantErr)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
		})
	}
}

func TestLoadDirSingleProblemAndErrors(t *testing.T) {
	dir := t.TempDir()
	writeProblem(t, dir, "echo", nil)
	ps, err := LoadDir(filepath.Join(dir, "echo"))
	if err != nil || len(ps) != 1 || ps[0].Slug != "echo" {
		t.Fatalf("LoadDir(problem dir) = %v, %v", ps, err)
	}
	if _, err := LoadDir(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("LoadDir(missing) succeeded")
	}
	if _, err := LoadDir(t.TempDir()); !errors.Is(err, ErrInvalid) {
		t.Fatalf("LoadDir(empty) = %v, want ErrInvalid", err)
	}
	// Two directories declaring the same slug cannot both match their
	// directory name, so duplicates are caught there.
	writeProblem(t, dir, "echo2", nil)
	ps, err = LoadDir(dir)
	if err != nil || len(ps) != 2 || ps[0].Slug != "echo" || ps[1].Slug != "echo2" {
		t.Fatalf("LoadDir(two) = %v, %v", ps, err)
	}
}

func TestPublicHasNoHiddenTests(t *testing.T) {
	ps, err := LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	p := ps[0]
	pub := p.Public()
	if pub.TestCount != len(p.Tests) {
		t.Fatalf("TestCount = %d, want %d", pub.TestCount, len(p.Tests))
	}
	// Marshalling the full Problem must not include tests either.
	for _, v := range []any{p, pub} {
		b, err := jsonMarshal(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range p.Tests {
			if len(tc.Output) > 20 && strings.Contains(string(b), jsonEscape(tc.Output)) {
				t.Fatalf("%T JSON contains hidden test %s", v, tc.Name)
			}
		}
		if strings.Contains(string(b), `"tests"`) {
			t.Fatalf("%T JSON has a tests field", v)
		}
	}
}
