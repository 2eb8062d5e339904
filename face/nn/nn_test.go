package nn

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// bothPaths runs f once per kernel level this CPU supports (the portable
// Go kernels always included).
func bothPaths(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	for l := SupportedKernel(); l >= KernelPortable; l-- {
		t.Run(l.String(), func(t *testing.T) {
			SetMaxKernel(l)
			defer ForcePortable(false)
			if ActiveKernel() != l {
				t.Fatalf("active kernel %v, want %v", ActiveKernel(), l)
			}
			f(t)
		})
	}
}

func randSlice(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

func randTensor(r *rand.Rand, h, w, c int) *Tensor {
	return &Tensor{H: h, W: w, C: c, Data: randSlice(r, h*w*c)}
}

// refConv is the textbook convolution, accumulated in float64.
func refConv(x *Tensor, f []float32, kh, kw, cout, stride int, pad Padding, post Post, res *Tensor) *Tensor {
	oh, pt := outGeometry(x.H, kh, stride, pad)
	ow, pl := outGeometry(x.W, kw, stride, pad)
	out := NewTensor(oh, ow, cout)
	for oy := range oh {
		for ox := range ow {
			for co := range cout {
				var s float64
				for ky := range kh {
					for kx := range kw {
						iy, ix := oy*stride-pt+ky, ox*stride-pl+kx
						if iy < 0 || iy >= x.H || ix < 0 || ix >= x.W {
							continue
						}
						for ci := range x.C {
							s += float64(x.At(iy, ix, ci)) * float64(f[((ky*kw+kx)*x.C+ci)*cout+co])
						}
					}
				}
				v := float32(s)
				if post.Scale != nil {
					v *= post.Scale[co]
				}
				if post.Shift != nil {
					v += post.Shift[co]
				}
				if res != nil {
					v += res.At(oy, ox, co)
				}
				out.Set(oy, ox, co, activate(v, post.Act, post.Alpha))
			}
		}
	}
	return out
}

func maxDiff(t *testing.T, got, want *Tensor) float64 {
	t.Helper()
	if !got.SameShape(want) {
		t.Fatalf("shape %v, want %v", got, want)
	}
	var m float64
	for i := range got.Data {
		m = max(m, math.Abs(float64(got.Data[i]-want.Data[i])))
	}
	return m
}

func TestConv2D(t *testing.T) {
	cases := []struct {
		name            string
		h, w, cin, cout int
		k, stride       int
		pad             Padding
		act             Activation
		residual        bool
	}{
		{"7x7 s2 valid like recognition stem", 37, 41, 3, 32, 7, 2, Valid, ReLU, false},
		{"3x3 same residual relu", 13, 11, 32, 32, 3, 1, Same, ReLU, true},
		{"3x3 s2 valid down", 17, 17, 32, 64, 3, 2, Valid, ReLU, false},
		{"3x3 same odd cout", 9, 7, 5, 21, 3, 1, Same, Linear, false},
		{"3x3 s2 same relu6", 10, 9, 8, 40, 3, 2, Same, ReLU6, false},
		{"1x1 pointwise leaky", 7, 5, 24, 48, 1, 1, Valid, Leaky, false},
		{"1x1 s2 same", 8, 8, 16, 16, 1, 2, Same, Linear, true},
		{"tiny 1x1 single pixel", 1, 1, 3, 2, 1, 1, Same, ReLU, false},
		{"big K many rows", 30, 30, 64, 64, 3, 1, Same, ReLU, true},
		{"5x5 same wider than input", 3, 4, 4, 17, 5, 1, Same, Linear, false},
		{"3x3 same rgb like tiny conv0", 20, 23, 3, 16, 3, 1, Same, Leaky, false},
		{"3x3 valid odd width wide pair", 10, 15, 8, 48, 3, 1, Valid, ReLU, true},
		{"3x3 same exactly 6 wide", 6, 6, 16, 32, 3, 1, Same, ReLU6, true},
	}
	for _, tc := range cases {
		for _, implicit := range []bool{true, false} {
			name := tc.name + "/im2col"
			if implicit {
				name = tc.name + "/implicit"
			}
			t.Run(name, func(t *testing.T) {
				mode := int32(implicitNever)
				if implicit {
					mode = implicitAlways
				}
				implicitMode.Store(mode)
				defer implicitMode.Store(implicitAuto)
				convCase(t, tc.h, tc.w, tc.cin, tc.cout, tc.k, tc.stride, tc.pad, tc.act, tc.residual)
			})
		}
	}
}

func convCase(t *testing.T, h, w, cin, cout, k, stride int, pad Padding, act Activation, residual bool) {
	tc := struct {
		h, w, cin, cout int
		k, stride       int
		pad             Padding
		act             Activation
		residual        bool
	}{h, w, cin, cout, k, stride, pad, act, residual}
	{
		{
			bothPaths(t, func(t *testing.T) {
				r := rand.New(rand.NewPCG(1, uint64(tc.h*1000+tc.cout)))
				x := randTensor(r, tc.h, tc.w, tc.cin)
				f := randSlice(r, tc.k*tc.k*tc.cin*tc.cout)
				post := Post{Scale: randSlice(r, tc.cout), Shift: randSlice(r, tc.cout), Act: tc.act, Alpha: 0.1}
				oh, _ := outGeometry(tc.h, tc.k, tc.stride, tc.pad)
				ow, _ := outGeometry(tc.w, tc.k, tc.stride, tc.pad)
				var res *Tensor
				if tc.residual {
					res = randTensor(r, oh, ow, tc.cout)
				}
				c, err := NewConv2D(f, tc.k, tc.k, tc.cin, tc.cout, tc.stride, tc.pad, post)
				if err != nil {
					t.Fatal(err)
				}
				got, err := c.Forward(x, res)
				if err != nil {
					t.Fatal(err)
				}
				want := refConv(x, f, tc.k, tc.k, tc.cout, tc.stride, tc.pad, post, res)
				if d := maxDiff(t, got, want); d > 1e-4 {
					t.Fatalf("max diff %g", d)
				}
			})
		}
	}
}

func TestConv2DThreads(t *testing.T) {
	// The split over goroutines must not change results.
	r := rand.New(rand.NewPCG(7, 7))
	x := randTensor(r, 35, 35, 32)
	f := randSlice(r, 9*32*64)
	c, err := NewConv2D(f, 3, 3, 32, 64, 1, Same, Post{Act: ReLU})
	if err != nil {
		t.Fatal(err)
	}
	want := refConv(x, f, 3, 3, 64, 1, Same, Post{Act: ReLU}, nil)
	for _, n := range []int{1, 2, 3, 8} {
		t.Run("threads", func(t *testing.T) {
			SetMaxThreads(n)
			defer SetMaxThreads(0)
			got, err := c.Forward(x, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxDiff(t, got, want); d > 1e-4 {
				t.Fatalf("threads %d: max diff %g", n, d)
			}
		})
	}
}

func TestConv2DErrors(t *testing.T) {
	if _, err := NewConv2D(make([]float32, 10), 3, 3, 1, 1, 1, Same, Post{}); !errors.Is(err, ErrShape) {
		t.Fatalf("bad filter length: %v", err)
	}
	if _, err := NewConv2D(make([]float32, 9), 3, 3, 1, 1, 0, Same, Post{}); !errors.Is(err, ErrShape) {
		t.Fatalf("zero stride: %v", err)
	}
	if _, err := NewConv2D(make([]float32, 9), 3, 3, 1, 1, 1, Same, Post{Shift: []float32{1, 2}}); !errors.Is(err, ErrShape) {
		t.Fatalf("bad bias: %v", err)
	}
	c, err := NewConv2D(make([]float32, 9*2), 3, 3, 2, 1, 1, Valid, Post{})
	if err != nil {
		t.Fatal(err)
	}
	for name, x := range map[string]*Tensor{
		"channels":  NewTensor(4, 4, 3),
		"too small": NewTensor(2, 4, 2),
		"malformed": {H: 4, W: 4, C: 2, Data: make([]float32, 3)},
		"nil":       nil,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := c.Forward(x, nil); !errors.Is(err, ErrShape) {
				t.Fatalf("got %v, want ErrShape", err)
			}
		})
	}
}

