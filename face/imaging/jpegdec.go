package imaging

import (
	"errors"
	"fmt"
	"image"
)

// This file is a small baseline JPEG decoder whose only reason to exist is
// pixel parity with jpeg-js, the decoder the reference goldens were made
// with. Go's image/jpeg is correct too, but its IDCT rounds differently and
// about 5% of the samples come out ±1 off jpeg-js; the face pipeline
// amplifies that (a detector box moves by a fraction of a pixel, the
// floored dlib-aligned square by one pixel, and the descriptor by ~0.05).
// So for the common case — sequential Huffman, 8-bit, one interleaved scan
// of Y or YCbCr — we decode the coefficients (per ITU T.81), run the
// Loeffler–Ligtenberg–Moschytz fixed-point IDCT with the 12-bit constants
// jpeg-js uses, upsample chroma by nearest neighbour and convert with the
// same float equations truncated to bytes. Anything else (progressive,
// CMYK, restart oddities, corrupt data) returns errNotBaseline and the
// caller falls back to image/jpeg, which also produces the error messages
// for broken files.

var errNotBaseline = errors.New("not a plain baseline JPEG")

type huffTable struct {
	// lut maps the next 9 bits to (code length << 8 | value); 0 = longer code.
	lut [512]uint16
	// Canonical decoding for codes longer than 9 bits.
	maxCode [18]int32
	valPtr  [17]int32
	minCode [17]int32
	vals    []uint8
	ok      bool
}

func buildHuff(counts [16]int, vals []uint8) (huffTable, error) {
	var h huffTable
	h.vals = vals
	code := int32(0)
	k := 0
	for l := 1; l <= 16; l++ {
		n := counts[l-1]
		h.valPtr[l] = int32(k)
		h.minCode[l] = code
		if n == 0 {
			h.maxCode[l] = -1
		} else {
			for i := 0; i < n; i++ {
				if l <= 9 {
					shift := 9 - l
					first := int(code) << shift
					for j := 0; j < 1<<shift; j++ {
						if first+j >= 512 {
							return h, errNotBaseline
						}
						h.lut[first+j] = uint16(l)<<8 | uint16(vals[k])
					}
				}
				code++
				k++
			}
			h.maxCode[l] = code - 1
		}
		if code > 1<<l {
			return h, errNotBaseline
		}
		code <<= 1
	}
	h.maxCode[17] = 0x7fffffff
	h.ok = true
	return h, nil
}

type jpegComp struct {
	id, h, v, tq      int
	td, ta            int
	blocksPerLine     int // jpeg-js' prepareComponents
	blocksPerColumn   int
	planeW, planeH    int
	plane             []uint8
	pred              int32
	scaleX, scaleY    float64
	inScan            bool
	qt                *[64]int32
	dcTable, acTable  *huffTable
	mcuBlocksPerLine  int
	mcuBlocksPerColum int
}

type baselineDecoder struct {
	data     []byte
	pos      int
	acc      uint64
	nbits    uint
	fake     uint // zero bytes supplied past a marker or the end
	qt       [4][64]int32
	qtSet    [4]bool
	dc, ac   [4]huffTable
	comps    []*jpegComp
	width    int
	height   int
	maxH     int
	maxV     int
	restart  int
	decoded  bool
	mcusLine int
	mcusCol  int
	wantW    int
	wantH    int
}

// zigzag[i] is the natural-order index of the i-th coefficient in the
// zig-zag sequence.
var zigzag = [64]int{
	0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
	12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
	35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
	58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
}

// decodeBaselineJPEG decodes data, whose frame the caller has checked
// (with image/jpeg.DecodeConfig) to be wantW×wantH, or returns
// errNotBaseline. It allocates nothing for a frame of another size, and it
// never panics: a recover turns any indexing slip on hostile input into the
// fallback.
func decodeBaselineJPEG(data []byte, wantW, wantH int) (img *image.RGBA, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, fmt.Errorf("%w: %v", errNotBaseline, r)
		}
	}()
	d := &baselineDecoder{data: data, pos: 2, wantW: wantW, wantH: wantH}
	if err := d.parse(); err != nil {
		return nil, err
	}
	return d.toRGBA(), nil
}

