package local

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hirebus/hirebus/sandbox"
)

// Options configures a local Runner. Zero values pick defaults.
type Options struct {
	// BaseDir holds program directories and the (empty) mount point of
	// sandbox roots. Default: a fresh directory under os.TempDir(), removed
	// by Close.
	BaseDir string
	// CacheDir keeps the prebuilt Go standard-library cache across
	// processes. Default: <user cache dir>/hirebus/sandbox.
	CacheDir string
	// Slots is how many sandboxes may run at once; further calls wait.
	// Default runtime.NumCPU().
	Slots int
	// DisableCgroups forces rlimit-only enforcement.
	DisableCgroups bool
	// MaxArtifactBytes caps what a compile may keep. Default 64 MiB.
	MaxArtifactBytes int64
	// AddressSpaceCeiling is RLIMIT_AS for native programs while a cgroup
	// enforces memory (a backstop that still lets a big allocation reach
	// the cgroup and be reported as MLE). Default 8 GiB. Without cgroups,
	// RLIMIT_AS is the memory limit itself.
	AddressSpaceCeiling int64
	// InitPath is the sandbox init binary. Empty: hirebus-sandbox-init
	// next to the running executable when it exists, is not writable by
	// others and passes a probe run; otherwise the running executable
	// itself (/proc/self/exe, which needs MaybeRunInit in main). "self"
	// forces the latter.
	InitPath string
	Logger   *slog.Logger
}

// Runner is the local namespace runner. Safe for concurrent use.
type Runner struct {
	opts     Options
	ownBase  bool
	rootDir  string
	progsDir string
	binds    []bindMount
	symlinks [][2]string
	cg       *cgroups
	slots    chan struct{}
	closed   atomic.Bool
	// active is read-held by every sandbox in flight; Close takes it
	// exclusively to wait for them.
	active sync.RWMutex

	goOnce sync.Mutex
	goWarm bool

	mu        sync.Mutex
	openProgs map[string]bool // program directories of open Programs

	initPath string
}

var _ sandbox.Runner = (*Runner)(nil)
var _ sandbox.LeftoverChecker = (*Runner)(nil)

// initWired is set by MaybeRunInit; without it a re-exec would run the
// caller's main (or every test) instead of the init.
var initWired atomic.Bool

// ErrInitNotWired is returned by New when MaybeRunInit was not called.
var ErrInitNotWired = errors.New("local.MaybeRunInit must be called first in main and TestMain")

// New checks the host and prepares a runner.
func New(opts Options) (*Runner, error) {
	if !initWired.Load() {
		return nil, fmt.Errorf("new local runner: %w", ErrInitNotWired)
	}
	if os.Geteuid() != 0 {
		// A second uid mapping (root for the init, nobody for the
		// program) needs privilege in the parent namespace.
		return nil, fmt.Errorf("new local runner: needs root (uid map for the sandbox user): %w", errors.ErrUnsupported)
	}
	if opts.Slots <= 0 {
		opts.Slots = runtime.NumCPU()
	}
	if opts.MaxArtifactBytes <= 0 {
		opts.MaxArtifactBytes = 64 << 20
	}
	if opts.AddressSpaceCeiling <= 0 {
		opts.AddressSpaceCeiling = 8 << 30
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.CacheDir == "" {
		d, err := os.UserCacheDir()
		if err != nil {
			d = os.TempDir()
		}
		opts.CacheDir = filepath.Join(d, "hirebus", "sandbox")
	}
	r := &Runner{opts: opts, slots: make(chan struct{}, opts.Slots), openProgs: map[string]bool{}}
	if opts.BaseDir == "" {
		removeStale(os.TempDir())
		d, err := os.MkdirTemp("", fmt.Sprintf("hirebus-sandbox-%d-", os.Getpid()))
		if err != nil {
			return nil, fmt.Errorf("new local runner: %w", err)
		}
		r.opts.BaseDir, r.ownBase = d, true
	}
	// The sandbox user must traverse BaseDir to reach nothing: binds are
	// made by init (root in the namespace), so 0700 is fine.
	r.rootDir = filepath.Join(r.opts.BaseDir, "root")
	r.progsDir = filepath.Join(r.opts.BaseDir, "programs")
	for _, d := range []string{r.opts.BaseDir, r.rootDir, r.progsDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("new local runner: %w", err)
		}
	}
	// Compiled programs run from a bind of a directory below BaseDir; the
	// bind inherits (and may not drop) the host mount's noexec.
	var sfs unix.Statfs_t
	if err := unix.Statfs(r.progsDir, &sfs); err == nil && sfs.Flags&unix.ST_NOEXEC != 0 {
		r.Close()
		return nil, fmt.Errorf("new local runner: %s is on a noexec mount; set Options.BaseDir elsewhere: %w", r.progsDir, errors.ErrUnsupported)
	}
	r.binds, r.symlinks = hostLayout()
	r.initPath = "/proc/self/exe"
	if !opts.DisableCgroups {
		cg, err := detectCgroups(fmt.Sprintf("hirebus-sandbox-%d-%s", os.Getpid(), randomID()[:6]))
		if err != nil {
			opts.Logger.Warn("sandbox: cgroups unavailable, enforcing memory with rlimits only", "err", err)
		} else {
			r.cg = cg
		}
	}
	if err := r.chooseInit(opts.InitPath); err != nil {
		r.Close()
		return nil, fmt.Errorf("new local runner: %w", err)
	}
	return r, nil
}

