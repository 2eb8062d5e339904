package edge

// The hiring routes: companies and members, jobs, applications,
// notifications and the audit log. Handlers here are thin: they bind and
// check the request's shape, call domain/company, domain/jobs or
// domain/notify, and turn the domain's sentinel errors into HTTP once
// (hiringErr). The domain packages own the SQL and the access decisions.

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/jobs"
	"github.com/hirebus/hirebus/domain/notify"
	"github.com/hirebus/hirebus/events"
	"github.com/nats-io/nats.go/jetstream"
)

// hiringJSONLimit is the largest JSON body a hiring route accepts (a job
// description is at most 20 000 bytes).
const hiringJSONLimit = 64 << 10

type hiring struct {
	companies *company.Service
	jobs      *jobs.Service

	resumeMu sync.Mutex
	resumes  jetstream.ObjectStore
}

// hiringRoutes builds the hiring services and registers their routes; the
// server's route setup calls it explicitly.
func (s *Server) hiringRoutes(api fiber.Router) {
	s.hire = &hiring{
		companies: &company.Service{DB: s.deps.DB, Relay: s.deps.Relay},
		jobs:      &jobs.Service{DB: s.deps.DB, Relay: s.deps.Relay},
	}
	auth := s.requireAuth
	api.Post("/companies", auth, s.handleCreateCompany)
	api.Get("/companies", auth, s.handleMyCompanies)
	api.Post("/companies/join", auth, s.handleJoinCompany)
	api.Get("/companies/:id", auth, s.handleGetCompany)
	api.Post("/companies/:id/invitations", auth, s.handleInvite)
	api.Get("/companies/:id/members", auth, s.handleMembers)
	api.Put("/companies/:id/members/:uid", auth, s.handleSetMemberRole)
	api.Delete("/companies/:id/members/:uid", auth, s.handleRemoveMember)
	api.Get("/companies/:id/audit", auth, s.handleAudit)

	api.Post("/jobs", auth, s.handleCreateJob)
	api.Get("/jobs", s.optionalAuth, s.handleListJobs)
	api.Get("/jobs/:id", s.optionalAuth, s.handleGetJob)
	api.Put("/jobs/:id", auth, s.handleUpdateJob)
	api.Delete("/jobs/:id", auth, s.handleDeleteJob)

	api.Post("/applications", auth, s.handleApply)
	api.Get("/applications", auth, s.handleListApplications)
	api.Get("/applications/:id", auth, s.handleGetApplication)
	api.Get("/applications/:id/resume", auth, s.handleGetResume)
	api.Get("/applications/:id/history", auth, s.handleHistory)
	api.Put("/applications/:id/status", auth, s.handleSetStatus)

	api.Get("/notifications", auth, s.handleListNotifications)
	api.Post("/notifications/read-all", auth, s.handleReadAllNotifications)
	api.Post("/notifications/:id/read", auth, s.handleReadNotification)
}

// actor is the domain's view of the caller (zero when anonymous).
func actor(c *fiber.Ctx) company.Actor {
	p, ok := principal(c)
	if !ok {
		return company.Actor{IP: c.IP()}
	}
	rid := c.Get(fiber.HeaderXRequestID)
	if rid == "" {
		rid = events.NewID()
	}
	return company.Actor{UserID: p.UserID, Role: p.Role, RequestID: strings.Clone(rid), IP: strings.Clone(c.IP())}
}

// bindStrict decodes a JSON body: application/json (415), at most
// hiringJSONLimit bytes (413), one object without unknown fields or wrong
// types (400).
func bindStrict(c *fiber.Ctx, v any) error {
	ct := strings.ToLower(strings.TrimSpace(strings.Split(c.Get(fiber.HeaderContentType), ";")[0]))
	if ct != fiber.MIMEApplicationJSON {
		return Errorf(415, "unsupported_media_type", "send the body as application/json")
	}
	body := c.Body()
	if len(body) > hiringJSONLimit {
		return Errorf(413, "body_too_large", "request body is larger than %d bytes", hiringJSONLimit)
	}
	if len(body) == 0 {
		return badRequest("empty_body", "request body is empty")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &ute):
			return badRequest("bad_json", fmt.Sprintf("field %q has the wrong type", ute.Field))
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return badRequest("unknown_field", strings.TrimPrefix(err.Error(), "json: ")+" is not accepted")
		}
		return badRequest("bad_json", "body is not valid JSON")
	}
	if dec.More() {
		return badRequest("bad_json", "body has trailing data after the JSON object")
	}
	return nil
}

func pathID(c *fiber.Ctx, name string) (uint64, error) {
	id, err := strconv.ParseUint(c.Params(name), 10, 64)
	if err != nil || id == 0 {
		return 0, badRequest("bad_id", name+" must be a positive integer")
	}
	return id, nil
}

func queryID(c *fiber.Ctx, name string) (uint64, error) {
	v := c.Query(name)
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseUint(v, 10, 64)
	if err != nil || id == 0 {
		return 0, badRequest("bad_"+name, name+" must be a positive integer")
	}
	return id, nil
}

func queryLimit(c *fiber.Ctx, max int) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, badRequest("bad_limit", fmt.Sprintf("limit must be from 1 to %d", max))
	}
	return n, nil
}

// hiringErr maps the domain packages' errors to public ones.
func hiringErr(c *fiber.Ctx, err error) error {
	var fe *jobs.FieldError
	var te *jobs.TransitionError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		return c.Status(409).JSON(fiber.Map{"error": fiber.Map{"code": "transition_not_allowed", "message": te.Error(), "allowed": te.Allowed}})
	case errors.As(err, &fe):
		return badRequest("invalid_"+fe.Field, fe.Message)
	case errors.Is(err, company.ErrNotFound), errors.Is(err, jobs.ErrNotFound), errors.Is(err, notify.ErrNotFound):
		return Errorf(404, "not_found", "not found")
	case errors.Is(err, company.ErrForbidden), errors.Is(err, jobs.ErrForbidden):
		return Errorf(403, "forbidden", "your role does not allow this")
	case errors.Is(err, company.ErrInvalid):
		return badRequest("invalid", "invalid input")
	case errors.Is(err, company.ErrDuplicate):
		return Errorf(409, "company_exists", "a company with this name exists")
	case errors.Is(err, company.ErrLastOwner):
		return Errorf(409, "last_owner", "the last owner cannot leave or be demoted")
	case errors.Is(err, company.ErrAlreadyMember):
		return Errorf(409, "already_member", "you are already a member of this company")
	case errors.Is(err, company.ErrInviteInvalid):
		return Errorf(404, "invitation_invalid", "the invitation is unknown, used or expired")
	case errors.Is(err, company.ErrInviteEmail):
		return Errorf(403, "invitation_email_mismatch", "the invitation was sent to another address")
	case errors.Is(err, jobs.ErrStale):
		return Errorf(412, "version_mismatch", "the object changed since you read it; reload and retry")
	case errors.Is(err, jobs.ErrDuplicate):
		return Errorf(409, "already_applied", "you already applied to this job")
	case errors.Is(err, jobs.ErrJobClosed):
		return Errorf(409, "job_closed", "the job is not open for applications")
	}
	return err
}
