package nn

import (
	"fmt"
	"sync/atomic"
)

// Padding selects how a window layer treats the image border.
type Padding int

const (
	// Valid uses only windows that lie fully inside the input.
	Valid Padding = iota
	// Same pads with zeros exactly like TensorFlow's "SAME": the output is
	// ceil(in/stride) and the total padding max((out-1)*stride+k-in, 0) is
	// split with the smaller half before (top/left).
	Same
)

// outGeometry returns the output size and the leading padding of a window
// of size k with the given stride along one axis.
func outGeometry(in, k, stride int, pad Padding) (out, before int) {
	if pad == Same {
		out = (in + stride - 1) / stride
		total := max((out-1)*stride+k-in, 0)
		return out, total / 2
	}
	if in < k {
		return 0, 0
	}
	return (in-k)/stride + 1, 0
}

func checkWindow(op string, k, stride int, pad Padding) error {
	if k <= 0 || stride <= 0 || (pad != Valid && pad != Same) {
		return fmt.Errorf("nn: %s: window %d stride %d padding %d: %w", op, k, stride, pad, ErrShape)
	}
	return nil
}

// Conv2D is a 2-D convolution (TF conv2d, NHWC, filter [kh, kw, cin, cout])
// with a fused per-channel epilogue. It is immutable and safe for
// concurrent use; its fields describe it and are read-only.
type Conv2D struct {
	KH, KW, Cin, Cout int
	Stride            int
	Pad               Padding
	b                 *PackedB
}

// NewConv2D prepares a convolution from a TF-ordered filter
// [kh, kw, cin, cout] and the epilogue post (bias, folded scale, activation).
func NewConv2D(filter []float32, kh, kw, cin, cout, stride int, pad Padding, post Post) (*Conv2D, error) {
	if err := checkWindow("conv2d", min(kh, kw), stride, pad); err != nil {
		return nil, err
	}
	if cin <= 0 || cout <= 0 || len(filter) != kh*kw*cin*cout {
		return nil, fmt.Errorf("nn: conv2d filter %dx%dx%dx%d from %d values: %w", kh, kw, cin, cout, len(filter), ErrShape)
	}
	// [kh, kw, cin, cout] is already the row-major K×N matrix with
	// K ordered (ky, kx, ci), the order im2col writes patches in.
	b, err := PackB(filter, kh*kw*cin, cout, post)
	if err != nil {
		return nil, fmt.Errorf("nn: conv2d: %w", err)
	}
	return &Conv2D{KH: kh, KW: kw, Cin: cin, Cout: cout, Stride: stride, Pad: pad, b: b}, nil
}

// OutSize is the output height and width for an h×w input.
func (c *Conv2D) OutSize(h, w int) (oh, ow int) {
	oh, _ = outGeometry(h, c.KH, c.Stride, c.Pad)
	ow, _ = outGeometry(w, c.KW, c.Stride, c.Pad)
	return oh, ow
}

// MulAdds is the number of multiply-adds for an h×w input.
func (c *Conv2D) MulAdds(h, w int) int {
	oh, ow := c.OutSize(h, w)
	return oh * ow * c.KH * c.KW * c.Cin * c.Cout
}

// Forward convolves x into a new tensor. res, if not nil, must have the
// output's shape and is added before the activation (residual blocks).
func (c *Conv2D) Forward(x, res *Tensor) (*Tensor, error) { return c.ForwardInto(nil, x, res) }