// InitBinaryName is the file name of the separate init binary looked up
// next to the running executable.
const InitBinaryName = "hirebus-sandbox-init"

// chooseInit picks the init binary and proves it works with one probe run.
func (r *Runner) chooseInit(path string) error {
	if path == "self" {
		return nil
	}
	explicit := path != ""
	if !explicit {
		exe, err := os.Executable()
		if err != nil {
			return nil
		}
		path = filepath.Join(filepath.Dir(exe), InitBinaryName)
		if _, err := os.Stat(path); err != nil {
			return nil // not installed: re-execute ourselves
		}
	}
	err := trustedBinary(path)
	if err == nil {
		r.initPath = path
		err = r.probe()
	}
	if err != nil {
		r.initPath = "/proc/self/exe"
		if explicit {
			return fmt.Errorf("init binary %s: %w", path, err)
		}
		r.opts.Logger.Warn("sandbox: not using the init binary; re-executing hirebus instead (slower)", "path", path, "err", err)
	}
	return nil
}

// trustedBinary refuses an init binary others could have replaced: it
// runs as root in every sandbox.
func trustedBinary(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !fi.Mode().IsRegular() || !ok {
		return errors.New("not a regular file")
	}
	if fi.Mode().Perm()&0o022 != 0 || (st.Uid != 0 && int(st.Uid) != os.Geteuid()) {
		return errors.New("writable by others or owned by another user")
	}
	return nil
}

// probe runs /usr/bin/true in a sandbox.
func (r *Runner) probe() error {
	dir, err := os.MkdirTemp(r.progsDir, "probe-")
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	defer os.RemoveAll(dir)
	lang := sandbox.Language{ID: "probe", SourceFile: "probe", Run: []string{"/usr/bin/true"}}
	res, _, err := r.execute(context.Background(), execSpec{lang: lang, args: lang.Run, progDir: dir,
		lim: sandbox.Limits{Time: 5 * time.Second, WallTime: 10 * time.Second}.WithDefaults(sandbox.DefaultLimits())})
	if err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	if res.Verdict != sandbox.OK {
		return fmt.Errorf("probe: %s %s %s", res.Verdict, res.Message, res.Stderr)
	}
	return nil
}

// staleOwner returns the pid in a "hirebus-sandbox-<pid>-…" name when that
// process is gone, i.e. a runner that died without Close.
func staleOwner(name string) (int, bool) {
	rest, ok := strings.CutPrefix(name, "hirebus-sandbox-")
	if !ok {
		return 0, false
	}
	pidStr, _, ok := strings.Cut(rest, "-")
	if !ok {
		return 0, false
	}
	pid, err := strconv.Atoi(pidStr)
	if err != nil || pid <= 0 || pid == os.Getpid() {
		return 0, false
	}
	if err := unix.Kill(pid, 0); err == nil || errors.Is(err, unix.EPERM) {
		return 0, false // still running (pid reuse errs on the safe side)
	}
	return pid, true
}

// removeStale deletes base directories of dead runners.
func removeStale(tmp string) {
	entries, _ := os.ReadDir(tmp)
	for _, e := range entries {
		if _, stale := staleOwner(e.Name()); stale && e.IsDir() {
			os.RemoveAll(filepath.Join(tmp, e.Name()))
		}
	}
}

