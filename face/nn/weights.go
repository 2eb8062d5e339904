package nn

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// ErrModelsMissing reports that a model's manifest or one of its weight
// shards is not in the models directory (run `make models`).
var ErrModelsMissing = errors.New("face models missing")

// ErrBadModel reports a manifest or shard that exists but cannot be
// interpreted: unknown dtype, truncated shard, or a tensor of unexpected
// shape.
var ErrBadModel = errors.New("bad face model")

// Param is one named weight tensor from a manifest, dequantized to float32.
// Int32 tensors (a few constants in the SSD model) are converted to float32
// as well; their values are small integers and stay exact.
type Param struct {
	Name  string
	Shape []int
	// DType is the manifest's logical dtype ("float32" or "int32").
	DType string
	Data  []float32
}

// Weights holds every tensor of one model, by manifest name.
type Weights struct {
	Model  string
	params map[string]*Param
}

type manifestGroup struct {
	Paths   []string         `json:"paths"`
	Weights []manifestWeight `json:"weights"`
}

type manifestWeight struct {
	Name         string `json:"name"`
	Shape        []int  `json:"shape"`
	DType        string `json:"dtype"`
	Quantization *struct {
		DType string  `json:"dtype"`
		Scale float64 `json:"scale"`
		Min   float64 `json:"min"`
	} `json:"quantization"`
}

// ManifestPath is where the manifest of model (e.g. "face_recognition_model")
// lives inside dir.
func ManifestPath(dir, model string) string {
	return filepath.Join(dir, model+"-weights_manifest.json")
}

// LoadWeights reads dir/<model>-weights_manifest.json and its shards and
// dequantizes every tensor the way tfjs-core's decodeWeights does: uint8 and
// uint16 entries become min + scale*q (computed in float64, stored as
// float32; rounded for int32 tensors), float16 entries are widened, and plain
// float32/int32 entries are read little-endian. Missing files are reported
// with ErrModelsMissing, malformed ones with ErrBadModel.
func LoadWeights(dir, model string) (*Weights, error) {
	op := "nn: load weights " + model
	mpath := ManifestPath(dir, model)
	raw, err := os.ReadFile(mpath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %s: %w", op, mpath, ErrModelsMissing)
		}
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var groups []manifestGroup
	if err := json.Unmarshal(raw, &groups); err != nil {
		return nil, fmt.Errorf("%s: parse %s: %v: %w", op, mpath, err, ErrBadModel)
	}
	w := &Weights{Model: model, params: map[string]*Param{}}
	for gi, g := range groups {
		var buf []byte
		for _, p := range g.Paths {
			if p == "" || p == "." || p == ".." || filepath.Base(p) != p {
				return nil, fmt.Errorf("%s: group %d: shard path %q must be a plain file name: %w", op, gi, p, ErrBadModel)
			}
			b, err := os.ReadFile(filepath.Join(dir, p))
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil, fmt.Errorf("%s: shard %s: %w", op, p, ErrModelsMissing)
				}
				return nil, fmt.Errorf("%s: shard %s: %w", op, p, err)
			}
			buf = append(buf, b...)
		}
		off := 0
		for _, mw := range g.Weights {
			p, n, err := decodeWeight(mw, buf[off:])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", op, err)
			}
			off += n
			if _, dup := w.params[p.Name]; dup {
				return nil, fmt.Errorf("%s: duplicate tensor %q: %w", op, p.Name, ErrBadModel)
			}
			w.params[p.Name] = p
		}
		if off != len(buf) {
			return nil, fmt.Errorf("%s: group %d: %d shard bytes left unused: %w", op, gi, len(buf)-off, ErrBadModel)
		}
	}
	return w, nil
}

// decodeWeight decodes one manifest entry from the head of buf and returns
// the number of bytes it occupied.
func decodeWeight(mw manifestWeight, buf []byte) (*Param, int, error) {
	count := 1
	for _, d := range mw.Shape {
		if d < 0 || (d > 0 && count > math.MaxInt32/d) {
			return nil, 0, fmt.Errorf("tensor %q: bad shape %v: %w", mw.Name, mw.Shape, ErrBadModel)
		}
		count *= d
	}
	if mw.DType != "float32" && mw.DType != "int32" {
		return nil, 0, fmt.Errorf("tensor %q: unsupported dtype %q: %w", mw.Name, mw.DType, ErrBadModel)
	}
	isInt := mw.DType == "int32"
	width := 4
	q := mw.Quantization
	if q != nil {
		switch q.DType {
		case "uint8":
			width = 1
		case "uint16", "float16":
			width = 2
		default:
			return nil, 0, fmt.Errorf("tensor %q: unsupported quantization %q: %w", mw.Name, q.DType, ErrBadModel)
		}
	}
	// Check the shard holds the tensor before allocating for it, so a
	// manifest claiming a huge shape cannot exhaust memory.
	n := count * width
	if len(buf) < n {
		return nil, 0, fmt.Errorf("tensor %q: shard truncated: %w", mw.Name, ErrBadModel)
	}
	p := &Param{Name: mw.Name, Shape: append([]int(nil), mw.Shape...), DType: mw.DType, Data: make([]float32, count)}
	for i := range p.Data {
		var v float64
		switch {
		case q == nil && isInt:
			p.Data[i] = float32(int32(binary.LittleEndian.Uint32(buf[4*i:])))
			continue
		case q == nil:
			p.Data[i] = math.Float32frombits(binary.LittleEndian.Uint32(buf[4*i:]))
			continue
		case q.DType == "uint8":
			v = float64(buf[i])*q.Scale + q.Min
		case q.DType == "uint16":
			v = float64(binary.LittleEndian.Uint16(buf[2*i:]))*q.Scale + q.Min
		default: // float16
			v = float64(halfToFloat(binary.LittleEndian.Uint16(buf[2*i:])))
		}
		if isInt {
			v = math.Round(v)
		}
		p.Data[i] = float32(v)
	}
	return p, n, nil
}

// halfToFloat widens an IEEE 754 binary16 value.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: renormalise
		e := uint32(127 - 15 + 1)
		for mant&0x400 == 0 {
			mant <<= 1
			e--
		}
		mant &= 0x3ff
		return math.Float32frombits(sign | e<<23 | mant<<13)
	case exp == 0x1f:
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	default:
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	}
}

// Names lists the tensor names, sorted.
func (w *Weights) Names() []string {
	out := make([]string, 0, len(w.params))
	for n := range w.params {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Param returns the named tensor.
func (w *Weights) Param(name string) (*Param, bool) {
	p, ok := w.params[name]
	return p, ok
}

// Get returns the data of the named tensor after checking its shape. With no
// shape arguments any shape is accepted. A missing tensor or a shape mismatch
// is an ErrBadModel error naming the tensor.
func (w *Weights) Get(name string, shape ...int) ([]float32, error) {
	p, ok := w.params[name]
	if !ok {
		return nil, fmt.Errorf("nn: %s: tensor %q not found: %w", w.Model, name, ErrBadModel)
	}
	if len(shape) > 0 {
		match := len(shape) == len(p.Shape)
		for i := 0; match && i < len(shape); i++ {
			match = shape[i] == p.Shape[i]
		}
		if !match {
			return nil, fmt.Errorf("nn: %s: tensor %q has shape %v, want %v: %w", w.Model, name, p.Shape, shape, ErrBadModel)
		}
	}
	return p.Data, nil
}
