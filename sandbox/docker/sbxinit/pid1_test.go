//go:build linux

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hirebus/hirebus/sandbox/docker/internal/sbxproto"
)

// procsWith lists host processes whose command line contains marker.
func procsWith(marker string) []string {
	var out []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		b, err := os.ReadFile(d + "/cmdline")
		if err == nil && bytes.Contains(b, []byte(marker)) {
			out = append(out, filepath.Base(d)+": "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return out
}

// TestAsPID1 runs the real sbxinit binary as PID 1 of a new PID namespace,
// as in a container, where it kills every other process of the namespace
// after the command exits: a daemon that left the process group and the
// session must not survive.
func TestAsPID1(t *testing.T) {
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare(1) not installed")
	}
	if err := exec.Command("unshare", "--pid", "--fork", "--mount-proc", "true").Run(); err != nil {
		t.Skipf("cannot create a PID namespace here: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "sbxinit")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build sbxinit: %v\n%s", err, out)
	}
	marker := "86397." + time.Now().Format("150405000000")
	prog := t.TempDir()
	req := &sbxproto.Request{
		Mode: sbxproto.ModeRun, Dir: t.TempDir(), ProgramDir: prog,
		Cmd: []string{"/usr/bin/python3", filepath.Join(prog, "main.py")},
		Env: []string{"PATH=/usr/bin:/bin"}, CPUTimeMS: 5000, OutputBytes: 1 << 20,
		Files: []sbxproto.File{{Name: "main.py", Mode: 0o444}},
	}
	src := "import os, sys, time\nmarker = sys.stdin.read().strip()\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        os.execv('/bin/sleep', ['sleep', marker])\n    os._exit(0)\ntime.sleep(0.3)\nprint('pid', os.getpid() > 1, 'ppid', os.getppid())\n"
	var stdin bytes.Buffer
	if err := sbxproto.WriteRequest(&stdin, req, [][]byte{[]byte(src)}); err != nil {
		t.Fatal(err)
	}
	stdin.WriteString(marker)
	cmd := exec.Command("unshare", "--pid", "--fork", "--mount-proc", bin)
	cmd.Stdin = &stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("sbxinit: %v\n%s", err, stderr.String())
		}
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("sbxinit did not finish")
	}
	progErr, rep, err := sbxproto.SplitReport(stderr.Bytes())
	if err != nil {
		t.Fatalf("report: %v\n%s", err, stderr.String())
	}
	if rep.ExitCode != 0 || rep.Error != "" || stdout.String() != "pid True ppid 1\n" {
		t.Fatalf("report %+v stdout %q stderr %q", rep, stdout.String(), progErr)
	}
	// The daemon holds the stdout pipe: only killing it before the report
	// lets sbxinit finish without waiting out its 2 s drain timeout (the
	// namespace teardown alone would kill it only after sbxinit exits).
	t.Logf("wall %d report %+v", rep.WallMS, rep)
	if rep.WallMS >= 1500 {
		t.Errorf("sbxinit took %dms: the daemon was not killed before draining output", rep.WallMS)
	}
	if procs := procsWith(marker); len(procs) > 0 {
		t.Fatalf("daemon survived sbxinit: %v", procs)
	}
}

// TestAsPID1Unprivileged runs sbxinit as PID 1 under an unprivileged uid
// without capabilities, as in the sandbox images, and checks what the
// program can do to its supervisor: it must not reach sbxinit's real
// stdout/stderr through /proc/1/fd (to forge a report), read its
// environment, or stop it with a signal.
func TestAsPID1Unprivileged(t *testing.T) {
	for _, tool := range []string{"unshare", "setpriv"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to switch to the sandbox uid")
	}
	if err := exec.Command("unshare", "--pid", "--fork", "--mount-proc", "true").Run(); err != nil {
		t.Skipf("cannot create a PID namespace here: %v", err)
	}
	const uid = "10001"
	base, err := os.MkdirTemp("", "sbxinit-unpriv-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(base, "sbxinit")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build sbxinit: %v\n%s", err, out)
	}
	prog, work := filepath.Join(base, "prog"), filepath.Join(base, "work")
	for _, d := range []string{prog, work} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(d, 10001, 10001); err != nil {
			t.Fatal(err)
		}
	}
	src := `import os, signal, sys
try:
    with open('/proc/1/fd/2', 'w') as f:
        f.write('\x00\x1ehirebus-sbxinit-report\x1e\x00{"exit_code":42}\n')
    print('fd opened')
except OSError:
    print('fd denied')
try:
    open('/proc/1/environ', 'rb').read()
    print('environ read')
except OSError:
    print('environ denied')
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    try:
        os.kill(1, s)
    except OSError:
        pass
print('uid', os.getuid())
`
	req := &sbxproto.Request{
		Mode: sbxproto.ModeRun, Dir: work, ProgramDir: prog,
		Cmd: []string{"/usr/bin/python3", filepath.Join(prog, "main.py")},
		Env: []string{"PATH=/usr/bin:/bin"}, CPUTimeMS: 5000, OutputBytes: 1 << 20,
		Files: []sbxproto.File{{Name: "main.py", Mode: 0o444}},
	}
	var stdin bytes.Buffer
	if err := sbxproto.WriteRequest(&stdin, req, [][]byte{[]byte(src)}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("unshare", "--pid", "--fork", "--mount-proc",
		"setpriv", "--reuid", uid, "--regid", uid, "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", bin)
	cmd.Stdin = &stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("sbxinit: %v\n%s", err, stderr.String())
	}
	if n := bytes.Count(stderr.Bytes(), []byte(sbxproto.Magic)); n != 1 {
		t.Errorf("stderr holds %d reports, want exactly sbxinit's own", n)
	}
	_, rep, err := sbxproto.SplitReport(stderr.Bytes())
	if err != nil {
		t.Fatalf("report: %v\n%s", err, stderr.String())
	}
	want := "fd denied\nenviron denied\nuid 10001\n"
	if rep.ExitCode != 0 || rep.Error != "" || stdout.String() != want {
		t.Fatalf("report %+v stdout %q, want %q", rep, stdout.String(), want)
	}
}
