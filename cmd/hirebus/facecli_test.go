package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"

	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/face/match"
	"github.com/hirebus/hirebus/internal/testutil"
)

// jsonLines parses stdout into one generic object per line.
func jsonLines(t *testing.T, out []byte) []map[string]any {
	t.Helper()
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	return lines
}

func TestFaceCLI(t *testing.T) {
	models := testutil.ModelsDir(t)
	faces := testutil.FacesDir(t)
	sample1 := filepath.Join(faces, "sample1.jpg")
	sample3 := filepath.Join(faces, "sample3.jpg")
	small := filepath.Join("..", "..", "face", "imaging", "testdata", "images", "rgb.jpg")
	rotated := filepath.Join("..", "..", "face", "imaging", "testdata", "images", "rotated6.jpg")
	ctx := context.Background()

	t.Run("detect", func(t *testing.T) {
		var out bytes.Buffer
		if err := runFaceCLI(ctx, []string{"detect", sample1, small}, models, &out); err != nil {
			t.Fatal(err)
		}
		lines := jsonLines(t, out.Bytes())
		if len(lines) != 2 {
			t.Fatalf("%d lines, want 2", len(lines))
		}
		want := []struct {
			file string
			w, h float64
		}{{sample1, 1920, 1280}, {small, 640, 427}}
		for i, l := range lines {
			if l["file"] != want[i].file || l["width"] != want[i].w || l["height"] != want[i].h {
				t.Errorf("line %d: file/width/height = %v/%v/%v", i, l["file"], l["width"], l["height"])
			}
			fs, _ := l["faces"].([]any)
			if len(fs) != 3 {
				t.Fatalf("line %d: %d faces, want 3", i, len(fs))
			}
			for _, f := range fs {
				fm := f.(map[string]any)
				if _, ok := fm["descriptor"]; ok {
					t.Error("detect printed a descriptor")
				}
				box := fm["box"].(map[string]any)
				for _, k := range []string{"x", "y", "width", "height"} {
					if _, ok := box[k].(float64); !ok {
						t.Errorf("box lacks %s: %v", k, box)
					}
				}
				if s := fm["score"].(float64); s < 0.5 || s > 1 {
					t.Errorf("score %v", s)
				}
				if lm := fm["landmarks"].([]any); len(lm) != 68 || len(lm[0].([]any)) != 2 {
					t.Errorf("landmarks malformed: %d points", len(lm))
				}
			}
		}
	})

	t.Run("embed with ssd", func(t *testing.T) {
		var out bytes.Buffer
		if err := runFaceCLI(ctx, []string{"-detector", "ssd", "embed", sample1}, models, &out); err != nil {
			t.Fatal(err)
		}
		lines := jsonLines(t, out.Bytes())
		if len(lines) != 1 {
			t.Fatalf("%d lines", len(lines))
		}
		fs := lines[0]["faces"].([]any)
		if len(fs) != 3 {
			t.Fatalf("%d faces, want 3", len(fs))
		}
		for _, f := range fs {
			d, _ := f.(map[string]any)["descriptor"].([]any)
			if len(d) != 128 {
				t.Fatalf("descriptor has %d values", len(d))
			}
			var norm float64
			for _, v := range d {
				norm += v.(float64) * v.(float64)
			}
			if norm == 0 {
				t.Fatal("zero descriptor")
			}
		}
	})

	t.Run("compare", func(t *testing.T) {
		var out bytes.Buffer
		// The small and the EXIF-rotated file are the same photo as
		// sample1, so their most prominent face is the same person;
		// sample3 shows other people.
		if err := runFaceCLI(ctx, []string{"compare", sample1, small, rotated, sample3}, models, &out); err != nil {
			t.Fatal(err)
		}
		lines := jsonLines(t, out.Bytes())
		if len(lines) != 3 {
			t.Fatalf("%d lines, want 3", len(lines))
		}
		for i, l := range lines {
			if l["a"] != sample1 {
				t.Errorf("line %d: a = %v", i, l["a"])
			}
			d := l["distance"].(float64)
			th := l["threshold"].(float64)
			if float32(th) != match.DefaultThresholds().Verify {
				t.Errorf("threshold %v", th)
			}
			if same := l["same_person"].(bool); same != (d < th) {
				t.Errorf("line %d: same_person %v with distance %.3f and threshold %.3f", i, same, d, th)
			}
		}
		for i, b := range []string{small, rotated} {
			if lines[i]["b"] != b || !lines[i]["same_person"].(bool) || lines[i]["distance"].(float64) > 0.3 {
				t.Errorf("same photo judged %v", lines[i])
			}
		}
		if lines[2]["same_person"].(bool) {
			t.Errorf("different photo judged the same person: %v", lines[2])
		}
	})

	t.Run("errors", func(t *testing.T) {
		notImage := "facecli.go"
		cases := []struct {
			name      string
			args      []string
			modelsDir string
			want      error
			lines     int
		}{
			{"no command", nil, models, errFaceUsage, 0},
			{"unknown command", []string{"frobnicate", sample1}, models, errFaceUsage, 0},
			{"compare one file", []string{"compare", sample1}, models, errFaceUsage, 0},
			{"bad detector", []string{"-detector", "yolo", "detect", sample1}, models, errFaceUsage, 0},
			{"missing models", []string{"detect", sample1}, t.TempDir(), face.ErrModelsMissing, 0},
			{"not an image", []string{"detect", notImage, small}, models, nil, 2},
			{"missing file", []string{"embed", filepath.Join(t.TempDir(), "nope.jpg")}, models, nil, 1},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var out bytes.Buffer
				err := runFaceCLI(ctx, tc.args, tc.modelsDir, &out)
				if err == nil {
					t.Fatal("no error")
				}
				if tc.want != nil && !errors.Is(err, tc.want) {
					t.Fatalf("err = %v, want %v", err, tc.want)
				}
				lines := jsonLines(t, out.Bytes())
				if len(lines) != tc.lines {
					t.Fatalf("%d output lines, want %d", len(lines), tc.lines)
				}
				if tc.lines > 0 {
					if msg, _ := lines[0]["error"].(string); msg == "" {
						t.Errorf("first line has no error: %v", lines[0])
					}
				}
			})
		}
	})
}
