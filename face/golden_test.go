package face

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/hirebus/hirebus/internal/testutil"
)

type goldenFace struct {
	Score            float64      `json:"score"`
	Box              Box          `json:"box"`
	DlibAlignedBox   Box          `json:"dlib_aligned_box"`
	Landmarks        [][2]float64 `json:"landmarks"`
	Descriptor       []float32    `json:"descriptor"`
	Crop150          string       `json:"crop150"`
	Crop150Desriptor []float32    `json:"crop150_descriptor"`
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
