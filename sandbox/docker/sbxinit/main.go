//go:build linux

// Command sbxinit is PID 1 of every Docker sandbox container. It reads a
// sbxproto.Request from stdin, writes the submission's files, runs the
// command under rlimits, forwards its output within the output cap, kills
// and reaps everything the command left running, and appends a report
// (exit status, CPU time of the whole tree, peak memory, OOM kills) to
// stderr. Docker cannot report CPU time or peak memory of a finished
// container, which is why the supervisor lives inside it.
//
// It is built into each sandbox image (docker/sandbox/*.Dockerfile) from
// the standard library only.
package main

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hirebus/hirebus/sandbox/docker/internal/sbxproto"
)

const execArg = "__sbxinit_exec"

func main() {
	if len(os.Args) > 1 && os.Args[1] == execArg {
		execStage(os.Args[2:])
		return
	}
	rep := supervise(os.Stdin, os.Stdout, os.Stderr)
	writeReport(os.Stderr, rep)
}

func writeReport(w io.Writer, rep *sbxproto.Report) {
	b, _ := jsonMarshal(rep)
	_, _ = w.Write(append(append([]byte(sbxproto.Magic), b...), '\n'))
}

func prctl(op, arg uintptr) {
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, op, arg, 0)
}

const (
	prSetDumpable       = 4
	prSetChildSubreaper = 36
)

func supervise(stdin *os.File, stdout, stderr io.Writer) *sbxproto.Report {
	start := time.Now()
	pid1 := os.Getpid() == 1
	// Non-dumpable: a program running as the same uid cannot open
	// /proc/1/fd/* (our real stdout/stderr) or ptrace us.
	prctl(prSetDumpable, 0)
	// Orphans are re-parented to us so their CPU time is counted and they
	// can be reaped (PID 1 gets this anyway).
	prctl(prSetChildSubreaper, 1)
	// Signals from the program must not end the supervisor.
	signal.Ignore(syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT,
		syscall.SIGUSR1, syscall.SIGUSR2, syscall.SIGPIPE, syscall.SIGALRM, syscall.SIGTSTP,
		syscall.SIGTTIN, syscall.SIGTTOU)

	fail := func(format string, args ...any) *sbxproto.Report {
		return &sbxproto.Report{Error: fmt.Sprintf(format, args...), WallMS: time.Since(start).Milliseconds()}
	}
	req, err := sbxproto.ReadRequest(stdin)
	if err != nil {
		return fail("%v", err)
	}
	if err := validate(req); err != nil {
		return fail("bad request: %v", err)
	}
	if err := writeFiles(req, stdin); err != nil {
		return fail("write files: %v", err)
	}
	for _, c := range req.Copy {
		if _, err := os.Stat(c.From); errors.Is(err, fs.ErrNotExist) {
			continue // an image without the seed just builds more slowly
		}
		if err := copyTree(c.From, c.To); err != nil {
			return fail("copy %s: %v", c.From, err)
		}
	}

	errR, errW, err := os.Pipe()
	if err != nil {
		return fail("pipe: %v", err)
	}
	outR, outW := errR, errW
	if req.Mode == sbxproto.ModeRun {
		if outR, outW, err = os.Pipe(); err != nil {
			return fail("pipe: %v", err)
		}
	}
	statusR, statusW, err := os.Pipe()
	if err != nil {
		return fail("pipe: %v", err)
	}
	self, err := os.Executable()
	if err != nil {
		return fail("executable: %v", err)
	}
	args := append([]string{execArg,
		strconv.FormatInt(req.CPUTimeMS, 10), strconv.FormatInt(req.FileSizeBytes, 10), strconv.Itoa(req.OpenFiles), "--"},
		req.Cmd...)
	cmd := exec.Command(self, args...)
	cmd.Args[0] = "sbxinit"
	cmd.Env = req.Env
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
	cmd.Dir = req.Dir
	cmd.Stdin = stdin
	cmd.Stdout = outW
	cmd.Stderr = errW
	cmd.ExtraFiles = []*os.File{statusW}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fail("start: %v", err)
	}
	_ = outW.Close()
	if outW != errW {
		_ = errW.Close()
	}
	_ = statusW.Close()
	pgid := cmd.Process.Pid

	var (
		written  atomic.Int64
		exceeded atomic.Bool
		copies   sync.WaitGroup
	)
	killTree := func() {
		if pid1 {
			_ = syscall.Kill(-1, syscall.SIGKILL)
		} else {
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}
	}
	forward := func(dst io.Writer, src *os.File) {
		defer copies.Done()
		buf := make([]byte, 64<<10)
		for {
			n, err := src.Read(buf)
			if n > 0 && !exceeded.Load() {
				total := written.Add(int64(n))
				if req.OutputBytes > 0 && total > req.OutputBytes {
					// Forward up to the cap, then stop the program.
					keep := int64(n) - (total - req.OutputBytes)
					if keep > 0 {
						_, _ = dst.Write(buf[:keep])
					}
					exceeded.Store(true)
					killTree()
				} else {
					_, _ = dst.Write(buf[:n])
				}
			}
			if err != nil {
				return
			}
		}
	}
	var compilerOut io.Writer = stderr
	if req.Mode == sbxproto.ModeRun {
		copies.Add(2)
		go forward(stdout, outR)
		go forward(stderr, errR)
	} else {
		copies.Add(1)
		go forward(compilerOut, errR)
	}

	status, _ := io.ReadAll(statusR)
	_ = statusR.Close()
	waitErr := cmd.Wait()
	killTree()
	reapAll(pid1)
	done := make(chan struct{})
	go func() { copies.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		// Only possible outside a container, where a daemon that left our
		// process group may still hold the pipe.
	}

	rep := &sbxproto.Report{WallMS: time.Since(start).Milliseconds(), OutputExceeded: exceeded.Load()}
	if len(status) > 0 {
		rep.StartError = string(status)
	}
	if ps := cmd.ProcessState; ps != nil {
		ws := ps.Sys().(syscall.WaitStatus)
		switch {
		case ws.Signaled():
			// The shell convention, as the local runner reports it.
			rep.Signal = signalName(ws.Signal())
			rep.ExitCode = 128 + int(ws.Signal())
		default:
			rep.ExitCode = ws.ExitStatus()
		}
	} else if waitErr != nil {
		rep.Error = "wait: " + waitErr.Error()
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err == nil {
		rep.CPUTimeMS = (tvMS(ru.Utime) + tvMS(ru.Stime))
		rep.MemoryKB = ru.Maxrss
	}
	if pid1 {
		if peak, ok := cgroupPeakKB(); ok {
			rep.MemoryKB = peak
		}
		rep.OOMKills = cgroupOOMKills()
	}
	if req.CPUTimeMS > 0 && rep.CPUTimeMS > req.CPUTimeMS || rep.Signal == "SIGXCPU" {
		rep.CPUExceeded = true
	}
	if req.Mode == sbxproto.ModeCompile && rep.ExitCode == 0 && rep.Signal == "" && !rep.OutputExceeded {
		if err := writeArtifacts(stdout, req); err != nil {
			rep.Error = "artifacts: " + err.Error()
		}
	}
	return rep
}

