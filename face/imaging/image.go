package imaging

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
)

// Sentinel errors of image input. The edge maps each of them to a 4xx with
// the wrapped message as the reason, so every returned error wraps exactly one.
var (
	// ErrNotImage: the bytes are not a JPEG or PNG image (or are corrupt).
	ErrNotImage = errors.New("not a JPEG or PNG image")
	// ErrTooLarge: the encoded size or the pixel dimensions exceed the limits.
	ErrTooLarge = errors.New("image too large")
	// ErrTruncated: the image data ends before the image is complete.
	ErrTruncated = errors.New("image data truncated")
	// ErrUnsupported: a recognised but unsupported format or variant
	// (GIF, WebP, a data URL of another media type, ...).
	ErrUnsupported = errors.New("unsupported image format")
	// ErrBadEncoding: the base64 text or data URL is malformed.
	ErrBadEncoding = errors.New("invalid base64 image encoding")
)

// Limits bound what DecodeImage accepts. They are checked on the header
// before any pixel is decoded, so a small file declaring a huge canvas (a
// "decompression bomb") costs nothing.
type Limits struct {
	// MaxBytes is the largest encoded size accepted (0: no limit).
	MaxBytes int
	// MaxPixels is the largest width×height accepted.
	MaxPixels int
	// MaxSide is the largest width or height accepted.
	MaxSide int
}

// DefaultLimits: 20 MiB encoded, 40 megapixels, 8000 px per side.
func DefaultLimits() Limits {
	return Limits{MaxBytes: 20 << 20, MaxPixels: 40_000_000, MaxSide: 8000}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxPixels <= 0 {
		l.MaxPixels = d.MaxPixels
	}
	if l.MaxSide <= 0 {
		l.MaxSide = d.MaxSide
	}
	return l
}

type imageFormat int

const (
	formatUnknown imageFormat = iota
	formatJPEG
	formatPNG
)

// sniff decides the format from magic bytes rather than trusting a
// declared media type; other well-known formats get ErrUnsupported so the
// caller can tell the user what to send instead.
func sniff(data []byte) (imageFormat, error) {
	switch {
	case len(data) == 0:
		return formatUnknown, fmt.Errorf("%w: empty input", ErrNotImage)
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return formatJPEG, nil
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return formatPNG, nil
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return formatUnknown, fmt.Errorf("%w: GIF (send JPEG or PNG)", ErrUnsupported)
	case len(data) >= 12 && string(data[0:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return formatUnknown, fmt.Errorf("%w: WebP (send JPEG or PNG)", ErrUnsupported)
	case bytes.HasPrefix(data, []byte("BM")):
		return formatUnknown, fmt.Errorf("%w: BMP (send JPEG or PNG)", ErrUnsupported)
	case len(data) >= 12 && string(data[4:8]) == "ftyp":
		return formatUnknown, fmt.Errorf("%w: HEIF/AVIF (send JPEG or PNG)", ErrUnsupported)
	}
	return formatUnknown, fmt.Errorf("%w: unrecognised data", ErrNotImage)
}

// classify turns a decoder error into one of our sentinels.
func classify(op string, err error) error {
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return fmt.Errorf("%s: %w", op, ErrTruncated)
	}
	var ue jpeg.UnsupportedError
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w: %v", op, ErrUnsupported, err)
	}
	var pue png.UnsupportedError
	if errors.As(err, &pue) {
		return fmt.Errorf("%s: %w: %v", op, ErrUnsupported, err)
	}
	return fmt.Errorf("%s: %w: %v", op, ErrNotImage, err)
}

