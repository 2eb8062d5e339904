package edge

// The face API: enrolment with registration and reset-face, face login,
// face detection and proctoring frames. The edge only does cheap checks
// (sizes, base64, image headers); faces are found and compared by the face
// worker (workers/face), which the edge waits for a bounded time.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/users"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/face/imaging"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/otp"
	"github.com/hirebus/hirebus/ratelimit"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"
)

// Limits of face images at the edge; the worker re-checks everything.
const (
	// faceImageMaxBytes bounds one decoded image (the worker's default).
	faceImageMaxBytes = 4 << 20
	// minEnrollImages and maxEnrollImages bound an enrolment.
	minEnrollImages = 3
	maxEnrollImages = 10
	// commandOverhead is room for the envelope and headers of a command
	// next to its images, within the NATS max payload.
	commandOverhead = 16 << 10
	// faceLoginRedeemMinutes is how long a timed-out face login can be
	// finished with its op id.
	faceLoginRedeemMinutes = 5
)

// faceRoutes are the face API's routes (wired by routes in server.go).
func (s *Server) faceRoutes(app *fiber.App, api fiber.Router) {
	resetFace := ratelimit.Rate{N: s.cfg.ResetFacePerHour, Per: time.Hour}
	api.Post("/auth/reset-face", s.requireAuth, s.limitUser("reset-face-user", "reset-face", resetFace), s.handleResetFace)
	api.Post("/auth/face-login", s.loginLimit.middleware, s.handleFaceLogin)
	api.Post("/auth/face-challenge", s.faceLimit.middleware, s.handleFaceChallenge)
	api.Post("/auth/face-liveness", s.requireAuth, s.faceLimit.middleware, s.handleFaceLiveness)
	app.Post("/detect_face", s.faceLimit.middleware, s.optionalAuth, s.handleDetectFace)
	api.Post("/face/detect", s.faceLimit.middleware, s.optionalAuth, s.handleDetectFace)
	api.Post("/proctor/frame", s.requireAuth, s.limitUser("frame-user", "proctor frame", ratelimit.PerMinute(s.cfg.FramePerMin)), s.handleProctorFrame)
}

// imageError maps the face package's decode errors to a public 4xx.
func imageError(which string, err error) *APIError {
	msg := err.Error()
	for _, p := range []string{"face: decode base64 image: ", "face: decode image: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	msg = which + ": " + msg
	switch {
	case errors.Is(err, imaging.ErrTooLarge):
		return Errorf(413, "image_too_large", "%s", msg)
	case errors.Is(err, imaging.ErrTruncated):
		return badRequest("truncated_image", msg)
	case errors.Is(err, imaging.ErrUnsupported):
		return badRequest("unsupported_image", msg)
	case errors.Is(err, imaging.ErrBadEncoding):
		return badRequest("bad_base64", msg)
	default:
		return badRequest("not_image", msg)
	}
}

// precheckImage is the edge's cheap look at one image: it decodes the
// base64 (size-capped before any copy), sniffs JPEG/PNG magic and reads the
// header's dimensions, so a decompression bomb or a non-image never reaches
// the bus. Pixels are decoded by the worker. maxPixels is
// Config.MaxImagePixels (issue 7: 40 MP images cost the worker hundreds of
// MB each).
func precheckImageMax(which, s string, maxPixels int) error {
	if strings.TrimSpace(s) == "" {
		return badRequest("missing_image", which+" is empty")
	}
	data, err := imaging.DecodeBase64(s, faceImageMaxBytes)
	if err != nil {
		return imageError(which, err)
	}
	var cfg image.Config
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
	default:
		// DecodeImage names the format (GIF, WebP, ...) when it knows it.
		_, err = imaging.DecodeImage(data, imaging.Limits{MaxBytes: faceImageMaxBytes})
		if err == nil {
			err = imaging.ErrNotImage
		}
		return imageError(which, err)
	}
	if err != nil {
		return imageError(which, fmt.Errorf("%w: %v", imaging.ErrTruncated, err))
	}
	lim := imaging.DefaultLimits()
	if maxPixels > 0 && maxPixels < lim.MaxPixels {
		lim.MaxPixels = maxPixels
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return imageError(which, fmt.Errorf("%w: empty %dx%d canvas", imaging.ErrNotImage, cfg.Width, cfg.Height))
	}
	if cfg.Width > lim.MaxSide || cfg.Height > lim.MaxSide || cfg.Width*cfg.Height > lim.MaxPixels {
		return imageError(which, fmt.Errorf("%w: %dx%d exceeds %d px per side / %.1f megapixels", imaging.ErrTooLarge, cfg.Width, cfg.Height, lim.MaxSide, float64(lim.MaxPixels)/1e6))
	}
	return nil
}

