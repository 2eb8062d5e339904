// problem.js — the problem list and the problem page of the signed-in app
// (app.html): statement and examples, the CodeMirror editor (editor.js), Run
// against the examples and the candidate's own test cases with expected vs
// actual output and a line diff, Submit with live per-test verdicts, and the
// submission history (open a past submission, load its code). An ES module
// built from the shared pieces of ui.js; app.js (a classic script, run first)
// owns routing and hands over its helpers through hb.startCoding.
import { html, render, useState, useEffect, useRef, useMemo, Table, Badge, Empty, Dialog, Message, toast, cx } from "/ui.js";
import { createEditor, EDITOR_HELP } from "/editor.js";

const TEMPLATES = {
  python: "import sys\n\n\ndef main():\n    data = sys.stdin.read().split()\n    print(\"hello, hirebus\", data)\n\n\nmain()\n",
  javascript: "const input = require(\"fs\").readFileSync(0, \"utf8\").trim().split(/\\s+/);\nconsole.log(\"hello, hirebus\", input);\n",
  go: "package main\n\nimport (\n\t\"bufio\"\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {\n\tin := bufio.NewScanner(os.Stdin)\n\tfor in.Scan() {\n\t\tfmt.Println(\"read:\", in.Text())\n\t}\n\tfmt.Println(\"hello, hirebus\")\n}\n",
  c: "#include <stdio.h>\n\nint main(void) {\n    char line[1024];\n    while (fgets(line, sizeof line, stdin)) printf(\"read: %s\", line);\n    printf(\"hello, hirebus\\n\");\n    return 0;\n}\n",
  cpp: "#include <bits/stdc++.h>\nusing namespace std;\n\nint main() {\n    ios::sync_with_stdio(false);\n    cin.tie(nullptr);\n    string s;\n    while (cin >> s) cout << \"read: \" << s << '\\n';\n    cout << \"hello, hirebus\" << endl;\n    return 0;\n}\n",
  java: "import java.util.*;\n\npublic class Main {\n    public static void main(String[] args) {\n        Scanner in = new Scanner(System.in);\n        while (in.hasNext()) System.out.println(\"read: \" + in.next());\n        System.out.println(\"hello, hirebus\");\n    }\n}\n",
};
const LANGUAGES = [["python", "Python 3"], ["javascript", "JavaScript (Node)"], ["go", "Go"], ["c", "C"], ["cpp", "C++"], ["java", "Java 17"]];
const VERDICT_TEXT = {
  AC: "Accepted", WA: "Wrong answer", TLE: "Time limit exceeded", MLE: "Memory limit exceeded", OLE: "Output limit exceeded",
  RE: "Runtime error", CE: "Compile error", IE: "Internal error", OK: "Ran",
};
const DIFF_KIND = { easy: "ok", medium: "warn", hard: "bad" };
const DIFF_ORDER = ["easy", "medium", "hard"];

let app = null; // {call, stream, waitForOp} from app.js

function fmtMem(kb) { return Math.round(kb / 1024 * 10) / 10 + " MiB"; }
function when(t) { return t ? new Date(t).toLocaleString() : ""; }

// lineDiff compares expected and actual output line by line (longest common
// subsequence; long outputs fall back to line-by-line pairs). Each entry is
// {op: " " | "-" | "+", text}: "-" only expected, "+" only in the output.
export function lineDiff(expected, actual) {
  const a = String(expected || "").replace(/\n$/, "").split("\n");
  const b = String(actual || "").replace(/\n$/, "").split("\n");
  const out = [];
  if (a.length * b.length > 250000) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if (a[i] === b[i]) out.push({ op: " ", text: a[i] });
      else {
        if (i < a.length) out.push({ op: "-", text: a[i] });
        if (i < b.length) out.push({ op: "+", text: b[i] });
      }
    }
    return out;
  }
  const n = a.length, m = b.length;
  const L = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) { out.push({ op: " ", text: a[i] }); i++; j++; }
    else if (L[i + 1][j] >= L[i][j + 1]) out.push({ op: "-", text: a[i++] });
    else out.push({ op: "+", text: b[j++] });
  }
  while (i < n) out.push({ op: "-", text: a[i++] });
  while (j < m) out.push({ op: "+", text: b[j++] });
  return out;
}

