package face

import (
	"image"
	"image/draw"
	"math"

	"github.com/hirebus/hirebus/face/nn"
)

// rgbTensor converts an image to an H×W×3 float32 tensor of 0..255 values,
// the form tf.browser.fromPixels / jpeg-js hand to face-api.
func rgbTensor(img image.Image) *nn.Tensor {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	m, ok := img.(*image.RGBA)
	if !ok {
		m = image.NewRGBA(image.Rect(0, 0, w, h))
		draw.Draw(m, m.Rect, img, b.Min, draw.Src)
		b = m.Rect
	}
	t := nn.NewTensor(h, w, 3)
	d := t.Data
	o := 0
	for y := 0; y < h; y++ {
		off := m.PixOffset(b.Min.X, b.Min.Y+y)
		row := m.Pix[off : off+w*4]
		for x := 0; x < w; x++ {
			d[o] = float32(row[4*x])
			d[o+1] = float32(row[4*x+1])
			d[o+2] = float32(row[4*x+2])
			o += 3
		}
	}
	return t
}

// squarePad describes face-api's padToSquare: the image placed in a square
// of side max(h, w), zero elsewhere. With centre=false the padding goes
// after the image (bottom/right); with centre=true round(diff/2) goes after
// and the rest before, exactly as ops/padToSquare.ts concatenates it.
type squarePad struct {
	side       int
	offY, offX int // where the image's (0,0) sits in the square
}

func padToSquare(h, w int, centre bool) squarePad {
	side := max(h, w)
	p := squarePad{side: side}
	if !centre || h == w {
		return p
	}
	diff := side - min(h, w)
	after := int(math.Floor(float64(diff)*0.5 + 0.5)) // JS Math.round
	before := diff - after
	if h > w {
		p.offX = before
	} else {
		p.offY = before
	}
	return p
}

// resizePadded samples the zero-padded square of src (see squarePad) to
// size×size with tfjs' CPU resizeBilinear (alignCorners=false,
// halfPixelCenters=false: source = dst·in/out, neighbours clamped), computed
// in float64 and stored as float32 like the kernel. When the square already
// has the requested size, tfjs skips the resize and so do we. norm is then
// applied per channel: out = (v - sub[c]) * mul[c] in float32, matching
// face-api's normalize(...).div(255) or div(127.5).sub(1) closely.
func resizePadded(src *nn.Tensor, pad squarePad, size int, norm func(v float32, c int) float32) *nn.Tensor {
	return resizeFrom(tensorPixels{src}, pad, size, norm)
}

// pixels is an RGB source the preprocessing reads from: the decoded
// *image.RGBA directly (no float copy of a whole photo) or a tensor.
type pixels interface {
	size() (w, h int)
	// rgb returns the pixel at (x, y), inside the image.
	rgb(x, y int) (r, g, b float64)
	// crop copies the region [x, x+w) × [y, y+h), inside the image.
	crop(x, y, w, h int) *nn.Tensor
}

type tensorPixels struct{ t *nn.Tensor }

func (p tensorPixels) size() (int, int) { return p.t.W, p.t.H }

func (p tensorPixels) rgb(x, y int) (float64, float64, float64) {
	i := (y*p.t.W + x) * 3
	return float64(p.t.Data[i]), float64(p.t.Data[i+1]), float64(p.t.Data[i+2])
}

func (p tensorPixels) crop(x, y, w, h int) *nn.Tensor { return crop(p.t, x, y, w, h) }

type rgbaPixels struct{ m *image.RGBA }

func (p rgbaPixels) size() (int, int) { return p.m.Rect.Dx(), p.m.Rect.Dy() }

func (p rgbaPixels) rgb(x, y int) (float64, float64, float64) {
	i := p.m.PixOffset(p.m.Rect.Min.X+x, p.m.Rect.Min.Y+y)
	return float64(p.m.Pix[i]), float64(p.m.Pix[i+1]), float64(p.m.Pix[i+2])
}

