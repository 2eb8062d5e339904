// editor.js — the code editor of every page that takes code (the problem
// page in problem.js, code questions in assess.js): CodeMirror 6, vendored
// (vendor/codemirror.js, bundled by scripts/vendor-web.sh; see docs/web.md),
// with highlighting for the sandbox's six languages, line numbers,
// auto-indent, bracket matching, undo history and search.
//
// Keyboard: Tab indents (Go with a real tab, the others with spaces).
// Escape then Tab (or Shift+Tab) leaves the editor, as CodeMirror's
// accessibility guidance has it; Ctrl+M (Shift+Alt+M on macOS) switches Tab
// between indenting and moving focus for as long as one likes. Pages show
// EDITOR_HELP next to the editor so nobody has to guess.
import {
  EditorView, EditorState, Compartment, Prec, basicSetup, keymap, indentWithTab, indentUnit,
  HighlightStyle, syntaxHighlighting, tags as t,
  python, javascript, cpp, java, go,
} from "/vendor/codemirror.js";

// CodeMirror's default colours with the ones under 4.5:1 on white (and on
// the active line's tint) darkened: escapes and regexps, type names, invalid.
const highlight = HighlightStyle.define([
  { tag: t.meta, color: "#404740" },
  { tag: t.link, textDecoration: "underline" },
  { tag: t.heading, textDecoration: "underline", fontWeight: "bold" },
  { tag: t.emphasis, fontStyle: "italic" },
  { tag: t.strong, fontWeight: "bold" },
  { tag: t.strikethrough, textDecoration: "line-through" },
  { tag: t.keyword, color: "#708" },
  { tag: [t.atom, t.bool, t.url, t.contentSeparator, t.labelName], color: "#219" },
  { tag: [t.literal, t.inserted], color: "#164" },
  { tag: [t.string, t.deleted], color: "#a11" },
  { tag: [t.regexp, t.escape, t.special(t.string)], color: "#a03c00" },
  { tag: t.definition(t.variableName), color: "#00f" },
  { tag: t.local(t.variableName), color: "#30a" },
  { tag: [t.typeName, t.namespace], color: "#066e45" },
  { tag: t.className, color: "#167" },
  { tag: [t.special(t.variableName), t.macroName], color: "#256" },
  { tag: t.definition(t.propertyName), color: "#00c" },
  { tag: t.comment, color: "#940" },
  { tag: t.invalid, color: "#c00" },
]);

const LANGS = {
  python: () => python(),
  javascript: () => javascript(),
  go: () => go(),
  c: () => cpp(),
  cpp: () => cpp(),
  java: () => java(),
};
const UNITS = { go: "\t", javascript: "  " };

export const EDITOR_HELP = "Tab indents. To leave the editor with the keyboard, press Escape, then Tab " +
  "(or Shift+Tab). Ctrl+M switches Tab between indenting and moving focus.";

function langExt(id) {
  return LANGS[id] ? LANGS[id]() : [];
}
function unitExt(id) {
  return [indentUnit.of(UNITS[id] || "    "), EditorState.tabSize.of(4)];
}

// createEditor puts an editor into parent. opts: doc, language (a sandbox
// language id), label (its accessible name), describedBy (id of the help
// text), onChange(text), onRun() for Ctrl/Cmd+Enter. The returned handle is
// also parent.hbEditor (browser tests and helpers reach it there).
export function createEditor(parent, opts) {
  opts = opts || {};
  const lang = new Compartment();
  const unit = new Compartment();
  const keys = [];
  if (opts.onRun) keys.push({ key: "Mod-Enter", run: () => { opts.onRun(); return true; } });
  const attrs = { "aria-label": opts.label || "Source code" };
  if (opts.describedBy) attrs["aria-describedby"] = opts.describedBy;
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: opts.doc || "",
      extensions: [
        // Before basicSetup: earlier keymaps win (Mod-Enter runs instead
        // of inserting a blank line).
        keymap.of(keys),
        // Escape always arms the way out for two seconds, also when it
        // first closes the completion list (whose keymap has the highest
        // precedence and would swallow it).
        Prec.highest(keymap.of([{ key: "Escape", run: (v) => { v.setTabFocusMode(2000); return false; } }])),
        basicSetup,
        syntaxHighlighting(highlight),
        keymap.of([indentWithTab]),
        lang.of(langExt(opts.language)),
        unit.of(unitExt(opts.language)),
        // Long lines wrap: the editor never scrolls sideways (a scroll
        // area keyboards cannot reach, and a phone's width).
        EditorView.lineWrapping,
        EditorView.contentAttributes.of(attrs),
        EditorView.updateListener.of((u) => {
          if (u.docChanged && opts.onChange) opts.onChange(u.state.doc.toString());
        }),
      ],
    }),
  });
  const handle = {
    view,
    getValue: () => view.state.doc.toString(),
    setValue(text) {
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text || "" } });
    },
    setLanguage(id) {
      view.dispatch({ effects: [lang.reconfigure(langExt(id)), unit.reconfigure(unitExt(id))] });
    },
    focus: () => view.focus(),
    destroy() {
      view.destroy();
      if (parent.hbEditor === handle) delete parent.hbEditor;
    },
  };
  parent.hbEditor = handle;
  return handle;
}
