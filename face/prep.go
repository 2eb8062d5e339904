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
	out := nn.NewTensor(size, size, 3)
	sample := func(y, x, c int) float64 {
		y -= pad.offY
		x -= pad.offX
		if y < 0 || x < 0 || y >= src.H || x >= src.W {
			return 0
		}
		return float64(src.Data[(y*src.W+x)*3+c])
	}
	ratio := float64(pad.side) / float64(size)
	if pad.side == size {
		ratio = 1
	}
	o := out.Data
	i := 0
	for r := 0; r < size; r++ {
		fr := ratio * float64(r)
		r0 := max(0, int(math.Floor(fr)))
		rf := fr - float64(r0)
		r1 := min(pad.side-1, int(math.Ceil(fr)))
		for col := 0; col < size; col++ {
			fc := ratio * float64(col)
			c0 := max(0, int(math.Floor(fc)))
			cf := fc - float64(c0)
			c1 := min(pad.side-1, int(math.Ceil(fc)))
			for ch := 0; ch < 3; ch++ {
				tl, tr := sample(r0, c0, ch), sample(r0, c1, ch)
				bl, br := sample(r1, c0, ch), sample(r1, c1, ch)
				top := tl + (tr-tl)*cf
				bot := bl + (br-bl)*cf
				v := float32(top + (bot-top)*rf)
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
