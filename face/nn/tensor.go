package nn

import (
	"errors"
	"fmt"
)

// ErrShape reports operands whose shapes do not fit the operation.
var ErrShape = errors.New("shape mismatch")

// Tensor is one HWC float32 activation: element (y, x, c) is at
// Data[(y*W+x)*C+c].
type Tensor struct {
	H, W, C int
	Data    []float32
}

// NewTensor allocates a zeroed h×w×c tensor.
func NewTensor(h, w, c int) *Tensor {
	return &Tensor{H: h, W: w, C: c, Data: make([]float32, h*w*c)}
}

// FromData wraps data (not copied) as an h×w×c tensor.
func FromData(h, w, c int, data []float32) (*Tensor, error) {
	if h <= 0 || w <= 0 || c <= 0 || len(data) != h*w*c {
		return nil, fmt.Errorf("nn: tensor %dx%dx%d from %d values: %w", h, w, c, len(data), ErrShape)
	}
	return &Tensor{H: h, W: w, C: c, Data: data}, nil
}

// At returns element (y, x, c).
func (t *Tensor) At(y, x, c int) float32 { return t.Data[(y*t.W+x)*t.C+c] }

// Set stores v at (y, x, c).
func (t *Tensor) Set(y, x, c int, v float32) { t.Data[(y*t.W+x)*t.C+c] = v }

// Clone returns a deep copy.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{H: t.H, W: t.W, C: t.C, Data: append([]float32(nil), t.Data...)}
}

// SameShape reports whether t and u have identical dimensions.
func (t *Tensor) SameShape(u *Tensor) bool { return t.H == u.H && t.W == u.W && t.C == u.C }

func (t *Tensor) String() string { return fmt.Sprintf("Tensor[%dx%dx%d]", t.H, t.W, t.C) }

func (t *Tensor) valid() error {
	if t == nil || t.H <= 0 || t.W <= 0 || t.C <= 0 || len(t.Data) != t.H*t.W*t.C {
		return fmt.Errorf("nn: malformed tensor: %w", ErrShape)
	}
	return nil
}

// ErrAlias reports an Into call whose destination shares memory with an
// input.
var ErrAlias = errors.New("destination overlaps an input")

// intoDst is ensure for an op reading ins: a destination sharing memory
// with any of them is refused.
func intoDst(op string, dst *Tensor, h, w, c int, ins ...*Tensor) (*Tensor, error) {
	if n := h * w * c; dst != nil && cap(dst.Data) >= n {
		for _, in := range ins {
			if in != nil && overlaps(dst.Data[:n], in.Data) {
				return nil, fmt.Errorf("nn: %s: %w", op, ErrAlias)
			}
		}
	}
	return ensure(dst, h, w, c), nil
}

// ensure returns dst reshaped to h×w×c when its storage is large enough
// (contents are garbage, to be overwritten), else a new tensor. Reusing
// storage matters: zeroing fresh multi-megabyte activations cost more than
// some of the layers themselves.
func ensure(dst *Tensor, h, w, c int) *Tensor {
	n := h * w * c
	if dst != nil && cap(dst.Data) >= n {
		dst.H, dst.W, dst.C, dst.Data = h, w, c, dst.Data[:n]
		return dst
	}
	return NewTensor(h, w, c)
}