func refDepthwise(x *Tensor, f []float32, k, stride int, pad Padding, post Post) *Tensor {
	oh, pt := outGeometry(x.H, k, stride, pad)
	ow, pl := outGeometry(x.W, k, stride, pad)
	out := NewTensor(oh, ow, x.C)
	for oy := range oh {
		for ox := range ow {
			for c := range x.C {
				var s float64
				for ky := range k {
					for kx := range k {
						iy, ix := oy*stride-pt+ky, ox*stride-pl+kx
						if iy < 0 || iy >= x.H || ix < 0 || ix >= x.W {
							continue
						}
						s += float64(x.At(iy, ix, c)) * float64(f[(ky*k+kx)*x.C+c])
					}
				}
				out.Set(oy, ox, c, post.apply(float32(s), c))
			}
		}
	}
	return out
}

func TestDepthwiseAndSeparable(t *testing.T) {
	cases := []struct {
		name       string
		h, w, c, k int
		stride     int
		pad        Padding
	}{
		{"3x3 same s1", 12, 9, 32, 3, 1, Same},
		{"3x3 same s2 odd channels", 11, 14, 13, 3, 2, Same},
		{"3x3 valid s1", 8, 8, 40, 3, 1, Valid},
		{"3x3 same s2 even", 64, 64, 64, 3, 2, Same},
		{"5x5 same tiny input", 2, 3, 8, 5, 1, Same},
		{"3x3 same s1 rgb (flat row path)", 20, 17, 3, 3, 1, Same},
		{"3x3 valid s1 5 channels (flat row path)", 9, 7, 5, 3, 1, Valid},
		{"3x3 same s2 3 channels", 9, 10, 3, 3, 2, Same},
		{"5x5 same narrow: edge patches only", 9, 3, 16, 5, 1, Same},
		{"3x3 same s2 odd size", 15, 13, 24, 3, 2, Same},
	}
	for _, tc := range cases {
		for _, padded := range []bool{false, true} {
			name := tc.name
			if padded {
				name += "/padded"
			}
			t.Run(name, func(t *testing.T) {
				depthwisePadded.Store(padded)
				defer depthwisePadded.Store(false)
				depthwiseCase(t, tc.h, tc.w, tc.c, tc.k, tc.stride, tc.pad)
			})
		}
	}
}

