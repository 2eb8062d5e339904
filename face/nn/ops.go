package nn

import (
	"fmt"
	"math"
)

// MaxPool is TF maxPool with a k×k window: padded cells never win (SAME
// pads with -Inf).
func MaxPool(x *Tensor, k, stride int, pad Padding) (*Tensor, error) {
	return pool(nil, x, k, stride, pad, true)
}

// MaxPoolInto is MaxPool writing into dst's storage when it is large enough
// (dst is reshaped; it must not alias x).
func MaxPoolInto(dst, x *Tensor, k, stride int, pad Padding) (*Tensor, error) {
	return pool(dst, x, k, stride, pad, true)
}

// AvgPool is TF avgPool with a k×k window; with SAME padding the average is
// over the cells inside the input only, as in TF.
func AvgPool(x *Tensor, k, stride int, pad Padding) (*Tensor, error) {
	return pool(nil, x, k, stride, pad, false)
}

// AvgPoolInto is AvgPool writing into dst's storage when it is large enough
// (dst is reshaped; it must not alias x).
func AvgPoolInto(dst, x *Tensor, k, stride int, pad Padding) (*Tensor, error) {
	return pool(dst, x, k, stride, pad, false)
}

func pool(dst, x *Tensor, k, stride int, pad Padding, isMax bool) (*Tensor, error) {
	if err := checkWindow("pool", k, stride, pad); err != nil {
		return nil, err
	}
	if err := x.valid(); err != nil {
		return nil, fmt.Errorf("nn: pool: %w", err)
	}
	oh, pt := outGeometry(x.H, k, stride, pad)
	ow, pl := outGeometry(x.W, k, stride, pad)
	if oh <= 0 || ow <= 0 {
		return nil, fmt.Errorf("nn: pool: %v too small for %dx%d window: %w", x, k, k, ErrShape)
	}
	C := x.C
	out, err := intoDst("pool", dst, oh, ow, C, x)
	if err != nil {
		return nil, err
	}
	asm := UsingAssembly()
	// Output columns [oxa, oxb) have their whole window inside the input
	// horizontally; on rows where it is also inside vertically the vector
	// kernel does the first cv channels of those pixels.
	oxa := min((pl+stride-1)/stride, ow)
	oxb := oxa
	for oxb < ow && oxb*stride-pl+k <= x.W {
		oxb++
	}
	cv := 0
	if asm {
		cv = C &^ 7
	}
	parallelRows(oh, ow*C*k*k, func(y0, y1 int) {
		for oy := y0; oy < y1; oy++ {
			iy0, iy1 := max(oy*stride-pt, 0), min(oy*stride-pt+k, x.H)
			vec := cv > 0 && iy1-iy0 == k && oxb > oxa
			if vec {
				src := x.Data[(iy0*x.W+oxa*stride-pl)*C:]
				poolRowAsm(out.Data[(oy*ow+oxa)*C:(oy*ow+oxb)*C], src, oxb-oxa, cv, C, k, stride, x.W, isMax)
			}
			for ox := range ow {
				c0 := 0
				if vec && ox >= oxa && ox < oxb {
					c0 = cv
					if c0 == C {
						continue
					}
				}
				ix0, ix1 := max(ox*stride-pl, 0), min(ox*stride-pl+k, x.W)
				o := out.Data[(oy*ow+ox)*C+c0 : (oy*ow+ox+1)*C]
				first := true
				for iy := iy0; iy < iy1; iy++ {
					for ix := ix0; ix < ix1; ix++ {
						in := x.Data[(iy*x.W+ix)*C+c0 : (iy*x.W+ix+1)*C]
						switch {
						case first:
							copy(o, in)
							first = false
						case isMax:
							maxInto(o, in, asm)
						default:
							addInto(o, in, asm)
						}
					}
				}
				if !isMax {
					inv := 1 / float32((iy1-iy0)*(ix1-ix0))
					for c := range o {
						o[c] *= inv
					}
				}
			}
		}
	})
	return out, nil
}

// maxInto does dst = max(dst, src) elementwise (len(src) ≥ len(dst)).
func maxInto(dst, src []float32, asm bool) {
	n := 0
	if asm && len(dst) >= 8 {
		n = len(dst) &^ 7
		vecMax(dst[:n], src[:n])
	}
	src = src[:len(dst)]
	for i := n; i < len(dst); i++ {
		if src[i] > dst[i] {
			dst[i] = src[i]
		}
	}
}

// addInto does dst += src elementwise (len(src) ≥ len(dst)).
func addInto(dst, src []float32, asm bool) {
	n := 0
	if asm && len(dst) >= 8 {
		n = len(dst) &^ 7
		vecAdd(dst[:n], src[:n])
	}
	src = src[:len(dst)]
	for i := n; i < len(dst); i++ {
		dst[i] += src[i]
	}
}

// Add returns a + b elementwise (same shapes).
func Add(a, b *Tensor) (*Tensor, error) {
	if err := a.valid(); err != nil {
		return nil, fmt.Errorf("nn: add: %w", err)
	}
	if err := b.valid(); err != nil || !a.SameShape(b) {
		return nil, fmt.Errorf("nn: add %v + %v: %w", a, b, ErrShape)
	}
	out := a.Clone()
	addInto(out.Data, b.Data, UsingAssembly())
	return out, nil
}

