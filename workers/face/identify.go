package face

import (
	"context"
	"fmt"
	"math"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/face/match"
)

// identifyK is how many nearest users a 1:N search fetches: Identify needs
// the runner-up for its margin; a few more cost nothing.
const identifyK = 5

// identify is the face login decision. It never issues a token: the edge
// does, after reading the result (see docs/face.md).
func (w *Worker) identify(ctx context.Context, env events.Envelope) error {
	var p events.FaceIdentify
	if err := env.Decode(&p); err != nil {
		return w.malformed(ctx, env, err)
	}
	if done, err := w.done(ctx, env); done || err != nil {
		return err
	}
	f, rej, err := w.oneFace(p.Image)
	if err != nil {
		return err
	}
	if rej != nil {
		return w.fail(ctx, env, env.ActorUserID, rej.Code, rej.Reason)
	}
	th := w.cfg.Thresholds
	var res events.FaceIdentifyResult
	if p.UserID != 0 {
		res.Mode = "verify"
		entries, err := w.idx.UserEntries(ctx, p.UserID)
		if err != nil {
			return fmt.Errorf("face worker: enrolled faces of %d: %w", p.UserID, err)
		}
		if len(entries) == 0 {
			res.Reason, res.Distance = string(CodeNotEnrolled), -1
		} else {
			enrolled := make([][]float32, len(entries))
			for i, e := range entries {
				enrolled[i] = e.Vector
			}
			ok, dist := match.Verify(f.Descriptor, enrolled, th)
			res.Distance = round4(float64(dist))
			res.Reason = string(match.NoMatch)
			if ok {
				res.Matched, res.UserID, res.Reason = true, p.UserID, string(match.Accepted)
			}
		}
	} else {
		res.Mode = "identify"
		ms, err := w.idx.Search(ctx, f.Descriptor, identifyK)
		if err != nil {
			return fmt.Errorf("face worker: identify search: %w", err)
		}
		uid, ok, reason := match.Identify(ms, th)
		res.Reason, res.Distance = string(reason), -1
		if len(ms) > 0 {
			res.Distance = round4(float64(ms[0].Distance))
		}
		if len(ms) > 1 {
			res.Margin = round4(float64(ms[1].Distance - ms[0].Distance))
		}
		if ok {
			res.Matched, res.UserID = true, uid
		}
	}
	return w.complete(ctx, env, env.ActorUserID, res, nil)
}

// detect reports the faces of one image (the registration page uses it to
// guide the camera).
func (w *Worker) detect(ctx context.Context, env events.Envelope) error {
	var p events.FaceDetect
	if err := env.Decode(&p); err != nil {
		return w.malformed(ctx, env, err)
	}
	if done, err := w.done(ctx, env); done || err != nil {
		return err
	}
	det := face.DetectorTiny
	switch p.Detector {
	case "", string(face.DetectorTiny):
	case string(face.DetectorSSD):
		det = face.DetectorSSD
	default:
		return w.fail(ctx, env, env.ActorUserID, CodeBadCommand, fmt.Sprintf("detector %q must be tiny or ssd", p.Detector))
	}
	img, rej := w.decode(p.Image)
	if rej != nil {
		return w.fail(ctx, env, env.ActorUserID, rej.Code, rej.Reason)
	}
	fs, err := w.faces(img, false, det)
	if err != nil {
		return err
	}
	b := img.Bounds()
	res := events.FaceDetectResult{Count: len(fs), Width: b.Dx(), Height: b.Dy(), Faces: make([]events.FaceDetection, len(fs))}
	for i, f := range fs {
		res.Faces[i] = events.FaceDetection{Score: round4(f.Score), Box: roundBox(boxOf(f.Box))}
	}
	return w.complete(ctx, env, env.ActorUserID, res, nil)
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

func roundBox(b events.FaceBox) events.FaceBox {
	r := func(x float64) float64 { return math.Round(x*10) / 10 }
	return events.FaceBox{X: r(b.X), Y: r(b.Y), Width: r(b.Width), Height: r(b.Height)}
}
