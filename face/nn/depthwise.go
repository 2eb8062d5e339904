package nn

import (
	"fmt"
	"sync/atomic"
)

// DepthwiseConv2D is TF's depthwiseConv2d with channel multiplier 1
// (filter [kh, kw, c, 1]) and a fused per-channel epilogue. It is immutable
// and safe for concurrent use; its exported fields are read-only.
type DepthwiseConv2D struct {
	KH, KW, C int
	Stride    int
	Pad       Padding
	w         []float32 // [kh*kw][c]
	post      Post
	// scale and shift are post's, expanded to c values (1 and 0 when
	// absent) for the vector kernel.
	scale, shift []float32
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
	d := &DepthwiseConv2D{KH: kh, KW: kw, C: c, Stride: stride, Pad: pad, w: append([]float32(nil), filter...), post: post,
		scale: make([]float32, c), shift: make([]float32, c)}
	for i := range c {
		d.scale[i] = 1
		if post.Scale != nil {
			d.scale[i] = post.Scale[i]
		}
		if post.Shift != nil {
			d.shift[i] = post.Shift[i]
		}
	}
	return d, nil
}

// OutSize is the output height and width for an h×w input.
func (d *DepthwiseConv2D) OutSize(h, w int) (oh, ow int) {
	oh, _ = outGeometry(h, d.KH, d.Stride, d.Pad)
	ow, _ = outGeometry(w, d.KW, d.Stride, d.Pad)
	return oh, ow
}

// Forward convolves x into a new tensor.
func (d *DepthwiseConv2D) Forward(x *Tensor) (*Tensor, error) { return d.ForwardInto(nil, x) }

// ForwardInto is Forward writing into dst's storage when it is large enough
// (dst is reshaped and returned); dst must not alias x.
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
	dst, err := intoDst("depthwise conv2d", dst, oh, ow, d.C, x)
	if err != nil {
		return nil, err
	}
	if UsingAssembly() && d.C%8 == 0 && !depthwisePadded.Load() {
		d.forwardDirect(dst, x, oh, ow, pt, pl)
		return dst, nil
	}
	// Zero-pad once so that every output pixel sees all its taps: the inner
	// loops then run without bounds logic, and the taps of one pixel are
	// summed in registers before a single store.
	xp := x
	if pb, pr := max((oh-1)*d.Stride+d.KH-x.H-pt, 0), max((ow-1)*d.Stride+d.KW-x.W-pl, 0); pt > 0 || pl > 0 || pb > 0 || pr > 0 {
		ph, pw := x.H+pt+pb, x.W+pl+pr
		s := getScratch(ph * pw * x.C)
		defer scratchPool.Put(s)
		xp = &Tensor{H: ph, W: pw, C: x.C, Data: *s}
		padInto(xp.Data, x, pt, pb, pl, pr)
	}
	var flat *flatWeights
	if UsingAssembly() && d.C < 8 && d.Stride == 1 {
		flat = d.flatten(ow)
	}
	parallelRows(oh, ow*d.C*d.KH*d.KW, func(y0, y1 int) {
		for oy := y0; oy < y1; oy++ {
			out := dst.Data[oy*ow*d.C : (oy+1)*ow*d.C]
			if flat != nil {
				d.flatRow(out, xp, oy, flat)
				continue
			}
			d.row(out, xp, oy*d.Stride, ow)
		}
	})
	return dst, nil
}

// depthwisePadded lets tests force the padded-copy path where forwardDirect
// would run, to compare the two.
var depthwisePadded atomic.Bool

