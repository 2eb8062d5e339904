package edge

import (
	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/domain/score"
	"github.com/hirebus/hirebus/events"
)

// scoreRoutes registers the score worker's command route; the server's
// route setup calls it explicitly.
func (s *Server) scoreRoutes(api fiber.Router) {
	api.Post("/assessments/attempts/:id/rescore", s.requireAuth, s.handleRescore)
	api.Get("/assessments/attempts/:id/review", s.requireAuth, s.handleGetReview)
}

// handleGetReview returns an attempt's latest review and its AI-written /
// copied code signals to the members of its company (any role); 404 for
// anyone else and before the first review.
func (s *Server) handleGetReview(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	out, err := score.ReadReview(c.UserContext(), s.deps.DB, actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(out)
}

// handleRescore asks the score worker to review a graded attempt again
// (recruiters and owners of its company): 202 with the operation; its
// op.completed carries the new version (events.ScoreReviewed). With an
// Idempotency-Key a retried request gets the first operation.
func (s *Server) handleRescore(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a := actor(c)
	ctx := c.UserContext()
	if _, err := score.AuthorizeRescore(ctx, s.deps.DB, a, id); err != nil {
		return err // typed domain outcomes: 404, 403, 409 attempt_not_graded
	}
	if done, err := s.idempotent(c, "rescore", a.UserID, replayAccepted(c)); done || err != nil {
		return err
	}
	opID, err := s.accept(c.UserContext(), events.OpScoreRescore, events.CmdScoreRescore, a.UserID, events.ScoreRescore{AttemptID: id}, nil)
	if err != nil {
		return err
	}
	return accepted(c, opID, fiber.Map{"attempt_id": id})
}
