package face

import (
	"errors"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/hirebus/hirebus/face/nn"
)

// recCrop is one golden 150×150 crop and the reference net's output for it.
type recCrop struct {
	file string
	img  image.Image
	want []float32
}

// loadRecCrops reads every cropN.png named in golden.json with its
// crop150_descriptor.
func loadRecCrops(t testing.TB) []recCrop {
	t.Helper()
	dir, images := loadGolden(t)
	var crops []recCrop
	for _, im := range images {
		for _, f := range im.SSDFaces {
			fh, err := os.Open(filepath.Join(dir, f.Crop150))
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(fh)
			fh.Close()
			if err != nil {
				t.Fatalf("decode %s: %v", f.Crop150, err)
			}
			if len(f.Crop150Descriptor) != DescriptorSize {
				t.Fatalf("%s: golden descriptor has %d values", f.Crop150, len(f.Crop150Descriptor))
			}
			crops = append(crops, recCrop{file: f.Crop150, img: img, want: f.Crop150Descriptor})
		}
	}
	sort.Slice(crops, func(i, j int) bool { return crops[i].file < crops[j].file })
	if len(crops) != 22 {
		t.Fatalf("golden.json names %d crops, want 22", len(crops))
	}
	return crops
}

// loadRec is the recognition net of the shared test pipeline, so the
// weights are read once per test binary.
func loadRec(t testing.TB) *RecognitionNet {
	t.Helper()
	return loadPipeline(t).recog
}

func l2(a [DescriptorSize]float32, b []float32) float64 {
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return math.Sqrt(s)
}

// TestRecognitionGolden is the port's exactness proof: the net on each
// golden crop must reproduce face-api's descriptor within 1e-3 (float
// rounding alone gives ~1e-4), through each kernel path
// (every level the CPU supports: AVX-512, AVX2, portable Go).
func TestRecognitionGolden(t *testing.T) {
	net := loadRec(t)
	crops := loadRecCrops(t)
	for l := nn.SupportedKernel(); l >= nn.KernelPortable; l-- {
		t.Run(l.String(), func(t *testing.T) {
			nn.SetMaxKernel(l)
			defer nn.ForcePortable(false)
			var mu sync.Mutex
			var worst float64
			// The crops run in parallel (the portable kernels under -race
			// are slow); this group returns only when all of them are done,
			// before the kernel level is reset.
			t.Run("crops", func(t *testing.T) {
				for _, c := range crops {
					t.Run(c.file, func(t *testing.T) {
						t.Parallel()
						got, err := net.Descriptor(c.img)
						if err != nil {
							t.Fatal(err)
						}
						d := l2(got, c.want)
						mu.Lock()
						worst = max(worst, d)
						mu.Unlock()
						if d > 1e-3 {
							t.Errorf("L2 distance to golden %.3g > 1e-3", d)
						}
					})
				}
			})
			t.Logf("%v: worst L2 distance %.3g over %d crops", l, worst, len(crops))
		})
	}
}

// TestRecognitionInputs checks the other entry points agree with Descriptor
// and that bad input is refused with ErrInput rather than a panic.
func TestRecognitionInputs(t *testing.T) {
	net := loadRec(t)
	c := loadRecCrops(t)[0]
	want, err := net.Descriptor(c.img)
	if err != nil {
		t.Fatal(err)
	}
	rgb := rgbTensor(c.img)
	t.Run("DescriptorRGB", func(t *testing.T) {
		got, err := net.DescriptorRGB(append([]float32(nil), rgb.Data...))
		if err != nil {
			t.Fatal(err)
		}
		if d := l2(got, want[:]); d > 1e-6 {
			t.Fatalf("differs from Descriptor by %g", d)
		}
	})
	t.Run("resized input", func(t *testing.T) {
		// A 300×300 upscale must come back to nearly the same face.
		big := nn.NewTensor(300, 300, 3)
		for y := range 300 {
			for x := range 300 {
				for ch := range 3 {
					big.Set(y, x, ch, rgb.At(y/2, x/2, ch))
				}
			}
		}
		got, err := net.DescriptorTensor(big)
		if err != nil {
			t.Fatal(err)
		}
		if d := l2(got, want[:]); d > 0.1 {
			t.Fatalf("2x upscaled crop is %g away", d)
		}
	})
	bad := []struct {
		name string
		f    func() error
	}{
		{"short buffer", func() error { _, err := net.DescriptorRGB(make([]float32, 10)); return err }},
		{"nil tensor", func() error { _, err := net.DescriptorTensor(nil); return err }},
		{"gray tensor", func() error { _, err := net.DescriptorTensor(nn.NewTensor(150, 150, 1)); return err }},
		{"nil image", func() error { _, err := net.Descriptor(nil); return err }},
		{"empty image", func() error { _, err := net.Descriptor(image.NewRGBA(image.Rect(0, 0, 0, 0))); return err }},
	}
	for _, b := range bad {
		t.Run(b.name, func(t *testing.T) {
			if err := b.f(); !errors.Is(err, ErrInput) {
				t.Fatalf("got %v, want ErrInput", err)
			}
		})
	}
}

// TestRecognitionConcurrent runs the net from several goroutines at once;
// with -race this proves layers share no mutable state.
func TestRecognitionConcurrent(t *testing.T) {
	net := loadRec(t)
	crops := loadRecCrops(t)[:4]
	var wg sync.WaitGroup
	errs := make(chan error, 4*len(crops))
	for range 4 {
		wg.Go(func() {
			for _, c := range crops {
				got, err := net.Descriptor(c.img)
				if err != nil {
					errs <- err
					return
				}
				if d := l2(got, c.want); d > 1e-3 {
					errs <- errors.New(c.file + ": concurrent result off golden")
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestLoadRecognitionNetMissing(t *testing.T) {
	if _, err := LoadRecognitionNet(t.TempDir()); !errors.Is(err, nn.ErrModelsMissing) {
		t.Fatalf("got %v, want ErrModelsMissing", err)
	}
}