// hostLayout lists the read-only binds of the toolchains and the top-level
// links of a merged-/usr system.
func hostLayout() ([]bindMount, [][2]string) {
	var binds []bindMount
	var links [][2]string
	// One bind of /usr (fewer mounts per run), with /usr/local hidden
	// except the Go toolchain.
	binds = append(binds, bindMount{Src: "/usr", Dst: "/usr"})
	if fi, err := os.Stat("/usr/local"); err == nil && fi.IsDir() {
		binds = append(binds, bindMount{Dst: "/usr/local"})
		if fi, err := os.Stat("/usr/local/go"); err == nil && fi.IsDir() {
			binds = append(binds, bindMount{Src: "/usr/local/go", Dst: "/usr/local/go"})
		}
	}
	for _, d := range []string{"/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"} {
		fi, err := os.Lstat(d)
		if err != nil {
			continue
		}
		if fi.Mode()&os.ModeSymlink != 0 {
			if t, err := os.Readlink(d); err == nil {
				links = append(links, [2]string{d, t})
			}
		} else if fi.IsDir() {
			binds = append(binds, bindMount{Src: d, Dst: d})
		}
	}
	return binds, links
}

// Available reports whether the host has the toolchain of lang (the
// sandbox binds the host's /usr, so the same paths must exist here).
func Available(lang sandbox.Language) error {
	for _, args := range [][]string{lang.Compile, lang.Run} {
		if len(args) == 0 || strings.HasPrefix(args[0], sandbox.ProgramDir+"/") {
			continue // the program itself
		}
		fi, err := os.Stat(args[0])
		if err != nil {
			return fmt.Errorf("language %s: %w", lang.ID, err)
		}
		if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("language %s: %s is not executable by the sandbox user", lang.ID, args[0])
		}
	}
	return nil
}

// Name implements sandbox.Runner.
func (r *Runner) Name() string { return "local" }

// Cgroups reports whether memory/pids are enforced by cgroups.
func (r *Runner) Cgroups() bool { return r.cg != nil }

// Close waits for running calls and removes the runner's directories and
// cgroups.
func (r *Runner) Close() error {
	if r.closed.Swap(true) {
		return nil
	}
	r.active.Lock()
	defer r.active.Unlock()
	if r.cg != nil {
		r.cg.remove()
	}
	if r.ownBase {
		if err := os.RemoveAll(r.opts.BaseDir); err != nil {
			return fmt.Errorf("close local runner: %w", err)
		}
	}
	return nil
}

// Leftovers implements sandbox.LeftoverChecker: program directories of
// closed programs, files on the root mount point, sandbox cgroups and any
// process still inside them. Meant for when no call is in flight.
func (r *Runner) Leftovers() ([]string, error) {
	var out []string
	entries, err := os.ReadDir(r.rootDir)
	if err != nil {
		return nil, fmt.Errorf("leftovers: %w", err)
	}
	for _, e := range entries {
		out = append(out, filepath.Join(r.rootDir, e.Name()))
	}
	entries, err = os.ReadDir(r.progsDir)
	if err != nil {
		return nil, fmt.Errorf("leftovers: %w", err)
	}
	r.mu.Lock()
	for _, e := range entries {
		if p := filepath.Join(r.progsDir, e.Name()); !r.openProgs[p] {
			out = append(out, p)
		}
	}
	r.mu.Unlock()
	if r.cg != nil {
		out = append(out, r.cg.leftovers()...)
		out = append(out, r.cg.processes()...)
	}
	return out, nil
}

type program struct{ dir string }

