package web_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
)

// Real answers of every proctoring route, and the live-feed pushes, match
// the schemas in docs/openapi.yaml.
func TestProctorResponsesMatchOpenAPISchemas(t *testing.T) {
	c := schemaChecker{spec: loadSpec(t)}
	p := platformtest.Start(t, platformtest.Options{})
	p.StartProctorWorker(t)
	owner, cand, other := p.Register("powner", "recruiter"), p.Register("pcand", "candidate"), p.Register("pother", "recruiter")
	check := func(method, doc, path, token string, body any, status int) map[string]any {
		t.Helper()
		r := p.Do(method, path, token, body)
		if r.Status != status {
			t.Fatalf("%s %s: %d, want %d: %s", method, path, r.Status, status, r.Body)
		}
		c.expect(t, method, doc, status, r.Body)
		return r.Map(t)
	}
	num := func(m map[string]any, k string) int { return int(m[k].(float64)) }
	cid := num(check("POST", "/api/companies", "/api/companies", owner.Token, map[string]string{"name": "Proctor Co"}, 201), "id")
	jid := num(check("POST", "/api/jobs", "/api/jobs", owner.Token, map[string]any{"company_id": cid, "title": "Job", "description": "x", "status": "open"}, 201), "id")
	appID := num(check("POST", "/api/applications", "/api/applications", cand.Token, map[string]any{"job_id": jid}, 201), "id")
	a := check("POST", "/api/assessments", "/api/assessments", owner.Token, map[string]any{"company_id": cid, "title": "Screen", "duration_minutes": 20,
		"proctoring": map[string]any{"webcam": false, "frame_interval_s": 0, "fullscreen": true},
		"questions":  []map[string]any{{"kind": "mcq", "points": 1, "prompt": "Pick", "options": []string{"a", "b"}, "correct": []int{1}}}}, 201)
	aid := num(a, "id")
	check("POST", "/api/assessments/{id}/invitations", fmt.Sprintf("/api/assessments/%d/invitations", aid), owner.Token, map[string]any{"application_id": appID}, 201)
	att := num(check("POST", "/api/assessments/{id}/start", fmt.Sprintf("/api/assessments/%d/start", aid), cand.Token,
		map[string]any{"consent": true, "consent_version": assess.ConsentVersion}, 201), "id")

	ws := platformtest.DialWS(t, p.URL, owner.Token, -1)
	if err := ws.Conn.WriteJSON(map[string]any{"type": "proctor.subscribe", "attempt_id": att}); err != nil {
		t.Fatal(err)
	}
	snap := ws.WaitFor(10*time.Second, func(m platformtest.Push) bool { return m.Type == "proctor.snapshot" })
	c.checkSchema(t, "ProctorSnapshot", snap.Data)

	now := time.Now().UTC().Format(time.RFC3339Nano)
	log := map[string]any{"attempt_id": att, "events": []any{
		map[string]any{"seq": 1, "type": "devtools_open", "at": now},
		map[string]any{"seq": 2, "type": "paste", "at": now, "data": map[string]any{"length": 500, "target": "code"}},
		map[string]any{"seq": 3, "type": "keystrokes", "at": now, "data": map[string]any{"chars": 40, "duration_ms": 2000}},
	}}
	check("POST", "/api/proctor/log", "/api/proctor/log", cand.Token, log, 202)
	check("POST", "/api/proctor/log", "/api/proctor/log", cand.Token, map[string]any{"attempt_id": att, "events": []any{}}, 400)
	check("POST", "/api/proctor/log", "/api/proctor/log", other.Token, log, 404)
	up := ws.WaitFor(20*time.Second, func(m platformtest.Push) bool { return m.Type == "proctor.update" })
	c.checkSchema(t, "ProctorUpdate", up.Data)

	vp := fmt.Sprintf("/api/proctor/violations/%d", att)
	testutil.Eventually(t, 10*time.Second, func() bool {
		r := p.Do("GET", vp, owner.Token, nil)
		var v struct{ Violations []any }
		return r.Status == 200 && json.Unmarshal(r.Body, &v) == nil && len(v.Violations) == 2
	}, "violations never appeared")
	check("GET", "/api/proctor/violations/{id}", vp, owner.Token, nil, 200)
	check("GET", "/api/proctor/violations/{id}", vp, cand.Token, nil, 200)
	check("GET", "/api/proctor/violations/{id}", vp, other.Token, nil, 404)
	tp := fmt.Sprintf("/api/proctor/attempts/%d/timeline", att)
	check("GET", "/api/proctor/attempts/{id}/timeline", tp, owner.Token, nil, 200)
	check("GET", "/api/proctor/attempts/{id}/timeline", tp+"?after=x", owner.Token, nil, 400)
	lp := fmt.Sprintf("/api/proctor/assessments/%d/live", aid)
	check("GET", "/api/proctor/assessments/{id}/live", lp, owner.Token, nil, 200)
	check("GET", "/api/proctor/assessments/{id}/live", lp, other.Token, nil, 404)
	rp := fmt.Sprintf("/api/proctor/assessments/%d/rules", aid)
	check("GET", "/api/proctor/assessments/{id}/rules", rp, owner.Token, nil, 200)
	check("PUT", "/api/proctor/assessments/{id}/rules", rp, owner.Token, map[string]any{"overrides": []any{map[string]any{"id": "devtools", "threshold": 2}}, "flag_at": 60}, 200)
	check("PUT", "/api/proctor/assessments/{id}/rules", rp, owner.Token, map[string]any{"flag_at": 101}, 400)
}

// checkSchema checks raw JSON against a named component schema.
func (c schemaChecker) checkSchema(t *testing.T, name string, raw json.RawMessage) {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s: not JSON: %s", name, raw)
	}
	s := map[string]any{"$ref": "#/components/schemas/" + name}
	for _, e := range c.check(s, v, name) {
		t.Errorf("%s", e)
	}
}
