// Package indextest is the one test suite every face/index implementation
// must pass, plus the golden face descriptors (shared/testdata/faces) as
// test fixtures for the index and for face/match.
package indextest

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/hirebus/hirebus/face/index"
	"github.com/hirebus/hirebus/internal/testutil"
)

// Harness creates what one subtest needs.
type Harness struct {
	// New returns a fresh, empty index, closed by the harness at cleanup.
	New func(t *testing.T) index.Index
	// NewUser returns the id of a user that may own descriptors (a users
	// row for the embedded index).
	NewUser func(t *testing.T) uint64
}

// Run runs the shared suite.
func Run(t *testing.T, h Harness) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))

	t.Run("empty", func(t *testing.T) {
		ix := h.New(t)
		m, err := ix.Search(ctx, Synth(rng, 1)[0], 3)
		if err != nil || len(m) != 0 {
			t.Fatalf("search on empty index = %v, %v; want no matches", m, err)
		}
		if n, err := ix.Len(ctx); err != nil || n != 0 {
			t.Fatalf("Len = %d, %v; want 0", n, err)
		}
	})

	t.Run("replace user then search and read back", func(t *testing.T) {
		ix := h.New(t)
		u := h.NewUser(t)
		vecs := Synth(rng, 3)
		entries := entriesOf(u, vecs, index.SourceEnroll)
		applied, err := ix.ReplaceUser(ctx, u, "op-enroll-1", entries)
		if err != nil || !applied {
			t.Fatalf("ReplaceUser = %v, %v", applied, err)
		}
		for i, e := range entries {
			if e.EmbeddingID == 0 {
				t.Fatalf("entry %d has no id assigned", i)
			}
		}
		m, err := ix.Search(ctx, vecs[1], 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(m) != 1 || m[0].UserID != u || m[0].EmbeddingID != entries[1].EmbeddingID || m[0].Distance > 1e-5 {
			t.Fatalf("search = %+v; want user %d embedding %d at ~0", m, u, entries[1].EmbeddingID)
		}
		got, err := ix.UserEntries(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("UserEntries = %d entries, want 3", len(got))
		}
		byID := map[uint64]index.Entry{}
		for _, e := range got {
			byID[e.EmbeddingID] = e
		}
		for _, e := range entries {
			g, ok := byID[e.EmbeddingID]
			if !ok || !slices.Equal(g.Vector, e.Vector) || g.UserID != u || g.Source != index.SourceEnroll || g.Model != index.DefaultModel {
				t.Fatalf("entry %d read back as %+v", e.EmbeddingID, g)
			}
		}
		waitLen(t, ix, 3)
	})

	t.Run("replace is idempotent per op and replaces the set", func(t *testing.T) {
		ix := h.New(t)
		u := h.NewUser(t)
		first := Synth(rng, 3)
		if _, err := ix.ReplaceUser(ctx, u, "op-a", entriesOf(u, first, index.SourceEnroll)); err != nil {
			t.Fatal(err)
		}
		applied, err := ix.ReplaceUser(ctx, u, "op-a", entriesOf(u, first, index.SourceEnroll))
		if err != nil || applied {
			t.Fatalf("replayed op: applied=%v err=%v; want false, nil", applied, err)
		}
		waitLen(t, ix, 3)
		second := Synth(rng, 4)
		applied, err = ix.ReplaceUser(ctx, u, "op-b", entriesOf(u, second, index.SourceReset))
		if err != nil || !applied {
			t.Fatalf("reset: applied=%v err=%v", applied, err)
		}
		waitLen(t, ix, 4)
		m, err := ix.Search(ctx, first[0], 1)
		if err != nil || len(m) != 1 {
			t.Fatalf("search: %v %v", m, err)
		}
		if m[0].Distance < 1e-3 {
			t.Fatalf("old descriptor still found after reset: %+v", m[0])
		}
		got, err := ix.UserEntries(ctx, u)
		if err != nil || len(got) != 4 {
			t.Fatalf("UserEntries after reset = %d, %v; want 4", len(got), err)
		}
		for _, e := range got {
			if e.Source != index.SourceReset {
				t.Fatalf("entry source %q after reset", e.Source)
			}
		}
	})

	t.Run("search is exact and per user", func(t *testing.T) {
		ix := h.New(t)
		type stored struct {
			user uint64
			v    []float32
		}
		var all []stored
		for range 40 {
			u := h.NewUser(t)
			vecs := Synth(rng, 1+rng.IntN(4))
			if _, err := ix.ReplaceUser(ctx, u, "", entriesOf(u, vecs, index.SourceEnroll)); err != nil {
				t.Fatal(err)
			}
			for _, v := range vecs {
				all = append(all, stored{u, v})
			}
		}
		waitLen(t, ix, len(all))
		for probe := range 10 {
			q := Synth(rng, 1)[0]
			if probe%2 == 1 {
				// Near an enrolled descriptor, as a genuine login would be.
				q = slices.Clone(all[rng.IntN(len(all))].v)
				q[0] += 0.01
			}
			best := map[uint64]float64{}
			for _, s := range all {
				d := l2(q, s.v)
				if b, ok := best[s.user]; !ok || d < b {
					best[s.user] = d
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
			for _, k := range []int{1, 2, 5, 100} {
				got, err := ix.Search(ctx, q, k)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != min(k, len(want)) {
					t.Fatalf("k=%d: %d matches, want %d", k, len(got), min(k, len(want)))
				}
				for i, m := range got {
					if m.UserID != want[i].u || math.Abs(float64(m.Distance)-want[i].d) > 1e-4 {
						t.Fatalf("k=%d match %d = user %d d=%.6f; want user %d d=%.6f", k, i, m.UserID, m.Distance, want[i].u, want[i].d)
					}
				}
			}
		}
	})

	t.Run("upsert adds and overwrites by id", func(t *testing.T) {
		ix := h.New(t)
		u := h.NewUser(t)
		vecs := Synth(rng, 2)
		es := entriesOf(u, vecs, "")
		if err := ix.Upsert(ctx, es); err != nil {
			t.Fatal(err)
		}
		if es[0].EmbeddingID == 0 || es[1].EmbeddingID == 0 || es[0].EmbeddingID == es[1].EmbeddingID {
			t.Fatalf("ids not assigned: %+v", es)
		}
		waitLen(t, ix, 2)
		moved := Synth(rng, 1)[0]
		over := []index.Entry{{EmbeddingID: es[0].EmbeddingID, UserID: u, Vector: moved}}
		if err := ix.Upsert(ctx, over); err != nil {
			t.Fatal(err)
		}
		m, err := ix.Search(ctx, moved, 1)
		if err != nil || len(m) != 1 || m[0].EmbeddingID != es[0].EmbeddingID || m[0].Distance > 1e-5 {
			t.Fatalf("overwritten vector not found: %+v %v", m, err)
		}
		got, err := ix.UserEntries(ctx, u)
		if err != nil || len(got) != 2 {
			t.Fatalf("UserEntries = %d, %v; want 2", len(got), err)
		}
	})

	t.Run("delete user", func(t *testing.T) {
		ix := h.New(t)
		a, b := h.NewUser(t), h.NewUser(t)
		va, vb := Synth(rng, 3), Synth(rng, 3)
		for _, x := range []struct {
			u uint64
			v [][]float32
		}{{a, va}, {b, vb}} {
			if _, err := ix.ReplaceUser(ctx, x.u, "", entriesOf(x.u, x.v, index.SourceEnroll)); err != nil {
				t.Fatal(err)
			}
		}
		waitLen(t, ix, 6)
		if err := ix.DeleteUser(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := ix.DeleteUser(ctx, 999_999_999); err != nil {
			t.Fatalf("deleting a user without faces: %v", err)
		}
		waitLen(t, ix, 3)
		m, err := ix.Search(ctx, va[0], 5)
		if err != nil || len(m) != 1 || m[0].UserID != b {
			t.Fatalf("after delete search = %+v, %v; want only user %d", m, err, b)
		}
		if got, err := ix.UserEntries(ctx, a); err != nil || len(got) != 0 {
			t.Fatalf("deleted user still has %d entries (%v)", len(got), err)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		ix := h.New(t)
		u := h.NewUser(t)
		good := Synth(rng, 1)[0]
		nan := slices.Clone(good)
		nan[5] = float32(math.NaN())
		inf := slices.Clone(good)
		inf[0] = float32(math.Inf(-1))
		cases := []struct {
			name string
			call func() error
			want error
		}{
			{"search short vector", func() error { _, err := ix.Search(ctx, good[:100], 1); return err }, index.ErrDimension},
			{"search NaN", func() error { _, err := ix.Search(ctx, nan, 1); return err }, index.ErrDimension},
			{"search k=0", func() error { _, err := ix.Search(ctx, good, 0); return err }, index.ErrInvalid},
			{"search k too large", func() error { _, err := ix.Search(ctx, good, index.MaxK+1); return err }, index.ErrInvalid},
			{"upsert Inf", func() error { return ix.Upsert(ctx, []index.Entry{{UserID: u, Vector: inf}}) }, index.ErrDimension},
			{"upsert user 0", func() error { return ix.Upsert(ctx, []index.Entry{{Vector: good}}) }, index.ErrInvalid},
			{"upsert other model", func() error {
				return ix.Upsert(ctx, []index.Entry{{UserID: u, Vector: good, Model: "other-model"}})
			}, index.ErrModel},
			{"upsert bad source", func() error {
				return ix.Upsert(ctx, []index.Entry{{UserID: u, Vector: good, Source: "camera"}})
			}, index.ErrInvalid},
			{"replace no entries", func() error { _, err := ix.ReplaceUser(ctx, u, "x", nil); return err }, index.ErrInvalid},
			{"replace foreign entry", func() error {
				_, err := ix.ReplaceUser(ctx, u, "y", []index.Entry{{UserID: u + 1, Vector: good}})
				return err
			}, index.ErrInvalid},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				if err := c.call(); !errors.Is(err, c.want) {
					t.Fatalf("err = %v; want %v", err, c.want)
				}
			})
		}
		if n, err := ix.Len(ctx); err != nil || n != 0 {
			t.Fatalf("rejected writes stored something: Len=%d %v", n, err)
		}
	})

	t.Run("golden faces find themselves", func(t *testing.T) {
		ix := h.New(t)
		faces := Golden(t)
		users := make([]uint64, len(faces))
		for i, f := range faces {
			users[i] = h.NewUser(t)
			if _, err := ix.ReplaceUser(ctx, users[i], "", []index.Entry{{Vector: f.Descriptor, Quality: f.Score}}); err != nil {
				t.Fatal(err)
			}
		}
		waitLen(t, ix, len(faces))
		for i, f := range faces {
			// The recognition net on the rounded 150×150 crop differs from
			// the pipeline's descriptor by ≈0.005: a genuine re-capture.
			m, err := ix.Search(ctx, f.CropDescriptor, 2)
			if err != nil || len(m) != 2 {
				t.Fatalf("%s: %v %v", f.Name, m, err)
			}
			if m[0].UserID != users[i] || m[0].Distance > 0.01 || m[1].Distance < 0.4 {
				t.Fatalf("%s: matches %+v; want own user %d within 0.01 and the runner-up ≥0.4 away", f.Name, m, users[i])
			}
		}
	})
}

// waitLen polls Len: a remote index may count new vectors a little later.
func waitLen(t *testing.T, ix index.Index, want int) {
	t.Helper()
	var n int
	var err error
	testutil.Eventually(t, 5*time.Second, func() bool {
		n, err = ix.Len(context.Background())
		return err == nil && n == want
	}, "Len = %d (err %v), want %d", n, err, want)
}

func entriesOf(u uint64, vecs [][]float32, src index.Source) []index.Entry {
	es := make([]index.Entry, len(vecs))
	for i, v := range vecs {
		es[i] = index.Entry{UserID: u, Vector: v, Quality: 0.9, Source: src}
	}
	return es
}

func l2(a, b []float32) float64 {
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return math.Sqrt(s)
}

// Synth draws n descriptors shaped like face-api's: a shared population mean
// (norm ≈1.36) plus per-person noise, so distances between different people
// are ≈0.7 as in the golden photos (median 0.71) instead of the ≈2 of
// independent random vectors. The mean is fixed so all calls share it.
func Synth(rng *rand.Rand, n int) [][]float32 {
	mean := populationMean()
	const sigma = 0.0444 // sqrt(2*128)*sigma ≈ 0.71
	out := make([][]float32, n)
	for j := range out {
		v := make([]float32, index.Dim)
		for i := range v {
			v[i] = mean[i] + float32(rng.NormFloat64()*sigma)
		}
		out[j] = v
	}
	return out
}

func populationMean() []float32 {
	rng := rand.New(rand.NewPCG(2024, 4))
	mean := make([]float32, index.Dim)
	for i := range mean {
		mean[i] = float32(rng.NormFloat64() * 1.36 / math.Sqrt(index.Dim))
	}
	return mean
}

// GoldenFace is one face of the golden photos.
type GoldenFace struct {
	Name           string     // "sample1.jpg#0"
	Image          string     // "sample1.jpg"
	Crop           string     // "crop0.png"
	Score          float32    // SSD detector score
	Box            [4]float64 // SSD box x, y, width, height in image pixels
	Descriptor     []float32  // whole-pipeline descriptor
	CropDescriptor []float32  // recognition net on the rounded crop alone
}

// Golden loads the 22 golden faces in file order (crop0 … crop21). Per the
// data's README all 22 are different people.
func Golden(t testing.TB) []GoldenFace {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.FacesDir(t), "golden.json"))
	if err != nil {
		t.Fatalf("golden: %v", err)
	}
	var g struct {
		Images map[string]struct {
			SSDFaces []struct {
				Score float32 `json:"score"`
				Box   struct {
					X, Y, Width, Height float64
				} `json:"box"`
				Descriptor       []float32 `json:"descriptor"`
				Crop150          string    `json:"crop150"`
				Crop150Descriptr []float32 `json:"crop150_descriptor"`
			} `json:"ssd_faces"`
		} `json:"images"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		t.Fatalf("golden: %v", err)
	}
	var out []GoldenFace
	for name, img := range g.Images {
		for i, f := range img.SSDFaces {
			if len(f.Descriptor) != index.Dim || len(f.Crop150Descriptr) != index.Dim {
				t.Fatalf("golden: %s face %d: descriptor lengths %d, %d", name, i, len(f.Descriptor), len(f.Crop150Descriptr))
			}
			out = append(out, GoldenFace{
				Name: name + "#" + string(rune('0'+i)), Image: name, Crop: f.Crop150, Score: f.Score,
				Box:        [4]float64{f.Box.X, f.Box.Y, f.Box.Width, f.Box.Height},
				Descriptor: f.Descriptor, CropDescriptor: f.Crop150Descriptr,
			})
		}
	}
	// Map order is random; crop numbers give the file order.
	sort.Slice(out, func(i, j int) bool { return cropNum(out[i].Crop) < cropNum(out[j].Crop) })
	if len(out) != 22 {
		t.Fatalf("golden: %d faces, want 22", len(out))
	}
	return out
}

func cropNum(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n = n*10 + int(r-'0')
		}
	}
	return n
}