func tvMS(tv syscall.Timeval) int64 { return tv.Sec*1000 + tv.Usec/1000 }

// reapAll collects every remaining descendant. As PID 1 everything else in
// the namespace was just SIGKILLed, so waiting until ECHILD terminates; on
// a host (tests) only already-dead orphans are collected.
func reapAll(pid1 bool) {
	deadline := time.Now().Add(3 * time.Second)
	for {
		flags := syscall.WNOHANG
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, flags, nil)
		if errors.Is(err, syscall.ECHILD) {
			return
		}
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if pid > 0 {
			continue
		}
		if !pid1 || time.Now().After(deadline) {
			return
		}
		// Something forked between kill and wait: kill again.
		_ = syscall.Kill(-1, syscall.SIGKILL)
		time.Sleep(time.Millisecond)
	}
}

func validate(req *sbxproto.Request) error {
	if req.Mode != sbxproto.ModeRun && req.Mode != sbxproto.ModeCompile {
		return fmt.Errorf("mode %q", req.Mode)
	}
	if len(req.Cmd) == 0 || !filepath.IsAbs(req.Cmd[0]) {
		return errors.New("command must start with an absolute path")
	}
	if !filepath.IsAbs(req.Dir) || !filepath.IsAbs(req.ProgramDir) {
		return errors.New("dir and program_dir must be absolute")
	}
	for _, f := range req.Files {
		if !plainName(f.Name) || f.Size < 0 {
			return fmt.Errorf("bad file %q", f.Name)
		}
	}
	return nil
}

func plainName(n string) bool {
	return n != "" && n != "." && n != ".." && !strings.ContainsAny(n, "/\\\x00")
}

// writeFiles creates the files without following links, then makes the
// program directory read-only.
func writeFiles(req *sbxproto.Request, r io.Reader) error {
	for _, f := range req.Files {
		fd, err := os.OpenFile(filepath.Join(req.ProgramDir, f.Name),
			os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, fs.FileMode(f.Mode&0o755))
		if err != nil {
			return err
		}
		_, err = io.CopyN(fd, r, f.Size)
		if cerr := fd.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return os.Chmod(req.ProgramDir, 0o555)
}

// copyTree copies regular files and directories; links are skipped.
func copyTree(from, to string) error {
	return filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(from, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(to, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case d.Type().IsRegular():
			src, err := os.Open(p)
			if err != nil {
				return err
			}
			defer src.Close()
			out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_NOFOLLOW, 0o644)
			if err != nil {
				return err
			}
			_, err = io.Copy(out, src)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
			return err
		}
		return nil
	})
}