// Compare shows expected vs actual side by side and their line diff.
function Compare({ expected, actual }) {
  const diff = useMemo(() => lineDiff(expected, actual), [expected, actual]);
  return html`<div class="compare">
    <div class="grid two tight">
      <div><h4 class="small muted">Expected output</h4><pre class="output expected">${expected}</pre></div>
      <div><h4 class="small muted">Your output</h4><pre class="output actual">${actual || ""}</pre></div>
    </div>
    <h4 class="small muted">Difference <span class="hint">(− expected only, + your output only)</span></h4>
    <pre class="output diff">${diff.map((d) => html`<span class=${cx("dl", d.op === "-" && "del", d.op === "+" && "ins")}>${d.op} ${d.text}\n</span>`)}</pre>
  </div>`;
}

// ---- problem list -------------------------------------------------------------

function ProblemList() {
  const [list, setList] = useState(null);
  const [err, setErr] = useState("");
  const [q, setQ] = useState("");
  const [difficulty, setDifficulty] = useState("");
  const [status, setStatus] = useState("");
  useEffect(() => {
    app.call("GET", "/api/problems").then((r) => setList((r.data && r.data.problems) || []), (e) => setErr(e.message));
  }, []);
  if (err) return html`<div class="card"><h2>Problems</h2><${Message} text=${err} /></div>`;
  if (!list) return html`<div class="card"><h2>Problems</h2><p class="muted" role="status">Loading…</p></div>`;
  // The filters offer only what the list has.
  const difficulties = DIFF_ORDER.filter((d) => list.some((p) => p.difficulty === d));
  const needle = q.trim().toLowerCase();
  const rows = list.filter((p) => (!needle || (p.title + " " + p.slug).toLowerCase().includes(needle)) &&
    (!difficulty || p.difficulty === difficulty) &&
    (!status || (status === "todo" ? !p.status : p.status === status)));
  const solved = list.filter((p) => p.status === "solved").length;
  const open = (p) => { location.hash = "#/problem/" + encodeURIComponent(p.slug || p.id); };
  return html`<div class="card">
    <div class="row wrap" style="margin-bottom:.75rem">
      <h2 style="margin:0">Problems</h2>
      <span class="small muted" id="solved-count">${solved} of ${list.length} solved</span>
      <span class="grow"></span>
      <label class="inline">Title <input type="search" id="problem-filter" value=${q} onInput=${(e) => setQ(e.target.value)} placeholder="Filter by title" /></label>
      <label class="inline">Difficulty <select id="difficulty-filter" value=${difficulty} onChange=${(e) => setDifficulty(e.target.value)}>
        <option value="">All</option>
        ${difficulties.map((d) => html`<option value=${d}>${d}</option>`)}
      </select></label>
      <label class="inline">Status <select id="status-filter" value=${status} onChange=${(e) => setStatus(e.target.value)}>
        <option value="">All</option><option value="solved">Solved</option><option value="attempted">Attempted</option><option value="todo">Not tried</option>
      </select></label>
    </div>
    <div id="problems">
    <${Table} caption="Problems, easiest first" rowKey=${(p) => p.id} rows=${rows} onRow=${open}
      rowLabel=${(p) => "Open " + p.title}
      columns=${[
        { key: "title", label: "Title" },
        { key: "status", label: "Your status", render: (p) => p.status === "solved" ? html`<${Badge} kind="ok">✓ Solved</${Badge}>`
          : p.status === "attempted" ? html`<${Badge} kind="warn">Attempted</${Badge}>` : html`<span class="muted small">Not tried</span>` },
        { key: "difficulty", label: "Difficulty", render: (p) => html`<${Badge} kind=${DIFF_KIND[p.difficulty]}>${p.difficulty}</${Badge}>` },
        { key: "limits", label: "Limits", className: "small muted", render: (p) => [p.time_limit_ms ? p.time_limit_ms + " ms" : "", p.test_count ? p.test_count + " tests" : ""].filter(Boolean).join(" · ") },
      ]}
      empty=${list.length
        ? html`<${Empty} title="No problem matches these filters.">Clear the title filter or pick another difficulty or status.</${Empty}>`
        : html`<${Empty} title="No problems yet.">An operator loads them with <code>hirebus problems load DIR</code>.</${Empty}>`} />
    </div>
  </div>`;
}

