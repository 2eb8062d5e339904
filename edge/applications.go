package edge

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/domain/jobs"
	"github.com/hirebus/hirebus/events"
	"github.com/nats-io/nats.go/jetstream"
)

// ResumeBucket is the JetStream object store bucket holding résumés: stored
// in the cluster (replicated like the streams), never on one edge's disk.
const ResumeBucket = "RESUMES"

// resumeStore opens (creating on first use) the résumé bucket.
func (s *Server) resumeStore(ctx context.Context) (jetstream.ObjectStore, error) {
	h := s.hire
	h.resumeMu.Lock()
	defer h.resumeMu.Unlock()
	if h.resumes != nil {
		return h.resumes, nil
	}
	replicas := s.cfg.ObjectReplicas
	if replicas < 1 {
		replicas = 1
	}
	st, err := s.deps.JS.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket: ResumeBucket, Description: "candidates' résumés (PDF)", Replicas: replicas, Storage: jetstream.FileStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("edge: resume bucket: %w", err)
	}
	h.resumes = st
	return st, nil
}

type applyReq struct {
	JobID       uint64 `json:"job_id"`
	CoverLetter string `json:"cover_letter"`
}

// handleApply takes JSON {job_id, cover_letter?} or multipart/form-data with
// the same fields and an optional `resume` PDF file (≤ 5 MiB).
func (s *Server) handleApply(c *fiber.Ctx) error {
	var req applyReq
	var pdf []byte
	var pdfName string
	ct := strings.ToLower(strings.TrimSpace(strings.Split(c.Get(fiber.HeaderContentType), ";")[0]))
	if ct == fiber.MIMEMultipartForm {
		form, err := c.MultipartForm()
		if err != nil {
			return badRequest("bad_multipart", "body is not a valid multipart form")
		}
		if req, pdf, pdfName, err = readApplyForm(form); err != nil {
			return err
		}
	} else if err := bindStrict(c, &req); err != nil {
		return err
	}
	if req.JobID == 0 {
		return badRequest("invalid_job_id", "job_id is required")
	}
	if len(req.CoverLetter) > jobs.MaxCoverLetter {
		return badRequest("invalid_cover_letter", fmt.Sprintf("cover_letter is longer than %d bytes", jobs.MaxCoverLetter))
	}
	a := actor(c)
	if a.Role != "candidate" {
		return Errorf(403, "forbidden", "only candidates apply to jobs")
	}
	ctx := c.UserContext()
	var resume *jobs.Resume
	if pdf != nil {
		st, err := s.resumeStore(ctx)
		if err != nil {
			return err
		}
		key := "resume/" + events.NewID() + ".pdf"
		if _, err := st.Put(ctx, jetstream.ObjectMeta{Name: key, Description: pdfName}, bytes.NewReader(pdf)); err != nil {
			return fmt.Errorf("edge: store resume: %w", err)
		}
		resume = &jobs.Resume{Key: key, Name: pdfName, Size: int64(len(pdf))}
	}
	app, err := s.hire.jobs.Apply(ctx, a, req.JobID, req.CoverLetter, resume)
	if err != nil {
		if resume != nil {
			if st, serr := s.resumeStore(ctx); serr == nil {
				_ = st.Delete(context.WithoutCancel(ctx), resume.Key)
			}
		}
		return err
	}
	c.Set(fiber.HeaderETag, etag(app.Version))
	return c.Status(201).JSON(app)
}

func readApplyForm(form *multipart.Form) (applyReq, []byte, string, error) {
	var req applyReq
	for k, v := range form.Value {
		if len(v) != 1 {
			return req, nil, "", badRequest("bad_multipart", "field "+k+" is repeated")
		}
		switch k {
		case "job_id":
			n, err := strconv.ParseUint(v[0], 10, 64)
			if err != nil {
				return req, nil, "", badRequest("bad_json", `field "job_id" has the wrong type`)
			}
			req.JobID = n
		case "cover_letter":
			req.CoverLetter = strings.Clone(v[0])
		default:
			return req, nil, "", badRequest("unknown_field", fmt.Sprintf("unknown field %q is not accepted", k))
		}
	}
	for k, files := range form.File {
		if k != "resume" || len(files) != 1 {
			return req, nil, "", badRequest("unknown_field", fmt.Sprintf("file field %q is not accepted (send one `resume`)", k))
		}
		fh := files[0]
		if fh.Size > jobs.MaxResumeBytes {
			return req, nil, "", Errorf(413, "resume_too_large", "the résumé is larger than %d bytes", jobs.MaxResumeBytes)
		}
		f, err := fh.Open()
		if err != nil {
			return req, nil, "", badRequest("bad_multipart", "cannot read the résumé")
		}
		data, err := io.ReadAll(io.LimitReader(f, jobs.MaxResumeBytes+1))
		f.Close()
		if err != nil {
			return req, nil, "", badRequest("bad_multipart", "cannot read the résumé")
		}
		if len(data) > jobs.MaxResumeBytes {
			return req, nil, "", Errorf(413, "resume_too_large", "the résumé is larger than %d bytes", jobs.MaxResumeBytes)
		}
		if !bytes.HasPrefix(data, []byte("%PDF-")) {
			return req, nil, "", Errorf(415, "resume_not_pdf", "the résumé must be a PDF file")
		}
		name := filepath.Base(strings.ReplaceAll(fh.Filename, "\\", "/"))
		if len(name) > 255 || name == "." || name == "/" {
			name = "resume.pdf"
		}
		return req, data, name, nil
	}
	return req, nil, "", nil
}

func (s *Server) handleListApplications(c *fiber.Ctx) error {
	var f jobs.AppFilter
	companyID, err := queryID(c, "company")
	if err != nil {
		return err
	}
	if f.JobID, err = queryID(c, "job"); err != nil {
		return err
	}
	if f.Before, err = queryID(c, "cursor"); err != nil {
		return err
	}
	if f.Limit, err = queryLimit(c, 100); err != nil {
		return err
	}
	f.Status = strings.Clone(c.Query("status"))
	page, err := s.hire.jobs.ListApplications(c.UserContext(), actor(c), companyID, f)
	if err != nil {
		return err
	}
	return c.JSON(page)
}

func (s *Server) handleGetApplication(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	app, err := s.hire.jobs.GetApplication(c.UserContext(), actor(c), id)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(app.Version))
	return c.JSON(app)
}

func (s *Server) handleGetResume(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.UserContext(), 15*time.Second)
	defer cancel()
	r, err := s.hire.jobs.ResumeOf(ctx, actor(c), id)
	if err != nil {
		return err
	}
	st, err := s.resumeStore(ctx)
	if err != nil {
		return err
	}
	data, err := st.GetBytes(ctx, r.Key)
	if err != nil {
		return fmt.Errorf("edge: read resume: %w", err)
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", r.Name))
	c.Set("X-Content-Type-Options", "nosniff")
	return c.Send(data)
}

type statusReq struct {
	Status  string `json:"status"`
	Note    string `json:"note"`
	Version *int   `json:"version"`
}

func (s *Server) handleSetStatus(c *fiber.Ctx) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var req statusReq
	if err := bindStrict(c, &req); err != nil {
		return err
	}
	if req.Status == "" {
		return badRequest("invalid_status", "status is required")
	}
	version, err := expectedVersion(c, req.Version)
	if err != nil {
		return err
	}
	app, err := s.hire.jobs.SetStatus(c.UserContext(), actor(c), id, req.Status, req.Note, version)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, etag(app.Version))
	return c.JSON(app)
}