// precheckEnroll checks enrolment images against the configured pixel cap.
func (s *Server) precheckEnroll(images []string) error {
	return precheckEnrollMax(images, s.cfg.MaxImagePixels)
}

func precheckEnrollMax(images []string, maxPixels int) error {
	switch n := len(images); {
	case n < minEnrollImages:
		return badRequest("too_few_images", fmt.Sprintf("send at least %d face images (got %d)", minEnrollImages, n))
	case n > maxEnrollImages:
		return badRequest("too_many_images", fmt.Sprintf("send at most %d face images (got %d)", maxEnrollImages, n))
	}
	for i, img := range images {
		if err := precheckImageMax(fmt.Sprintf("image %d", i+1), img, maxPixels); err != nil {
			return err
		}
	}
	return nil
}

// checkCommandSize refuses images that would not fit in one bus message:
// the command would sit in the outbox forever.
func (s *Server) checkCommandSize(images ...string) error {
	total := 0
	for _, img := range images {
		total += len(img)
	}
	limit := int(s.deps.NC.MaxPayload()) - commandOverhead
	if total > limit {
		return Errorf(413, "images_too_large", "the images add up to %d KiB of base64; at most %d KiB fit in one request (send webcam-sized JPEGs, e.g. 640×480)", total>>10, limit>>10)
	}
	return nil
}

type resetFaceReq struct {
	Images []string `json:"images"`
	// Password or OTP (a code mailed with purpose "reset") proves that the
	// caller is the account owner, not just a holder of its token.
	Password string `json:"password"`
	OTP      string `json:"otp"`
}

var errReauthRequired = Errorf(403, "reauth_required", "replacing the face needs your password or a fresh emailed code (send-otp with purpose reset): send password or otp with the images")

// reauthenticate checks the password or a fresh emailed code of the
// caller's account; a bearer token alone is not enough to replace a face.
func (s *Server) reauthenticate(c *fiber.Ctx, p Principal, password, code string) error {
	ctx := c.UserContext()
	if password == "" && code == "" {
		return errReauthRequired
	}
	u, err := s.loadLoginUser(ctx, users.ByID, p.UserID)
	if errors.Is(err, sql.ErrNoRows) {
		return errUnauthorized
	}
	if err != nil {
		return err
	}
	if password != "" {
		if len(password) > 72 {
			return errBadCredentials
		}
		return s.loginBackoff(c, accountKey(u.ID), func() bool {
			return bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) == nil
		})
	}
	if err := checkOTPFormat(code); err != nil {
		return err
	}
	if err := s.checkOTP(ctx, u.Email, otp.PurposeReset, code); err != nil {
		return err
	}
	return store.InTx(ctx, s.deps.DB, func(tx *sqlx.Tx) error {
		return consumeVerifiedOTP(ctx, tx, u.Email, otp.PurposeReset)
	})
}

func (s *Server) handleResetFace(c *fiber.Ctx) error {
	var req resetFaceReq
	if err := bind(c, &req); err != nil {
		return err
	}
	if err := s.precheckEnroll(req.Images); err != nil {
		return err
	}
	if err := s.checkCommandSize(req.Images...); err != nil {
		return err
	}
	p, _ := principal(c)
	// A replay answers before re-authentication: its body (with the
	// password or code) matched the first, authenticated request, whose
	// one-time code is spent by now.
	if done, err := s.idempotent(c, "reset-face", p.UserID, replayAccepted(c)); done || err != nil {
		return err
	}
	if err := s.reauthenticate(c, p, req.Password, req.OTP); err != nil {
		return err
	}
	ctx := c.UserContext()
	opID, err := s.accept(ctx, events.OpFaceEnroll, events.CmdFaceEnroll, p.UserID,
		events.FaceEnroll{UserID: p.UserID, Images: req.Images, Source: "reset"}, func(tx *sqlx.Tx) error {
			return audit(ctx, tx, p.UserID, "face.reset", c.IP(), nil)
		})
	if err != nil {
		return err
	}
	return accepted(c, opID, nil)
}

