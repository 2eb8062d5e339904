package edge

// Privacy and account notices (issue 9): the face consent notice shown before
// any camera capture and the record of who accepted which version
// (domain/consent), deleting one's face data, and the sign-up check that an
// e-mail address already has an account.

import (
	"errors"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/domain/consent"
	"github.com/hirebus/hirebus/domain/users"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/ratelimit"
	"github.com/jmoiron/sqlx"
)

// Limits of the privacy routes. The e-mail check tells whether an address
// has an account, which the registration already reveals after the mailed
// code; the check only saves the person the round trip, so it gets a tight
// per-address budget (docs/security.md, "Account enumeration").
var (
	emailStatusPerMinute = ratelimit.Rate{N: 10, Per: time.Minute}
	emailStatusPerHour   = ratelimit.Rate{N: 40, Per: time.Hour}
	faceDeletePerHour    = ratelimit.Rate{N: 10, Per: time.Hour}
)

// privacyRoutes are the routes of this file (wired by routes in server.go).
func (s *Server) privacyRoutes(api fiber.Router) {
	api.Post("/auth/email-status",
		s.limitIP("email-status-ip", "e-mail check", emailStatusPerMinute),
		s.limitIP("email-status-ip-hour", "e-mail check", emailStatusPerHour),
		s.handleEmailStatus)
	api.Get("/privacy/notices/:notice", s.handleNotice)
	api.Get("/privacy/consents/:notice", s.requireAuth, s.handleGetConsent)
	api.Post("/privacy/consents", s.requireAuth, s.handleRecordConsent)
	api.Delete("/user/face", s.requireAuth, s.limitUser("face-delete-user", "face data deletion", faceDeletePerHour), s.handleDeleteFace)
}

type emailStatusReq struct {
	Email string `json:"email"`
}

// handleEmailStatus answers whether an address already has an account, so
// the sign-up page can offer sign-in or a password reset at once instead of
// mailing a code that leads nowhere.
func (s *Server) handleEmailStatus(c *fiber.Ctx) error {
	var req emailStatusReq
	if err := bind(c, &req); err != nil {
		return err
	}
	email, err := normalizeEmail(req.Email)
	if err != nil {
		return err
	}
	exists, err := users.EmailExists(c.UserContext(), s.deps.DB, email)
	if err != nil {
		return fmt.Errorf("edge: email status: %w", err)
	}
	return c.JSON(fiber.Map{"email": email, "registered": exists})
}

func (s *Server) handleNotice(c *fiber.Ctx) error {
	n, err := consent.Current(c.Params("notice"))
	if err != nil {
		return err
	}
	return c.JSON(n)
}

func (s *Server) handleGetConsent(c *fiber.Ctx) error {
	name := c.Params("notice")
	n, err := consent.Current(name)
	if err != nil {
		return err
	}
	p, _ := principal(c)
	rec, err := consent.Latest(c.UserContext(), s.deps.DB, p.UserID, name)
	if errors.Is(err, consent.ErrNotFound) {
		return c.JSON(fiber.Map{"notice": n, "consent": nil})
	}
	if err != nil {
		return fmt.Errorf("edge: read consent: %w", err)
	}
	return c.JSON(fiber.Map{"notice": n, "consent": rec})
}

type consentReq struct {
	Notice  string `json:"notice"`
	Version string `json:"version"`
}

func (s *Server) handleRecordConsent(c *fiber.Ctx) error {
	var req consentReq
	if err := bind(c, &req); err != nil {
		return err
	}
	if req.Notice == "" || req.Version == "" {
		return badRequest("missing_field", "notice and version are required")
	}
	p, _ := principal(c)
	ctx := c.UserContext()
	var rec consent.Consent
	err := s.deps.Relay.Tx(ctx, func(tx *sqlx.Tx, _ *outbox.Batch) error {
		if _, err := consent.Record(ctx, tx, p.UserID, req.Notice, req.Version, ipHash(c.IP())); err != nil {
			return err
		}
		var err error
		if rec, err = consent.Latest(ctx, tx, p.UserID, req.Notice); err != nil {
			return err
		}
		return audit(ctx, tx, p.UserID, "consent."+req.Notice, c.IP(), map[string]any{"version": req.Version})
	})
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(rec)
}

// handleDeleteFace removes the caller's face data: the face worker deletes
// the descriptors from every replica's index (the same command a password
// reset sends), the face consent is withdrawn and a notice mail goes out, all
// committed together. 202 with the operation id; deleting data that is not
// there is accepted too (the operation just finds nothing).
func (s *Server) handleDeleteFace(c *fiber.Ctx) error {
	p, _ := principal(c)
	ctx := c.UserContext()
	opID := events.NewID()
	err := s.deps.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		u, err := users.Get(ctx, tx, p.UserID)
		if errors.Is(err, users.ErrNotFound) {
			return errUnauthorized
		}
		if err != nil {
			return fmt.Errorf("edge: delete face: %w", err)
		}
		if err := createOpTx(ctx, tx, out, opID, events.OpFaceDelete, events.CmdFaceDeleteUser, u.ID, events.FaceDeleteUser{UserID: u.ID}); err != nil {
			return err
		}
		if _, err := consent.Withdraw(ctx, tx, u.ID, consent.NoticeFace); err != nil {
			return err
		}
		if err := addAccountMail(out, u, events.MailTemplateFaceDeleted); err != nil {
			return err
		}
		return audit(ctx, tx, u.ID, "face.delete", c.IP(), map[string]any{"was_enrolled": u.FaceEnrolled})
	})
	if err != nil {
		return err
	}
	return accepted(c, opID, fiber.Map{"message": "your face data is being deleted"})
}

// addAccountMail queues one account notice mail (events/account.go) in the
// caller's transaction.
func addAccountMail(out *outbox.Batch, u users.User, template string) error {
	name := u.FullName
	if name == "" {
		name = u.Username
	}
	env, err := events.NewEnvelope(events.CmdMailNotify, "", u.ID, events.MailNotify{To: u.Email, Template: template, Data: map[string]string{"name": name}})
	if err != nil {
		return err
	}
	return out.Add(events.CmdMailNotify, env)
}
