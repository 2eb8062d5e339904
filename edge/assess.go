package edge

// The assessment routes: building and inviting (recruiters), taking
// (the invited candidate: start, autosave, submit), results (members; the
// candidate once released). Thin handlers: bind and shape checks here, the
// rules and the SQL in domain/assess, its errors typed events codes mapped once (classify).
// Candidates get domain/assess's candidate view types, which have no field
// for answer keys, rubrics or hidden tests.

import (
	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/domain/assess"
)

// assessRoutes registers the assessment routes; the server's route setup
// calls it explicitly.
func (s *Server) assessRoutes(api fiber.Router) {
	s.assess = &assess.Service{DB: s.deps.DB, Relay: s.deps.Relay, Liveness: s.redeemLivenessToken}
	auth := s.requireAuth
	api.Post("/assessments", auth, s.handleCreateAssessment)
	api.Get("/assessments", auth, s.handleListAssessments)
	api.Get("/assessments/:id", auth, s.handleGetAssessment)
	api.Put("/assessments/:id", auth, s.handleUpdateAssessment)
	api.Post("/assessments/:id/invitations", auth, s.handleInviteToAssessment)
	api.Get("/assessments/:id/attempts", auth, listByID(s.assess.Attempts))
	// start takes {consent, consent_version, liveness_token}; the body has
	// no time field (unknown fields are refused): start and deadline are
	// the server's.
	api.Post("/assessments/:id/start", auth, bodyByID[assess.StartInput](201, s.assess.Start))
	api.Post("/assessments/:id/submit", auth, s.handleSubmitAssessment)
	api.Get("/attempts/:id", auth, s.handleGetAttempt)
	api.Put("/attempts/:id/answers/:question_id", auth, bodyByIDs[assess.AnswerInput](200, "question_id", s.assess.SaveAnswer))
	api.Put("/attempts/:id/answers/:question_id/score", auth, bodyByIDs[assess.ScoreInput](200, "question_id", s.assess.Score))
	api.Post("/attempts/:id/release", auth, byID(s.assess.Release))
	api.Post("/problems", auth, s.handleCreateProblem)
	api.Get("/companies/:id/problems", auth, listByID(s.assess.Problems))
}

// handleCreateProblem stores a company's own coding problem and submits its
// reference solution: 202 with the problem (status validating) and the
// grading operation's id; it is published when the solution passes every
// test.
func (s *Server) handleCreateProblem(c *fiber.Ctx) error {
	var in assess.ProblemInput
	if err := bindStrict(c, &in); err != nil {
		return err
	}
	out, err := s.assess.CreateProblem(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	return accepted(c, out.OpID, fiber.Map{"problem": out.Problem})
}

func (s *Server) handleCreateAssessment(c *fiber.Ctx) error {
	var in assess.Input
	if err := bindStrict(c, &in); err != nil {
		return err
	}
	out, err := s.assess.Create(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(out.Version))
	return c.Status(201).JSON(out)
}

// handleListAssessments: with company_id, the company's assessments
// (members); without, the caller's own invitations ("my assessments").
func (s *Server) handleListAssessments(c *fiber.Ctx) error {
	cid, err := queryID(c, "company_id")
	if err != nil {
		return err
	}
	a := actor(c)
	if cid == 0 {
		mine, err := s.assess.MyAssessments(c.UserContext(), a)
		if err != nil {
			return err
		}
		return c.JSON(fiber.Map{"items": mine})
	}
	list, err := s.assess.List(c.UserContext(), a, cid)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}

func (s *Server) handleGetAssessment(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, cv, err := s.assess.Get(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	if m != nil {
		c.Set(fiber.HeaderETag, etag(m.Version))
		return c.JSON(m)
	}
	return c.JSON(cv)
}

func (s *Server) handleUpdateAssessment(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in assess.Input
	if err := bindStrict(c, &in); err != nil {
		return err
	}
	ver, err := expectedVersion(c, nil)
	if err != nil {
		return err
	}
	out, err := s.assess.Update(c.UserContext(), actor(c), id, in, ver)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(out.Version))
	return c.JSON(out)
}

type inviteAssessmentReq struct {
	ApplicationID uint64 `json:"application_id"`
}

func (s *Server) handleInviteToAssessment(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req inviteAssessmentReq
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	if req.ApplicationID == 0 {
		return badRequest("invalid_application_id", "application_id is required")
	}
	inv, err := s.assess.Invite(c.UserContext(), actor(c), id, req.ApplicationID)
	if err != nil {
		return err
	}
	return c.Status(201).JSON(inv)
}

func (s *Server) handleSubmitAssessment(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if len(c.Body()) > 0 {
		var empty struct{}
		if err := bindStrict(c, &empty); err != nil {
			return err
		}
	}
	sub, err := s.assess.Submit(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return accepted(c, sub.OpID, fiber.Map{"attempt_id": sub.AttemptID})
}

func (s *Server) handleGetAttempt(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	m, cv, err := s.assess.GetAttempt(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	if m != nil {
		return c.JSON(m)
	}
	return c.JSON(cv)
}
