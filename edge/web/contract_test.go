package web_test

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/workers/code/codetest"
	faceworker "github.com/hirebus/hirebus/workers/face"
	"github.com/hirebus/hirebus/workers/face/facetest"
)

// schemaChecker checks real JSON answers against the schemas of
// docs/openapi.yaml: required properties present, JSON types as declared
// (through $ref, allOf, oneOf/anyOf, enum and const), recursively. It is
// not a full JSON Schema validator; it catches the drift that matters to
// clients: renamed, missing or retyped fields.
type schemaChecker struct{ spec map[string]any }

func (c schemaChecker) resolve(s map[string]any) map[string]any {
	for i := 0; i < 20; i++ {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		var cur any = c.spec
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cur = cur.(map[string]any)[part]
		}
		s = cur.(map[string]any)
	}
	return s
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case float64:
		if x == math.Trunc(x) {
			return "integer"
		}
		return "number"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// check returns the problems of v against schema s at path.
func (c schemaChecker) check(s map[string]any, v any, path string) []string {
	s = c.resolve(s)
	var errs []string
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			errs = append(errs, c.check(sub.(map[string]any), v, path)...)
		}
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		if alts, ok := s[key].([]any); ok {
			matched := false
			for _, alt := range alts {
				if len(c.check(alt.(map[string]any), v, path)) == 0 {
					matched = true
					break
				}
			}
			if !matched {
				errs = append(errs, fmt.Sprintf("%s: %v matches none of %s", path, v, key))
			}
		}
	}
	if t, ok := s["type"]; ok {
		var allowed []string
		switch x := t.(type) {
		case string:
			allowed = []string{x}
		case []any:
			for _, a := range x {
				allowed = append(allowed, a.(string))
			}
		}
		got := jsonType(v)
		ok := false
		for _, a := range allowed {
			if a == got || (a == "number" && got == "integer") {
				ok = true
			}
		}
		if !ok {
			return append(errs, fmt.Sprintf("%s: %s, documented as %v", path, got, allowed))
		}
	}
	if enum, ok := s["enum"].([]any); ok && v != nil {
		found := false
		for _, e := range enum {
			if fmt.Sprint(e) == fmt.Sprint(v) {
				found = true
			}
		}
		if !found {
			errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", path, v, enum))
		}
	}
	if cv, ok := s["const"]; ok && fmt.Sprint(cv) != fmt.Sprint(v) {
		errs = append(errs, fmt.Sprintf("%s: %v, documented as always %v", path, v, cv))
	}
	switch x := v.(type) {
	case map[string]any:
		required, _ := s["required"].([]any)
		for _, r := range required {
			if _, ok := x[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: required field %q missing", path, r))
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, pv := range x {
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, c.check(ps, pv, path+"."+k)...)
			}
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, it := range x {
				errs = append(errs, c.check(items, it, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return errs
}

// responseSchema is the documented JSON schema of one answer.
func (c schemaChecker) responseSchema(t *testing.T, method, path string, status int) map[string]any {
	t.Helper()
	op, _ := c.spec["paths"].(map[string]any)[path].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if op == nil {
		t.Fatalf("%s %s is not documented", method, path)
	}
	resp, _ := op["responses"].(map[string]any)[fmt.Sprint(status)].(map[string]any)
	if resp == nil {
		t.Fatalf("%s %s: status %d is not documented", method, path, status)
	}
	resp = c.resolve(resp)
	content, _ := resp["content"].(map[string]any)["application/json"].(map[string]any)
	if content == nil {
		t.Fatalf("%s %s %d: no JSON schema documented", method, path, status)
	}
	return content["schema"].(map[string]any)
}

func (c schemaChecker) expect(t *testing.T, method, path string, status int, body []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%s %s: not JSON: %s", method, path, body)
	}
	errs := c.check(c.responseSchema(t, method, path, status), v, "body")
	sort.Strings(errs)
	for _, e := range errs {
		t.Errorf("%s %s %d: %s", method, path, status, e)
	}
}

// Real answers of the edge, with the mail and code workers behind it, match
// the schemas in docs/openapi.yaml.
func TestResponsesMatchOpenAPISchemas(t *testing.T) {
	c := schemaChecker{spec: loadSpec(t)}
	p := codetest.Start(t)
	p.StartWorker(t, codetest.Options{})
	u := p.Register(fmt.Sprintf("api%d", time.Now().UnixNano()%1_000_000_000), "candidate")

	type call struct {
		method, path, doc string
		token             string
		body              any
		status            int
	}
	var submissionID float64
	var opID string
	calls := []call{
		{"GET", "/health", "/health", "", nil, 200},
		{"GET", "/ready", "/ready", "", nil, 200},
		{"POST", "/api/auth/login", "/api/auth/login", "", map[string]string{"username": u.Username, "password": u.Password}, 200},
		{"POST", "/api/auth/login", "/api/auth/login", "", map[string]string{"username": u.Username, "password": "wrong-pass-1"}, 401},
		{"POST", "/api/auth/login", "/api/auth/login", "", map[string]string{"username": u.Username}, 400},
		{"POST", "/api/auth/verify-token", "/api/auth/verify-token", "", map[string]string{"token": u.Token}, 200},
		{"POST", "/api/auth/verify-token", "/api/auth/verify-token", "", map[string]string{"token": "nope"}, 200},
		{"GET", "/api/user/me", "/api/user/me", u.Token, nil, 200},
		{"GET", "/api/user/me", "/api/user/me", "", nil, 401},
		{"POST", "/api/auth/send-otp", "/api/auth/send-otp", "", map[string]string{"email": "x-" + u.Email, "purpose": "register"}, 202},
		{"POST", "/api/auth/send-otp", "/api/auth/send-otp", "", map[string]string{"email": "not-an-email"}, 400},
		{"POST", "/api/auth/verify-otp", "/api/auth/verify-otp", "", map[string]string{"email": u.Email, "otp": "000000", "purpose": "reset"}, 400},
		{"POST", "/api/auth/forgot-password", "/api/auth/forgot-password", "", map[string]string{"email": "nobody@example.com"}, 202},
		{"GET", "/dev/mailbox", "/dev/mailbox", "", nil, 200},
		{"GET", "/api/problems", "/api/problems", u.Token, nil, 200},
		{"GET", "/api/problems/fizzbuzz", "/api/problems/{id}", u.Token, nil, 200},
		{"GET", "/api/problems/no-such-problem", "/api/problems/{id}", u.Token, nil, 404},
		{"GET", "/api/code/languages", "/api/code/languages", u.Token, nil, 200},
		{"POST", "/api/code/execute", "/api/code/execute", u.Token, map[string]string{"language": "python", "source": "print(1)"}, 200},
		{"POST", "/api/code/execute", "/api/code/execute", u.Token, map[string]string{"language": "cobol", "source": "x"}, 400},
		{"POST", "/api/code/submit", "/api/code/submit", u.Token, map[string]any{"problem_id": "fizzbuzz", "language": "python", "source": "print(1)"}, 202},
	}
	for _, tc := range calls {
		t.Run(fmt.Sprintf("%s %s %d", tc.method, tc.path, tc.status), func(t *testing.T) {
			r := p.Do(tc.method, tc.path, tc.token, tc.body)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			c.expect(t, tc.method, tc.doc, tc.status, r.Body)
			if tc.path == "/api/code/submit" {
				var m map[string]any
				r.JSON(t, &m)
				submissionID, _ = m["submission_id"].(float64)
				opID, _ = m["op_id"].(string)
			}
		})
	}
	t.Run("GET /api/ops/{id} and /api/code/submissions/{id} once graded", func(t *testing.T) {
		if opID == "" {
			t.Skip("no submission")
		}
		p.WaitOp(u.Token, opID, 90*time.Second)
		r := p.Do("GET", "/api/ops/"+opID, u.Token, nil)
		c.expect(t, "GET", "/api/ops/{id}", r.Status, r.Body)
		r = p.Do("GET", fmt.Sprintf("/api/code/submissions/%d", int64(submissionID)), u.Token, nil)
		if r.Status != 200 {
			t.Fatalf("submission: %d %s", r.Status, r.Body)
		}
		c.expect(t, "GET", "/api/code/submissions/{id}", 200, r.Body)
		r = p.Do("GET", "/api/code/submissions", u.Token, nil)
		c.expect(t, "GET", "/api/code/submissions", r.Status, r.Body)
	})
}

// The face endpoints' real answers, with a face worker on the real models,
// match docs/openapi.yaml too.
func TestFaceResponsesMatchOpenAPISchemas(t *testing.T) {
	c := schemaChecker{spec: loadSpec(t)}
	pipe, err := face.Load(testutil.ModelsDir(t))
	if err != nil {
		t.Fatal(err)
	}
	p := platformtest.Start(t, platformtest.Options{})
	w, err := faceworker.New(faceworker.Config{}, faceworker.Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log, Embedder: pipe})
	if err != nil {
		t.Fatal(err)
	}
	p.Go(w.Run)
	f := facetest.Faces(t)[3]
	var images []string
	for _, v := range facetest.Shots[:3] {
		images = append(images, facetest.Base64(t, f, v))
	}

	// Registration with images, through the mailed code.
	name := fmt.Sprintf("fc%d", time.Now().UnixNano()%1_000_000_000)
	email := name + "@example.com"
	start := time.Now()
	if r := p.Do("POST", "/api/auth/send-otp", "", map[string]string{"email": email, "purpose": "register"}); r.Status != 202 {
		t.Fatalf("send-otp: %d %s", r.Status, r.Body)
	}
	code := p.OTPFor(email, start)
	if r := p.Do("POST", "/api/auth/verify-otp", "", map[string]string{"email": email, "otp": code, "purpose": "register"}); r.Status != 200 {
		t.Fatalf("verify-otp: %d %s", r.Status, r.Body)
	}
	r := p.Do("POST", "/api/auth/register", "", map[string]any{"username": name, "email": email, "password": "secret123-k7", "images": images})
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	c.expect(t, "POST", "/api/auth/register", 201, r.Body)
	var reg struct {
		Token      string `json:"token"`
		EnrollOpID string `json:"enroll_op_id"`
	}
	r.JSON(t, &reg)
	if reg.EnrollOpID == "" {
		t.Fatalf("register with images gave no enroll_op_id: %s", r.Body)
	}
	if op := p.WaitOp(reg.Token, reg.EnrollOpID, 90*time.Second); op["status"] != "done" {
		t.Fatalf("enrolment: %v", op)
	}

	cases := []struct {
		name, method, path, token string
		body                      any
		status                    int
	}{
		{"detect", "POST", "/detect_face", "", map[string]string{"image": images[0]}, 200},
		{"detect (api path)", "POST", "/api/face/detect", reg.Token, map[string]string{"image": images[1]}, 200},
		{"detect, not an image", "POST", "/api/face/detect", "", map[string]string{"image": "bm90IGFuIGltYWdl"}, 400},
		{"face login 1:1", "POST", "/api/auth/face-login", "", map[string]string{"image": images[2], "username": name}, 200},
		{"face login, no face", "POST", "/api/auth/face-login", "", map[string]string{"image": facetest.Blank(t), "username": name}, 422},
		{"reset face", "POST", "/api/auth/reset-face", reg.Token, map[string]any{"images": images, "password": "secret123-k7"}, 202},
		{"reset face, too few", "POST", "/api/auth/reset-face", reg.Token, map[string]any{"images": images[:1]}, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := p.Do(tc.method, tc.path, tc.token, tc.body)
			if r.Status == 202 && tc.status != 202 {
				t.Skipf("the face worker answered after the edge's wait (202): %s", r.Body)
			}
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			c.expect(t, tc.method, tc.path, tc.status, r.Body)
		})
	}
}
