package local

import (
	"archive/tar"
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/hirebus/hirebus/sandbox"
)

// initArg0 is argv[0] of the re-executed binary when it must act as the
// sandbox's init. argv[0] (not an environment variable) marks it because the
// init process gets an empty environment.
const initArg0 = "hirebus-sandbox-init"

// File descriptors of the init process besides stdio.
const (
	fdConfig = 3 // parent → init: initConfig (JSON), then EOF
	fdStatus = 4 // init → parent: initStatus (JSON line), then artifact tar
)

// Sandbox user: unprivileged ids inside the user namespace, mapped to the
// same host ids (nobody/nogroup).
const (
	sandboxUID = 65534
	sandboxGID = 65534
)

// bindMount is a read-only bind of Src at Dst or, with Src empty, an
// empty read-only tmpfs at Dst that hides what a previous bind brought.
type bindMount struct {
	Src string `json:"src"`
	Dst string `json:"dst"`
}

// initConfig is everything init needs; it travels over a pipe so nothing
// about the run appears in argv or the environment.
type initConfig struct {
	Proto     int         `json:"proto"`    // must equal initProto (a stale helper binary fails the probe)
	RootDir   string      `json:"root_dir"` // empty host directory to build the new root on
	ProgDir   string      `json:"prog_dir"` // host directory bound read-only at sandbox.ProgramDir
	Binds     []bindMount `json:"binds"`    // read-only binds of toolchains
	Symlinks  [][2]string `json:"symlinks"` // [name in root, target]
	EtcFiles  []string    `json:"etc_files"`
	GoCache   string      `json:"go_cache"`    // host dir for GOCACHE at /gocache ("" = none)
	GoCacheRW bool        `json:"go_cache_rw"` // warm-up: bind it writable instead of an overlay
	Args      []string    `json:"args"`
	Env       []string    `json:"env"`
	WorkBytes int64       `json:"work_bytes"`

	CPUSeconds uint64 `json:"cpu_seconds"`
	ASBytes    uint64 `json:"as_bytes"` // 0 = no address-space limit
	NProc      uint64 `json:"nproc"`
	FSize      uint64 `json:"fsize"`
	NoFile     uint64 `json:"nofile"`
	Stack      uint64 `json:"stack"`

	// Collect asks init to stream the compile artifacts back after a
	// successful exit.
	Collect          bool     `json:"collect"`
	Artifacts        []string `json:"artifacts"`
	SourceFile       string   `json:"source_file"`
	MaxArtifactBytes int64    `json:"max_artifact_bytes"`
}

// initProto versions initConfig/initStatus: a separately built
// hirebus-sandbox-init must speak the runner's protocol.
const initProto = 1

// initStatus is init's report; a missing status means init was killed.
type initStatus struct {
	Err       string `json:"err,omitempty"`     // setup failed (IE)
	ExecErr   string `json:"exec,omitempty"`    // the program could not be started
	Exited    bool   `json:"exited"`            // main process finished
	ExitCode  int    `json:"exit_code"`         // when exited normally
	Signal    int    `json:"signal"`            // when killed by a signal
	UserUS    int64  `json:"user_us"`           // rusage of the main process and its reaped children
	SysUS     int64  `json:"sys_us"`            //
	MaxRSSKB  int64  `json:"max_rss_kb"`        //
	InitCPUUS int64  `json:"init_cpu_us"`       // init's own CPU, to subtract from cgroup totals
	Artifacts int    `json:"artifacts"`         // files in the following tar stream
	Missing   string `json:"missing,omitempty"` // why no artifacts were produced
}

// MaybeRunInit must be the first statement of main() of every binary that
// uses this runner (cmd/hirebus) and of TestMain in test packages that use
// it: when the process was re-executed as a sandbox init it runs the init
// and exits; otherwise it returns immediately.
func MaybeRunInit() {
	if len(os.Args) == 0 || os.Args[0] != initArg0 {
		initWired.Store(true)
		return
	}
	os.Exit(runInit())
}

