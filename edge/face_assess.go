package edge

// Liveness for assessments (issue 16: "a company may require it for
// assessments too"). A signed-in candidate performs a face challenge
// (POST /api/auth/face-challenge) and sends its frames to POST
// /api/auth/face-liveness; the face worker checks the steps and compares
// the frames with the caller's own enrolled face, exactly as for a face
// sign-in. A passed check answers with a liveness_token: the id of that
// identify operation, which only its owner can redeem, once, within
// livenessTokenMinutes, when starting an assessment whose proctoring has
// liveness on (domain/assess calls redeemLivenessToken in the start's
// transaction, so a refused start does not spend the token).

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/hirebus/hirebus/domain/users"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// livenessTokenMinutes is how long a passed liveness check can start an
// assessment.
const livenessTokenMinutes = 5

var (
	errLivenessTokenInvalid = Errorf(403, "liveness_token_invalid", "the liveness token is unknown, not yours, expired, not passed or already used; run the liveness check again")
	errNoFaceEnrolled       = Errorf(409, "face_not_enrolled", "your account has no enrolled face; enrol one (POST /api/auth/reset-face) before taking the liveness check")
)

type faceLivenessReq struct {
	ChallengeID string   `json:"challenge_id"`
	Images      []string `json:"images"`
}

// handleFaceLiveness checks a challenge performed by the signed-in user
// against their own enrolled face.
func (s *Server) handleFaceLiveness(c *fiber.Ctx) error {
	var req faceLivenessReq
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.ChallengeID == "" {
		return badRequest("missing_challenge_id", "challenge_id is required (POST /api/auth/face-challenge)")
	}
	if len(req.Images) == 0 {
		return badRequest("bad_frames", fmt.Sprintf("send %d to %d frames in images", minLoginFrames, maxLoginFrames))
	}
	frames, err := s.loginFrames("", req.Images)
	if err != nil {
		return err
	}
	if err := s.checkCommandSize(frames...); err != nil {
		return err
	}
	p, _ := principal(c)
	ctx := c.UserContext()
	u, err := s.loadLoginUser(ctx, users.ByID, p.UserID)
	if errors.Is(err, sql.ErrNoRows) {
		return errUnauthorized
	}
	if err != nil {
		return err
	}
	if !u.FaceEnrolled {
		return errNoFaceEnrolled
	}
	steps, err := s.useChallenge(ctx, req.ChallengeID)
	if err != nil {
		return err
	}
	opID, oc, done, err := s.acceptAndWait(ctx, events.OpFaceIdentify, events.CmdFaceIdentify, p.UserID,
		events.FaceIdentify{Images: frames, UserID: p.UserID, Challenge: steps})
	if err != nil {
		return err
	}
	if !done {
		return accepted(c, opID, fiber.Map{"message": "still checking the face: poll GET /api/ops/" + opID + "; when it is done, its op_id is the liveness_token"})
	}
	if oc.Status != ops.StatusDone {
		return opFailed(oc, events.CodeFaceFailed, "the face check failed")
	}
	var res events.FaceIdentifyResult
	if err := json.Unmarshal(oc.Result, &res); err != nil {
		return fmt.Errorf("edge: liveness result: %w", err)
	}
	if !res.Matched || res.UserID != p.UserID {
		return Errorf(403, "face_not_recognized", "the face does not match your enrolled face")
	}
	if res.Liveness == nil || !res.Liveness.Passed {
		reason := "no challenge was checked"
		if res.Liveness != nil {
			reason = res.Liveness.Reason
		}
		return Errorf(403, "liveness_failed", "the liveness check did not pass: %s", reason)
	}
	body := fiber.Map{"liveness_token": opID, "expires": time.Now().Add(livenessTokenMinutes * time.Minute).UTC().Truncate(time.Second)}
	if len(res.Frames) > 0 {
		body["frames"] = res.Frames
	}
	return c.JSON(body)
}

// redeemLivenessToken is domain/assess's Service.Liveness: the token must
// be a young, done face_identify operation of userID whose 1:1 match and
// liveness challenge passed, not redeemed before. The claim is part of
// tx, so it holds only if the start commits.
func (s *Server) redeemLivenessToken(ctx context.Context, tx *sqlx.Tx, userID uint64, token string) error {
	if len(token) != 36 {
		return errLivenessTokenInvalid
	}
	row, young, err := ops.GetFresh(ctx, tx, token, livenessTokenMinutes)
	if errors.Is(err, sql.ErrNoRows) || errors.Is(err, store.ErrNotFound) {
		return errLivenessTokenInvalid
	}
	if err != nil {
		return fmt.Errorf("edge: liveness token: %w", err)
	}
	if row.Type != events.OpFaceIdentify || row.UserID == nil || *row.UserID != userID || row.Status != ops.StatusDone || !young {
		return errLivenessTokenInvalid
	}
	var res events.FaceIdentifyResult
	if err := json.Unmarshal(row.Result, &res); err != nil || !res.Matched || res.UserID != userID || res.Liveness == nil || !res.Liveness.Passed {
		return errLivenessTokenInvalid
	}
	fresh, err := ops.Claim(ctx, tx, token, "assess-liveness")
	if err != nil {
		return err
	}
	if !fresh {
		return errLivenessTokenInvalid
	}
	return nil
}
