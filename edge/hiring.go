package edge

// The hiring routes: companies and members, jobs, applications,
// notifications and the audit log. Handlers here are thin: they bind and
// check the request's shape, call domain/company, domain/jobs or
// domain/notify and return their errors as they are: each is a typed
// events code, turned into HTTP once (classify in errors.go). The domain
// packages own the SQL and the access decisions.

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
	api.Get("/companies/:id", auth, byID(s.hire.companies.Get))
	api.Post("/companies/:id/invitations", auth, s.handleInvite)
	api.Get("/companies/:id/members", auth, listByID(s.hire.companies.Members))
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
	api.Get("/applications/:id/history", auth, listByID(s.hire.jobs.History))
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
