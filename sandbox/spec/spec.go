// Package spec is what a code submission may be: the supported languages
// (how each is compiled and run), the source size limit and the resource
// limits with their defaults and ceilings.
//
// It is a leaf of the standard library only, so the edge validates requests
// against the same table the runners execute without linking any runner;
// package sandbox re-exports every name, so runner code reads it unchanged.
package spec

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Paths every runner presents inside the sandbox.
const (
	// ProgramDir holds the source file and the compile artifacts. Read-only
	// during Run and Compile.
	ProgramDir = "/prog"
	// WorkDir is the writable private scratch directory and the current
	// directory of the program. Emptied between runs.
	WorkDir = "/work"
)

// MaxSourceBytes is the largest accepted source file (1 MB and above is
// rejected, per the API contract).
const MaxSourceBytes = 1<<20 - 1

// Errors returned for bad input; callers map them to 4xx.
var (
	ErrUnknownLanguage = errors.New("unknown language")
	ErrEmptySource     = errors.New("empty source")
	ErrSourceTooLarge  = errors.New("source too large")
	ErrLimitTooHigh    = errors.New("limit above the configured maximum")
	ErrBadLimit        = errors.New("invalid limit")
)

// ValidateSource rejects empty and oversized sources.
func ValidateSource(src []byte) error {
	if len(strings.TrimSpace(string(src))) == 0 {
		return fmt.Errorf("validate source: %w", ErrEmptySource)
	}
	if len(src) > MaxSourceBytes {
		return fmt.Errorf("validate source: %d bytes (max %d): %w", len(src), MaxSourceBytes, ErrSourceTooLarge)
	}
	return nil
}

// Limits bounds one sandboxed process tree. Zero fields mean "use the
// default" (see WithDefaults).
type Limits struct {
	// Time is the CPU time (user+system, whole process tree) allowed.
	Time time.Duration `json:"time"`
	// WallTime is the real time after which the whole tree is killed.
	WallTime time.Duration `json:"wall_time"`
	// MemoryBytes caps resident memory (cgroup) of the whole tree; for
	// languages without Language.NoAddressSpaceLimit it is also the
	// fallback address-space rlimit when no cgroup is available.
	MemoryBytes int64 `json:"memory_bytes"`
	// Processes caps processes+threads (cgroup pids and RLIMIT_NPROC).
	Processes int `json:"processes"`
	// OutputBytes caps stdout+stderr together; more is OLE.
	OutputBytes int64 `json:"output_bytes"`
	// FileSizeBytes caps any single file written (RLIMIT_FSIZE).
	FileSizeBytes int64 `json:"file_size_bytes"`
	// OpenFiles caps open descriptors (RLIMIT_NOFILE).
	OpenFiles int `json:"open_files"`
	// WorkDirBytes caps the size of the private WorkDir (and /tmp).
	WorkDirBytes int64 `json:"work_dir_bytes"`
}

// DefaultLimits are the limits of a plain run.
func DefaultLimits() Limits {
	return Limits{
		Time:          2 * time.Second,
		WallTime:      0, // derived from Time by WithDefaults
		MemoryBytes:   256 << 20,
		Processes:     64,
		OutputBytes:   8 << 20,
		FileSizeBytes: 16 << 20,
		OpenFiles:     128,
		WorkDirBytes:  32 << 20,
	}
}

// DefaultCompileLimits are the limits of a compile step (javac and go build
// need far more than a run).
func DefaultCompileLimits() Limits {
	return Limits{
		Time:          20 * time.Second,
		WallTime:      40 * time.Second,
		MemoryBytes:   1 << 30,
		Processes:     128,
		OutputBytes:   1 << 20,
		FileSizeBytes: 64 << 20,
		OpenFiles:     512,
		WorkDirBytes:  256 << 20,
	}
}

// MaxLimits is the default ceiling for user-requested limits.
func MaxLimits() Limits {
	return Limits{
		Time:          20 * time.Second,
		WallTime:      60 * time.Second,
		MemoryBytes:   2 << 30,
		Processes:     256,
		OutputBytes:   64 << 20,
		FileSizeBytes: 256 << 20,
		OpenFiles:     1024,
		WorkDirBytes:  512 << 20,
	}
}

