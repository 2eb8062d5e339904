// The problem list and the code editor with live grading, a part of the
// signed-in app (app.html). app.js calls hb.codingPage once with its helpers
// — call (an API call that signs out on 401), stream (the live events) and
// waitForOp — and routes to the returned showProblems and showEditor.
(function () {
  "use strict";
  var $ = hb.$, $$ = hb.$$, h = hb.h, say = hb.say, busy = hb.busy;

  hb.codingPage = function (app) {
    var call = app.call, stream = app.stream, waitForOp = app.waitForOp;

    // ---- problems ---------------------------------------------------------------
    var problems = null;
    function showProblems() {
      var msg = $("#problems-msg");
      say(msg, "");
      var load = problems ? Promise.resolve(problems) : call("GET", "/api/problems").then(function (r) {
        var d = r.data || {};
        problems = Array.isArray(d) ? d : (Array.isArray(d.problems) ? d.problems : []);
        return problems;
      });
      load.then(renderProblems, function (e) { say(msg, e.message); });
    }
    function renderProblems() {
      var q = $("#problem-filter").value.trim().toLowerCase();
      var body = hb.clear($("#problems"));
      var list = (problems || []).filter(function (p) {
        if (!q) return true;
        return (String(p.title || "") + " " + String(p.slug || "") + " " + String(p.difficulty || "")).toLowerCase().indexOf(q) >= 0;
      });
      list.forEach(function (p) {
        body.appendChild(h("tr.clickable", { onclick: function () { location.hash = "#/problem/" + encodeURIComponent(p.slug || p.id); } },
          h("td", h("a", { href: "#/problem/" + encodeURIComponent(p.slug || p.id), text: p.title || p.slug || String(p.id) })),
          h("td", p.difficulty ? h("span.badge", { className: "badge " + ({ easy: "ok", medium: "warn", hard: "bad" }[p.difficulty] || ""), text: p.difficulty }) : ""),
          h("td.small.muted", { text: [p.time_limit_ms ? p.time_limit_ms + " ms" : "", p.test_count ? p.test_count + " tests" : ""].filter(Boolean).join(" · ") })));
      });
      $("#problems-empty").classList.toggle("hidden", (problems || []).length > 0);
    }
    $("#problem-filter").addEventListener("input", renderProblems);

    // ---- editor -------------------------------------------------------------------
    var TEMPLATES = {
      python: "import sys\n\n\ndef main():\n    data = sys.stdin.read().split()\n    print(\"hello, hirebus\", data)\n\n\nmain()\n",
      javascript: "const input = require(\"fs\").readFileSync(0, \"utf8\").trim().split(/\\s+/);\nconsole.log(\"hello, hirebus\", input);\n",
      go: "package main\n\nimport (\n\t\"bufio\"\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {\n\tin := bufio.NewScanner(os.Stdin)\n\tfor in.Scan() {\n\t\tfmt.Println(\"read:\", in.Text())\n\t}\n\tfmt.Println(\"hello, hirebus\")\n}\n",
      c: "#include <stdio.h>\n\nint main(void) {\n    char line[1024];\n    while (fgets(line, sizeof line, stdin)) printf(\"read: %s\", line);\n    printf(\"hello, hirebus\\n\");\n    return 0;\n}\n",
      cpp: "#include <bits/stdc++.h>\nusing namespace std;\n\nint main() {\n    ios::sync_with_stdio(false);\n    cin.tie(nullptr);\n    string s;\n    while (cin >> s) cout << \"read: \" << s << '\\n';\n    cout << \"hello, hirebus\" << endl;\n    return 0;\n}\n",
      java: "import java.util.*;\n\npublic class Main {\n    public static void main(String[] args) {\n        Scanner in = new Scanner(System.in);\n        while (in.hasNext()) System.out.println(\"read: \" + in.next());\n        System.out.println(\"hello, hirebus\");\n    }\n}\n"
    };
    var ed = { problem: null, key: "", submitting: false };
    var code = $("#code"), lang = $("#lang");
    lang.value = localStorage.getItem("hirebus.lang") || "python";

    function draftKey() { return "hirebus.draft." + ed.key + "." + lang.value; }
    function starter() {
      var sc = ed.problem && (ed.problem.starter || ed.problem.starter_code);
      return (sc && sc[lang.value]) || TEMPLATES[lang.value] || "";
    }
    function loadCode() {
      var d = localStorage.getItem(draftKey());
      code.value = d !== null ? d : starter();
    }
    var saveTimer = null;
    code.addEventListener("input", function () {
      clearTimeout(saveTimer);
      saveTimer = setTimeout(function () {
        try { localStorage.setItem(draftKey(), code.value); } catch (e) { /* storage full: drafts are a nicety */ }
      }, 400);
    });
    lang.addEventListener("change", function () { localStorage.setItem("hirebus.lang", lang.value); loadCode(); });
    $("#reset-code").addEventListener("click", function () {
      if (!confirm("Replace your code with the starter code?")) return;
      localStorage.removeItem(draftKey());
      code.value = starter();
    });
    // Tab indents instead of leaving the editor (Go uses real tabs).
    code.addEventListener("keydown", function (ev) {
      if (ev.key === "Tab" && !ev.shiftKey && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
        ev.preventDefault();
        var ins = lang.value === "go" ? "\t" : "    ";
        var s = code.selectionStart, e = code.selectionEnd;
        code.setRangeText(ins, s, e, "end");
        code.dispatchEvent(new Event("input"));
      } else if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
        ev.preventDefault();
        runCode();
      }
    });

    // The caller's recent submissions of the open problem.
    function loadHistory() {
      var box = $("#history"), rows = hb.clear($("#history-rows"));
      if (!ed.problem) { box.classList.add("hidden"); return; }
      var pid = ed.problem.id;
      call("GET", "/api/code/submissions?problem_id=" + encodeURIComponent(pid)).then(function (r) {
        if (!ed.problem || ed.problem.id !== pid) return;
        var list = (r.data && r.data.submissions) || [];
        box.classList.toggle("hidden", list.length === 0);
        list.slice(0, 10).forEach(function (s) {
          var v = s.verdict || s.status;
          rows.appendChild(h("tr",
            h("td.small", { text: s.created_at ? new Date(s.created_at).toLocaleString() : "" }),
            h("td.small", { text: s.language }),
            h("td", h("span.badge", { className: "badge " + v, title: VERDICT_TEXT[v] || "", text: v })),
            h("td.small", { text: s.total ? s.passed + " / " + s.total : "" })));
        });
      }, function () { box.classList.add("hidden"); });
    }

    function clearResults() {
      say($("#run-msg"), "");
      $("#run-result").classList.add("hidden");
      $("#submit-result").classList.add("hidden");
      $("#result-empty").classList.remove("hidden");
    }

    function showEditor(problemId) {
      var key = problemId ? "p" + problemId : "playground";
      // Results and input belong to the program they came from.
      if (key !== ed.key) { clearResults(); $("#stdin").value = ""; }
      ed.problem = null;
      ed.key = key;
      $("#history").classList.add("hidden");
      $("#submit").classList.toggle("hidden", !problemId);
      var body = hb.clear($("#problem-body")), meta = hb.clear($("#problem-meta"));
      if (!problemId) {
        $("#problem-title").textContent = "Playground";
        body.appendChild(h("p.muted", { text: "Write a program in any of the six languages and run it with your own input. It runs in the same sandbox as graded submissions: no network, limited time and memory." }));
        loadCode();
        return;
      }
      $("#problem-title").textContent = "Loading…";
      call("GET", "/api/problems/" + encodeURIComponent(problemId)).then(function (r) {
        var p = r.data || {};
        ed.problem = p;
        $("#problem-title").textContent = p.title || String(p.id);
        if (p.difficulty) meta.appendChild(h("span.badge", { text: p.difficulty }));
        var lim = p.limits || p;
        if (lim.time_limit_ms) meta.appendChild(h("span.muted", { text: "time " + lim.time_limit_ms + " ms" }));
        if (lim.memory_limit_kb) meta.appendChild(h("span.muted", { text: "memory " + Math.round(lim.memory_limit_kb / 1024) + " MiB" }));
        if (p.test_count) meta.appendChild(h("span.muted", { text: p.test_count + " tests" }));
        var mode = p.comparison && p.comparison.mode;
        if (mode && mode !== "trailing_whitespace") meta.appendChild(h("span.badge", { text: mode === "float" ? "float tolerance" : mode + " match" }));
        // Statements often start with their own title; the card shows it already.
        var stmt = String(p.statement || "").replace(/^\s*#{1,3}\s+(.*)\n/, function (all, t) { return t.trim() === String(p.title).trim() ? "" : all; });
        body.appendChild(hb.markdown(stmt));
        (p.examples || []).forEach(function (ex, i) {
          body.appendChild(h("h3", { text: "Example " + (i + 1) }));
          body.appendChild(h("div.small.muted", { text: "Input" }));
          body.appendChild(h("pre", { text: ex.input || "" }));
          body.appendChild(h("div.small.muted", { text: "Output" }));
          body.appendChild(h("pre", { text: ex.output || "" }));
          if (ex.explanation) body.appendChild(h("p.small", { text: ex.explanation }));
          if (i === 0 && !$("#stdin").value) $("#stdin").value = ex.input || "";
        });
        loadCode();
        loadHistory();
      }, function (e) {
        $("#problem-title").textContent = "Problem not found";
        body.appendChild(h("div.msg.error", { text: e.message }));
      });
    }

    function showRun(res) {
      $("#result-empty").classList.add("hidden");
      $("#submit-result").classList.add("hidden");
      $("#run-result").classList.remove("hidden");
      $("#run-result").scrollIntoView({ behavior: "smooth", block: "nearest" });
      var v = res.verdict || "?";
      $("#run-verdict").className = "badge " + v;
      $("#run-verdict").textContent = ({ OK: "OK", TLE: "Time limit", MLE: "Memory limit", OLE: "Output limit", RE: "Runtime error", CE: "Compile error", IE: "Internal error" })[v] || v;
      var stats = [];
      if (res.time_ms !== undefined) stats.push(res.time_ms + " ms");
      if (res.memory_kb !== undefined) stats.push(Math.round(res.memory_kb / 1024 * 10) / 10 + " MiB");
      if (res.exit_code) stats.push("exit " + res.exit_code);
      if (res.signal) stats.push(res.signal);
      $("#run-stats").textContent = stats.join(" · ");
      $("#run-stdout").textContent = res.stdout || "";
      $("#run-stderr").textContent = res.stderr || "";
      $("#run-stderr-box").classList.toggle("hidden", !res.stderr);
    }

    function runCode() {
      var btn = $("#run"), msg = $("#run-msg");
      if (btn.disabled) return;
      if (!code.value.trim()) return say(msg, "Write some code first.");
      say(msg, "");
      busy(btn, true, "Running…");
      call("POST", "/api/code/execute", { language: lang.value, source: code.value, stdin: $("#stdin").value })
        .then(function (r) {
          if (r.status === 202 && r.data && r.data.op_id) {
            say(msg, "Queued — waiting for a free sandbox…", "info");
            return waitForOp(r.data.op_id, 120000).then(function (op) { say(msg, ""); return op.result || {}; });
          }
          return r.data || {};
        })
        .then(function (res) { busy(btn, false); showRun(res); }, function (e) {
          busy(btn, false);
          say(msg, e.status === 503 ? "The sandbox queue is full. Try again in a moment." : e.message);
        });
    }
    $("#run").addEventListener("click", runCode);

    // Submission: per-test verdicts arrive as code.test events while grading.
    var VERDICT_TEXT = { AC: "Accepted", WA: "Wrong answer", TLE: "Time limit", MLE: "Memory limit", OLE: "Output limit", RE: "Runtime error", CE: "Compile error", IE: "Internal error" };
    function testRow(t) {
      // Test inputs and expected outputs never reach the browser; the
      // grader's message says what went wrong without quoting them.
      var why = [t.message, t.signal, t.exit_code ? "exit " + t.exit_code : ""].filter(Boolean).join(" · ");
      var details = h("span.small.muted", { text: why || (t.name || "") });
      return h("tr", { "data-index": String(t.index) },
        h("td", { text: String((t.index || 0) + 1) }),
        h("td", h("span.badge", { className: "badge " + (t.verdict || ""), title: VERDICT_TEXT[t.verdict] || "", text: t.verdict || "…" })),
        h("td.small", { text: t.time_ms !== undefined ? t.time_ms + " ms" : "" }),
        h("td.small", { text: t.memory_kb !== undefined ? Math.round(t.memory_kb / 1024 * 10) / 10 + " MiB" : "" }),
        h("td", details));
    }
    function putTest(t) {
      var tb = $("#sub-tests");
      var row = testRow(t);
      var old = tb.querySelector('tr[data-index="' + String(t.index) + '"]');
      if (old) tb.replaceChild(row, old);
      else {
        // Keep rows in test order even when events arrive out of order.
        var after = $$("tr", tb).filter(function (r) { return Number(r.dataset.index) > Number(t.index); })[0];
        tb.insertBefore(row, after || null);
      }
    }
    function progress(done, total) {
      if (!total) return;
      $("#sub-bar").style.width = Math.round(100 * done / total) + "%";
      $("#sub-count").textContent = done + " / " + total + " tests";
    }
    function showSubmission(s) {
      // The grade may sit at the top level or under "result".
      if (s.result && typeof s.result === "object" && s.verdict === undefined) s = Object.assign({}, s, s.result);
      var v = s.verdict || s.status || "?";
      $("#sub-verdict").className = "badge " + v;
      $("#sub-verdict").textContent = VERDICT_TEXT[v] ? v + " · " + VERDICT_TEXT[v] : v;
      var tests = s.tests || [];
      hb.clear($("#sub-tests"));
      tests.forEach(putTest);
      var total = s.total || tests.length, passed = s.passed !== undefined ? s.passed : tests.filter(function (t) { return t.verdict === "AC"; }).length;
      if (total) {
        $("#sub-bar").style.width = "100%";
        $("#sub-count").textContent = passed + " / " + total + " passed";
      }
      if (s.compile_output) { $("#sub-compile").textContent = s.compile_output; $("#sub-compile").classList.remove("hidden"); }
    }

    $("#submit").addEventListener("click", function () {
      var btn = $("#submit"), msg = $("#run-msg");
      if (!ed.problem || ed.submitting) return;
      if (!code.value.trim()) return say(msg, "Write some code first.");
      say(msg, "");
      ed.submitting = true;
      busy(btn, true, "Grading…");
      $("#result-empty").classList.add("hidden");
      $("#run-result").classList.add("hidden");
      $("#submit-result").classList.remove("hidden");
      $("#submit-result").scrollIntoView({ behavior: "smooth", block: "nearest" });
      $("#sub-verdict").className = "badge pending";
      $("#sub-verdict").textContent = "queued";
      $("#sub-count").textContent = "";
      $("#sub-bar").style.width = "0";
      $("#sub-compile").classList.add("hidden");
      hb.clear($("#sub-tests"));
      call("POST", "/api/code/submit", { problem_id: ed.problem.id, language: lang.value, source: code.value }).then(function (r) {
        var opId = r.data.op_id, subId = r.data.submission_id, seen = 0;
        if (r.data.total) progress(0, r.data.total);
        var off = stream.on("code.test", function (m) {
          var d = m.data || {};
          var mine = (m.op_id && m.op_id === opId) || (d.submission_id !== undefined && String(d.submission_id) === String(subId));
          if (!mine) return;
          $("#sub-verdict").className = "badge running";
          $("#sub-verdict").textContent = "running";
          seen++;
          if (d.index !== undefined) putTest(d);
          progress(d.done !== undefined ? d.done : (d.index !== undefined ? d.index + 1 : seen), d.total);
        });
        return waitForOp(opId, 300000).then(function (op) {
          off();
          // The stored submission is the reference; the operation's result
          // carries the same grade if that read fails.
          return call("GET", "/api/code/submissions/" + encodeURIComponent(subId)).then(
            function (s) { return s.data || {}; },
            function () { return op.result || {}; });
        }, function (e) { off(); throw e; }).then(function (s) { showSubmission(s); loadHistory(); });
      }).then(function () {
        ed.submitting = false;
        busy(btn, false);
      }, function (e) {
        ed.submitting = false;
        busy(btn, false);
        $("#sub-verdict").className = "badge failed";
        $("#sub-verdict").textContent = "not graded";
        say(msg, e.status === 503 ? "The grading queue is full. Try again in a moment." : e.message);
      });
    });

    return { showProblems: showProblems, showEditor: showEditor };
  };
})();