func (d *baselineDecoder) u16() (int, error) {
	if d.pos+2 > len(d.data) {
		return 0, errNotBaseline
	}
	v := int(d.data[d.pos])<<8 | int(d.data[d.pos+1])
	d.pos += 2
	return v, nil
}

func (d *baselineDecoder) parse() error {
	for {
		// Find the next marker, skipping fill bytes.
		if d.pos+2 > len(d.data) || d.data[d.pos] != 0xFF {
			return errNotBaseline
		}
		for d.pos < len(d.data) && d.data[d.pos] == 0xFF {
			d.pos++
		}
		if d.pos >= len(d.data) {
			return errNotBaseline
		}
		marker := d.data[d.pos]
		d.pos++
		switch {
		case marker == 0xD9: // EOI
			if !d.decoded {
				return errNotBaseline
			}
			return nil
		case marker >= 0xD0 && marker <= 0xD7, marker == 0x01:
			continue
		}
		n, err := d.u16()
		if err != nil || n < 2 || d.pos+n-2 > len(d.data) {
			return errNotBaseline
		}
		seg := d.data[d.pos : d.pos+n-2]
		d.pos += n - 2
		switch {
		case marker == 0xDB:
			err = d.parseDQT(seg)
		case marker == 0xC4:
			err = d.parseDHT(seg)
		case marker == 0xC0 || marker == 0xC1:
			err = d.parseSOF(seg)
		case marker >= 0xC2 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC:
			return errNotBaseline // progressive, lossless, arithmetic
		case marker == 0xDD:
			if len(seg) < 2 {
				return errNotBaseline
			}
			d.restart = int(seg[0])<<8 | int(seg[1])
		case marker == 0xEE:
			// Adobe APP14: jpeg-js still treats three components as
			// YCbCr; a transform code of 0 with 3 components is rare
			// enough to leave to image/jpeg.
			if len(seg) >= 12 && string(seg[:5]) == "Adobe" && seg[11] == 0 && len(d.comps) != 1 {
				return errNotBaseline
			}
		case marker == 0xDA:
			if err := d.parseSOS(seg); err != nil {
				return err
			}
		}
		if err != nil {
			return err
		}
	}
}

func (d *baselineDecoder) parseDQT(seg []byte) error {
	for len(seg) > 0 {
		pq, tq := seg[0]>>4, seg[0]&15
		if tq > 3 || pq > 1 {
			return errNotBaseline
		}
		need := 65
		if pq == 1 {
			need = 129
		}
		if len(seg) < need {
			return errNotBaseline
		}
		for i := 0; i < 64; i++ {
			var v int32
			if pq == 0 {
				v = int32(seg[1+i])
			} else {
				v = int32(seg[1+2*i])<<8 | int32(seg[2+2*i])
			}
			d.qt[tq][zigzag[i]] = v
		}
		d.qtSet[tq] = true
		seg = seg[need:]
	}
	return nil
}

