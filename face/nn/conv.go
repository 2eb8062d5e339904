package nn

import "fmt"

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
// concurrent use.
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

// ForwardInto is Forward writing into dst when dst already has the output
// shape (dst must not alias x or res); otherwise a new tensor is allocated.
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
	dst = ensure(dst, oh, ow, c.Cout)
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
	g := im2colGeom{x: x, kh: c.KH, kw: c.KW, stride: c.Stride, pt: pt, pl: pl, ow: ow}
	runGEMM(oh*ow, c.b, dst.Data, rd, g.fill)
	return dst, nil
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
