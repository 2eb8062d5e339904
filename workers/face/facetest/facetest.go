// Package facetest makes face test images from the golden photos in
// shared/testdata/faces: webcam-like single-face pictures cut around a
// golden face box, with variations (framing, shift, scale, brightness,
// grayscale, EXIF rotation) that a real camera produces between shots.
// The face worker's and the edge's tests use it.
package facetest

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hirebus/hirebus/internal/testutil"
	xdraw "golang.org/x/image/draw"
)

// Face is one golden face: its photo and SSD box in image pixels.
type Face struct {
	Index int    // 0..21, the cropN.png order
	Image string // sample file name
	X, Y  float64
	W, H  float64
	// Descriptor is the reference pipeline's descriptor of this face.
	Descriptor []float32
}

var (
	loadOnce sync.Once
	faces    []Face
	photos   = map[string]image.Image{}
	photoMu  sync.Mutex
	loadErr  error
)

// Faces returns the 22 golden faces in crop order.
func Faces(t testing.TB) []Face {
	t.Helper()
	dir := testutil.FacesDir(t)
	loadOnce.Do(func() {
		raw, err := os.ReadFile(filepath.Join(dir, "golden.json"))
		if err != nil {
			loadErr = err
			return
		}
		var g struct {
			Images map[string]struct {
				SSDFaces []struct {
					Box struct {
						X, Y, Width, Height float64
					} `json:"box"`
					Crop       string    `json:"crop150"`
					Descriptor []float32 `json:"descriptor"`
				} `json:"ssd_faces"`
			} `json:"images"`
		}
		if loadErr = json.Unmarshal(raw, &g); loadErr != nil {
			return
		}
		faces = make([]Face, 22)
		for name, im := range g.Images {
			for _, f := range im.SSDFaces {
				var n int
				if _, err := fmtSscanf(f.Crop, &n); err != nil || n < 0 || n >= len(faces) {
					continue
				}
				faces[n] = Face{Index: n, Image: name, X: f.Box.X, Y: f.Box.Y, W: f.Box.Width, H: f.Box.Height, Descriptor: f.Descriptor}
			}
		}
	})
	if loadErr != nil {
		t.Fatalf("facetest: golden.json: %v", loadErr)
	}
	return faces
}

// Photo returns a decoded golden photo.
func Photo(t testing.TB, name string) image.Image {
	t.Helper()
	photoMu.Lock()
	defer photoMu.Unlock()
	if m, ok := photos[name]; ok {
		return m
	}
	f, err := os.Open(filepath.Join(testutil.FacesDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := jpeg.Decode(f)
	if err != nil {
		t.Fatalf("facetest: decode %s: %v", name, err)
	}
	photos[name] = m
	return m
}

// Variant describes one shot of a face.
type Variant struct {
	Margin     float64 // extra context on each side, in face sizes (default 0.45)
	DX, DY     float64 // shift of the window, in face sizes
	Width      int     // output width in pixels (default 256)
	Brightness float64 // multiplier (default 1)
	Gray       bool    // encode as a one-channel JPEG
	PNG        bool    // encode as PNG instead of JPEG
	Rotate     bool    // store the pixels turned 90° with EXIF orientation 6, so an upright face needs the EXIF tag
}

// Shots is a set of distinct shots of one face, like the frames a user
// takes at registration.
var Shots = []Variant{
	{},
	{Margin: 0.55, DX: 0.06, DY: -0.04, Width: 240},
	{Margin: 0.4, DX: -0.05, DY: 0.05, Width: 288, Brightness: 1.15},
	{Margin: 0.5, DY: 0.03, Width: 224, Brightness: 0.9},
	{Margin: 0.6, DX: 0.03, Width: 300, PNG: true},
}

// Image returns the encoded bytes of face f under variant v.
func Image(t testing.TB, f Face, v Variant) []byte {
	t.Helper()
	if v.Margin == 0 {
		v.Margin = 0.45
	}
	if v.Width == 0 {
		v.Width = 256
	}
	if v.Brightness == 0 {
		v.Brightness = 1
	}
	src := Photo(t, f.Image)
	side := max(f.W, f.H) * (1 + 2*v.Margin)
	cx := f.X + f.W/2 + v.DX*f.W
	cy := f.Y + f.H/2 + v.DY*f.H
	r := image.Rect(int(cx-side/2), int(cy-side/2), int(cx+side/2), int(cy+side/2)).Intersect(src.Bounds())
	h := v.Width * r.Dy() / r.Dx()
	dst := image.NewRGBA(image.Rect(0, 0, v.Width, h))
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), src, r, xdraw.Src, nil)
	if v.Brightness != 1 {
		for i := range dst.Pix {
			if i%4 != 3 {
				dst.Pix[i] = uint8(min(255, float64(dst.Pix[i])*v.Brightness))
			}
		}
	}
	var out image.Image = dst
	if v.Gray {
		g := image.NewGray(dst.Bounds())
		for y := 0; y < h; y++ {
			for x := 0; x < v.Width; x++ {
				g.Set(x, y, color.GrayModel.Convert(dst.At(x, y)))
			}
		}
		out = g
	}
	if v.Rotate {
		out = rotate90(out)
	}
	var buf bytes.Buffer
	var err error
	if v.PNG {
		err = png.Encode(&buf, out)
	} else {
		err = jpeg.Encode(&buf, out, &jpeg.Options{Quality: 92})
	}
	if err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	if v.Rotate {
		b = withOrientation(b, 6)
	}
	return b
}