// Compile implements sandbox.Runner.
func (r *Runner) Compile(ctx context.Context, lang sandbox.Language, source []byte, lim sandbox.Limits) (*sandbox.Program, *sandbox.Result, error) {
	if r.closed.Load() {
		return nil, nil, fmt.Errorf("compile: %w", sandbox.ErrClosed)
	}
	if err := sandbox.ValidateSource(source); err != nil {
		return nil, nil, fmt.Errorf("compile: %w", err)
	}
	if lang.SourceFile == "" || strings.ContainsAny(lang.SourceFile, "/\x00") || len(lang.Run) == 0 {
		return nil, nil, fmt.Errorf("compile: language %q: %w", lang.ID, sandbox.ErrUnknownLanguage)
	}
	dir, err := os.MkdirTemp(r.progsDir, "p-")
	if err != nil {
		return nil, nil, fmt.Errorf("compile: %w", err)
	}
	// World-readable: the sandbox user reads the bound directory.
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("compile: %w", err)
	}
	r.mu.Lock()
	r.openProgs[dir] = true
	r.mu.Unlock()
	release := func() error {
		r.mu.Lock()
		delete(r.openProgs, dir)
		r.mu.Unlock()
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("close program: %w", err)
		}
		return nil
	}
	if err := os.WriteFile(filepath.Join(dir, lang.SourceFile), source, 0o644); err != nil {
		release()
		return nil, nil, fmt.Errorf("compile: write source: %w", err)
	}
	prog := sandbox.NewProgram(lang, &program{dir: dir}, release)
	if !lang.Compiled() {
		return prog, nil, nil
	}
	lim = lim.WithDefaults(sandbox.DefaultCompileLimits())
	if err := lim.Validate(sandbox.Limits{}); err != nil {
		release()
		return nil, nil, fmt.Errorf("compile: %w", err)
	}
	goCache := ""
	if lang.ID == "go" {
		goCache = r.goCache(ctx)
	}
	res, artifacts, err := r.execute(ctx, execSpec{
		lang: lang, args: sandbox.Expand(lang.Compile, lim.MemoryBytes), progDir: dir, lim: lim,
		collect: true, goCache: goCache,
	})
	if err != nil {
		release()
		return nil, nil, fmt.Errorf("compile: %w", err)
	}
	if res.Verdict != sandbox.OK || artifacts.missing != "" {
		release()
		msg := res.Message
		if res.Verdict == sandbox.OK {
			msg = artifacts.missing
		} else if res.Verdict != sandbox.RE {
			msg = "compilation: " + msg
		}
		res.Verdict, res.Message = sandbox.CE, msg
		return nil, res, nil
	}
	if err := extractArtifacts(artifacts.tar, dir, lang); err != nil {
		release()
		return nil, nil, fmt.Errorf("compile: %w", err)
	}
	return prog, res, nil
}

// Run implements sandbox.Runner.
func (r *Runner) Run(ctx context.Context, p *sandbox.Program, stdin []byte, lim sandbox.Limits) (*sandbox.Result, error) {
	if r.closed.Load() {
		return nil, fmt.Errorf("run: %w", sandbox.ErrClosed)
	}
	if p == nil {
		return nil, errors.New("run: nil program")
	}
	h, ok := p.Handle.(*program)
	if !ok {
		return nil, errors.New("run: program was not made by the local runner")
	}
	if _, err := os.Stat(h.dir); err != nil {
		return nil, fmt.Errorf("run: program closed: %w", err)
	}
	lim = lim.WithDefaults(sandbox.DefaultLimits())
	if err := lim.Validate(sandbox.Limits{}); err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	res, _, err := r.execute(ctx, execSpec{
		lang: p.Language, args: sandbox.Expand(p.Language.Run, lim.MemoryBytes), progDir: h.dir, lim: lim, stdin: stdin,
	})
	if err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	return res, nil
}

type execSpec struct {
	lang    sandbox.Language
	args    []string
	progDir string
	lim     sandbox.Limits
	stdin   []byte
	collect bool
	goCache string
	goRW    bool
}

type artifactStream struct {
	tar     []byte
	missing string
}

// initMemorySlack is added to the cgroup limit for the sandbox's init (a Go
// process, ~10 MiB resident) so the program gets its full limit.
const initMemorySlack = 24 << 20

