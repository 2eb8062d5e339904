package edge

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/domain/notify"
)

func (s *Server) handleListNotifications(c *fiber.Ctx) error {
	offset := 0
	if v := c.Query("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			return badRequest("bad_offset", "offset must be a non-negative integer")
		}
		offset = n
	}
	limit, err := queryLimit(c, 100)
	if err != nil {
		return err
	}
	p, err := notify.List(c.UserContext(), s.deps.DB, actor(c).UserID, offset, limit)
	if err != nil {
		return err
	}
	return c.JSON(p)
}

func (s *Server) handleReadNotification(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := notify.MarkRead(c.UserContext(), s.deps.DB, actor(c).UserID, id); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"id": id, "read": true})
}

func (s *Server) handleReadAllNotifications(c *fiber.Ctx) error {
	n, err := notify.MarkAllRead(c.UserContext(), s.deps.DB, actor(c).UserID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"updated": n})
}
