package eval

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/face/match"
)

// fakeEmbedder finds one face only in padded images (gray at the corner),
// whose descriptor is the red value of pixel (80, 80): tight crops give a
// detector no context.
type fakeEmbedder struct{}

func (fakeEmbedder) ModelID() string { return "fake" }

func (fakeEmbedder) Embed(img image.Image, _ face.Options) ([]face.Face, error) {
	if r, g, b, _ := img.At(0, 0).RGBA(); r>>8 != 128 || g>>8 != 128 || b>>8 != 128 {
		return nil, nil
	}
	r, _, _, _ := img.At(80, 80).RGBA()
	d := make([]float32, 128)
	d[0] = float32(r>>8) / 255
	return []face.Face{{Score: 0.9, Box: face.Box{X: 75, Y: 75, Width: 150, Height: 150}, Descriptor: d}}, nil
}

func writePNG(t *testing.T, path string, side int, red uint8) {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, side, side))
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i], m.Pix[i+3] = red, 255
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, m); err != nil {
		t.Fatal(err)
	}
}

func TestPad(t *testing.T) {
	m := image.NewRGBA(image.Rect(10, 10, 20, 30))
	m.Set(10, 10, color.RGBA{255, 0, 0, 255})
	p := Pad(m, 5)
	if b := p.Bounds(); b.Dx() != 20 || b.Dy() != 30 {
		t.Fatalf("bounds %v", b)
	}
	if r, g, b, _ := p.At(0, 0).RGBA(); r>>8 != 128 || g>>8 != 128 || b>>8 != 128 {
		t.Errorf("border not neutral gray")
	}
	if r, _, _, _ := p.At(5, 5).RGBA(); r>>8 != 255 {
		t.Errorf("image not at the pad offset")
	}
}

func TestRun(t *testing.T) {
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "ann", "1.png"), 150, 10)
	writePNG(t, filepath.Join(dir, "ann", "2.png"), 150, 20)
	writePNG(t, filepath.Join(dir, "bob", "1.png"), 150, 200)
	writePNG(t, filepath.Join(dir, "bob", "2.png"), 150, 210)
	writePNG(t, filepath.Join(dir, "bob", "big.png"), 400, 230) // not padded: no face
	if err := os.WriteFile(filepath.Join(dir, "bob", "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ann", "broken.png"), []byte("not a png"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := Run(context.Background(), fakeEmbedder{}, dir, Options{}, match.DefaultThresholds())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Photos != 4 || rep.People != 2 || rep.GenuinePairs != 2 || rep.ImpostorPairs != 4 || len(rep.Skipped) != 2 {
		t.Fatalf("report %+v", rep)
	}
	if rep.Login.GenuineAttempts != 4 || rep.Login.ImpostorAttempts != 4 || rep.FAR != 0 || rep.FRR != 0 {
		t.Fatalf("login %+v", rep.Login)
	}
	if _, err := Run(context.Background(), fakeEmbedder{}, t.TempDir(), Options{}, match.DefaultThresholds()); !errors.Is(err, ErrNoData) {
		t.Errorf("empty dir: %v", err)
	}
	if _, err := Run(context.Background(), fakeEmbedder{}, dir, Options{Detector: "nope"}, match.DefaultThresholds()); err == nil {
		t.Error("bad detector accepted")
	}
}