// WithDefaults fills zero fields from def; a zero WallTime becomes
// 2×Time+1s so a sleeping program still ends.
func (l Limits) WithDefaults(def Limits) Limits {
	if l.Time == 0 {
		l.Time = def.Time
	}
	if l.WallTime == 0 {
		l.WallTime = def.WallTime
	}
	if l.WallTime == 0 {
		l.WallTime = 2*l.Time + time.Second
	}
	if l.MemoryBytes == 0 {
		l.MemoryBytes = def.MemoryBytes
	}
	if l.Processes == 0 {
		l.Processes = def.Processes
	}
	if l.OutputBytes == 0 {
		l.OutputBytes = def.OutputBytes
	}
	if l.FileSizeBytes == 0 {
		l.FileSizeBytes = def.FileSizeBytes
	}
	if l.OpenFiles == 0 {
		l.OpenFiles = def.OpenFiles
	}
	if l.WorkDirBytes == 0 {
		l.WorkDirBytes = def.WorkDirBytes
	}
	return l
}

// Validate checks that every field is non-negative and, where max has a
// non-zero field, not above it. Errors wrap ErrBadLimit or ErrLimitTooHigh.
func (l Limits) Validate(max Limits) error {
	type field struct {
		name     string
		val, max int64
	}
	fields := []field{
		{"time", int64(l.Time), int64(max.Time)},
		{"wall_time", int64(l.WallTime), int64(max.WallTime)},
		{"memory_bytes", l.MemoryBytes, max.MemoryBytes},
		{"processes", int64(l.Processes), int64(max.Processes)},
		{"output_bytes", l.OutputBytes, max.OutputBytes},
		{"file_size_bytes", l.FileSizeBytes, max.FileSizeBytes},
		{"open_files", int64(l.OpenFiles), int64(max.OpenFiles)},
		{"work_dir_bytes", l.WorkDirBytes, max.WorkDirBytes},
	}
	for _, f := range fields {
		if f.val < 0 {
			return fmt.Errorf("validate limits: %s is negative: %w", f.name, ErrBadLimit)
		}
		if f.max > 0 && f.val > f.max {
			return fmt.Errorf("validate limits: %s %d above maximum %d: %w", f.name, f.val, f.max, ErrLimitTooHigh)
		}
	}
	return nil
}

// Language describes how to build and run one language. Commands use
// absolute paths inside the sandbox and may contain the placeholders
// {mem_mb} (memory limit in MiB) and {heap_mb} (3/4 of it, for managed
// heaps) which Expand substitutes.
type Language struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	SourceFile string `json:"source_file"` // file name inside ProgramDir
	// Compile is nil for interpreted languages. It runs with ProgramDir
	// read-only and writes its outputs into WorkDir.
	Compile []string `json:"compile,omitempty"`
	// Artifacts are path.Match patterns of the WorkDir files a successful
	// compile must leave; only regular files are kept. The first pattern
	// must match at least one file or the compile is a CE.
	Artifacts []string `json:"artifacts,omitempty"`
	// Run executes the program with ProgramDir holding source + artifacts.
	Run []string `json:"run"`
	// Env is added to the sandbox's minimal environment (Compile and Run).
	Env []string `json:"env,omitempty"`
	// NoAddressSpaceLimit marks runtimes that reserve huge virtual ranges
	// (JVM, V8, Go): memory is then enforced by the cgroup (and the
	// runtime's own heap flag) instead of RLIMIT_AS.
	NoAddressSpaceLimit bool `json:"no_address_space_limit,omitempty"`
	// OOMMarkers are stderr substrings by which this runtime reports an
	// allocation failure; a failing run whose stderr holds one is MLE.
	OOMMarkers []string `json:"oom_markers,omitempty"`
}

// Compiled reports whether the language has a compile step.
func (l Language) Compiled() bool { return len(l.Compile) > 0 }

// Expand substitutes the memory placeholders in args.
func Expand(args []string, memoryBytes int64) []string {
	memMB := memoryBytes >> 20
	if memMB < 1 {
		memMB = 1
	}
	heapMB := memMB * 3 / 4
	if heapMB < 1 {
		heapMB = 1
	}
	r := strings.NewReplacer("{mem_mb}", strconv.FormatInt(memMB, 10), "{heap_mb}", strconv.FormatInt(heapMB, 10))
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = r.Replace(a)
	}
	return out
}

