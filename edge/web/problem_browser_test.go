package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/hirebus/hirebus/workers/code/codetest"
)

// fizzbuzz solutions for the journeys: right, numbers only (wrong from 3
// on: fizzbuzz's test 03-five is its example, so Submit may show it), and
// one that does not compile.
const (
	fizzRight   = "n = int(input())\nfor i in range(1, n + 1):\n    print(\"FizzBuzz\" if i % 15 == 0 else \"Fizz\" if i % 3 == 0 else \"Buzz\" if i % 5 == 0 else i)\n"
	fizzNumbers = "n = int(input())\nfor i in range(1, n + 1):\n    print(i)\n"
	cBroken     = "int main(void) { return nope; }\n"
	// Typed key by key: no indented lines (the editor indents by itself).
	fizzOneLiner = "n = int(input())\nprint(\"\\n\".join(\"FizzBuzz\" if i % 15 == 0 else \"Fizz\" if i % 3 == 0 else \"Buzz\" if i % 5 == 0 else str(i) for i in range(1, n + 1)))"
)

// A candidate practises: the problem list (easiest first, filters offering
// only what exists), a problem opened from it, code typed into the editor,
// Run showing expected vs actual with a diff on the example, a custom test
// with an expected output, Submit wrong (the example test's expected vs
// actual, hidden tests only named), a compile error (only the compiler's
// output), Submit right, the solved mark on the list, a past submission
// opened and loaded into the editor; then the same submission with the
// keyboard only, and the page at phone width. Each state passes the axe
// audit (which also saves its screenshot).
func TestCodingInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	b := newBrowser(t)
	p := codetest.Start(t)
	p.StartWorker(t, codetest.Options{})
	u := p.Register("coder", "candidate")
	signIn(t, b.ctx, p.URL, u, "candidate", "/app.html#/problems")

	t.Run("problem list: easiest first, filters from what exists", func(t *testing.T) {
		b.waitJS(t, 30*time.Second, `document.querySelectorAll("#problems tbody tr").length >= 10`, "the problem list")
		diffs := eval[[]string](t, b, `[...document.querySelectorAll("#problems tbody tr td:nth-child(3)")].map(td => td.textContent.trim())`)
		rank := map[string]int{"easy": 0, "medium": 1, "hard": 2}
		for i := 1; i < len(diffs); i++ {
			if rank[diffs[i-1]] > rank[diffs[i]] {
				t.Fatalf("list not easiest first: %v", diffs)
			}
		}
		present := map[string]bool{}
		for _, d := range diffs {
			present[d] = true
		}
		options := eval[[]string](t, b, `[...document.querySelectorAll("#difficulty-filter option")].map(o => o.value).filter(Boolean)`)
		if len(options) != len(present) {
			t.Errorf("difficulty filter offers %v; the list has %v", options, present)
		}
		for _, o := range options {
			if !present[o] {
				t.Errorf("difficulty filter offers %q, which no problem has", o)
			}
		}
		if ph := eval[string](t, b, `document.querySelector("#problem-filter").placeholder`); strings.Contains(ph, "tag") {
			t.Errorf("filter mentions tags, which problems do not have: %q", ph)
		}
		setJS(t, b, "#difficulty-filter", "easy")
		b.waitJS(t, 5*time.Second, `[...document.querySelectorAll("#problems tbody tr td:nth-child(3)")].every(td => td.textContent.trim() === "easy")`, "only easy problems")
		setJS(t, b, "#difficulty-filter", "")
		auditA11y(t, b, "coding-problem-list")
	})

	t.Run("open a problem and type code in the editor", func(t *testing.T) {
		b.do(t, chromedp.Click(chromedp.Search(`//button[normalize-space()="FizzBuzz"]`)))
		b.waitJS(t, 30*time.Second, `location.hash === "#/problem/fizzbuzz" && document.querySelector("#problem-body p") && document.querySelector("#code .cm-content")`, "the problem page")
		setJS(t, b, "#lang", "python")
		setCode(t, b, "")
		b.do(t, chromedp.Focus(chromedp.CSS("#code .cm-content")))
		typeCode(t, b, "n = int(input())\nfor i in range(1, n + 1):\nprint(i)")
		// Auto-indent after the colon, brackets closed as typed.
		if got := editorText(t, b); got != "n = int(input())\nfor i in range(1, n + 1):\n    print(i)" {
			t.Fatalf("editor holds %q", got)
		}
		if n := eval[int](t, b, `document.querySelectorAll("#code .cm-lineNumbers .cm-gutterElement").length`); n < 3 {
			t.Errorf("%d line numbers", n)
		}
		// Highlighting: keywords are styled spans.
		if !eval[bool](t, b, `[...document.querySelectorAll("#code .cm-line span")].some(s => s.textContent === "for" && getComputedStyle(s).color !== getComputedStyle(s.parentElement).color)`) {
			t.Error("the keyword 'for' is not highlighted")
		}
	})

	t.Run("Run shows expected vs actual on the example", func(t *testing.T) {
		b.do(t, chromedp.Click(chromedp.CSS("#run")))
		b.waitJS(t, 60*time.Second, `document.querySelector("#run-result .run-case")`, "the run result")
		got := eval[string](t, b, `document.querySelector("#run-verdict").textContent + " | " + document.querySelector("#run-summary").textContent`)
		if got != "Wrong answer | 0 of 1 outputs match" {
			t.Errorf("run shows %q", got)
		}
		exp := eval[string](t, b, `document.querySelector("#run-result .run-case pre.expected").textContent`)
		act := eval[string](t, b, `document.querySelector("#run-result .run-case pre.actual").textContent`)
		diff := eval[[]string](t, b, `[...document.querySelectorAll("#run-result pre.diff .dl")].map(l => l.textContent.replace(/\n$/, ""))`)
		if exp != "1\n2\nFizz\n4\nBuzz\n" || act != "1\n2\n3\n4\n5\n" {
			t.Errorf("expected %q, actual %q", exp, act)
		}
		if strings.Join(diff, "|") != "  1|  2|- Fizz|+ 3|  4|- Buzz|+ 5" {
			t.Errorf("diff %q", diff)
		}
		auditA11y(t, b, "coding-run-wrong")
	})

	t.Run("a custom test with an expected output", func(t *testing.T) {
		setCode(t, b, fizzRight)
		b.do(t,
			chromedp.Click(chromedp.CSS("#add-test")),
			chromedp.WaitVisible(chromedp.CSS("#stdin")),
			chromedp.SendKeys(chromedp.CSS("#stdin"), "3"),
			chromedp.Click(chromedp.CSS(".custom-test .test-check")),
			chromedp.WaitVisible(chromedp.CSS("#test-expected-0")),
			chromedp.SendKeys(chromedp.CSS("#test-expected-0"), "1\n2\nFizz\n"),
			chromedp.Click(chromedp.CSS("#run")),
		)
		b.waitJS(t, 60*time.Second, `document.querySelectorAll("#run-result .run-case").length === 2`, "two run cases")
		got := eval[string](t, b, `document.querySelector("#run-verdict").textContent + " | " + document.querySelector("#run-summary").textContent + " | " +
			[...document.querySelectorAll("#run-result .run-case")].map(c => c.querySelector(".case-name").textContent + ":" + c.dataset.verdict).join(",")`)
		if got != "Passed | 2 of 2 outputs match | Example 1:AC,Your test 1:AC" {
			t.Errorf("run shows %q", got)
		}
		auditA11y(t, b, "coding-run-custom")
	})

	submit := func(t *testing.T, lang, code string) {
		t.Helper()
		setJS(t, b, "#lang", lang)
		setCode(t, b, code)
		b.do(t, chromedp.Click(chromedp.CSS("#submit")))
		b.waitJS(t, 90*time.Second, `document.querySelector("#sub-verdict") && /^[A-Z]{2,3} ·/.test(document.querySelector("#sub-verdict").textContent) && !document.querySelector("#submit").disabled`, "the graded submission")
	}

	t.Run("Submit wrong: the example test shows expected vs actual", func(t *testing.T) {
		submit(t, "python", fizzNumbers)
		if v := eval[string](t, b, `document.querySelector("#sub-verdict").textContent`); !strings.HasPrefix(v, "WA") {
			t.Fatalf("verdict %q", v)
		}
		fails := eval[[]string](t, b, `[...document.querySelectorAll("#submit-result .visible-fail")].map(d => d.querySelector("h4").textContent)`)
		if len(fails) != 1 || !strings.Contains(fails[0], "Test 3") {
			t.Errorf("visible failures %q", fails)
		}
		exp := eval[string](t, b, `document.querySelector("#submit-result .visible-fail pre.expected").textContent`)
		if exp != "1\n2\nFizz\n4\nBuzz\n" {
			t.Errorf("expected output %q", exp)
		}
		hidden := eval[string](t, b, `document.querySelector('#submit-result tr[data-index="1"]').textContent`)
		if !strings.Contains(hidden, "Hidden test") {
			t.Errorf("a failed hidden test row says %q", hidden)
		}
		auditA11y(t, b, "coding-submit-wrong")
	})

	t.Run("a compile error shows only the compiler output", func(t *testing.T) {
		submit(t, "c", cBroken)
		got := eval[string](t, b, `[document.querySelector("#sub-verdict").textContent,
			document.querySelectorAll("#submit-result table").length, document.querySelectorAll("#submit-result .progress").length,
			/nope/.test(document.querySelector("#submit-result pre.sub-compile").textContent)].join(" | ")`)
		if got != "CE · Compile error | 0 | 0 | true" {
			t.Errorf("compile error shows %q (verdict | tables | progress bars | compiler message)", got)
		}
		auditA11y(t, b, "coding-submit-compile-error")
	})

	t.Run("Submit right, and the solved mark appears", func(t *testing.T) {
		submit(t, "python", fizzRight)
		if v := eval[string](t, b, `document.querySelector("#sub-verdict").textContent`); !strings.HasPrefix(v, "AC") {
			t.Fatalf("verdict %q", v)
		}
		b.do(t, chromedp.Navigate(p.URL+"/app.html#/problems"))
		b.waitJS(t, 30*time.Second, `[...document.querySelectorAll("#problems tbody tr")].some(r => r.textContent.includes("FizzBuzz") && r.textContent.includes("Solved"))`, "FizzBuzz marked solved")
		if n := eval[int](t, b, `[...document.querySelectorAll("#problems tbody tr")].filter(r => r.textContent.includes("Solved")).length`); n != 1 {
			t.Errorf("%d problems marked solved, want 1", n)
		}
		setJS(t, b, "#status-filter", "solved")
		b.waitJS(t, 5*time.Second, `document.querySelectorAll("#problems tbody tr").length === 1`, "only the solved problem")
		auditA11y(t, b, "coding-solved-mark")
	})

	t.Run("open a past submission and load it into the editor", func(t *testing.T) {
		b.do(t, chromedp.Navigate(p.URL+"/app.html#/problem/fizzbuzz"))
		b.waitJS(t, 30*time.Second, `document.querySelectorAll("#history tbody tr").length === 3`, "three submissions in the history")
		setCode(t, b, "# scratch\n")
		// Newest first: the second row is the compile error.
		b.do(t, chromedp.Click(chromedp.CSS("#history tbody tr:nth-child(2) button")))
		b.waitJS(t, 10*time.Second, `document.querySelector("#submission-dialog").open && document.querySelector("#submission-dialog pre.submission-source")`, "the submission dialog")
		got := eval[string](t, b, `document.querySelector("#submission-dialog .badge").textContent + " | " + document.querySelector("#submission-dialog pre.submission-source").textContent`)
		if got != "CE · Compile error | "+cBroken {
			t.Errorf("dialog shows %q", got)
		}
		auditA11y(t, b, "coding-past-submission")
		b.do(t, chromedp.Click(chromedp.CSS("#load-submission")))
		b.waitJS(t, 5*time.Second, `!document.querySelector("#submission-dialog").open`, "the dialog to close")
		if got := editorText(t, b); got != cBroken {
			t.Errorf("editor holds %q after loading", got)
		}
		if l := eval[string](t, b, `document.querySelector("#lang").value`); l != "c" {
			t.Errorf("language %q after loading a C submission", l)
		}
	})

	t.Run("submit with the keyboard only", func(t *testing.T) {
		b.do(t, chromedp.Navigate(p.URL+"/app.html#/problem/fizzbuzz"))
		b.waitJS(t, 30*time.Second, `document.querySelector("#problem-body p") && document.querySelector("#code .cm-content")`, "the problem page")
		setJS(t, b, "#lang", "python")
		setCode(t, b, "")
		eval[bool](t, b, `(document.activeElement && document.activeElement.blur(), true)`)
		tabTo(t, b, `document.activeElement && document.activeElement.classList.contains("cm-content")`, "the editor")
		// Tab inside the editor indents instead of leaving.
		b.do(t, chromedp.KeyEvent(kb.Tab))
		if got := editorText(t, b); got != "    " {
			t.Fatalf("Tab in the editor gave %q, want an indent", got)
		}
		setCode(t, b, "")
		typeCode(t, b, fizzOneLiner)
		if got := editorText(t, b); got != fizzOneLiner {
			t.Fatalf("typed %q, editor holds %q", fizzOneLiner, got)
		}
		// Escape, then Tab leaves the editor; the next Tabs reach Submit.
		b.do(t, chromedp.KeyEvent(kb.Escape), chromedp.KeyEvent(kb.Tab))
		if eval[bool](t, b, `document.activeElement.classList.contains("cm-content")`) {
			t.Fatal("Escape then Tab did not leave the editor")
		}
		tabTo(t, b, `document.activeElement && document.activeElement.id === "submit"`, "the Submit button")
		b.do(t, chromedp.KeyEvent(kb.Enter))
		b.waitJS(t, 90*time.Second, `document.querySelector("#sub-verdict") && /^[A-Z]{2,3} ·/.test(document.querySelector("#sub-verdict").textContent)`, "the graded submission")
		if v := eval[string](t, b, `document.querySelector("#sub-verdict").textContent`); !strings.HasPrefix(v, "AC") {
			t.Errorf("keyboard submission verdict %q; editor held %q", v, editorText(t, b))
		}
		screenshot(t, b.ctx, "coding-keyboard-submit.png")
	})

	t.Run("playground: a custom test with an expected output", func(t *testing.T) {
		b.do(t, chromedp.Navigate(p.URL+"/app.html#/playground"))
		b.waitJS(t, 30*time.Second, `document.querySelector("#code .cm-content") && document.querySelector("#stdin")`, "the playground")
		setJS(t, b, "#lang", "python")
		setCode(t, b, "print(sum(map(int, input().split())))\n")
		b.do(t,
			chromedp.SendKeys(chromedp.CSS("#stdin"), "2 3 4"),
			chromedp.Click(chromedp.CSS(".custom-test .test-check")),
			chromedp.WaitVisible(chromedp.CSS("#test-expected-0")),
			chromedp.SendKeys(chromedp.CSS("#test-expected-0"), "10"),
			chromedp.Click(chromedp.CSS("#run")),
		)
		b.waitJS(t, 60*time.Second, `document.querySelector("#run-result .run-case")`, "the run result")
		got := eval[string](t, b, `document.querySelector("#run-verdict").textContent + " | " + document.querySelector("#run-summary").textContent`)
		if got != "Wrong answer | 0 of 1 outputs match" {
			t.Errorf("playground run shows %q", got)
		}
		auditA11y(t, b, "coding-playground")
	})

	t.Run("phone width", func(t *testing.T) {
		b.do(t, chromedp.EmulateViewport(390, 844), chromedp.Navigate(p.URL+"/app.html#/problem/fizzbuzz"))
		b.waitJS(t, 30*time.Second, `document.querySelector("#problem-body p") && document.querySelector("#code .cm-content")`, "the problem page")
		if w := eval[int](t, b, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("the problem page is %d px wide at 390 px: it scrolls sideways", w)
		}
		auditA11y(t, b, "coding-problem-390")
		b.do(t, chromedp.Navigate(p.URL+"/app.html#/problems"))
		b.waitJS(t, 30*time.Second, `document.querySelectorAll("#problems tbody tr").length >= 10`, "the problem list")
		auditA11y(t, b, "coding-problem-list-390")
	})
}