// ---- the problem page -------------------------------------------------------------

function Statement({ p }) {
  const ref = useRef(null);
  useEffect(() => {
    const box = ref.current;
    if (!box) return;
    box.textContent = "";
    // Statements often start with their own title; the card shows it already.
    const stmt = String(p.statement || "").replace(/^\s*#{1,3}\s+(.*)\n/, (all, t) => (t.trim() === String(p.title).trim() ? "" : all));
    box.appendChild(hb.markdown(stmt));
  }, [p]);
  return html`<div id="problem-body" ref=${ref}></div>`;
}

function RunCase({ t }) {
  const pass = t.verdict === "AC" || (t.verdict === "OK" && !t.checked);
  const name = t.example ? "Example " + t.example : "Your test " + (t.custom + 1);
  return html`<details class=${cx("run-case", pass ? "pass" : "fail")} data-verdict=${t.verdict} open=${!pass}>
    <summary><span class="case-name">${name}</span>
      <${Badge} kind=${pass ? "ok" : "bad"}>${t.checked ? (t.verdict === "AC" ? "✓ Output matches" : "✗ " + VERDICT_TEXT[t.verdict]) : (t.verdict === "OK" ? "Ran (no expected output to compare)" : "✗ " + VERDICT_TEXT[t.verdict])}</${Badge}>
      <span class="small muted">${t.time_ms} ms · ${fmtMem(t.memory_kb)}${t.exit_code ? " · exit " + t.exit_code : ""}${t.signal ? " · " + t.signal : ""}</span>
    </summary>
    ${t.message && html`<p class="small">${t.message}</p>`}
    <h4 class="small muted">Input</h4><pre class="output">${t.input}</pre>
    ${t.checked && t.verdict !== "AC" && t.expected_output !== undefined ? html`<${Compare} expected=${t.expected_output} actual=${t.stdout} />`
      : html`<h4 class="small muted">Output</h4><pre class="output stdout">${t.stdout}</pre>`}
    ${t.stderr && html`<h4 class="small muted">stderr</h4><pre class="output stderr">${t.stderr}</pre>`}
    ${t.truncated && html`<p class="small muted">Output was cut to fit the report.</p>`}
  </details>`;
}

function RunResult({ res, inputs }) {
  if (res.verdict === "CE") {
    return html`<div id="run-result"><div class="row"><h3 style="margin:0">Run</h3><${Badge} kind="bad" id="run-verdict">Compile error</${Badge}></div>
      <h4 class="small muted">Compiler output</h4><pre class="output" id="run-compile">${res.stderr}</pre></div>`;
  }
  const tests = (res.tests || []).map((t, i) => Object.assign({ input: inputs[i], custom: i - inputs.examples }, t));
  const summary = res.checked ? (res.passed || 0) + " of " + res.checked + " outputs match" : "";
  const ok = res.verdict === "AC" || res.verdict === "OK";
  return html`<div id="run-result">
    <div class="row wrap"><h3 style="margin:0">Run</h3>
      <span class=${cx("badge", ok ? "ok" : "bad")} id="run-verdict">${res.verdict === "AC" ? "Passed" : VERDICT_TEXT[res.verdict] || res.verdict}</span>
      <span class="small muted" id="run-summary">${summary}</span></div>
    <p class="small muted">Run checks the examples and your own tests only; Submit grades every test.</p>
    ${tests.map((t) => html`<${RunCase} t=${t} />`)}
  </div>`;
}

function SubmissionTests({ s }) {
  const tests = s.tests || [];
  if (s.verdict === "CE") {
    return html`<h4 class="small muted">Compiler output</h4><pre class="output sub-compile">${s.compile_output || ""}</pre>`;
  }
  const wrongVisible = tests.filter((t) => t.visible && t.verdict !== "AC");
  return html`
    ${s.verdict === "IE" && s.compile_output && html`<${Message} text=${s.compile_output} />`}
    ${tests.length > 0 && html`<div class="table-wrap" tabindex="0" role="region" aria-label="Test results"><table class="sub-tests">
      <thead><tr><th scope="col">Test</th><th scope="col">Verdict</th><th scope="col">Time</th><th scope="col">Memory</th><th scope="col">Details</th></tr></thead>
      <tbody>${tests.map((t) => html`<tr key=${t.index} data-index=${t.index}>
        <td>${t.index + 1}${t.visible ? " (example)" : ""}</td>
        <td><span class=${cx("badge", t.verdict || "pending")} title=${VERDICT_TEXT[t.verdict] || ""}>${t.verdict || "…"}</span></td>
        <td class="small">${t.time_ms !== undefined ? t.time_ms + " ms" : ""}</td>
        <td class="small">${t.memory_kb !== undefined ? fmtMem(t.memory_kb) : ""}</td>
        <td class="small muted">${t.visible ? (t.message || "") : (t.verdict && t.verdict !== "AC" ? "Hidden test: its input and output stay hidden." : "")}</td>
      </tr>`)}</tbody></table></div>`}
    ${wrongVisible.map((t) => html`<div class="visible-fail" data-index=${t.index}>
      <h4>Test ${t.index + 1} is example input: ${VERDICT_TEXT[t.verdict]}</h4>
      ${t.message && html`<p class="small">${t.message}</p>`}
      <h4 class="small muted">Input</h4><pre class="output">${t.input}</pre>
      <${Compare} expected=${t.expected_output} actual=${t.stdout} />
      ${t.stderr && html`<h4 class="small muted">stderr</h4><pre class="output stderr">${t.stderr}</pre>`}
    </div>`)}`;
}

// Submission shows one graded (or grading) submission.
function Submission({ s }) {
  const v = s.verdict;
  const shown = v ? (VERDICT_TEXT[v] ? v + " · " + VERDICT_TEXT[v] : v) : s.state || "queued";
  const tests = s.tests || [];
  const total = s.total || tests.length;
  const done = s.verdict ? total : tests.length;
  return html`<div id="submit-result">
    <div class="row wrap"><h3 style="margin:0">Submission</h3>
      <span class=${cx("badge", v || "pending")} id="sub-verdict">${shown}</span>
      <span class="small muted" id="sub-count">${v === "CE" ? "" : v ? s.passed + " / " + total + " passed" : total ? done + " / " + total + " tests" : ""}</span></div>
    ${v !== "CE" && total > 0 && html`<div class="progress" role="progressbar" aria-label="Tests graded" aria-valuemin="0" aria-valuemax=${total} aria-valuenow=${done}>
      <div id="sub-bar" style=${"width:" + Math.round(100 * done / total) + "%"}></div></div>`}
    <${SubmissionTests} s=${s} />
  </div>`;
}

function History({ list, onOpen }) {
  if (!list || list.length === 0) return null;
  return html`<div id="history" style="margin-top:1rem">
    <h3>Your submissions</h3>
    <${Table} rows=${list.slice(0, 20)} rowKey=${(s) => s.id} onRow=${onOpen} rowLabel=${(s) => "Open submission of " + when(s.created_at)}
      columns=${[
        { key: "created_at", label: "When", render: (s) => when(s.created_at) },
        { key: "language", label: "Language" },
        { key: "verdict", label: "Verdict", render: (s) => html`<span class=${cx("badge", s.verdict || s.status)} title=${VERDICT_TEXT[s.verdict] || ""}>${s.verdict || s.status}</span>` },
        { key: "passed", label: "Passed", className: "small", render: (s) => (s.total ? s.passed + " / " + s.total : "") },
      ]} />
  </div>`;
}

function draftKey(key, lang) { return "hirebus.draft." + key + "." + lang; }

function ProblemPage({ problemId }) {
  const key = problemId ? "p" + problemId : "playground";
  const [p, setP] = useState(null);
  const [loadErr, setLoadErr] = useState("");
  const [lang, setLang] = useState(localStorage.getItem("hirebus.lang") || "python");
  const [tests, setTests] = useState(problemId ? [] : [{ input: "", expected: "", check: false }]);
  const [run, setRun] = useState(null); // {res, inputs} | null
  const [sub, setSub] = useState(null);
  const [busy, setBusy] = useState("");
  const [msg, setMsg] = useState("");
  const [history, setHistory] = useState([]);
  const [opened, setOpened] = useState(null);
  const edRef = useRef(null);
  const editor = useRef(null);
  const langRef = useRef(lang);
  const pRef = useRef(null);
  const runRef = useRef(null);
  langRef.current = lang;
  pRef.current = p;

  function starter(l) {
    const sc = pRef.current && pRef.current.starter;
    return (sc && sc[l]) || TEMPLATES[l] || "";
  }
  function loadCode(l) {
    const d = localStorage.getItem(draftKey(key, l));
    editor.current.setValue(d !== null ? d : starter(l));
  }
  function loadHistory() {
    if (!problemId) return;
    app.call("GET", "/api/code/submissions?problem_id=" + encodeURIComponent(problemId)).then(
      (r) => setHistory((r.data && r.data.submissions) || []), () => setHistory([]));
  }

  useEffect(() => {
    let saveTimer = null;
    editor.current = createEditor(edRef.current, {
      language: lang, label: "Source code", describedBy: "editor-help",
      onRun: () => runRef.current && runRef.current(),
      onChange: (text) => {
        clearTimeout(saveTimer);
        saveTimer = setTimeout(() => {
          try { localStorage.setItem(draftKey(key, langRef.current), text); } catch (e) { /* storage full: drafts are a nicety */ }
        }, 400);
      },
    });
    if (!problemId) loadCode(lang);
    else {
      app.call("GET", "/api/problems/" + encodeURIComponent(problemId)).then((r) => {
        pRef.current = r.data || {};
        setP(pRef.current);
        loadCode(langRef.current);
        loadHistory();
      }, (e) => setLoadErr(e.message));
    }
    return () => { clearTimeout(saveTimer); editor.current.destroy(); };
  }, []);

  function switchLang(l) {
    setLang(l);
    langRef.current = l;
    localStorage.setItem("hirebus.lang", l);
    editor.current.setLanguage(l);
    loadCode(l);
  }
  function resetCode() {
    if (!confirm("Replace your code with the starter code?")) return;
    localStorage.removeItem(draftKey(key, lang));
    editor.current.setValue(starter(lang));
  }

  function doRun() {
    const source = editor.current.getValue();
    if (busy) return;
    if (!source.trim()) { setMsg("Write some code first."); return; }
    setMsg("");
    setBusy("run");
    const custom = tests.map((t) => (t.check ? { input: t.input, expected_output: t.expected } : { input: t.input }));
    const body = { language: lang, source, tests: custom };
    if (problemId && p) body.problem_id = p.id;
    const examples = problemId && p ? (p.examples || []) : [];
    const inputs = examples.map((e) => e.input).concat(tests.map((t) => t.input));
    inputs.examples = examples.length;
    if (!body.tests.length && !body.problem_id) body.tests = [{ input: "" }];
    app.call("POST", "/api/code/execute", body).then((r) => {
      if (r.status === 202 && r.data && r.data.op_id) {
        setMsg("Queued — waiting for a free sandbox…");
        return app.waitForOp(r.data.op_id, 120000).then((op) => { setMsg(""); return op.result || {}; });
      }
      return r.data || {};
    }).then((res) => {
      setBusy("");
      setSub(null);
      setRun({ res, inputs });
    }, (e) => {
      setBusy("");
      setMsg(e.status === 503 ? "The sandbox queue is full. Try again in a moment." : e.message);
    });
  }
  runRef.current = doRun;

  function doSubmit() {
    const source = editor.current.getValue();
    if (!p || busy) return;
    if (!source.trim()) { setMsg("Write some code first."); return; }
    setMsg("");
    setBusy("submit");
    setRun(null);
    let cur = { state: "queued", tests: [], total: p.test_count };
    setSub(cur);
    const update = (s) => { cur = s; setSub(s); };
    app.call("POST", "/api/code/submit", { problem_id: p.id, language: lang, source }).then((r) => {
      const opId = r.data.op_id, subId = r.data.submission_id;
      if (r.data.total) update(Object.assign({}, cur, { total: r.data.total }));
      const off = app.stream.on("code.test", (m) => {
        const d = m.data || {};
        const mine = (m.op_id && m.op_id === opId) || (d.submission_id !== undefined && String(d.submission_id) === String(subId));
        if (!mine || d.index === undefined) return;
        const ts = cur.tests.filter((t) => t.index !== d.index).concat([d]).sort((a, b) => a.index - b.index);
        update(Object.assign({}, cur, { state: "running", tests: ts, total: d.total || cur.total }));
      });
      return app.waitForOp(opId, 300000).then((op) => {
        off();
        // The stored submission is the reference; the operation's result
        // carries the same grade if that read fails.
        return app.call("GET", "/api/code/submissions/" + encodeURIComponent(subId)).then((s) => s.data || {}, () => op.result || {});
      }, (e) => { off(); throw e; });
    }).then((s) => {
      setBusy("");
      update(s);
      loadHistory();
      if (s.verdict === "AC") toast("Accepted: all " + s.total + " tests passed. Problem solved.", "ok");
    }, (e) => {
      setBusy("");
      update(Object.assign({}, cur, { state: "not graded" }));
      setMsg(e.status === 503 ? "The grading queue is full. Try again in a moment." : e.message);
    });
  }

  function openSubmission(s) {
    app.call("GET", "/api/code/submissions/" + encodeURIComponent(s.id)).then((r) => setOpened(r.data || {}), (e) => toast(e.message, "error"));
  }
  function loadSubmission(s) {
    setOpened(null);
    if (s.language !== lang) {
      setLang(s.language);
      langRef.current = s.language;
      editor.current.setLanguage(s.language);
    }
    editor.current.setValue(s.source || "");
    editor.current.focus();
    toast("Loaded your submission of " + when(s.created_at) + " into the editor.", "ok");
  }

  const setTest = (i, patch) => setTests(tests.map((t, j) => (j === i ? Object.assign({}, t, patch) : t)));
  const lim = p || {};
  const title = problemId ? (p ? p.title : loadErr ? "Problem not found" : "Loading…") : "Playground";

  return html`<div class="grid two">
    <div class="card statement" id="statement-card" tabindex="0" role="region" aria-label="Problem statement">
      <h2 id="problem-title">${title}</h2>
      ${loadErr && html`<${Message} text=${loadErr} />`}
      ${p && html`<div class="row small wrap" id="problem-meta">
        ${p.difficulty && html`<${Badge} kind=${DIFF_KIND[p.difficulty]}>${p.difficulty}</${Badge}>`}
        ${p.status === "solved" && html`<${Badge} kind="ok" id="problem-status">✓ Solved</${Badge}>`}
        ${p.status === "attempted" && html`<${Badge} kind="warn" id="problem-status">Attempted</${Badge}>`}
        ${lim.time_limit_ms && html`<span class="muted">time ${lim.time_limit_ms} ms</span>`}
        ${lim.memory_limit_kb && html`<span class="muted">memory ${Math.round(lim.memory_limit_kb / 1024)} MiB</span>`}
        ${p.test_count && html`<span class="muted">${p.test_count} tests</span>`}
        ${p.comparison && p.comparison.mode && p.comparison.mode !== "trailing_whitespace" && html`<${Badge}>${p.comparison.mode === "float" ? "float tolerance" : p.comparison.mode + " match"}</${Badge}>`}
      </div>`}
      ${p && html`<${Statement} p=${p} />`}
      ${p && (p.examples || []).map((ex, i) => html`<div class="example">
        <h3>Example ${i + 1}</h3>
        <h4 class="small muted">Input</h4><pre>${ex.input}</pre>
        <h4 class="small muted">Output</h4><pre>${ex.output}</pre>
        ${ex.explanation && html`<p class="small">${ex.explanation}</p>`}
      </div>`)}
      ${!problemId && html`<p class="muted">Write a program in any of the six languages and run it with your own input. It runs in the same sandbox as graded submissions: no network, limited time and memory.</p>`}
      <${History} list=${history} onOpen=${openSubmission} />
    </div>
    <div class="stack">
      <div class="card">
        <div class="row" style="margin-bottom:.6rem">
          <label for="lang" style="margin:0">Language</label>
          <select id="lang" style="width:auto" value=${lang} onChange=${(e) => switchLang(e.target.value)}>
            ${LANGUAGES.map(([id, name]) => html`<option value=${id}>${name}</option>`)}
          </select>
          <span class="grow"></span>
          <button type="button" class="ghost" id="reset-code" onClick=${resetCode}>Reset code</button>
        </div>
        <div class="code-editor" id="code" ref=${edRef}></div>
        <p class="small muted" id="editor-help">${EDITOR_HELP} Ctrl+Enter runs.</p>
        <fieldset class="custom-tests">
          <legend>${problemId ? "Your own test cases (Run also checks the examples)" : "Input for Run"}</legend>
          ${tests.map((t, i) => html`<div class="custom-test" key=${i}>
            <label for=${i === 0 ? "stdin" : "test-input-" + i}>${problemId ? "Test " + (i + 1) + " input" : "Input (stdin)"}</label>
            <textarea id=${i === 0 ? "stdin" : "test-input-" + i} class="test-input" rows="3" spellcheck="false" value=${t.input} onInput=${(e) => setTest(i, { input: e.target.value })}></textarea>
            <label class="inline"><input type="checkbox" class="test-check" checked=${t.check} onChange=${(e) => setTest(i, { check: e.target.checked })} /> Compare with an expected output</label>
            ${t.check && html`<label for=${"test-expected-" + i}>Expected output</label>
              <textarea id=${"test-expected-" + i} class="test-expected" rows="3" spellcheck="false" value=${t.expected} onInput=${(e) => setTest(i, { expected: e.target.value })}></textarea>`}
            ${(problemId || tests.length > 1) && html`<button type="button" class="ghost small" onClick=${() => setTests(tests.filter((_, j) => j !== i))}>Remove test ${i + 1}</button>`}
          </div>`)}
          <button type="button" class="ghost" id="add-test" onClick=${() => setTests(tests.concat([{ input: "", expected: "", check: false }]))}>Add a test case</button>
        </fieldset>
        <div class="row" style="margin-top:.6rem">
          <span class="grow"></span>
          <button type="button" class="secondary" id="run" disabled=${busy !== ""} onClick=${doRun}>${busy === "run" ? "Running…" : problemId ? "Run examples" : "Run"}</button>
          ${problemId && html`<button type="button" id="submit" disabled=${busy !== "" || !p} onClick=${doSubmit}>${busy === "submit" ? "Grading…" : "Submit"}</button>`}
        </div>
      </div>
      <div class="card" id="results" aria-live="polite">
        <div id="run-msg">${msg && html`<${Message} text=${msg} kind=${msg.startsWith("Queued") ? "info" : "error"} />`}</div>
        ${run && html`<${RunResult} res=${run.res} inputs=${run.inputs} />`}
        ${sub && html`<${Submission} s=${sub} />`}
        ${!run && !sub && html`<p class="small muted" id="result-empty">${problemId
          ? "Run checks your code on the examples and your own tests, showing expected vs actual output. Submit grades it on all tests."
          : "Run your code with your own input; tick “Compare with an expected output” to check it."}</p>`}
      </div>
    </div>
    <${Dialog} id="submission-dialog" open=${!!opened} title=${opened ? "Submission of " + when(opened.created_at) : ""} onClose=${() => setOpened(null)}
      actions=${opened && html`<button type="button" id="load-submission" onClick=${() => loadSubmission(opened)}>Load into the editor</button>`}>
      ${opened && html`<div class="row wrap">
          <span class=${cx("badge", opened.verdict || opened.status)}>${opened.verdict ? opened.verdict + " · " + (VERDICT_TEXT[opened.verdict] || "") : opened.status}</span>
          <span class="small muted">${opened.language}${opened.total && opened.verdict !== "CE" ? " · " + opened.passed + " / " + opened.total + " passed" : ""}</span>
        </div>
        <h4 class="small muted">Code</h4><pre class="output submission-source">${opened.source}</pre>
        <${SubmissionTests} s=${opened} />`}
    </${Dialog}>
  </div>`;
}

// ---- glue with app.js -------------------------------------------------------------

function codingPage(helpers) {
  app = helpers;
  const listRoot = document.getElementById("problems-root");
  const pageRoot = document.getElementById("editor-root");
  let listGen = 0;
  return {
    // The list is fetched each time it is shown: the marks change with
    // every submission.
    showProblems() {
      listGen++;
      render(html`<${ProblemList} key=${listGen} />`, listRoot);
    },
    showEditor(problemId) {
      render(html`<${ProblemPage} key=${problemId || "playground"} problemId=${problemId} />`, pageRoot);
    },
  };
}

if (window.hb && hb.startCoding) hb.startCoding(codingPage);
