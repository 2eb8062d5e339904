package web_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/hirebus/hirebus/internal/platformtest"
	"go.yaml.in/yaml/v3"
)

// loadSpec reads docs/openapi.yaml, which the docs page renders.
func loadSpec(t *testing.T) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "openapi.yaml"))
	if err != nil {
		t.Fatalf("read docs/openapi.yaml: %v", err)
	}
	var spec map[string]any
	if err := yaml.Unmarshal(b, &spec); err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	return spec
}

// The API contract of the issues: every route must be documented.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	spec := loadSpec(t)
	if v, _ := spec["openapi"].(string); !strings.HasPrefix(v, "3.1") {
		t.Fatalf("openapi version %q, want 3.1.x", v)
	}
	paths, _ := spec["paths"].(map[string]any)
	routes := []struct{ method, path string }{
		{"get", "/health"}, {"get", "/ready"}, {"get", "/docs"}, {"get", "/docs/openapi.yaml"},
		{"post", "/api/auth/send-otp"}, {"post", "/api/auth/verify-otp"}, {"post", "/api/auth/register"},
		{"post", "/api/auth/login"}, {"post", "/api/auth/logout"}, {"post", "/api/auth/forgot-password"},
		{"post", "/api/auth/reset-password"}, {"post", "/api/auth/verify-token"}, {"get", "/api/user/me"},
		{"post", "/api/auth/face-login"}, {"post", "/api/auth/reset-face"}, {"post", "/detect_face"},
		{"post", "/api/face/detect"}, {"get", "/api/ops/{id}"}, {"get", "/ws"}, {"get", "/dev/mailbox"},
		{"get", "/api/problems"}, {"get", "/api/problems/{id}"}, {"post", "/api/code/execute"},
		{"post", "/api/code/submit"}, {"get", "/api/code/submissions/{id}"},
		{"get", "/api/code/languages"}, {"get", "/api/code/submissions"}, {"post", "/api/proctor/frame"},
		// issue 10: the hiring domain
		{"post", "/api/companies"}, {"get", "/api/companies"}, {"get", "/api/companies/{id}"},
		{"post", "/api/companies/{id}/invitations"}, {"post", "/api/companies/join"}, {"get", "/api/companies/{id}/members"},
		{"put", "/api/companies/{id}/members/{uid}"}, {"delete", "/api/companies/{id}/members/{uid}"}, {"get", "/api/companies/{id}/audit"},
		{"post", "/api/jobs"}, {"get", "/api/jobs"}, {"get", "/api/jobs/{id}"}, {"put", "/api/jobs/{id}"}, {"delete", "/api/jobs/{id}"},
		{"post", "/api/applications"}, {"get", "/api/applications"}, {"get", "/api/applications/{id}"},
		{"put", "/api/applications/{id}/status"}, {"get", "/api/applications/{id}/history"}, {"get", "/api/applications/{id}/resume"},
		{"get", "/api/notifications"}, {"post", "/api/notifications/{id}/read"}, {"post", "/api/notifications/read-all"},
		// issue 11: assessments
		{"post", "/api/assessments"}, {"get", "/api/assessments"}, {"get", "/api/assessments/{id}"}, {"put", "/api/assessments/{id}"},
		{"post", "/api/assessments/{id}/invitations"}, {"get", "/api/assessments/{id}/attempts"}, {"post", "/api/assessments/{id}/start"},
		{"post", "/api/assessments/{id}/submit"}, {"get", "/api/attempts/{id}"}, {"put", "/api/attempts/{id}/answers/{question_id}"},
		{"put", "/api/attempts/{id}/answers/{question_id}/score"}, {"post", "/api/attempts/{id}/release"},
		{"post", "/api/problems"}, {"get", "/api/companies/{id}/problems"},
		// issue 14: interviews
		{"post", "/api/interviews"}, {"get", "/api/interviews"}, {"get", "/api/interviews/{id}"}, {"put", "/api/interviews/{id}"},
		{"post", "/api/interviews/{id}/cancel"}, {"post", "/api/interviews/{id}/join"}, {"get", "/api/interviews/{id}/messages"},
		{"get", "/api/interviews/{id}/feedback"}, {"put", "/api/interviews/{id}/feedback"}, {"get", "/api/applications/{id}/interviews"},
		{"get", "/interview/{roomId}"},
		// issue 13: the score worker and candidate reports
		{"post", "/api/assessments/attempts/{id}/rescore"}, {"get", "/api/assessments/attempts/{id}/review"},
		{"post", "/api/reports/generate"}, {"get", "/api/reports/candidate/{id}"}, {"get", "/api/reports/attempts/{id}/versions"},
		{"get", "/api/reports/compare"},
	}
	for _, r := range routes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			item, _ := paths[r.path].(map[string]any)
			op, _ := item[r.method].(map[string]any)
			if op == nil {
				t.Fatalf("not documented")
			}
			if id, _ := op["operationId"].(string); id == "" {
				t.Errorf("no operationId")
			}
			responses, _ := op["responses"].(map[string]any)
			if len(responses) == 0 {
				t.Errorf("no responses")
			}
		})
	}
}