// typeCode types text into the focused editor key by key, each newline as
// one Enter key press (as a person would; the editor then indents).
func typeCode(t *testing.T, b *browser, text string) {
	t.Helper()
	for i, line := range strings.Split(text, "\n") {
		if i > 0 {
			b.do(t, pressEnter())
		}
		if line != "" {
			b.do(t, chromedp.KeyEvent(line))
		}
	}
}

// pressEnter presses Enter as a keyboard does when the page handles the
// keydown: chromedp's KeyEvent also sends a separate char event, which
// Chrome inserts even after the editor handled (and cancelled) the keydown,
// giving two line breaks per press.
func pressEnter() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		for _, k := range kb.Encode('\r') {
			if k.Type == kb.KeyChar {
				continue
			}
			if _, err := cdp.Call(ctx, tg, input.DispatchKeyEvent, *k); err != nil {
				return err
			}
		}
		return nil
	})
}

// tabTo presses Tab until cond holds (at most 40 times).
func tabTo(t *testing.T, b *browser, cond, what string) {
	t.Helper()
	for i := 0; i < 40; i++ {
		if eval[bool](t, b, "!!("+cond+")") {
			return
		}
		b.do(t, chromedp.KeyEvent(kb.Tab))
	}
	t.Fatalf("40 Tabs did not reach %s (focus on %s)", what, eval[string](t, b, `document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : "nothing"`))
}
