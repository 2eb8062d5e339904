package edge

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/cors"
)

// corsMiddleware lets the listed origins (e.g. a frontend served from
// http://localhost:5173) call the API from a browser. With no origins the
// edge sends no CORS headers: only same-origin pages can use it.
func corsMiddleware(origins []string) fiber.Handler {
	if len(origins) == 0 {
		return nil
	}
	return cors.New(cors.Config{
		AllowOrigins:  strings.Join(origins, ","),
		AllowMethods:  "GET,POST,PUT,DELETE,OPTIONS",
		AllowHeaders:  "Authorization,Content-Type,If-Match,Idempotency-Key,X-Request-Id",
		ExposeHeaders: "ETag,Location,Retry-After",
		MaxAge:        600,
	})
}
