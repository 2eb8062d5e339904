package nn

import (
	"fmt"
	"math"
)

// Activation is the non-linearity applied after a layer's per-channel
// multiply-add (and after any residual).
type Activation int

// Activations the face-api networks use.
const (
	Linear Activation = iota
	ReLU
	// ReLU6 is min(max(x, 0), 6) (tf.clipByValue(x, 0, 6) in MobileNet).
	ReLU6
	// Leaky is max(x, Alpha*x) for 0 ≤ Alpha < 1 (TinyYolov2's leaky with 0.1).
	Leaky
)

// Post is the per-output-channel epilogue fused into a layer:
//
//	y = act(acc*Scale[c] + Shift[c] + residual)
//
// A nil Scale means 1 and a nil Shift means 0, so a plain bias is
// Post{Shift: bias}. Use FoldScale or FoldBatchNorm to build Scale/Shift
// from the networks' conv bias + scale layer or batch-norm parameters.
type Post struct {
	Scale []float32
	Shift []float32
	Act   Activation
	// Alpha is the negative slope for Leaky.
	Alpha float32
}

func (p Post) check(n int) error {
	if p.Scale != nil && len(p.Scale) != n {
		return fmt.Errorf("nn: post scale has %d values, want %d: %w", len(p.Scale), n, ErrShape)
	}
	if p.Shift != nil && len(p.Shift) != n {
		return fmt.Errorf("nn: post shift has %d values, want %d: %w", len(p.Shift), n, ErrShape)
	}
	if p.Act < Linear || p.Act > Leaky {
		return fmt.Errorf("nn: unknown activation %d: %w", p.Act, ErrShape)
	}
	if p.Act == Leaky && (p.Alpha < 0 || p.Alpha >= 1) {
		return fmt.Errorf("nn: leaky alpha %v outside [0,1): %w", p.Alpha, ErrShape)
	}
	return nil
}

// FoldScale folds "conv + bias, then x*weights + biases" (face-api's scale
// layer) into one Post: Scale = weights, Shift = bias*weights + biases.
// bias may be nil.
func FoldScale(bias, weights, biases []float32, act Activation) (Post, error) {
	n := len(weights)
	if len(biases) != n || (bias != nil && len(bias) != n) {
		return Post{}, fmt.Errorf("nn: fold scale: lengths %d/%d/%d: %w", len(bias), n, len(biases), ErrShape)
	}
	p := Post{Scale: make([]float32, n), Shift: make([]float32, n), Act: act}
	for i := range n {
		var b float32
		if bias != nil {
			b = bias[i]
		}
		p.Scale[i] = weights[i]
		p.Shift[i] = b*weights[i] + biases[i]
	}
	return p, nil
}

// FoldBatchNorm folds tf.batchNorm(x, mean, variance, offset, scale, eps)
// (after an optional bias) into one Post:
// Scale = scale/sqrt(variance+eps), Shift = (bias-mean)*Scale + offset.
// bias, offset and scale may be nil (0, 0 and 1).
func FoldBatchNorm(bias, mean, variance, offset, scale []float32, eps float32, act Activation) (Post, error) {
	n := len(mean)
	for _, s := range [][]float32{bias, offset, scale} {
		if s != nil && len(s) != n {
			return Post{}, fmt.Errorf("nn: fold batch norm: length %d, want %d: %w", len(s), n, ErrShape)
		}
	}
	if len(variance) != n {
		return Post{}, fmt.Errorf("nn: fold batch norm: variance length %d, want %d: %w", len(variance), n, ErrShape)
	}
	p := Post{Scale: make([]float32, n), Shift: make([]float32, n), Act: act}
	for i := range n {
		s := float32(1 / math.Sqrt(float64(variance[i]+eps)))
		if scale != nil {
			s *= scale[i]
		}
		var b, o float32
		if bias != nil {
			b = bias[i]
		}
		if offset != nil {
			o = offset[i]
		}
		p.Scale[i] = s
		p.Shift[i] = (b-mean[i])*s + o
	}
	return p, nil
}

// apply runs the epilogue on one value of channel c.
func (p *Post) apply(v float32, c int) float32 {
	if p.Scale != nil {
		v *= p.Scale[c]
	}
	if p.Shift != nil {
		v += p.Shift[c]
	}
	return activate(v, p.Act, p.Alpha)
}

func activate(v float32, act Activation, alpha float32) float32 {
	switch act {
	case ReLU:
		return max(v, 0)
	case ReLU6:
		return min(max(v, 0), 6)
	case Leaky:
		return max(v, alpha*v)
	}
	return v
}
