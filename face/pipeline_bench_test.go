package face

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hirebus/hirebus/internal/testutil"
)

func benchPipeline(b *testing.B) *Pipeline {
	b.Helper()
	return loadPipeline(b)
}

// BenchmarkPipelineSample1 is the speed goal: tiny detector +
// landmarks + descriptors of the 3 faces of sample1.jpg (already decoded,
// like the reference measurement). Run with -cpu 1,2.
func BenchmarkPipelineSample1(b *testing.B) {
	p := benchPipeline(b)
	img := loadSample(b, testutil.FacesDir(b), "sample1.jpg")
	b.ReportAllocs()
	for b.Loop() {
		faces, err := p.Embed(img, Options{Detector: DetectorTiny})
		if err != nil {
			b.Fatal(err)
		}
		if len(faces) != 3 {
			b.Fatalf("%d faces", len(faces))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
}

// BenchmarkDetect times each detector alone (with and without the landmark
// net) on sample1.jpg.
func BenchmarkDetect(b *testing.B) {
	p := benchPipeline(b)
	img := loadSample(b, testutil.FacesDir(b), "sample1.jpg")
	t := asPixels(img)
	b.Run("tiny", func(b *testing.B) {
		for b.Loop() {
			if _, err := p.tiny.detect(t, 416, 0.5); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	})
	b.Run("ssd", func(b *testing.B) {
		for b.Loop() {
			if _, err := p.ssd.detect(t, 0.5); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	})
	b.Run("tiny+landmarks", func(b *testing.B) {
		for b.Loop() {
			if _, err := p.Detect(img, Options{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	})
	b.Run("landmarks-per-face", func(b *testing.B) {
		faces, err := p.Detect(img, Options{})
		if err != nil || len(faces) == 0 {
			b.Fatal(err)
		}
		for b.Loop() {
			if _, _, _, err := p.landmarks.landmarks(t, faces[0].Box); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	})
}

// BenchmarkDecodeImage times decoding sample1.jpg (1920×1280).
func BenchmarkDecodeImage(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(testutil.FacesDir(b), "sample1.jpg"))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := DecodeImage(data, DefaultLimits()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
}
