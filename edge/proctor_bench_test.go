package edge_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/edge"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

var (
	benchProctorAttempts = flag.Int("proctor.attempts", 200, "BenchmarkProctorLiveFeed: simulated attempts")
	benchProctorRate     = flag.Int("proctor.rate", 2000, "BenchmarkProctorLiveFeed: signals per second, all attempts together")
	benchProctorDuration = flag.Duration("proctor.duration", 60*time.Second, "BenchmarkProctorLiveFeed: how long the attempts send")
	benchProctorBatch    = flag.Int("proctor.batch", 10, "BenchmarkProctorLiveFeed: signals per POST")
	benchProctorWorkers  = flag.String("proctor.workers", "1,2", "BenchmarkProctorLiveFeed: proctor worker processes, one sub-benchmark per comma-separated count")
	benchProctorInProc   = flag.Bool("proctor.inprocess", false, "BenchmarkProctorLiveFeed: run the proctor workers inside the benchmark process (for profiling) instead of as `hirebus worker proctor` processes")
)

// BenchmarkProctorLiveFeed: -proctor.attempts attempts send -proctor.rate
// signals per second in batches through the real edge, bus and
// -proctor.workers proctor worker processes (one sub-benchmark per count:
// 1 and 2; each a `hirebus worker proctor` with its own NATS connection,
// database pool and outbox relay), for -proctor.duration, while a
// recruiter watches the assessment over /ws. It reports the p50/p99 from the edge accepting a batch (the 202; its
// time travels in the update) to the recruiter's socket receiving it, and
// fails on a lost, duplicated or reordered signal. The whole scenario is
// one b.N round (it lasts longer than any -benchtime). To judge a run on a
// busy machine it also reports the p50/p99 of each stage on the way
// (events.ProctorStageSeconds: edge stored, worker start, committed,
// published, pushed by the edge) and the load average.
func BenchmarkProctorLiveFeed(b *testing.B) {
	for _, f := range strings.Split(*benchProctorWorkers, ",") {
		workers, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || workers < 1 {
			b.Fatalf("-proctor.workers: %q is not a worker count", f)
		}
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) { benchProctorLiveFeed(b, workers) })
	}
}