// DecodeImage decodes a JPEG or PNG into an *image.RGBA: the EXIF
// orientation is applied (so the face is upright as a viewer shows it), and
// grayscale, CMYK, paletted and 16-bit images come out as 8-bit RGB. The
// header is checked against lim before any pixel is decoded.
func DecodeImage(data []byte, lim Limits) (image.Image, error) {
	const op = "face: decode image"
	lim = lim.withDefaults()
	if lim.MaxBytes > 0 && len(data) > lim.MaxBytes {
		return nil, fmt.Errorf("%s: %w: %d bytes exceeds the %d byte limit", op, ErrTooLarge, len(data), lim.MaxBytes)
	}
	format, err := sniff(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var cfg image.Config
	if format == formatJPEG {
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	} else {
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	}
	if err != nil {
		return nil, classify(op, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%s: %w: empty %dx%d canvas", op, ErrNotImage, cfg.Width, cfg.Height)
	}
	if cfg.Width > lim.MaxSide || cfg.Height > lim.MaxSide || int64(cfg.Width)*int64(cfg.Height) > int64(lim.MaxPixels) {
		return nil, fmt.Errorf("%s: %w: %dx%d exceeds %d px per side / %d megapixels",
			op, ErrTooLarge, cfg.Width, cfg.Height, lim.MaxSide, lim.MaxPixels/1_000_000)
	}

	var img image.Image
	orientation := 1
	if format == formatJPEG {
		orientation = jpegOrientation(data)
		// Pixel parity with the reference decoder where we can (see
		// jpegdec.go); image/jpeg for everything else and for the errors.
		if m, derr := decodeBaselineJPEG(data, cfg.Width, cfg.Height); derr == nil {
			return orient(m, orientation), nil
		}
		img, err = jpeg.Decode(bytes.NewReader(data))
	} else {
		img, err = png.Decode(bytes.NewReader(data))
		orientation = pngOrientation(data)
	}
	if err != nil {
		// Go's decoders report a cut-off stream as "short Huffman data" or
		// "not enough pixel data"; a missing end marker tells truncation
		// apart from corruption.
		if !hasEndMarker(format, data) {
			return nil, fmt.Errorf("%s: %w: %v", op, ErrTruncated, err)
		}
		return nil, classify(op, err)
	}
	return orient(toRGBA(img), orientation), nil
}

// hasEndMarker reports whether the stream ends like a complete image: EOI
// for JPEG, an IEND chunk for PNG (trailing junk after them is tolerated).
func hasEndMarker(f imageFormat, data []byte) bool {
	tail := data[max(0, len(data)-4096):]
	if f == formatJPEG {
		return bytes.Contains(tail, []byte{0xFF, 0xD9})
	}
	return bytes.Contains(tail, []byte("IEND"))
}

// toRGBA converts any decoded image to 8-bit RGBA; image/draw has fast
// paths for the common YCbCr, Gray and NRGBA sources, and the generic path
// converts CMYK through color.RGBAModel.
func toRGBA(src image.Image) *image.RGBA {
	if m, ok := src.(*image.RGBA); ok && m.Rect.Min == (image.Point{}) {
		return m
	}
	if m, ok := src.(*image.YCbCr); ok {
		return ycbcrToRGBA(m)
	}
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Rect, src, b.Min, draw.Src)
	return dst
}

// ycbcrToRGBA converts with the float JFIF equations truncated to bytes, as
// jpeg-js (the decoder the reference goldens were made with) does; Go's
// color.YCbCrToRGB rounds instead, which shifts about a third of the values
// by one and measurably moves landmarks. Chroma is upsampled by nearest
// neighbour, like both decoders.
func ycbcrToRGBA(m *image.YCbCr) *image.RGBA {
	b := m.Rect
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	clamp := func(v float64) uint8 {
		if v < 0 {
			return 0
		}
		if v > 255 {
			return 255
		}
		return uint8(v)
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		o := dst.PixOffset(0, y-b.Min.Y)
		for x := b.Min.X; x < b.Max.X; x++ {
			yy := float64(m.Y[m.YOffset(x, y)])
			ci := m.COffset(x, y)
			cb := float64(m.Cb[ci]) - 128
			cr := float64(m.Cr[ci]) - 128
			dst.Pix[o] = clamp(yy + 1.402*cr)
			dst.Pix[o+1] = clamp(yy - 0.3441363*cb - 0.71413636*cr)
			dst.Pix[o+2] = clamp(yy + 1.772*cb)
			dst.Pix[o+3] = 255
			o += 4
		}
	}
	return dst
}

// orient applies an EXIF orientation (1..8) to an upright image.
func orient(src *image.RGBA, o int) *image.RGBA {
	if o < 2 || o > 8 {
		return src
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for y := 0; y < dh; y++ {
		for x := 0; x < dw; x++ {
			var sx, sy int
			switch o {
			case 2: // mirrored horizontally
				sx, sy = w-1-x, y
			case 3: // rotated 180°
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored vertically
				sx, sy = x, h-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // needs 90° clockwise rotation
				sx, sy = y, h-1-x
			case 7: // transversed
				sx, sy = w-1-y, h-1-x
			case 8: // needs 90° counter-clockwise rotation
				sx, sy = w-1-y, x
			}
			si := sy*src.Stride + sx*4
			di := y*dst.Stride + x*4
			copy(dst.Pix[di:di+4], src.Pix[si:si+4])
		}
	}
	return dst
}

// jpegOrientation walks the JPEG marker segments up to the first scan and
// returns the orientation from an APP1 Exif segment, or 1. Malformed
// metadata is ignored: the pixels are still valid.
func jpegOrientation(data []byte) int {
	i := 2 // after SOI
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return 1
		}
		marker := data[i+1]
		if marker == 0xFF { // fill byte
			i++
			continue
		}
		if marker == 0xDA || marker == 0xD9 { // start of scan / end of image
			return 1
		}
		if marker >= 0xD0 && marker <= 0xD7 || marker == 0x01 { // no length
			i += 2
			continue
		}
		n := int(data[i+2])<<8 | int(data[i+3])
		if n < 2 || i+2+n > len(data) {
			return 1
		}
		seg := data[i+4 : i+2+n]
		if marker == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00" {
			if o := tiffOrientation(seg[6:]); o != 0 {
				return o
			}
		}
		i += 2 + n
	}
	return 1
}

