package edge

// Active liveness for face sign-in: POST /api/auth/face-challenge issues a
// random sequence of steps; the face worker checks the frames of the
// sign-in against it (workers/face, face/challenge) and the edge
// refuses a sign-in whose check did not pass when liveness is required.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/domain/liveness"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/face/challenge"
)

// Liveness modes (Config.FaceLiveness).
const (
	LivenessRequired = "required"
	LivenessOff      = "off"
)

const (
	// challengeSteps is the number of actions per challenge.
	challengeSteps = 2
	// challengeTTL is how long a challenge can be used: long enough to
	// read the instruction and act, too short to prepare a forgery.
	challengeTTL = 60 * time.Second
	// Frames of one sign-in.
	minLoginFrames = 3
	maxLoginFrames = 5
)

var (
	errLivenessRequired = Errorf(401, "liveness_required", "face sign-in needs a liveness challenge: POST /api/auth/face-challenge, perform its steps on camera and send the frames with challenge_id")
	errChallengeInvalid = Errorf(401, "challenge_invalid", "the liveness challenge is unknown, expired or already used; request a new one")
)

func (s *Server) handleFaceChallenge(c *fiber.Ctx) error {
	steps, err := challenge.Random(challengeSteps)
	if err != nil {
		return err
	}
	names := make([]string, len(steps))
	for i, st := range steps {
		names[i] = string(st)
	}
	id := events.NewID()
	expires := time.Now().Add(challengeTTL).UTC().Truncate(time.Millisecond)
	if err := liveness.Issue(c.UserContext(), s.deps.DB, id, names, expires); err != nil {
		return fmt.Errorf("edge: face challenge: %w", err)
	}
	return c.JSON(fiber.Map{
		"challenge_id": id, "steps": names, "expires": expires,
		"frames":   fiber.Map{"min": minLoginFrames, "max": maxLoginFrames},
		"liveness": s.cfg.FaceLiveness,
	})
}

// useChallenge consumes a challenge (once, before it expires) and returns
// its steps.
func (s *Server) useChallenge(ctx context.Context, id string) ([]string, error) {
	if len(id) != 36 {
		return nil, badRequest("bad_challenge_id", "challenge_id must be a UUID")
	}
	steps, err := liveness.Use(ctx, s.deps.DB, id)
	if errors.Is(err, liveness.ErrUnusable) {
		return nil, errChallengeInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("edge: use face challenge: %w", err)
	}
	return steps, nil
}

// checkLiveness is the edge's part: with liveness required a sign-in
// needs a passed challenge in the identify result.
func (s *Server) checkLiveness(res events.FaceIdentifyResult) error {
	if s.cfg.FaceLiveness != LivenessRequired {
		return nil
	}
	if res.Liveness == nil {
		return errLivenessRequired
	}
	if !res.Liveness.Passed {
		return Errorf(401, "liveness_failed", "the liveness check did not pass: %s", res.Liveness.Reason)
	}
	return nil
}

// loginFrames validates the frames of a face sign-in: one image (the
// original shape) or 3–5 frames.
func (s *Server) loginFrames(image string, images []string) ([]string, error) {
	switch {
	case image != "" && len(images) > 0:
		return nil, badRequest("bad_request", "send either image or images, not both")
	case len(images) == 0:
		if err := precheckImageMax("image", image, s.cfg.MaxImagePixels); err != nil {
			return nil, err
		}
		return []string{image}, nil
	case len(images) < minLoginFrames || len(images) > maxLoginFrames:
		return nil, badRequest("bad_frames", fmt.Sprintf("send %d to %d frames (got %d)", minLoginFrames, maxLoginFrames, len(images)))
	}
	for i, img := range images {
		if err := precheckImageMax(fmt.Sprintf("frame %d", i+1), img, s.cfg.MaxImagePixels); err != nil {
			return nil, err
		}
	}
	return images, nil
}
