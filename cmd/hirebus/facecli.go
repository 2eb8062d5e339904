package main

// `hirebus face detect|embed|compare`: the face pipeline on image files,
// one JSON object per line. It lives in the binary, not in package face, so
// the library carries no command-line code.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/face/match"
)

// errFaceUsage reports bad command-line arguments to runFaceCLI.
var errFaceUsage = errors.New("usage")

// errNoFace reports an image in which no face was found where one is needed.
var errNoFace = errors.New("no face found")

// faceCLIConfig carries what the binary passes to the face commands beyond the
// arguments.
type faceCLIConfig struct {
	// ModelsDir holds the face-api models.
	ModelsDir string
	// Thresholds decide compare like a 1:1 face login; the zero value
	// means match.DefaultThresholds().
	Thresholds match.Thresholds
	// Limits bound the images read (zero: face.DefaultLimits).
	Limits face.Limits
}

const faceCLIUsageText = `usage: hirebus face [-detector tiny|ssd] [-min-score S] detect FILE...
       hirebus face [-detector tiny|ssd] [-min-score S] embed FILE...
       hirebus face [-detector tiny|ssd] [-min-score S] compare A B [C ...]`

// runFaceCLI implements `hirebus face detect|embed|compare` with the face-api
// models in modelsDir, writing one JSON object per line to stdout.
func runFaceCLI(ctx context.Context, args []string, modelsDir string, stdout io.Writer) error {
	return runFaceCLIConfig(ctx, args, faceCLIConfig{ModelsDir: modelsDir}, stdout)
}

type cliFileResult struct {
	File   string      `json:"file"`
	Width  int         `json:"width"`
	Height int         `json:"height"`
	Faces  []face.Face `json:"faces"`
}

type cliFileError struct {
	File  string `json:"file"`
	Error string `json:"error"`
}

type cliCompare struct {
	A          string  `json:"a"`
	B          string  `json:"b"`
	Distance   float32 `json:"distance"`
	SamePerson bool    `json:"same_person"`
	Threshold  float32 `json:"threshold"`
}

type cliCompareError struct {
	A     string `json:"a"`
	B     string `json:"b"`
	Error string `json:"error"`
}

// runFaceCLIConfig is runFaceCLI with every setting explicit. A file that cannot
// be read or decoded (or, for compare, holds no face) gets a JSON line with
// an "error" field, the other files are still processed, and the command
// then fails with an error counting the failures.
func runFaceCLIConfig(ctx context.Context, args []string, cfg faceCLIConfig, stdout io.Writer) error {
	fs := flag.NewFlagSet("face", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	detector := fs.String("detector", string(face.DetectorTiny), "face detector: tiny or ssd")
	minScore := fs.Float64("min-score", 0.5, "detector score threshold")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("face cli: %w: %v\n%s", errFaceUsage, err, faceCLIUsageText)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return fmt.Errorf("face cli: %w: missing command\n%s", errFaceUsage, faceCLIUsageText)
	}
	cmd, files := rest[0], rest[1:]
	switch {
	case cmd != "detect" && cmd != "embed" && cmd != "compare":
		return fmt.Errorf("face cli: %w: unknown command %q\n%s", errFaceUsage, cmd, faceCLIUsageText)
	case cmd == "compare" && len(files) < 2:
		return fmt.Errorf("face cli: %w: compare needs at least two files\n%s", errFaceUsage, faceCLIUsageText)
	case len(files) == 0:
		return fmt.Errorf("face cli: %w: %s needs at least one file\n%s", errFaceUsage, cmd, faceCLIUsageText)
	}
	opts := face.Options{Detector: face.DetectorKind(*detector), MinScore: *minScore}
	if err := opts.Validate(); err != nil {
		return fmt.Errorf("face cli: %w: %v", errFaceUsage, err)
	}
	p, err := face.Load(cfg.ModelsDir)
	if err != nil {
		return err
	}
	lim := cfg.Limits
	if lim == (face.Limits{}) {
		lim = face.DefaultLimits()
	}
	enc := json.NewEncoder(stdout)
	failed := 0

	analyse := func(path string, embed bool) (*cliFileResult, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
		img, err := face.DecodeImage(data, lim)
		if err != nil {
			return nil, err
		}
		var faces []face.Face
		if embed {
			faces, err = p.Embed(img, opts)
		} else {
			faces, err = p.Detect(img, opts)
		}
		if err != nil {
			return nil, err
		}
		if faces == nil {
			faces = []face.Face{}
		}
		b := img.Bounds()
		return &cliFileResult{File: path, Width: b.Dx(), Height: b.Dy(), Faces: faces}, nil
	}

	if cmd != "compare" {
		for _, f := range files {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("face cli: %w", err)
			}
			res, err := analyse(f, cmd == "embed")
			var out any = res
			if err != nil {
				failed++
				out = cliFileError{File: f, Error: err.Error()}
			}
			if err := enc.Encode(out); err != nil {
				return fmt.Errorf("face cli: write: %w", err)
			}
		}
		if failed > 0 {
			return fmt.Errorf("face cli: %s: %d of %d files failed", cmd, failed, len(files))
		}
		return nil
	}

	th := cfg.Thresholds
	if th == (match.Thresholds{}) {
		th = match.DefaultThresholds()
	}
	if err := th.Validate(); err != nil {
		return fmt.Errorf("face cli: %w", err)
	}
	descriptorOf := func(path string) ([]float32, error) {
		res, err := analyse(path, true)
		if err != nil {
			return nil, err
		}
		i := face.MostProminent(res.Faces)
		if i < 0 {
			return nil, errNoFace
		}
		return res.Faces[i].Descriptor, nil
	}
	a := files[0]
	da, errA := descriptorOf(a)
	for _, b := range files[1:] {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("face cli: %w", err)
		}
		var out any
		if errA != nil {
			out = cliCompareError{A: a, B: b, Error: a + ": " + errA.Error()}
			failed++
		} else if db, err := descriptorOf(b); err != nil {
			out = cliCompareError{A: a, B: b, Error: b + ": " + err.Error()}
			failed++
		} else {
			// The same rule as a 1:1 face login against one enrolled face.
			same, d := match.Verify(db, [][]float32{da}, th)
			out = cliCompare{A: a, B: b, Distance: d, SamePerson: same, Threshold: th.Verify}
		}
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("face cli: write: %w", err)
		}
	}
	if failed > 0 {
		return fmt.Errorf("face cli: compare: %d of %d comparisons failed", failed, len(files)-1)
	}
	return nil
}
