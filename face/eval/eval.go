// Package eval measures face sign-in decisions on labelled photos
// (DIR/<person>/<photo>): it embeds every photo with the pipeline the face
// worker uses and hands the descriptors to face/match's calibration, so
// `hirebus face eval DIR` and the calibration tests report the same numbers.
//
// Calibrating needs genuine pairs (two photos of one person); re-captures
// of one photo are far closer than that and are no substitute.
package eval

import (
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/face/match"
)

// ErrNoData reports a directory without enough usable labelled photos.
var ErrNoData = errors.New("eval: not enough labelled faces")

// Options tune Load.
type Options struct {
	// Pad adds this many pixels of neutral gray (128) on every side before
	// detection: tight crops give detectors no context. Negative: none;
	// zero: auto (75 px for images of at most 200 px per side, else none).
	Pad int
	// Detector is the face detector (default tiny, as at sign-in).
	Detector face.DetectorKind
	// MinScore is the detector threshold (default 0.5).
	MinScore float64
}

// Skipped is a photo that gave no usable face.
type Skipped struct {
	File   string `json:"file"`
	Reason string `json:"reason"`
}

// Load embeds every image under dir/<person>/ and returns one labelled
// descriptor per photo with a face (the most prominent one), people and
// photos in name order.
func Load(ctx context.Context, emb face.Embedder, dir string, o Options) ([]match.Labelled, []Skipped, error) {
	people, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("eval: %w", err)
	}
	var out []match.Labelled
	var skipped []Skipped
	for _, p := range people {
		if !p.IsDir() || strings.HasPrefix(p.Name(), ".") {
			continue
		}
		photos, err := os.ReadDir(filepath.Join(dir, p.Name()))
		if err != nil {
			return nil, nil, fmt.Errorf("eval: %w", err)
		}
		for _, ph := range photos {
			if ph.IsDir() || !isImage(ph.Name()) {
				continue
			}
			if err := ctx.Err(); err != nil {
				return nil, nil, fmt.Errorf("eval: %w", err)
			}
			file := filepath.Join(p.Name(), ph.Name())
			f, reason, err := embedFile(emb, filepath.Join(dir, file), o)
			if err != nil {
				return nil, nil, err
			}
			if reason != "" {
				skipped = append(skipped, Skipped{File: file, Reason: reason})
				continue
			}
			out = append(out, match.Labelled{Person: p.Name(), File: file, Descriptor: f.Descriptor, Landmarks: f.Landmarks})
		}
	}
	slices.SortStableFunc(out, func(a, b match.Labelled) int { return strings.Compare(a.File, b.File) })
	return out, skipped, nil
}

func isImage(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".png", ".jpg", ".jpeg":
		return true
	}
	return false
}

func embedFile(emb face.Embedder, path string, o Options) (face.Face, string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return face.Face{}, "", fmt.Errorf("eval: %w", err)
	}
	img, err := face.DecodeImage(data, face.DefaultLimits())
	if err != nil {
		return face.Face{}, err.Error(), nil
	}
	pad := o.Pad
	if pad == 0 {
		if b := img.Bounds(); b.Dx() <= 200 && b.Dy() <= 200 {
			pad = 75
		}
	}
	if pad > 0 {
		img = Pad(img, pad)
	}
	faces, err := emb.Embed(img, face.Options{Detector: o.Detector, MinScore: o.MinScore})
	if err != nil {
		if errors.Is(err, face.ErrBadOptions) {
			return face.Face{}, "", fmt.Errorf("eval: %w", err)
		}
		return face.Face{}, err.Error(), nil
	}
	i := face.MostProminent(faces)
	if i < 0 {
		return face.Face{}, "no face found", nil
	}
	return faces[i], "", nil
}

// Pad returns img with n pixels of neutral gray (128) on every side.
func Pad(img image.Image, n int) image.Image {
	b := img.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx()+2*n, b.Dy()+2*n))
	draw.Draw(out, out.Bounds(), image.NewUniform(color.RGBA{128, 128, 128, 255}), image.Point{}, draw.Src)
	draw.Draw(out, image.Rect(n, n, n+b.Dx(), n+b.Dy()), img, b.Min, draw.Src)
	return out
}
