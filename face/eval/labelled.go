package eval

import (
	"context"
	"fmt"

	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/face/match"
)

// Report is the result of Run: the calibration plus the photos that gave
// no face.
type Report struct {
	match.Calibration
	Detector face.DetectorKind `json:"detector"`
	Skipped  []Skipped         `json:"skipped"`
}

// Run loads the labelled photos of dir and calibrates th on them.
func Run(ctx context.Context, emb face.Embedder, dir string, o Options, th match.Thresholds) (Report, error) {
	if err := th.Validate(); err != nil {
		return Report{}, fmt.Errorf("eval: %w", err)
	}
	if o.Detector != "" && o.Detector != face.DetectorTiny && o.Detector != face.DetectorSSD {
		return Report{}, fmt.Errorf("eval: %w: detector %q (want tiny or ssd)", face.ErrBadOptions, o.Detector)
	}
	samples, skipped, err := Load(ctx, emb, dir, o)
	if err != nil {
		return Report{}, err
	}
	if len(samples) < 3 {
		return Report{}, fmt.Errorf("%w: %d photos with a face in %s (want <person>/<photo> folders)", ErrNoData, len(samples), dir)
	}
	det := o.Detector
	if det == "" {
		det = face.DetectorTiny
	}
	if skipped == nil {
		skipped = []Skipped{}
	}
	return Report{Calibration: match.Calibrate(samples, th), Detector: det, Skipped: skipped}, nil
}
