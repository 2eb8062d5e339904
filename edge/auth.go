package edge

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"

	"github.com/gofiber/fiber/v2"
	auditlog "github.com/hirebus/hirebus/domain/audit"
	"github.com/hirebus/hirebus/domain/consent"
	"github.com/hirebus/hirebus/domain/users"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/otp"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
	"golang.org/x/crypto/bcrypt"
)

// User is the public view of an account.
type User = users.User

var usernameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{3,32}$`)

// bind decodes a JSON body strictly: right content type, valid JSON, no
// trailing data. Fiber's body buffer is reused, so decoded strings are copies.
func bind(c *fiber.Ctx, v any) error {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(c.Get(fiber.HeaderContentType), ";")[0]))
	if ct != fiber.MIMEApplicationJSON {
		return Errorf(415, "unsupported_media_type", "send the body as application/json")
	}
	body := c.Body()
	if len(body) == 0 {
		return badRequest("empty_body", "request body is empty")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return badRequest("bad_json", fmt.Sprintf("field %q has the wrong type", ute.Field))
		}
		return badRequest("bad_json", "body is not valid JSON")
	}
	if dec.More() {
		return badRequest("bad_json", "body has trailing data after the JSON object")
	}
	return nil
}

func checkPassword(pw string) error {
	if pw == "" {
		return badRequest("missing_password", "password is required")
	}
	if len(pw) < 8 {
		return badRequest("weak_password", "password must have at least 8 characters")
	}
	if len(pw) > 72 {
		return badRequest("bad_password", "password must have at most 72 bytes")
	}
	var letter, digit bool
	for _, r := range pw {
		switch {
		case unicode.IsLetter(r):
			letter = true
		case unicode.IsDigit(r):
			digit = true
		}
	}
	if !letter || !digit {
		return badRequest("weak_password", "password must contain letters and digits")
	}
	if isCommonPassword(pw) {
		return badRequest("weak_password", "this password is one of the most common ones; choose another")
	}
	return nil
}

// emailAndPurpose validates the pair every OTP endpoint takes; an empty
// purpose means registration.
func emailAndPurpose(rawEmail string, purpose *string) (string, error) {
	email, err := normalizeEmail(rawEmail)
	if err != nil {
		return "", err
	}
	if *purpose == "" {
		*purpose = otp.PurposeRegister
	}
	if !otp.ValidPurpose(*purpose) {
		return "", badRequest("bad_purpose", "purpose must be register or reset")
	}
	return email, nil
}

func checkOTPFormat(code string) error {
	if len(code) != otp.Digits || strings.Trim(code, "0123456789") != "" {
		return badRequest("bad_otp", "otp must be 6 digits")
	}
	return nil
}

func ipHash(ip string) []byte {
	h := sha256.Sum256([]byte("hirebus-ip\x00" + ip))
	return h[:]
}

// principal returns the authenticated caller, if any.
func principal(c *fiber.Ctx) (Principal, bool) {
	p, ok := c.Locals("principal").(Principal)
	return p, ok
}

func bearer(c *fiber.Ctx) string {
	h := c.Get(fiber.HeaderAuthorization)
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		return strings.TrimSpace(tok)
	}
	return ""
}

func (s *Server) requireAuth(c *fiber.Ctx) error {
	tok := bearer(c)
	if tok == "" {
		return errUnauthorized
	}
	p, err := s.authenticate(c.UserContext(), tok)
	if err != nil {
		return err
	}
	c.Locals("principal", p)
	return c.Next()
}

func (s *Server) optionalAuth(c *fiber.Ctx) error {
	if tok := bearer(c); tok != "" {
		p, err := s.authenticate(c.UserContext(), tok)
		if err != nil {
			return err
		}
		c.Locals("principal", p)
	}
	return c.Next()
}

// --- send-otp / verify-otp -------------------------------------------------

type sendOTPReq struct {
	Email   string `json:"email"`
	Purpose string `json:"purpose"`
}

func (s *Server) handleSendOTP(c *fiber.Ctx) error {
	var req sendOTPReq
	if err := bind(c, &req); err != nil {
		return err
	}
	email, err := emailAndPurpose(req.Email, &req.Purpose)
	if err != nil {
		return err
	}
	if done, err := s.idempotent(c, "send-otp", actorOf(c), replayAccepted(c)); done || err != nil {
		return err
	}
	opID, err := s.requestOTP(c, events.OpSendOTP, email, req.Purpose)
	if err != nil {
		return err
	}
	return accepted(c, opID, nil)
}

var errTooManyOTP = Errorf(429, "too_many_requests", "too many codes requested; wait a few minutes")

// requestOTP rate-limits per email and per IP (counted in MySQL so every edge
// shares the limit) and queues the mail command.
func (s *Server) requestOTP(c *fiber.Ctx, opType, email, purpose string) (string, error) {
	ctx := c.UserContext()
	iph := ipHash(c.IP())
	var actor uint64
	if p, ok := principal(c); ok && opType != events.OpForgotPassword {
		actor = p.UserID
	}
	return s.accept(ctx, opType, events.CmdMailSendOTP, actor, events.SendOTP{Email: email, Purpose: purpose}, func(tx *sqlx.Tx) error {
		return s.otpQuota(ctx, tx, email, iph)
	})
}

// otpQuota counts one mail request for email from the client iph, or
// refuses it. Requests for unregistered addresses are counted the same way,
// so the quota answers the same whether the address has an account or not.
func (s *Server) otpQuota(ctx context.Context, tx *sqlx.Tx, email string, iph []byte) error {
	since := time.Now().UTC().Add(-s.cfg.OTPWindow)
	byEmail, byIP, err := otp.CountRequests(ctx, tx, email, iph, since)
	if err != nil {
		return fmt.Errorf("edge: otp rate: %w", err)
	}
	if byEmail >= s.cfg.OTPPerEmail || byIP >= s.cfg.OTPPerIP {
		// Retry when the oldest counted request leaves the window.
		oldest, err := otp.OldestRequest(ctx, tx, byEmail >= s.cfg.OTPPerEmail, email, iph, since)
		if err != nil {
			return fmt.Errorf("edge: otp rate: %w", err)
		}
		return &APIError{Status: errTooManyOTP.Status, Code: errTooManyOTP.Code, Message: errTooManyOTP.Message,
			Err: retryAfter(time.Until(oldest.Add(s.cfg.OTPWindow)))}
	}
	if err := otp.RecordRequest(ctx, tx, email, iph); err != nil {
		return fmt.Errorf("edge: otp request: %w", err)
	}
	return nil
}

type verifyOTPReq struct {
	Email   string `json:"email"`
	OTP     string `json:"otp"`
	Purpose string `json:"purpose"`
}

var (
	errOTPInvalid  = badRequest("invalid_otp", "the code is wrong or expired")
	errOTPTooMany  = Errorf(429, "too_many_attempts", "too many wrong codes; request a new one")
	errOTPRequired = Errorf(403, "otp_required", "verify the emailed code first")
)

// checkOTP verifies code against every live code for email+purpose and
// marks the matching one verified. Any live code works, so a code someone
// else requested for the address (forgot-password is anonymous) never
// invalidates the one its owner is typing. A wrong try counts against every
// live code (row-locked), so more codes do not mean more guesses.
func (s *Server) checkOTP(ctx context.Context, email, purpose, code string) error {
	wrong := false
	err := store.InTx(ctx, s.deps.DB, func(tx *sqlx.Tx) error {
		var err error
		wrong, err = otp.Check(ctx, tx, email, purpose, code)
		switch {
		case errors.Is(err, otp.ErrTooMany):
			return errOTPTooMany
		case errors.Is(err, otp.ErrInvalid):
			return errOTPInvalid
		case err != nil:
			return fmt.Errorf("edge: check otp: %w", err)
		}
		return nil // commit a counted try
	})
	if err != nil {
		return err
	}
	if wrong {
		return errOTPInvalid
	}
	return nil
}

func (s *Server) handleVerifyOTP(c *fiber.Ctx) error {
	var req verifyOTPReq
	if err := bind(c, &req); err != nil {
		return err
	}
	email, err := emailAndPurpose(req.Email, &req.Purpose)
	if err != nil {
		return err
	}
	if err := checkOTPFormat(req.OTP); err != nil {
		return err
	}
	if err := s.checkOTP(c.UserContext(), email, req.Purpose, req.OTP); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"verified": true})
}

// hasVerifiedOTP is the cheap check before expensive work (bcrypt): is
// there a verified, unconsumed code for email+purpose? The transaction that
// uses it still consumes it with consumeVerifiedOTP.
func (s *Server) hasVerifiedOTP(ctx context.Context, email, purpose string) error {
	err := otp.HasVerified(ctx, s.deps.DB, email, purpose)
	if errors.Is(err, otp.ErrNotVerified) {
		return errOTPRequired
	}
	if err != nil {
		return fmt.Errorf("edge: read verified otp: %w", err)
	}
	return nil
}

// consumeVerifiedOTP takes the newest verified, unconsumed code in tx and
// ends every other live code for the same address and purpose: a code is
// good for one registration or reset, and spare codes requested by others
// die with it.
func consumeVerifiedOTP(ctx context.Context, tx *sqlx.Tx, email, purpose string) error {
	err := otp.ConsumeVerified(ctx, tx, email, purpose)
	if errors.Is(err, otp.ErrNotVerified) {
		return errOTPRequired
	}
	if err != nil {
		return fmt.Errorf("edge: consume otp: %w", err)
	}
	return nil
}

// --- register / login / logout --------------------------------------------

type registerReq struct {
	Username string   `json:"username"`
	Email    string   `json:"email"`
	Password string   `json:"password"`
	Role     string   `json:"role"`
	FullName string   `json:"full_name"`
	Images   []string `json:"images"`
	// FaceConsentVersion is the version of the face notice the person
	// accepted before the photos were taken (privacy.go); it is recorded
	// with the account.
	FaceConsentVersion string `json:"face_consent_version"`
}

func (r *registerReq) validate() (email string, err error) {
	r.Username = strings.TrimSpace(r.Username)
	if r.Username == "" {
		return "", badRequest("missing_username", "username is required")
	}
	if !usernameRE.MatchString(r.Username) {
		return "", badRequest("bad_username", "username must be 3-32 letters, digits, '_', '.' or '-'")
	}
	if email, err = normalizeEmail(r.Email); err != nil {
		return "", err
	}
	if err := checkPassword(r.Password); err != nil {
		return "", err
	}
	if r.Role == "" {
		r.Role = "candidate"
	}
	if r.Role != "candidate" && r.Role != "recruiter" {
		return "", badRequest("bad_role", "role must be candidate or recruiter")
	}
	if len(r.FullName) > 128 {
		return "", badRequest("bad_full_name", "full_name is longer than 128 characters")
	}
	return email, nil
}

func (s *Server) handleRegister(c *fiber.Ctx) error {
	var req registerReq
	if err := bind(c, &req); err != nil {
		return err
	}
	email, err := req.validate()
	if err != nil {
		return err
	}
	if done, err := s.idempotent(c, "register", 0, func(op string) error { return s.replayRegister(c, op) }); done || err != nil {
		return err
	}
	if len(req.Images) > 0 {
		// Face images are checked before anything is written (face.go).
		if err := s.precheckEnroll(req.Images); err != nil {
			return err
		}
	}
	ctx := c.UserContext()
	// bcrypt is the expensive step: only someone holding a verified code
	// for the address gets that far.
	if err := s.hasVerifiedOTP(ctx, email, otp.PurposeRegister); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(req.Password), s.cfg.PasswordCost)
	if err != nil {
		return fmt.Errorf("edge: hash password: %w", err)
	}
	if len(req.Images) > 0 {
		return s.registerWithFace(c, req, email, hash)
	}
	var (
		u       User
		token   string
		welcome string
	)
	err = s.deps.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		if err := consumeVerifiedOTP(ctx, tx, email, otp.PurposeRegister); err != nil {
			return err
		}
		id, err := users.Create(ctx, tx, users.New{Username: req.Username, Email: email, PasswordHash: hash, Role: req.Role, FullName: req.FullName})
		if err != nil {
			if errors.Is(err, store.ErrDuplicate) {
				return Errorf(409, "already_registered", "username or email is already registered")
			}
			return fmt.Errorf("edge: insert user: %w", err)
		}
		if u, err = users.Get(ctx, tx, id); err != nil {
			return fmt.Errorf("edge: read user: %w", err)
		}
		sid, exp, err := s.createSession(ctx, tx, u.ID, "register", c.Get(fiber.HeaderUserAgent), c.IP())
		if err != nil {
			return err
		}
		if token, err = s.issueToken(u.ID, u.Role, sid, exp); err != nil {
			return err
		}
		if len(req.Images) > 0 && req.FaceConsentVersion != "" {
			if _, err := consent.Record(ctx, tx, u.ID, consent.NoticeFace, req.FaceConsentVersion, ipHash(c.IP())); err != nil {
				return err
			}
		}
		welcome = events.NewID()
		if err := createOpTx(ctx, tx, out, welcome, events.OpWelcome, events.CmdMailWelcome, u.ID, events.Welcome{UserID: u.ID, Email: u.Email, Username: u.Username}); err != nil {
			return err
		}
		return audit(ctx, tx, u.ID, "register", c.IP(), nil)
	})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"user": u, "token": token, "op_id": welcome})
}

func audit(ctx context.Context, tx *sqlx.Tx, userID uint64, action, ip string, detail any) error {
	if err := auditlog.RecordAuth(ctx, tx, userID, action, ipHash(ip), detail); err != nil {
		return fmt.Errorf("edge: audit: %w", err)
	}
	return nil
}

type loginReq struct {
	Username string `json:"username"`
	Email    string `json:"email"`
	Password string `json:"password"`
}

var errBadCredentials = Errorf(401, "invalid_credentials", "wrong username or password")

// dummyHash is compared against for unknown users so that they take as long
// as real ones (same cost) and login timing does not reveal who exists.
func (s *Server) dummyHash() []byte {
	s.dummyOnce.Do(func() {
		s.dummy, _ = bcrypt.GenerateFromPassword([]byte("not-a-real-password-1"), s.cfg.PasswordCost)
	})
	return s.dummy
}

func (s *Server) handleLogin(c *fiber.Ctx) error {
	var req loginReq
	if err := bind(c, &req); err != nil {
		return err
	}
	name := strings.TrimSpace(req.Username)
	if name == "" {
		name = strings.TrimSpace(req.Email)
	}
	if name == "" {
		return badRequest("missing_username", "username or email is required")
	}
	if len(name) > 254 {
		return badRequest("bad_username", "username is too long")
	}
	if req.Password == "" {
		return badRequest("missing_password", "password is required")
	}
	if len(req.Password) > 72 {
		return errBadCredentials
	}
	ctx := c.UserContext()
	where, arg := loginLookup(name)
	row, err := s.loadLoginUser(ctx, where, arg)
	if errors.Is(err, sql.ErrNoRows) {
		// Unknown accounts cost the same as known ones: a bcrypt compare
		// and the same backoff bookkeeping.
		if err := s.loginBackoff(c, "login-name:"+strings.ToLower(name), func() bool {
			_ = bcrypt.CompareHashAndPassword(s.dummyHash(), []byte(req.Password))
			return false
		}); err != nil {
			return err
		}
		return errBadCredentials
	}
	if err != nil {
		return err
	}
	if err := s.loginBackoff(c, accountKey(row.ID), func() bool {
		return bcrypt.CompareHashAndPassword(row.PasswordHash, []byte(req.Password)) == nil
	}); err != nil {
		return err
	}
	needsFace, err := s.faceLoginNeedsPassword(ctx, row)
	if err != nil {
		return err
	}
	if needsFace {
		return Errorf(403, "face_required", "this account requires password and face: use /api/auth/face-login with username and password")
	}
	token, err := s.startSession(c, row.User, "password")
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"user": row.User, "token": token})
}

// loginLookup is the WHERE clause finding the account a sign-in names: an
// address (compared in its canonical form) or a username.
func loginLookup(name string) (key users.Key, arg string) {
	if strings.Contains(name, "@") {
		email, ok := canonicalEmail(name)
		if !ok {
			email = "\x00invalid" // matches nothing, costs the same
		}
		return users.ByEmail, email
	}
	return users.ByUsername, name
}

func accountKey(id uint64) string { return fmt.Sprintf("login-account:%d", id) }

// loginBackoff runs check (the password or face comparison) under the
// account's backoff: while a delay from earlier failures runs, the attempt
// is refused with 429 and Retry-After and check does not run; a failed check
// grows the delay, a passed one clears it. The delay is bounded
// (LoginBackoffMax), so an attacker cannot lock the owner out.
func (s *Server) loginBackoff(c *fiber.Ctx, key string, check func() bool) error {
	ctx := c.UserContext()
	if s.cfg.LoginBackoffFree < 0 {
		if !check() {
			return errBadCredentials
		}
		return nil
	}
	wait, err := s.backoff.Delay(ctx, key)
	if err != nil {
		return err
	}
	if wait > 0 {
		return tooMany(c, "failed sign-in", wait)
	}
	if check() {
		return s.backoff.Reset(ctx, key)
	}
	if _, err := s.backoff.Fail(ctx, key); err != nil {
		return err
	}
	return errBadCredentials
}

// startSession creates a session and its token for u.
func (s *Server) startSession(c *fiber.Ctx, u User, method string) (string, error) {
	ctx := c.UserContext()
	var token string
	err := store.InTx(ctx, s.deps.DB, func(tx *sqlx.Tx) error {
		sid, exp, err := s.createSession(ctx, tx, u.ID, method, c.Get(fiber.HeaderUserAgent), c.IP())
		if err != nil {
			return err
		}
		if token, err = s.issueToken(u.ID, u.Role, sid, exp); err != nil {
			return err
		}
		return audit(ctx, tx, u.ID, "login."+method, c.IP(), nil)
	})
	return token, err
}

func (s *Server) handleLogout(c *fiber.Ctx) error {
	p, _ := principal(c)
	if err := s.revokeSessions(c.UserContext(), p.UserID, p.SessionID); err != nil {
		return err
	}
	s.sessions.revoke(p.SessionID)
	return c.JSON(fiber.Map{"logged_out": true})
}

// --- password reset --------------------------------------------------------

type forgotReq struct {
	Email string `json:"email"`
}

func (s *Server) handleForgotPassword(c *fiber.Ctx) error {
	var req forgotReq
	if err := bind(c, &req); err != nil {
		return err
	}
	email, err := normalizeEmail(req.Email)
	if err != nil {
		return err
	}
	ctx := c.UserContext()
	exists, err := users.EmailExists(ctx, s.deps.DB, email)
	if err != nil {
		return fmt.Errorf("edge: forgot lookup: %w", err)
	}
	const msg = "if the address is registered, a code is on its way"
	if !exists {
		// Same answer, same quota and no readable operation, as for a
		// real account: do not reveal who is registered.
		err := store.InTx(ctx, s.deps.DB, func(tx *sqlx.Tx) error { return s.otpQuota(ctx, tx, email, ipHash(c.IP())) })
		if err != nil {
			return err
		}
		return accepted(c, events.NewID(), fiber.Map{"message": msg})
	}
	opID, err := s.requestOTP(c, events.OpForgotPassword, email, otp.PurposeReset)
	if err != nil {
		return err
	}
	return accepted(c, opID, fiber.Map{"message": msg})
}

type resetReq struct {
	Email       string `json:"email"`
	OTP         string `json:"otp"`
	NewPassword string `json:"new_password"`
}

func (s *Server) handleResetPassword(c *fiber.Ctx) error {
	var req resetReq
	if err := bind(c, &req); err != nil {
		return err
	}
	email, err := normalizeEmail(req.Email)
	if err != nil {
		return err
	}
	if err := checkOTPFormat(req.OTP); err != nil {
		return err
	}
	if err := checkPassword(req.NewPassword); err != nil {
		return err
	}
	ctx := c.UserContext()
	if err := s.checkOTP(ctx, email, otp.PurposeReset, req.OTP); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(req.NewPassword), s.cfg.PasswordCost)
	if err != nil {
		return fmt.Errorf("edge: hash password: %w", err)
	}
	var uid uint64
	err = s.deps.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		if err := consumeVerifiedOTP(ctx, tx, email, otp.PurposeReset); err != nil {
			return err
		}
		// The code was sent to exactly this address (byte-equal, see
		// email.go), and the account is the one with exactly this address.
		var face bool
		var err error
		uid, face, err = users.LockByEmail(ctx, tx, email)
		if errors.Is(err, users.ErrNotFound) {
			return errOTPInvalid
		}
		if err != nil {
			return fmt.Errorf("edge: reset lookup: %w", err)
		}
		// A password reset also revokes the face: whoever replaced the face
		// with a stolen session must not keep face sign-in. The owner enrols
		// again (reset-face) after signing in with the new password.
		if err := users.ResetPassword(ctx, tx, uid, hash); err != nil {
			return fmt.Errorf("edge: reset password: %w", err)
		}
		if err := createOpTx(ctx, tx, out, events.NewID(), events.OpFaceDelete, events.CmdFaceDeleteUser, uid, events.FaceDeleteUser{UserID: uid}); err != nil {
			return err
		}
		// The owner hears of the change, in case it was not them (privacy.go).
		u, err := users.Get(ctx, tx, uid)
		if err != nil {
			return fmt.Errorf("edge: reset notice: %w", err)
		}
		if err := addAccountMail(out, u, events.MailTemplatePasswordChanged); err != nil {
			return err
		}
		return audit(ctx, tx, uid, "password.reset", c.IP(), map[string]any{"face_revoked": face})
	})
	if err != nil {
		return err
	}
	// Every old session ends with the old password.
	if err := s.revokeSessions(ctx, uid, ""); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"reset": true})
}

// --- tokens and me ---------------------------------------------------------

type verifyTokenReq struct {
	Token string `json:"token"`
}

func (s *Server) handleVerifyToken(c *fiber.Ctx) error {
	var req verifyTokenReq
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.Token == "" {
		return badRequest("missing_token", "token is required")
	}
	p, err := s.authenticate(c.UserContext(), req.Token)
	if err != nil {
		if errors.Is(err, errUnauthorized) {
			return c.JSON(fiber.Map{"valid": false})
		}
		return err
	}
	return c.JSON(fiber.Map{"valid": true, "userId": p.UserID, "role": p.Role})
}

func (s *Server) handleMe(c *fiber.Ctx) error {
	p, _ := principal(c)
	u, err := users.Get(c.UserContext(), s.deps.DB, p.UserID)
	if err != nil {
		if errors.Is(err, users.ErrNotFound) {
			return errUnauthorized
		}
		return fmt.Errorf("edge: me: %w", err)
	}
	return c.JSON(u)
}
