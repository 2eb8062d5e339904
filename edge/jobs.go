package edge

import (
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/domain/jobs"
)

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

func etag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// expectedVersion reads the version a conditional write is based on: the
// If-Match header (an ETag from GET) or the body's version field; both, if
// given, must agree. 0 means none was sent.
func expectedVersion(c *fiber.Ctx, body *int) (int, error) {
	v := 0
	if h := strings.TrimSpace(c.Get(fiber.HeaderIfMatch)); h != "" {
		h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
		n, err := strconv.Atoi(h)
		if err != nil || n < 1 {
			return 0, badRequest("bad_if_match", "If-Match must be the ETag of the object, e.g. \"3\"")
		}
		v = n
	}
	if body != nil {
		if *body < 1 {
			return 0, badRequest("invalid_version", "version must be a positive integer")
		}
		if v != 0 && v != *body {
			return 0, badRequest("invalid_version", "If-Match and version disagree")
		}
		v = *body
	}
	return v, nil
}

func (s *Server) handleCreateJob(c *fiber.Ctx) error {
	var in jobs.JobInput
	if err := bindStrict(c, &in); err != nil {
		return err
	}
	if in.Version != nil {
		return badRequest("invalid_version", "a new job has no version")
	}
	j, err := s.hire.jobs.CreateJob(c.UserContext(), actor(c), in)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(j.Version))
	c.Set(fiber.HeaderLocation, "/api/jobs/"+itoa(j.ID))
	return c.Status(201).JSON(j)
}

func (s *Server) handleListJobs(c *fiber.Ctx) error {
	var f jobs.JobFilter
	var err error
	if f.CompanyID, err = queryID(c, "company"); err != nil {
		return err
	}
	if f.Before, err = queryID(c, "cursor"); err != nil {
		return err
	}
	if f.Limit, err = queryLimit(c, 100); err != nil {
		return err
	}
	f.Q = strings.Clone(c.Query("q"))
	f.Location = strings.Clone(strings.TrimSpace(c.Query("location")))
	f.Remote = strings.Clone(c.Query("remote"))
	f.EmploymentType = strings.Clone(c.Query("type"))
	f.Skill = strings.Clone(strings.TrimSpace(c.Query("skill")))
	f.Status = strings.Clone(c.Query("status"))
	page, err := s.hire.jobs.ListJobs(c.UserContext(), actor(c), f)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

func (s *Server) handleGetJob(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	j, err := s.hire.jobs.GetJob(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(j.Version))
	return c.JSON(j)
}

func (s *Server) handleUpdateJob(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in jobs.JobInput
	if err := bindStrict(c, &in); err != nil {
		return err
	}
	version, err := expectedVersion(c, in.Version)
	if err != nil {
		return err
	}
	if version == 0 {
		return Errorf(428, "version_required", "send If-Match with the job's ETag or a version field")
	}
	j, err := s.hire.jobs.UpdateJob(c.UserContext(), actor(c), id, in, version)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(j.Version))
	return c.JSON(j)
}

func (s *Server) handleDeleteJob(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	j, removed, err := s.hire.jobs.CloseJob(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"removed": removed, "job": j})
}
