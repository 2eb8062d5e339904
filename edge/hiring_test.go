package edge_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hirebus/hirebus/edge"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/mailbox"
)

// hw is a hiring world: one company (Acme) with an owner, a recruiter and a
// viewer who joined by invitation, another company's recruiter, two
// candidates, an open job, a draft job and an application with a résumé.
type hw struct {
	t                                      *testing.T
	p                                      *platformtest.Platform
	owner, rec, viewer, other, cand, cand2 platformtest.User
	acme, globex                           uint64
	openJob, draftJob, app                 uint64
	tokens                                 map[string]string // principal name -> token ("" = anonymous)
	ids                                    map[string]uint64
}

var principals = []string{"anonymous", "candidate", "other candidate", "other company", "viewer", "recruiter", "owner"}

// req sends a request with optional content type and headers.
func req(t *testing.T, method, url, token, ct string, body []byte, headers map[string]string) platformtest.Response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	r, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ct != "" {
		r.Header.Set("Content-Type", ct)
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return platformtest.Response{Status: resp.StatusCode, Body: data}
}

func js(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func (w *hw) do(method, path, token string, body any) platformtest.Response {
	w.t.Helper()
	if body == nil {
		return req(w.t, method, w.p.URL+path, token, "", nil, nil)
	}
	return req(w.t, method, w.p.URL+path, token, "application/json", js(body), nil)
}

func (w *hw) must(r platformtest.Response, status int) map[string]any {
	w.t.Helper()
	if r.Status != status {
		w.t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if len(r.Body) == 0 {
		return nil
	}
	return r.Map(w.t)
}

func id(m map[string]any) uint64 { return uint64(m["id"].(float64)) }

var inviteCodeRE = regexp.MustCompile(`join with this code: (\S+)`)

// invite makes the owner invite email to company and returns the mailed token.
func (w *hw) invite(company uint64, email, role string) string {
	w.t.Helper()
	start := time.Now()
	w.must(w.do("POST", fmt.Sprintf("/api/companies/%d/invitations", company), w.owner.Token, map[string]string{"email": email, "role": role}), 201)
	m, err := w.p.Mailbox.WaitFor(email, 10*time.Second, func(m mailbox.Mail) bool {
		return !m.Time.Before(start.Add(-time.Second)) && inviteCodeRE.MatchString(m.Body) && strings.Contains(m.Body, "as "+role)
	})
	if err != nil {
		w.t.Fatalf("no invitation mail to %s: %v", email, err)
	}
	return inviteCodeRE.FindStringSubmatch(m.Body)[1]
}

func (w *hw) newJob(status string) uint64 {
	w.t.Helper()
	return id(w.must(w.do("POST", "/api/jobs", w.owner.Token, map[string]any{"company_id": w.acme, "title": "Go engineer " + status,
		"description": "Write **Go**.", "status": status, "skills": []string{"go"}, "remote": "remote"}), 201))
}

func (w *hw) newApp(job uint64) uint64 {
	w.t.Helper()
	return id(w.must(w.do("POST", "/api/applications", w.cand.Token, map[string]any{"job_id": job, "cover_letter": "hello"}), 201))
}

func multipartBody(t *testing.T, fields map[string]string, fileField, fileName string, file []byte) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if fileField != "" {
		fw, err := mw.CreateFormFile(fileField, fileName)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(file)
	}
	_ = mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

var tinyPDF = []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")

func startHiring(t *testing.T, tweak func(*edge.Config)) *hw {
	p := platformtest.Start(t, platformtest.Options{EdgeConfig: tweak})
	w := &hw{t: t, p: p, ids: map[string]uint64{}}
	w.owner, w.rec, w.viewer = p.Register("owner", "recruiter"), p.Register("rec", "recruiter"), p.Register("viewer", "recruiter")
	w.other, w.cand, w.cand2 = p.Register("other", "recruiter"), p.Register("cand", "candidate"), p.Register("cand2", "candidate")
	w.tokens = map[string]string{"anonymous": "", "candidate": w.cand.Token, "other candidate": w.cand2.Token, "other company": w.other.Token,
		"viewer": w.viewer.Token, "recruiter": w.rec.Token, "owner": w.owner.Token}
	w.acme = id(w.must(w.do("POST", "/api/companies", w.owner.Token, map[string]string{"name": "Acme", "website": "https://acme.example"}), 201))
	w.globex = id(w.must(w.do("POST", "/api/companies", w.other.Token, map[string]string{"name": "Globex"}), 201))
	for _, m := range []struct {
		u    platformtest.User
		role string
	}{{w.rec, "recruiter"}, {w.viewer, "viewer"}} {
		tok := w.invite(w.acme, m.u.Email, m.role)
		if got := w.must(w.do("POST", "/api/companies/join", m.u.Token, map[string]string{"token": tok}), 200); got["my_role"] != m.role {
			t.Fatalf("joined as %v", got["my_role"])
		}
	}
	w.openJob, w.draftJob = w.newJob("open"), w.newJob("draft")
	body, ct := multipartBody(t, map[string]string{"job_id": fmt.Sprint(w.openJob), "cover_letter": "hi"}, "resume", "cv.pdf", tinyPDF)
	w.app = id(w.must(req(t, "POST", p.URL+"/api/applications", w.cand.Token, ct, body, nil), 201))
	return w
}

// TestHiringAccessMatrix proves object-level authorization route by route:
// every hiring route × every kind of caller → the expected status.
func TestHiringAccessMatrix(t *testing.T) {
	w := startHiring(t, nil)
	// A notification of the candidate (from an earlier move) to read.
	w.must(w.do("PUT", fmt.Sprintf("/api/applications/%d/status", w.app), w.rec.Token, map[string]string{"status": "screening"}), 200)
	var candNote uint64
	if err := w.p.DB.Get(&candNote, `SELECT MAX(id) FROM notifications WHERE user_id = ?`, w.cand.ID); err != nil || candNote == 0 {
		t.Fatalf("candidate notification: %v", err)
	}
	extra := w.p.Register("extra", "recruiter")
	n := 0
	uniq := func() string { n++; return fmt.Sprint("Co", n) }

	type route struct {
		name  string
		setup func(who string) (method, path string, body any) // called per principal, may create fresh objects
		want  []int                                            // in the order of principals
	}
	fixed := func(method, path string, body any) func(string) (string, string, any) {
		return func(string) (string, string, any) { return method, path, body }
	}
	acme := fmt.Sprintf("/api/companies/%d", w.acme)
	routes := []route{
		{"POST /api/companies", func(string) (string, string, any) {
			return "POST", "/api/companies", map[string]string{"name": uniq()}
		}, []int{401, 403, 403, 201, 201, 201, 201}},
		{"GET /api/companies", fixed("GET", "/api/companies", nil), []int{401, 200, 200, 200, 200, 200, 200}},
		{"GET /api/companies/:id", fixed("GET", acme, nil), []int{401, 404, 404, 404, 200, 200, 200}},
		{"POST /api/companies/:id/invitations", fixed("POST", acme+"/invitations", map[string]string{"email": "new@example.com", "role": "viewer"}),
			[]int{401, 404, 404, 404, 403, 403, 201}},
		{"GET /api/companies/:id/members", fixed("GET", acme+"/members", nil), []int{401, 404, 404, 404, 200, 200, 200}},
		{"PUT /api/companies/:id/members/:uid", fixed("PUT", fmt.Sprintf("%s/members/%d", acme, w.viewer.ID), map[string]string{"role": "viewer"}),
			[]int{401, 404, 404, 404, 403, 403, 200}},
		{"DELETE /api/companies/:id/members/:uid", func(string) (string, string, any) {
			if _, err := w.p.DB.Exec(`INSERT IGNORE INTO company_members (company_id, user_id, member_role) VALUES (?, ?, 'viewer')`, w.acme, extra.ID); err != nil {
				t.Fatal(err)
			}
			return "DELETE", fmt.Sprintf("%s/members/%d", acme, extra.ID), nil
		}, []int{401, 404, 404, 404, 403, 403, 204}},
		{"GET /api/companies/:id/audit", fixed("GET", acme+"/audit", nil), []int{401, 404, 404, 404, 403, 403, 200}},
		{"POST /api/jobs", fixed("POST", "/api/jobs", map[string]any{"company_id": w.acme, "title": "T", "description": "D"}),
			[]int{401, 404, 404, 404, 403, 201, 201}},
		{"GET /api/jobs", fixed("GET", "/api/jobs", nil), []int{200, 200, 200, 200, 200, 200, 200}},
		{"GET /api/jobs (company drafts)", fixed("GET", fmt.Sprintf("/api/jobs?company=%d&status=draft", w.acme), nil), []int{404, 404, 404, 404, 200, 200, 200}},
		{"GET /api/jobs/:id (open)", fixed("GET", fmt.Sprintf("/api/jobs/%d", w.openJob), nil), []int{200, 200, 200, 200, 200, 200, 200}},
		{"GET /api/jobs/:id (draft)", fixed("GET", fmt.Sprintf("/api/jobs/%d", w.draftJob), nil), []int{404, 404, 404, 404, 200, 200, 200}},
		{"PUT /api/jobs/:id", func(string) (string, string, any) {
			return "PUT", fmt.Sprintf("/api/jobs/%d", w.newJob("open")), map[string]any{"location": "Berlin", "version": 1}
		}, []int{401, 404, 404, 404, 403, 200, 200}},
		{"DELETE /api/jobs/:id", func(string) (string, string, any) {
			return "DELETE", fmt.Sprintf("/api/jobs/%d", w.newJob("open")), nil
		}, []int{401, 404, 404, 404, 403, 200, 200}},
		{"POST /api/applications", func(string) (string, string, any) {
			return "POST", "/api/applications", map[string]any{"job_id": w.newJob("open")}
		}, []int{401, 201, 201, 403, 403, 403, 403}},
		{"GET /api/applications", fixed("GET", "/api/applications", nil), []int{401, 200, 200, 200, 200, 200, 200}},
		{"GET /api/applications (company)", fixed("GET", fmt.Sprintf("/api/applications?company=%d", w.acme), nil), []int{401, 200, 200, 404, 200, 200, 200}},
		{"GET /api/applications/:id", fixed("GET", fmt.Sprintf("/api/applications/%d", w.app), nil), []int{401, 200, 404, 404, 200, 200, 200}},
		{"GET /api/applications/:id/history", fixed("GET", fmt.Sprintf("/api/applications/%d/history", w.app), nil), []int{401, 200, 404, 404, 200, 200, 200}},
		{"GET /api/applications/:id/resume", fixed("GET", fmt.Sprintf("/api/applications/%d/resume", w.app), nil), []int{401, 200, 404, 404, 200, 200, 200}},
		{"PUT /api/applications/:id/status (advance)", func(string) (string, string, any) {
			return "PUT", fmt.Sprintf("/api/applications/%d/status", w.newApp(w.newJob("open"))), map[string]string{"status": "screening"}
		}, []int{401, 409, 404, 404, 403, 200, 200}},
		{"PUT /api/applications/:id/status (withdraw)", func(string) (string, string, any) {
			return "PUT", fmt.Sprintf("/api/applications/%d/status", w.newApp(w.newJob("open"))), map[string]string{"status": "withdrawn"}
		}, []int{401, 200, 404, 404, 403, 409, 409}},
		{"GET /api/notifications", fixed("GET", "/api/notifications", nil), []int{401, 200, 200, 200, 200, 200, 200}},
		{"POST /api/notifications/:id/read", fixed("POST", fmt.Sprintf("/api/notifications/%d/read", candNote), nil), []int{401, 200, 404, 404, 404, 404, 404}},
		{"POST /api/notifications/read-all", fixed("POST", "/api/notifications/read-all", nil), []int{401, 200, 200, 200, 200, 200, 200}},
	}
	for _, r := range routes {
		t.Run(r.name, func(t *testing.T) {
			for i, who := range principals {
				method, path, body := r.setup(who)
				var got platformtest.Response
				if body == nil {
					got = req(t, method, w.p.URL+path, w.tokens[who], "", nil, nil)
				} else {
					got = req(t, method, w.p.URL+path, w.tokens[who], "application/json", js(body), nil)
				}
				if got.Status != r.want[i] {
					t.Errorf("%s as %s: %d, want %d (%s)", r.name, who, got.Status, r.want[i], got.Body)
				}
				if got.Status >= 400 && got.ErrorCode() == "" {
					t.Errorf("%s as %s: error without code: %s", r.name, who, got.Body)
				}
			}
		})
	}
	// Scoped lists: nobody sees another's applications.
	var page struct {
		Items []struct {
			CandidateID uint64 `json:"candidate_id"`
		}
	}
	w.do("GET", "/api/applications", w.cand2.Token, nil).JSON(t, &page)
	for _, a := range page.Items {
		if a.CandidateID != w.cand2.ID {
			t.Fatalf("candidate 2 sees another's application")
		}
	}
	w.do("GET", "/api/applications", w.other.Token, nil).JSON(t, &page)
	if len(page.Items) != 0 {
		t.Fatalf("another company's recruiter sees %d applications", len(page.Items))
	}
}

// TestHiringValidation: a table of bad requests per route, each a clear 4xx
// with an error code.
func TestHiringValidation(t *testing.T) {
	w := startHiring(t, nil)
	acme := fmt.Sprintf("/api/companies/%d", w.acme)
	job := fmt.Sprintf("/api/jobs/%d", w.openJob)
	appStatus := fmt.Sprintf("/api/applications/%d/status", w.app)
	big := bytes.Repeat([]byte("a"), 70<<10)
	notPDF, notPDFct := multipartBody(t, map[string]string{"job_id": fmt.Sprint(w.openJob)}, "resume", "cv.pdf", []byte("GIF89a not a pdf"))
	hugePDF, hugeCT := multipartBody(t, map[string]string{"job_id": fmt.Sprint(w.openJob)}, "resume", "cv.pdf", append(append([]byte{}, tinyPDF...), make([]byte, 5<<20)...))
	extraField, extraCT := multipartBody(t, map[string]string{"job_id": fmt.Sprint(w.openJob), "salary": "1"}, "", "", nil)
	jobBody := func(mod func(m map[string]any)) []byte {
		m := map[string]any{"company_id": w.acme, "title": "Go", "description": "D"}
		mod(m)
		return js(m)
	}
	cases := []struct {
		name, method, path, token, ct string
		body                          []byte
		headers                       map[string]string
		status                        int
		code                          string
	}{
		{"company no name", "POST", "/api/companies", w.owner.Token, "application/json", js(map[string]string{"name": " "}), nil, 400, "invalid_name"},
		{"company long name", "POST", "/api/companies", w.owner.Token, "application/json", js(map[string]string{"name": strings.Repeat("n", 129)}), nil, 400, "invalid_name"},
		{"company bad website", "POST", "/api/companies", w.owner.Token, "application/json", js(map[string]string{"name": "X", "website": "ftp://x"}), nil, 400, "invalid_website"},
		{"company unknown field", "POST", "/api/companies", w.owner.Token, "application/json", []byte(`{"name":"X","owner":1}`), nil, 400, "unknown_field"},
		{"company wrong type", "POST", "/api/companies", w.owner.Token, "application/json", []byte(`{"name":5}`), nil, 400, "bad_json"},
		{"company not json", "POST", "/api/companies", w.owner.Token, "text/plain", []byte(`name=X`), nil, 415, "unsupported_media_type"},
		{"company too large", "POST", "/api/companies", w.owner.Token, "application/json", append(append([]byte(`{"name":"`), big...), '"', '}'), nil, 413, "body_too_large"},
		{"company duplicate", "POST", "/api/companies", w.owner.Token, "application/json", js(map[string]string{"name": "Acme"}), nil, 409, "company_exists"},
		{"company bad id", "GET", "/api/companies/abc", w.owner.Token, "", nil, nil, 400, "bad_id"},
		{"invite bad email", "POST", acme + "/invitations", w.owner.Token, "application/json", js(map[string]string{"email": "nope", "role": "viewer"}), nil, 400, "bad_email"},
		{"invite bad role", "POST", acme + "/invitations", w.owner.Token, "application/json", js(map[string]string{"email": "a@example.com", "role": "god"}), nil, 400, "invalid_role"},
		{"invite not json", "POST", acme + "/invitations", w.owner.Token, "text/plain", []byte("x"), nil, 415, "unsupported_media_type"},
		{"join no token", "POST", "/api/companies/join", w.cand.Token, "application/json", js(map[string]string{"token": ""}), nil, 400, "invalid_token"},
		{"join unknown token", "POST", "/api/companies/join", w.cand.Token, "application/json", js(map[string]string{"token": "nope"}), nil, 404, "invitation_invalid"},
		{"role bad", "PUT", fmt.Sprintf("%s/members/%d", acme, w.rec.ID), w.owner.Token, "application/json", js(map[string]string{"role": "king"}), nil, 400, "invalid_role"},
		{"last owner demoted", "PUT", fmt.Sprintf("%s/members/%d", acme, w.owner.ID), w.owner.Token, "application/json", js(map[string]string{"role": "viewer"}), nil, 409, "last_owner"},
		{"last owner leaves", "DELETE", fmt.Sprintf("%s/members/%d", acme, w.owner.ID), w.owner.Token, "", nil, nil, 409, "last_owner"},
		{"audit bad limit", "GET", acme + "/audit?limit=0", w.owner.Token, "", nil, nil, 400, "bad_limit"},
		{"job salary min > max", "POST", "/api/jobs", w.owner.Token, "application/json", jobBody(func(m map[string]any) { m["salary_min"], m["salary_max"], m["currency"] = 9, 1, "EUR" }), nil, 400, "invalid_salary"},
		{"job bad currency", "POST", "/api/jobs", w.owner.Token, "application/json", jobBody(func(m map[string]any) { m["salary_min"], m["currency"] = 9, "EURO" }), nil, 400, "invalid_currency"},
		{"job bad remote", "POST", "/api/jobs", w.owner.Token, "application/json", jobBody(func(m map[string]any) { m["remote"] = "mars" }), nil, 400, "invalid_remote"},
		{"job bad type", "POST", "/api/jobs", w.owner.Token, "application/json", jobBody(func(m map[string]any) { m["employment_type"] = "gig" }), nil, 400, "invalid_employment_type"},
		{"job bad status", "POST", "/api/jobs", w.owner.Token, "application/json", jobBody(func(m map[string]any) { m["status"] = "live" }), nil, 400, "invalid_status"},
		{"job long title", "POST", "/api/jobs", w.owner.Token, "application/json", jobBody(func(m map[string]any) { m["title"] = strings.Repeat("t", 201) }), nil, 400, "invalid_title"},
		{"job no company", "POST", "/api/jobs", w.owner.Token, "application/json", jobBody(func(m map[string]any) { delete(m, "company_id") }), nil, 400, "invalid_company_id"},
		{"job negative salary", "POST", "/api/jobs", w.owner.Token, "application/json", jobBody(func(m map[string]any) { m["salary_min"] = -5 }), nil, 400, "bad_json"},
		{"job skills wrong type", "POST", "/api/jobs", w.owner.Token, "application/json", jobBody(func(m map[string]any) { m["skills"] = "go" }), nil, 400, "bad_json"},
		{"job unknown field", "POST", "/api/jobs", w.owner.Token, "application/json", jobBody(func(m map[string]any) { m["boss"] = true }), nil, 400, "unknown_field"},
		{"job with version", "POST", "/api/jobs", w.owner.Token, "application/json", jobBody(func(m map[string]any) { m["version"] = 3 }), nil, 400, "invalid_version"},
		{"job not json", "POST", "/api/jobs", w.owner.Token, "application/x-www-form-urlencoded", []byte("title=x"), nil, 415, "unsupported_media_type"},
		{"job too large", "POST", "/api/jobs", w.owner.Token, "application/json", jobBody(func(m map[string]any) { m["description"] = string(big) }), nil, 413, "body_too_large"},
		{"job update without version", "PUT", job, w.owner.Token, "application/json", js(map[string]string{"location": "X"}), nil, 428, "version_required"},
		{"job update bad If-Match", "PUT", job, w.owner.Token, "application/json", js(map[string]string{"location": "X"}), map[string]string{"If-Match": "abc"}, 400, "bad_if_match"},
		{"job update stale If-Match", "PUT", job, w.owner.Token, "application/json", js(map[string]string{"location": "X"}), map[string]string{"If-Match": `"99"`}, 412, "version_mismatch"},
		{"job update stale version", "PUT", job, w.owner.Token, "application/json", js(map[string]any{"location": "X", "version": 99}), nil, 412, "version_mismatch"},
		{"job update other company", "PUT", job, w.owner.Token, "application/json", js(map[string]any{"company_id": w.globex, "version": 1}), nil, 400, "invalid_company_id"},
		{"job list bad remote", "GET", "/api/jobs?remote=mars", "", "", nil, nil, 400, "invalid_remote"},
		{"job list bad type", "GET", "/api/jobs?type=gig", "", "", nil, nil, 400, "invalid_type"},
		{"job list bad cursor", "GET", "/api/jobs?cursor=x", "", "", nil, nil, 400, "bad_cursor"},
		{"job list bad limit", "GET", "/api/jobs?limit=1000", "", "", nil, nil, 400, "bad_limit"},
		{"job list long q", "GET", "/api/jobs?q=" + strings.Repeat("q", 201), "", "", nil, nil, 400, "invalid_q"},
		{"job bad id", "GET", "/api/jobs/0", "", "", nil, nil, 400, "bad_id"},
		{"job unknown", "GET", "/api/jobs/999999", "", "", nil, nil, 404, "not_found"},
		{"apply no job", "POST", "/api/applications", w.cand.Token, "application/json", js(map[string]any{"cover_letter": "x"}), nil, 400, "invalid_job_id"},
		{"apply twice", "POST", "/api/applications", w.cand.Token, "application/json", js(map[string]any{"job_id": w.openJob}), nil, 409, "already_applied"},
		{"apply long letter", "POST", "/api/applications", w.cand2.Token, "application/json", js(map[string]any{"job_id": w.openJob, "cover_letter": strings.Repeat("c", 10001)}), nil, 400, "invalid_cover_letter"},
		{"apply draft", "POST", "/api/applications", w.cand2.Token, "application/json", js(map[string]any{"job_id": w.draftJob}), nil, 404, "not_found"},
		{"apply not json", "POST", "/api/applications", w.cand2.Token, "text/plain", []byte("x"), nil, 415, "unsupported_media_type"},
		{"apply résumé not a pdf", "POST", "/api/applications", w.cand2.Token, notPDFct, notPDF, nil, 415, "resume_not_pdf"},
		{"apply résumé too large", "POST", "/api/applications", w.cand2.Token, hugeCT, hugePDF, nil, 413, "resume_too_large"},
		{"apply unknown form field", "POST", "/api/applications", w.cand2.Token, extraCT, extraField, nil, 400, "unknown_field"},
		{"apply unknown json field", "POST", "/api/applications", w.cand2.Token, "application/json", js(map[string]any{"job_id": w.openJob, "status": "hired"}), nil, 400, "unknown_field"},
		{"applications bad status", "GET", "/api/applications?status=won", w.rec.Token, "", nil, nil, 400, "invalid_status"},
		{"applications bad job", "GET", "/api/applications?job=-1", w.rec.Token, "", nil, nil, 400, "bad_job"},
		{"status missing", "PUT", appStatus, w.rec.Token, "application/json", js(map[string]string{"note": "x"}), nil, 400, "invalid_status"},
		{"status unknown", "PUT", appStatus, w.rec.Token, "application/json", js(map[string]string{"status": "promoted"}), nil, 400, "invalid_status"},
		{"status long note", "PUT", appStatus, w.rec.Token, "application/json", js(map[string]string{"status": "screening", "note": strings.Repeat("n", 2001)}), nil, 400, "invalid_note"},
		{"status skip", "PUT", appStatus, w.rec.Token, "application/json", js(map[string]string{"status": "offer"}), nil, 409, "transition_not_allowed"},
		{"status stale", "PUT", appStatus, w.rec.Token, "application/json", js(map[string]any{"status": "screening", "version": 7}), nil, 412, "version_mismatch"},
		{"status not json", "PUT", appStatus, w.rec.Token, "text/plain", []byte("screening"), nil, 415, "unsupported_media_type"},
		{"notifications bad offset", "GET", "/api/notifications?offset=-1", w.cand.Token, "", nil, nil, 400, "bad_offset"},
		{"notification bad id", "POST", "/api/notifications/x/read", w.cand.Token, "", nil, nil, 400, "bad_id"},
		{"notification unknown", "POST", "/api/notifications/999999/read", w.cand.Token, "", nil, nil, 404, "not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := req(t, tc.method, w.p.URL+tc.path, tc.token, tc.ct, tc.body, tc.headers)
			if r.Status != tc.status || r.ErrorCode() != tc.code {
				t.Fatalf("%d %s, want %d %s: %s", r.Status, r.ErrorCode(), tc.status, tc.code, r.Body)
			}
		})
	}
	// A refused transition lists the allowed next states.
	r := w.do("PUT", appStatus, w.rec.Token, map[string]string{"status": "hired"})
	var body struct{ Error struct{ Allowed []string } }
	r.JSON(t, &body)
	if r.Status != 409 || strings.Join(body.Error.Allowed, ",") != "screening,rejected" {
		t.Fatalf("allowed states: %d %s", r.Status, r.Body)
	}
}

// TestHiringFlow walks the recruiter and candidate story over HTTP and /ws:
// search, If-Match updates, the résumé round trip, a status change whose
// notification is both stored and pushed, and the audit log.
func TestHiringFlow(t *testing.T) {
	w := startHiring(t, nil)
	ws := platformtest.DialWS(t, w.p.URL, w.cand.Token, -1)

	// Search: text + two filters + a page.
	w.must(w.do("POST", "/api/jobs", w.rec.Token, map[string]any{"company_id": w.acme, "title": "Rust developer", "description": "Systems work",
		"skills": []string{"rust"}, "remote": "hybrid", "employment_type": "contract", "salary_min": 50000, "salary_max": 70000, "currency": "EUR", "location": "Berlin"}), 201)
	var page struct {
		Items []struct {
			Title  string
			Skills []string
		}
		NextCursor string `json:"next_cursor"`
	}
	w.must(w.do("GET", "/api/jobs?q=rust&remote=hybrid&type=contract&limit=5", "", nil), 200)
	w.do("GET", "/api/jobs?q=rust&remote=hybrid&type=contract&limit=5", "", nil).JSON(t, &page)
	if len(page.Items) != 1 || page.Items[0].Title != "Rust developer" || page.Items[0].Skills[0] != "rust" {
		t.Fatalf("search: %+v", page)
	}
	w.do("GET", "/api/jobs?limit=1", "", nil).JSON(t, &page)
	if len(page.Items) != 1 || page.NextCursor == "" {
		t.Fatalf("first page: %+v", page)
	}
	w.do("GET", "/api/jobs?limit=1&cursor="+page.NextCursor, "", nil).JSON(t, &page)
	if len(page.Items) != 1 || page.Items[0].Title != "Go engineer open" {
		t.Fatalf("second page: %+v", page)
	}

	// If-Match from the ETag of GET.
	r := req(t, "GET", fmt.Sprintf("%s/api/jobs/%d", w.p.URL, w.openJob), "", "", nil, nil)
	var j struct {
		DescriptionHTML string `json:"description_html"`
		Version         int
	}
	r.JSON(t, &j)
	if !strings.Contains(j.DescriptionHTML, "<strong>Go</strong>") {
		t.Fatalf("description html: %q", j.DescriptionHTML)
	}
	up := req(t, "PUT", fmt.Sprintf("%s/api/jobs/%d", w.p.URL, w.openJob), w.rec.Token, "application/json", js(map[string]string{"location": "Lisbon"}), map[string]string{"If-Match": fmt.Sprintf(`"%d"`, j.Version)})
	if up.Status != 200 || up.Map(t)["location"] != "Lisbon" {
		t.Fatalf("If-Match update: %d %s", up.Status, up.Body)
	}

	// The résumé comes back byte for byte to the company.
	rr := req(t, "GET", fmt.Sprintf("%s/api/applications/%d/resume", w.p.URL, w.app), w.viewer.Token, "", nil, nil)
	if rr.Status != 200 || !bytes.Equal(rr.Body, tinyPDF) {
		t.Fatalf("resume: %d %q", rr.Status, rr.Body)
	}

	// A status change is stored and pushed, and they agree.
	w.must(w.do("PUT", fmt.Sprintf("/api/applications/%d/status", w.app), w.rec.Token, map[string]string{"status": "screening", "note": "good CV"}), 200)
	push := ws.WaitFor(10*time.Second, func(m platformtest.Push) bool { return m.Type == "notification" })
	var pushed struct {
		ID   uint64
		Kind string
		Data map[string]any
	}
	if err := json.Unmarshal(push.Data, &pushed); err != nil || pushed.Kind != "application.status" || pushed.Data["to"] != "screening" {
		t.Fatalf("push: %s %v", push.Data, err)
	}
	var notes struct {
		Items []struct {
			ID     uint64
			ReadAt *string `json:"read_at"`
		}
		Unread int
	}
	w.do("GET", "/api/notifications", w.cand.Token, nil).JSON(t, &notes)
	if len(notes.Items) == 0 || notes.Items[0].ID != pushed.ID || notes.Unread != 1 {
		t.Fatalf("stored notifications: %+v (pushed %d)", notes, pushed.ID)
	}
	w.must(w.do("POST", fmt.Sprintf("/api/notifications/%d/read", pushed.ID), w.cand.Token, nil), 200)
	w.do("GET", "/api/notifications", w.cand.Token, nil).JSON(t, &notes)
	if notes.Unread != 0 {
		t.Fatalf("unread after read: %d", notes.Unread)
	}
	var hist struct{ Items []struct{ To, Note string } }
	w.do("GET", fmt.Sprintf("/api/applications/%d/history", w.app), w.cand.Token, nil).JSON(t, &hist)
	if len(hist.Items) != 2 || hist.Items[1].To != "screening" || hist.Items[1].Note != "good CV" {
		t.Fatalf("history: %+v", hist)
	}
	// Transitions that matter also mail the candidate.
	for _, to := range []string{"assessment", "interview"} {
		w.must(w.do("PUT", fmt.Sprintf("/api/applications/%d/status", w.app), w.rec.Token, map[string]string{"status": to}), 200)
	}
	if _, err := w.p.Mailbox.WaitFor(w.cand.Email, 10*time.Second, func(m mailbox.Mail) bool { return strings.Contains(m.Subject, "interview") }); err != nil {
		t.Fatalf("interview mail: %v", err)
	}
	var audit struct {
		Items []struct {
			Action, Target, IP string
			RequestID          string `json:"request_id"`
		}
	}
	w.do("GET", fmt.Sprintf("/api/companies/%d/audit", w.acme), w.owner.Token, nil).JSON(t, &audit)
	if len(audit.Items) == 0 || audit.Items[0].Action != "application.status" || audit.Items[0].IP == "" || audit.Items[0].RequestID == "" {
		t.Fatalf("audit: %+v", audit.Items)
	}
}

// TestConcurrentStatusChangeHTTP: two recruiters move one application at
// once with the same If-Match; exactly one wins, the other gets 409 or 412.
func TestConcurrentStatusChangeHTTP(t *testing.T) {
	w := startHiring(t, nil)
	for round := 0; round < 5; round++ {
		app := w.newApp(w.newJob("open"))
		statuses := make([]int, 2)
		var wg sync.WaitGroup
		for i, tok := range []string{w.rec.Token, w.owner.Token} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = req(t, "PUT", fmt.Sprintf("%s/api/applications/%d/status", w.p.URL, app), tok, "application/json",
					js(map[string]string{"status": "screening"}), map[string]string{"If-Match": `"1"`}).Status
			}()
		}
		wg.Wait()
		ok, lost := 0, 0
		for _, s := range statuses {
			switch s {
			case 200:
				ok++
			case 409, 412:
				lost++
			}
		}
		if ok != 1 || lost != 1 {
			t.Fatalf("round %d: statuses %v", round, statuses)
		}
	}
}

