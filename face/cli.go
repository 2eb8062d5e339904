package face

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hirebus/hirebus/face/match"
)

// ErrUsage reports bad command-line arguments to RunCLI.
var ErrUsage = errors.New("usage")

// ErrNoFace reports an image in which no face was found where one is needed.
var ErrNoFace = errors.New("no face found")

// CLIConfig carries what the binary passes to the face commands beyond the
// arguments.
type CLIConfig struct {
	// ModelsDir holds the face-api models.
	ModelsDir string
	// Thresholds decide compare like a 1:1 face login; the zero value
	// means match.DefaultThresholds().
	Thresholds match.Thresholds
	// Limits bound the images read (zero: DefaultLimits).
	Limits Limits
}

const cliUsage = `usage: hirebus face [-detector tiny|ssd] [-min-score S] detect FILE...
       hirebus face [-detector tiny|ssd] [-min-score S] embed FILE...
       hirebus face [-detector tiny|ssd] [-min-score S] compare A B [C ...]`

// RunCLI implements `hirebus face detect|embed|compare` with the face-api
// models in modelsDir, writing one JSON object per line to stdout.
func RunCLI(ctx context.Context, args []string, modelsDir string, stdout io.Writer) error {
	return RunCLIConfig(ctx, args, CLIConfig{ModelsDir: modelsDir}, stdout)
}

type cliFileResult struct {
	File   string `json:"file"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Faces  []Face `json:"faces"`
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

// RunCLIConfig is RunCLI with every setting explicit. A file that cannot
// be read or decoded (or, for compare, holds no face) gets a JSON line with
// an "error" field, the other files are still processed, and the command
// then fails with an error counting the failures.
func RunCLIConfig(ctx context.Context, args []string, cfg CLIConfig, stdout io.Writer) error {
	fs := flag.NewFlagSet("face", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	detector := fs.String("detector", string(DetectorTiny), "face detector: tiny or ssd")
	minScore := fs.Float64("min-score", 0.5, "detector score threshold")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("face cli: %w: %v\n%s", ErrUsage, err, cliUsage)
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return fmt.Errorf("face cli: %w: missing command\n%s", ErrUsage, cliUsage)
	}
	cmd, files := rest[0], rest[1:]
	switch {
	case cmd != "detect" && cmd != "embed" && cmd != "compare":
		return fmt.Errorf("face cli: %w: unknown command %q\n%s", ErrUsage, cmd, cliUsage)
	case cmd == "compare" && len(files) < 2:
		return fmt.Errorf("face cli: %w: compare needs at least two files\n%s", ErrUsage, cliUsage)
	case len(files) == 0:
		return fmt.Errorf("face cli: %w: %s needs at least one file\n%s", ErrUsage, cmd, cliUsage)
	}
	opts := Options{Detector: DetectorKind(*detector), MinScore: *minScore}
	if _, err := opts.normalized(); err != nil {
		return fmt.Errorf("face cli: %w: %v", ErrUsage, err)
	}
	p, err := Load(cfg.ModelsDir)
	if err != nil {
		return err
	}
	lim := cfg.Limits
	if lim == (Limits{}) {
		lim = DefaultLimits()
	}
	enc := json.NewEncoder(stdout)
	failed := 0

	analyse := func(path string, embed bool) (*cliFileResult, error) {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read: %w", err)
		}
		img, err := DecodeImage(data, lim)
		if err != nil {
			return nil, err
		}
		var faces []Face
		if embed {
			faces, err = p.Embed(img, opts)
		} else {
			faces, err = p.Detect(img, opts)
		}
		if err != nil {
			return nil, err
		}
		if faces == nil {
			faces = []Face{}
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
		i := MostProminent(res.Faces)
		if i < 0 {
			return nil, ErrNoFace
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

// CLIUsage is the usage text of the face commands, for the binary's help.
func CLIUsage() string { return strings.TrimSpace(cliUsage) }