func (d *baselineDecoder) parseDHT(seg []byte) error {
	for len(seg) > 0 {
		if len(seg) < 17 {
			return errNotBaseline
		}
		tc, th := seg[0]>>4, seg[0]&15
		if tc > 1 || th > 3 {
			return errNotBaseline
		}
		var counts [16]int
		total := 0
		for i := 0; i < 16; i++ {
			counts[i] = int(seg[1+i])
			total += counts[i]
		}
		if total > 256 || len(seg) < 17+total {
			return errNotBaseline
		}
		vals := append([]uint8(nil), seg[17:17+total]...)
		h, err := buildHuff(counts, vals)
		if err != nil {
			return err
		}
		if tc == 0 {
			d.dc[th] = h
		} else {
			d.ac[th] = h
		}
		seg = seg[17+total:]
	}
	return nil
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func (d *baselineDecoder) parseSOF(seg []byte) error {
	if d.comps != nil || len(seg) < 6 || seg[0] != 8 {
		return errNotBaseline
	}
	d.height = int(seg[1])<<8 | int(seg[2])
	d.width = int(seg[3])<<8 | int(seg[4])
	nc := int(seg[5])
	if d.width != d.wantW || d.height != d.wantH || d.width == 0 || d.height == 0 || (nc != 1 && nc != 3) || len(seg) < 6+3*nc {
		return errNotBaseline
	}
	d.maxH, d.maxV = 1, 1
	for i := 0; i < nc; i++ {
		c := &jpegComp{id: int(seg[6+3*i]), h: int(seg[7+3*i] >> 4), v: int(seg[7+3*i] & 15), tq: int(seg[8+3*i])}
		if c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4 || c.tq > 3 {
			return errNotBaseline
		}
		d.maxH = max(d.maxH, c.h)
		d.maxV = max(d.maxV, c.v)
		d.comps = append(d.comps, c)
	}
	if nc == 1 {
		// A single-component scan has no MCU padding; treat it as 1×1.
		d.comps[0].h, d.comps[0].v, d.maxH, d.maxV = 1, 1, 1, 1
	}
	d.mcusLine = ceilDiv(d.width, 8*d.maxH)
	d.mcusCol = ceilDiv(d.height, 8*d.maxV)
	for _, c := range d.comps {
		c.blocksPerLine = ceilDiv(ceilDiv(d.width, 8)*c.h, d.maxH)
		c.blocksPerColumn = ceilDiv(ceilDiv(d.height, 8)*c.v, d.maxV)
		c.mcuBlocksPerLine = d.mcusLine * c.h
		c.mcuBlocksPerColum = d.mcusCol * c.v
		c.planeW = c.blocksPerLine * 8
		c.planeH = c.blocksPerColumn * 8
		c.plane = make([]uint8, c.planeW*c.planeH)
		c.scaleX = float64(c.h) / float64(d.maxH)
		c.scaleY = float64(c.v) / float64(d.maxV)
	}
	return nil
}

func (d *baselineDecoder) parseSOS(seg []byte) error {
	if d.comps == nil || d.decoded || len(seg) < 1 {
		return errNotBaseline
	}
	ns := int(seg[0])
	// One interleaved scan holding every component; anything else is left
	// to image/jpeg.
	if ns != len(d.comps) || len(seg) < 1+2*ns+3 {
		return errNotBaseline
	}
	for i := 0; i < ns; i++ {
		id := int(seg[1+2*i])
		var c *jpegComp
		for _, cc := range d.comps {
			if cc.id == id && !cc.inScan {
				c = cc
			}
		}
		if c == nil {
			return errNotBaseline
		}
		c.inScan = true
		c.td, c.ta = int(seg[2+2*i]>>4), int(seg[2+2*i]&15)
		if c.td > 3 || c.ta > 3 || !d.dc[c.td].ok || !d.ac[c.ta].ok || !d.qtSet[c.tq] {
			return errNotBaseline
		}
		c.dcTable, c.acTable = &d.dc[c.td], &d.ac[c.ta]
		c.qt = &d.qt[c.tq]
	}
	ss, se, ahal := seg[1+2*ns], seg[2+2*ns], seg[3+2*ns]
	if ss != 0 || se != 63 || ahal != 0 {
		return errNotBaseline
	}
	if err := d.decodeScan(); err != nil {
		return err
	}
	d.decoded = true
	return nil
}

// fill tops the bit buffer up to at least 32 bits, un-stuffing 0xFF00 and
// stopping at a marker (after which zero bytes are supplied and counted).
func (d *baselineDecoder) fill() {
	for d.nbits <= 56 {
		var b byte
		if d.fake > 0 || d.pos >= len(d.data) {
			d.fake++
		} else if c := d.data[d.pos]; c != 0xFF {
			b = c
			d.pos++
		} else if d.pos+1 < len(d.data) && d.data[d.pos+1] == 0 {
			b = 0xFF
			d.pos += 2
		} else {
			d.fake++ // a marker: the scan's data ends here
		}
		d.acc |= uint64(b) << (56 - d.nbits)
		d.nbits += 8
	}
}

func (d *baselineDecoder) bits(n uint) int32 {
	if n == 0 {
		return 0
	}
	if d.nbits < n {
		d.fill()
	}
	v := int32(d.acc >> (64 - n))
	d.acc <<= n
	d.nbits -= n
	return v
}

func (d *baselineDecoder) huff(h *huffTable) (uint8, error) {
	if d.nbits < 16 {
		d.fill()
	}
	if e := h.lut[d.acc>>(64-9)]; e != 0 {
		l := uint(e >> 8)
		d.acc <<= l
		d.nbits -= l
		return uint8(e), nil
	}
	code := int32(0)
	for l := 1; l <= 16; l++ {
		code = code<<1 | d.bits(1)
		if h.maxCode[l] >= 0 && code <= h.maxCode[l] {
			return h.vals[h.valPtr[l]+code-h.minCode[l]], nil
		}
	}
	return 0, errNotBaseline
}

// extend is T.81's EXTEND: a magnitude category s and its s raw bits to a
// signed value.
func extend(v int32, s uint8) int32 {
	if s == 0 {
		return 0
	}
	if v < 1<<(s-1) {
		return v - (1 << s) + 1
	}
	return v
}

func (d *baselineDecoder) decodeBlock(c *jpegComp, blockRow, blockCol int, zz *[64]int32, work *[64]int32, out *[64]uint8) error {
	*zz = [64]int32{}
	t, err := d.huff(c.dcTable)
	if err != nil || t > 16 {
		return errNotBaseline
	}
	c.pred += extend(d.bits(uint(t)), t)
	zz[0] = c.pred
	for k := 1; k < 64; {
		rs, err := d.huff(c.acTable)
		if err != nil {
			return err
		}
		r, s := int(rs>>4), rs&15
		if s == 0 {
			if r != 15 {
				break // end of block
			}
			k += 16
			continue
		}
		k += r
		if k > 63 {
			return errNotBaseline
		}
		zz[zigzag[k]] = extend(d.bits(uint(s)), s)
		k++
	}
	if blockRow >= c.blocksPerColumn || blockCol >= c.blocksPerLine {
		return nil // MCU padding jpeg-js never renders
	}
	idctJS(zz, c.qt, work, out)
	base := blockRow*8*c.planeW + blockCol*8
	for y := 0; y < 8; y++ {
		copy(c.plane[base+y*c.planeW:base+y*c.planeW+8], out[y*8:y*8+8])
	}
	return nil
}

func (d *baselineDecoder) decodeScan() error {
	var zz, work [64]int32
	var out [64]uint8
	total := d.mcusLine * d.mcusCol
	for m := 0; m < total; m++ {
		if d.restart > 0 && m > 0 && m%d.restart == 0 {
			if err := d.restartMarker(); err != nil {
				return err
			}
		}
		mr, mc := m/d.mcusLine, m%d.mcusLine
		for _, c := range d.comps {
			for v := 0; v < c.v; v++ {
				for h := 0; h < c.h; h++ {
					if err := d.decodeBlock(c, mr*c.v+v, mc*c.h+h, &zz, &work, &out); err != nil {
						return err
					}
				}
			}
		}
		// Consumed bits that were never in the file: truncated or corrupt.
		if 8*d.fake > d.nbits {
			return errNotBaseline
		}
	}
	// Leave pos at the marker that ends the scan.
	d.acc, d.nbits, d.fake = 0, 0, 0
	for d.pos+1 < len(d.data) && !(d.data[d.pos] == 0xFF && d.data[d.pos+1] != 0) {
		d.pos++
	}
	return nil
}

func (d *baselineDecoder) restartMarker() error {
	// Any bits left are byte-alignment padding; the marker follows.
	d.acc, d.nbits, d.fake = 0, 0, 0
	if d.pos+1 >= len(d.data) || d.data[d.pos] != 0xFF || d.data[d.pos+1] < 0xD0 || d.data[d.pos+1] > 0xD7 {
		return errNotBaseline
	}
	d.pos += 2
	for _, c := range d.comps {
		c.pred = 0
	}
	return nil
}

// Fixed-point constants of the Loeffler–Ligtenberg–Moschytz IDCT (×4096).
const (
	dctCos1    = 4017 // cos(pi/16)
	dctSin1    = 799  // sin(pi/16)
	dctCos3    = 3406 // cos(3*pi/16)
	dctSin3    = 2276 // sin(3*pi/16)
	dctCos6    = 1567 // cos(6*pi/16)
	dctSin6    = 3784 // sin(6*pi/16)
	dctSqrt2   = 5793 // sqrt(2)
	dctSqrt1d2 = 2896 // sqrt(2)/2
)

// idctJS dequantizes and inverse-transforms one block with the same integer
// steps and rounding as jpeg-js (rows with 8-bit, columns with 12-bit
// intermediate scaling, and the all-zero-AC shortcuts); int32 wrap-around
// matches JavaScript's ToInt32 on the same expressions.
func idctJS(zz, qt, p *[64]int32, out *[64]uint8) {
	for i := 0; i < 64; i++ {
		p[i] = zz[i] * qt[i]
	}
	for i := 0; i < 8; i++ {
		r := p[8*i : 8*i+8 : 8*i+8]
		if r[1] == 0 && r[2] == 0 && r[3] == 0 && r[4] == 0 && r[5] == 0 && r[6] == 0 && r[7] == 0 {
			t := (dctSqrt2*r[0] + 512) >> 10
			for k := range r {
				r[k] = t
			}
			continue
		}
		v0 := (dctSqrt2*r[0] + 128) >> 8
		v1 := (dctSqrt2*r[4] + 128) >> 8
		v2 := r[2]
		v3 := r[6]
		v4 := (dctSqrt1d2*(r[1]-r[7]) + 128) >> 8
		v7 := (dctSqrt1d2*(r[1]+r[7]) + 128) >> 8
		v5 := r[3] << 4
		v6 := r[5] << 4
		// stage 3
		t := (v0 - v1 + 1) >> 1
		v0 = (v0 + v1 + 1) >> 1
		v1 = t
		t = (v2*dctSin6 + v3*dctCos6 + 128) >> 8
		v2 = (v2*dctCos6 - v3*dctSin6 + 128) >> 8
		v3 = t
		t = (v4 - v6 + 1) >> 1
		v4 = (v4 + v6 + 1) >> 1
		v6 = t
		t = (v7 + v5 + 1) >> 1
		v5 = (v7 - v5 + 1) >> 1
		v7 = t
		// stage 2
		t = (v0 - v3 + 1) >> 1
		v0 = (v0 + v3 + 1) >> 1
		v3 = t
		t = (v1 - v2 + 1) >> 1
		v1 = (v1 + v2 + 1) >> 1
		v2 = t
		t = (v4*dctSin3 + v7*dctCos3 + 2048) >> 12
		v4 = (v4*dctCos3 - v7*dctSin3 + 2048) >> 12
		v7 = t
		t = (v5*dctSin1 + v6*dctCos1 + 2048) >> 12
		v5 = (v5*dctCos1 - v6*dctSin1 + 2048) >> 12
		v6 = t
		// stage 1
		r[0] = v0 + v7
		r[7] = v0 - v7
		r[1] = v1 + v6
		r[6] = v1 - v6
		r[2] = v2 + v5
		r[5] = v2 - v5
		r[3] = v3 + v4
		r[4] = v3 - v4
	}
	for col := 0; col < 8; col++ {
		if p[8+col] == 0 && p[16+col] == 0 && p[24+col] == 0 && p[32+col] == 0 && p[40+col] == 0 && p[48+col] == 0 && p[56+col] == 0 {
			t := (dctSqrt2*p[col] + 8192) >> 14
			for k := 0; k < 8; k++ {
				p[8*k+col] = t
			}
			continue
		}
		v0 := (dctSqrt2*p[col] + 2048) >> 12
		v1 := (dctSqrt2*p[32+col] + 2048) >> 12
		v2 := p[16+col]
		v3 := p[48+col]
		v4 := (dctSqrt1d2*(p[8+col]-p[56+col]) + 2048) >> 12
		v7 := (dctSqrt1d2*(p[8+col]+p[56+col]) + 2048) >> 12
		v5 := p[24+col]
		v6 := p[40+col]
		// stage 3
		t := (v0 - v1 + 1) >> 1
		v0 = (v0 + v1 + 1) >> 1
		v1 = t
		t = (v2*dctSin6 + v3*dctCos6 + 2048) >> 12
		v2 = (v2*dctCos6 - v3*dctSin6 + 2048) >> 12
		v3 = t
		t = (v4 - v6 + 1) >> 1
		v4 = (v4 + v6 + 1) >> 1
		v6 = t
		t = (v7 + v5 + 1) >> 1
		v5 = (v7 - v5 + 1) >> 1
		v7 = t
		// stage 2
		t = (v0 - v3 + 1) >> 1
		v0 = (v0 + v3 + 1) >> 1
		v3 = t
		t = (v1 - v2 + 1) >> 1
		v1 = (v1 + v2 + 1) >> 1
		v2 = t
		t = (v4*dctSin3 + v7*dctCos3 + 2048) >> 12
		v4 = (v4*dctCos3 - v7*dctSin3 + 2048) >> 12
		v7 = t
		t = (v5*dctSin1 + v6*dctCos1 + 2048) >> 12
		v5 = (v5*dctCos1 - v6*dctSin1 + 2048) >> 12
		v6 = t
		// stage 1
		p[col] = v0 + v7
		p[56+col] = v0 - v7
		p[8+col] = v1 + v6
		p[48+col] = v1 - v6
		p[16+col] = v2 + v5
		p[40+col] = v2 - v5
		p[24+col] = v3 + v4
		p[32+col] = v3 - v4
	}
	for i := 0; i < 64; i++ {
		s := 128 + ((p[i] + 8) >> 4)
		switch {
		case s < 0:
			out[i] = 0
		case s > 255:
			out[i] = 255
		default:
			out[i] = uint8(s)
		}
	}
}

// toRGBA upsamples and converts like jpeg-js getData + formatAsRGBA.
func (d *baselineDecoder) toRGBA() *image.RGBA {
	w, h := d.width, d.height
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	pix := dst.Pix
	if len(d.comps) == 1 {
		c := d.comps[0]
		for y := 0; y < h; y++ {
			line := c.plane[y*c.planeW:]
			o := y * dst.Stride
			for x := 0; x < w; x++ {
				v := line[x]
				pix[o], pix[o+1], pix[o+2], pix[o+3] = v, v, v, 255
				o += 4
			}
		}
		return dst
	}
	c1, c2, c3 := d.comps[0], d.comps[1], d.comps[2]
	// Column lookups are the same for every row.
	x1 := make([]int, w)
	x2 := make([]int, w)
	x3 := make([]int, w)
	for x := 0; x < w; x++ {
		x1[x] = int(float64(x) * c1.scaleX)
		x2[x] = int(float64(x) * c2.scaleX)
		x3[x] = int(float64(x) * c3.scaleX)
	}
	for y := 0; y < h; y++ {
		l1 := c1.plane[int(float64(y)*c1.scaleY)*c1.planeW:]
		l2 := c2.plane[int(float64(y)*c2.scaleY)*c2.planeW:]
		l3 := c3.plane[int(float64(y)*c3.scaleY)*c3.planeW:]
		o := y * dst.Stride
		for x := 0; x < w; x++ {
			yy := float64(l1[x1[x]])
			cb := float64(l2[x2[x]]) - 128
			cr := float64(l3[x3[x]]) - 128
			pix[o] = clampTrunc(yy + 1.402*cr)
			pix[o+1] = clampTrunc(yy - 0.3441363*cb - 0.71413636*cr)
			pix[o+2] = clampTrunc(yy + 1.772*cb)
			pix[o+3] = 255
			o += 4
		}
	}
	return dst
}

// clampTrunc stores a float into a byte the way a JavaScript Uint8Array
// assignment does after jpeg-js' clamp: truncation toward zero.
func clampTrunc(v float64) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}
