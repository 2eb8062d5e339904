package nn

import (
	"fmt"
	"sync"
)

// DepthwiseConv2D is TF's depthwiseConv2d with channel multiplier 1
// (filter [kh, kw, c, 1]) and a fused per-channel epilogue. It is immutable
// and safe for concurrent use.
type DepthwiseConv2D struct {
	KH, KW, C int
	Stride    int
	Pad       Padding
	w         []float32 // [kh*kw][c]
	post      Post
}

// NewDepthwiseConv2D prepares a depthwise convolution.
func NewDepthwiseConv2D(filter []float32, kh, kw, c, stride int, pad Padding, post Post) (*DepthwiseConv2D, error) {
	if err := checkWindow("depthwise conv2d", min(kh, kw), stride, pad); err != nil {
		return nil, err
	}
	if c <= 0 || len(filter) != kh*kw*c {
		return nil, fmt.Errorf("nn: depthwise conv2d filter %dx%dx%dx1 from %d values: %w", kh, kw, c, len(filter), ErrShape)
	}
	if err := post.check(c); err != nil {
		return nil, fmt.Errorf("nn: depthwise conv2d: %w", err)
	}
	return &DepthwiseConv2D{KH: kh, KW: kw, C: c, Stride: stride, Pad: pad, w: append([]float32(nil), filter...), post: post}, nil
}

// OutSize is the output height and width for an h×w input.
func (d *DepthwiseConv2D) OutSize(h, w int) (oh, ow int) {
	oh, _ = outGeometry(h, d.KH, d.Stride, d.Pad)
	ow, _ = outGeometry(w, d.KW, d.Stride, d.Pad)
	return oh, ow
}

// Forward convolves x into a new tensor.
func (d *DepthwiseConv2D) Forward(x *Tensor) (*Tensor, error) { return d.ForwardInto(nil, x) }

// ForwardInto is Forward writing into dst when it has the output shape
// (dst must not alias x).
func (d *DepthwiseConv2D) ForwardInto(dst, x *Tensor) (*Tensor, error) {
	if err := x.valid(); err != nil {
		return nil, fmt.Errorf("nn: depthwise conv2d: %w", err)
	}
	if x.C != d.C {
		return nil, fmt.Errorf("nn: depthwise conv2d: input has %d channels, want %d: %w", x.C, d.C, ErrShape)
	}
	oh, pt := outGeometry(x.H, d.KH, d.Stride, d.Pad)
	ow, pl := outGeometry(x.W, d.KW, d.Stride, d.Pad)
	if oh <= 0 || ow <= 0 {
		return nil, fmt.Errorf("nn: depthwise conv2d: %v too small for %dx%d window: %w", x, d.KH, d.KW, ErrShape)
	}
	dst = ensure(dst, oh, ow, d.C)
	parallelRows(oh, ow*d.C*d.KH*d.KW, func(y0, y1 int) {
		for oy := y0; oy < y1; oy++ {
			d.row(dst, x, oy, ow, pt, pl)
		}
	})
	return dst, nil
}

// row computes output row oy: every tap adds input×weight over the channel
// vector, which is contiguous in HWC and so vectorises.
func (d *DepthwiseConv2D) row(dst, x *Tensor, oy, ow, pt, pl int) {
	C := d.C
	out := dst.Data[oy*ow*C : (oy+1)*ow*C]
	clear(out)
	iy0 := oy*d.Stride - pt
	for ky := range d.KH {
		iy := iy0 + ky
		if iy < 0 || iy >= x.H {
			continue
		}
		inRow := x.Data[iy*x.W*C : (iy+1)*x.W*C]
		for kx := range d.KW {
			w := d.w[(ky*d.KW+kx)*C : (ky*d.KW+kx+1)*C]
			// Output columns whose tap kx lands inside the row.
			ox0, ox1 := 0, ow
			for ox0 < ow && ox0*d.Stride-pl+kx < 0 {
				ox0++
			}
			for ox1 > ox0 && (ox1-1)*d.Stride-pl+kx >= x.W {
				ox1--
			}
			if ox0 >= ox1 {
				continue
			}
			ix := ox0*d.Stride - pl + kx
			mulAddStrided(out[ox0*C:], inRow[ix*C:], w, ox1-ox0, C, d.Stride*C)
		}
	}
	p := &d.post
	if p.Scale == nil && p.Shift == nil && p.Act == Linear {
		return
	}
	for o := 0; o < len(out); o += C {
		v := out[o : o+C]
		for c := range v {
			v[c] = p.apply(v[c], c)
		}
	}
}

// mulAddStrided does dst[i*c+j] += src[i*srcStride+j]*w[j] for i < n, j < c.
func mulAddStrided(dst, src, w []float32, n, c, srcStride int) {
	if UsingAssembly() && c >= 8 {
		mulAddStridedAsm(dst, src, w, n, c, srcStride)
		return
	}
	for i := range n {
		o := dst[i*c : i*c+c]
		s := src[i*srcStride : i*srcStride+c]
		for j, wv := range w[:c] {
			o[j] += s[j] * wv
		}
	}
}

// parallelRows splits [0, rows) over the worker goroutines when the work
// (rows × perRow multiply-adds) is big enough to pay for them.
func parallelRows(rows, perRow int, f func(y0, y1 int)) {
	workers := threads()
	if workers <= 1 || rows < 2 || rows*perRow < 1<<16 {
		f(0, rows)
		return
	}
	workers = min(workers, rows)
	var wg sync.WaitGroup
	for i := 1; i < workers; i++ {
		y0, y1 := i*rows/workers, (i+1)*rows/workers
		wg.Go(func() { f(y0, y1) })
	}
	f(0, rows/workers)
	wg.Wait()
}

// SeparableConv2D is TF's separableConv2d: a depthwise convolution (no
// epilogue) followed by a 1×1 convolution carrying the epilogue (bias and
// activation).
type SeparableConv2D struct {
	Depthwise *DepthwiseConv2D
	Pointwise *Conv2D
}

// NewSeparableConv2D prepares a separable convolution from the depthwise
// filter [kh, kw, cin, 1] and the pointwise filter [1, 1, cin, cout].
func NewSeparableConv2D(depthwise []float32, kh, kw, cin int, pointwise []float32, cout, stride int, pad Padding, post Post) (*SeparableConv2D, error) {
	dw, err := NewDepthwiseConv2D(depthwise, kh, kw, cin, stride, pad, Post{})
	if err != nil {
		return nil, fmt.Errorf("nn: separable conv2d: %w", err)
	}
	pw, err := NewConv2D(pointwise, 1, 1, cin, cout, 1, Valid, post)
	if err != nil {
		return nil, fmt.Errorf("nn: separable conv2d: %w", err)
	}
	return &SeparableConv2D{Depthwise: dw, Pointwise: pw}, nil
}

// Forward runs both stages; res (may be nil) is added before the activation.
func (s *SeparableConv2D) Forward(x, res *Tensor) (*Tensor, error) {
	mid, err := s.Depthwise.Forward(x)
	if err != nil {
		return nil, err
	}
	return s.Pointwise.Forward(mid, res)
}