func depthwiseCase(t *testing.T, h, w, c, k, stride int, pad Padding) {
	tc := struct {
		h, w, c, k int
		stride     int
		pad        Padding
	}{h, w, c, k, stride, pad}
	{
		{
			bothPaths(t, func(t *testing.T) {
				r := rand.New(rand.NewPCG(3, uint64(tc.c)))
				x := randTensor(r, tc.h, tc.w, tc.c)
				f := randSlice(r, tc.k*tc.k*tc.c)
				post := Post{Shift: randSlice(r, tc.c), Act: ReLU6}
				d, err := NewDepthwiseConv2D(f, tc.k, tc.k, tc.c, tc.stride, tc.pad, post)
				if err != nil {
					t.Fatal(err)
				}
				got, err := d.Forward(x)
				if err != nil {
					t.Fatal(err)
				}
				want := refDepthwise(x, f, tc.k, tc.stride, tc.pad, post)
				if m := maxDiff(t, got, want); m > 1e-5 {
					t.Fatalf("depthwise max diff %g", m)
				}

				cout := tc.c + 5
				pw := randSlice(r, tc.c*cout)
				bias := randSlice(r, cout)
				s, err := NewSeparableConv2D(f, tc.k, tc.k, tc.c, pw, cout, tc.stride, tc.pad, Post{Shift: bias, Act: Leaky, Alpha: 0.1})
				if err != nil {
					t.Fatal(err)
				}
				got, err = s.Forward(x, nil)
				if err != nil {
					t.Fatal(err)
				}
				mid := refDepthwise(x, f, tc.k, tc.stride, tc.pad, Post{})
				want = refConv(mid, pw, 1, 1, cout, 1, Valid, Post{Shift: bias, Act: Leaky, Alpha: 0.1}, nil)
				if m := maxDiff(t, got, want); m > 1e-4 {
					t.Fatalf("separable max diff %g", m)
				}
			})
		}
	}
}

