package sandbox

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestLimitsValidate(t *testing.T) {
	max := MaxLimits()
	cases := []struct {
		name string
		lim  Limits
		want error
	}{
		{"defaults", DefaultLimits().WithDefaults(Limits{}), nil},
		{"zero", Limits{}, nil},
		{"compile_defaults", DefaultCompileLimits(), nil},
		{"at_max", max, nil},
		{"time_above", Limits{Time: max.Time + time.Millisecond}, ErrLimitTooHigh},
		{"memory_above", Limits{MemoryBytes: max.MemoryBytes + 1}, ErrLimitTooHigh},
		{"processes_above", Limits{Processes: max.Processes + 1}, ErrLimitTooHigh},
		{"output_above", Limits{OutputBytes: max.OutputBytes + 1}, ErrLimitTooHigh},
		{"negative_time", Limits{Time: -time.Second}, ErrBadLimit},
		{"negative_memory", Limits{MemoryBytes: -1}, ErrBadLimit},
		{"negative_files", Limits{OpenFiles: -1}, ErrBadLimit},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.lim.Validate(max)
			if !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("Validate = %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("no_max", func(t *testing.T) {
		if err := (Limits{MemoryBytes: 1 << 40}).Validate(Limits{}); err != nil {
			t.Fatalf("zero max must not cap: %v", err)
		}
	})
}

func TestLimitsWithDefaults(t *testing.T) {
	got := Limits{Time: 3 * time.Second, MemoryBytes: 64 << 20}.WithDefaults(DefaultLimits())
	if got.Time != 3*time.Second || got.MemoryBytes != 64<<20 {
		t.Fatalf("explicit fields overwritten: %+v", got)
	}
	if got.WallTime != 7*time.Second {
		t.Errorf("wall time %v, want 2×time+1s", got.WallTime)
	}
	def := DefaultLimits()
	if got.Processes != def.Processes || got.OutputBytes != def.OutputBytes || got.OpenFiles != def.OpenFiles ||
		got.FileSizeBytes != def.FileSizeBytes || got.WorkDirBytes != def.WorkDirBytes {
		t.Errorf("defaults not filled: %+v", got)
	}
	c := Limits{}.WithDefaults(DefaultCompileLimits())
	if c.WallTime != DefaultCompileLimits().WallTime {
		t.Errorf("compile wall %v", c.WallTime)
	}
}

func TestLookupLanguage(t *testing.T) {
	cases := []struct {
		id, want string
		ok       bool
	}{
		{"python", "python", true}, {"Python3", "python", true}, {"js", "javascript", true}, {"node", "javascript", true},
		{"go", "go", true}, {"golang", "go", true}, {"c", "c", true}, {"cpp", "cpp", true}, {"c++", "cpp", true},
		{"java", "java", true}, {" java ", "java", true}, {"cobol", "", false}, {"", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			l, err := LookupLanguage(tc.id)
			if tc.ok != (err == nil) || l.ID != tc.want {
				t.Fatalf("LookupLanguage(%q) = %q, %v", tc.id, l.ID, err)
			}
			if !tc.ok && !errors.Is(err, ErrUnknownLanguage) {
				t.Fatalf("error %v does not wrap ErrUnknownLanguage", err)
			}
		})
	}
	t.Run("copies", func(t *testing.T) {
		l, _ := LookupLanguage("c")
		l.Compile[0] = "/bin/evil"
		again, _ := LookupLanguage("c")
		if again.Compile[0] == "/bin/evil" {
			t.Fatal("LookupLanguage returned shared slices")
		}
	})
	t.Run("table", func(t *testing.T) {
		ls := Languages()
		if len(ls) != 6 {
			t.Fatalf("%d languages, want 6", len(ls))
		}
		for _, l := range ls {
			if l.SourceFile == "" || len(l.Run) == 0 || (l.Compiled() && len(l.Artifacts) == 0) {
				t.Errorf("incomplete language %+v", l)
			}
		}
	})
}

func TestArtifactAllowed(t *testing.T) {
	java, _ := LookupLanguage("java")
	c, _ := LookupLanguage("c")
	cases := []struct {
		lang Language
		name string
		want bool
	}{
		{java, "Main.class", true}, {java, "Main$Inner.class", true}, {java, "Main.java", false}, {java, "../x.class", false},
		{java, "a/b.class", false}, {c, "main", true}, {c, "main.c", false}, {c, "main2", false}, {c, "..", false}, {c, "", false},
	}
	for _, tc := range cases {
		t.Run(tc.lang.ID+"/"+tc.name, func(t *testing.T) {
			if got := tc.lang.ArtifactAllowed(tc.name); got != tc.want {
				t.Fatalf("ArtifactAllowed(%q) = %v", tc.name, got)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	got := strings.Join(Expand([]string{"java", "-Xmx{heap_mb}m", "--mem={mem_mb}", "x"}, 256<<20), " ")
	if got != "java -Xmx192m --mem=256 x" {
		t.Fatalf("Expand = %q", got)
	}
	if got := Expand([]string{"{mem_mb}"}, 1); got[0] != "1" {
		t.Fatalf("tiny memory expands to %q", got[0])
	}
}

func TestValidateSource(t *testing.T) {
	cases := []struct {
		name string
		src  []byte
		want error
	}{
		{"ok", []byte("print(1)"), nil},
		{"empty", nil, ErrEmptySource},
		{"blank", []byte(" \n\t"), ErrEmptySource},
		{"max", []byte(strings.Repeat("a", MaxSourceBytes)), nil},
		{"too_large", []byte(strings.Repeat("a", MaxSourceBytes+1)), ErrSourceTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := ValidateSource(tc.src); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
				t.Fatalf("ValidateSource = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestProgramClose(t *testing.T) {
	calls := 0
	p := NewProgram(Language{ID: "c"}, nil, func() error { calls++; return errors.New("boom") })
	if err := p.Close(); err == nil {
		t.Fatal("close error lost")
	}
	if err := p.Close(); err == nil || calls != 1 {
		t.Fatalf("second close: %v, calls %d", err, calls)
	}
	var nilProg *Program
	if err := nilProg.Close(); err != nil {
		t.Fatal(err)
	}
}
