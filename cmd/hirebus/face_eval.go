package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/face/eval"
)

const faceEvalUsage = "usage: hirebus face eval [--json] [--detector tiny|ssd] [--pad N] DIR   (DIR holds <person>/<photo> folders)"

// runFaceEval is `hirebus face eval`: the calibration of the configured
// sign-in rule on labelled photos (face/eval does the work).
func runFaceEval(ctx context.Context, cfg Config, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("face eval", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "print one JSON object")
	detector := fs.String("detector", string(face.DetectorTiny), "face detector: tiny or ssd")
	pad := fs.Int("pad", 0, "gray border in pixels (0: 75 for crops of at most 200 px, -1: none)")
	// Flags may follow DIR: parse, take one positional, parse the rest.
	var dirs []string
	for {
		if err := fs.Parse(args); err != nil {
			return fmt.Errorf("face eval: %v\n%s", err, faceEvalUsage)
		}
		if fs.NArg() == 0 {
			break
		}
		dirs = append(dirs, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(dirs) != 1 {
		return fmt.Errorf("face eval: want one DIR\n%s", faceEvalUsage)
	}
	if *detector != string(face.DetectorTiny) && *detector != string(face.DetectorSSD) {
		return fmt.Errorf("face eval: detector %q: want tiny or ssd", *detector)
	}
	if st, err := os.Stat(dirs[0]); err != nil || !st.IsDir() {
		return fmt.Errorf("face eval: %s is not a directory", dirs[0])
	}
	p, err := face.Load(cfg.ModelsDir)
	if err != nil {
		return err
	}
	rep, err := eval.Run(ctx, p, dirs[0], eval.Options{Detector: face.DetectorKind(*detector), Pad: *pad}, cfg.FaceThresholds())
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(rep)
	}
	fmt.Fprintf(stdout, "detector %s; photos without a face: %d\n", rep.Detector, len(rep.Skipped))
	for _, s := range rep.Skipped {
		fmt.Fprintf(stdout, "  skipped %s: %s\n", s.File, s.Reason)
	}
	return rep.WriteText(stdout)
}