// execute runs one command in a fresh sandbox and judges the outcome.
func (r *Runner) execute(ctx context.Context, spec execSpec) (*sandbox.Result, artifactStream, error) {
	var arts artifactStream
	r.active.RLock()
	defer r.active.RUnlock()
	if r.closed.Load() {
		return nil, arts, sandbox.ErrClosed
	}
	select {
	case r.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, arts, fmt.Errorf("wait for a sandbox slot: %w", ctx.Err())
	}
	defer func() { <-r.slots }()

	lim := spec.lim
	cfg := initConfig{
		Proto:   initProto,
		RootDir: r.rootDir, ProgDir: spec.progDir, Binds: r.binds, Symlinks: r.symlinks,
		EtcFiles:  []string{"/etc/ld.so.cache", "/etc/java-17-openjdk", "/etc/localtime"},
		Args:      spec.args,
		Env:       sandboxEnv(spec.lang, spec.goCache != ""),
		WorkBytes: lim.WorkDirBytes,
		// Whole seconds: SIGXCPU is a backstop; the precise CPU verdict
		// comes from measured time.
		CPUSeconds: uint64((lim.Time+time.Second-1)/time.Second) + 1,
		NProc:      uint64(lim.Processes),
		FSize:      uint64(lim.FileSizeBytes),
		NoFile:     uint64(lim.OpenFiles),
		Stack:      uint64(lim.MemoryBytes),
		GoCache:    spec.goCache, GoCacheRW: spec.goRW,
		Collect: spec.collect, Artifacts: spec.lang.Artifacts, SourceFile: spec.lang.SourceFile,
		MaxArtifactBytes: r.opts.MaxArtifactBytes,
	}
	if !spec.lang.NoAddressSpaceLimit {
		if r.cg != nil {
			cfg.ASBytes = uint64(max(r.opts.AddressSpaceCeiling, lim.MemoryBytes))
		} else {
			cfg.ASBytes = uint64(lim.MemoryBytes)
		}
	}
	cfgJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, arts, fmt.Errorf("encode init config: %w", err)
	}

	var cgr *cgroupRun
	if r.cg != nil {
		cgr, err = r.cg.newRun(randomID(), lim.MemoryBytes+initMemorySlack, lim.Processes+2)
		if err != nil {
			return nil, arts, err
		}
		defer cgr.remove()
	}

	var toClose []*os.File
	defer func() {
		for _, f := range toClose {
			f.Close()
		}
	}()
	pipe := func() (*os.File, *os.File, error) {
		rd, wr, err := os.Pipe()
		if err == nil {
			toClose = append(toClose, rd, wr)
		}
		return rd, wr, err
	}
	stdinR, stdinW, err1 := pipe()
	stdoutR, stdoutW, err2 := pipe()
	stderrR, stderrW, err3 := pipe()
	cfgR, cfgW, err4 := pipe()
	statusR, statusW, err5 := pipe()
	if err := errors.Join(err1, err2, err3, err4, err5); err != nil {
		return nil, arts, fmt.Errorf("create pipes: %w", err)
	}

	cmd := &exec.Cmd{
		Path:       r.initPath,
		Args:       []string{initArg0},
		Env:        []string{}, // never the worker's environment
		Dir:        "/",
		Stdin:      stdinR,
		Stdout:     stdoutW,
		Stderr:     stderrW,
		ExtraFiles: []*os.File{cfgR, statusW},
		SysProcAttr: &syscall.SysProcAttr{
			Cloneflags: syscall.CLONE_NEWUSER | syscall.CLONE_NEWNS | syscall.CLONE_NEWPID | syscall.CLONE_NEWNET |
				syscall.CLONE_NEWIPC | syscall.CLONE_NEWUTS | syscall.CLONE_NEWCGROUP,
			UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}, {ContainerID: sandboxUID, HostID: sandboxUID, Size: 1}},
			GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}, {ContainerID: sandboxGID, HostID: sandboxGID, Size: 1}},
			// Lets init clear the supplementary groups it inherited.
			GidMappingsEnableSetgroups: true,
			Pdeathsig:                  syscall.SIGKILL,
		},
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, arts, fmt.Errorf("start sandbox init: %w", err)
	}
	// The parent's copies of the child's ends must close, or EOF never
	// comes.
	for _, f := range []*os.File{stdinR, stdoutW, stderrW, cfgR, statusW} {
		f.Close()
	}
	var killed atomic.Value // reason string
	kill := func(reason string) {
		if killed.CompareAndSwap(nil, reason) {
			cmd.Process.Kill() // PID 1 of the namespace: the whole tree dies
		}
	}
	if cgr != nil {
		if err := cgr.add(cmd.Process.Pid); err != nil {
			kill("ie")
			cmd.Wait()
			return nil, arts, err
		}
	}
	// init blocks on this read, so it is inside the cgroup before it can
	// start anything.
	if _, err := cfgW.Write(cfgJSON); err != nil {
		kill("ie")
		cmd.Wait()
		return nil, arts, fmt.Errorf("send init config: %w", err)
	}
	cfgW.Close()

	var wg sync.WaitGroup
	wg.Add(4)
	go func() {
		defer wg.Done()
		if len(spec.stdin) > 0 {
			stdinW.Write(spec.stdin) // EPIPE when the program ignores stdin is fine
		}
		stdinW.Close()
	}()
	var total atomic.Int64
	var out, errOut capture
	readCapped := func(rd *os.File, c *capture) {
		defer wg.Done()
		buf := make([]byte, 64<<10)
		for {
			n, err := rd.Read(buf)
			if n > 0 {
				t := total.Add(int64(n))
				if t > lim.OutputBytes {
					keep := n - int(t-lim.OutputBytes)
					if keep > 0 {
						c.b.Write(buf[:keep])
					}
					c.truncated = true
					kill("ole")
				} else {
					c.b.Write(buf[:n])
				}
			}
			if err != nil {
				return
			}
		}
	}
	go readCapped(stdoutR, &out)
	go readCapped(stderrR, &errOut)
	var statusBuf []byte
	go func() {
		defer wg.Done()
		statusBuf, _ = io.ReadAll(io.LimitReader(statusR, r.opts.MaxArtifactBytes+64<<10))
		io.Copy(io.Discard, statusR)
	}()

	timer := time.AfterFunc(lim.WallTime, func() { kill("wall") })
	stopCtx := context.AfterFunc(ctx, func() { kill("ctx") })
	done := make(chan struct{})
	if cgr != nil {
		// RLIMIT_CPU has one-second granularity and is per process; the
		// cgroup's CPU counter covers the whole tree, so watch it once
		// the limit could have been reached.
		go watchCPU(cgr, lim.Time, done, func() { kill("cpu") })
	}
	waitErr := cmd.Wait()
	wall := time.Since(start)
	close(done)
	timer.Stop()
	stopCtx()
	wg.Wait()

	var cgs cgroupStats
	if cgr != nil {
		cgs = cgr.stats()
	}

	var st initStatus
	haveStatus := false
	if nl := bytes.IndexByte(statusBuf, '\n'); nl >= 0 {
		if json.Unmarshal(statusBuf[:nl], &st) == nil {
			haveStatus = true
			arts.tar = statusBuf[nl+1:]
		}
	}
	reason, _ := killed.Load().(string)
	if reason == "ctx" {
		return nil, arts, fmt.Errorf("sandbox run: %w", ctx.Err())
	}
	if reason == "ie" {
		return nil, arts, errors.New("sandbox run: killed after setup failure")
	}
	if haveStatus && st.Err != "" {
		return nil, arts, fmt.Errorf("sandbox setup: %s", st.Err)
	}
	if !haveStatus && reason == "" {
		return nil, arts, fmt.Errorf("sandbox init died without a status: %v", waitErr)
	}

	res := &sandbox.Result{
		Stdout: out.b.String(), Stderr: errOut.b.String(),
		Truncated: out.truncated || errOut.truncated,
		WallMS:    wall.Milliseconds(),
	}
	var cpuUS int64
	switch {
	case cgs.HaveCPU:
		cpuUS = cgs.CPUUS - st.InitCPUUS
		if haveStatus && cpuUS < st.UserUS+st.SysUS {
			cpuUS = st.UserUS + st.SysUS
		}
	case haveStatus:
		cpuUS = st.UserUS + st.SysUS
	}
	res.TimeMS = max(cpuUS, 0) / 1000
	// Memory is what the limit is enforced on: the cgroup's peak charge
	// (anonymous memory and files the tree wrote, not shared library
	// pages). ru_maxrss is the fallback; it can never be below init's own
	// RSS because the program is forked from init before execve.
	res.MemoryKB = cgs.PeakBytes >> 10
	if res.MemoryKB == 0 {
		res.MemoryKB = st.MaxRSSKB
	}
	if haveStatus && st.Exited {
		res.ExitCode = st.ExitCode
		if st.Signal != 0 {
			res.Signal = unix.SignalName(syscall.Signal(st.Signal))
			res.ExitCode = 128 + st.Signal
		}
	} else {
		res.Signal, res.ExitCode = "SIGKILL", 128+int(syscall.SIGKILL)
	}
	if haveStatus && st.ExecErr != "" {
		// The command itself is missing or not executable: the
		// toolchain (ours) is broken, not the candidate's program.
		return nil, arts, fmt.Errorf("start program %q: %s", spec.args[0], st.ExecErr)
	}
	failed := res.Signal != "" || res.ExitCode != 0
	oomMarker := failed && hasAny(res.Stderr, spec.lang.OOMMarkers)
	switch {
	case reason == "ole":
		res.Verdict, res.Message = sandbox.OLE, fmt.Sprintf("output exceeded %d bytes", lim.OutputBytes)
	case res.Signal == "SIGXFSZ":
		res.Verdict, res.Message = sandbox.OLE, fmt.Sprintf("file size limit %d bytes exceeded", lim.FileSizeBytes)
	case cgs.OOMKills > 0:
		res.Verdict, res.Message = sandbox.MLE, "killed by the out-of-memory killer"
	case reason == "wall":
		res.Verdict, res.Message = sandbox.TLE, fmt.Sprintf("wall time limit %v exceeded", lim.WallTime)
	case reason == "cpu" || res.Signal == "SIGXCPU" || cpuUS > lim.Time.Microseconds():
		res.Verdict, res.Message = sandbox.TLE, fmt.Sprintf("CPU time limit %v exceeded", lim.Time)
	case oomMarker:
		res.Verdict, res.Message = sandbox.MLE, "allocation failed at the memory limit"
	case failed && res.Signal == "SIGKILL" && cgs.Failcnt > 0:
		res.Verdict, res.Message = sandbox.MLE, "killed at the memory limit"
	case failed:
		res.Verdict = sandbox.RE
		if res.Signal != "" {
			res.Message = "killed by " + res.Signal
		} else {
			res.Message = fmt.Sprintf("exit status %d", res.ExitCode)
		}
	default:
		res.Verdict = sandbox.OK
	}
	if spec.collect && res.Verdict == sandbox.OK {
		arts.missing = st.Missing
	}
	return res, arts, nil
}