// forwardDirect is the vector path for channel counts that are multiples
// of 8 without a padded copy of the input (which for the large early
// MobileNet layers doubled the memory traffic): pixels whose window lies
// inside the input read it in place; rows whose window crosses the top or
// bottom edge read a zero-padded copy of just their kh input rows; the few
// remaining edge pixels read a zero-padded copy of just their window.
func (d *DepthwiseConv2D) forwardDirect(dst, x *Tensor, oh, ow, pt, pl int) {
	C, s := d.C, d.Stride
	oxa := min((pl+s-1)/s, ow)
	oxb := oxa
	for oxb < ow && oxb*s-pl+d.KW <= x.W {
		oxb++
	}
	bandW := (ow-1)*s + d.KW
	parallelRows(oh, ow*C*d.KH*d.KW, func(y0, y1 int) {
		band := getScratch(d.KH * bandW * C)
		defer scratchPool.Put(band)
		patch := getScratch(d.KH * d.KW * C)
		defer scratchPool.Put(patch)
		for oy := y0; oy < y1; oy++ {
			out := dst.Data[oy*ow*C : (oy+1)*ow*C]
			iy0 := oy*s - pt
			if iy0 < 0 || iy0+d.KH > x.H {
				b := *band
				for ky := range d.KH {
					row := b[ky*bandW*C : (ky+1)*bandW*C]
					iy := iy0 + ky
					if iy < 0 || iy >= x.H {
						clear(row)
						continue
					}
					// Band column j is input column j-pl.
					lo, hi := max(pl, 0), min(pl+x.W, bandW)
					clear(row[:lo*C])
					if hi > lo {
						copy(row[lo*C:hi*C], x.Data[(iy*x.W+lo-pl)*C:(iy*x.W+hi-pl)*C])
					}
					clear(row[max(hi, lo)*C:])
				}
				depthwiseRowAsm(out, b, d, ow, bandW*C)
				continue
			}
			if oxb > oxa {
				src := x.Data[(iy0*x.W+oxa*s-pl)*C:]
				depthwiseRowAsm(out[oxa*C:oxb*C], src, d, oxb-oxa, x.W*C)
			}
			for ox := 0; ox < ow; ox++ {
				if ox >= oxa && ox < oxb {
					ox = oxb - 1 // done in place above
					continue
				}
				p := *patch
				for ky := range d.KH {
					iy := iy0 + ky
					for kx := range d.KW {
						ix := ox*s - pl + kx
						cell := p[(ky*d.KW+kx)*C : (ky*d.KW+kx+1)*C]
						if ix < 0 || ix >= x.W {
							clear(cell)
							continue
						}
						copy(cell, x.Data[(iy*x.W+ix)*C:(iy*x.W+ix+1)*C])
					}
				}
				depthwiseRowAsm(out[ox*C:(ox+1)*C], p, d, 1, d.KW*C)
			}
		}
	})
}

// flatWeights are a layer's weights, scale and shift tiled with period C
// over a whole output row of n = ow*C values (see depthwiseFlatAsm).
type flatWeights struct {
	n               int
	w, scale, shift []float32
}

func (d *DepthwiseConv2D) flatten(ow int) *flatWeights {
	C := d.C
	n := ow * C
	taps := d.KH * d.KW
	f := &flatWeights{n: n, w: make([]float32, taps*n), scale: make([]float32, n), shift: make([]float32, n)}
	for t := range taps {
		for i := range n {
			f.w[t*n+i] = d.w[t*C+i%C]
		}
	}
	for i := range n {
		f.scale[i] = d.scale[i%C]
		f.shift[i] = d.shift[i%C]
	}
	return f
}

// flatRow computes output row oy of a stride-1 layer with few channels.
func (d *DepthwiseConv2D) flatRow(out []float32, xp *Tensor, oy int, flat *flatWeights) {
	C := d.C
	rowStride := xp.W * C
	src := xp.Data[oy*rowStride:]
	done := depthwiseFlatAsm(out, src, d, flat, rowStride)
	p := &d.post
	for i := done; i < len(out); i++ {
		var s float32
		for ky := range d.KH {
			for kx := range d.KW {
				s += src[ky*rowStride+kx*C+i] * d.w[(ky*d.KW+kx)*C+i%C]
			}
		}
		out[i] = p.apply(s, i%C)
	}
}

// row computes one output row of ow pixels from the padded input whose
// window rows start at iy.
func (d *DepthwiseConv2D) row(out []float32, xp *Tensor, iy, ow int) {
	C := d.C
	src := xp.Data[iy*xp.W*C:]
	done := 0
	if UsingAssembly() {
		done = depthwiseRowAsm(out, src, d, ow, xp.W*C)
	}
	if done == C {
		return
	}
	// Channels the vector kernel left (all of them on the portable path).
	// Slices are cut to the channel count so the compiler drops the
	// bounds checks in the innermost loop.
	p := &d.post
	rowStride := xp.W * C
	nt := C - done
	for ox := range ow {
		o := out[ox*C+done : ox*C+C]
		clear(o)
		base := ox*d.Stride*C + done
		for ky := range d.KH {
			for kx := range d.KW {
				off := base + ky*rowStride + kx*C
				s := src[off : off+nt]
				w := d.w[(ky*d.KW+kx)*C+done:]
				w = w[:len(s)]
				for c, v := range s {
					o[c] += v * w[c]
				}
			}
		}
		for c := range o {
			o[c] = p.apply(o[c], done+c)
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
	// Twice as many chunks as workers lets a helper that starts late
	// still take a share.
	chunks := min(rows, 2*workers)
	parallelFor(chunks, workers, 0, func(j int, _ []float32) {
		f(j*rows/chunks, (j+1)*rows/chunks)
	})
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