func TestPools(t *testing.T) {
	x := &Tensor{H: 3, W: 3, C: 1, Data: []float32{1, 2, 3, 4, 5, 6, 7, 8, 9}}
	cases := []struct {
		name      string
		max       bool
		k, stride int
		pad       Padding
		want      *Tensor
	}{
		{"max 2 s2 valid", true, 2, 2, Valid, &Tensor{H: 1, W: 1, C: 1, Data: []float32{5}}},
		{"max 2 s2 same", true, 2, 2, Same, &Tensor{H: 2, W: 2, C: 1, Data: []float32{5, 6, 8, 9}}},
		{"avg 2 s2 same excludes padding", false, 2, 2, Same, &Tensor{H: 2, W: 2, C: 1, Data: []float32{3, 4.5, 7.5, 9}}},
		{"avg 2 s1 valid", false, 2, 1, Valid, &Tensor{H: 2, W: 2, C: 1, Data: []float32{3, 4, 6, 7}}},
		{"max 3 s2 valid", true, 3, 2, Valid, &Tensor{H: 1, W: 1, C: 1, Data: []float32{9}}},
		{"max 3 s1 same", true, 3, 1, Same, &Tensor{H: 3, W: 3, C: 1, Data: []float32{5, 6, 6, 8, 9, 9, 8, 9, 9}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := AvgPool
			if tc.max {
				f = MaxPool
			}
			got, err := f(x, tc.k, tc.stride, tc.pad)
			if err != nil {
				t.Fatal(err)
			}
			if d := maxDiff(t, got, tc.want); d > 1e-6 {
				t.Fatalf("got %v, want %v", got.Data, tc.want.Data)
			}
		})
	}
	if _, err := MaxPool(x, 4, 1, Valid); !errors.Is(err, ErrShape) {
		t.Fatalf("window larger than input: %v", err)
	}
}

func TestDenseAndOps(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 5))
		in, out := 256, 136
		w := randSlice(r, in*out)
		b := randSlice(r, out)
		x := randSlice(r, in)
		d, err := NewDense(w, in, out, Post{Shift: b})
		if err != nil {
			t.Fatal(err)
		}
		got, err := d.Forward(x)
		if err != nil {
			t.Fatal(err)
		}
		for j := range out {
			s := float64(b[j])
			for i := range in {
				s += float64(x[i]) * float64(w[i*out+j])
			}
			if math.Abs(s-float64(got[j])) > 1e-4 {
				t.Fatalf("out[%d] = %v, want %v", j, got[j], s)
			}
		}
		if _, err := d.Forward(x[:10]); !errors.Is(err, ErrShape) {
			t.Fatalf("short input: %v", err)
		}
	})
	x := &Tensor{H: 1, W: 2, C: 2, Data: []float32{1, -2, 3, 4}}
	m, err := MeanHW(x)
	if err != nil || m[0] != 2 || m[1] != 1 {
		t.Fatalf("MeanHW = %v, %v", m, err)
	}
	p, err := Pad(x, 1, 0, 0, 1)
	if err != nil || p.H != 2 || p.W != 3 || p.At(1, 1, 1) != 4 || p.At(0, 0, 0) != 0 {
		t.Fatalf("Pad = %v %v, %v", p, p.Data, err)
	}
	s, err := Add(x, x)
	if err != nil || s.Data[3] != 8 {
		t.Fatalf("Add = %v, %v", s, err)
	}
	Activate(s, ReLU, 0)
	if s.Data[1] != 0 {
		t.Fatalf("ReLU left %v", s.Data[1])
	}
	v := []float32{1, 2, 3}
	Softmax(v)
	if math.Abs(float64(v[0]+v[1]+v[2])-1) > 1e-6 || v[2] <= v[1] {
		t.Fatalf("Softmax = %v", v)
	}
}

func TestFoldBatchNorm(t *testing.T) {
	p, err := FoldBatchNorm([]float32{1}, []float32{2}, []float32{3}, []float32{0.5}, []float32{4}, 1, ReLU6)
	if err != nil {
		t.Fatal(err)
	}
	// tf.batchNorm(x+1, 2, 3, 0.5, 4, 1) = (x+1-2)*4/2 + 0.5 = 2x - 1.5
	for _, x := range []float32{0, 1, 3} {
		want := min(max(2*x-1.5, 0), 6)
		if got := p.apply(x, 0); math.Abs(float64(got-want)) > 1e-6 {
			t.Fatalf("x=%v: %v, want %v", x, got, want)
		}
	}
}