// watchCPU kills the sandbox when the tree's CPU time passes limit. The
// init's own few milliseconds are included, which only errs by that much.
func watchCPU(cgr *cgroupRun, limit time.Duration, done <-chan struct{}, kill func()) {
	wait := limit
	for {
		select {
		case <-done:
			return
		case <-time.After(wait):
		}
		used, ok := cgr.cpuUsage()
		if !ok {
			return
		}
		if used > limit {
			kill()
			return
		}
		// Cannot reach the limit sooner than the remaining CPU time
		// spread over every core; poll at least every 100 ms.
		wait = min(max((limit-used)/time.Duration(runtime.NumCPU()), 10*time.Millisecond), 100*time.Millisecond)
	}
}

type capture struct {
	b         bytes.Buffer
	truncated bool
}

func hasAny(s string, subs []string) bool {
	for _, sub := range subs {
		if sub != "" && strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// sandboxEnv is the whole environment of a sandboxed process: nothing of
// the worker's own.
func sandboxEnv(lang sandbox.Language, goCache bool) []string {
	env := []string{
		"PATH=/usr/local/go/bin:/usr/local/bin:/usr/bin:/bin",
		"HOME=/tmp", "TMPDIR=/tmp", "LANG=C.UTF-8", "USER=nobody",
	}
	env = append(env, lang.Env...)
	if goCache {
		env = append(env, "GOCACHE=/gocache")
	} else if lang.ID == "go" {
		env = append(env, "GOCACHE=/tmp/gocache")
	}
	return env
}

// extractArtifacts writes the compile outputs into the program directory.
// Names are re-checked here (the stream comes from inside the sandbox) and
// files are created with O_EXCL|O_NOFOLLOW, so nothing can be redirected
// onto a host path.
func extractArtifacts(stream []byte, dir string, lang sandbox.Language) error {
	tr := tar.NewReader(bytes.NewReader(stream))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read artifacts: %w", err)
		}
		if h.Typeflag != tar.TypeReg || !lang.ArtifactAllowed(h.Name) || h.Size < 0 {
			return fmt.Errorf("read artifacts: refused entry %q", h.Name)
		}
		f, err := os.OpenFile(filepath.Join(dir, h.Name), os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o755)
		if err != nil {
			return fmt.Errorf("write artifact: %w", err)
		}
		_, err = io.CopyN(f, tr, h.Size)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write artifact %s: %w", h.Name, err)
		}
	}
}