// AddInPlace does dst += src elementwise (same shapes).
func AddInPlace(dst, src *Tensor) error {
	if dst.valid() != nil || src.valid() != nil || !dst.SameShape(src) {
		return fmt.Errorf("nn: add in place %v += %v: %w", dst, src, ErrShape)
	}
	addInto(dst.Data, src.Data, UsingAssembly())
	return nil
}

// Activate applies act in place (alpha is the Leaky slope).
func Activate(t *Tensor, act Activation, alpha float32) {
	d := t.Data
	if act == Linear || len(d) == 0 {
		return
	}
	n := 0
	if UsingAssembly() {
		// Vector max/min: data-dependent branches mispredict on every
		// other element of a typical activation.
		n = len(d) &^ 7
		if n > 0 {
			activateAsm(d[:n], actFlags(act), alpha)
		}
	}
	for i := n; i < len(d); i++ {
		d[i] = activate(d[i], act, alpha)
	}
}

// ApplyPost applies a per-channel epilogue in place (e.g. a bias after an
// op that has none fused).
func ApplyPost(t *Tensor, p Post) error {
	if err := t.valid(); err != nil {
		return fmt.Errorf("nn: apply post: %w", err)
	}
	if err := p.check(t.C); err != nil {
		return fmt.Errorf("nn: apply post: %w", err)
	}
	for o := 0; o < len(t.Data); o += t.C {
		v := t.Data[o : o+t.C]
		for c := range v {
			v[c] = p.apply(v[c], c)
		}
	}
	return nil
}

// Pad returns x with zero rows/columns added on each side (tf.pad on H, W).
func Pad(x *Tensor, top, bottom, left, right int) (*Tensor, error) {
	if err := x.valid(); err != nil {
		return nil, fmt.Errorf("nn: pad: %w", err)
	}
	if top < 0 || bottom < 0 || left < 0 || right < 0 {
		return nil, fmt.Errorf("nn: pad by negative amount: %w", ErrShape)
	}
	h, w := x.H+top+bottom, x.W+left+right
	out := &Tensor{H: h, W: w, C: x.C, Data: make([]float32, h*w*x.C)}
	padInto(out.Data, x, top, bottom, left, right)
	return out, nil
}

// padInto writes x zero-padded by the given amounts into buf (exactly
// (x.H+top+bottom)*(x.W+left+right)*C long), zeroing only the border, so
// buf may start with garbage.
func padInto(buf []float32, x *Tensor, top, bottom, left, right int) {
	C := x.C
	rowLen := (x.W + left + right) * C
	clear(buf[:top*rowLen])
	clear(buf[(top+x.H)*rowLen : (top+x.H+bottom)*rowLen])
	for y := range x.H {
		row := buf[(top+y)*rowLen : (top+y+1)*rowLen]
		clear(row[:left*C])
		copy(row[left*C:], x.Data[y*x.W*C:(y+1)*x.W*C])
		clear(row[(left+x.W)*C:])
	}
}

// MeanHW averages over height and width (global average pooling), giving
// one value per channel.
func MeanHW(x *Tensor) ([]float32, error) {
	if err := x.valid(); err != nil {
		return nil, fmt.Errorf("nn: mean: %w", err)
	}
	out := make([]float32, x.C)
	for o := 0; o < len(x.Data); o += x.C {
		for c, v := range x.Data[o : o+x.C] {
			out[c] += v
		}
	}
	inv := 1 / float32(x.H*x.W)
	for c := range out {
		out[c] *= inv
	}
	return out, nil
}

// Dense is a fully connected layer out = post(x·W) with W [in, out]
// (tf.matMul(x, weights) + bias). It is immutable and safe for concurrent use.
type Dense struct {
	In, Out int
	b       *PackedB
}

// NewDense prepares a fully connected layer from a row-major [in, out]
// weight matrix and its epilogue (Post{Shift: bias} for a plain bias).
func NewDense(weights []float32, in, out int, post Post) (*Dense, error) {
	b, err := PackB(weights, in, out, post)
	if err != nil {
		return nil, fmt.Errorf("nn: dense: %w", err)
	}
	return &Dense{In: in, Out: out, b: b}, nil
}

// Forward computes the layer for one input vector.
func (d *Dense) Forward(x []float32) ([]float32, error) {
	if len(x) != d.In {
		return nil, fmt.Errorf("nn: dense: input has %d values, want %d: %w", len(x), d.In, ErrShape)
	}
	out := make([]float32, d.Out)
	if err := d.b.MatMul(out, x, 1, nil); err != nil {
		return nil, fmt.Errorf("nn: dense: %w", err)
	}
	return out, nil
}

// Sigmoid is 1/(1+e^-x).
func Sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

// Softmax normalises v in place to probabilities.
func Softmax(v []float32) {
	if len(v) == 0 {
		return
	}
	m := v[0]
	for _, x := range v {
		m = max(m, x)
	}
	var sum float64
	for i, x := range v {
		e := math.Exp(float64(x - m))
		v[i] = float32(e)
		sum += e
	}
	for i := range v {
		v[i] = float32(float64(v[i]) / sum)
	}
}
