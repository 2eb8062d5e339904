package docker

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hirebus/hirebus/sandbox"
	"github.com/hirebus/hirebus/sandbox/docker/internal/sbxproto"
	"github.com/hirebus/hirebus/sandbox/sandboxtest"
)

func mustLang(t testing.TB, id string) sandbox.Language {
	t.Helper()
	l, err := sandbox.LookupLanguage(id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestClassify(t *testing.T) {
	py := mustLang(t, "python")
	ok := &sbxproto.Report{}
	tests := []struct {
		name    string
		obs     observation
		want    sandbox.Verdict
		msg     string
		wantErr bool
	}{
		{"clean exit", observation{report: ok}, sandbox.OK, "", false},
		{"exit code", observation{report: &sbxproto.Report{ExitCode: 3}}, sandbox.RE, "exit code 3", false},
		{"signal", observation{report: &sbxproto.Report{ExitCode: 139, Signal: "SIGSEGV"}}, sandbox.RE, "killed by SIGSEGV", false},
		{"wall timeout wins over kill", observation{wallTimedOut: true, report: nil, oomKilled: true}, sandbox.TLE, "wall time limit exceeded", false},
		{"cpu exceeded", observation{report: &sbxproto.Report{CPUExceeded: true, Signal: "SIGKILL", ExitCode: 137}}, sandbox.TLE, "CPU time limit exceeded", false},
		{"supervisor saw oom kill", observation{report: &sbxproto.Report{OOMKills: 1, Signal: "SIGKILL", ExitCode: 137}}, sandbox.MLE, "memory limit exceeded", false},
		{"docker saw oom kill", observation{oomKilled: true, report: &sbxproto.Report{Signal: "SIGKILL", ExitCode: 137}}, sandbox.MLE, "memory limit exceeded", false},
		{"oom without report", observation{oomKilled: true, exitCode: 137}, sandbox.MLE, "memory limit exceeded", false},
		{"runtime oom marker", observation{report: &sbxproto.Report{ExitCode: 1}, stderr: []byte("Traceback\nMemoryError\n")}, sandbox.MLE, "memory limit exceeded (MemoryError)", false},
		{"oom marker ignored on success", observation{report: ok, stderr: []byte("MemoryError")}, sandbox.OK, "", false},
		{"output cap in supervisor", observation{report: &sbxproto.Report{OutputExceeded: true, Signal: "SIGKILL"}}, sandbox.OLE, "output limit exceeded", false},
		{"output cap in runner", observation{overflow: true}, sandbox.OLE, "output limit exceeded", false},
		{"file size", observation{report: &sbxproto.Report{Signal: "SIGXFSZ", ExitCode: 153}}, sandbox.OLE, "file size limit exceeded", false},
		{"output beats cpu", observation{report: &sbxproto.Report{OutputExceeded: true, CPUExceeded: true}}, sandbox.OLE, "output limit exceeded", false},
		{"no report is internal", observation{exitCode: 1, reportErr: sbxproto.ErrNoReport}, sandbox.IE, "", true},
		{"supervisor error is internal", observation{report: &sbxproto.Report{Error: "bad request"}}, sandbox.IE, "", true},
		{"missing interpreter is internal", observation{report: &sbxproto.Report{StartError: "exec /usr/bin/python3: no such file", ExitCode: 127}}, sandbox.IE, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, msg, err := classify(&tt.obs, py)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && (v != tt.want || msg != tt.msg) {
				t.Fatalf("classify = %s %q, want %s %q", v, msg, tt.want, tt.msg)
			}
		})
	}
}

func TestReadArtifacts(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(h *tar.Header, body string) {
		h.Size = int64(len(body))
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	add(&tar.Header{Name: "A.class", Mode: 0o644, Typeflag: tar.TypeReg}, "class A")
	add(&tar.Header{Name: "B.class", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"}, "")
	add(&tar.Header{Name: "../C.class", Mode: 0o644, Typeflag: tar.TypeReg}, "escape")
	add(&tar.Header{Name: "Main.java", Mode: 0o644, Typeflag: tar.TypeReg}, "the source")
	add(&tar.Header{Name: "notes.txt", Mode: 0o644, Typeflag: tar.TypeReg}, "not an artifact")
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	files, err := readArtifacts(buf.Bytes(), mustLang(t, "java"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].name != "A.class" || string(files[0].data) != "class A" || files[0].mode != 0o444 {
		t.Fatalf("artifacts = %+v", files)
	}
	if _, err := readArtifacts([]byte("not a tar at all, definitely not 512 bytes of header"), mustLang(t, "c")); err == nil {
		t.Fatal("garbage accepted as an artifact tar")
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr bool
	}{
		{"defaults", Config{}, false},
		{"root user", Config{User: "0:0"}, true},
		{"named user", Config{User: "sandbox"}, true},
		{"cpus too high", Config{CPUs: 1000}, true},
		{"negative pool", Config{PoolSize: -1}, true},
		{"image for unknown language", Config{Images: map[string]string{"cobol": "x"}}, true},
		{"image override", Config{Images: map[string]string{"python": "registry/py:1"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Validate(); (err != nil) != tt.wantErr {
				t.Fatalf("Validate() = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
}

// TestContainerHardening checks the container settings themselves, which is
// all that can be checked of the runner on a machine without Docker.
func TestContainerHardening(t *testing.T) {
	r := &Runner{cfg: Config{Images: map[string]string{"java": "registry/java:17"}}.WithDefaults(), instance: "abc"}
	lim := sandbox.Limits{MemoryBytes: 256 << 20, Processes: 32}.WithDefaults(sandbox.DefaultLimits())
	cfg, host := r.containerConfig(mustLang(t, "python"), lim, 1000)
	if cfg.Image != "hirebus/sandbox-python:latest" || r.Image(mustLang(t, "java")) != "registry/java:17" {
		t.Errorf("images %q / %q", cfg.Image, r.Image(mustLang(t, "java")))
	}
	if cfg.User != "10001:10001" || !cfg.NetworkDisabled || len(cfg.Env) != 0 || cfg.Entrypoint[0] != SupervisorPath {
		t.Errorf("config %+v", cfg)
	}
	if !cfg.OpenStdin || !cfg.StdinOnce || cfg.Tty {
		t.Errorf("stdin settings %+v", cfg)
	}
	if cfg.Labels[LabelInstance] != "abc" || cfg.Labels[LabelSandbox] != "1" {
		t.Errorf("labels %v", cfg.Labels)
	}
	if host.NetworkMode != "none" || !host.ReadonlyRootfs || host.Privileged {
		t.Errorf("network %q readonly %v privileged %v", host.NetworkMode, host.ReadonlyRootfs, host.Privileged)
	}
	if len(host.CapDrop) != 1 || host.CapDrop[0] != "ALL" || len(host.CapAdd) != 0 {
		t.Errorf("capabilities drop %v add %v", host.CapDrop, host.CapAdd)
	}
	if len(host.SecurityOpt) != 1 || host.SecurityOpt[0] != "no-new-privileges:true" {
		t.Errorf("security opts %v (the default seccomp profile must stay)", host.SecurityOpt)
	}
	if host.Memory != host.MemorySwap || host.Memory < lim.MemoryBytes || host.Memory > lim.MemoryBytes+64<<20 {
		t.Errorf("memory %d swap %d for limit %d", host.Memory, host.MemorySwap, lim.MemoryBytes)
	}
	if host.PidsLimit == nil || *host.PidsLimit != 36 || host.NanoCPUs != 1e9 {
		t.Errorf("pids %v nanocpus %d", host.PidsLimit, host.NanoCPUs)
	}
	if host.LogConfig.Type != "none" || host.IpcMode != "private" {
		t.Errorf("log driver %q ipc %q", host.LogConfig.Type, host.IpcMode)
	}
	for _, dir := range []string{sandbox.ProgramDir, sandbox.WorkDir, "/tmp"} {
		opts := host.Tmpfs[dir]
		if !strings.Contains(opts, "size=") || !strings.Contains(opts, "uid=10001") || !strings.Contains(opts, "nosuid") {
			t.Errorf("tmpfs %s: %q", dir, opts)
		}
	}
	if !strings.Contains(host.Tmpfs[sandbox.WorkDir], "size=33554432,") {
		t.Errorf("work dir tmpfs %q not capped at WorkDirBytes", host.Tmpfs[sandbox.WorkDir])
	}
}

func TestProtocolRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	req := &sbxproto.Request{Mode: sbxproto.ModeRun, Cmd: []string{"/bin/cat"}, Files: []sbxproto.File{{Name: "a", Mode: 0o444}, {Name: "b"}}}
	if err := sbxproto.WriteRequest(&buf, req, [][]byte{[]byte("AAA"), []byte("BB")}); err != nil {
		t.Fatal(err)
	}
	buf.WriteString("stdin follows")
	got, err := sbxproto.ReadRequest(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got.Files[0].Size != 3 || got.Files[1].Size != 2 || got.Cmd[0] != "/bin/cat" {
		t.Fatalf("request %+v", got)
	}
	if rest := buf.String(); rest != "AAABBstdin follows" {
		t.Fatalf("ReadRequest consumed past the header: rest %q", rest)
	}
	if err := sbxproto.WriteRequest(&buf, req, nil); err == nil {
		t.Fatal("mismatched contents accepted")
	}
	if _, err := sbxproto.ReadRequest(bytes.NewReader([]byte{0xff, 0xff, 0xff, 0xff})); err == nil {
		t.Fatal("oversized header accepted")
	}

	stderr := []byte("boom\n" + sbxproto.Magic + `{"exit_code":0}` + "\n" + "more\n" + sbxproto.Magic + `{"exit_code":7}` + "\n")
	prog, rep, err := sbxproto.SplitReport(stderr)
	if err != nil || rep.ExitCode != 7 || !bytes.HasPrefix(prog, []byte("boom\n")) {
		t.Fatalf("SplitReport = %q %+v %v", prog, rep, err)
	}
	if _, _, err := sbxproto.SplitReport([]byte("no trailer")); !errors.Is(err, sbxproto.ErrNoReport) {
		t.Fatalf("SplitReport(no trailer) = %v", err)
	}
}

// dockerRunner connects to the daemon at DOCKER_HOST (or the default
// socket) or skips the test with the reason.
func dockerRunner(t testing.TB, cfg Config) *Runner {
	t.Helper()
	cfg.Host = os.Getenv("DOCKER_HOST")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := Ping(ctx, cfg.Host); err != nil {
		t.Skipf("skipping the Docker runner: no Docker engine answers (%v); set DOCKER_HOST or start dockerd to run it", err)
	}
	r, err := New(ctx, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := r.CheckImages(ctx); err != nil {
		r.Close()
		t.Skipf("skipping the Docker runner: %v", err)
	}
	return r
}

func TestConformance(t *testing.T) {
	sandboxtest.Run(t, func(t *testing.T) sandbox.Runner { return dockerRunner(t, Config{}) })
}

func TestConformanceWarmPool(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	sandboxtest.Run(t, func(t *testing.T) sandbox.Runner { return dockerRunner(t, Config{PoolSize: 2}) })
}

func benchmarkHello(b *testing.B, cfg Config, langID, src string) {
	r := dockerRunner(b, cfg)
	defer r.Close()
	ctx := context.Background()
	p, res, err := r.Compile(ctx, mustLang(b, langID), []byte(src), sandbox.Limits{})
	if err != nil || p == nil {
		b.Fatalf("compile: %v %+v", err, res)
	}
	defer p.Close()
	b.ResetTimer()
	for b.Loop() {
		res, err := r.Run(ctx, p, nil, sandbox.Limits{})
		if err != nil || res.Verdict != sandbox.OK {
			b.Fatalf("run: %v %+v", err, res)
		}
	}
}

func BenchmarkDockerRunC(b *testing.B) {
	benchmarkHello(b, Config{}, "c", "#include <stdio.h>\nint main(void){puts(\"hi\");return 0;}\n")
}

func BenchmarkDockerRunPython(b *testing.B) {
	benchmarkHello(b, Config{}, "python", "print('hi')\n")
}

func BenchmarkDockerRunCWarmPool(b *testing.B) {
	benchmarkHello(b, Config{PoolSize: 4}, "c", "#include <stdio.h>\nint main(void){puts(\"hi\");return 0;}\n")
}
