package face

import (
	"errors"
	"image"
	"image/color"
	"math"
	"sync"
	"testing"
)

// TestDetectInputVariants: the same photo as RGB, grayscale, CMYK and
// EXIF-rotated JPEG and as PNG gives the same faces, in upright
// coordinates; an image without a face gives none.
func TestDetectInputVariants(t *testing.T) {
	p := loadPipeline(t)
	decode := func(name string) image.Image {
		img, err := DecodeImage(readFixture(t, name), DefaultLimits())
		if err != nil {
			t.Fatalf("decode %s: %v", name, err)
		}
		return img
	}
	ref, err := p.Detect(decode("rgb.jpg"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ref) != 3 {
		t.Fatalf("reference: %d faces, want 3", len(ref))
	}
	cases := []struct {
		file   string
		scale  float64 // image size relative to rgb.jpg
		minIoU float64
	}{
		{"rotated6.jpg", 1, 0.9},
		{"rotated3.jpg", 1, 0.9},
		{"gray.jpg", 1, 0.6}, // the tiny detector sees colour: boxes move more
		{"cmyk.jpg", 1, 0.8},
		{"rgb.png", 0.75, 0.8},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			faces, err := p.Detect(decode(tc.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(faces) != len(ref) {
				t.Fatalf("%d faces, want %d", len(faces), len(ref))
			}
			for i, r := range ref {
				want := Box{X: r.Box.X * tc.scale, Y: r.Box.Y * tc.scale, Width: r.Box.Width * tc.scale, Height: r.Box.Height * tc.scale}
				best := 0.0
				for _, f := range faces {
					best = math.Max(best, IoU(f.Box, want))
				}
				if best < tc.minIoU {
					t.Errorf("face %d: best IoU %.3f < %.2f", i, best, tc.minIoU)
				}
			}
		})
	}
	t.Run("no face", func(t *testing.T) {
		blank := image.NewRGBA(image.Rect(0, 0, 320, 240))
		for i := range blank.Pix {
			blank.Pix[i] = uint8(100 + i%7)
		}
		for _, kind := range []DetectorKind{DetectorTiny, DetectorSSD} {
			faces, err := p.Embed(blank, Options{Detector: kind})
			if err != nil || len(faces) != 0 {
				t.Fatalf("%s: %d faces, err %v", kind, len(faces), err)
			}
		}
	})
	t.Run("tiny images", func(t *testing.T) {
		for _, sz := range [][2]int{{1, 1}, {1, 300}, {300, 1}, {7, 5}, {1, 5000}, {5000, 2}} {
			img := image.NewGray(image.Rect(0, 0, sz[0], sz[1]))
			img.SetGray(0, 0, color.Gray{200})
			for _, kind := range []DetectorKind{DetectorTiny, DetectorSSD} {
				if _, err := p.Embed(img, Options{Detector: kind}); err != nil {
					t.Fatalf("%v %s: %v", sz, kind, err)
				}
			}
		}
	})
}

func TestOptions(t *testing.T) {
	p := loadPipeline(t)
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	bad := []Options{
		{Detector: "yolo"},
		{MinScore: 1.5},
		{MinScore: -0.1},
		{MinScore: math.NaN()},
		{InputSize: 100},
		{InputSize: 4096},
		{MaxFaces: -1},
	}
	for _, o := range bad {
		if _, err := p.Detect(img, o); !errors.Is(err, ErrBadOptions) {
			t.Errorf("%+v: err = %v, want ErrBadOptions", o, err)
		}
	}
	if _, err := p.Detect(nil, Options{}); !errors.Is(err, ErrNotImage) {
		t.Errorf("nil image: %v", err)
	}
	// MaxFaces keeps the largest faces.
	all, err := p.Detect(loadSampleFixture(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	one, err := p.Detect(loadSampleFixture(t), Options{MaxFaces: 1})
	if err != nil || len(one) != 1 {
		t.Fatalf("max faces 1: %d faces, %v", len(one), err)
	}
	if big := all[MostProminent(all)]; one[0].Box != big.Box {
		t.Errorf("kept %+v, the most prominent is %+v", one[0].Box, big.Box)
	}
}

func loadSampleFixture(t *testing.T) image.Image {
	t.Helper()
	img, err := DecodeImage(readFixture(t, "rgb.jpg"), DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestLoadMissingModels(t *testing.T) {
	_, err := Load(t.TempDir())
	if !errors.Is(err, ErrModelsMissing) {
		t.Fatalf("err = %v, want ErrModelsMissing", err)
	}
	for _, c := range err.Error() {
		if c == '\n' {
			t.Fatalf("message is not one line: %q", err)
		}
	}
}

// TestPipelineConcurrent: one Pipeline serves several goroutines at once
// (run with -race) and each gets exactly the serial result.
func TestPipelineConcurrent(t *testing.T) {
	p := loadPipeline(t)
	img := loadSampleFixture(t)
	want, err := p.Embed(img, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			opts := Options{}
			if g%2 == 1 {
				opts.Detector = DetectorSSD
			}
			got, err := p.Embed(img, opts)
			if err != nil {
				errs <- err
				return
			}
			if g%2 == 1 {
				return // SSD: only checked for races
			}
			if len(got) != len(want) {
				errs <- errors.New("different face count")
				return
			}
			for i := range got {
				if d := Distance(got[i].Descriptor, want[i].Descriptor); d != 0 {
					errs <- errors.New("descriptor differs from the serial run")
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestDistance(t *testing.T) {
	cases := []struct {
		a, b []float32
		want float64
	}{
		{[]float32{0, 0}, []float32{3, 4}, 5},
		{[]float32{1, 2, 3}, []float32{1, 2, 3}, 0},
		{[]float32{1}, []float32{1, 2}, math.Inf(1)},
		{nil, nil, math.Inf(1)},
	}
	for _, c := range cases {
		if got := Distance(c.a, c.b); got != c.want {
			t.Errorf("Distance(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}
