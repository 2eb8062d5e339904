package imaging

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/draw"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBaselineJPEGMatchesJpegJS checks bit-exact parity with jpeg-js: the
// hashes in testdata/images/jpegjs-rgba.sha256 are of jpeg-js 0.4.4's RGBA
// output for each fixture (4:2:2, 4:2:0, 4:4:0 and 4:4:4 sampling,
// grayscale, optimised Huffman tables, restart intervals, a height that is
// not a multiple of 8).
func TestBaselineJPEGMatchesJpegJS(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "images", "jpegjs-rgba.sha256"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		want, name := fields[0], fields[1]
		n++
		t.Run(name, func(t *testing.T) {
			img, err := decodeFixtureBaseline(t, readFixture(t, name))
			if err != nil {
				t.Fatalf("baseline decoder refused it: %v", err)
			}
			sum := sha256.Sum256(img.Pix)
			if got := hex.EncodeToString(sum[:]); got != want {
				t.Errorf("RGBA sha256 %s, jpeg-js %s", got, want)
			}
			// And it stays within JPEG rounding of image/jpeg.
			ref, err := jpeg.Decode(bytes.NewReader(readFixture(t, name)))
			if err != nil {
				t.Fatal(err)
			}
			if d := meanAbsDiff(t, img, toRGBAGo(ref)); d > 1 {
				t.Errorf("mean abs difference to image/jpeg %.3f", d)
			}
		})
	}
	if n == 0 {
		t.Fatal("no hashes")
	}
}

func TestBaselineJPEGFallback(t *testing.T) {
	for _, name := range []string{"progressive.jpg", "cmyk.jpg"} {
		t.Run(name, func(t *testing.T) {
			if _, err := decodeFixtureBaseline(t, readFixture(t, name)); !errors.Is(err, errNotBaseline) {
				t.Fatalf("err = %v, want errNotBaseline", err)
			}
			// DecodeImage still handles it through image/jpeg.
			if _, err := DecodeImage(readFixture(t, name), DefaultLimits()); err != nil {
				t.Fatal(err)
			}
		})
	}
	// Every truncation of a valid file is refused (and does not panic), so
	// the caller falls back to image/jpeg and its error.
	data := readFixture(t, "s444_restart.jpg")
	for cut := 2; cut < len(data)-2; cut += 97 {
		if _, err := decodeBaselineJPEG(data[:cut], 640, 427); err == nil {
			t.Fatalf("truncated at %d of %d bytes decoded without error", cut, len(data))
		}
	}
	// Corrupting the entropy-coded data must not panic either.
	bad := append([]byte(nil), readFixture(t, "rgb.jpg")...)
	for i := len(bad) / 2; i < len(bad)-2; i += 13 {
		bad[i] ^= 0x5a
	}
	_, _ = decodeBaselineJPEG(bad, 640, 427)
	// A frame of another size than the caller checked is refused.
	if _, err := decodeBaselineJPEG(readFixture(t, "rgb.jpg"), 640, 428); !errors.Is(err, errNotBaseline) {
		t.Fatalf("size mismatch: err = %v", err)
	}
}

func decodeFixtureBaseline(t *testing.T, data []byte) (*image.RGBA, error) {
	t.Helper()
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return decodeBaselineJPEG(data, cfg.Width, cfg.Height)
}

// toRGBAGo converts with the standard library only (the reference for the
// parity check above).
func toRGBAGo(src image.Image) *image.RGBA {
	b := src.Bounds()
	dst := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(dst, dst.Rect, src, b.Min, draw.Src)
	return dst
}