// --- detect ------------------------------------------------------------------

type detectReq struct {
	Image    string `json:"image"`
	Detector string `json:"detector"`
}

func (s *Server) handleDetectFace(c *fiber.Ctx) error {
	var req detectReq
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.Detector != "" && req.Detector != "tiny" && req.Detector != "ssd" {
		return badRequest("bad_detector", "detector must be tiny or ssd")
	}
	if err := precheckImageMax("image", req.Image, s.cfg.MaxImagePixels); err != nil {
		return err
	}
	if err := s.checkCommandSize(req.Image); err != nil {
		return err
	}
	var actor uint64
	if p, ok := principal(c); ok {
		actor = p.UserID
	}
	opID, oc, done, err := s.acceptAndWait(c.UserContext(), events.OpFaceDetect, events.CmdFaceDetect, actor, events.FaceDetect{Image: req.Image, Detector: req.Detector})
	if err != nil {
		return err
	}
	if !done {
		return accepted(c, opID, nil)
	}
	if oc.Status != ops.StatusDone {
		return opFailed(oc, events.CodeFaceFailed, "the face check failed")
	}
	var res events.FaceDetectResult
	if err := json.Unmarshal(oc.Result, &res); err != nil {
		return fmt.Errorf("edge: detect result: %w", err)
	}
	if res.Faces == nil {
		res.Faces = []events.FaceDetection{}
	}
	return c.JSON(fiber.Map{"op_id": opID, "count": res.Count, "faces": res.Faces, "width": res.Width, "height": res.Height})
}

// --- proctor frames -------------------------------------------------------------

type frameReq struct {
	AttemptID    uint64 `json:"attempt_id"`
	AssessmentID uint64 `json:"assessment_id"` // alternative: the caller's attempt on this assessment
	Image        string `json:"image"`
}

// handleProctorFrame accepts a frame only for the caller's own attempt while
// it is active and before its deadline (domain/assess decides); someone
// else's attempt looks the same as none (404), a closed one is 409.
func (s *Server) handleProctorFrame(c *fiber.Ctx) error {
	var req frameReq
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.AttemptID == 0 && req.AssessmentID == 0 {
		return badRequest("missing_attempt_id", "attempt_id is required")
	}
	p, _ := principal(c)
	ctx := c.UserContext()
	attemptID, assessmentID, err := s.assess.ActiveAttempt(ctx, actor(c), req.AttemptID, req.AssessmentID)
	if err != nil {
		return err
	}
	if err := precheckImageMax("image", req.Image, s.cfg.MaxImagePixels); err != nil {
		return err
	}
	if err := s.checkCommandSize(req.Image); err != nil {
		return err
	}
	frameKey, err := s.keepFrame(ctx, attemptID, req.Image) // proctor.go; "" unless frames are kept
	if err != nil {
		return err
	}
	opID, err := s.accept(ctx, events.OpFaceFrameCheck, events.CmdFaceFrameCheck, p.UserID,
		events.FaceFrameCheck{AssessmentID: assessmentID, AttemptID: attemptID, UserID: p.UserID, Image: req.Image, FrameKey: frameKey}, nil)
	if err != nil {
		return err
	}
	return accepted(c, opID, fiber.Map{"attempt_id": attemptID})
}

// --- face login ------------------------------------------------------------------

type faceLoginReq struct {
	Image    string `json:"image"`
	Username string `json:"username"`
	Email    string `json:"email"`
	Password string `json:"password"`
	// OpID finishes a login whose identify answer came after the edge
	// stopped waiting (the 202 answer).
	OpID string `json:"op_id"`

	// Images are 3–5 frames taken over about a second (instead of Image).
	Images []string `json:"images"`
	// ChallengeID names the liveness challenge the frames perform.
	ChallengeID string `json:"challenge_id"`
}

// loginUser is an account as face login needs it.
type loginUser = users.Login

// noSuchUser is the account id a face is verified against when the named
// account does not exist (ids are auto-increment and never get this high).
const noSuchUser = uint64(1) << 62

var (
	errOperatorUsername  = Errorf(401, "username_required", "this server requires your username or email with face sign-in")
	errOperatorPassword  = Errorf(401, "password_required", "this server requires your username and password with face sign-in")
	errFaceNotRecognized = Errorf(401, "face_not_recognized", "the face does not match the account")
	errUsernameRequired  = Errorf(401, "username_required", "the face was not recognised with certainty; enter your username or email and try again")
	errPasswordRequired  = Errorf(401, "password_required", "this account requires password and face: send username, password and image")
)

