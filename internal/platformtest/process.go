package platformtest

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hirebus/hirebus/internal/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// WorkerProcess is a `hirebus worker ROLE` process run against the
// platform's database and JetStream server, as an operator runs replicas:
// its own NATS connection, database pool and outbox relay.
type WorkerProcess struct {
	Role       string
	MetricsURL string // its /metrics (HIREBUS_METRICS_ADDR on a free port)
	cmd        *exec.Cmd
	done       chan struct{}
	out        *lockedBuffer
	stopOnce   sync.Once
}

// StartWorkerProcess starts `hirebus worker role` (built once per test
// binary) with extra "KEY=value" environment, waits until its metrics
// listener answers, and stops it (SIGTERM, then SIGKILL after 10 s) at
// cleanup. Its output is logged when the test fails.
func (p *Platform) StartWorkerProcess(t testing.TB, role string, env ...string) *WorkerProcess {
	t.Helper()
	bin := testutil.HirebusBinary(t)
	port := testutil.FreePorts(t, 1)[0]
	w := &WorkerProcess{Role: role, MetricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", port), done: make(chan struct{}), out: &lockedBuffer{}}
	var base []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HIREBUS_") {
			base = append(base, kv)
		}
	}
	cmd := exec.Command(bin, "worker", role)
	cmd.Env = append(append(base,
		"HIREBUS_MYSQL_DSN="+p.DSN,
		"HIREBUS_NATS_URL="+p.NATSURL,
		"HIREBUS_DATA_DIR="+t.TempDir(),
		"HIREBUS_SMTP_ADDR="+p.Mailbox.Addr(),
		fmt.Sprintf("HIREBUS_METRICS_ADDR=127.0.0.1:%d", port),
		"HIREBUS_LOG_LEVEL=warn",
	), env...)
	cmd.Stdout, cmd.Stderr = w.out, w.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlives the test binary
	if err := cmd.Start(); err != nil {
		t.Fatalf("platformtest: start hirebus worker %s: %v", role, err)
	}
	w.cmd = cmd
	go func() { _ = cmd.Wait(); close(w.done) }()
	t.Cleanup(func() {
		w.Stop()
		if t.Failed() {
			t.Logf("--- hirebus worker %s (pid %d) output:\n%s", role, cmd.Process.Pid, w.out.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case <-w.done:
			t.Fatalf("platformtest: hirebus worker %s exited: %s", role, w.out.String())
		default:
		}
		if r, err := http.Get(w.MetricsURL); err == nil {
			r.Body.Close()
			if r.StatusCode == http.StatusOK {
				return w
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("platformtest: hirebus worker %s: metrics not answering after 30 s: %s", role, w.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the process gracefully (SIGTERM; SIGKILL after 10 s).
func (w *WorkerProcess) Stop() {
	w.stopOnce.Do(func() {
		_ = w.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-w.done:
		case <-time.After(10 * time.Second):
			_ = w.cmd.Process.Kill()
			<-w.done
		}
	})
}

// CPU is the user and system CPU time the process used so far (0 once it
// has exited).
func (w *WorkerProcess) CPU() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", w.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// Fields after the command name in parentheses: state is field 3,
	// utime and stime are fields 14 and 15, in clock ticks (USER_HZ, 100
	// on Linux).
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * (time.Second / 100)
}

// Metrics returns the process's current metric families (its /metrics).
func (w *WorkerProcess) Metrics(t testing.TB) map[string]*dto.MetricFamily {
	t.Helper()
	r, err := http.Get(w.MetricsURL)
	if err != nil {
		t.Fatalf("platformtest: metrics of hirebus worker %s: %v", w.Role, err)
	}
	defer r.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(r.Body)
	if err != nil {
		t.Fatalf("platformtest: metrics of hirebus worker %s: %v", w.Role, err)
	}
	return fams
}

// Counter is the value of counter name with the given label value pairs
// (0 when the process has not counted it yet).
func (w *WorkerProcess) Counter(t testing.TB, name string, labels ...string) float64 {
	t.Helper()
	mf := w.Metrics(t)[name]
	if mf == nil {
		return 0
	}
	for _, m := range mf.GetMetric() {
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				if l.GetName() == labels[i] && l.GetValue() == labels[i+1] {
					found = true
				}
			}
			match = match && found
		}
		if match {
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// Kill ends the process at once (SIGKILL), like a crash.
func (w *WorkerProcess) Kill() {
	w.stopOnce.Do(func() {
		_ = w.cmd.Process.Kill()
		<-w.done
	})
}

// Output is what the process printed so far.
func (w *WorkerProcess) Output() string { return w.out.String() }

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