func benchProctorLiveFeed(b *testing.B, workers int) {
	p := platformtest.Start(b, platformtest.Options{EdgeConfig: func(c *edge.Config) {
		c.OTPPerIP, c.RegisterPerMin = 1_000_000, -1 // the setup registers every candidate from one address
	}})
	var procs []*platformtest.WorkerProcess
	for i := 0; i < workers; i++ {
		if *benchProctorInProc {
			p.StartProctorWorker(b)
		} else {
			procs = append(procs, p.StartWorkerProcess(b, "proctor"))
		}
	}
	rec := p.Register("brec", "recruiter")
	do := func(method, path, tok string, body any, status int) map[string]any {
		r := p.Do(method, path, tok, body)
		if r.Status != status {
			b.Fatalf("%s %s: %d %s", method, path, r.Status, r.Body)
		}
		return r.Map(b)
	}
	id := func(m map[string]any) int { return int(m["id"].(float64)) }
	cid := id(do("POST", "/api/companies", rec.Token, map[string]string{"name": "Bench"}, 201))
	job := id(do("POST", "/api/jobs", rec.Token, map[string]any{"company_id": cid, "title": "Job", "description": "x", "status": "open"}, 201))
	aid := id(do("POST", "/api/assessments", rec.Token, map[string]any{"company_id": cid, "title": "Bench", "duration_minutes": 120,
		"proctoring": map[string]any{"webcam": false, "frame_interval_s": 0},
		"questions":  []map[string]any{{"kind": "mcq", "points": 1, "prompt": "?", "options": []string{"a", "b"}, "correct": []int{0}}}}, 201))
	type attempt struct {
		id    uint64
		token string
	}
	n := *benchProctorAttempts
	atts := make([]attempt, n)
	for i := range atts {
		u := p.Register(fmt.Sprintf("bc%d", i), "candidate")
		app := id(do("POST", "/api/applications", u.Token, map[string]any{"job_id": job}, 201))
		do("POST", fmt.Sprintf("/api/assessments/%d/invitations", aid), rec.Token, map[string]any{"application_id": app}, 201)
		at := id(do("POST", fmt.Sprintf("/api/assessments/%d/start", aid), u.Token, map[string]any{"consent": true, "consent_version": assess.ConsentVersion}, 201))
		atts[i] = attempt{uint64(at), u.Token}
	}

	ws := platformtest.DialWS(b, p.URL, rec.Token, -1)
	if err := ws.Conn.WriteJSON(map[string]any{"type": "proctor.subscribe", "assessment_id": aid}); err != nil {
		b.Fatal(err)
	}
	ws.WaitFor(10*time.Second, func(m platformtest.Push) bool { return m.Type == "proctor.snapshot" })

	var mu sync.Mutex
	lat := make([]time.Duration, 0, *benchProctorRate*int(benchProctorDuration.Seconds()))
	got := map[uint64]map[uint64]int{} // attempt -> seq -> times received
	last := map[uint64]uint64{}        // attempt -> last seq received
	reordered := 0
	readDone := make(chan struct{})
	var readErr error // why the recruiter's socket stopped reading
	var readEnd time.Time
	go func() {
		defer close(readDone)
		for {
			_ = ws.Conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			var m platformtest.Push
			if err := ws.Conn.ReadJSON(&m); err != nil {
				mu.Lock()
				readErr, readEnd = err, time.Now()
				mu.Unlock()
				return
			}
			now := time.Now()
			if m.Type != events.EvtProctorUpdate {
				continue
			}
			var up events.ProctorUpdate
			if json.Unmarshal(m.Data, &up) != nil || up.Accepted == nil {
				continue
			}
			mu.Lock()
			if got[up.AttemptID] == nil {
				got[up.AttemptID] = map[uint64]int{}
			}
			for _, e := range up.Events {
				got[up.AttemptID][*e.Seq]++
				if *e.Seq <= last[up.AttemptID] {
					reordered++
				}
				last[up.AttemptID] = *e.Seq
				lat = append(lat, now.Sub(*up.Accepted))
			}
			mu.Unlock()
		}
	}()

	// Each attempt sends a batch every `every`, staggered over the first
	// interval, on a fixed schedule (a late batch does not push the later
	// ones back): rate × duration signals in all.
	batch := *benchProctorBatch
	perAttempt := float64(*benchProctorRate) / float64(n) // signals per second per attempt
	every := time.Duration(float64(time.Second) * float64(batch) / perAttempt)
	batches := int(benchProctorDuration.Seconds() * perAttempt / float64(batch))
	types := []string{events.SigWindowBlur, events.SigWindowFocus, events.SigKeystrokes, events.SigCopy}
	var sent, rejected int64
	var sendMu sync.Mutex
	stagesBefore := proctorStages(b, procs)
	cpuBefore := benchCPU(procs)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for i, a := range atts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			offset := time.Duration(i) * every / time.Duration(n) // stagger
			var seq uint64
			for k := 0; k < batches; k++ {
				time.Sleep(time.Until(start.Add(offset + time.Duration(k)*every)))
				evs := make([]map[string]any, batch)
				for j := range evs {
					seq++
					evs[j] = map[string]any{"seq": seq, "type": types[int(seq)%len(types)], "data": map[string]any{"chars": 20, "duration_ms": 2000}}
				}
				r := platformtest.Do(b, "POST", p.URL+"/api/proctor/log", a.token, map[string]any{"attempt_id": a.id, "events": evs})
				sendMu.Lock()
				if r.Status == 202 {
					sent += int64(batch)
				} else {
					rejected++
					seq -= uint64(batch) // not accepted: those seqs were never sent
				}
				sendMu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	// Drain: wait until every accepted signal arrived or nothing moves for
	// 10 s. A backlog that is still draining is late, not lost: its
	// latencies count in the percentiles.
	drainStart := time.Now()
	moved, lastCount := time.Now(), -1
	for {
		mu.Lock()
		k := len(lat)
		mu.Unlock()
		if int64(k) >= sent {
			break
		}
		if k != lastCount {
			moved, lastCount = time.Now(), k
		} else if time.Since(moved) > 10*time.Second {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	drain := time.Since(drainStart)
	b.StopTimer()
	stages := proctorStages(b, procs)
	cpu := benchCPU(procs) - cpuBefore
	_ = ws.Conn.Close()
	<-readDone
	mu.Lock()
	defer mu.Unlock()
	var received, dup int64
	for _, seqs := range got {
		for _, c := range seqs {
			received++
			if c > 1 {
				dup += int64(c - 1)
			}
		}
	}
	lost := sent - received
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(q float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[int(float64(len(lat)-1)*q)].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(sent)/benchProctorDuration.Seconds(), "signals/s")
	b.ReportMetric(float64(lost), "lost")
	b.ReportMetric(float64(dup), "duplicated")
	b.ReportMetric(float64(reordered), "reordered")
	b.ReportMetric(float64(rejected), "rejected-batches")
	for _, st := range []string{events.StageEdgeStored, events.StageWorkerStart, events.StageWorkerCommitted, events.StageWorkerPublished, events.StageEdgePushed} {
		h := stages[st].minus(stagesBefore[st])
		b.ReportMetric(h.quantile(0.50)*1000, st+"-p50-ms")
		b.ReportMetric(h.quantile(0.99)*1000, st+"-p99-ms")
	}
	// CPU of this process (edge, NATS, the simulated browsers and any
	// in-process workers) and of the worker processes per second of the
	// run: what the pipeline itself costs, whatever the machine's other
	// load (MariaDB's share is not counted).
	b.ReportMetric(cpu.Seconds()/elapsed.Seconds(), "cpu-cores")
	b.ReportMetric(drain.Seconds(), "drain-s")
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(load)); len(f) > 0 {
			if l1, err := strconv.ParseFloat(f[0], 64); err == nil {
				b.ReportMetric(l1, "loadavg-1m")
			}
		}
	}
	if lost != 0 || dup != 0 || reordered != 0 {
		b.Errorf("lost %d, duplicated %d, reordered %d of %d accepted signals (the socket stopped reading %v after the start: %v)",
			lost, dup, reordered, sent, readEnd.Sub(start).Round(time.Millisecond), readErr)
	}
}

// benchCPU is the user and system CPU time this process and the worker
// processes used so far.
func benchCPU(procs []*platformtest.WorkerProcess) time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	total := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	for _, w := range procs {
		total += w.CPU()
	}
	return total
}

