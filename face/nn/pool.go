package nn

import (
	"sync"
	"sync/atomic"
	"time"
)

// Layers are split over helper goroutines that outlive the call and, after
// finishing a layer, spin for a short while before parking. A forward pass
// runs layer after layer within microseconds, so the helpers are awake when
// the next layer is published; starting a goroutine per layer instead left
// the helper waking up after the main goroutine had taken most of the jobs
// (it did about one job in six on the recognition net).

// helperSpin is how long an idle helper polls for the next layer.
const helperSpin = 50 * time.Microsecond

// parTask is one parallel loop: jobs [0, jobs) claimed in order.
type parTask struct {
	next     atomic.Int32
	done     atomic.Int32
	jobs     int32
	helpers  int32        // how many helpers may join (workers-1)
	joined   atomic.Int32 // how many have
	bufLen   int
	fn       func(j int, buf []float32)
	finished chan struct{} // closed by whoever completes the last job
}

// work claims and runs jobs until none are left.
func (t *parTask) work() {
	s := getScratch(t.bufLen)
	for {
		j := t.next.Add(1) - 1
		if j >= t.jobs {
			break
		}
		t.fn(int(j), *s)
		if t.done.Add(1) == t.jobs {
			close(t.finished)
		}
	}
	scratchPool.Put(s)
}

type helperPool struct {
	mu       sync.Mutex
	helpers  int
	task     atomic.Pointer[parTask]
	sleeping atomic.Int32
	wake     chan struct{}
}

var helpers = helperPool{wake: make(chan struct{}, 64)}

// ensure starts helpers until there are n.
func (p *helperPool) ensure(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for ; p.helpers < n; p.helpers++ {
		go p.loop()
	}
}

func (p *helperPool) loop() {
	// last is the task this helper joined or was refused by; it is not
	// looked at again, so a refused helper goes on to spin or sleep.
	var last *parTask
	for {
		if t := p.pending(last); t != nil {
			last = t
			if t.joined.Add(1) <= t.helpers {
				t.work()
			}
			continue
		}
		if p.spin(last) {
			continue
		}
		p.sleeping.Add(1)
		// Re-check after announcing sleep: a task published before the
		// announcement would otherwise never wake this helper.
		if p.pending(last) != nil {
			p.sleeping.Add(-1)
			continue
		}
		<-p.wake
		p.sleeping.Add(-1)
	}
}

// pending returns the published task if it is not last and has unclaimed
// jobs.
func (p *helperPool) pending(last *parTask) *parTask {
	if t := p.task.Load(); t != nil && t != last && t.next.Load() < t.jobs {
		return t
	}
	return nil
}

// spin polls for a new task for up to helperSpin and reports whether one
// appeared.
func (p *helperPool) spin(last *parTask) bool {
	deadline := time.Now().Add(helperSpin)
	for i := 0; ; i++ {
		if p.pending(last) != nil {
			return true
		}
		if i%64 == 63 && time.Now().After(deadline) {
			return false
		}
	}
}

// parallelFor runs fn(j, buf) for j in [0, jobs) on the calling goroutine
// and up to workers-1 helpers, each with its own scratch buffer of bufLen
// floats, and returns when all jobs are done. When another call is using
// the helpers, it runs alone.
func parallelFor(jobs, workers, bufLen int, fn func(j int, buf []float32)) {
	t := &parTask{jobs: int32(jobs), helpers: int32(workers - 1), bufLen: bufLen, fn: fn, finished: make(chan struct{})}
	if workers <= 1 || jobs <= 1 || !helpers.task.CompareAndSwap(nil, t) {
		t.work()
		return
	}
	helpers.ensure(workers - 1)
	for n := min(int(helpers.sleeping.Load()), workers-1); n > 0; n-- {
		select {
		case helpers.wake <- struct{}{}:
		default:
		}
	}
	t.work()
	// Jobs claimed by helpers may still be running: poll briefly (they
	// usually end within microseconds), then park until the last one
	// closes finished, so a helper the OS has descheduled does not have
	// this goroutine burning the core it needs.
	deadline := time.Now().Add(helperSpin)
	for i := 0; t.done.Load() < t.jobs; i++ {
		if i%64 == 63 && time.Now().After(deadline) {
			<-t.finished
			break
		}
	}
	helpers.task.Store(nil)
}
