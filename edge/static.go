package edge

import (
	"io/fs"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/docs"
	"github.com/hirebus/hirebus/edge/web"
)

// staticRoutes serves the embedded web pages. Only GET of known files is
// answered; unknown paths fall through to the JSON 404.
func (s *Server) staticRoutes() {
	s.app.Get("/", func(c *fiber.Ctx) error { return s.serveWebFile(c, "index.html") })
	s.app.Get("/:file", func(c *fiber.Ctx) error {
		name := c.Params("file")
		if strings.Contains(name, "/") || !strings.Contains(name, ".") {
			return c.Next()
		}
		return s.serveWebFile(c, name)
	})
	// The vendored libraries (edge/web/vendor, see docs/web.md).
	s.app.Get("/vendor/:file", func(c *fiber.Ctx) error {
		name := c.Params("file")
		if strings.Contains(name, "/") || !strings.HasSuffix(name, ".js") {
			return c.Next()
		}
		return s.serveWebFile(c, "vendor/"+name)
	})
}

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
}

func (s *Server) serveWebFile(c *fiber.Ctx, name string) error {
	data, err := fs.ReadFile(web.FS, name)
	if err != nil {
		return Errorf(404, "not_found", "no such page")
	}
	ct, ok := contentTypes[path.Ext(name)]
	if !ok {
		return Errorf(404, "not_found", "no such page")
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self' ws: wss:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	c.Set("X-Frame-Options", "DENY") // for browsers without frame-ancestors
	c.Set("Referrer-Policy", "no-referrer")
	return c.Send(data)
}

func (s *Server) handleDocs(c *fiber.Ctx) error { return s.serveWebFile(c, "docs.html") }

func (s *Server) handleOpenAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "application/yaml; charset=utf-8")
	return c.Send(docs.OpenAPI)
}
