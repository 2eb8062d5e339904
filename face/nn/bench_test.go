package nn

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkGEMM times the packed GEMM on shapes from the face nets (M output
// pixels × K patch length × N output channels) and reports GFLOP/s.
func BenchmarkGEMM(b *testing.B) {
	shapes := []struct{ m, k, n int }{
		{5184, 147, 32},  // recognition stem (7×7×3)
		{1225, 288, 32},  // recognition 32-channel residual conv
		{289, 576, 64},   // recognition 64-channel residual conv
		{64, 1152, 128},  // recognition 128-channel residual conv
		{9, 2304, 256},   // recognition 256-channel residual conv
		{2704, 256, 512}, // large 1×1 pointwise (MobileNet-like)
	}
	for _, s := range shapes {
		for l := SupportedKernel(); l >= KernelPortable; l-- {
			b.Run(fmt.Sprintf("%dx%dx%d/%v", s.m, s.k, s.n, l), func(b *testing.B) {
				SetMaxKernel(l)
				defer ForcePortable(false)
				r := rand.New(rand.NewPCG(1, 2))
				a := randSlice(r, s.m*s.k)
				p, err := PackB(randSlice(r, s.k*s.n), s.k, s.n, Post{Act: ReLU})
				if err != nil {
					b.Fatal(err)
				}
				c := make([]float32, s.m*s.n)
				for b.Loop() {
					if err := p.MatMul(c, a, s.m, nil); err != nil {
						b.Fatal(err)
					}
				}
				flops := 2 * float64(s.m*s.k*s.n) * float64(b.N)
				b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkDepthwise times a MobileNet-style 3×3 depthwise conv.
func BenchmarkDepthwise(b *testing.B) {
	for _, s := range []struct{ h, c, stride int }{{416, 3, 1}, {208, 16, 1}, {104, 128, 1}, {52, 256, 2}, {13, 1024, 1}} {
		b.Run(fmt.Sprintf("%dx%dx%d_s%d", s.h, s.h, s.c, s.stride), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			x := randTensor(r, s.h, s.h, s.c)
			d, err := NewDepthwiseConv2D(randSlice(r, 9*s.c), 3, 3, s.c, s.stride, Same, Post{Shift: randSlice(r, s.c), Act: ReLU6})
			if err != nil {
				b.Fatal(err)
			}
			dst := NewTensor(1, 1, 1)
			for b.Loop() {
				if dst, err = d.ForwardInto(dst, x); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
