package edge

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

type createCompanyReq struct {
	Name    string `json:"name"`
	Website string `json:"website"`
}

func (s *Server) handleCreateCompany(c *fiber.Ctx) error {
	var req createCompanyReq
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	req.Name, req.Website = strings.TrimSpace(req.Name), strings.TrimSpace(req.Website)
	switch {
	case req.Name == "":
		return badRequest("invalid_name", "name is required")
	case len([]rune(req.Name)) > 128:
		return badRequest("invalid_name", "name is longer than 128 characters")
	case len(req.Website) > 255:
		return badRequest("invalid_website", "website is longer than 255 characters")
	case req.Website != "" && !strings.HasPrefix(req.Website, "https://") && !strings.HasPrefix(req.Website, "http://"):
		return badRequest("invalid_website", "website must be an http(s) URL")
	}
	co, err := s.hire.companies.Create(c.UserContext(), actor(c), req.Name, req.Website)
	if err != nil {
		return err
	}
	return c.Status(201).JSON(co)
}

func (s *Server) handleMyCompanies(c *fiber.Ctx) error {
	list, err := s.hire.companies.Mine(c.UserContext(), actor(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": list})
}

type inviteReq struct {
	Email string `json:"email"`
	Role  string `json:"role"`
}

func (s *Server) handleInvite(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req inviteReq
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	email, err := normalizeEmail(req.Email)
	if err != nil {
		return err
	}
	if req.Role != "owner" && req.Role != "recruiter" && req.Role != "viewer" {
		return badRequest("invalid_role", "role must be owner, recruiter or viewer")
	}
	inv, err := s.hire.companies.Invite(c.UserContext(), actor(c), id, email, req.Role)
	if err != nil {
		return err
	}
	return c.Status(201).JSON(inv)
}

type joinReq struct {
	Token string `json:"token"`
}

func (s *Server) handleJoinCompany(c *fiber.Ctx) error {
	var req joinReq
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	if req.Token == "" || len(req.Token) > 128 {
		return badRequest("invalid_token", "token is required (at most 128 characters)")
	}
	co, err := s.hire.companies.Join(c.UserContext(), actor(c), req.Token)
	if err != nil {
		return err
	}
	return c.JSON(co)
}

type roleReq struct {
	Role string `json:"role"`
}

func (s *Server) handleSetMemberRole(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	uid, err := pathID(c, "uid")
	if err != nil {
		return err
	}
	var req roleReq
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	if req.Role != "owner" && req.Role != "recruiter" && req.Role != "viewer" {
		return badRequest("invalid_role", "role must be owner, recruiter or viewer")
	}
	m, err := s.hire.companies.SetRole(c.UserContext(), actor(c), id, uid, req.Role)
	if err != nil {
		return err
	}
	return c.JSON(m)
}

func (s *Server) handleRemoveMember(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	uid, err := pathID(c, "uid")
	if err != nil {
		return err
	}
	if err := s.hire.companies.RemoveMember(c.UserContext(), actor(c), id, uid); err != nil {
		return err
	}
	return c.SendStatus(204)
}

func (s *Server) handleAudit(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	before, err := queryID(c, "cursor")
	if err != nil {
		return err
	}
	limit, err := queryLimit(c, 200)
	if err != nil {
		return err
	}
	if limit == 0 {
		limit = 50
	}
	rows, err := s.hire.companies.Audit(c.UserContext(), actor(c), id, before, limit)
	if err != nil {
		return err
	}
	body := fiber.Map{"items": rows}
	if len(rows) == limit {
		body["next_cursor"] = itoa(rows[len(rows)-1].ID)
	}
	return c.JSON(body)
}