// walk calls fn for every mapping key and value below v, with its path.
func walk(v any, path string, fn func(path, key string, val any)) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			fn(path, k, val)
			walk(val, path+"/"+k, fn)
		}
	case []any:
		for i, val := range x {
			walk(val, path+"/"+strconv.Itoa(i), fn)
		}
	}
}

// Every $ref resolves, and no key is really the tail of a description cut at
// a comma inside a YAML flow mapping ("{type: string, description: a, b}"),
// an easy slip in this file that YAML parsers accept silently.
func TestOpenAPIRefsResolveAndPropertiesAreNames(t *testing.T) {
	spec := loadSpec(t)
	resolve := func(ref string) bool {
		if !strings.HasPrefix(ref, "#/") {
			return false
		}
		var cur any = spec
		for _, part := range strings.Split(ref[2:], "/") {
			m, ok := cur.(map[string]any)
			if !ok {
				return false
			}
			if cur, ok = m[part]; !ok {
				return false
			}
		}
		return true
	}
	refs := 0
	walk(spec, "", func(path, key string, val any) {
		if key == "$ref" {
			refs++
			if s, _ := val.(string); !resolve(s) {
				t.Errorf("%s: $ref %v does not resolve", path, val)
			}
		}
		// No key of this document (paths, fields, keywords, property names)
		// contains a space; one that does is the tail of a cut description.
		if strings.Contains(key, " ") {
			t.Errorf("%s: key %q is not a name (unquoted comma in a flow mapping?)", path, key)
		}
	})
	if refs < 50 {
		t.Errorf("only %d $refs found; the walk is broken", refs)
	}
}

// Every route the edge serves is in the OpenAPI document, and every
// documented operation is served: the document is the API's contract, so
// drift either way fails here.
func TestOpenAPIMatchesEdgeRoutes(t *testing.T) {
	spec := loadSpec(t)
	paths, _ := spec["paths"].(map[string]any)
	documented := map[string]bool{}
	for path, item := range paths {
		for method := range item.(map[string]any) {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	served := map[string]bool{}
	param := regexp.MustCompile(`:(\w+)`)
	for _, r := range p.Edge.App().GetRoutes(true) {
		switch r.Method {
		case "GET", "POST", "PUT", "PATCH", "DELETE":
		default:
			continue // HEAD mirrors GET; USE is middleware
		}
		if r.Path == "/" || r.Path == "/:file" {
			continue // the embedded pages
		}
		served[r.Method+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}
	if len(served) < 20 {
		t.Fatalf("only %d routes found on the edge; the route listing is broken", len(served))
	}
	for op := range served {
		if !documented[op] {
			t.Errorf("%s is served but not in docs/openapi.yaml", op)
		}
	}
	for op := range documented {
		if !served[op] {
			t.Errorf("%s is in docs/openapi.yaml but the edge does not serve it", op)
		}
	}
}
