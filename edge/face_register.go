package edge

// Registration with face images is all or nothing: the account exists
// afterwards only if its face was enrolled. The edge writes the account as
// a placeholder (no usable password, no session, no welcome mail), waits a
// bounded time for the face worker's enrolment, then either completes the
// account in one transaction or deletes the placeholder — whose face rows
// and sessions go with it (ON DELETE CASCADE) — and answers with the
// refusal's reason. reset-face stays asynchronous.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/domain/users"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/otp"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// pendingHash is the password hash of an account whose face is still being
// checked: no password matches it, so the account cannot be used before it
// is complete.
const pendingHash = "!face-pending"

var errRegisterTimeout = Errorf(503, "face_check_timeout", "the face check took too long; no account was created, try again")

func (s *Server) registerWithFace(c *fiber.Ctx, req registerReq, email string, hash []byte) error {
	if err := s.checkCommandSize(req.Images...); err != nil {
		return err
	}
	ctx := c.UserContext()
	opID := events.NewID()
	ch := s.waiters.register(opID)
	defer s.waiters.cancel(opID)
	var uid uint64
	err := s.deps.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		if err := consumeVerifiedOTP(ctx, tx, email, otp.PurposeRegister); err != nil {
			return err
		}
		var err error
		uid, err = users.Create(ctx, tx, users.New{Username: req.Username, Email: email, PasswordHash: []byte(pendingHash), Role: req.Role, FullName: req.FullName})
		if err != nil {
			if errors.Is(err, store.ErrDuplicate) {
				return Errorf(409, "already_registered", "username or email is already registered")
			}
			return fmt.Errorf("edge: insert user: %w", err)
		}
		return createOpTx(ctx, tx, out, opID, events.OpFaceEnroll, events.CmdFaceEnroll, uid,
			events.FaceEnroll{UserID: uid, Images: req.Images, Source: "register"})
	})
	if err != nil {
		return err
	}
	var oc events.OpCompleted
	t := time.NewTimer(s.cfg.FaceRegisterWait)
	defer t.Stop()
	select {
	case oc = <-ch:
	case <-t.C:
	case <-ctx.Done():
	}
	// Whatever the wait saw, the database decides: an enrolment that
	// committed (face_enrolled) completes the account, anything else
	// removes it. The row lock orders this against the worker's commit.
	bg := context.WithoutCancel(ctx)
	var (
		u        User
		token    string
		welcome  string
		enrolled bool
	)
	err = retryDeadlock(func() error {
		return s.deps.Relay.Tx(bg, func(tx *sqlx.Tx, out *outbox.Batch) error {
			var err error
			if enrolled, err = users.LockFace(bg, tx, uid); err != nil {
				return fmt.Errorf("edge: register: %w", err)
			}
			if !enrolled {
				if err := users.Delete(bg, tx, uid); err != nil {
					return fmt.Errorf("edge: register: remove account: %w", err)
				}
				// The verified e-mail stays good for another try.
				if err := otp.Unconsume(bg, tx, email, otp.PurposeRegister); err != nil {
					return fmt.Errorf("edge: register: keep otp: %w", err)
				}
				return nil
			}
			if err := users.SetPassword(bg, tx, uid, hash); err != nil {
				return fmt.Errorf("edge: register: %w", err)
			}
			if u, err = users.Get(bg, tx, uid); err != nil {
				return fmt.Errorf("edge: read user: %w", err)
			}
			sid, exp, err := s.createSession(bg, tx, u.ID, "register", c.Get(fiber.HeaderUserAgent), c.IP())
			if err != nil {
				return err
			}
			if token, err = s.issueToken(u.ID, u.Role, sid, exp); err != nil {
				return err
			}
			welcome = events.NewID()
			if err := createOpTx(bg, tx, out, welcome, events.OpWelcome, events.CmdMailWelcome, u.ID, events.Welcome{UserID: u.ID, Email: u.Email, Username: u.Username}); err != nil {
				return err
			}
			return audit(bg, tx, u.ID, "register", c.IP(), map[string]any{"face": true})
		})
	})
	if err != nil {
		return err
	}
	if !enrolled {
		switch {
		case oc.OpID == "":
			return errRegisterTimeout
		case oc.Status == ops.StatusDone:
			// Done but not enrolled: the account was changed under us.
			return Errorf(409, "register_conflict", "the registration could not be completed; try again")
		}
		return opFailed(oc, events.CodeFaceFailed, "the face check failed")
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"user": u, "token": token, "op_id": welcome, "enroll_op_id": opID})
}

// retryDeadlock runs fn again when MySQL chose it as a deadlock victim
// (the worker's enrolment and this check lock the same user row).
func retryDeadlock(fn func() error) error {
	var err error
	for range 3 {
		if err = fn(); !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
	return err
}
