package web_test

import (
	"encoding/json"
	"testing"
)

// setCode replaces the text of the page's code editor (CodeMirror, whose
// handle editor.js keeps on the editor's element) as a paste would.
func setCode(t *testing.T, b *browser, code string) {
	t.Helper()
	js, _ := json.Marshal(code)
	eval[bool](t, b, `(document.querySelector("#code").hbEditor.setValue(`+string(js)+`), true)`)
}

// editorText is the code editor's current text.
func editorText(t *testing.T, b *browser) string {
	t.Helper()
	return eval[string](t, b, `document.querySelector("#code").hbEditor.getValue()`)
}
