package index

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

func dot64(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// The assembly kernel (when the CPU has AVX2+FMA) and the portable one must
// both agree with a float64 reference, for every row count including the
// tails that are not a multiple of four.
func TestDotsKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	vecs := synthDescriptors(rng, 1+260)
	q := vecs[0]
	rows := make([]float32, 0, 260*Dim)
	for _, v := range vecs[1:] {
		rows = append(rows, v...)
	}
	kernels := map[string]func(q, rows, out []float32){"dispatch": dots, "generic": dotsGeneric}
	t.Logf("assembly kernel in use: %v", hasAVX2)
	for name, k := range kernels {
		for _, n := range []int{0, 1, 3, 4, 5, 8, 255, 256, 260} {
			t.Run(name, func(t *testing.T) {
				out := make([]float32, n+1)
				out[n] = 12345 // must not be written
				k(q, rows[:n*Dim], out[:n])
				for i := range n {
					want := dot64(q, rows[i*Dim:(i+1)*Dim])
					if math.Abs(float64(out[i])-want) > 1e-5 {
						t.Fatalf("n=%d row %d: %v, want %v", n, i, out[i], want)
					}
				}
				if out[n] != 12345 {
					t.Fatalf("n=%d: kernel wrote past the end", n)
				}
			})
		}
	}
}

// flat.search against a float64 brute force, on an index large enough to
// take the multi-goroutine path, after removals that shuffle rows.
func TestFlatSearchExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	const n = 3*minRowsPerWorker + 77
	vecs := synthDescriptors(rng, n)
	for _, parallel := range []int{1, 2, 3} {
		f := newFlat(0, parallel)
		f.mu.Lock()
		for i, v := range vecs {
			// Users own 1..4 rows, interleaved so a user spans parts.
			f.put(uint64(i+1), uint64(i%(n/3)+1), v)
		}
		for u := uint64(1); u < 200; u += 7 {
			f.removeUser(u)
		}
		f.mu.Unlock()
		owner := map[int]uint64{}
		for r, id := range f.ids {
			owner[int(id)-1] = f.users[r]
		}
		for p := range 5 {
			q := synthDescriptors(rng, 1)[0]
			if p%2 == 1 {
				q = append([]float32(nil), vecs[rng.IntN(n)]...)
				q[3] += 0.02
			}
			best := map[uint64]float64{}
			for i, v := range vecs {
				u, ok := owner[i]
				if !ok {
					continue
				}
				var s float64
				for j := range v {
					d := float64(v[j]) - float64(q[j])
					s += d * d
				}
				d := math.Sqrt(s)
				if b, ok := best[u]; !ok || d < b {
					best[u] = d
				}
			}
			type ud struct {
				u uint64
				d float64
			}
			var want []ud
			for u, d := range best {
				want = append(want, ud{u, d})
			}
			sort.Slice(want, func(i, j int) bool { return want[i].d < want[j].d })
			got := f.search(q, 10)
			if len(got) != 10 {
				t.Fatalf("parallel=%d: %d matches", parallel, len(got))
			}
			for i, m := range got {
				if m.UserID != want[i].u || math.Abs(float64(m.Distance)-want[i].d) > 1e-5 {
					t.Fatalf("parallel=%d probe %d rank %d: user %d d=%v; want user %d d=%v", parallel, p, i, m.UserID, m.Distance, want[i].u, want[i].d)
				}
			}
		}
	}
}

func TestDescriptorBlobRoundTrip(t *testing.T) {
	v := synthDescriptors(rand.New(rand.NewPCG(1, 1)), 1)[0]
	b, err := EncodeDescriptor(v)
	if err != nil || len(b) != 512 {
		t.Fatalf("encode: %d bytes, %v", len(b), err)
	}
	w, err := DecodeDescriptor(b)
	if err != nil {
		t.Fatal(err)
	}
	for i := range v {
		if v[i] != w[i] {
			t.Fatalf("value %d: %v != %v", i, v[i], w[i])
		}
	}
	// Little-endian float32: 1.0 is 00 00 80 3f.
	one := make([]float32, Dim)
	one[0] = 1
	b, _ = EncodeDescriptor(one)
	if b[0] != 0 || b[1] != 0 || b[2] != 0x80 || b[3] != 0x3f {
		t.Fatalf("not little-endian float32: % x", b[:4])
	}
	for _, bad := range [][]byte{nil, b[:511], append(b, 0)} {
		if _, err := DecodeDescriptor(bad); err == nil {
			t.Fatalf("decoded a %d-byte blob", len(bad))
		}
	}
}