func runInit() int {
	// ptrace requests must come from the thread that started the tracee,
	// and mount/namespace state is simplest on one thread.
	runtime.LockOSThread()
	status := os.NewFile(fdStatus, "status")
	cfgFile := os.NewFile(fdConfig, "config")
	var cfg initConfig
	err := json.NewDecoder(io.LimitReader(cfgFile, 1<<20)).Decode(&cfg)
	cfgFile.Close()
	if err != nil {
		writeStatus(status, initStatus{Err: "init: read config: " + err.Error()}, nil)
		return 1
	}
	if cfg.Proto != initProto {
		writeStatus(status, initStatus{Err: fmt.Sprintf("init: protocol %d, runner speaks %d: rebuild hirebus-sandbox-init", initProto, cfg.Proto)}, nil)
		return 1
	}
	if err := setupRoot(&cfg); err != nil {
		writeStatus(status, initStatus{Err: err.Error()}, nil)
		return 1
	}
	st := runChild(&cfg)
	var artifacts []string
	if cfg.Collect && st.Exited && st.ExitCode == 0 && st.ExecErr == "" {
		artifacts, st.Missing = listArtifacts(&cfg)
		st.Artifacts = len(artifacts)
	}
	var self unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &self) == nil {
		st.InitCPUUS = tvUS(self.Utime) + tvUS(self.Stime)
	}
	writeStatus(status, st, artifacts)
	return 0
}

func writeStatus(f *os.File, st initStatus, artifacts []string) {
	w := bufio.NewWriterSize(f, 64<<10)
	b, _ := json.Marshal(st)
	w.Write(append(b, '\n'))
	if len(artifacts) > 0 {
		tw := tar.NewWriter(w)
		for _, name := range artifacts {
			if err := tarFile(tw, name); err != nil {
				break // the parent sees a short stream and reports IE
			}
		}
		tw.Close()
	}
	w.Flush()
	f.Close()
}

