package edge

// The assessment routes: building and inviting (recruiters), taking
// (the invited candidate: start, autosave, submit), results (members; the
// candidate once released). Thin handlers: bind and shape checks here, the
// rules and the SQL in domain/assess, its errors mapped once (assessErr).
// Candidates get domain/assess's candidate view types, which have no field
// for answer keys, rubrics or hidden tests.

import (
	"errors"

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
	api.Get("/assessments/:id/attempts", auth, s.handleListAttempts)
	api.Post("/assessments/:id/start", auth, s.handleStartAssessment)
	api.Post("/assessments/:id/submit", auth, s.handleSubmitAssessment)
	api.Get("/attempts/:id", auth, s.handleGetAttempt)
	api.Put("/attempts/:id/answers/:question_id", auth, s.handleSaveAnswer)
	api.Put("/attempts/:id/answers/:question_id/score", auth, s.handleScoreAnswer)
	api.Post("/attempts/:id/release", auth, s.handleReleaseResults)
	api.Post("/problems", auth, s.handleCreateProblem)
	api.Get("/companies/:id/problems", auth, s.handleCompanyProblems)
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
		return assessErr(c, err)
	}
	return accepted(c, out.OpID, fiber.Map{"problem": out.Problem})
}

func (s *Server) handleCompanyProblems(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	list, err := s.assess.Problems(c.UserContext(), actor(c), id)
	if err != nil {
		return assessErr(c, err)
	}
	return c.JSON(fiber.Map{"items": list})
}

func (s *Server) handleCreateAssessment(c *fiber.Ctx) error {
	var in assess.Input
	if err := bindStrict(c, &in); err != nil {
		return err
	}
	out, err := s.assess.Create(c.UserContext(), actor(c), in)
	if err != nil {
		return assessErr(c, err)
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
			return assessErr(c, err)
		}
		return c.JSON(fiber.Map{"items": mine})
	}
	list, err := s.assess.List(c.UserContext(), a, cid)
	if err != nil {
		return assessErr(c, err)
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
		return assessErr(c, err)
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
		return assessErr(c, err)
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
		return assessErr(c, err)
	}
	return c.Status(201).JSON(inv)
}

func (s *Server) handleListAttempts(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	list, err := s.assess.Attempts(c.UserContext(), actor(c), id)
	if err != nil {
		return assessErr(c, err)
	}
	return c.JSON(fiber.Map{"items": list})
}

// handleStartAssessment takes {consent, consent_version}; the body has no
// time field (unknown fields are refused): start and deadline are the
// server's.
func (s *Server) handleStartAssessment(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in assess.StartInput
	if err := bindStrict(c, &in); err != nil {
		return err
	}
	att, err := s.assess.Start(c.UserContext(), actor(c), id, in)
	if err != nil {
		return assessErr(c, err)
	}
	return c.Status(201).JSON(att)
}

func (s *Server) handleSaveAnswer(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	qid, err := pathID(c, "question_id")
	if err != nil {
		return err
	}
	var in assess.AnswerInput
	if err := bindStrict(c, &in); err != nil {
		return err
	}
	saved, err := s.assess.SaveAnswer(c.UserContext(), actor(c), id, qid, in)
	if err != nil {
		return assessErr(c, err)
	}
	return c.JSON(saved)
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
		return assessErr(c, err)
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
		return assessErr(c, err)
	}
	if m != nil {
		return c.JSON(m)
	}
	return c.JSON(cv)
}

func (s *Server) handleScoreAnswer(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	qid, err := pathID(c, "question_id")
	if err != nil {
		return err
	}
	var in assess.ScoreInput
	if err := bindStrict(c, &in); err != nil {
		return err
	}
	out, err := s.assess.Score(c.UserContext(), actor(c), id, qid, in)
	if err != nil {
		return assessErr(c, err)
	}
	return c.JSON(out)
}

func (s *Server) handleReleaseResults(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := s.assess.Release(c.UserContext(), actor(c), id)
	if err != nil {
		return assessErr(c, err)
	}
	return c.JSON(out)
}

// assessErr maps domain/assess's errors to public ones.
func assessErr(c *fiber.Ctx, err error) error {
	var fe *assess.FieldError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe):
		return badRequest("invalid_"+fe.Field, fe.Message)
	case errors.Is(err, assess.ErrNotFound):
		return Errorf(404, "not_found", "not found")
	case errors.Is(err, assess.ErrForbidden):
		return Errorf(403, "forbidden", "your role does not allow this")
	case errors.Is(err, assess.ErrConsent):
		return badRequest("consent_required", "send consent: true with the current consent_version (GET the assessment)")
	case errors.Is(err, assess.ErrLivenessRequired):
		return errAssessLiveness
	case errors.Is(err, assess.ErrStarted):
		return Errorf(409, "assessment_started", "an attempt has started; the assessment can no longer change")
	case errors.Is(err, assess.ErrAlreadyStarted):
		return Errorf(409, "already_started", "you already started this assessment")
	case errors.Is(err, assess.ErrWindow):
		return Errorf(409, "outside_window", "the assessment is not open now")
	case errors.Is(err, assess.ErrClosed):
		return Errorf(409, "attempt_closed", "the attempt is submitted or its time is over")
	case errors.Is(err, assess.ErrNotStarted):
		return Errorf(409, "not_started", "start the assessment first")
	case errors.Is(err, assess.ErrStale):
		return Errorf(412, "version_mismatch", "the answer changed since this version; reload it")
	case errors.Is(err, assess.ErrInvited):
		return Errorf(409, "already_invited", "the candidate is already invited")
	case errors.Is(err, assess.ErrNotSubmitted):
		return Errorf(409, "not_submitted", "the attempt is not submitted yet")
	case errors.Is(err, assess.ErrNotGraded):
		return Errorf(409, "not_graded", "the attempt is not graded yet")
	case errors.Is(err, assess.ErrApplicationClosed):
		return Errorf(409, "application_closed", "the application was closed; the assessment can no longer be started")
	case errors.Is(err, assess.ErrProblemExists):
		return Errorf(409, "problem_exists", "the company already has a problem with this slug")
	case errors.Is(err, assess.ErrNotManual):
		return Errorf(409, "not_manual", "only text answers are scored by hand")
	}
	return hiringErr(c, err)
}
