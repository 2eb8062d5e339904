package index

import (
	"math"
	"slices"
	"sync"
)

// flat is the in-memory half of Embedded: every descriptor in one contiguous
// []float32 (row i at vecs[i*Dim:]), searched exhaustively. Exhaustive search
// is exact, needs no training or tuning, and at 128 dims × 100k rows it is a
// 51 MB sequential scan: a few milliseconds, bounded by memory bandwidth.
//
// Rows are unordered; removal moves the last row into the hole, so deletes
// cost O(rows of the user) plus one scan of users to find them.
type flat struct {
	mu    sync.RWMutex
	vecs  []float32 // n*Dim
	norms []float32 // n: squared norm of each row
	users []uint64  // n
	ids   []uint64  // n
	pos   map[uint64]int32

	// parallel is the number of goroutines a search may use.
	parallel int
}

// minRowsPerWorker keeps small indexes single-threaded: below this, starting
// goroutines costs more than it saves.
const minRowsPerWorker = 16384

func newFlat(capacity, parallel int) *flat {
	if parallel < 1 {
		parallel = 1
	}
	return &flat{
		vecs:     make([]float32, 0, capacity*Dim),
		norms:    make([]float32, 0, capacity),
		users:    make([]uint64, 0, capacity),
		ids:      make([]uint64, 0, capacity),
		pos:      make(map[uint64]int32, capacity),
		parallel: parallel,
	}
}

func (f *flat) len() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return len(f.ids)
}

// grow reserves room for extra rows. It grows by an eighth rather than
// doubling: at 100k rows a doubling would briefly hold 150 MB for a 51 MB
// index, and enrolments arrive a few rows at a time anyway.
func (f *flat) grow(extra int) {
	n := len(f.ids)
	if n+extra <= cap(f.ids) {
		return
	}
	c := n + extra + n/8 + 64
	f.vecs = slices.Grow(f.vecs, c*Dim-len(f.vecs))[:n*Dim]
	f.norms = slices.Grow(f.norms, c-n)[:n]
	f.users = slices.Grow(f.users, c-n)[:n]
	f.ids = slices.Grow(f.ids, c-n)[:n]
}

// put inserts or overwrites the row of embedding id. Caller holds mu.
func (f *flat) put(id, user uint64, v []float32) {
	if r, ok := f.pos[id]; ok {
		copy(f.vecs[int(r)*Dim:int(r)*Dim+Dim], v)
		f.norms[r] = dot(v, v)
		f.users[r] = user
		return
	}
	f.grow(1)
	f.pos[id] = int32(len(f.ids))
	f.vecs = append(f.vecs, v[:Dim]...)
	f.norms = append(f.norms, dot(v, v))
	f.users = append(f.users, user)
	f.ids = append(f.ids, id)
}

// removeRow moves the last row into r. Caller holds mu.
func (f *flat) removeRow(r int) {
	last := len(f.ids) - 1
	delete(f.pos, f.ids[r])
	if r != last {
		copy(f.vecs[r*Dim:r*Dim+Dim], f.vecs[last*Dim:last*Dim+Dim])
		f.norms[r] = f.norms[last]
		f.users[r] = f.users[last]
		f.ids[r] = f.ids[last]
		f.pos[f.ids[r]] = int32(r)
	}
	f.vecs = f.vecs[:last*Dim]
	f.norms = f.norms[:last]
	f.users = f.users[:last]
	f.ids = f.ids[:last]
}

// removeUser drops every row of user. Caller holds mu.
func (f *flat) removeUser(user uint64) {
	for r := len(f.users) - 1; r >= 0; r-- {
		if f.users[r] == user {
			f.removeRow(r)
		}
	}
}

// setUser replaces user's rows by rows (already validated).
func (f *flat) setUser(user uint64, rows []Entry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removeUser(user)
	f.grow(len(rows))
	for _, e := range rows {
		// An id may have moved from another user (Upsert with an explicit id).
		if r, ok := f.pos[e.EmbeddingID]; ok {
			f.removeRow(int(r))
		}
		f.put(e.EmbeddingID, user, e.Vector)
	}
}

// userOf returns the owner of embedding id.
func (f *flat) userOf(id uint64) (uint64, bool) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	r, ok := f.pos[id]
	if !ok {
		return 0, false
	}
	return f.users[r], true
}

// topk keeps the k nearest distinct users seen so far, sorted by distance.
// Most rows lose against the current worst with one comparison; only a
// winner pays for the linear user lookup, and k is small.
type topk struct {
	k     int
	worst float32 // +Inf until full
	items []cand
}