func randomID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// goWarmSource imports the packages candidates use, so their objects are in
// the shared cache.
const goWarmSource = `package main

import (
	"bufio"
	"bytes"
	"container/heap"
	"container/list"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"math/big"
	"math/bits"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

var _ = []any{bufio.NewReader, bytes.NewBuffer, heap.Init, list.New, errors.New, fmt.Println, io.EOF, maps.Keys[map[int]int],
	math.Sqrt, big.NewInt, bits.Len, os.Exit, regexp.MustCompile, slices.Sort[[]int], sort.Ints, strconv.Itoa, strings.Split,
	time.Now, unicode.IsDigit}

func main() {}
`

// goCache returns the host directory of the prebuilt Go cache, building it
// once (in a sandbox, from our own trusted source) if needed; "" when that
// failed, in which case go build starts from an empty cache.
func (r *Runner) goCache(ctx context.Context) string {
	r.goOnce.Lock()
	defer r.goOnce.Unlock()
	if r.goWarm {
		return r.cacheDir()
	}
	// The cache is written by the sandbox user during the warm-up, so its
	// parent stays root-only: no host process of that uid can reach and
	// poison it. Compiles see it only through their private overlay.
	if err := os.MkdirAll(r.opts.CacheDir, 0o700); err != nil {
		r.opts.Logger.Warn("sandbox: go cache unusable", "err", err)
		return ""
	}
	if err := os.Chmod(r.opts.CacheDir, 0o700); err != nil {
		r.opts.Logger.Warn("sandbox: go cache unusable", "err", err)
		return ""
	}
	dir := r.cacheDir()
	marker := dir + ".warm" // outside the cache: compiles never see it
	if _, err := os.Stat(marker); err == nil {
		r.goWarm = true
		return dir
	}
	if err := r.warmGoCache(ctx, dir); err != nil {
		r.opts.Logger.Warn("sandbox: go cache warm-up failed; go builds will be slow", "err", err)
		return ""
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		return ""
	}
	r.goWarm = true
	return dir
}