// tarFile adds one artifact. It runs inside the sandbox's mount namespace,
// so even a raced link could only point at sandbox files; O_NOFOLLOW and the
// fstat check keep it to regular files anyway.
func tarFile(tw *tar.Writer, name string) error {
	f, err := os.OpenFile(filepath.Join(sandbox.WorkDir, name), os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		return fmt.Errorf("artifact %s: not a regular file", name)
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: fi.Size(), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err = io.CopyN(tw, f, fi.Size())
	return err
}

func listArtifacts(cfg *initConfig) ([]string, string) {
	lang := sandbox.Language{SourceFile: cfg.SourceFile, Artifacts: cfg.Artifacts}
	entries, err := os.ReadDir(sandbox.WorkDir)
	if err != nil {
		return nil, "read work dir: " + err.Error()
	}
	var names []string
	var total int64
	required := false
	for _, e := range entries {
		if !e.Type().IsRegular() || !lang.ArtifactAllowed(e.Name()) {
			continue // links, directories, devices are never kept
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		total += fi.Size()
		if total > cfg.MaxArtifactBytes {
			return nil, "compile artifacts exceed the size limit"
		}
		if len(cfg.Artifacts) > 0 {
			if ok, _ := filepath.Match(cfg.Artifacts[0], e.Name()); ok {
				required = true
			}
		}
		names = append(names, e.Name())
	}
	if !required {
		return nil, "the compiler produced no program"
	}
	return names, ""
}

func tvUS(tv unix.Timeval) int64 { return tv.Sec*1e6 + tv.Usec }

// setupRoot builds the sandbox's root file system on a tmpfs and pivots
// into it. Everything from the host is bound read-only, nosuid, nodev.
func setupRoot(cfg *initConfig) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("init: make mounts private: %w", err)
	}
	root := cfg.RootDir
	if err := unix.Mount("tmpfs", root, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=4m,mode=0755"); err != nil {
		return fmt.Errorf("init: mount root tmpfs: %w", err)
	}
	for _, d := range []string{"etc", "dev", "proc", "tmp", "prog", "old", strings.TrimPrefix(sandbox.WorkDir, "/")} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return fmt.Errorf("init: mkdir %s: %w", d, err)
		}
	}
	var hidden []string
	for _, b := range cfg.Binds {
		dst := filepath.Join(root, b.Dst)
		if b.Src == "" {
			if err := unix.Mount("tmpfs", dst, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=16k,mode=0755"); err != nil {
				return fmt.Errorf("init: hide %s: %w", b.Dst, err)
			}
			hidden = append(hidden, dst)
			continue
		}
		if err := bindRO(b.Src, dst); err != nil {
			return err
		}
	}
	for _, dst := range hidden {
		if err := unix.Mount("", dst, "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
			return fmt.Errorf("init: remount %s read-only: %w", dst, err)
		}
	}
	for _, s := range cfg.Symlinks {
		if err := os.Symlink(s[1], filepath.Join(root, s[0])); err != nil {
			return fmt.Errorf("init: symlink %s: %w", s[0], err)
		}
	}
	if err := setupEtc(root, cfg.EtcFiles); err != nil {
		return err
	}
	if err := setupDev(root); err != nil {
		return err
	}
	if err := bindRO(cfg.ProgDir, filepath.Join(root, "prog")); err != nil {
		return err
	}
	size := fmt.Sprintf("size=%d,nr_inodes=16384", cfg.WorkBytes)
	for _, d := range []string{"tmp", strings.TrimPrefix(sandbox.WorkDir, "/")} {
		p := filepath.Join(root, d)
		if err := unix.Mount("tmpfs", p, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, size+",mode=0755"); err != nil {
			return fmt.Errorf("init: mount %s: %w", d, err)
		}
		if err := os.Chown(p, sandboxUID, sandboxGID); err != nil {
			return fmt.Errorf("init: chown %s: %w", d, err)
		}
	}
	if cfg.GoCache != "" {
		if err := setupGoCache(root, cfg); err != nil {
			return err
		}
	}
	if err := unix.Mount("proc", filepath.Join(root, "proc"), "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("init: mount proc: %w", err)
	}
	// No namespaces below ours: a program with a nested user namespace
	// would get capabilities there and reach much more kernel code.
	for _, ns := range []string{"user", "mnt", "net", "pid", "ipc", "uts", "cgroup"} {
		p := filepath.Join(root, "proc/sys/user/max_"+ns+"_namespaces")
		if err := os.WriteFile(p, []byte("0"), 0o644); err != nil && ns == "user" {
			return fmt.Errorf("init: forbid nested user namespaces: %w", err)
		}
	}
	if err := unix.PivotRoot(root, filepath.Join(root, "old")); err != nil {
		return fmt.Errorf("init: pivot_root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return fmt.Errorf("init: chdir: %w", err)
	}
	if err := unix.Unmount("/old", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("init: detach old root: %w", err)
	}
	if err := os.Remove("/old"); err != nil {
		return fmt.Errorf("init: remove old root: %w", err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
		return fmt.Errorf("init: remount root read-only: %w", err)
	}
	if err := unix.Sethostname([]byte("sandbox")); err != nil {
		return fmt.Errorf("init: sethostname: %w", err)
	}
	if err := loopbackUp(); err != nil {
		return err
	}
	// Set before the program starts and inherited: no setuid/file-caps
	// gain even if a binary with them were reachable.
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("init: no_new_privs: %w", err)
	}
	// Last: from here on init itself needs none of the denied calls.
	return installSeccomp()
}

