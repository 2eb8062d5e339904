package faults

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// scenario is one fault injected in the middle of a load.
type scenario struct {
	name string
	// fault injects the fault and returns how to undo it (restart what was
	// killed, restore the link), run after restoreAfter.
	fault        func(h *Harness) (restore func())
	restoreAfter time.Duration
	// execute sends code executes instead of OTP requests.
	execute bool
}

func killProc(name string) func(h *Harness) func() {
	return func(h *Harness) func() {
		p := h.Procs[name]
		p.Kill()
		return func() { p.Start(h.T) }
	}
}

func killLeader(stream string) func(h *Harness) func() {
	return func(h *Harness) func() {
		n := h.Leader(stream)
		h.T.Logf("killing %s, leader of %s", n.ServerName, stream)
		n.Kill()
		return func() { n.Start(h.T) }
	}
}

func killEdge(i int) func(h *Harness) func() {
	return func(h *Harness) func() {
		e := h.Edges[i]
		e.Kill()
		return func() { e.Start(h.T); h.WaitReady(e, 60*time.Second) }
	}
}

func cutMySQL(h *Harness) func() {
	h.Proxy.SetUp(false)
	return func() { h.Proxy.SetUp(true) }
}

func killAll(names ...string) func(h *Harness) func() {
	return func(h *Harness) func() {
		for _, n := range names {
			h.Procs[n].Kill()
		}
		return func() {
			for _, n := range names {
				h.Procs[n].Start(h.T)
			}
		}
	}
}

// runScenario loads the deployment for dur at rate, injects the fault a
// third of the way in, and judges every accepted command.
func runScenario(t *testing.T, h *Harness, sc scenario, first, rate int, dur time.Duration, token string) Result {
	t.Helper()
	send := h.SendOTP
	if sc.execute {
		send = func(ctx context.Context, n int) (*Cmd, error) { return h.Execute(ctx, token, n) }
	}
	var probe time.Duration
	var wg sync.WaitGroup
	cmds, gaveUp, at := h.Load(send, first, rate, dur, dur/3, func() {
		restore := sc.fault(h)
		wg.Add(2)
		go func() { defer wg.Done(); probe = h.Probe(first+900_000, time.Minute) }()
		go func() {
			defer wg.Done()
			if restore != nil {
				time.Sleep(sc.restoreAfter)
				restore()
			}
		}()
	})
	wg.Wait()
	if why := h.RetryReasons(); len(why) > 0 {
		t.Logf("%s: clients retried because of %v", sc.name, why)
	}
	r := h.Verify(sc.name, cmds, 90*time.Second, at)
	r.GaveUp, r.RecoverFresh = gaveUp, probe
	return r
}

func report(t *testing.T, title string, results []Result) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n%s\n", title, Header)
	for _, r := range results {
		fmt.Fprintln(&b, r.String())
	}
	t.Log("\n" + b.String())
	if path := os.Getenv("HIREBUS_FAULTS_REPORT"); path != "" {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintln(f, b.String())
			f.Close()
		}
	}
}

// check fails the test for any command lost, duplicated or stuck, or a
// client that no edge ever accepted.
func check(t *testing.T, results []Result) {
	t.Helper()
	for _, r := range results {
		if r.Accepted == 0 || r.Lost != 0 || r.Duplicated != 0 || r.Stuck != 0 || r.GaveUp != 0 || r.CompletedOnce+r.Failed != r.Accepted {
			t.Errorf("%s: not exactly once: %+v", r.Scenario, r)
		}
	}
}

// TestFaultsShort is the fault suite's short run for `make test`: the real
// binary on a 3-node cluster (two edges, two mail workers, all started at
// once), with a mail worker and then the CMD stream leader killed -9 under
// load.
func TestFaultsShort(t *testing.T) {
	if os.Getenv("HIREBUS_FAULTS") == "full" {
		t.Skip("the full suite runs instead")
	}
	h := Start(t, Options{Edges: 2, MailWorkers: 2})
	results := []Result{
		runScenario(t, h, scenario{name: "kill -9 mail worker", fault: killProc("mail0"), restoreAfter: 2 * time.Second}, 0, 10, 9*time.Second, ""),
		runScenario(t, h, scenario{name: "kill -9 CMD leader", fault: killLeader("CMD"), restoreAfter: 3 * time.Second}, 10_000, 10, 9*time.Second, ""),
	}
	report(t, "short fault run", results)
	check(t, results)
}

// TestFaultsFull is `make faults`: every scenario of issue 15 under a
// heavier load.
func TestFaultsFull(t *testing.T) {
	if os.Getenv("HIREBUS_FAULTS") != "full" {
		t.Skip("set HIREBUS_FAULTS=full (make faults)")
	}
	h := Start(t, Options{Edges: 2, MailWorkers: 2, CodeWorkers: 1})
	token := h.Register("faults")
	const rate, dur = 25, 24 * time.Second
	scenarios := []scenario{
		{name: "kill -9 mail worker", fault: killProc("mail0"), restoreAfter: 2 * time.Second},
		{name: "kill -9 both mail workers", fault: killAll("mail0", "mail1"), restoreAfter: 2 * time.Second},
		{name: "kill -9 edge under load", fault: killEdge(0), restoreAfter: 3 * time.Second},
		{name: "kill -9 CMD leader", fault: killLeader("CMD"), restoreAfter: 5 * time.Second},
		{name: "kill -9 EVT leader", fault: killLeader("EVT"), restoreAfter: 5 * time.Second},
		{name: "MySQL cut 5s", fault: cutMySQL, restoreAfter: 5 * time.Second},
		{name: "kill -9 code worker (executes)", fault: killProc("code0"), restoreAfter: 2 * time.Second, execute: true},
	}
	var results []Result
	only := os.Getenv("HIREBUS_FAULTS_ONLY") // a substring of scenario names
	for i, sc := range scenarios {
		if only != "" && !strings.Contains(sc.name, only) {
			continue
		}
		r := rate
		if sc.execute {
			r = 3
		}
		var watch *wsWatcher
		var pushed []string
		var wg sync.WaitGroup
		if strings.HasPrefix(sc.name, "kill -9 edge") {
			// A browser on the edge that dies moves to the other one and
			// must see every operation's result once, with no gap.
			watch = h.watchWS(token)
			ctx, cancel := context.WithTimeout(context.Background(), dur)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer cancel()
				pushed = h.executes(ctx, token, (i+1)*100_000+50_000, 500*time.Millisecond)
			}()
		}
		results = append(results, runScenario(t, h, sc, (i+1)*100_000, r, dur, token))
		t.Log(results[len(results)-1].String())
		if watch != nil {
			wg.Wait()
			missing, twice, resumes := watch.gaps(pushed, 60*time.Second)
			t.Logf("WebSocket across the edge kill: %d results pushed to a client that resumed %d times: %d missing, %d twice", len(pushed), resumes, missing, twice)
			if len(pushed) == 0 || missing != 0 || twice != 0 || resumes == 0 {
				t.Errorf("WebSocket resume across the edge kill: %d ops, %d missing, %d twice, %d resumes", len(pushed), missing, twice, resumes)
			}
		}
	}
	report(t, "full fault run", results)
	check(t, results)
}