func (s *Server) handleFaceLogin(c *fiber.Ctx) error {
	var req faceLoginReq
	if err := bind(c, &req); err != nil {
		return err
	}
	if len(req.Password) > 72 {
		return errBadCredentials
	}
	if req.OpID != "" && req.Image == "" && len(req.Images) == 0 {
		return s.redeemFaceLogin(c, req)
	}
	frames, err := s.loginFrames(req.Image, req.Images)
	if err != nil {
		return err
	}
	if err := s.checkCommandSize(frames...); err != nil {
		return err
	}
	if req.ChallengeID == "" && s.cfg.FaceLiveness == LivenessRequired {
		return errLivenessRequired
	}
	if done, err := s.idempotent(c, "face-login", 0, func(op string) error { return s.replayFaceLogin(c, op, req.Password) }); done || err != nil {
		return err
	}
	ctx := c.UserContext()
	name := strings.TrimSpace(req.Username)
	if name == "" {
		name = strings.TrimSpace(req.Email)
	}
	switch s.cfg.FaceLoginRequire {
	case FaceLoginRequireUsername:
		if name == "" {
			return errOperatorUsername
		}
	case FaceLoginRequirePassword:
		if name == "" || req.Password == "" {
			return errOperatorPassword
		}
	}
	var claimed *loginUser
	// An unknown account is checked against an id nobody has: the face is
	// still extracted and compared, so the answer takes as long as for a
	// real account whose face does not match.
	verifyAs := uint64(0)
	if name != "" {
		if len(name) > 254 {
			return badRequest("bad_username", "username is too long")
		}
		where, arg := loginLookup(name)
		u, err := s.loadLoginUser(ctx, where, arg)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if req.Password != "" {
				return s.loginBackoff(c, "login-name:"+strings.ToLower(name), func() bool {
					_ = bcrypt.CompareHashAndPassword(s.dummyHash(), []byte(req.Password))
					return false
				})
			}
			verifyAs = noSuchUser
		case err != nil:
			return err
		}
		if verifyAs == 0 {
			// The password is cheap to check next to a face: refuse early.
			if req.Password != "" {
				if err := s.loginBackoff(c, accountKey(u.ID), func() bool {
					return bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(req.Password)) == nil
				}); err != nil {
					return err
				}
			}
			claimed = &u
			verifyAs = u.ID
		}
	}
	if claimed != nil {
		u := *claimed
		if req.Password == "" {
			required, err := s.faceLoginNeedsPassword(ctx, u)
			if err != nil {
				return err
			}
			if required {
				return errPasswordRequired
			}
		}
	}
	payload := events.FaceIdentify{Image: req.Image, Images: req.Images, UserID: verifyAs}
	if req.ChallengeID != "" {
		if payload.Challenge, err = s.useChallenge(ctx, req.ChallengeID); err != nil {
			return err
		}
	}
	opID, oc, done, err := s.acceptAndWait(ctx, events.OpFaceIdentify, events.CmdFaceIdentify, 0, payload)
	if err != nil {
		return err
	}
	if !done {
		return accepted(c, opID, fiber.Map{"message": "still checking the face: poll GET /api/ops/" + opID + " and, when it is done, POST /api/auth/face-login {op_id} (with password if the account needs it)"})
	}
	return s.finishFaceLogin(c, opID, oc, req.Password, claimed)
}

// redeemFaceLogin finishes a face login from its operation id: the op must
// be a face_identify started without an account, done, young and not used
// before. The op id is the secret here (unguessable, given only to the
// requester), which is why it is good for one session only.
func (s *Server) redeemFaceLogin(c *fiber.Ctx, req faceLoginReq) error {
	if len(req.OpID) != 36 {
		return badRequest("bad_op_id", "op_id must be a UUID")
	}
	ctx := c.UserContext()
	row, young, err := ops.GetFresh(ctx, s.deps.DB, req.OpID, faceLoginRedeemMinutes)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && (row.Type != events.OpFaceIdentify || row.UserID != nil)) {
		return Errorf(404, "not_found", "no such face login")
	}
	if err != nil {
		return fmt.Errorf("edge: face login op: %w", err)
	}
	if !young {
		return Errorf(410, "expired", "this face login is older than %d minutes; start again", faceLoginRedeemMinutes)
	}
	oc := events.OpCompleted{OpID: req.OpID, OpType: row.Type, Status: row.Status, Result: json.RawMessage(row.Result)}
	switch row.Status {
	case ops.StatusPending:
		return accepted(c, req.OpID, fiber.Map{"message": "still checking the face"})
	case ops.StatusFailed:
		var e events.OpError
		if json.Unmarshal(row.Error, &e) == nil {
			oc.Error = &e
		}
	}
	return s.finishFaceLogin(c, req.OpID, oc, req.Password, nil)
}