func writeModel(t *testing.T, dir, manifest string, shard []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "m-weights_manifest.json"), []byte(manifest), 0o644); err != nil {
		t.Fatal(err)
	}
	if shard != nil {
		if err := os.WriteFile(filepath.Join(dir, "m.bin"), shard, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadWeights(t *testing.T) {
	manifest := `[{"paths":["m.bin"],"weights":[
	 {"name":"q","shape":[2,2],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.5,"min":-1}},
	 {"name":"f","shape":[2],"dtype":"float32"},
	 {"name":"i","shape":[],"dtype":"int32","quantization":{"dtype":"uint8","scale":1,"min":3072}},
	 {"name":"h","shape":[1],"dtype":"float32","quantization":{"dtype":"float16"}}]}]`
	var shard []byte
	shard = append(shard, 0, 1, 2, 255)
	shard = binary.LittleEndian.AppendUint32(shard, math.Float32bits(1.5))
	shard = binary.LittleEndian.AppendUint32(shard, math.Float32bits(-2))
	shard = append(shard, 7)
	shard = binary.LittleEndian.AppendUint16(shard, 0x3c00) // 1.0
	t.Run("ok", func(t *testing.T) {
		dir := t.TempDir()
		writeModel(t, dir, manifest, shard)
		w, err := LoadWeights(dir, "m")
		if err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name  string
			shape []int
			want  []float32
		}{
			{"q", []int{2, 2}, []float32{-1, -0.5, 0, 126.5}},
			{"f", []int{2}, []float32{1.5, -2}},
			{"i", nil, []float32{3079}},
			{"h", []int{1}, []float32{1}},
		}
		for _, c := range cases {
			got, err := w.Get(c.name, c.shape...)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			for i := range c.want {
				if got[i] != c.want[i] {
					t.Fatalf("%s = %v, want %v", c.name, got, c.want)
				}
			}
		}
		if _, err := w.Get("q", 4); !errors.Is(err, ErrBadModel) {
			t.Fatalf("wrong shape: %v", err)
		}
		if _, err := w.Get("nope"); !errors.Is(err, ErrBadModel) {
			t.Fatalf("missing tensor: %v", err)
		}
	})
	t.Run("missing manifest", func(t *testing.T) {
		if _, err := LoadWeights(t.TempDir(), "m"); !errors.Is(err, ErrModelsMissing) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("missing shard", func(t *testing.T) {
		dir := t.TempDir()
		writeModel(t, dir, manifest, nil)
		if _, err := LoadWeights(dir, "m"); !errors.Is(err, ErrModelsMissing) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("truncated shard", func(t *testing.T) {
		dir := t.TempDir()
		writeModel(t, dir, manifest, shard[:9])
		if _, err := LoadWeights(dir, "m"); !errors.Is(err, ErrBadModel) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("trailing bytes", func(t *testing.T) {
		dir := t.TempDir()
		writeModel(t, dir, manifest, append(append([]byte(nil), shard...), 0))
		if _, err := LoadWeights(dir, "m"); !errors.Is(err, ErrBadModel) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("bad json", func(t *testing.T) {
		dir := t.TempDir()
		writeModel(t, dir, "{", shard)
		if _, err := LoadWeights(dir, "m"); !errors.Is(err, ErrBadModel) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("path escape", func(t *testing.T) {
		dir := t.TempDir()
		writeModel(t, dir, `[{"paths":["../m.bin"],"weights":[]}]`, shard)
		if _, err := LoadWeights(dir, "m"); !errors.Is(err, ErrBadModel) {
			t.Fatalf("got %v", err)
		}
	})
}

func refPool(x *Tensor, k, stride int, pad Padding, isMax bool) *Tensor {
	oh, pt := outGeometry(x.H, k, stride, pad)
	ow, pl := outGeometry(x.W, k, stride, pad)
	out := NewTensor(oh, ow, x.C)
	for oy := range oh {
		for ox := range ow {
			for c := range x.C {
				best, sum, n := float32(math.Inf(-1)), 0.0, 0
				for ky := range k {
					for kx := range k {
						iy, ix := oy*stride-pt+ky, ox*stride-pl+kx
						if iy < 0 || iy >= x.H || ix < 0 || ix >= x.W {
							continue
						}
						v := x.At(iy, ix, c)
						best = max(best, v)
						sum += float64(v)
						n++
					}
				}
				if isMax {
					out.Set(oy, ox, c, best)
				} else {
					out.Set(oy, ox, c, float32(sum/float64(n)))
				}
			}
		}
	}
	return out
}

func TestPoolsRandom(t *testing.T) {
	cases := []struct {
		name      string
		h, w, c   int
		k, stride int
		pad       Padding
	}{
		{"2 s2 same odd", 13, 11, 16, 2, 2, Same},
		{"2 s1 same", 13, 13, 40, 2, 1, Same},
		{"3 s2 valid", 72, 72, 32, 3, 2, Valid},
		{"2 s2 valid few channels", 9, 8, 5, 2, 2, Valid},
		{"7 s2 valid", 7, 7, 256, 7, 2, Valid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bothPaths(t, func(t *testing.T) {
				r := rand.New(rand.NewPCG(9, uint64(tc.c)))
				x := randTensor(r, tc.h, tc.w, tc.c)
				for _, isMax := range []bool{true, false} {
					// A too-large scratch dst must be reused and reshaped.
					dst := NewTensor(tc.h, tc.w, tc.c+1)
					var got *Tensor
					var err error
					if isMax {
						got, err = MaxPoolInto(dst, x, tc.k, tc.stride, tc.pad)
					} else {
						got, err = AvgPoolInto(dst, x, tc.k, tc.stride, tc.pad)
					}
					if err != nil {
						t.Fatal(err)
					}
					if got != dst {
						t.Fatalf("dst with room was not reused")
					}
					if d := maxDiff(t, got, refPool(x, tc.k, tc.stride, tc.pad, isMax)); d > 1e-5 {
						t.Fatalf("max=%v: diff %g", isMax, d)
					}
				}
			})
		})
	}
}

func TestElementwise(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(11, 11))
		for _, n := range []int{1, 7, 8, 45, 130} {
			a, b := randTensor(r, 1, n, 1), randTensor(r, 1, n, 1)
			a.Data[0] = 7 // exercise the ReLU6 clip
			sum, err := Add(a, b)
			if err != nil {
				t.Fatal(err)
			}
			acc := a.Clone()
			if err := AddInPlace(acc, b); err != nil {
				t.Fatal(err)
			}
			for i := range n {
				if want := a.Data[i] + b.Data[i]; sum.Data[i] != want || acc.Data[i] != want {
					t.Fatalf("n=%d [%d]: Add %v, AddInPlace %v, want %v", n, i, sum.Data[i], acc.Data[i], want)
				}
			}
			for _, act := range []Activation{Linear, ReLU, ReLU6, Leaky} {
				got := a.Clone()
				Activate(got, act, 0.1)
				for i, v := range a.Data {
					if want := activate(v, act, 0.1); got.Data[i] != want {
						t.Fatalf("act %d: %v -> %v, want %v", act, v, got.Data[i], want)
					}
				}
			}
		}
		if err := AddInPlace(NewTensor(1, 2, 1), NewTensor(2, 1, 1)); !errors.Is(err, ErrShape) {
			t.Fatalf("shape mismatch: %v", err)
		}
	})
}

func TestWorkspace(t *testing.T) {
	var ws Workspace
	a := ws.Next(2, 3, 4)
	b := ws.Next(1, 1, 1)
	if a == b || len(a.Data) != 24 || len(b.Data) != 1 {
		t.Fatalf("Next gave %v and %v", a, b)
	}
	ws.Reset()
	a2 := ws.Next(2, 2, 4) // smaller: same storage
	b2 := ws.Next(5, 5, 5) // larger: new storage
	if a2 != a || len(a2.Data) != 16 || a2.H != 2 || a2.W != 2 {
		t.Fatalf("slot 0 not recycled: %v", a2)
	}
	if len(b2.Data) != 125 {
		t.Fatalf("slot 1 not grown: %v", b2)
	}
	// An Into op given a workspace tensor writes into it.
	r := rand.New(rand.NewPCG(1, 1))
	x := randTensor(r, 6, 6, 8)
	c, err := NewConv2D(randSlice(r, 9*8*16), 3, 3, 8, 16, 2, Same, Post{})
	if err != nil {
		t.Fatal(err)
	}
	ws.Reset()
	dst := ws.Next(OutSize(6, 3, 2, Same), OutSize(6, 3, 2, Same), 16)
	out, err := c.ForwardInto(dst, x, nil)
	if err != nil || out != dst {
		t.Fatalf("ForwardInto did not use the workspace tensor: %v", err)
	}
	if OutSize(5, 3, 1, Valid) != 3 || OutSize(2, 3, 1, Valid) != 0 || OutSize(5, 2, 2, Same) != 3 {
		t.Fatal("OutSize")
	}
}

// TestKernelsDirect feeds the raw micro-kernels the same tile (two panels,
// several depth segments, residual and each activation) and compares every
// variant with the portable Go kernel.
func TestKernelsDirect(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 21))
	const k, lda, nseg = 13, 40, 3
	segStride := 6 * lda // floats between segments
	a := randSlice(r, nseg*segStride+mr*lda)
	b := randSlice(r, 2*nseg*k*nr) // two panels of depth nseg*k
	scale, shift := randSlice(r, 2*nr), randSlice(r, 2*nr)
	res := randSlice(r, mr*2*nr)
	for _, flags := range []int{0, flagReLU, flagReLU6 | flagResidual, flagLeaky | flagResidual} {
		ep := kernelEpi{scale: &scale[0], shift: &shift[0], flags: flags, alpha: 0.1, nseg: nseg, segStride: segStride * 4}
		if flags&flagResidual != 0 {
			ep.res, ep.ldr = &res[0], 2*nr
		}
		want := make([]float32, mr*2*nr)
		kernelWidePortable(k, &a[0], lda, &b[0], &want[0], 2*nr, &ep)
		// The portable wide kernel itself must equal a direct sum.
		for i := range mr {
			for j := range 2 * nr {
				var s float64
				for sg := range nseg {
					for kk := range k {
						bv := b[(j/nr)*nseg*k*nr+(sg*k+kk)*nr+j%nr]
						s += float64(a[sg*segStride+i*lda+kk]) * float64(bv)
					}
				}
				v := float32(s)*scale[j] + shift[j]
				if flags&flagResidual != 0 {
					v += res[i*2*nr+j]
				}
				switch {
				case flags&flagReLU != 0:
					v = max(v, 0)
				case flags&flagReLU6 != 0:
					v = min(max(v, 0), 6)
				case flags&flagLeaky != 0:
					v = max(v, 0.1*v)
				}
				if math.Abs(float64(v-want[i*2*nr+j])) > 1e-4 {
					t.Fatalf("flags %d: portable [%d][%d] = %v, want %v", flags, i, j, want[i*2*nr+j], v)
				}
			}
		}
		if SupportedKernel() >= KernelAVX2 {
			got := make([]float32, mr*2*nr)
			kernelAsm(k, &a[0], lda, &b[0], &got[0], 2*nr, &ep)
			ep2 := ep
			ep2.scale, ep2.shift = &scale[nr], &shift[nr]
			if ep.res != nil {
				ep2.res = &res[nr]
			}
			kernelAsm(k, &a[0], lda, &b[nseg*k*nr], &got[nr], 2*nr, &ep2)
			if d := maxAbs(got, want); d > 1e-4 {
				t.Fatalf("flags %d: avx2 kernel off by %g", flags, d)
			}
		}
		if SupportedKernel() >= KernelAVX512 {
			got := make([]float32, mr*2*nr)
			kernelNarrow512(k, &a[0], lda, &b[0], &got[0], 2*nr, &ep)
			ep2 := ep
			ep2.scale, ep2.shift = &scale[nr], &shift[nr]
			if ep.res != nil {
				ep2.res = &res[nr]
			}
			kernelNarrow512(k, &a[0], lda, &b[nseg*k*nr], &got[nr], 2*nr, &ep2)
			if d := maxAbs(got, want); d > 1e-4 {
				t.Fatalf("flags %d: avx512 16-column kernel off by %g", flags, d)
			}
			kernelWide(k, &a[0], lda, &b[0], &got[0], 2*nr, &ep)
			if d := maxAbs(got, want); d > 1e-4 {
				t.Fatalf("flags %d: avx512 kernel off by %g", flags, d)
			}
		}
	}
}

func maxAbs(a, b []float32) float64 {
	var m float64
	for i := range a {
		m = max(m, math.Abs(float64(a[i]-b[i])))
	}
	return m
}

// FuzzLoadWeights: any manifest/shard pair loads or fails with an error;
// it never panics or allocates for shapes the shard cannot hold.
func FuzzLoadWeights(f *testing.F) {
	f.Add(`[{"paths":["m.bin"],"weights":[{"name":"q","shape":[2,2],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.5,"min":-1}}]}]`, []byte{1, 2, 3, 4})
	f.Add(`[{"paths":["m.bin"],"weights":[{"name":"f","shape":[1],"dtype":"float32"},{"name":"i","shape":[],"dtype":"int32"}]}]`, []byte{0, 0, 128, 63, 7, 0, 0, 0})
	f.Add(`[{"paths":["m.bin"],"weights":[{"name":"h","shape":[2147483647],"dtype":"float32","quantization":{"dtype":"float16"}}]}]`, []byte{0, 60})
	f.Fuzz(func(t *testing.T, manifest string, shard []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "m-weights_manifest.json"), []byte(manifest), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "m.bin"), shard, 0o644); err != nil {
			t.Fatal(err)
		}
		w, err := LoadWeights(dir, "m")
		if err != nil {
			if !errors.Is(err, ErrBadModel) && !errors.Is(err, ErrModelsMissing) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		for _, n := range w.Names() {
			p, _ := w.Param(n)
			count := 1
			for _, d := range p.Shape {
				count *= d
			}
			if len(p.Data) != count {
				t.Fatalf("%s: %d values for shape %v", n, len(p.Data), p.Shape)
			}
		}
	})
}

func TestIntoRefusesAliasing(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	x := randTensor(r, 8, 8, 8)
	c, err := NewConv2D(randSlice(r, 9*8*8), 3, 3, 8, 8, 1, Same, Post{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := NewDepthwiseConv2D(randSlice(r, 9*8), 3, 3, 8, 2, Same, Post{})
	if err != nil {
		t.Fatal(err)
	}
	res := randTensor(r, 8, 8, 8)
	shifted := &Tensor{H: 4, W: 4, C: 8, Data: x.Data[8:136]} // inside x
	cases := []struct {
		name string
		f    func() error
	}{
		{"conv into its input", func() error { _, err := c.ForwardInto(x, x, nil); return err }},
		{"conv into its residual", func() error { _, err := c.ForwardInto(res, x, res); return err }},
		{"depthwise into overlapping input", func() error { _, err := d.ForwardInto(shifted, x); return err }},
		{"pool into its input", func() error { _, err := MaxPoolInto(x, x, 2, 2, Valid); return err }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.f(); !errors.Is(err, ErrAlias) {
				t.Fatalf("got %v, want ErrAlias", err)
			}
		})
	}
	if x.H != 8 || len(x.Data) != 8*8*8 {
		t.Fatalf("refused destination was reshaped: %v", x)
	}
}

// TestParallelFor runs many parallel loops from several goroutines at once
// (only one can have the helpers; the others run alone) and checks every
// job ran exactly once and the loop returned only after all of them.
func TestParallelFor(t *testing.T) {
	for _, workers := range []int{1, 2, 4} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make(chan string, 8)
			for g := range 8 {
				wg.Go(func() {
					for round := range 50 {
						jobs := 1 + (g*7+round)%37
						counts := make([]int32, jobs)
						parallelFor(jobs, workers, 16, func(j int, buf []float32) {
							if len(buf) != 16 {
								panic("scratch buffer of wrong size")
							}
							atomic.AddInt32(&counts[j], 1)
						})
						for j, c := range counts {
							if c != 1 {
								errs <- fmt.Sprintf("goroutine %d round %d: job %d ran %d times", g, round, j, c)
								return
							}
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
		})
	}
}