func (r *Runner) cacheDir() string {
	v, _ := os.ReadFile("/usr/local/go/VERSION")
	ver, _, _ := strings.Cut(string(v), "\n")
	return filepath.Join(r.opts.CacheDir, "gocache-"+strings.TrimSpace(ver))
}

// WarmUp prepares what the first compile would otherwise wait for (the Go
// standard-library cache, ~10 s on two cores); the worker may call it in
// the background at start. Safe to call more than once.
func (r *Runner) WarmUp(ctx context.Context) error {
	if r.closed.Load() {
		return fmt.Errorf("warm up: %w", sandbox.ErrClosed)
	}
	if r.goCache(ctx) == "" {
		return errors.New("warm up: go cache could not be built")
	}
	return nil
}

func (r *Runner) warmGoCache(ctx context.Context, dir string) error {
	os.RemoveAll(dir) // a half-built cache from an interrupted warm-up
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("warm go cache: %w", err)
	}
	// The compile user writes it during the warm-up only.
	if err := os.Chown(dir, sandboxUID, sandboxGID); err != nil {
		return fmt.Errorf("warm go cache: %w", err)
	}
	lang, err := sandbox.LookupLanguage("go")
	if err != nil {
		return err
	}
	progDir, err := os.MkdirTemp(r.progsDir, "warm-")
	if err != nil {
		return fmt.Errorf("warm go cache: %w", err)
	}
	defer os.RemoveAll(progDir)
	os.Chmod(progDir, 0o755)
	if err := os.WriteFile(filepath.Join(progDir, lang.SourceFile), []byte(goWarmSource), 0o644); err != nil {
		return fmt.Errorf("warm go cache: %w", err)
	}
	lim := sandbox.Limits{Time: 10 * time.Minute, WallTime: 15 * time.Minute, MemoryBytes: 2 << 30}.WithDefaults(sandbox.DefaultCompileLimits())
	res, _, err := r.execute(ctx, execSpec{lang: lang, args: lang.Compile, progDir: progDir, lim: lim, goCache: dir, goRW: true})
	if err != nil {
		return fmt.Errorf("warm go cache: %w", err)
	}
	if res.Verdict != sandbox.OK {
		return fmt.Errorf("warm go cache: %s %s: %s", res.Verdict, res.Message, res.Stderr)
	}
	return nil
}