// ArtifactAllowed reports whether a WorkDir file name produced by a compile
// may be kept: a plain name (no separators, not the source) matching one of
// the language's patterns.
func (l Language) ArtifactAllowed(name string) bool {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\\\x00") || name == l.SourceFile {
		return false
	}
	for _, p := range l.Artifacts {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

const (
	javaHome = "/usr/lib/jvm/java-17-openjdk-amd64"
	goRoot   = "/usr/local/go"
)

var commonOOM = []string{"MemoryError", "std::bad_alloc", "java.lang.OutOfMemoryError",
	"JavaScript heap out of memory", "runtime: out of memory", "fatal error: out of memory", "Cannot allocate memory"}

var languages = []Language{
	{
		ID: "python", Name: "Python 3", SourceFile: "main.py",
		// -I: ignore PYTHON* variables and user site; -B: no .pyc writes.
		Run:        []string{"/usr/bin/python3", "-I", "-B", ProgramDir + "/main.py"},
		OOMMarkers: commonOOM,
	},
	{
		ID: "javascript", Name: "JavaScript (Node.js 20)", SourceFile: "main.js",
		Run:                 []string{"/usr/bin/node", "--max-old-space-size={heap_mb}", ProgramDir + "/main.js"},
		NoAddressSpaceLimit: true,
		OOMMarkers:          commonOOM,
	},
	{
		ID: "go", Name: "Go", SourceFile: "main.go",
		Compile:   []string{goRoot + "/bin/go", "build", "-trimpath", "-o", WorkDir + "/main", ProgramDir + "/main.go"},
		Artifacts: []string{"main"},
		Run:       []string{ProgramDir + "/main"},
		// GOCACHE is provided by the runner (a prebuilt standard library
		// cache); GOTOOLCHAIN=local and GOPROXY=off forbid any download.
		Env: []string{"GOROOT=" + goRoot, "GOPATH=/tmp/gopath", "GOTOOLCHAIN=local", "GOPROXY=off",
			"CGO_ENABLED=0", "GOTELEMETRY=off", "GOMAXPROCS=2"},
		NoAddressSpaceLimit: true,
		OOMMarkers:          commonOOM,
	},
	{
		ID: "c", Name: "C (GCC, C17)", SourceFile: "main.c",
		Compile:    []string{"/usr/bin/gcc", "-std=gnu17", "-O2", "-pipe", "-o", WorkDir + "/main", ProgramDir + "/main.c", "-lm"},
		Artifacts:  []string{"main"},
		Run:        []string{ProgramDir + "/main"},
		OOMMarkers: commonOOM,
	},
	{
		ID: "cpp", Name: "C++ (G++, C++17)", SourceFile: "main.cpp",
		Compile:    []string{"/usr/bin/g++", "-std=gnu++17", "-O2", "-pipe", "-o", WorkDir + "/main", ProgramDir + "/main.cpp"},
		Artifacts:  []string{"main"},
		Run:        []string{ProgramDir + "/main"},
		OOMMarkers: commonOOM,
	},
	{
		ID: "java", Name: "Java 17", SourceFile: "Main.java",
		Compile: []string{javaHome + "/bin/javac", "-J-Xmx{heap_mb}m", "-J-XX:+UseSerialGC", "-J-XX:TieredStopAtLevel=1",
			"-J-Xshare:auto", "-J-XX:-UsePerfData", "-encoding", "UTF-8", "-d", WorkDir, ProgramDir + "/Main.java"},
		Artifacts: []string{"*.class"},
		Run: []string{javaHome + "/bin/java", "-Xmx{heap_mb}m", "-Xss64m", "-XX:+UseSerialGC",
			"-XX:TieredStopAtLevel=1", "-Xshare:auto", "-XX:-UsePerfData", "-cp", ProgramDir, "Main"},
		NoAddressSpaceLimit: true,
		OOMMarkers:          commonOOM,
	},
}

var (
	langOnce  sync.Once
	langIndex map[string]Language
)

// Languages returns the supported languages, sorted by ID. The slice is a
// copy: callers may modify it.
func Languages() []Language {
	out := make([]Language, 0, len(languages))
	for _, l := range languages {
		out = append(out, cloneLanguage(l))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// LookupLanguage finds a language by ID (also accepting the aliases
// "python3", "js", "node", "c++", "golang").
func LookupLanguage(id string) (Language, error) {
	langOnce.Do(func() {
		langIndex = map[string]Language{}
		for _, l := range languages {
			langIndex[l.ID] = l
		}
		for alias, id := range map[string]string{"python3": "python", "py": "python", "js": "javascript", "node": "javascript",
			"c++": "cpp", "golang": "go"} {
			langIndex[alias] = langIndex[id]
		}
	})
	l, ok := langIndex[strings.ToLower(strings.TrimSpace(id))]
	if !ok {
		return Language{}, fmt.Errorf("lookup language %q: %w", id, ErrUnknownLanguage)
	}
	return cloneLanguage(l), nil
}

func cloneLanguage(l Language) Language {
	l.Compile = append([]string(nil), l.Compile...)
	l.Artifacts = append([]string(nil), l.Artifacts...)
	l.Run = append([]string(nil), l.Run...)
	l.Env = append([]string(nil), l.Env...)
	l.OOMMarkers = append([]string(nil), l.OOMMarkers...)
	return l
}