// ForwardInto is Forward writing into dst's storage when it is large enough
// (dst is reshaped to the output and returned; e.g. from a Workspace);
// otherwise, or with a nil dst, a new tensor is allocated. dst must not
// alias x or res.
func (c *Conv2D) ForwardInto(dst, x, res *Tensor) (*Tensor, error) {
	if err := x.valid(); err != nil {
		return nil, fmt.Errorf("nn: conv2d: %w", err)
	}
	if x.C != c.Cin {
		return nil, fmt.Errorf("nn: conv2d: input has %d channels, want %d: %w", x.C, c.Cin, ErrShape)
	}
	oh, pt := outGeometry(x.H, c.KH, c.Stride, c.Pad)
	ow, pl := outGeometry(x.W, c.KW, c.Stride, c.Pad)
	if oh <= 0 || ow <= 0 {
		return nil, fmt.Errorf("nn: conv2d: %v too small for %dx%d window: %w", x, c.KH, c.KW, ErrShape)
	}
	if res != nil && (res.H != oh || res.W != ow || res.C != c.Cout || len(res.Data) != oh*ow*c.Cout) {
		return nil, fmt.Errorf("nn: conv2d: residual %v, want %dx%dx%d: %w", res, oh, ow, c.Cout, ErrShape)
	}
	dst, err := intoDst("conv2d", dst, oh, ow, c.Cout, x, res)
	if err != nil {
		return nil, err
	}
	var rd []float32
	if res != nil {
		rd = res.Data
	}
	if c.KH == 1 && c.KW == 1 && c.Stride == 1 {
		runGEMM(oh*ow, c.b, dst.Data, rd, func(_ []float32, m0, m1 int) ([]float32, int) {
			return x.Data[m0*c.Cin : m1*c.Cin], c.Cin
		})
		return dst, nil
	}
	// Implicit GEMM (any stride) recomputes up to 5 pixels per row when ow is not a
	// multiple of 6; beyond ~15% extra work im2col is the cheaper of the two.
	mode := implicitMode.Load()
	if tiles := (ow + mr - 1) / mr; ow >= mr && mode != implicitNever &&
		(tiles*mr*100 <= ow*115 || mode == implicitAlways) {
		c.forwardImplicit(dst, x, rd, oh, ow, pt, pl)
		return dst, nil
	}
	g := im2colGeom{x: x, kh: c.KH, kw: c.KW, stride: c.Stride, pt: pt, pl: pl, ow: ow}
	runGEMM(oh*ow, c.b, dst.Data, rd, g.fill)
	return dst, nil
}

// implicitMode lets tests force the implicit-GEMM path on or off to compare
// it with im2col; the default picks by the work each would do.
var implicitMode atomic.Int32

const (
	implicitAuto = iota
	implicitNever
	implicitAlways
)

// forwardImplicit is the convolution without im2col. In the zero-padded
// input xp (Wp pixels wide) the patch row ky of output pixel (oy, ox) is
// the kw*C contiguous floats at padded pixel (oy*s+ky, ox*s), and the same
// row of pixel ox+1 starts s*C floats later. So a 6-pixel tile is a GEMM
// tile with lda = s*C whose depth runs over kh segments Wp*C floats apart,
// which the kernels take directly (kernelEpi.nseg). Tiles stay within
// one output row; when ow is not a multiple of 6 the last tile of a row
// overlaps the previous one and recomputes a few identical values.
func (c *Conv2D) forwardImplicit(dst, x *Tensor, res []float32, oh, ow, pt, pl int) {
	C, n, s := x.C, c.Cout, c.Stride
	pb := max((oh-1)*s+c.KH-x.H-pt, 0)
	pr := max((ow-1)*s+c.KW-x.W-pl, 0)
	xp := x
	if pt > 0 || pl > 0 || pb > 0 || pr > 0 {
		h, w := x.H+pt+pb, x.W+pl+pr
		buf := getScratch(h * w * C)
		defer scratchPool.Put(buf)
		xp = &Tensor{H: h, W: w, C: C, Data: *buf}
		padInto(xp.Data, x, pt, pb, pl, pr)
	}
	p := c.b
	kseg := c.KW * C
	rowsPer := max(1, chunkRows(p.K)/ow)
	chunks := (oh + rowsPer - 1) / rowsPer
	schedule(chunks, p.panels, oh*ow*p.K*n, 2*mr*nr, func(ci, p0, p1 int, tile []float32) {
		y0 := ci * rowsPer
		implicitBlock(p, xp, dst.Data, res, tile, y0, min(y0+rowsPer, oh), ow, kseg, c.KH, s, p0, p1)
	})
}