// writeArtifacts streams the compile outputs as a tar: regular files only,
// opened with O_NOFOLLOW and re-checked with fstat, so a planted symlink
// cannot make us read a file outside the work directory.
func writeArtifacts(w io.Writer, req *sbxproto.Request) error {
	entries, err := os.ReadDir(req.Dir)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	for _, e := range entries {
		if !matchAny(req.Artifacts, e.Name()) {
			continue
		}
		f, err := os.OpenFile(filepath.Join(req.Dir, e.Name()), os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
		if err != nil {
			continue // a link or something vanished: not an artifact
		}
		st, err := f.Stat()
		if err != nil || !st.Mode().IsRegular() || (req.FileSizeBytes > 0 && st.Size() > req.FileSizeBytes) {
			f.Close()
			continue
		}
		hdr := &tar.Header{Name: e.Name(), Mode: int64(st.Mode().Perm()), Size: st.Size(), Typeflag: tar.TypeReg}
		if err := tw.WriteHeader(hdr); err != nil {
			f.Close()
			return err
		}
		_, err = io.CopyN(tw, f, st.Size())
		f.Close()
		if err != nil {
			return err
		}
	}
	return tw.Close()
}

func matchAny(patterns []string, name string) bool {
	if !plainName(name) {
		return false
	}
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

func readCgroupInt(file string) (int64, bool) {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return v, err == nil
}

// cgroupPeakKB reads the container cgroup's peak memory (v2, then v1).
func cgroupPeakKB() (int64, bool) {
	for _, f := range []string{"/sys/fs/cgroup/memory.peak", "/sys/fs/cgroup/memory/memory.max_usage_in_bytes"} {
		if v, ok := readCgroupInt(f); ok {
			return v / 1024, true
		}
	}
	return 0, false
}

func cgroupOOMKills() int64 {
	for _, f := range []string{"/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"} {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, line := range bytes.Split(b, []byte("\n")) {
			if k, v, ok := bytes.Cut(line, []byte(" ")); ok && string(k) == "oom_kill" {
				n, _ := strconv.ParseInt(string(v), 10, 64)
				return n
			}
		}
	}
	return 0
}

var signalNames = map[syscall.Signal]string{
	syscall.SIGABRT: "SIGABRT", syscall.SIGALRM: "SIGALRM", syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE",
	syscall.SIGHUP: "SIGHUP", syscall.SIGILL: "SIGILL", syscall.SIGINT: "SIGINT", syscall.SIGKILL: "SIGKILL",
	syscall.SIGPIPE: "SIGPIPE", syscall.SIGQUIT: "SIGQUIT", syscall.SIGSEGV: "SIGSEGV", syscall.SIGSYS: "SIGSYS",
	syscall.SIGTERM: "SIGTERM", syscall.SIGTRAP: "SIGTRAP", syscall.SIGUSR1: "SIGUSR1", syscall.SIGUSR2: "SIGUSR2",
	syscall.SIGXCPU: "SIGXCPU", syscall.SIGXFSZ: "SIGXFSZ",
}

func signalName(s syscall.Signal) string {
	if n, ok := signalNames[s]; ok {
		return n
	}
	return fmt.Sprintf("SIG%d", int(s))
}

// execStage runs in the child: apply rlimits to itself, then exec the
// command. Failure to exec is reported on fd 3 (closed on successful exec).
func execStage(args []string) {
	status := os.NewFile(3, "status")
	syscall.CloseOnExec(3)
	die := func(format string, a ...any) {
		msg := fmt.Sprintf(format, a...)
		_, _ = status.Write([]byte(msg))
		_, _ = os.Stderr.WriteString("sbxinit: " + msg + "\n")
		os.Exit(127)
	}
	if len(args) < 5 || args[3] != "--" {
		die("bad exec arguments")
	}
	cpuMS, _ := strconv.ParseInt(args[0], 10, 64)
	fsize, _ := strconv.ParseInt(args[1], 10, 64)
	nofile, _ := strconv.ParseInt(args[2], 10, 64)
	cmd := args[4:]
	set := func(res int, soft, hard uint64) {
		if err := syscall.Setrlimit(res, &syscall.Rlimit{Cur: soft, Max: hard}); err != nil {
			die("setrlimit %d: %v", res, err)
		}
	}
	if cpuMS > 0 {
		secs := uint64((cpuMS + 999) / 1000)
		set(syscall.RLIMIT_CPU, secs, secs+1)
	}
	if fsize > 0 {
		set(syscall.RLIMIT_FSIZE, uint64(fsize), uint64(fsize))
	}
	if nofile > 0 {
		set(syscall.RLIMIT_NOFILE, uint64(nofile), uint64(nofile))
	}
	set(syscall.RLIMIT_CORE, 0, 0)
	env := os.Environ()
	if err := syscall.Exec(cmd[0], cmd, env); err != nil {
		die("exec %s: %v", cmd[0], err)
	}
}