// finishFaceLogin turns an identify result into a session. claimed is the
// account named in the request (already password-checked if a password was
// sent), nil for 1:N.
func (s *Server) finishFaceLogin(c *fiber.Ctx, opID string, oc events.OpCompleted, password string, claimed *loginUser) error {
	if oc.Status != ops.StatusDone {
		return opFailed(oc, events.CodeFaceFailed, "the face check failed")
	}
	var res events.FaceIdentifyResult
	if err := json.Unmarshal(oc.Result, &res); err != nil {
		return fmt.Errorf("edge: identify result: %w", err)
	}
	if !res.Matched || res.UserID == 0 {
		if res.Mode == "identify" {
			return errUsernameRequired
		}
		return errFaceNotRecognized
	}
	if err := s.checkLiveness(res); err != nil {
		return err
	}
	ctx := c.UserContext()
	// One session per identify operation, whichever path gets there first.
	var fresh bool
	err := store.InTx(ctx, s.deps.DB, func(tx *sqlx.Tx) error {
		var err error
		fresh, err = ops.Claim(ctx, tx, opID, "face-login")
		return err
	})
	if err != nil {
		return err
	}
	if !fresh {
		return Errorf(409, "already_used", "this face login was already used; start again")
	}
	u := claimed
	passwordOK := claimed != nil && password != ""
	if u == nil || u.ID != res.UserID {
		lu, err := s.loadLoginUser(ctx, users.ByID, res.UserID)
		if errors.Is(err, sql.ErrNoRows) {
			return errFaceNotRecognized
		}
		if err != nil {
			return err
		}
		u, passwordOK = &lu, false
		if password != "" {
			if bcrypt.CompareHashAndPassword(u.PasswordHash, []byte(password)) != nil {
				return errBadCredentials
			}
			passwordOK = true
		}
	}
	if !u.FaceEnrolled {
		// The enrolment was revoked (password reset) after the index
		// answered, or its removal is still on its way to the index.
		return errFaceNotRecognized
	}
	if !passwordOK && s.cfg.FaceLoginRequire == FaceLoginRequirePassword {
		return errOperatorPassword
	}
	if !passwordOK {
		required, err := s.faceLoginNeedsPassword(ctx, *u)
		if err != nil {
			return err
		}
		if required {
			return errPasswordRequired
		}
	}
	method := "face"
	if passwordOK {
		method = "password+face"
	}
	token, err := s.startSession(c, u.User, method)
	if err != nil {
		return err
	}
	body := fiber.Map{"user": u.User, "token": token, "method": method, "distance": res.Distance}
	if len(res.Frames) > 0 {
		body["frames"] = res.Frames // which frames the gates left out, and why
	}
	return c.JSON(body)
}

// loadLoginUser returns the account a sign-in names; sql.ErrNoRows if none.
func (s *Server) loadLoginUser(ctx context.Context, key users.Key, arg any) (loginUser, error) {
	u, err := users.GetLogin(ctx, s.deps.DB, key, arg)
	if errors.Is(err, users.ErrNotFound) {
		return u, sql.ErrNoRows
	}
	if err != nil {
		return u, fmt.Errorf("edge: face login lookup: %w", err)
	}
	return u, nil
}

// faceLoginNeedsPassword: the user, or a company the user belongs to,
// requires password and face together.
func (s *Server) faceLoginNeedsPassword(ctx context.Context, u loginUser) (bool, error) {
	if u.RequireFace {
		return true, nil
	}
	need, err := company.RequiresFaceLogin(ctx, s.deps.DB, u.ID)
	if err != nil {
		return false, fmt.Errorf("edge: face policy: %w", err)
	}
	return need, nil
}