type cand struct {
	user uint64
	row  int32
	d2   float32
}

func newTopk(k int) *topk {
	return &topk{k: k, worst: float32(math.Inf(1)), items: make([]cand, 0, k+1)}
}

func (t *topk) offer(user uint64, row int32, d2 float32) {
	for i := range t.items {
		if t.items[i].user == user {
			if d2 >= t.items[i].d2 {
				return
			}
			t.items[i].d2, t.items[i].row = d2, row
			// Move up to keep the order.
			for j := i; j > 0 && t.items[j].d2 < t.items[j-1].d2; j-- {
				t.items[j], t.items[j-1] = t.items[j-1], t.items[j]
			}
			t.refresh()
			return
		}
	}
	t.items = append(t.items, cand{user: user, row: row, d2: d2})
	for j := len(t.items) - 1; j > 0 && t.items[j].d2 < t.items[j-1].d2; j-- {
		t.items[j], t.items[j-1] = t.items[j-1], t.items[j]
	}
	if len(t.items) > t.k {
		t.items = t.items[:t.k]
	}
	t.refresh()
}

func (t *topk) refresh() {
	if len(t.items) == t.k {
		t.worst = t.items[t.k-1].d2
	}
}

// search returns the k nearest users to q. With parallel > 1 it splits the
// rows between goroutines when the index is large. The default is one: on
// the 2-core reference machine the AVX2 scan runs at memory speed and a
// second goroutine did not lower the median (≈1.2 ms either way); while
// other processes kept the cores busy, needing two free cores at once made
// its p99 worse in some runs (BenchmarkIdentify100k vs …TwoGoroutines).
func (f *flat) search(q []float32, k int) []Match {
	f.mu.RLock()
	defer f.mu.RUnlock()
	n := len(f.ids)
	if n == 0 {
		return nil
	}
	qn := dot(q, q)
	parts := min(f.parallel, n/minRowsPerWorker)
	var merged *topk
	if parts <= 1 {
		merged = newTopk(k)
		f.scan(q, qn, 0, n, merged)
	} else {
		tops := make([]*topk, parts)
		var wg sync.WaitGroup
		chunk := (n + parts - 1) / parts
		for p := range parts {
			lo, hi := p*chunk, min(n, (p+1)*chunk)
			tops[p] = newTopk(k)
			if p == parts-1 {
				// The calling goroutine takes the last part itself.
				f.scan(q, qn, lo, hi, tops[p])
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				f.scan(q, qn, lo, hi, tops[p])
			}()
		}
		wg.Wait()
		// A user's best row lies in exactly one part, and there it is among
		// that part's k best users, so merging the parts' lists is exact.
		merged = newTopk(k)
		for _, t := range tops {
			for _, c := range t.items {
				merged.offer(c.user, c.row, c.d2)
			}
		}
	}
	out := make([]Match, len(merged.items))
	for i, c := range merged.items {
		// The scan used |q|²+|x|²−2q·x, which loses a few ulps to
		// cancellation; report the distance computed directly.
		r := int(c.row)
		out[i] = Match{UserID: c.user, EmbeddingID: f.ids[r], Distance: L2(q, f.vecs[r*Dim:r*Dim+Dim])}
	}
	// Direct distances can reorder near-ties; keep the promise of sorted output.
	slices.SortStableFunc(out, func(a, b Match) int {
		switch {
		case a.Distance < b.Distance:
			return -1
		case a.Distance > b.Distance:
			return 1
		}
		return 0
	})
	return out
}

// scanBlock is how many distances scan computes per kernel call: large
// enough to amortise the call, small enough to stay on the stack.
const scanBlock = 256

// scan offers rows [lo,hi) to t. Squared distance is expanded as
// |q|²+|x|²−2q·x so the kernel is a plain dot product (one multiply-add per
// value instead of subtract, multiply, add).
func (f *flat) scan(q []float32, qn float32, lo, hi int, t *topk) {
	var buf [scanBlock]float32
	for r := lo; r < hi; r += scanBlock {
		m := min(scanBlock, hi-r)
		d := buf[:m]
		dots(q, f.vecs[r*Dim:(r+m)*Dim], d)
		norms := f.norms[r : r+m]
		for j, x := range d {
			d2 := qn + norms[j] - 2*x
			if d2 < t.worst {
				t.offer(f.users[r+j], int32(r+j), d2)
			}
		}
	}
}
