package web_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/problems"
)

// Real answers of every assessment route (success and the documented
// errors) match the schemas in docs/openapi.yaml.
func TestAssessResponsesMatchOpenAPISchemas(t *testing.T) {
	c := schemaChecker{spec: loadSpec(t)}
	p := platformtest.Start(t, platformtest.Options{})
	ps, err := problems.LoadSeed()
	if err != nil {
		t.Fatal(err)
	}
	if err := problems.Upsert(context.Background(), p.DB, ps); err != nil {
		t.Fatal(err)
	}
	fizz, err := problems.GetBySlug(context.Background(), p.DB, "fizzbuzz")
	if err != nil {
		t.Fatal(err)
	}
	owner, cand, viewer := p.Register("aowner", "recruiter"), p.Register("acand", "candidate"), p.Register("aviewer", "recruiter")
	check := func(method, doc, path, token string, body any, status int) map[string]any {
		t.Helper()
		r := p.Do(method, path, token, body)
		if r.Status != status {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Status, status, r.Body)
		}
		c.expect(t, method, doc, status, r.Body)
		if len(r.Body) == 0 || r.Body[0] != '{' {
			return nil
		}
		return r.Map(t)
	}
	num := func(m map[string]any, k string) int { return int(m[k].(float64)) }
	cid := num(check("POST", "/api/companies", "/api/companies", owner.Token, map[string]string{"name": "Assess Co"}, 201), "id")
	if _, err := p.DB.Exec(`INSERT INTO company_members (company_id, user_id, member_role) VALUES (?, ?, 'viewer')`, cid, viewer.ID); err != nil {
		t.Fatal(err)
	}
	jid := num(check("POST", "/api/jobs", "/api/jobs", owner.Token, map[string]any{"company_id": cid, "title": "Job", "description": "x", "status": "open"}, 201), "id")
	appID := num(check("POST", "/api/applications", "/api/applications", cand.Token, map[string]any{"job_id": jid}, 201), "id")
	body := map[string]any{"company_id": cid, "title": "Screen", "job_id": jid, "duration_minutes": 20,
		"proctoring": map[string]any{"webcam": true, "frame_interval_s": 15, "fullscreen": true},
		"questions": []map[string]any{
			{"kind": "mcq", "points": 1, "prompt": "Pick", "options": []string{"a", "b"}, "correct": []int{1}},
			{"kind": "text", "points": 2, "prompt": "Why?", "rubric": "r"},
			{"kind": "code", "points": 3, "problem_id": fizz.ID},
		}}
	a := check("POST", "/api/assessments", "/api/assessments", owner.Token, body, 201)
	aid := num(a, "id")
	qid := func(i int) int { return num(a["questions"].([]any)[i].(map[string]any), "id") }
	check("POST", "/api/assessments", "/api/assessments", owner.Token, map[string]any{"company_id": cid, "title": ""}, 400)
	check("POST", "/api/assessments", "/api/assessments", viewer.Token, body, 403)
	ap := fmt.Sprintf("/api/assessments/%d", aid)
	a = check("PUT", "/api/assessments/{id}", ap, owner.Token, body, 200) // new question ids
	check("GET", "/api/assessments", fmt.Sprintf("/api/assessments?company_id=%d", cid), owner.Token, nil, 200)
	check("GET", "/api/assessments/{id}", ap, owner.Token, nil, 200)
	check("GET", "/api/assessments/{id}", "/api/assessments/999999", owner.Token, nil, 404)
	check("POST", "/api/assessments/{id}/invitations", ap+"/invitations", owner.Token, map[string]any{"application_id": appID}, 201)
	check("POST", "/api/assessments/{id}/invitations", ap+"/invitations", owner.Token, map[string]any{"application_id": appID}, 409)
	check("GET", "/api/assessments", "/api/assessments", cand.Token, nil, 200)
	check("GET", "/api/assessments/{id}", ap, cand.Token, nil, 200)
	check("POST", "/api/assessments/{id}/submit", ap+"/submit", cand.Token, nil, 409)
	att := check("POST", "/api/assessments/{id}/start", ap+"/start", cand.Token, map[string]any{"consent": true, "consent_version": assess.ConsentVersion}, 201)
	check("POST", "/api/assessments/{id}/start", ap+"/start", cand.Token, map[string]any{"consent": true, "consent_version": assess.ConsentVersion}, 409)
	check("GET", "/api/assessments/{id}", ap, cand.Token, nil, 200)
	check("PUT", "/api/assessments/{id}", ap, owner.Token, body, 409)
	tp := fmt.Sprintf("/api/attempts/%d", num(att, "id"))
	check("PUT", "/api/attempts/{id}/answers/{question_id}", fmt.Sprintf("%s/answers/%d", tp, qid(0)), cand.Token, map[string]any{"choices": []int{1}}, 200)
	check("PUT", "/api/attempts/{id}/answers/{question_id}", fmt.Sprintf("%s/answers/%d", tp, qid(0)), cand.Token, map[string]any{"choices": []int{1}, "base_version": 7}, 412)
	check("PUT", "/api/attempts/{id}/answers/{question_id}", fmt.Sprintf("%s/answers/%d", tp, qid(1)), cand.Token, map[string]any{"text": "because"}, 200)
	check("PUT", "/api/attempts/{id}/answers/{question_id}/score", fmt.Sprintf("%s/answers/%d/score", tp, qid(1)), owner.Token, map[string]any{"score": 1}, 409)
	check("GET", "/api/attempts/{id}", tp, cand.Token, nil, 200)
	check("POST", "/api/assessments/{id}/submit", ap+"/submit", cand.Token, nil, 202)
	check("PUT", "/api/attempts/{id}/answers/{question_id}", fmt.Sprintf("%s/answers/%d", tp, qid(0)), cand.Token, map[string]any{"choices": []int{0}}, 409)
	check("GET", "/api/assessments/{id}/attempts", ap+"/attempts", owner.Token, nil, 200)
	check("POST", "/api/attempts/{id}/release", tp+"/release", owner.Token, nil, 409)
	check("PUT", "/api/attempts/{id}/answers/{question_id}/score", fmt.Sprintf("%s/answers/%d/score", tp, qid(1)), owner.Token, map[string]any{"score": 2}, 200)
	check("GET", "/api/attempts/{id}", tp, owner.Token, nil, 200)
	check("GET", "/api/attempts/{id}", tp, cand.Token, nil, 200)

	prob := map[string]any{"company_id": cid, "slug": "echo", "title": "Echo", "statement": "Echo the input.", "difficulty": "easy",
		"time_limit_ms": 1000, "memory_limit_kb": 262144, "examples": []map[string]string{{"input": "a\n", "output": "a\n"}},
		"tests": []map[string]string{{"name": "t1", "input": "b\n", "output": "b\n"}}, "reference": map[string]string{"language": "python", "source": "print(input())"}}
	check("POST", "/api/problems", "/api/problems", owner.Token, prob, 202)
	check("POST", "/api/problems", "/api/problems", owner.Token, prob, 409)
	check("POST", "/api/problems", "/api/problems", viewer.Token, prob, 403)
	check("GET", "/api/companies/{id}/problems", fmt.Sprintf("/api/companies/%d/problems", cid), viewer.Token, nil, 200)
	check("GET", "/api/companies/{id}/problems", fmt.Sprintf("/api/companies/%d/problems", cid), cand.Token, nil, 404)
}
