package web_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/hirebus/hirebus/internal/platformtest"
)

// Real answers of every interview route (success and the documented
// errors) match the schemas in docs/openapi.yaml.
func TestInterviewResponsesMatchOpenAPISchemas(t *testing.T) {
	c := schemaChecker{spec: loadSpec(t)}
	p := platformtest.Start(t, platformtest.Options{})
	rec, cand, cand2 := p.Register("ivrec", "recruiter"), p.Register("ivcand", "candidate"), p.Register("ivcand2", "candidate")
	check := func(method, doc, path, token string, body any, status int) platformtest.Response {
		t.Helper()
		r := p.Do(method, path, token, body)
		if r.Status != status {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Status, status, r.Body)
		}
		c.expect(t, method, doc, status, r.Body)
		return r
	}
	co := p.Do("POST", "/api/companies", rec.Token, map[string]string{"name": "Interview Co"}).Map(t)
	job := p.Do("POST", "/api/jobs", rec.Token, map[string]any{"company_id": co["id"], "title": "Interview job", "description": "x", "status": "open"}).Map(t)
	app := p.Do("POST", "/api/applications", cand.Token, map[string]any{"job_id": job["id"]}).Map(t)
	app2 := p.Do("POST", "/api/applications", cand2.Token, map[string]any{"job_id": job["id"]}).Map(t)
	start := time.Now().Add(5 * time.Minute).Truncate(time.Second).Format(time.RFC3339)
	iv := check("POST", "/api/interviews", "/api/interviews", rec.Token, map[string]any{"application_id": app["id"], "starts_at": start,
		"duration_minutes": 30, "interviewers": []uint64{rec.ID}, "kind": "live"}, 201).Map(t)
	ivPath := fmt.Sprintf("/api/interviews/%d", int(iv["id"].(float64)))
	check("POST", "/api/interviews", "/api/interviews", rec.Token, map[string]any{"application_id": app2["id"], "starts_at": start,
		"duration_minutes": 30, "interviewers": []uint64{rec.ID}}, 409)
	check("POST", "/api/interviews", "/api/interviews", rec.Token, map[string]any{"application_id": app2["id"], "starts_at": "tomorrow", "duration_minutes": 30}, 400)
	check("POST", "/api/interviews", "/api/interviews", cand.Token, map[string]any{"application_id": app["id"], "starts_at": start, "duration_minutes": 30, "kind": "ai"}, 404)
	check("GET", "/api/interviews", "/api/interviews", cand.Token, nil, 200)
	check("GET", "/api/interviews", "/api/interviews?from=x", cand.Token, nil, 400)
	check("GET", "/api/interviews/{id}", ivPath, cand.Token, nil, 200)
	check("GET", "/api/interviews/{id}", ivPath, cand2.Token, nil, 404)
	check("POST", "/api/interviews/{id}/join", ivPath+"/join", cand.Token, nil, 200)
	check("GET", "/api/interviews/{id}/messages", ivPath+"/messages", rec.Token, nil, 200)
	check("PUT", "/api/interviews/{id}/feedback", ivPath+"/feedback", rec.Token, map[string]any{"notes": "n", "scorecard": []map[string]any{{"name": "Go", "score": 5}}, "recommendation": "strong_yes"}, 200)
	check("PUT", "/api/interviews/{id}/feedback", ivPath+"/feedback", rec.Token, map[string]any{"scorecard": []map[string]any{{"name": "Go", "score": 9}}}, 400)
	check("GET", "/api/interviews/{id}/feedback", ivPath+"/feedback", rec.Token, nil, 200)
	check("GET", "/api/interviews/{id}/feedback", ivPath+"/feedback", cand.Token, nil, 403)
	check("GET", "/api/applications/{id}/interviews", fmt.Sprintf("/api/applications/%d/interviews", int(app["id"].(float64))), cand.Token, nil, 200)
	check("PUT", "/api/interviews/{id}", ivPath, cand.Token, map[string]any{"starts_at": start}, 403)
	check("PUT", "/api/interviews/{id}", ivPath, rec.Token, map[string]any{"starts_at": time.Now().Add(48 * time.Hour).Format(time.RFC3339)}, 200)
	check("POST", "/api/interviews/{id}/join", ivPath+"/join", cand.Token, nil, 409)
	check("POST", "/api/interviews/{id}/cancel", ivPath+"/cancel", rec.Token, nil, 200)
	check("PUT", "/api/interviews/{id}", ivPath, rec.Token, map[string]any{"starts_at": start}, 409)
}
