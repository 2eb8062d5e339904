package face

import (
	"context"
	"fmt"
	"math"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/face/challenge"
	"github.com/hirebus/hirebus/face/match"
)

// identifyK is how many nearest users a 1:N search fetches: Identify needs
// the runner-up for its margin; a few more cost nothing.
const identifyK = 5

// identify is the face login decision over 1 to MaxLoginFrames frames:
// every frame passes the quality gates or is left out (its verdict says
// why), the good frames are decided on together, and a liveness challenge
// in the command is checked on the landmarks of all frames. It never
// issues a token: the edge does, after reading the result (docs/face.md).
func (w *Worker) identify(ctx context.Context, env events.Envelope) error {
	var p events.FaceIdentify
	if err := env.Decode(&p); err != nil {
		return w.malformed(ctx, env, err)
	}
	if done, err := w.done(ctx, env); done || err != nil {
		return err
	}
	frames := p.Images
	if len(frames) == 0 {
		frames = []string{p.Image}
	}
	if len(frames) > w.cfg.MaxLoginFrames {
		return w.fail(ctx, env, env.ActorUserID, CodeTooManyFrames, fmt.Sprintf("send at most %d frames (got %d)", w.cfg.MaxLoginFrames, len(frames)))
	}
	steps := make([]challenge.Step, len(p.Challenge))
	for i, s := range p.Challenge {
		if !challenge.Valid(s) {
			return w.fail(ctx, env, env.ActorUserID, CodeBadCommand, fmt.Sprintf("unknown challenge step %q", s))
		}
		steps[i] = challenge.Step(s)
	}
	var (
		res      events.FaceIdentifyResult
		good     [][]float32
		live     = make([]*challenge.Pose, len(frames))
		liveDesc = make([][]float32, len(frames))
		rejected []*reject
	)
	for i, s := range frames {
		a, err := w.analyse(s)
		if err != nil {
			return err
		}
		v := events.FaceFrameVerdict{Index: i, OK: a.rej == nil}
		if a.rej != nil {
			v.Code, v.Hint = string(a.rej.Code), Hint(a.rej.Code)
			rejected = append(rejected, a.rej)
		} else {
			good = append(good, a.face.Descriptor)
		}
		if a.one {
			live[i], liveDesc[i] = &challenge.Pose{Yaw: a.q.Yaw, EAR: a.q.EAR}, a.face.Descriptor
		}
		res.Frames = append(res.Frames, v)
	}
	res.GoodFrames = len(good)
	if len(good) == 0 {
		if len(frames) == 1 {
			return w.fail(ctx, env, env.ActorUserID, rejected[0].Code, rejected[0].Reason)
		}
		code, msg := summarise(rejected)
		return w.fail(ctx, env, env.ActorUserID, code, msg)
	}
	if len(steps) > 0 {
		res.Liveness = checkLiveness(steps, live, liveDesc, good, w.cfg.Thresholds)
	}
	th := w.cfg.Thresholds
	centre := mean(good)
	if p.UserID != 0 {
		res.Mode = "verify"
		enrolled, err := w.enrolled(ctx, p.UserID)
		if err != nil {
			return err
		}
		if len(enrolled) == 0 {
			res.Reason, res.Distance = string(CodeNotEnrolled), -1
			return w.complete(ctx, env, env.ActorUserID, res, nil)
		}
		cohort, err := w.cohort(ctx, centre, p.UserID)
		if err != nil {
			return err
		}
		dec := match.Decide(good, enrolled, cohort, th)
		fillDecision(&res, dec)
		if dec.Accepted {
			res.Matched, res.UserID = true, p.UserID
		}
		return w.complete(ctx, env, env.ActorUserID, res, nil)
	}
	// 1:N: the nearest user must win the strict identify rule (threshold
	// and margin) on the frames' centre and then pass the same adaptive
	// rule as a 1:1 sign-in against the other nearest users.
	res.Mode = "identify"
	ms, err := w.idx.Search(ctx, centre, identifyK)
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
		enrolled, err := w.enrolled(ctx, uid)
		if err != nil {
			return err
		}
		cohort, err := w.cohort(ctx, centre, uid)
		if err != nil {
			return err
		}
		dec := match.Decide(good, enrolled, cohort, th)
		margin := res.Margin
		fillDecision(&res, dec)
		res.Margin = margin
		if dec.Accepted {
			res.Matched, res.UserID = true, uid
		}
	}
	return w.complete(ctx, env, env.ActorUserID, res, nil)
}

func fillDecision(res *events.FaceIdentifyResult, dec match.Decision) {
	res.Distance = round4(float64(dec.Distance))
	res.Score = round4(float64(dec.Score))
	res.Ratio = round4(float64(dec.Ratio))
	res.Cohort = round4(float64(dec.Cohort))
	res.Reason = string(dec.Reason)
}

// enrolled is a user's enrolled descriptors.
func (w *Worker) enrolled(ctx context.Context, uid uint64) ([][]float32, error) {
	entries, err := w.idx.UserEntries(ctx, uid)
	if err != nil {
		return nil, fmt.Errorf("face worker: enrolled faces of %d: %w", uid, err)
	}
	out := make([][]float32, len(entries))
	for i, e := range entries {
		out[i] = e.Vector
	}
	return out, nil
}

// cohort is the enrolled sets of the CohortSize users nearest to probe,
// other than self: the neighbourhood the adaptive rule normalises against.
func (w *Worker) cohort(ctx context.Context, probe []float32, self uint64) ([][][]float32, error) {
	k := w.cfg.Thresholds.CohortSize
	ms, err := w.idx.Search(ctx, probe, k+1)
	if err != nil {
		return nil, fmt.Errorf("face worker: cohort search: %w", err)
	}
	var out [][][]float32
	for _, m := range ms {
		if m.UserID == self || len(out) == k {
			continue
		}
		set, err := w.enrolled(ctx, m.UserID)
		if err != nil {
			return nil, err
		}
		out = append(out, set)
	}
	return out, nil
}

// checkLiveness runs the challenge on the frames' landmarks, and refuses
// frames whose face is not the one of the good frames (a swap of photos
// between steps).
func checkLiveness(steps []challenge.Step, live []*challenge.Pose, desc, good [][]float32, th match.Thresholds) *events.FaceLiveness {
	out := &events.FaceLiveness{Steps: make([]string, len(steps))}
	for i, s := range steps {
		out.Steps[i] = string(s)
	}
	for i, d := range desc {
		if d != nil && match.MeanDistance(d, good) >= th.ImpostorMedian {
			out.Reason = fmt.Sprintf("frame %d shows a different face", i+1)
			return out
		}
	}
	out.Passed, out.Reason = challenge.Check(steps, live)
	return out
}

func mean(vs [][]float32) []float32 {
	out := make([]float32, len(vs[0]))
	for _, v := range vs {
		for i, x := range v {
			out[i] += x / float32(len(vs))
		}
	}
	return out
}

// summarise names the most frequent reason of refused frames, with a hint.
func summarise(rs []*reject) (code events.Code, msg string) {
	count := map[events.Code]int{}
	for _, r := range rs {
		count[r.Code]++
		if count[r.Code] > count[code] {
			code = r.Code
		}
	}
	msg = fmt.Sprintf("none of the %d frames was usable", len(rs))
	for _, r := range rs {
		if r.Code == code {
			msg += " (" + r.Reason + ")"
			break
		}
	}
	return code, msg
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
