package imaging

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "images", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return b
}

// meanAbsDiff compares two RGBA images of equal size over the RGB channels.
func meanAbsDiff(t *testing.T, a, b *image.RGBA) float64 {
	t.Helper()
	if a.Rect.Size() != b.Rect.Size() {
		t.Fatalf("size mismatch %v vs %v", a.Rect.Size(), b.Rect.Size())
	}
	var sum float64
	n := 0
	for i := 0; i < len(a.Pix); i += 4 {
		for c := 0; c < 3; c++ {
			d := float64(a.Pix[i+c]) - float64(b.Pix[i+c])
			if d < 0 {
				d = -d
			}
			sum += d
			n++
		}
	}
	return sum / float64(n)
}

// pngWithSize writes a valid 1×1 PNG and then rewrites its IHDR to declare
// w×h (with a correct CRC), the shape of a decompression bomb.
func pngWithSize(t *testing.T, w, h uint32) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// signature(8) length(4) "IHDR"(4) data(13) crc(4)
	binary.BigEndian.PutUint32(b[16:20], w)
	binary.BigEndian.PutUint32(b[20:24], h)
	binary.BigEndian.PutUint32(b[29:33], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// jpegWithSize rewrites the SOF0 frame size of a real JPEG.
func jpegWithSize(t *testing.T, src []byte, w, h uint16) []byte {
	t.Helper()
	b := append([]byte(nil), src...)
	for i := 2; i+9 < len(b); {
		if b[i] != 0xFF {
			t.Fatal("marker expected")
		}
		m := b[i+1]
		n := int(b[i+2])<<8 | int(b[i+3])
		if m == 0xC0 || m == 0xC2 || m == 0xC1 {
			binary.BigEndian.PutUint16(b[i+5:], h)
			binary.BigEndian.PutUint16(b[i+7:], w)
			return b
		}
		i += 2 + n
	}
	t.Fatal("no SOF found")
	return nil
}

func TestDecodeImage(t *testing.T) {
	rgbJPEG := readFixture(t, "rgb.jpg")
	ref, err := DecodeImage(rgbJPEG, DefaultLimits())
	if err != nil {
		t.Fatalf("decode reference: %v", err)
	}
	refRGBA := ref.(*image.RGBA)

	okCases := []struct {
		name      string
		file      string
		w, h      int
		maxDiff   float64 // mean abs RGB difference to rgb.jpg, <0: skip
		grayscale bool
	}{
		{"rgb jpeg", "rgb.jpg", 640, 427, 0, false},
		{"png", "rgb.png", 480, 320, -1, false},
		{"grayscale jpeg", "gray.jpg", 640, 427, -1, true},
		{"cmyk jpeg", "cmyk.jpg", 640, 427, 6, false},
		{"exif orientation 6", "rotated6.jpg", 640, 427, 3, false},
		{"exif orientation 3", "rotated3.jpg", 640, 427, 3, false},
	}
	for _, tc := range okCases {
		t.Run(tc.name, func(t *testing.T) {
			img, err := DecodeImage(readFixture(t, tc.file), DefaultLimits())
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			m, ok := img.(*image.RGBA)
			if !ok {
				t.Fatalf("got %T, want *image.RGBA", img)
			}
			if got := m.Rect.Size(); got.X != tc.w || got.Y != tc.h {
				t.Fatalf("size %v, want %dx%d", got, tc.w, tc.h)
			}
			if tc.maxDiff >= 0 {
				if d := meanAbsDiff(t, m, refRGBA); d > tc.maxDiff {
					t.Errorf("mean abs diff to the upright RGB image = %.2f, want ≤ %.2f", d, tc.maxDiff)
				}
			}
			if tc.grayscale {
				for i := 0; i < len(m.Pix); i += 4 {
					if m.Pix[i] != m.Pix[i+1] || m.Pix[i] != m.Pix[i+2] {
						t.Fatalf("grayscale pixel %d not neutral: %v", i/4, m.Pix[i:i+3])
					}
				}
			}
		})
	}

	var gif bytes.Buffer
	gif.WriteString("GIF89a\x01\x00\x01\x00")
	badCases := []struct {
		name string
		data []byte
		lim  Limits
		want error
	}{
		{"empty", nil, DefaultLimits(), ErrNotImage},
		{"text", []byte("hello, I am not an image"), DefaultLimits(), ErrNotImage},
		{"gif", gif.Bytes(), DefaultLimits(), ErrUnsupported},
		{"truncated jpeg", rgbJPEG[:len(rgbJPEG)/2], DefaultLimits(), ErrTruncated},
		{"jpeg header only", rgbJPEG[:300], DefaultLimits(), ErrTruncated},
		{"truncated png", readFixture(t, "rgb.png")[:5000], DefaultLimits(), ErrTruncated},
		{"png bomb 20000x20000", pngWithSize(t, 20000, 20000), DefaultLimits(), ErrTooLarge},
		{"jpeg bomb 20000x20000", jpegWithSize(t, rgbJPEG, 20000, 20000), DefaultLimits(), ErrTooLarge},
		{"jpeg 7000x7000 over 40MP", jpegWithSize(t, rgbJPEG, 7000, 7000), DefaultLimits(), ErrTooLarge},
		{"too many bytes", rgbJPEG, Limits{MaxBytes: 1000}, ErrTooLarge},
		{"side limit", rgbJPEG, Limits{MaxSide: 600}, ErrTooLarge},
		{"corrupt jpeg body", append(append([]byte(nil), rgbJPEG[:2]...), bytes.Repeat([]byte{0x42}, 500)...), DefaultLimits(), ErrNotImage},
	}
	for _, tc := range badCases {
		t.Run(tc.name, func(t *testing.T) {
			img, err := DecodeImage(tc.data, tc.lim)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if img != nil {
				t.Fatalf("image returned with error")
			}
			if !strings.HasPrefix(err.Error(), "face: decode image") {
				t.Errorf("error %q lacks the operation name", err)
			}
		})
	}
}

func TestDecodeBase64Image(t *testing.T) {
	jpg := readFixture(t, "rgb.jpg")
	pngData := readFixture(t, "rgb.png")
	std := base64.StdEncoding.EncodeToString(jpg)
	var wrapped strings.Builder
	for i := 0; i < len(std); i += 76 {
		wrapped.WriteString(std[i:min(i+76, len(std))])
		wrapped.WriteString("\r\n")
	}
	ok := []struct {
		name string
		in   string
		w    int
	}{
		{"raw std", std, 640},
		{"raw no padding", base64.RawStdEncoding.EncodeToString(jpg), 640},
		{"url alphabet", base64.RawURLEncoding.EncodeToString(jpg), 640},
		{"line wrapped", wrapped.String(), 640},
		{"data url jpeg", "data:image/jpeg;base64," + std, 640},
		{"data url png", "data:image/png;base64," + base64.StdEncoding.EncodeToString(pngData), 480},
		{"data url upper case", "DATA:IMAGE/JPEG;BASE64," + std, 640},
	}
	for _, tc := range ok {
		t.Run(tc.name, func(t *testing.T) {
			img, err := DecodeBase64Image(tc.in, 1<<20)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if img.Bounds().Dx() != tc.w {
				t.Fatalf("width %d, want %d", img.Bounds().Dx(), tc.w)
			}
		})
	}
	bad := []struct {
		name string
		in   string
		max  int
		want error
	}{
		{"empty", "", 1 << 20, ErrNotImage},
		{"huge", strings.Repeat("A", 50<<20), 10 << 20, ErrTooLarge},
		{"just over limit", std, len(jpg) - 10, ErrTooLarge},
		{"invalid characters", "!!!!****", 1 << 20, ErrBadEncoding},
		{"data url without comma", "data:image/jpeg;base64", 1 << 20, ErrBadEncoding},
		{"data url not base64", "data:image/jpeg," + std, 1 << 20, ErrBadEncoding},
		{"data url gif", "data:image/gif;base64,R0lGODlhAQABAAAAACw=", 1 << 20, ErrUnsupported},
		{"base64 of text", base64.StdEncoding.EncodeToString([]byte("not an image at all")), 1 << 20, ErrNotImage},
		{"base64 of truncated jpeg", base64.StdEncoding.EncodeToString(jpg[:len(jpg)/3]), 1 << 20, ErrTruncated},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeBase64Image(tc.in, tc.max)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestOrient(t *testing.T) {
	// A 3×2 image whose pixels encode their coordinates; every orientation
	// must map the stored corner to where a viewer displays it.
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for y := 0; y < 2; y++ {
		for x := 0; x < 3; x++ {
			src.SetRGBA(x, y, color.RGBA{uint8(x), uint8(y), 0, 255})
		}
	}
	// want: the stored coordinate shown at the displayed top-left and
	// top-right corners.
	cases := []struct {
		o          int
		w, h       int
		tl, tr     [2]uint8
		bottomLeft [2]uint8
	}{
		{1, 3, 2, [2]uint8{0, 0}, [2]uint8{2, 0}, [2]uint8{0, 1}},
		{2, 3, 2, [2]uint8{2, 0}, [2]uint8{0, 0}, [2]uint8{2, 1}},
		{3, 3, 2, [2]uint8{2, 1}, [2]uint8{0, 1}, [2]uint8{2, 0}},
		{4, 3, 2, [2]uint8{0, 1}, [2]uint8{2, 1}, [2]uint8{0, 0}},
		{5, 2, 3, [2]uint8{0, 0}, [2]uint8{0, 1}, [2]uint8{2, 0}},
		{6, 2, 3, [2]uint8{0, 1}, [2]uint8{0, 0}, [2]uint8{2, 1}},
		{7, 2, 3, [2]uint8{2, 1}, [2]uint8{2, 0}, [2]uint8{0, 1}},
		{8, 2, 3, [2]uint8{2, 0}, [2]uint8{2, 1}, [2]uint8{0, 0}},
	}
	for _, tc := range cases {
		t.Run(string(rune('0'+tc.o)), func(t *testing.T) {
			d := orient(src, tc.o)
			if d.Rect.Dx() != tc.w || d.Rect.Dy() != tc.h {
				t.Fatalf("size %v", d.Rect)
			}
			at := func(x, y int) [2]uint8 { c := d.RGBAAt(x, y); return [2]uint8{c.R, c.G} }
			if got := at(0, 0); got != tc.tl {
				t.Errorf("top-left = %v, want %v", got, tc.tl)
			}
			if got := at(tc.w-1, 0); got != tc.tr {
				t.Errorf("top-right = %v, want %v", got, tc.tr)
			}
			if got := at(0, tc.h-1); got != tc.bottomLeft {
				t.Errorf("bottom-left = %v, want %v", got, tc.bottomLeft)
			}
		})
	}
}

func FuzzDecodeImage(f *testing.F) {
	for _, name := range []string{"rgb.jpg", "gray.jpg", "rotated6.jpg"} {
		b, err := os.ReadFile(filepath.Join("testdata", "images", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 1024)])
	}
	// Small complete images, so mutations reach the pixel decoders
	// (including the baseline JPEG path) quickly.
	tiny := image.NewRGBA(image.Rect(0, 0, 19, 13))
	for i := range tiny.Pix {
		tiny.Pix[i] = uint8(i * 7)
	}
	for _, q := range []int{50, 95} {
		var j bytes.Buffer
		_ = jpeg.Encode(&j, tiny, &jpeg.Options{Quality: q})
		f.Add(j.Bytes())
	}
	var gj bytes.Buffer
	_ = jpeg.Encode(&gj, image.NewGray(image.Rect(0, 0, 9, 17)), nil)
	f.Add(gj.Bytes())
	var small bytes.Buffer
	_ = png.Encode(&small, tiny)
	f.Add(small.Bytes())
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00*\x00\x00\x00\x08"))
	// Small limits keep each fuzz iteration cheap; the limit logic itself is
	// what a hostile input attacks.
	lim := Limits{MaxBytes: 1 << 20, MaxPixels: 1 << 20, MaxSide: 2048}
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := DecodeImage(data, lim)
		if err != nil {
			if img != nil {
				t.Fatal("image and error")
			}
			if !errors.Is(err, ErrNotImage) && !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error without a sentinel: %v", err)
			}
			return
		}
		b := img.Bounds()
		if b.Dx() <= 0 || b.Dy() <= 0 || b.Dx() > lim.MaxSide || b.Dy() > lim.MaxSide {
			t.Fatalf("bounds %v outside limits", b)
		}
	})
}

