package edge

// The candidate report routes (issue 13, the original paths): generate a
// snapshot (a command for the score worker role: 202 + op, Idempotency-Key
// honoured), read a candidate's reports as JSON, as an HTML document with
// server-drawn SVG charts or as a PDF (go-pdf/fpdf), list an attempt's
// versions, and compare a job's candidates side by side. Thin handlers:
// the access decision, the SQL and the rendering are domain/reports', whose
// refusals are typed events codes answered by classify.
//
// GET of a report never builds one from live data: a report is what was
// generated (and versioned). No snapshot yet is 404 report_not_generated,
// which tells a member to POST /api/reports/generate.

import (
	"bytes"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/domain/reports"
	"github.com/hirebus/hirebus/events"
)

// reportRoutes registers the report routes; the server's route setup
// calls it explicitly.
func (s *Server) reportRoutes(api fiber.Router) {
	s.reports = &reports.Service{DB: s.deps.DB}
	auth := s.requireAuth
	api.Post("/reports/generate", auth, s.handleGenerateReport)
	api.Get("/reports/candidate/:id", auth, s.handleCandidateReport)
	api.Get("/reports/compare", auth, s.handleCompareReports)
	api.Get("/reports/attempts/:id/versions", auth, s.handleReportVersions)
}

type generateReportReq struct {
	AttemptID uint64 `json:"attempt_id"`
}

func (s *Server) handleGenerateReport(c *fiber.Ctx) error {
	var req generateReportReq
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	if req.AttemptID == 0 {
		return badRequest("invalid_attempt_id", "attempt_id must be a positive integer")
	}
	p, _ := principal(c)
	if done, err := s.idempotent(c, "reports-generate", p.UserID, replayAccepted(c)); done || err != nil {
		return err
	}
	ctx := c.UserContext()
	a := actor(c)
	candidateID, err := s.reports.CanGenerate(ctx, a, req.AttemptID)
	if err != nil {
		return err
	}
	opID, err := s.accept(ctx, events.OpReportGenerate, events.CmdReportGenerate, p.UserID,
		events.ReportGenerate{AttemptID: req.AttemptID, Role: p.Role, RequestID: a.RequestID}, nil)
	if err != nil {
		return err
	}
	return accepted(c, opID, fiber.Map{"attempt_id": req.AttemptID, "candidate_id": candidateID})
}

// reportFormat is ?format= (json by default).
func reportFormat(c *fiber.Ctx, allowed ...string) (string, error) {
	f := c.Query("format", "json")
	for _, a := range allowed {
		if f == a {
			return f, nil
		}
	}
	return "", badRequest("bad_format", "format must be one of json, html, pdf")
}

func (s *Server) handleCandidateReport(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	attemptID, err := queryID(c, "attempt_id")
	if err != nil {
		return err
	}
	version := 0
	if v := c.Query("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return badRequest("bad_version", "version must be a positive integer")
		}
		if attemptID == 0 {
			return badRequest("attempt_id_required", "a version is one attempt's: send attempt_id too")
		}
		version = n
	}
	format, err := reportFormat(c, "json", "html", "pdf")
	if err != nil {
		return err
	}
	list, err := s.reports.Candidate(c.UserContext(), actor(c), reports.Query{CandidateID: id, AttemptID: attemptID, Version: version})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	if format == "json" {
		return c.JSON(fiber.Map{"candidate_id": id, "reports": list})
	}
	if len(list) > 1 {
		return badRequest("attempt_id_required", "the candidate has several reports: choose one with attempt_id")
	}
	var buf bytes.Buffer
	if format == "pdf" {
		if err := reports.PDF(&buf, list[0]); err != nil {
			return err
		}
		c.Set(fiber.HeaderContentType, "application/pdf")
		c.Set(fiber.HeaderContentDisposition, `inline; filename="report-`+strconv.FormatUint(list[0].AttemptID, 10)+`-v`+strconv.Itoa(list[0].Version)+`.pdf"`)
		return c.Send(buf.Bytes())
	}
	if err := reports.HTML(&buf, list[0]); err != nil {
		return err
	}
	return sendReportHTML(c, buf.Bytes())
}

// sendReportHTML answers a server-rendered report document: no script may
// run in it and it loads nothing.
func sendReportHTML(c *fiber.Ctx, body []byte) error {
	c.Set(fiber.HeaderContentType, "text/html; charset=utf-8")
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'")
	c.Set("Referrer-Policy", "no-referrer")
	return c.Send(body)
}

func (s *Server) handleCompareReports(c *fiber.Ctx) error {
	jobID, err := queryID(c, "job_id")
	if err != nil {
		return err
	}
	if jobID == 0 {
		return badRequest("job_id_required", "job_id is required")
	}
	format, err := reportFormat(c, "json", "html")
	if err != nil {
		return err
	}
	cmp, err := s.reports.Compare(c.UserContext(), actor(c), jobID)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	if format == "json" {
		return c.JSON(cmp)
	}
	var buf bytes.Buffer
	if err := reports.CompareHTML(&buf, cmp); err != nil {
		return err
	}
	return sendReportHTML(c, buf.Bytes())
}

func (s *Server) handleReportVersions(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	list, err := s.reports.Versions(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"attempt_id": id, "versions": list})
}
