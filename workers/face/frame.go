package face

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/face/match"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// FrameResult is the result of a face_frame_check operation.
type FrameResult struct {
	AssessmentID uint64   `json:"assessment_id"`
	AttemptID    uint64   `json:"attempt_id,omitempty"`
	Faces        int      `json:"faces"`
	Enrolled     bool     `json:"enrolled"`           // the candidate has an enrolled face to compare with
	Distance     *float64 `json:"distance,omitempty"` // single face: to the enrolled set
	Alerts       []string `json:"alerts"`             // event types raised for this frame
}

// nearMissFactor scales MinFaceScore down to find candidate faces that did
// not make the cut: their scores temper the confidence of face.absent.
const nearMissFactor = 0.6

func (w *Worker) frameCheck(ctx context.Context, env events.Envelope) error {
	var p events.FaceFrameCheck
	if err := env.Decode(&p); err != nil {
		return w.malformed(ctx, env, err)
	}
	if p.UserID == 0 || p.AssessmentID == 0 {
		return w.malformed(ctx, env, errors.New("face worker: frame check without user or assessment"))
	}
	if done, err := w.done(ctx, env); done || err != nil {
		return err
	}
	img, rej := w.decode(p.Image)
	if rej != nil {
		return w.fail(ctx, env, p.UserID, rej.Code, rej.Reason)
	}
	all, err := w.emb.Embed(img, face.Options{Detector: face.DetectorTiny, MinScore: w.cfg.MinFaceScore * nearMissFactor})
	if err != nil {
		return fmt.Errorf("face worker: frame pipeline: %w", err)
	}
	var faces []face.Face
	bestMiss := 0.0
	for _, f := range all {
		if f.Score >= w.cfg.MinFaceScore {
			faces = append(faces, f)
		} else {
			bestMiss = max(bestMiss, f.Score)
		}
	}
	entries, err := w.idx.UserEntries(ctx, p.UserID)
	if err != nil {
		return fmt.Errorf("face worker: enrolled faces of %d: %w", p.UserID, err)
	}
	enrolled := make([][]float32, len(entries))
	for i, e := range entries {
		enrolled[i] = e.Vector
	}
	res := FrameResult{AssessmentID: p.AssessmentID, AttemptID: p.AttemptID, Faces: len(faces), Enrolled: len(enrolled) > 0, Alerts: []string{}}
	var alerts []events.FaceAlert
	alert := func(kind string, conf float64, dist *float64) {
		alerts = append(alerts, events.FaceAlert{OpID: env.CorrelationID, AssessmentID: p.AssessmentID, AttemptID: p.AttemptID, UserID: p.UserID,
			Kind: kind, Confidence: round4(conf), Faces: len(faces), Distance: dist})
		res.Alerts = append(res.Alerts, kind)
	}
	switch {
	case len(faces) == 0:
		// A near-miss detection (e.g. a face turned away) makes "nobody
		// there" less certain.
		alert(events.EvtFaceAbsent, 1-bestMiss, nil)
	case len(faces) > 1:
		// How sure we are that the second-best detection is a face.
		alert(events.EvtFaceMultiple, faces[1].Score, nil)
	case len(enrolled) > 0:
		mismatch, dist, conf := match.Mismatch(faces[0].Descriptor, enrolled, w.cfg.Thresholds)
		d := round4(float64(dist))
		res.Distance = &d
		if mismatch {
			alert(events.EvtFaceMismatch, float64(conf), &d)
		}
	}
	return w.complete(ctx, env, p.UserID, res, func(tx *sqlx.Tx, out *outbox.Batch) error {
		if p.AttemptID != 0 {
			// The proctor worker logs and scores the frame in the attempt's
			// order (proctor_logs is domain/proctor's table).
			conf := 0.0
			for _, a := range alerts {
				conf = max(conf, a.Confidence)
			}
			pf := events.ProctorFrame{AttemptID: p.AttemptID, AssessmentID: p.AssessmentID, UserID: p.UserID, Faces: res.Faces,
				Enrolled: res.Enrolled, Distance: res.Distance, Alerts: res.Alerts, Confidence: conf, FrameKey: p.FrameKey}
			pe, err := events.NewEnvelope(events.OpProctorFrame, env.CorrelationID, p.UserID, pf)
			if err != nil {
				return err
			}
			if err := out.Add(events.ProctorSubject(p.AttemptID), pe); err != nil {
				return err
			}
		}
		for _, a := range alerts {
			if p.AttemptID == 0 { // a frame from before attempts existed
				detail, _ := json.Marshal(a)
				if _, err := tx.ExecContext(ctx, `INSERT INTO proctor_logs (assessment_id, attempt_id, user_id, kind, confidence, detail, command_id) VALUES (?, ?, ?, ?, ?, ?, ?)`,
					a.AssessmentID, nullID(a.AttemptID), a.UserID, a.Kind, a.Confidence, detail, env.ID); err != nil {
					return fmt.Errorf("face worker: proctor log: %w", store.Translate(err))
				}
			}
			ev, err := events.NewEnvelope(a.Kind, env.CorrelationID, p.UserID, a)
			if err != nil {
				return err
			}
			if err := out.Add(events.UserSubject(p.UserID, a.Kind), ev); err != nil {
				return err
			}
		}
		return nil
	})
}

// nullID stores 0 as NULL (a frame outside any attempt, from before
// attempts existed).
func nullID(id uint64) any {
	if id == 0 {
		return nil
	}
	return id
}