func (p rgbaPixels) crop(x, y, w, h int) *nn.Tensor {
	out := nn.NewTensor(h, w, 3)
	o := 0
	for r := 0; r < h; r++ {
		i := p.m.PixOffset(p.m.Rect.Min.X+x, p.m.Rect.Min.Y+y+r)
		row := p.m.Pix[i : i+4*w]
		for c := 0; c < w; c++ {
			out.Data[o] = float32(row[4*c])
			out.Data[o+1] = float32(row[4*c+1])
			out.Data[o+2] = float32(row[4*c+2])
			o += 3
		}
	}
	return out
}

// asPixels wraps img without copying when it is already RGBA.
func asPixels(img image.Image) pixels {
	m, ok := img.(*image.RGBA)
	if !ok {
		b := img.Bounds()
		m = image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
		draw.Draw(m, m.Rect, img, b.Min, draw.Src)
	}
	return rgbaPixels{m}
}

// resizeFrom is resizePadded for any pixel source.
func resizeFrom(src pixels, pad squarePad, size int, norm func(v float32, c int) float32) *nn.Tensor {
	out := nn.NewTensor(size, size, 3)
	sw, sh := src.size()
	// px reads the padded square: zero outside the image.
	px := func(y, x int) (float64, float64, float64) {
		y -= pad.offY
		x -= pad.offX
		if y < 0 || x < 0 || y >= sh || x >= sw {
			return 0, 0, 0
		}
		return src.rgb(x, y)
	}
	ratio := float64(pad.side) / float64(size)
	if pad.side == size {
		ratio = 1
	}
	// Column taps are the same for every row.
	c0s := make([]int, size)
	c1s := make([]int, size)
	cfs := make([]float64, size)
	for col := 0; col < size; col++ {
		fc := ratio * float64(col)
		c0s[col] = max(0, int(math.Floor(fc)))
		cfs[col] = fc - float64(c0s[col])
		c1s[col] = min(pad.side-1, int(math.Ceil(fc)))
	}
	o := out.Data
	i := 0
	for r := 0; r < size; r++ {
		fr := ratio * float64(r)
		r0 := max(0, int(math.Floor(fr)))
		rf := fr - float64(r0)
		r1 := min(pad.side-1, int(math.Ceil(fr)))
		for col := 0; col < size; col++ {
			c0, c1, cf := c0s[col], c1s[col], cfs[col]
			tlR, tlG, tlB := px(r0, c0)
			trR, trG, trB := px(r0, c1)
			blR, blG, blB := px(r1, c0)
			brR, brG, brB := px(r1, c1)
			vals := [3]float64{}
			for ch, q := range [3][4]float64{{tlR, trR, blR, brR}, {tlG, trG, blG, brG}, {tlB, trB, blB, brB}} {
				top := q[0] + (q[1]-q[0])*cf
				bot := q[2] + (q[3]-q[2])*cf
				vals[ch] = top + (bot-top)*rf
			}
			for ch := 0; ch < 3; ch++ {
				v := float32(vals[ch])
				if norm != nil {
					v = norm(v, ch)
				}
				o[i] = v
				i++
			}
		}
	}
	return out
}

// crop returns the rows [y, y+h) and columns [x, x+w) of t (tf.slice3d);
// the caller has clipped the box to the image.
func crop(t *nn.Tensor, x, y, w, h int) *nn.Tensor {
	out := nn.NewTensor(h, w, t.C)
	for r := 0; r < h; r++ {
		copy(out.Data[r*w*t.C:(r+1)*w*t.C], t.Data[((y+r)*t.W+x)*t.C:((y+r)*t.W+x+w)*t.C])
	}
	return out
}

// meanRGBNorm is face-api's normalize(x, meanRgb).div(255).
func meanRGBNorm(mean [3]float32) func(v float32, c int) float32 {
	return func(v float32, c int) float32 { return (v - mean[c]) / 255 }
}