func FuzzDecodeBase64Image(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "images", "gray.jpg"))
	if err != nil {
		f.Fatal(err)
	}
	var small bytes.Buffer
	_ = png.Encode(&small, image.NewRGBA(image.Rect(0, 0, 4, 3)))
	f.Add("data:image/png;base64," + base64.StdEncoding.EncodeToString(small.Bytes()))
	f.Add(base64.StdEncoding.EncodeToString(b[:2048]))
	f.Add("data:image/jpeg;base64,/9j/4AAQ")
	f.Add("data:,")
	f.Add("data:image/png;base64")
	f.Fuzz(func(t *testing.T, s string) {
		img, err := DecodeBase64Image(s, 1<<16)
		if err != nil {
			if img != nil {
				t.Fatal("image and error")
			}
			for _, s := range []error{ErrNotImage, ErrTooLarge, ErrTruncated, ErrUnsupported, ErrBadEncoding} {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error without a sentinel: %v", err)
		}
		if img.Bounds().Empty() {
			t.Fatal("empty image without error")
		}
	})
}

// TestPNGExifOrientation: a PNG eXIf chunk (before IDAT) is honoured too.
func TestPNGExifOrientation(t *testing.T) {
	src := image.NewRGBA(image.Rect(0, 0, 30, 20))
	src.SetRGBA(0, 0, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, src); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// Big-endian TIFF with one IFD0 entry: Orientation = 6.
	tiff := []byte("MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00")
	chunk := make([]byte, 0, len(tiff)+12)
	chunk = binary.BigEndian.AppendUint32(chunk, uint32(len(tiff)))
	chunk = append(chunk, "eXIf"...)
	chunk = append(chunk, tiff...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	ihdrEnd := 8 + 12 + 13 // signature + IHDR chunk
	withExif := append(append(append([]byte(nil), b[:ihdrEnd]...), chunk...), b[ihdrEnd:]...)
	img, err := DecodeImage(withExif, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if got := img.Bounds().Size(); got != (image.Point{20, 30}) {
		t.Fatalf("size %v, want 20x30 after a 90° rotation", got)
	}
	// The stored top-left pixel is displayed at the top-right.
	if c := img.(*image.RGBA).RGBAAt(19, 0); c.R != 255 || c.G != 0 {
		t.Errorf("top-right = %v, want the red pixel", c)
	}
}
