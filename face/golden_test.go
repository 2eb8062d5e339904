package face

import (
	"encoding/json"
	"image"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"

	"github.com/hirebus/hirebus/face/nn"
	"github.com/hirebus/hirebus/internal/testutil"
)

type goldenFace struct {
	Score             float64      `json:"score"`
	Box               Box          `json:"box"`
	DlibAlignedBox    Box          `json:"dlib_aligned_box"`
	Landmarks         [][2]float64 `json:"landmarks"`
	Descriptor        []float32    `json:"descriptor"`
	Crop150           string       `json:"crop150"`
	Crop150Descriptor []float32    `json:"crop150_descriptor"`
}

type goldenImage struct {
	Name      string
	Width     int          `json:"width"`
	Height    int          `json:"height"`
	SSDFaces  []goldenFace `json:"ssd_faces"`
	TinyFaces []goldenFace `json:"tiny_faces"`
}

func loadGolden(t testing.TB) (string, []goldenImage) {
	t.Helper()
	dir := testutil.FacesDir(t)
	raw, err := os.ReadFile(filepath.Join(dir, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Images map[string]goldenImage `json:"images"`
	}
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatalf("parse golden.json: %v", err)
	}
	var out []goldenImage
	for name, im := range g.Images {
		im.Name = name
		out = append(out, im)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	if len(out) == 0 {
		t.Fatal("golden.json has no images")
	}
	return dir, out
}

// TestAlignDlibGolden checks the alignment arithmetic alone on the golden
// landmarks, independent of any network.
func TestAlignDlibGolden(t *testing.T) {
	_, images := loadGolden(t)
	for _, im := range images {
		for i, f := range im.SSDFaces {
			_, _, cw, ch := clipFloor(f.Box, im.Width, im.Height)
			got := AlignDlib(f.Landmarks, cw, ch)
			if got != f.DlibAlignedBox {
				t.Errorf("%s face %d: aligned box %+v, want %+v", im.Name, i, got, f.DlibAlignedBox)
			}
		}
	}
}

var (
	goldenPipelineOnce sync.Once
	goldenPipeline     *Pipeline
	goldenPipelineErr  error
)

// loadPipeline loads the models once per test binary: they are immutable
// and safe to share.
func loadPipeline(t testing.TB) *Pipeline {
	t.Helper()
	dir := testutil.ModelsDir(t)
	goldenPipelineOnce.Do(func() { goldenPipeline, goldenPipelineErr = Load(dir) })
	if goldenPipelineErr != nil {
		t.Fatalf("load models: %v", goldenPipelineErr)
	}
	return goldenPipeline
}

func loadSample(t testing.TB, dir, name string) image.Image {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	img, err := DecodeImage(b, DefaultLimits())
	if err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return img
}

// matchBoxes pairs every golden box with the best-overlapping found box
// and returns the IoUs (0 when unmatched) and the index of the match.
func matchBoxes(golden []goldenFace, found []Face) ([]float64, []int) {
	ious := make([]float64, len(golden))
	idx := make([]int, len(golden))
	for i, g := range golden {
		idx[i] = -1
		for j, f := range found {
			if v := IoU(g.Box, f.Box); v > ious[i] {
				ious[i], idx[i] = v, j
			}
		}
	}
	return ious, idx
}

func TestDetectorsGolden(t *testing.T) {
	dir, images := loadGolden(t)
	p := loadPipeline(t)
	minIoU := map[DetectorKind]float64{DetectorSSD: 1, DetectorTiny: 1}
	var lmSum float64
	var lmN int
	lmMax := 0.0
	for _, im := range images {
		img := loadSample(t, dir, im.Name)
		for _, kind := range []DetectorKind{DetectorSSD, DetectorTiny} {
			t.Run(im.Name+"/"+string(kind), func(t *testing.T) {
				golden := im.SSDFaces
				if kind == DetectorTiny {
					golden = im.TinyFaces
				}
				faces, details, err := p.run(img, Options{Detector: kind}, false)
				if err != nil {
					t.Fatal(err)
				}
				if len(faces) != len(golden) {
					t.Errorf("found %d faces, golden has %d", len(faces), len(golden))
				}
				ious, idx := matchBoxes(golden, faces)
				for i, v := range ious {
					minIoU[kind] = math.Min(minIoU[kind], v)
					if v < 0.9 {
						t.Errorf("face %d: best IoU %.3f < 0.9 (golden %+v)", i, v, golden[i].Box)
						continue
					}
					if math.Abs(faces[idx[i]].Score-golden[i].Score) > 0.02 {
						t.Errorf("face %d: score %.4f, golden %.4f", i, faces[idx[i]].Score, golden[i].Score)
					}
					if kind != DetectorSSD {
						continue
					}
					var e float64
					for k, pt := range faces[idx[i]].Landmarks {
						g := golden[i].Landmarks[k]
						d := math.Hypot(pt[0]-g[0], pt[1]-g[1])
						e += d
						lmMax = math.Max(lmMax, d)
					}
					e /= 68
					lmSum += e
					lmN++
					if e > 3 {
						t.Errorf("face %d: mean landmark error %.2f px > 3", i, e)
					}
					// Decoding is bit-exact with jpeg-js (jpegdec.go), so the
					// floored square must be the golden one exactly.
					if a := details[idx[i]].aligned; a != golden[i].DlibAlignedBox {
						t.Errorf("face %d: aligned box %+v, golden %+v", i, a, golden[i].DlibAlignedBox)
					}
				}
			})
		}
	}
	// The port is exact up to float32 rounding: hold it to that, not only
	// to the loose bounds.
	if lmN > 0 && lmSum/float64(lmN) > 0.05 {
		t.Errorf("landmarks mean error over all faces %.3f px > 0.05", lmSum/float64(lmN))
	}
	for k, v := range minIoU {
		if v < 0.999 {
			t.Errorf("%s: min IoU %.4f < 0.999", k, v)
		}
	}
	t.Logf("min IoU: ssd %.6f, tiny %.6f; landmarks mean error %.2g px (max point %.2g px) over %d faces",
		minIoU[DetectorSSD], minIoU[DetectorTiny], lmSum/float64(max(lmN, 1)), lmMax, lmN)
}

// TestLandmarksGoldenBox runs the landmark net on the golden SSD boxes, so
// detector differences do not enter: the port must reproduce face-api to a
// fraction of a pixel, and the alignment then the golden square.
func TestLandmarksGoldenBox(t *testing.T) {
	dir, images := loadGolden(t)
	p := loadPipeline(t)
	worst := 0.0
	for _, im := range images {
		img := asPixels(loadSample(t, dir, im.Name))
		for i, g := range im.SSDFaces {
			pts, cw, ch, err := p.landmarks.landmarks(img, g.Box)
			if err != nil {
				t.Fatal(err)
			}
			var e float64
			for k := range pts {
				e += math.Hypot(pts[k][0]-g.Landmarks[k][0], pts[k][1]-g.Landmarks[k][1])
			}
			e /= 68
			worst = math.Max(worst, e)
			if e > 0.01 {
				t.Errorf("%s face %d: mean landmark error %.3f px > 0.01", im.Name, i, e)
			}
			a := AlignDlib(pts, cw, ch)
			g := g.DlibAlignedBox
			if math.Abs(a.X-g.X) > 1 || math.Abs(a.Y-g.Y) > 1 || math.Abs(a.Width-g.Width) > 1 {
				t.Errorf("%s face %d: aligned %+v, golden %+v", im.Name, i, a, g)
			}
		}
	}
	t.Logf("worst per-face mean landmark error from golden boxes: %.2g px", worst)
}

// TestEmbedGolden runs the whole pipeline (SSD → landmarks → dlib
// alignment → crop → recognition) and compares every descriptor with the
// golden one.
func TestEmbedGolden(t *testing.T) {
	dir, images := loadGolden(t)
	p := loadPipeline(t)
	worst := 0.0
	for _, im := range images {
		t.Run(im.Name, func(t *testing.T) {
			faces, err := p.Embed(loadSample(t, dir, im.Name), Options{Detector: DetectorSSD})
			if err != nil {
				t.Fatal(err)
			}
			ious, idx := matchBoxes(im.SSDFaces, faces)
			for i, g := range im.SSDFaces {
				if ious[i] < 0.9 {
					t.Errorf("face %d not found", i)
					continue
				}
				f := faces[idx[i]]
				if len(f.Descriptor) != 128 {
					t.Fatalf("descriptor has %d values", len(f.Descriptor))
				}
				d := Distance(f.Descriptor, g.Descriptor)
				worst = math.Max(worst, d)
				if d > 0.05 {
					t.Errorf("face %d: descriptor distance %.4f > 0.05", i, d)
				}
			}
		})
	}
	if worst > 0.005 {
		t.Errorf("worst whole-pipeline descriptor distance %.5f > 0.005 (the port is exact up to float rounding)", worst)
	}
	t.Logf("worst whole-pipeline descriptor distance: %.2g", worst)
}

// TestCrop150Golden checks the recognition input geometry alone: the crop
// of the golden aligned box, padded and resized like tfjs, against the
// golden crop PNGs (which are that input rounded to bytes).
func TestCrop150Golden(t *testing.T) {
	dir, images := loadGolden(t)
	worst := 0.0
	for _, im := range images {
		img := rgbTensor(loadSample(t, dir, im.Name))
		for i, g := range im.SSDFaces {
			x, y, w, h := clipFloor(g.DlibAlignedBox, img.W, img.H)
			face := crop(img, x, y, w, h)
			got := resizePadded(face, padToSquare(h, w, true), 150, nil)
			want := rgbTensor(loadSample(t, dir, g.Crop150))
			var sum float64
			for k := range got.Data {
				sum += math.Abs(float64(got.Data[k]) - float64(want.Data[k]))
			}
			mean := sum / float64(len(got.Data))
			worst = math.Max(worst, mean)
			// The PNGs are the float input rounded to bytes: ≤ 0.5 each,
			// about 0.25 on average.
			if mean > 0.5 {
				t.Errorf("%s face %d: mean abs difference to %s = %.3f", im.Name, i, g.Crop150, mean)
			}
		}
	}
	t.Logf("worst mean abs difference of the 150×150 crops: %.3f", worst)
}

// TestEmbedGoldenPortable repeats the whole pipeline on one photo with the
// pure-Go kernels of face/nn, the fallback on CPUs without the assembly.
func TestEmbedGoldenPortable(t *testing.T) {
	if !nn.UsingAssembly() {
		t.Skip("the portable kernels are already what every other test runs")
	}
	dir, images := loadGolden(t)
	p := loadPipeline(t)
	nn.ForcePortable(true)
	defer nn.ForcePortable(false)
	im := images[0]
	for _, kind := range []DetectorKind{DetectorSSD, DetectorTiny} {
		faces, err := p.Embed(loadSample(t, dir, im.Name), Options{Detector: kind})
		if err != nil {
			t.Fatal(err)
		}
		golden := im.SSDFaces
		if kind == DetectorTiny {
			golden = im.TinyFaces
		}
		if len(faces) != len(golden) {
			t.Fatalf("%s: %d faces, want %d", kind, len(faces), len(golden))
		}
		ious, idx := matchBoxes(golden, faces)
		for i, g := range golden {
			if ious[i] < 0.999 {
				t.Errorf("%s face %d: IoU %.4f", kind, i, ious[i])
				continue
			}
			if kind == DetectorSSD {
				if d := Distance(faces[idx[i]].Descriptor, g.Descriptor); d > 0.005 {
					t.Errorf("face %d: descriptor distance %.5f", i, d)
				}
			}
		}
	}
}
