package edge_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/problems"
	"github.com/hirebus/hirebus/workers/code/codetest"
	"github.com/hirebus/hirebus/workers/face/facetest"
	"github.com/jmoiron/sqlx"
)

// activeAttempt gives candidateID an active attempt (30 minutes left) on a
// fresh one-question assessment of a fresh company; for tests of other
// features that need one (proctor frames).
func activeAttempt(t *testing.T, db *sqlx.DB, candidateID uint64) (assessmentID int64, attemptID uint64) {
	t.Helper()
	res, err := db.Exec(`INSERT INTO companies (name) VALUES (?)`, fmt.Sprintf("Proctor test %d", time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	cid, _ := res.LastInsertId()
	if res, err = db.Exec(`INSERT INTO assessments (company_id, title, duration_minutes, proctoring, created_by) VALUES (?, 'proctored', 30, '{"webcam":true,"frame_interval_s":10}', ?)`,
		cid, candidateID); err != nil {
		t.Fatal(err)
	}
	assessmentID, _ = res.LastInsertId()
	if res, err = db.Exec(`INSERT INTO assessment_attempts (assessment_id, candidate_id, consent_version, consented_at, started_at, deadline)
		VALUES (?, ?, ?, UTC_TIMESTAMP(3), UTC_TIMESTAMP(3), UTC_TIMESTAMP(3) + INTERVAL 30 MINUTE)`, assessmentID, candidateID, assess.ConsentVersion); err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return assessmentID, uint64(id)
}

// aw is an assessment world: Acme (owner, recruiter, viewer), Globex's
// recruiter, three candidates who applied to Acme's open job (cand and
// cand2 are invited to the assessments made with invite; cand3 never is),
// and the seed problems.
type aw struct {
	t                                             *testing.T
	p                                             *platformtest.Platform
	owner, rec, viewer, other, cand, cand2, cand3 platformtest.User
	acme, globex, job                             uint64
	app, app2, app3                               uint64
	fizzbuzz                                      int64
	tokens                                        map[string]string
}

var assessPrincipals = []string{"anonymous", "candidate", "another candidate", "candidate not invited", "other company", "viewer", "recruiter", "owner"}

func startAssess(t *testing.T, p *platformtest.Platform) *aw {
	t.Helper()
	w := &aw{t: t, p: p}
	w.owner, w.rec, w.viewer, w.other = p.Register("owner", "recruiter"), p.Register("rec", "recruiter"), p.Register("viewer", "recruiter"), p.Register("other", "recruiter")
	w.cand, w.cand2, w.cand3 = p.Register("cand", "candidate"), p.Register("cand2", "candidate"), p.Register("cand3", "candidate")
	w.tokens = map[string]string{"anonymous": "", "candidate": w.cand.Token, "another candidate": w.cand2.Token, "candidate not invited": w.cand3.Token,
		"other company": w.other.Token, "viewer": w.viewer.Token, "recruiter": w.rec.Token, "owner": w.owner.Token}
	w.acme = w.id(w.must(w.do("POST", "/api/companies", w.owner.Token, map[string]string{"name": "Acme"}), 201))
	w.globex = w.id(w.must(w.do("POST", "/api/companies", w.other.Token, map[string]string{"name": "Globex"}), 201))
	for _, m := range []struct {
		u    platformtest.User
		role string
	}{{w.rec, "recruiter"}, {w.viewer, "viewer"}} {
		if _, err := p.DB.Exec(`INSERT INTO company_members (company_id, user_id, member_role) VALUES (?, ?, ?)`, w.acme, m.u.ID, m.role); err != nil {
			t.Fatal(err)
		}
	}
	w.job = w.id(w.must(w.do("POST", "/api/jobs", w.rec.Token, map[string]any{"company_id": w.acme, "title": "Go engineer", "description": "Go.", "status": "open"}), 201))
	w.app = w.id(w.must(w.do("POST", "/api/applications", w.cand.Token, map[string]any{"job_id": w.job}), 201))
	w.app2 = w.id(w.must(w.do("POST", "/api/applications", w.cand2.Token, map[string]any{"job_id": w.job}), 201))
	w.app3 = w.id(w.must(w.do("POST", "/api/applications", w.cand3.Token, map[string]any{"job_id": w.job}), 201))
	var count int
	if err := p.DB.Get(&count, `SELECT COUNT(*) FROM coding_problems`); err != nil {
		t.Fatal(err)
	}
	if count == 0 {
		ps, err := problems.LoadSeed()
		if err != nil {
			t.Fatal(err)
		}
		if err := problems.Upsert(context.Background(), p.DB, ps); err != nil {
			t.Fatal(err)
		}
	}
	pr, err := problems.GetBySlug(context.Background(), p.DB, "fizzbuzz")
	if err != nil {
		t.Fatal(err)
	}
	w.fizzbuzz = pr.ID
	return w
}

func (w *aw) do(method, path, token string, body any) platformtest.Response {
	w.t.Helper()
	if body == nil {
		return req(w.t, method, w.p.URL+path, token, "", nil, nil)
	}
	return req(w.t, method, w.p.URL+path, token, "application/json", js(body), nil)
}

func (w *aw) must(r platformtest.Response, status int) map[string]any {
	w.t.Helper()
	if r.Status != status {
		w.t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if len(r.Body) == 0 {
		return nil
	}
	return r.Map(w.t)
}

func (w *aw) id(m map[string]any) uint64 { return uint64(m["id"].(float64)) }

const secretRubric = "RUBRIC-7f3a: mentions blocking sends"

func (w *aw) body(duration int, kinds ...string) map[string]any {
	var qs []map[string]any
	for _, k := range kinds {
		switch k {
		case "mcq":
			qs = append(qs, map[string]any{"kind": "mcq", "points": 2, "prompt": "Which is a Go keyword?", "options": []string{"defer", "finally", "until"}, "correct": []int{0}})
		case "text":
			qs = append(qs, map[string]any{"kind": "text", "points": 5, "prompt": "Explain channels.", "max_length": 500, "rubric": secretRubric})
		case "code":
			qs = append(qs, map[string]any{"kind": "code", "points": 10, "problem_id": w.fizzbuzz, "languages": []string{"python", "go"}})
		}
	}
	return map[string]any{"company_id": w.acme, "title": "Backend screen", "job_id": w.job, "duration_minutes": duration,
		"proctoring": map[string]any{"webcam": false, "frame_interval_s": 0, "fullscreen": true}, "questions": qs}
}

// assessment creates an assessment with the question kinds and invites
// cand and cand2.
func (w *aw) assessment(kinds ...string) (id uint64, questions []uint64) {
	w.t.Helper()
	m := w.must(w.do("POST", "/api/assessments", w.rec.Token, w.body(30, kinds...)), 201)
	id = w.id(m)
	for _, q := range m["questions"].([]any) {
		questions = append(questions, w.id(q.(map[string]any)))
	}
	for _, app := range []uint64{w.app, w.app2} {
		w.must(w.do("POST", fmt.Sprintf("/api/assessments/%d/invitations", id), w.rec.Token, map[string]any{"application_id": app}), 201)
	}
	return id, questions
}

var consent = map[string]any{"consent": true, "consent_version": assess.ConsentVersion}

func (w *aw) start(id uint64, tok string) uint64 {
	w.t.Helper()
	return w.id(w.must(w.do("POST", fmt.Sprintf("/api/assessments/%d/start", id), tok, consent), 201))
}

// TestAssessAccessMatrix: every assessment route × every kind of caller.
func TestAssessAccessMatrix(t *testing.T) {
	w := startAssess(t, platformtest.Start(t, platformtest.Options{}))
	fixed, fq := w.assessment("mcq", "text")
	attempt := w.start(fixed, w.cand.Token)
	image := facetest.Blank(t)
	type route struct {
		name  string
		setup func(who string) (method, path string, body any)
		want  []int // in the order of assessPrincipals
	}
	static := func(method, path string, body any) func(string) (string, string, any) {
		return func(string) (string, string, any) { return method, path, body }
	}
	submitted := func(kinds ...string) (uint64, []uint64) { // cand's submitted attempt on a fresh assessment
		id, qs := w.assessment(kinds...)
		att := w.start(id, w.cand.Token)
		w.must(w.do("PUT", fmt.Sprintf("/api/attempts/%d/answers/%d", att, qs[0]), w.cand.Token, map[string]any{"text": "They block."}), 200)
		w.must(w.do("POST", fmt.Sprintf("/api/assessments/%d/submit", id), w.cand.Token, nil), 202)
		return att, qs
	}
	routes := []route{
		{"POST /api/assessments", static("POST", "/api/assessments", w.body(30, "mcq")), []int{401, 404, 404, 404, 404, 403, 201, 201}},
		{"GET /api/assessments?company_id=", static("GET", fmt.Sprintf("/api/assessments?company_id=%d", w.acme), nil), []int{401, 404, 404, 404, 404, 200, 200, 200}},
		{"GET /api/assessments (mine)", static("GET", "/api/assessments", nil), []int{401, 200, 200, 200, 200, 200, 200, 200}},
		{"GET /api/assessments/:id", static("GET", fmt.Sprintf("/api/assessments/%d", fixed), nil), []int{401, 200, 200, 404, 404, 200, 200, 200}},
		{"PUT /api/assessments/:id", func(string) (string, string, any) {
			id := w.id(w.must(w.do("POST", "/api/assessments", w.rec.Token, w.body(30, "mcq")), 201))
			return "PUT", fmt.Sprintf("/api/assessments/%d", id), w.body(45, "mcq", "text")
		}, []int{401, 404, 404, 404, 404, 403, 200, 200}},
		{"PUT /api/assessments/:id (started)", static("PUT", fmt.Sprintf("/api/assessments/%d", fixed), w.body(45, "mcq")), []int{401, 404, 404, 404, 404, 403, 409, 409}},
		{"POST /api/assessments/:id/invitations", func(string) (string, string, any) {
			id := w.id(w.must(w.do("POST", "/api/assessments", w.rec.Token, w.body(30, "mcq")), 201))
			return "POST", fmt.Sprintf("/api/assessments/%d/invitations", id), map[string]any{"application_id": w.app3}
		}, []int{401, 404, 404, 404, 404, 403, 201, 201}},
		{"GET /api/assessments/:id/attempts", static("GET", fmt.Sprintf("/api/assessments/%d/attempts", fixed), nil), []int{401, 404, 404, 404, 404, 200, 200, 200}},
		{"POST /api/assessments/:id/start", func(string) (string, string, any) {
			id, _ := w.assessment("mcq")
			return "POST", fmt.Sprintf("/api/assessments/%d/start", id), consent
		}, []int{401, 201, 201, 404, 404, 403, 403, 403}},
		{"PUT /api/attempts/:id/answers/:question_id", static("PUT", fmt.Sprintf("/api/attempts/%d/answers/%d", attempt, fq[0]), map[string]any{"choices": []int{1}}),
			[]int{401, 200, 404, 404, 404, 403, 403, 403}},
		{"GET /api/attempts/:id", static("GET", fmt.Sprintf("/api/attempts/%d", attempt), nil), []int{401, 200, 404, 404, 404, 200, 200, 200}},
		{"POST /api/proctor/frame", static("POST", "/api/proctor/frame", map[string]any{"attempt_id": attempt, "image": image}), []int{401, 202, 404, 404, 404, 404, 404, 404}},
		{"POST /api/assessments/:id/submit", func(string) (string, string, any) {
			id, _ := w.assessment("mcq")
			w.start(id, w.cand.Token)
			return "POST", fmt.Sprintf("/api/assessments/%d/submit", id), nil
		}, []int{401, 202, 409, 404, 404, 403, 403, 403}},
		{"PUT /api/attempts/:id/answers/:question_id/score", func(string) (string, string, any) {
			att, qs := submitted("text")
			return "PUT", fmt.Sprintf("/api/attempts/%d/answers/%d/score", att, qs[0]), map[string]any{"score": 4}
		}, []int{401, 404, 404, 404, 404, 403, 200, 200}},
		{"POST /api/attempts/:id/release", func(string) (string, string, any) {
			att, qs := submitted("text")
			w.must(w.do("PUT", fmt.Sprintf("/api/attempts/%d/answers/%d/score", att, qs[0]), w.rec.Token, map[string]any{"score": 3}), 200)
			return "POST", fmt.Sprintf("/api/attempts/%d/release", att), nil
		}, []int{401, 404, 404, 404, 404, 403, 200, 200}},
	}
	for _, r := range routes {
		t.Run(r.name, func(t *testing.T) {
			for i, who := range assessPrincipals {
				method, path, body := r.setup(who)
				got := w.do(method, path, w.tokens[who], body)
				if got.Status != r.want[i] {
					t.Errorf("%s: %d, want %d: %s", who, got.Status, r.want[i], got.Body)
				}
			}
		})
	}
}

// TestAssessValidation: bad input per route → 4xx with a stable code.
func TestAssessValidation(t *testing.T) {
	w := startAssess(t, platformtest.Start(t, platformtest.Options{}))
	id, qs := w.assessment("mcq", "text", "code")
	att := w.start(id, w.cand.Token)
	other, _ := w.assessment("mcq")
	graded, gqs := w.assessment("text")
	gatt := w.start(graded, w.cand.Token)
	w.must(w.do("PUT", fmt.Sprintf("/api/attempts/%d/answers/%d", gatt, gqs[0]), w.cand.Token, map[string]any{"text": "x"}), 200)
	w.must(w.do("POST", fmt.Sprintf("/api/assessments/%d/submit", graded), w.cand.Token, nil), 202)
	later := w.body(30, "mcq")
	later["opens_at"] = time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	notYet := w.id(w.must(w.do("POST", "/api/assessments", w.rec.Token, later), 201))
	w.must(w.do("POST", fmt.Sprintf("/api/assessments/%d/invitations", notYet), w.rec.Token, map[string]any{"application_id": w.app}), 201)
	with := func(edit func(m map[string]any)) map[string]any {
		b := w.body(30, "mcq", "text")
		edit(b)
		return b
	}
	q := func(i int, k string, v any) func(m map[string]any) {
		return func(m map[string]any) { m["questions"].([]map[string]any)[i][k] = v }
	}
	ans := func(qid uint64) string { return fmt.Sprintf("/api/attempts/%d/answers/%d", att, qid) }
	rec, cand := w.rec.Token, w.cand.Token
	cases := []struct {
		name, method, path, token string
		raw                       string // sent as is when set
		body                      any
		status                    int
		code                      string
	}{
		{"create: not JSON", "POST", "/api/assessments", rec, "title=x", nil, 415, "unsupported_media_type"},
		{"create: unknown field", "POST", "/api/assessments", rec, "", with(func(m map[string]any) { m["owner"] = 1 }), 400, "unknown_field"},
		{"create: wrong type", "POST", "/api/assessments", rec, "", with(func(m map[string]any) { m["duration_minutes"] = "thirty" }), 400, "bad_json"},
		{"create: no company", "POST", "/api/assessments", rec, "", with(func(m map[string]any) { delete(m, "company_id") }), 400, "invalid_company_id"},
		{"create: no title", "POST", "/api/assessments", rec, "", with(func(m map[string]any) { m["title"] = "" }), 400, "invalid_title"},
		{"create: duration 0", "POST", "/api/assessments", rec, "", with(func(m map[string]any) { m["duration_minutes"] = 0 }), 400, "invalid_duration_minutes"},
		{"create: duration 601", "POST", "/api/assessments", rec, "", with(func(m map[string]any) { m["duration_minutes"] = 601 }), 400, "invalid_duration_minutes"},
		{"create: no questions", "POST", "/api/assessments", rec, "", with(func(m map[string]any) { m["questions"] = []any{} }), 400, "invalid_questions"},
		{"create: bad kind", "POST", "/api/assessments", rec, "", with(q(0, "kind", "essay")), 400, "invalid_questions"},
		{"create: key out of range", "POST", "/api/assessments", rec, "", with(q(0, "correct", []int{9})), 400, "invalid_questions"},
		{"create: unknown problem", "POST", "/api/assessments", rec, "", with(func(m map[string]any) {
			m["questions"] = []map[string]any{{"kind": "code", "points": 1, "problem_id": 99999}}
		}), 400, "invalid_questions"},
		{"create: frame interval", "POST", "/api/assessments", rec, "", with(func(m map[string]any) {
			m["proctoring"] = map[string]any{"webcam": true, "frame_interval_s": 1}
		}), 400, "invalid_proctoring"},
		{"create: window backwards", "POST", "/api/assessments", rec, "", with(func(m map[string]any) {
			m["opens_at"], m["closes_at"] = "2030-01-02T00:00:00Z", "2030-01-01T00:00:00Z"
		}), 400, "invalid_closes_at"},
		{"create: another company's job", "POST", "/api/assessments", rec, "", with(func(m map[string]any) { m["job_id"] = 999999 }), 400, "invalid_job_id"},
		{"list: bad company_id", "GET", "/api/assessments?company_id=abc", rec, "", nil, 400, "bad_company_id"},
		{"get: bad id", "GET", "/api/assessments/abc", rec, "", nil, 400, "bad_id"},
		{"get: unknown", "GET", "/api/assessments/999999", rec, "", nil, 404, "not_found"},
		{"update: started", "PUT", fmt.Sprintf("/api/assessments/%d", id), rec, "", w.body(30, "mcq"), 409, "assessment_started"},
		{"invite: no application", "POST", fmt.Sprintf("/api/assessments/%d/invitations", other), rec, "", map[string]any{}, 400, "invalid_application_id"},
		{"invite: unknown application", "POST", fmt.Sprintf("/api/assessments/%d/invitations", other), rec, "", map[string]any{"application_id": 999999}, 400, "invalid_application_id"},
		{"invite: twice", "POST", fmt.Sprintf("/api/assessments/%d/invitations", other), rec, "", map[string]any{"application_id": w.app}, 409, "already_invited"},
		{"start: no consent", "POST", fmt.Sprintf("/api/assessments/%d/start", other), cand, "", map[string]any{"consent": false, "consent_version": assess.ConsentVersion}, 400, "consent_required"},
		{"start: old consent", "POST", fmt.Sprintf("/api/assessments/%d/start", other), cand, "", map[string]any{"consent": true, "consent_version": "2001-01-01"}, 400, "consent_required"},
		{"start: client clock", "POST", fmt.Sprintf("/api/assessments/%d/start", other), cand, "", map[string]any{"consent": true, "consent_version": assess.ConsentVersion, "deadline": "2099-01-01T00:00:00Z"}, 400, "unknown_field"},
		{"start: twice", "POST", fmt.Sprintf("/api/assessments/%d/start", id), cand, "", consent, 409, "already_started"},
		{"start: before the window", "POST", fmt.Sprintf("/api/assessments/%d/start", notYet), cand, "", consent, 409, "outside_window"},
		{"answer: bad question id", "PUT", fmt.Sprintf("/api/attempts/%d/answers/x", att), cand, "", map[string]any{"choices": []int{0}}, 400, "bad_id"},
		{"answer: unknown question", "PUT", ans(999999), cand, "", map[string]any{"choices": []int{0}}, 404, "not_found"},
		{"answer: client time", "PUT", ans(qs[0]), cand, "", map[string]any{"choices": []int{0}, "saved_at": "2020-01-01T00:00:00Z"}, 400, "unknown_field"},
		{"answer: choice out of range", "PUT", ans(qs[0]), cand, "", map[string]any{"choices": []int{7}}, 400, "invalid_choices"},
		{"answer: text on mcq", "PUT", ans(qs[0]), cand, "", map[string]any{"text": "x"}, 400, "invalid_answer"},
		{"answer: text too long", "PUT", ans(qs[1]), cand, "", map[string]any{"text": strings.Repeat("x", 501)}, 400, "invalid_text"},
		{"answer: language not allowed", "PUT", ans(qs[2]), cand, "", map[string]any{"language": "javascript", "source": "x"}, 400, "invalid_language"},
		{"answer: stale version", "PUT", ans(qs[0]), cand, "", map[string]any{"choices": []int{0}, "base_version": 41}, 412, "version_mismatch"},
		{"submit: unknown field", "POST", fmt.Sprintf("/api/assessments/%d/submit", id), cand, "", map[string]any{"at": "now"}, 400, "unknown_field"},
		{"submit: not started", "POST", fmt.Sprintf("/api/assessments/%d/submit", other), cand, "", nil, 409, "not_started"},
		{"score: missing", "PUT", fmt.Sprintf("/api/attempts/%d/answers/%d/score", gatt, gqs[0]), rec, "", map[string]any{}, 400, "invalid_score"},
		{"score: above points", "PUT", fmt.Sprintf("/api/attempts/%d/answers/%d/score", gatt, gqs[0]), rec, "", map[string]any{"score": 6}, 400, "invalid_score"},
		{"score: active attempt", "PUT", fmt.Sprintf("/api/attempts/%d/answers/%d/score", att, qs[1]), rec, "", map[string]any{"score": 1}, 409, "not_submitted"},
		{"score: an mcq", "PUT", fmt.Sprintf("/api/attempts/%d/answers/%d/score", gatt, gqs[0]+1000), rec, "", map[string]any{"score": 1}, 404, "not_found"},
		{"release: not graded", "POST", fmt.Sprintf("/api/attempts/%d/release", gatt), rec, "", nil, 409, "not_graded"},
		{"frame: no attempt", "POST", "/api/proctor/frame", cand, "", map[string]any{"image": "x"}, 400, "missing_attempt_id"},
		{"problem: unknown field", "POST", "/api/problems", rec, "", map[string]any{"company_id": w.acme, "hidden": true}, 400, "unknown_field"},
		{"problem: no company", "POST", "/api/problems", rec, "", map[string]any{"slug": "x", "reference": map[string]string{"language": "python", "source": "print(1)"}}, 400, "invalid_company_id"},
		{"problem: unknown language", "POST", "/api/problems", rec, "", map[string]any{"company_id": w.acme, "slug": "x", "reference": map[string]string{"language": "cobol", "source": "x"}}, 400, "invalid_reference"},
		{"problem: bad slug", "POST", "/api/problems", rec, "", map[string]any{"company_id": w.acme, "slug": "Not A Slug", "title": "t", "statement": "s", "difficulty": "easy",
			"time_limit_ms": 1000, "memory_limit_kb": 65536, "reference": map[string]string{"language": "python", "source": "print(1)"}}, 400, "invalid_problem"},
		{"company problems: bad id", "GET", "/api/companies/x/problems", rec, "", nil, 400, "bad_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r platformtest.Response
			switch {
			case c.raw != "":
				r = req(t, c.method, w.p.URL+c.path, c.token, "application/x-www-form-urlencoded", []byte(c.raw), nil)
			default:
				r = w.do(c.method, c.path, c.token, c.body)
			}
			if r.Status != c.status || r.ErrorCode() != c.code {
				t.Fatalf("%d %s, want %d %s: %s", r.Status, r.ErrorCode(), c.status, c.code, r.Body)
			}
		})
	}

	// Answers after the deadline are refused whatever the client says: the
	// deadline is the server's (moved into the past here).
	if _, err := w.p.DB.Exec(`UPDATE assessment_attempts SET deadline = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ?`, att); err != nil {
		t.Fatal(err)
	}
	r := w.do("PUT", ans(qs[0]), cand, map[string]any{"choices": []int{0}})
	if r.Status != 409 || r.ErrorCode() != "attempt_closed" {
		t.Fatalf("answer after the deadline: %d %s", r.Status, r.Body)
	}
	r = w.do("POST", "/api/proctor/frame", cand, map[string]any{"attempt_id": att, "image": facetest.Blank(t)})
	if r.Status != 409 {
		t.Fatalf("frame after the deadline: %d %s", r.Status, r.Body)
	}
}

// TestAssessWholeAttempt runs a whole attempt through the real code worker:
// one code question solved, one MCQ answered, one text answer scored by
// hand; the recruiter gets assessment.submitted and assessment.graded; the
// candidate sees results only once released, and nothing the candidate
// received (responses or pushes) holds an MCQ key, the rubric or a hidden
// test.
func TestAssessWholeAttempt(t *testing.T) {
	e := codetest.Start(t)
	e.StartWorker(t, codetest.Options{})
	w := startAssess(t, e.Platform)
	sw := &assess.Sweeper{Service: &assess.Service{DB: e.DB, Relay: e.Relay}, Interval: 100 * time.Millisecond, Log: platformtest.Logger()}
	e.Go(sw.Run)
	full, err := problemsForGrading(e.DB, "fizzbuzz")
	if err != nil {
		t.Fatal(err)
	}
	candWS := platformtest.DialWS(t, e.URL, w.cand.Token, -1)
	recWS := platformtest.DialWS(t, e.URL, w.rec.Token, -1)
	var bodies []string
	seen := func(r platformtest.Response, status int) map[string]any {
		t.Helper()
		bodies = append(bodies, string(r.Body))
		return w.must(r, status)
	}

	id, qs := w.assessment("mcq", "code", "text")
	seen(w.do("GET", "/api/assessments", w.cand.Token, nil), 200)
	view := seen(w.do("GET", fmt.Sprintf("/api/assessments/%d", id), w.cand.Token, nil), 200)
	if view["consent"].(map[string]any)["version"] != assess.ConsentVersion {
		t.Fatalf("consent: %v", view["consent"])
	}
	att := seen(w.do("POST", fmt.Sprintf("/api/assessments/%d/start", id), w.cand.Token, consent), 201)
	attID := w.id(att)
	dl, _ := time.Parse(time.RFC3339Nano, att["deadline"].(string))
	st, _ := time.Parse(time.RFC3339Nano, att["started_at"].(string))
	if dl.Sub(st) != 30*time.Minute {
		t.Fatalf("deadline %v after start", dl.Sub(st))
	}
	path := func(q uint64) string { return fmt.Sprintf("/api/attempts/%d/answers/%d", attID, q) }
	seen(w.do("PUT", path(qs[0]), w.cand.Token, map[string]any{"choices": []int{0}}), 200)
	seen(w.do("PUT", path(qs[1]), w.cand.Token, map[string]any{"language": "python", "source": "print('draft')"}), 200)
	saved := seen(w.do("PUT", path(qs[1]), w.cand.Token, map[string]any{"language": "python", "source": codetest.SeedSolution(t, "fizzbuzz", "python.py"), "base_version": 1}), 200)
	if saved["version"].(float64) != 2 {
		t.Fatalf("saved: %v", saved)
	}
	seen(w.do("PUT", path(qs[2]), w.cand.Token, map[string]any{"text": "They block until both sides are ready."}), 200)
	sub := seen(w.do("POST", fmt.Sprintf("/api/assessments/%d/submit", id), w.cand.Token, nil), 202)
	opID := sub["op_id"].(string)
	recWS.WaitFor(20*time.Second, func(p platformtest.Push) bool { return p.Type == "assessment.submitted" })
	op := w.p.WaitOp(w.cand.Token, opID, 90*time.Second)
	bodies = append(bodies, string(js(op)))
	if op["status"] != "done" || op["result"].(map[string]any)["status"] != "awaiting_manual" {
		t.Fatalf("submit op: %v", op)
	}
	res := w.must(w.do("GET", fmt.Sprintf("/api/attempts/%d", attID), w.rec.Token, nil), 200)
	results := res["results"].([]any)
	code := results[1].(map[string]any)
	if code["score"].(float64) != 10 || code["detail"].(map[string]any)["verdict"] != "AC" {
		t.Fatalf("code result: %v", code)
	}
	if results[0].(map[string]any)["score"].(float64) != 2 || results[2].(map[string]any)["status"] != "manual" {
		t.Fatalf("results: %v", results)
	}
	var linked int
	if err := e.DB.Get(&linked, `SELECT COUNT(*) FROM coding_submissions c JOIN coding_sessions s ON s.id = c.session_id WHERE c.assessment_id = ? AND s.assessment_id = ?`, id, id); err != nil || linked != 1 {
		t.Fatalf("coding session/submission link: %d %v", linked, err)
	}
	// The code worker's verdicts are the company's until released: not in the
	// candidate's code submissions either.
	var subID uint64
	if err := e.DB.Get(&subID, `SELECT id FROM coding_submissions WHERE assessment_id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if r := w.do("GET", fmt.Sprintf("/api/code/submissions/%d", subID), w.cand.Token, nil); r.Status != 404 {
		t.Fatalf("the candidate reads the graded assessment submission: %d %s", r.Status, r.Body)
	}
	if list := seen(w.do("GET", "/api/code/submissions", w.cand.Token, nil), 200); len(list["submissions"].([]any)) != 0 {
		t.Fatalf("the candidate's submissions list the assessment's: %v", list)
	}
	c := seen(w.do("GET", fmt.Sprintf("/api/attempts/%d", attID), w.cand.Token, nil), 200)
	if _, ok := c["results"]; ok || c["score"] != nil {
		t.Fatalf("candidate sees results before release: %v", c)
	}
	w.must(w.do("PUT", fmt.Sprintf("/api/attempts/%d/answers/%d/score", attID, qs[2]), w.rec.Token, map[string]any{"score": 4}), 200)
	g := recWS.WaitFor(20*time.Second, func(p platformtest.Push) bool { return p.Type == "assessment.graded" })
	var gp struct {
		AttemptID uint64  `json:"attempt_id"`
		Score     float64 `json:"score"`
	}
	if err := json.Unmarshal(g.Data, &gp); err != nil || gp.AttemptID != attID || gp.Score != 16 {
		t.Fatalf("graded push: %s", g.Data)
	}
	w.must(w.do("POST", fmt.Sprintf("/api/attempts/%d/release", attID), w.rec.Token, nil), 200)
	c = seen(w.do("GET", fmt.Sprintf("/api/attempts/%d", attID), w.cand.Token, nil), 200)
	if c["score"].(float64) != 16 || len(c["results"].([]any)) != 3 {
		t.Fatalf("candidate after release: %v", c)
	}
	// Everything pushed to the candidate, up to the results notification
	// (the last thing sent to them).
	deadline := time.Now().Add(20 * time.Second)
	for {
		p := candWS.Next(time.Until(deadline))
		bodies = append(bodies, string(js(p)))
		if p.Type == "notification" && strings.Contains(string(p.Data), "assessment.results") {
			break
		}
	}
	all := strings.Join(bodies, "\n")
	for _, bad := range []string{`"correct"`, `"rubric"`, secretRubric, `"answer_key"`, "code.test"} {
		if strings.Contains(all, bad) {
			t.Errorf("the candidate received %q", bad)
		}
	}
	// Tests equal to a public example are public (the statement shows them).
	public := map[string]bool{}
	for _, ex := range full.Examples {
		public[ex.Input], public[ex.Output] = true, true
	}
	checked := 0
	for _, tc := range full.Tests {
		for _, s := range []string{tc.Input, tc.Output} {
			if len(s) < 12 || public[s] {
				continue
			}
			checked++
			if len(s) > 64 {
				s = s[:64]
			}
			enc, _ := json.Marshal(s)
			if strings.Contains(all, strings.Trim(string(enc), `"`)) {
				t.Errorf("hidden test %s leaked", tc.Name)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no hidden test was long enough to check")
	}
}

// TestCompanyProblems: a company's own problem is published only after its
// reference solution passed every test through the code worker; a wrong
// reference is rejected; only published problems of the company can be used
// in its assessments; company problems are never served by the public
// problem routes, and the invited candidate gets the statement without the
// tests.
func TestCompanyProblems(t *testing.T) {
	e := codetest.Start(t)
	e.StartWorker(t, codetest.Options{})
	w := startAssess(t, e.Platform)
	sw := &assess.Sweeper{Service: &assess.Service{DB: e.DB, Relay: e.Relay}, Interval: 100 * time.Millisecond, Log: platformtest.Logger()}
	e.Go(sw.Run)
	hidden := "123456789012345\n"
	problem := func(slug, ref string) map[string]any {
		return map[string]any{"company_id": w.acme, "slug": slug, "title": "Double it", "statement": "Print twice the number read.",
			"difficulty": "easy", "time_limit_ms": 2000, "memory_limit_kb": 262144,
			"examples":  []map[string]string{{"input": "2\n", "output": "4\n"}},
			"tests":     []map[string]string{{"name": "small", "input": "3\n", "output": "6\n"}, {"name": "big", "input": hidden, "output": "246913578024690\n"}},
			"reference": map[string]string{"language": "python", "source": ref}}
	}
	good := w.must(w.do("POST", "/api/problems", w.rec.Token, problem("double", "print(int(input()) * 2)\n")), 202)
	bad := w.must(w.do("POST", "/api/problems", w.rec.Token, problem("double-wrong", "print(int(input()) + 2)\n")), 202)
	goodID := int64(good["problem"].(map[string]any)["id"].(float64))
	if good["problem"].(map[string]any)["status"] != "validating" {
		t.Fatalf("new problem: %v", good)
	}
	// Not usable while validating.
	body := w.body(30, "code")
	body["questions"].([]map[string]any)[0]["problem_id"] = goodID
	if r := w.do("POST", "/api/assessments", w.rec.Token, body); r.Status != 400 {
		t.Fatalf("assessment with a validating problem: %d %s", r.Status, r.Body)
	}
	status := func(id any) string {
		var s string
		if err := e.DB.Get(&s, `SELECT status FROM coding_problems WHERE id = ?`, id); err != nil {
			t.Fatal(err)
		}
		return s
	}
	deadline := time.Now().Add(120 * time.Second)
	for status(goodID) == "validating" || status(bad["problem"].(map[string]any)["id"]) == "validating" {
		if time.Now().After(deadline) {
			t.Fatal("validation did not finish")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if s := status(goodID); s != "published" {
		t.Fatalf("correct reference: %s", s)
	}
	list := w.must(w.do("GET", fmt.Sprintf("/api/companies/%d/problems", w.acme), w.viewer.Token, nil), 200)
	if items := list["items"].([]any); len(items) != 2 || !strings.Contains(string(js(items)), "rejected") || !strings.Contains(string(js(items)), "passed 0 of 2") {
		t.Fatalf("company problems: %v", items)
	}
	for _, who := range []string{"candidate", "other company"} {
		if r := w.do("GET", fmt.Sprintf("/api/companies/%d/problems", w.acme), w.tokens[who], nil); r.Status != 404 {
			t.Errorf("%s lists the company's problems: %d", who, r.Status)
		}
	}
	for who, want := range map[string]int{"candidate": 404, "other company": 404, "viewer": 403, "anonymous": 401} {
		if r := w.do("POST", "/api/problems", w.tokens[who], problem("x"+strings.ReplaceAll(who, " ", ""), "print(1)")); r.Status != want {
			t.Errorf("%s creates a problem: %d, want %d", who, r.Status, want)
		}
	}
	if r := w.do("POST", "/api/problems", w.rec.Token, problem("double", "print(1)")); r.Status != 409 {
		t.Errorf("same slug twice: %d %s", r.Status, r.Body)
	}
	bad2 := problem("no-tests", "print(1)")
	bad2["tests"] = []any{}
	if r := w.do("POST", "/api/problems", w.rec.Token, bad2); r.Status != 400 || r.ErrorCode() != "invalid_problem" {
		t.Errorf("no tests: %d %s", r.Status, r.Body)
	}
	// Never public.
	if r := w.do("GET", fmt.Sprintf("/api/problems/%d", goodID), w.cand.Token, nil); r.Status != 404 {
		t.Errorf("public route serves a company problem: %d", r.Status)
	}
	if r := w.do("GET", "/api/problems", w.cand.Token, nil); strings.Contains(string(r.Body), "Double it") {
		t.Error("public list shows a company problem")
	}
	// Published: usable; the candidate gets the statement, not the tests.
	m := w.must(w.do("POST", "/api/assessments", w.rec.Token, body), 201)
	aid := w.id(m)
	w.must(w.do("POST", fmt.Sprintf("/api/assessments/%d/invitations", aid), w.rec.Token, map[string]any{"application_id": w.app}), 201)
	r := w.do("GET", fmt.Sprintf("/api/assessments/%d", aid), w.cand.Token, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), "Print twice the number read.") || strings.Contains(string(r.Body), "12345678901") || strings.Contains(string(r.Body), "246913578024690") {
		t.Fatalf("candidate view: %d %s", r.Status, r.Body)
	}
	other := w.must(w.do("POST", "/api/companies", w.other.Token, map[string]string{"name": "Initech"}), 201)
	ob := w.body(30, "code")
	ob["company_id"] = w.id(other)
	delete(ob, "job_id")
	ob["questions"].([]map[string]any)[0]["problem_id"] = goodID
	if r := w.do("POST", "/api/assessments", w.other.Token, ob); r.Status != 400 {
		t.Fatalf("another company used the problem: %d %s", r.Status, r.Body)
	}
}

// TestDeadlineRestartWithCode: a candidate saves a code answer and an MCQ
// answer and goes away; every worker process stops (the sweeper and the
// code worker); the deadline passes; new ones start: the attempt is
// submitted by the server and its code answer graded through the new code
// worker.
func TestDeadlineRestartWithCode(t *testing.T) {
	e := codetest.Start(t)
	w := startAssess(t, e.Platform)
	id, qs := w.assessment("mcq", "code")
	att := w.start(id, w.cand.Token)
	w.must(w.do("PUT", fmt.Sprintf("/api/attempts/%d/answers/%d", att, qs[0]), w.cand.Token, map[string]any{"choices": []int{0}}), 200)
	w.must(w.do("PUT", fmt.Sprintf("/api/attempts/%d/answers/%d", att, qs[1]), w.cand.Token,
		map[string]any{"language": "python", "source": codetest.SeedSolution(t, "fizzbuzz", "python.py")}), 200)

	// Generation 1: a sweeper and a code worker run, then stop.
	ctx1, stop1 := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	sw1 := &assess.Sweeper{Service: &assess.Service{DB: e.DB, Relay: e.Relay}, Holder: "gen-1", Interval: 100 * time.Millisecond, Log: platformtest.Logger()}
	worker1 := e.NewWorker(t, codetest.Options{})
	for _, run := range []func(context.Context) error{sw1.Run, worker1.Run} {
		wg.Add(1)
		go func() { defer wg.Done(); _ = run(ctx1) }()
	}
	var holder string
	for deadline := time.Now().Add(10 * time.Second); holder != "gen-1"; {
		_ = e.DB.Get(&holder, `SELECT holder FROM assessment_leases`)
		if time.Now().After(deadline) {
			t.Fatal("the first sweeper never took the lease")
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop1()
	wg.Wait()

	// While nothing runs, the deadline passes (moved into the past) and the
	// candidate's late answer is refused.
	if _, err := e.DB.Exec(`UPDATE assessment_attempts SET deadline = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ?`, att); err != nil {
		t.Fatal(err)
	}
	r := w.do("PUT", fmt.Sprintf("/api/attempts/%d/answers/%d", att, qs[0]), w.cand.Token, map[string]any{"choices": []int{1}})
	if r.Status != 409 {
		t.Fatalf("late answer: %d %s", r.Status, r.Body)
	}
	var status string
	if err := e.DB.Get(&status, `SELECT status FROM assessment_attempts WHERE id = ?`, att); err != nil || status != "active" {
		t.Fatalf("status while everything is down: %q %v", status, err)
	}

	// Generation 2.
	e.StartWorker(t, codetest.Options{})
	sw2 := &assess.Sweeper{Service: &assess.Service{DB: e.DB, Relay: e.Relay}, Holder: "gen-2", Interval: 100 * time.Millisecond, Log: platformtest.Logger()}
	e.Go(sw2.Run)
	for deadline := time.Now().Add(120 * time.Second); status != "graded"; {
		if err := e.DB.Get(&status, `SELECT status FROM assessment_attempts WHERE id = ?`, att); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("attempt %s, not graded after the restart", status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	m := w.must(w.do("GET", fmt.Sprintf("/api/attempts/%d", att), w.rec.Token, nil), 200)
	if m["submitted_by"] != "deadline" || m["score"].(float64) != 12 {
		t.Fatalf("after the restart: %v", m)
	}
	var submits int
	if err := e.DB.Get(&submits, `SELECT COUNT(*) FROM coding_submissions WHERE assessment_id = ?`, id); err != nil || submits != 1 {
		t.Fatalf("%d code submissions", submits)
	}
}