// TestCORS: listed origins may call the API from a browser (preflight
// answered); others and the default configuration get no CORS headers.
func TestCORS(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{EdgeConfig: func(c *edge.Config) { c.CORSOrigins = []string{"http://localhost:5173"} }})
	pre := func(base, origin string) http.Header {
		r, _ := http.NewRequest("OPTIONS", base+"/api/jobs/1", nil)
		r.Header.Set("Origin", origin)
		r.Header.Set("Access-Control-Request-Method", "PUT")
		r.Header.Set("Access-Control-Request-Headers", "authorization,content-type,if-match")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 && resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("preflight status %d", resp.StatusCode)
		}
		return resp.Header
	}
	h := pre(p.URL, "http://localhost:5173")
	if h.Get("Access-Control-Allow-Origin") != "http://localhost:5173" || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "PUT") ||
		!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "if-match") {
		t.Fatalf("allowed preflight headers: %v", h)
	}
	if h := pre(p.URL, "http://evil.example"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("foreign origin allowed: %v", h)
	}
	get := req(t, "GET", p.URL+"/api/jobs", "", "", nil, map[string]string{"Origin": "http://localhost:5173"})
	if get.Status != 200 {
		t.Fatalf("cross-origin GET: %d", get.Status)
	}
	r, _ := http.NewRequest("GET", p.URL+"/api/jobs", nil)
	r.Header.Set("Origin", "http://localhost:5173")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Access-Control-Allow-Origin") != "http://localhost:5173" || !strings.Contains(resp.Header.Get("Access-Control-Expose-Headers"), "ETag") {
		t.Fatalf("simple request headers: %v", resp.Header)
	}
	// Default: same origin only.
	_, plain := p.StartEdge(t, nil)
	if h := pre(plain, "http://localhost:5173"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("default edge allows a foreign origin: %v", h)
	}
}