// bindRO binds src at dst read-only. The remount must keep the source
// mount's locked flags (atime, noexec…), or the kernel refuses it inside a
// user namespace.
func bindRO(src, dst string) error {
	fi, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("init: bind %s: %w", src, err)
	}
	if fi.IsDir() {
		err = os.MkdirAll(dst, 0o755)
	} else {
		err = os.MkdirAll(filepath.Dir(dst), 0o755)
		if err == nil {
			var f *os.File
			f, err = os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o644)
			if err == nil {
				f.Close()
			}
		}
	}
	if err != nil {
		return fmt.Errorf("init: bind target %s: %w", dst, err)
	}
	if err := unix.Mount(src, dst, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("init: bind %s: %w", src, err)
	}
	var sfs unix.Statfs_t
	if err := unix.Statfs(dst, &sfs); err != nil {
		return fmt.Errorf("init: statfs %s: %w", dst, err)
	}
	keep := uintptr(sfs.Flags) & (unix.MS_NOATIME | unix.MS_NODIRATIME | unix.MS_RELATIME | unix.MS_NOEXEC)
	if err := unix.Mount("", dst, "", unix.MS_BIND|unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV|keep, ""); err != nil {
		return fmt.Errorf("init: remount %s read-only: %w", dst, err)
	}
	return nil
}

func setupEtc(root string, binds []string) error {
	etc := filepath.Join(root, "etc")
	files := map[string]string{
		"passwd":   "root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/tmp:/usr/sbin/nologin\n",
		"group":    "root:x:0:\nnogroup:x:65534:\n",
		"hosts":    "127.0.0.1 localhost\n::1 localhost\n",
		"hostname": "sandbox\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(etc, name), []byte(content), 0o644); err != nil {
			return fmt.Errorf("init: write /etc/%s: %w", name, err)
		}
	}
	for _, src := range binds {
		if _, err := os.Stat(src); err != nil {
			continue // optional: not every host has every file
		}
		if err := bindRO(src, filepath.Join(root, src)); err != nil {
			return err
		}
	}
	return nil
}

func setupDev(root string) error {
	dev := filepath.Join(root, "dev")
	if err := unix.Mount("tmpfs", dev, "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC, "size=64k,mode=0755"); err != nil {
		return fmt.Errorf("init: mount /dev: %w", err)
	}
	for _, n := range []string{"null", "zero", "full", "random", "urandom"} {
		// A bind keeps the device usable although this tmpfs, created in
		// a user namespace, is implicitly nodev.
		if err := bindDev("/dev/"+n, filepath.Join(dev, n)); err != nil {
			return err
		}
	}
	for name, target := range map[string]string{"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0",
		"stdout": "/proc/self/fd/1", "stderr": "/proc/self/fd/2"} {
		if err := os.Symlink(target, filepath.Join(dev, name)); err != nil {
			return fmt.Errorf("init: /dev/%s: %w", name, err)
		}
	}
	if err := os.Mkdir(filepath.Join(dev, "shm"), 0o1777); err != nil {
		return fmt.Errorf("init: /dev/shm: %w", err)
	}
	return nil
}

func bindDev(src, dst string) error {
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o666)
	if err != nil {
		return fmt.Errorf("init: create %s: %w", dst, err)
	}
	f.Close()
	if err := unix.Mount(src, dst, "", unix.MS_BIND, ""); err != nil {
		return fmt.Errorf("init: bind %s: %w", src, err)
	}
	return nil
}

// setupGoCache exposes the prebuilt standard-library cache at /gocache. A
// compile gets a private overlay (writes land in a tmpfs upper layer), so
// one submission can never poison the cache for the next.
func setupGoCache(root string, cfg *initConfig) error {
	dst := filepath.Join(root, "gocache")
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return fmt.Errorf("init: mkdir gocache: %w", err)
	}
	if cfg.GoCacheRW {
		if err := unix.Mount(cfg.GoCache, dst, "", unix.MS_BIND, ""); err != nil {
			return fmt.Errorf("init: bind gocache: %w", err)
		}
		return nil
	}
	ovl := filepath.Join(root, "tmp", ".gocache")
	upper, work := filepath.Join(ovl, "upper"), filepath.Join(ovl, "work")
	for _, d := range []string{upper, work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("init: mkdir %s: %w", d, err)
		}
		if err := os.Chown(d, sandboxUID, sandboxGID); err != nil {
			return fmt.Errorf("init: chown %s: %w", d, err)
		}
	}
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s,userxattr", cfg.GoCache, upper, work)
	if err := unix.Mount("overlay", dst, "overlay", unix.MS_NOSUID|unix.MS_NODEV, opts); err != nil {
		return fmt.Errorf("init: mount gocache overlay: %w", err)
	}
	return nil
}

