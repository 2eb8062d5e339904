// Package challenge is face sign-in's active liveness check: the server
// draws a random sequence of actions (blink, turn left, turn right) and
// checks it on the head pose and eye opening measured in the frames. It
// holds no networks (face measures the poses), so the edge can draw
// challenges without linking the face pipeline.
package challenge

import (
	"crypto/rand"
	"fmt"
	"math"
	"math/big"
)

// Step is one action of an active liveness challenge.
type Step string

// The actions a challenge is made of: a still photo or a replayed picture
// can do none of them on request.
const (
	StepBlink     Step = "blink"
	StepTurnLeft  Step = "turn_left"  // the person turns to their left (yaw > 0)
	StepTurnRight Step = "turn_right" // to their right (yaw < 0)
)

// Pose is what a challenge needs of one frame's face (face.Quality has
// both): Yaw in degrees, > 0 when the person turns to their left; EAR the
// mean eye aspect ratio.
type Pose struct {
	Yaw float64
	EAR float64
}

// Liveness thresholds on the pose.
const (
	// OpenEAR: the first frame must show open eyes.
	OpenEAR = 0.22
	// ClosedEAR: a blink is a frame at most this, or at most BlinkDrop of
	// the first frame's ratio (eyes differ between people).
	ClosedEAR = 0.17
	BlinkDrop = 0.65
	// FrontalYaw: the first frame faces the camera within this (degrees).
	FrontalYaw = 15.0
	// TurnYaw: a turn reaches at least this yaw in its direction, and at
	// least TurnDelta more than the first frame.
	TurnYaw   = 20.0
	TurnDelta = 15.0
)

// Random draws n steps (no step twice in a row) from a
// cryptographic source, so a pre-recorded video cannot know the order.
func Random(n int) ([]Step, error) {
	all := []Step{StepBlink, StepTurnLeft, StepTurnRight}
	out := make([]Step, 0, n)
	for len(out) < n {
		i, err := rand.Int(rand.Reader, big.NewInt(int64(len(all))))
		if err != nil {
			return nil, fmt.Errorf("challenge: %w", err)
		}
		s := all[i.Int64()]
		if len(out) > 0 && out[len(out)-1] == s {
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

// Valid reports whether s is a known step.
func Valid(s string) bool {
	switch Step(s) {
	case StepBlink, StepTurnLeft, StepTurnRight:
		return true
	}
	return false
}

// Check decides an active liveness challenge from the poses of the frames
// in capture order (frames without exactly one face are passed as nil and
// are skipped). The first usable frame is the
// baseline: facing the camera with open eyes. Every step must then be seen
// in order, each in a later frame than the previous step. ok is false with
// a reason a person can act on.
func Check(steps []Step, frames []*Pose) (ok bool, reason string) {
	if len(steps) == 0 {
		return false, "no challenge"
	}
	i := 0
	for i < len(frames) && frames[i] == nil {
		i++
	}
	if i == len(frames) {
		return false, "no face in the frames"
	}
	base := frames[i]
	if math.Abs(base.Yaw) > FrontalYaw || base.EAR < OpenEAR {
		return false, "start facing the camera with your eyes open"
	}
	pos := i + 1
	for n, s := range steps {
		found := false
		for ; pos < len(frames); pos++ {
			q := frames[pos]
			if q == nil {
				continue
			}
			if stepSeen(s, base, q) {
				found = true
				pos++
				break
			}
		}
		if !found {
			return false, fmt.Sprintf("step %d (%s) was not seen; follow the instructions on the screen", n+1, s)
		}
	}
	return true, ""
}

func stepSeen(s Step, base, q *Pose) bool {
	switch s {
	case StepBlink:
		return q.EAR <= ClosedEAR || q.EAR <= BlinkDrop*base.EAR
	case StepTurnLeft:
		return q.Yaw >= TurnYaw && q.Yaw-base.Yaw >= TurnDelta
	case StepTurnRight:
		return q.Yaw <= -TurnYaw && base.Yaw-q.Yaw >= TurnDelta
	}
	return false
}
