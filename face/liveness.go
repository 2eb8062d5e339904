package face

import (
	"crypto/rand"
	"fmt"
	"math"
	"math/big"
)

// ChallengeStep is one action of an active liveness challenge.
type ChallengeStep string

// The actions a challenge is made of: a still photo or a replayed picture
// can do none of them on request.
const (
	StepBlink     ChallengeStep = "blink"
	StepTurnLeft  ChallengeStep = "turn_left"  // the person turns to their left (yaw > 0)
	StepTurnRight ChallengeStep = "turn_right" // to their right (yaw < 0)
)

// Liveness thresholds on the landmarks (Quality.EAR and Quality.Yaw).
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

// RandomChallenge draws n steps (no step twice in a row) from a
// cryptographic source, so a pre-recorded video cannot know the order.
func RandomChallenge(n int) ([]ChallengeStep, error) {
	all := []ChallengeStep{StepBlink, StepTurnLeft, StepTurnRight}
	out := make([]ChallengeStep, 0, n)
	for len(out) < n {
		i, err := rand.Int(rand.Reader, big.NewInt(int64(len(all))))
		if err != nil {
			return nil, fmt.Errorf("face: challenge: %w", err)
		}
		s := all[i.Int64()]
		if len(out) > 0 && out[len(out)-1] == s {
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

// ValidStep reports whether s is a known step.
func ValidStep(s string) bool {
	switch ChallengeStep(s) {
	case StepBlink, StepTurnLeft, StepTurnRight:
		return true
	}
	return false
}

// CheckChallenge decides an active liveness challenge from the landmark
// measures of the frames in capture order (frames without exactly one face
// are passed as nil and are skipped). The first usable frame is the
// baseline: facing the camera with open eyes. Every step must then be seen
// in order, each in a later frame than the previous step. ok is false with
// a reason a person can act on.
func CheckChallenge(steps []ChallengeStep, frames []*Quality) (ok bool, reason string) {
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

func stepSeen(s ChallengeStep, base, q *Quality) bool {
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