// pngOrientation reads an eXIf chunk (PNG 1.5 extension) if present.
func pngOrientation(data []byte) int {
	i := 8
	for i+12 <= len(data) {
		n := int(uint32(data[i])<<24 | uint32(data[i+1])<<16 | uint32(data[i+2])<<8 | uint32(data[i+3]))
		typ := string(data[i+4 : i+8])
		if n < 0 || i+12+n > len(data) || typ == "IDAT" || typ == "IEND" {
			return 1
		}
		if typ == "eXIf" {
			if o := tiffOrientation(data[i+8 : i+8+n]); o != 0 {
				return o
			}
			return 1
		}
		i += 12 + n
	}
	return 1
}

// tiffOrientation reads tag 0x0112 of IFD0 of a TIFF structure; 0 when
// absent or invalid.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var u16 func([]byte) int
	var u32 func([]byte) int
	switch string(t[:4]) {
	case "II*\x00":
		u16 = func(b []byte) int { return int(b[0]) | int(b[1])<<8 }
		u32 = func(b []byte) int { return int(uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24) }
	case "MM\x00*":
		u16 = func(b []byte) int { return int(b[1]) | int(b[0])<<8 }
		u32 = func(b []byte) int { return int(uint32(b[3]) | uint32(b[2])<<8 | uint32(b[1])<<16 | uint32(b[0])<<24) }
	default:
		return 0
	}
	off := u32(t[4:8])
	if off < 8 || off+2 > len(t) {
		return 0
	}
	count := u16(t[off : off+2])
	for k := 0; k < count; k++ {
		e := off + 2 + 12*k
		if e+12 > len(t) {
			return 0
		}
		if u16(t[e:e+2]) != 0x0112 {
			continue
		}
		typ, cnt := u16(t[e+2:e+4]), u32(t[e+4:e+8])
		if typ != 3 || cnt < 1 { // SHORT
			return 0
		}
		if v := u16(t[e+8 : e+10]); v >= 1 && v <= 8 {
			return v
		}
		return 0
	}
	return 0
}

// DecodeBase64Image decodes raw base64 (standard or URL alphabet, padding
// optional, line breaks allowed) or a data URL (data:image/jpeg;base64,...)
// holding a JPEG or PNG. The encoded length is checked against maxBytes
// before anything is decoded; the pixel limits are DefaultLimits'.
func DecodeBase64Image(s string, maxBytes int) (image.Image, error) {
	data, err := DecodeBase64(s, maxBytes)
	if err != nil {
		return nil, err
	}
	lim := DefaultLimits()
	lim.MaxBytes = maxBytes
	return DecodeImage(data, lim)
}

// DecodeBase64 returns the bytes of a base64 image string or data URL,
// enforcing maxBytes (0: no limit) on the decoded size before decoding.
func DecodeBase64(s string, maxBytes int) ([]byte, error) {
	const op = "face: decode base64 image"
	// An upper bound of the decoded size, checked before any copy so a huge
	// string is refused in O(1).
	if maxBytes > 0 && len(s) > base64.StdEncoding.EncodedLen(maxBytes)+len(s)/60+256 {
		return nil, fmt.Errorf("%s: %w: more than %d bytes", op, ErrTooLarge, maxBytes)
	}
	payload := s
	if len(payload) >= 5 && strings.EqualFold(payload[:5], "data:") {
		comma := strings.IndexByte(payload, ',')
		if comma < 0 {
			return nil, fmt.Errorf("%s: %w: data URL without a comma", op, ErrBadEncoding)
		}
		meta := strings.ToLower(strings.TrimSpace(payload[5:comma]))
		payload = payload[comma+1:]
		params := strings.Split(meta, ";")
		isB64 := false
		for _, p := range params[1:] {
			if strings.TrimSpace(p) == "base64" {
				isB64 = true
			}
		}
		if !isB64 {
			return nil, fmt.Errorf("%s: %w: data URL is not base64", op, ErrBadEncoding)
		}
		switch mt := strings.TrimSpace(params[0]); mt {
		case "image/jpeg", "image/jpg", "image/pjpeg", "image/png", "":
		default:
			return nil, fmt.Errorf("%s: %w: media type %q (send image/jpeg or image/png)", op, ErrUnsupported, mt)
		}
	}
	clean := make([]byte, 0, len(payload))
	for i := 0; i < len(payload); i++ {
		switch c := payload[i]; c {
		case ' ', '\n', '\r', '\t':
		case '-':
			clean = append(clean, '+')
		case '_':
			clean = append(clean, '/')
		default:
			clean = append(clean, c)
		}
	}
	for len(clean) > 0 && clean[len(clean)-1] == '=' {
		clean = clean[:len(clean)-1]
	}
	if len(clean) == 0 {
		return nil, fmt.Errorf("%s: %w: empty", op, ErrNotImage)
	}
	if n := base64.RawStdEncoding.DecodedLen(len(clean)); maxBytes > 0 && n > maxBytes {
		return nil, fmt.Errorf("%s: %w: %d bytes exceeds the %d byte limit", op, ErrTooLarge, n, maxBytes)
	}
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(clean)))
	n, err := base64.RawStdEncoding.Decode(out, clean)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", op, ErrBadEncoding, err)
	}
	return out[:n], nil
}