// implicitBlock computes output rows [y0, y1) × panels [p0, p1).
func implicitBlock(p *PackedB, xp *Tensor, c, res, tile []float32, y0, y1, ow, kseg, kh, s, p0, p1 int) {
	C, n := xp.C, p.N
	level := ActiveKernel()
	kern := kernelFor(level)
	flags := p.flags()
	ep := kernelEpi{alpha: p.alpha, nseg: kh, segStride: xp.W * C * 4}
	lda := s * C
	for pan := p0; pan < p1; {
		wide := level >= KernelAVX512 && pan+1 < p1
		width := nr
		if wide {
			width = 2 * nr
		}
		n0 := pan * nr
		cols := min(width, n-n0)
		b := &p.data[pan*p.K*nr]
		ep.scale, ep.shift = &p.scale[n0], &p.shift[n0]
		for oy := y0; oy < y1; oy++ {
			for x0 := 0; x0 < ow; x0 += mr {
				x0 := min(x0, ow-mr)
				a := &xp.Data[(oy*s*xp.W+x0*s)*C]
				m := oy*ow + x0
				if cols == width {
					ep.flags, ep.res, ep.ldr = flags, nil, 0
					if res != nil {
						ep.flags |= flagResidual
						ep.res, ep.ldr = &res[m*n+n0], n
					}
					if wide {
						kernelWide(kseg, a, lda, b, &c[m*n+n0], n, &ep)
					} else {
						kern(kseg, a, lda, b, &c[m*n+n0], n, &ep)
					}
					continue
				}
				ep.flags, ep.res, ep.ldr = 0, nil, 0
				if wide {
					kernelWide(kseg, a, lda, b, &tile[0], width, &ep)
				} else {
					kern(kseg, a, lda, b, &tile[0], width, &ep)
				}
				for i := range mr {
					crow := c[(m+i)*n+n0 : (m+i)*n+n0+cols]
					for j := range crow {
						v := tile[i*width+j]
						if res != nil {
							v += res[(m+i)*n+n0+j]
						}
						crow[j] = activate(v, p.act, p.alpha)
					}
				}
			}
		}
		pan++
		if wide {
			pan++
		}
	}
}

// im2colGeom writes convolution patches as rows of the GEMM's left matrix.
type im2colGeom struct {
	x              *Tensor
	kh, kw, stride int
	pt, pl, ow     int
}

// fill writes the patches of output pixels [m0, m1) into buf, one row of
// kh*kw*C values per pixel in (ky, kx, c) order, zeros outside the input.
func (g *im2colGeom) fill(buf []float32, m0, m1 int) ([]float32, int) {
	x := g.x
	C := x.C
	seg := g.kw * C
	k := g.kh * seg
	for m := m0; m < m1; m++ {
		oy, ox := m/g.ow, m%g.ow
		row := buf[(m-m0)*k : (m-m0+1)*k]
		iy0 := oy*g.stride - g.pt
		ix0 := ox*g.stride - g.pl
		for ky := range g.kh {
			dst := row[ky*seg : (ky+1)*seg]
			iy := iy0 + ky
			if iy < 0 || iy >= x.H {
				clear(dst)
				continue
			}
			if ix0 >= 0 && ix0+g.kw <= x.W {
				off := (iy*x.W + ix0) * C
				copy(dst, x.Data[off:off+seg])
				continue
			}
			for kx := range g.kw {
				ix := ix0 + kx
				d := dst[kx*C : (kx+1)*C]
				if ix < 0 || ix >= x.W {
					clear(d)
					continue
				}
				off := (iy*x.W + ix) * C
				copy(d, x.Data[off:off+C])
			}
		}
	}
	return buf[:(m1-m0)*k], k
}
