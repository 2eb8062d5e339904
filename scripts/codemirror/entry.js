// The CodeMirror 6 pieces the hirebus pages use, bundled by
// scripts/vendor-web.sh into edge/web/vendor/codemirror.js (one ES module).
export { EditorView, keymap, lineNumbers } from "@codemirror/view";
export { EditorState, Compartment, Prec } from "@codemirror/state";
export { basicSetup } from "codemirror";
export { indentWithTab } from "@codemirror/commands";
export { indentUnit } from "@codemirror/language";
export { python } from "@codemirror/lang-python";
export { javascript } from "@codemirror/lang-javascript";
export { cpp } from "@codemirror/lang-cpp";
export { java } from "@codemirror/lang-java";
export { go } from "@codemirror/lang-go";
export { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
export { tags } from "@lezer/highlight";
