package face

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/jpeg"
	"testing"

	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/workers/face/facetest"
)

// blurred re-encodes a face image after a box blur of radius r.
func blurred(t *testing.T, jpg []byte, r int) string {
	t.Helper()
	src, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		t.Fatal(err)
	}
	b := src.Bounds()
	out := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var sr, sg, sb, n uint32
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					px, py := min(max(x+dx, b.Min.X), b.Max.X-1), min(max(y+dy, b.Min.Y), b.Max.Y-1)
					cr, cg, cb, _ := src.At(px, py).RGBA()
					sr, sg, sb, n = sr+cr>>8, sg+cg>>8, sb+cb>>8, n+1
				}
			}
			i := out.PixOffset(x, y)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = uint8(sr/n), uint8(sg/n), uint8(sb/n), 255
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// TestQualityGates: every gate on real images where one can be made, on
// measured values where not (a turned head needs a photo we do not have).
func TestQualityGates(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the face models")
	}
	p, err := face.Load(testutil.ModelsDir(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	w := &Worker{cfg: cfg, emb: p}
	f := facetest.Faces(t)[0]
	web := facetest.Variant{Width: 480}
	for _, tc := range []struct {
		name, image, code string
	}{
		{"webcam frame", facetest.Base64(t, f, web), ""},
		{"too small", facetest.Base64(t, f, facetest.Variant{Width: 150, Margin: 1}), CodeFaceTooSmall},
		{"too dark", facetest.Base64(t, f, facetest.Variant{Width: 480, Brightness: 0.25}), CodeTooDark},
		{"slightly soft (box blur r=2)", blurred(t, facetest.Image(t, f, web), 2), ""},
		{"blurred (box blur r=3)", blurred(t, facetest.Image(t, f, web), 3), CodeBlurred},
		{"blurred (box blur r=4)", blurred(t, facetest.Image(t, f, web), 4), CodeBlurred},
		{"several faces", facetest.Group(t, facetest.Faces(t)[:2], 640), CodeMultipleFaces},
		{"no face", facetest.Blank(t), CodeNoFace},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := w.analyse(tc.image)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if a.rej != nil {
				got = a.rej.Code
			}
			t.Logf("quality %+v faces %d", a.q, a.faces)
			if got != tc.code {
				t.Fatalf("code %q (%v), want %q", got, a.rej, tc.code)
			}
			if got != "" && Hint(got) == "" {
				t.Errorf("no hint for %s", got)
			}
		})
	}
	good := face.Quality{Size: 200, Brightness: 130, Sharpness: 500}
	ok := face.Face{Score: 0.9}
	for _, tc := range []struct {
		name string
		edit func(q *face.Quality)
		code string
	}{
		{"good", func(*face.Quality) {}, ""},
		{"small", func(q *face.Quality) { q.Size = 50 }, CodeFaceTooSmall},
		{"dark", func(q *face.Quality) { q.Brightness = 30 }, CodeTooDark},
		{"bright", func(q *face.Quality) { q.Brightness = 240 }, CodeTooBright},
		{"blurred", func(q *face.Quality) { q.Sharpness = 10 }, CodeBlurred},
		{"turned left", func(q *face.Quality) { q.Yaw = 45 }, CodeOffAngle},
		{"turned right", func(q *face.Quality) { q.Yaw = -45 }, CodeOffAngle},
		{"looking down", func(q *face.Quality) { q.Pitch = 35 }, CodeOffAngle},
		{"slightly turned is fine", func(q *face.Quality) { q.Yaw, q.Pitch = 20, -15 }, ""},
	} {
		t.Run("measured/"+tc.name, func(t *testing.T) {
			q := good
			tc.edit(&q)
			got := ""
			if r := w.gate(ok, q); r != nil {
				got = r.Code
			}
			if got != tc.code {
				t.Fatalf("code %q, want %q", got, tc.code)
			}
		})
	}
	if r := w.gate(face.Face{Score: 0.55}, good); r == nil || r.Code != CodeLowQuality {
		t.Errorf("low detector score: %v", r)
	}
}
