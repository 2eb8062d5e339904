package web_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/mailbox"
)

// Real answers of every hiring route (success and the documented errors)
// match the schemas in docs/openapi.yaml.
func TestHiringResponsesMatchOpenAPISchemas(t *testing.T) {
	c := schemaChecker{spec: loadSpec(t)}
	p := platformtest.Start(t, platformtest.Options{})
	owner, rec, cand := p.Register("cowner", "recruiter"), p.Register("crec", "recruiter"), p.Register("ccand", "candidate")
	check := func(method, doc, path, token string, body any, status int) platformtest.Response {
		t.Helper()
		r := p.Do(method, path, token, body)
		if r.Status != status {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Status, status, r.Body)
		}
		c.expect(t, method, doc, status, r.Body)
		return r
	}
	co := check("POST", "/api/companies", "/api/companies", owner.Token, map[string]string{"name": "Contract Co", "website": "https://c.example"}, 201).Map(t)
	cid := int(co["id"].(float64))
	check("POST", "/api/companies", "/api/companies", owner.Token, map[string]string{"name": "Contract Co"}, 409)
	check("GET", "/api/companies", "/api/companies", owner.Token, nil, 200)
	check("GET", "/api/companies/{id}", fmt.Sprintf("/api/companies/%d", cid), owner.Token, nil, 200)
	check("GET", "/api/companies/{id}", fmt.Sprintf("/api/companies/%d", cid), cand.Token, nil, 404)
	start := time.Now()
	check("POST", "/api/companies/{id}/invitations", fmt.Sprintf("/api/companies/%d/invitations", cid), owner.Token, map[string]string{"email": rec.Email, "role": "recruiter"}, 201)
	m, err := p.Mailbox.WaitFor(rec.Email, 10*time.Second, func(m mailbox.Mail) bool { return !m.Time.Before(start) && strings.Contains(m.Body, "code: ") })
	if err != nil {
		t.Fatal(err)
	}
	tok := regexp.MustCompile(`code: (\S+)`).FindStringSubmatch(m.Body)[1]
	check("POST", "/api/companies/join", "/api/companies/join", rec.Token, map[string]string{"token": tok}, 200)
	check("GET", "/api/companies/{id}/members", fmt.Sprintf("/api/companies/%d/members", cid), rec.Token, nil, 200)
	check("PUT", "/api/companies/{id}/members/{uid}", fmt.Sprintf("/api/companies/%d/members/%d", cid, owner.ID), owner.Token, map[string]string{"role": "viewer"}, 409)
	check("PUT", "/api/companies/{id}/members/{uid}", fmt.Sprintf("/api/companies/%d/members/%d", cid, rec.ID), rec.Token, map[string]string{"role": "owner"}, 403)

	job := check("POST", "/api/jobs", "/api/jobs", rec.Token, map[string]any{"company_id": cid, "title": "Contract job", "description": "# Hi\nWrite *Go*.",
		"skills": []string{"go"}, "salary_min": 1, "salary_max": 2, "currency": "EUR"}, 201).Map(t)
	jid := int(job["id"].(float64))
	check("POST", "/api/jobs", "/api/jobs", rec.Token, map[string]any{"company_id": cid, "title": "", "description": "x"}, 400)
	check("GET", "/api/jobs", "/api/jobs?q=contract", "", nil, 200)
	check("GET", "/api/jobs/{id}", fmt.Sprintf("/api/jobs/%d", jid), "", nil, 200)
	check("PUT", "/api/jobs/{id}", fmt.Sprintf("/api/jobs/%d", jid), rec.Token, map[string]any{"location": "Oslo", "version": 1}, 200)
	check("PUT", "/api/jobs/{id}", fmt.Sprintf("/api/jobs/%d", jid), rec.Token, map[string]any{"location": "Rome", "version": 1}, 412)
	check("PUT", "/api/jobs/{id}", fmt.Sprintf("/api/jobs/%d", jid), rec.Token, map[string]any{"location": "Rome"}, 428)

	app := check("POST", "/api/applications", "/api/applications", cand.Token, map[string]any{"job_id": jid, "cover_letter": "hi"}, 201).Map(t)
	aid := int(app["id"].(float64))
	check("POST", "/api/applications", "/api/applications", cand.Token, map[string]any{"job_id": jid}, 409)
	check("GET", "/api/applications", "/api/applications", rec.Token, nil, 200)
	check("GET", "/api/applications/{id}", fmt.Sprintf("/api/applications/%d", aid), cand.Token, nil, 200)
	check("PUT", "/api/applications/{id}/status", fmt.Sprintf("/api/applications/%d/status", aid), rec.Token, map[string]string{"status": "screening", "note": "ok"}, 200)
	check("PUT", "/api/applications/{id}/status", fmt.Sprintf("/api/applications/%d/status", aid), rec.Token, map[string]string{"status": "hired"}, 409)
	check("GET", "/api/applications/{id}/history", fmt.Sprintf("/api/applications/%d/history", aid), cand.Token, nil, 200)
	check("GET", "/api/applications/{id}/resume", fmt.Sprintf("/api/applications/%d/resume", aid), cand.Token, nil, 404)

	notes := check("GET", "/api/notifications", "/api/notifications", cand.Token, nil, 200).Map(t)
	nid := int(notes["items"].([]any)[0].(map[string]any)["id"].(float64))
	check("POST", "/api/notifications/{id}/read", fmt.Sprintf("/api/notifications/%d/read", nid), cand.Token, nil, 200)
	check("POST", "/api/notifications/read-all", "/api/notifications/read-all", cand.Token, nil, 200)
	check("GET", "/api/companies/{id}/audit", fmt.Sprintf("/api/companies/%d/audit", cid), owner.Token, nil, 200)
	check("GET", "/api/companies/{id}/audit", fmt.Sprintf("/api/companies/%d/audit", cid), rec.Token, nil, 403)
	check("DELETE", "/api/jobs/{id}", fmt.Sprintf("/api/jobs/%d", jid), rec.Token, nil, 200)
	r := p.Do("DELETE", fmt.Sprintf("/api/companies/%d/members/%d", cid, rec.ID), rec.Token, nil)
	if r.Status != 204 {
		t.Fatalf("leave: %d %s", r.Status, r.Body)
	}
}
