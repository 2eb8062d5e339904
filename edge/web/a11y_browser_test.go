package web_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeSource is axe-core (vendored by scripts/vendor-web.sh into
// testdata/vendor, checked by TestVendoredFilesMatchChecksums). It is
// injected by the tests only; the pages never load it.
//
//go:embed testdata/vendor/axe.min.js
var axeSource string

// axeViolation is the part of an axe result a failure message needs.
type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target         []any  `json:"target"`
		FailureSummary string `json:"failureSummary"`
	} `json:"nodes"`
}

// auditA11y runs axe-core on the page open in b (WCAG 2.1 A and AA rules and
// axe's best practices) and fails the test on any serious or critical
// violation; moderate and minor ones are logged. Every page's browser test
// calls it on each state it reaches (signed in and out, dialogs open, ...).
// The full result and a screenshot are saved as artifacts named after name.
func auditA11y(t *testing.T, b *browser, name string) {
	t.Helper()
	vs, raw := axeRun(t, b)
	dir := os.Getenv("HIREBUS_SCREENSHOTS")
	if dir == "" {
		dir = t.ArtifactDir()
	}
	_ = os.WriteFile(filepath.Join(dir, "a11y-"+name+".json"), []byte(raw), 0o644)
	screenshot(t, b.ctx, "a11y-"+name+".png")
	for _, v := range vs {
		var where []string
		for i, n := range v.Nodes {
			if i == 3 {
				where = append(where, fmt.Sprintf("… %d more", len(v.Nodes)-3))
				break
			}
			where = append(where, fmt.Sprintf("%v: %s", n.Target, strings.ReplaceAll(n.FailureSummary, "\n", " ")))
		}
		msg := fmt.Sprintf("axe %s [%s] %s — %s", v.ID, v.Impact, v.Help, strings.Join(where, "; "))
		if v.Impact == "serious" || v.Impact == "critical" {
			t.Errorf("%s: %s", name, msg)
		} else {
			t.Logf("%s (not failing, %s): %s", name, v.Impact, msg)
		}
	}
}

// axeRun injects axe-core (once per document) and returns its violations.
func axeRun(t *testing.T, b *browser) ([]axeViolation, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	// Inject once per document.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(typeof window.axe === "object") || (function(){`+axeSource+`
;return true})()`)); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {
		runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
		resultTypes: ["violations"]
	}).then(r => JSON.stringify(r.violations))`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		t.Fatalf("axe result: %v", err)
	}
	return vs, raw
}

// The audit can fail: a page with an unlabelled input, low-contrast text
// and a button without a name gives serious violations.
func TestAxeAuditFindsViolations(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	b := newBrowser(t)
	page := `<!doctype html><html lang="en"><title>bad</title><main><p style="color:#ccc;background:#fff">faint text</p>` +
		`<input type="text"><button></button></main></html>`
	b.do(t, chromedp.Navigate("data:text/html,"+url.PathEscape(page)))
	vs, _ := axeRun(t, b)
	got := map[string]string{}
	for _, v := range vs {
		got[v.ID] = v.Impact
	}
	for _, want := range []string{"color-contrast", "label", "button-name"} {
		if imp := got[want]; imp != "serious" && imp != "critical" {
			t.Errorf("axe rule %s: impact %q, want a serious or critical violation (all: %v)", want, imp, got)
		}
	}
}

// Keyboard helpers: the journeys below use only these (no clicks).

// tabTo presses Tab until the element matching sel has the focus, at most
// max times; reaching it proves it is in the tab order.
func (b *browser) tabTo(t *testing.T, sel string, max int) {
	t.Helper()
	for i := 0; i < max; i++ {
		if eval[bool](t, b, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, sel)) {
			return
		}
		b.do(t, chromedp.KeyEvent("\t"))
	}
	if !eval[bool](t, b, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, sel)) {
		got := eval[string](t, b, `(document.activeElement && (document.activeElement.id || document.activeElement.outerHTML.slice(0, 80))) || ""`)
		t.Fatalf("%s not reached with %d Tab presses (focus on %q)", sel, max, got)
	}
}

// typeKeys types text into the focused element.
func (b *browser) typeKeys(t *testing.T, text string) {
	t.Helper()
	b.do(t, chromedp.KeyEvent(text))
}

// focused reports the id of the focused element.
func focused(t *testing.T, b *browser) string {
	t.Helper()
	return eval[string](t, b, `(document.activeElement && document.activeElement.id) || ""`)
}