// stageHist is one stage's cumulative histogram of
// events.ProctorStageSeconds (upper bounds and counts).
type stageHist struct {
	bounds []float64
	counts []uint64 // cumulative, per bound
	total  uint64
}

// proctorStages reads the stage histograms of this process (the edge, and
// in-process workers) and of each worker process (its /metrics), summed per
// stage.
func proctorStages(b *testing.B, procs []*platformtest.WorkerProcess) map[string]stageHist {
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		b.Fatal(err)
	}
	out := map[string]stageHist{}
	addStages(out, mfs)
	for _, w := range procs {
		mf := w.Metrics(b)["hirebus_proctor_stage_seconds"]
		if mf != nil {
			addStages(out, []*dto.MetricFamily{mf})
		}
	}
	return out
}

// addStages adds the hirebus_proctor_stage_seconds histograms of mfs to
// out, per stage.
func addStages(out map[string]stageHist, mfs []*dto.MetricFamily) {
	for _, mf := range mfs {
		if mf.GetName() != "hirebus_proctor_stage_seconds" {
			continue
		}
		for _, m := range mf.GetMetric() {
			var stage string
			for _, l := range m.GetLabel() {
				if l.GetName() == "stage" {
					stage = l.GetValue()
				}
			}
			h := out[stage]
			h.total += m.GetHistogram().GetSampleCount()
			for i, bk := range m.GetHistogram().GetBucket() {
				if i >= len(h.bounds) {
					h.bounds = append(h.bounds, bk.GetUpperBound())
					h.counts = append(h.counts, 0)
				}
				h.counts[i] += bk.GetCumulativeCount()
			}
			out[stage] = h
		}
	}
}

// minus is the histogram of the observations made since before.
func (h stageHist) minus(before stageHist) stageHist {
	d := stageHist{bounds: h.bounds, total: h.total - before.total, counts: make([]uint64, len(h.counts))}
	for i := range h.counts {
		d.counts[i] = h.counts[i]
		if i < len(before.counts) {
			d.counts[i] -= before.counts[i]
		}
	}
	return d
}

// quantile estimates the q-quantile in seconds (linear within a bucket; the
// last bound when it lies beyond the buckets, 0 without observations).
func (h stageHist) quantile(q float64) float64 {
	if h.total == 0 {
		return 0
	}
	rank := q * float64(h.total)
	lower, below := 0.0, uint64(0)
	for i, c := range h.counts {
		if float64(c) >= rank {
			in := c - below
			if in == 0 {
				return h.bounds[i]
			}
			return lower + (h.bounds[i]-lower)*(rank-float64(below))/float64(in)
		}
		lower, below = h.bounds[i], c
	}
	return lower
}
