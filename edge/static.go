package edge

import (
	"github.com/gofiber/fiber/v2"
)

// staticRoutes serves the embedded web pages and the API docs.
func (s *Server) staticRoutes() {}

func (s *Server) handleDocs(c *fiber.Ctx) error {
	return Errorf(404, "not_found", "docs not built")
}

func (s *Server) handleOpenAPI(c *fiber.Ctx) error {
	return Errorf(404, "not_found", "docs not built")
}