// Base64 returns Image as a data URL (JPEG) or plain base64 (PNG), the two
// forms clients send.
func Base64(t testing.TB, f Face, v Variant) string {
	t.Helper()
	b := Image(t, f, v)
	if v.PNG {
		return base64.StdEncoding.EncodeToString(b)
	}
	return "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(b)
}

// FileBase64 is a file of the golden set or of any path, base64-encoded.
func FileBase64(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// Blank is a face-less picture (a grey wall with a gradient).
func Blank(t testing.TB) string {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 320, 240))
	for y := 0; y < 240; y++ {
		for x := 0; x < 320; x++ {
			v := uint8(90 + x/8 + y/12)
			m.Set(x, y, color.RGBA{v, v, v - 10, 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// Group is the region of a golden photo holding the given faces (all of
// the same photo), as a JPEG data URL of the given width.
func Group(t testing.TB, fs []Face, width int) string {
	t.Helper()
	src := Photo(t, fs[0].Image)
	r := image.Rectangle{}
	for _, f := range fs {
		m := 0.3 * max(f.W, f.H)
		fr := image.Rect(int(f.X-m), int(f.Y-m), int(f.X+f.W+m), int(f.Y+f.H+m))
		r = r.Union(fr)
	}
	r = r.Intersect(src.Bounds())
	h := width * r.Dy() / r.Dx()
	dst := image.NewRGBA(image.Rect(0, 0, width, h))
	xdraw.CatmullRom.Scale(dst, dst.Bounds(), src, r, xdraw.Src, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 92}); err != nil {
		t.Fatal(err)
	}
	return "data:image/jpeg;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

// rotate90 turns m counter-clockwise by 90°; EXIF orientation 6 tells a
// viewer to turn it clockwise to show it upright.
func rotate90(m image.Image) image.Image {
	b := m.Bounds()
	if g, ok := m.(*image.Gray); ok {
		out := image.NewGray(image.Rect(0, 0, b.Dy(), b.Dx()))
		for y := 0; y < b.Dy(); y++ {
			for x := 0; x < b.Dx(); x++ {
				out.SetGray(y, b.Dx()-1-x, g.GrayAt(x, y))
			}
		}
		return out
	}
	out := image.NewRGBA(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.Set(y, b.Dx()-1-x, m.At(x+b.Min.X, y+b.Min.Y))
		}
	}
	return out
}

// withOrientation inserts an APP1 Exif segment holding only the
// Orientation tag right after the JPEG SOI marker.
func withOrientation(jpg []byte, o uint16) []byte {
	var tiff bytes.Buffer
	tiff.WriteString("II*\x00")
	_ = binary.Write(&tiff, binary.LittleEndian, uint32(8)) // IFD0 offset
	_ = binary.Write(&tiff, binary.LittleEndian, uint16(1)) // one entry
	_ = binary.Write(&tiff, binary.LittleEndian, uint16(0x0112))
	_ = binary.Write(&tiff, binary.LittleEndian, uint16(3)) // SHORT
	_ = binary.Write(&tiff, binary.LittleEndian, uint32(1))
	_ = binary.Write(&tiff, binary.LittleEndian, o)
	_ = binary.Write(&tiff, binary.LittleEndian, uint16(0))
	_ = binary.Write(&tiff, binary.LittleEndian, uint32(0)) // no next IFD
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	seg := []byte{0xFF, 0xE1, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// fmtSscanf reads N from "cropN.png".
func fmtSscanf(s string, n *int) (int, error) { return fmt.Sscanf(s, "crop%d.png", n) }