func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("init: socket: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return fmt.Errorf("init: ifreq: %w", err)
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("init: get lo flags: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("init: lo up: %w", err)
	}
	return nil
}

// runChild starts the program as the sandbox user, applies its rlimits
// while it is stopped right after execve (ptrace), lets it go, reaps every
// process that gets reparented to init, and kills the rest of the
// namespace once the main process is gone.
func runChild(cfg *initConfig) initStatus {
	attr := &os.ProcAttr{
		Dir:   sandbox.WorkDir,
		Env:   cfg.Env,
		Files: []*os.File{os.Stdin, os.Stdout, os.Stderr},
		Sys: &syscall.SysProcAttr{
			Credential: &syscall.Credential{Uid: sandboxUID, Gid: sandboxGID, Groups: []uint32{}},
			Setsid:     true,
			Ptrace:     true,
			Pdeathsig:  syscall.SIGKILL,
		},
	}
	p, err := os.StartProcess(cfg.Args[0], cfg.Args, attr)
	// Our copies of the stdio pipes must go so the parent sees EOF when
	// the program's tree is gone.
	os.Stdin.Close()
	os.Stdout.Close()
	os.Stderr.Close()
	if err != nil {
		return initStatus{ExecErr: err.Error()}
	}
	pid := p.Pid
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, unix.WALL, nil); err != nil || !ws.Stopped() {
		unix.Kill(pid, unix.SIGKILL)
		return initStatus{Err: fmt.Sprintf("init: wait for exec stop: %v (status %v)", err, ws)}
	}
	limits := []struct {
		res int
		val uint64
	}{
		{unix.RLIMIT_CPU, cfg.CPUSeconds},
		{unix.RLIMIT_NPROC, cfg.NProc},
		{unix.RLIMIT_FSIZE, cfg.FSize},
		{unix.RLIMIT_NOFILE, cfg.NoFile},
		{unix.RLIMIT_CORE, 0},
		{unix.RLIMIT_STACK, cfg.Stack},
	}
	if cfg.ASBytes > 0 {
		limits = append(limits, struct {
			res int
			val uint64
		}{unix.RLIMIT_AS, cfg.ASBytes})
	}
	for _, l := range limits {
		lim := unix.Rlimit{Cur: l.val, Max: l.val}
		if l.res == unix.RLIMIT_CPU {
			lim.Max = l.val + 1 // SIGXCPU first, SIGKILL a second later
		}
		if err := unix.Prlimit(pid, l.res, &lim, nil); err != nil {
			unix.Kill(pid, unix.SIGKILL)
			return initStatus{Err: fmt.Sprintf("init: prlimit %d: %v", l.res, err)}
		}
	}
	if err := unix.PtraceDetach(pid); err != nil {
		unix.Kill(pid, unix.SIGKILL)
		return initStatus{Err: fmt.Sprintf("init: ptrace detach: %v", err)}
	}
	var st initStatus
	for {
		var ru unix.Rusage
		wpid, err := unix.Wait4(-1, &ws, unix.WALL, &ru)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			st.Err = "init: wait: " + err.Error()
			break
		}
		if wpid != pid || !(ws.Exited() || ws.Signaled()) {
			continue
		}
		st.Exited = true
		if ws.Signaled() {
			st.Signal = int(ws.Signal())
		} else {
			st.ExitCode = ws.ExitStatus()
		}
		st.UserUS, st.SysUS, st.MaxRSSKB = tvUS(ru.Utime), tvUS(ru.Stime), ru.Maxrss
		break
	}
	// Daemons and stray children die with the namespace; kill them now so
	// the artifact scan sees a quiet work dir.
	unix.Kill(-1, unix.SIGKILL)
	for {
		if _, err := unix.Wait4(-1, &ws, unix.WALL, nil); err != nil && !errors.Is(err, unix.EINTR) {
			break
		}
	}
	return st
}
