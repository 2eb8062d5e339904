package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/hirebus/hirebus/edge/web"
	"go.yaml.in/yaml/v3"
)

func readFS(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(web.FS, name)
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return string(b)
}

var (
	assetRE    = regexp.MustCompile(`(?:src|href)="/([\w.-]+\.(?:js|css))"`)
	idRE       = regexp.MustCompile(`\bid="([\w-]+)"`)
	jsIDRE     = regexp.MustCompile(`\$\("#([\w-]+)"\)`)
	externalRE = regexp.MustCompile(`(?i)(?:https?:)?//[a-z0-9-]+\.[a-z]{2,}`)
)

// Every script and stylesheet a page loads must be embedded, and nothing may
// come from another host: the pages must work with no outside network.
func TestPagesLoadOnlyEmbeddedAssets(t *testing.T) {
	pages := []string{"index.html", "app.html", "docs.html", "assess.html", "interviews.html", "proctor.html", "report.html"}
	for _, page := range pages {
		t.Run(page, func(t *testing.T) {
			html := readFS(t, page)
			refs := assetRE.FindAllStringSubmatch(html, -1)
			if len(refs) < 2 {
				t.Fatalf("%s references %d local assets; want its stylesheet and scripts", page, len(refs))
			}
			for _, m := range refs {
				if _, err := fs.Stat(web.FS, m[1]); err != nil {
					t.Errorf("%s loads /%s, which is not embedded", page, m[1])
				}
			}
		})
	}
	entries, err := fs.ReadDir(web.FS, ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Run("no-external/"+e.Name(), func(t *testing.T) {
			if m := externalRE.FindString(readFS(t, e.Name())); m != "" {
				t.Errorf("%s refers to an external host: %q", e.Name(), m)
			}
		})
	}
}

// Each page script looks elements up by id; a renamed id in the HTML would
// break the page silently, so every id a script uses must exist in its page.
func TestScriptsFindTheirElements(t *testing.T) {
	cases := []struct{ script, page string }{
		{"index.js", "index.html"},
		{"app.js", "app.html"},
		{"docs.js", "docs.html"},
		{"assess.js", "assess.html"},
		{"interviews.js", "interviews.html"},
		{"proctor.js", "proctor.html"},
		{"report.js", "report.html"},
	}
	for _, tc := range cases {
		t.Run(tc.script, func(t *testing.T) {
			ids := map[string]bool{}
			for _, m := range idRE.FindAllStringSubmatch(readFS(t, tc.page), -1) {
				ids[m[1]] = true
			}
			used := jsIDRE.FindAllStringSubmatch(readFS(t, tc.script), -1)
			if len(used) == 0 {
				t.Fatalf("%s looks up no element ids; the pattern is out of date", tc.script)
			}
			for _, m := range used {
				if !ids[m[1]] {
					t.Errorf("%s uses #%s, which %s does not define", tc.script, m[1], tc.page)
				}
			}
		})
	}
}

func TestHandlerServesPages(t *testing.T) {
	srv := httptest.NewServer(web.Handler())
	defer srv.Close()
	cases := []struct {
		path, wantType, wantBody string
		wantStatus               int
	}{
		{"/", "text/html", "<title>hirebus", 200},
		{"/app.html", "text/html", `id="feed"`, 200},
		{"/docs.html", "text/html", "/docs/openapi.yaml", 200},
		{"/style.css", "text/css", "--accent", 200},
		{"/common.js", "javascript", "EventStream", 200},
		{"/missing.js", "", "", 404},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			res, err := http.Get(srv.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.wantStatus)
			}
			if tc.wantStatus != 200 {
				return
			}
			if ct := res.Header.Get("Content-Type"); !strings.Contains(ct, tc.wantType) {
				t.Errorf("Content-Type %q, want %q", ct, tc.wantType)
			}
			if !bytes.Contains(body, []byte(tc.wantBody)) {
				t.Errorf("body lacks %q", tc.wantBody)
			}
		})
	}
}

// yamlJS runs the page's own YAML reader (yaml.js) under Node on src and
// returns its result as generic JSON.
func yamlJS(t *testing.T, node, src string) (any, error) {
	t.Helper()
	dir := t.TempDir()
	lib := filepath.Join(dir, "yaml.js")
	if err := os.WriteFile(lib, []byte(readFS(t, "yaml.js")), 0o600); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "in.yaml")
	if err := os.WriteFile(in, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "-e", `const y=require(process.argv[1]);const fs=require("fs");`+
		`process.stdout.write(JSON.stringify(y.parse(fs.readFileSync(process.argv[2],"utf8"))))`, lib, in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, &exec.ExitError{Stderr: stderr.Bytes()}
	}
	var v any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("yaml.js printed non-JSON: %v", err)
	}
	return v, nil
}

// yamlGo decodes src with a full YAML library, normalised through JSON.
func yamlGo(t *testing.T, src string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(src), &v); err != nil {
		t.Fatalf("yaml.v3: %v", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// The docs page parses docs/openapi.yaml with yaml.js (no CDN library can be
// loaded). It must read the real document exactly as a full YAML library
// does, and the YAML shapes the document may grow into.
func TestYAMLReaderMatchesYAMLLibrary(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: yaml.js (browser code) cannot be run here")
	}
	spec, err := os.ReadFile(filepath.Join("..", "..", "docs", "openapi.yaml"))
	if err != nil {
		t.Fatalf("read docs/openapi.yaml: %v", err)
	}
	cases := []struct{ name, src string }{
		{"docs/openapi.yaml", string(spec)},
		{"nested sequences", "a:\n- 1\n- - 2\n  - 3\n-\n  - 4\n- k: v\n  k2: [a, {b: c}, \"d,e\"]\n"},
		{"sequence at key indent", "paths:\n  /x:\n    tags:\n    - a\n    - b\n    next: 1\n"},
		{"block scalars", "lit: |\n  one\n   two\n\n  three\nstrip: |-\n  x\nfold: >\n  a\n  b\n\n  c\nkeep: |+\n  k\n\nafter: 1\n"},
		{"quoting and comments", "a: \"x: y # not a comment\" # comment\nb: 'it''s'\nc: \"\\u00e9\\t\\\"q\\\"\"\nd: http://x/y#frag\n\"k: q\": 1\n"},
		{"scalars", "i: 42\nneg: -7\nf: 2.5\nt: true\nn: null\ntilde: ~\nhex: 0x1F\ns: 1.2.3\nempty:\n"},
		{"flow across lines", "a: {x: 1,\n  y: [1,\n    2]}\nb: 2\n"},
		{"top-level sequence", "- a\n- b: 1\n  c: [x]\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := yamlJS(t, node, tc.src)
			if err != nil {
				t.Fatalf("yaml.js failed: %s", err.(*exec.ExitError).Stderr)
			}
			want := yamlGo(t, tc.src)
			if !reflect.DeepEqual(got, want) {
				g, _ := json.MarshalIndent(got, "", " ")
				w, _ := json.MarshalIndent(want, "", " ")
				t.Errorf("yaml.js and yaml.v3 differ\nyaml.js: %.2000s\nyaml.v3: %.2000s", g, w)
			}
		})
	}
	// What yaml.js does not support must fail loudly, not misread.
	for _, bad := range []string{"a: &x 1\nb: *x\n", "a: [1, 2\n", "a: 1\n  b: 2\n"} {
		t.Run("rejects "+strings.ReplaceAll(bad, "\n", `\n`), func(t *testing.T) {
			if _, err := yamlJS(t, node, bad); err == nil {
				t.Errorf("yaml.js accepted %q", bad)
			}
		})
	}
}
