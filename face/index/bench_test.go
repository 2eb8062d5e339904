package index

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"
)

// synthDescriptors draws n descriptors shaped like face-api's: a shared
// population mean (norm ≈1.36) plus per-person noise, so typical distances
// between different people are ≈0.7 as in the golden photos (median 0.71),
// not the ≈2 of independent random vectors.
func synthDescriptors(rng *rand.Rand, n int) [][]float32 {
	mean := make([]float32, Dim)
	for i := range mean {
		mean[i] = float32(rng.NormFloat64() * 1.36 / math.Sqrt(Dim))
	}
	const sigma = 0.0444 // sqrt(2*128)*sigma ≈ 0.71
	out := make([][]float32, n)
	for j := range out {
		v := make([]float32, Dim)
		for i := range v {
			v[i] = mean[i] + float32(rng.NormFloat64()*sigma)
		}
		out[j] = v
	}
	return out
}

// memoryIndex fills an Embedded's in-memory half directly: the benchmark
// measures search, not 100k MySQL inserts (Load is covered by the suite).
func memoryIndex(tb testing.TB, vecs [][]float32, perUser int) *Embedded {
	tb.Helper()
	e := &Embedded{model: DefaultModel, mem: newFlat(len(vecs), 0)}
	e.mem.mu.Lock()
	for i, v := range vecs {
		e.mem.put(uint64(i+1), uint64(i/perUser+1), v)
	}
	e.mem.mu.Unlock()
	return e
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkIdentify100k: exact 1:N search over 100,000 enrolled descriptors
// (≈33k users × 3), k=2 as Identify uses. Reports p99 latency over the
// benchmark's searches and the heap held by the index.
func BenchmarkIdentify100k(b *testing.B) {
	const n = 100_000
	rng := rand.New(rand.NewPCG(1, 2))
	vecs := synthDescriptors(rng, n+256)
	probes := vecs[n:]
	before := heapInUse()
	e := memoryIndex(b, vecs[:n], 3)
	vecs = nil
	after := heapInUse()
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		m, err := e.Search(ctx, probes[i%len(probes)], 2)
		lat = append(lat, time.Since(t0))
		if err != nil || len(m) != 2 {
			b.Fatalf("search: %v %v", m, err)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e6, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e6, "p50-ms")
	b.ReportMetric(float64(after-before)/(1<<20), "MiB/100k")
	runtime.KeepAlive(e)
}
