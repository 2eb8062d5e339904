// The assessment pages. Recruiters: the company's assessments, the builder
// (MCQ, text and coding questions, proctoring, window) and each
// assessment's results (scoring text answers, releasing results), updated
// live by the assessment.submitted / assessment.graded pushes. Candidates:
// "my assessments", the lobby (rules, consent, camera check), the taking
// page (the server's countdown, a question navigator, the editor with Run,
// autosave) and the results page. The countdown is the server's deadline
// minus the server's clock at the last answer, run on the browser's
// monotonic clock: the browser's wall clock is never used.
(function () {
  "use strict";
  var $ = hb.$, $$ = hb.$$, h = hb.h, say = hb.say, busy = hb.busy, clear = hb.clear;
  var COMPANY_KEY = "hirebus.company";
  if (!hb.session.token()) { location.replace("/"); return; }
  function toLogin() { hb.session.clear(); location.replace("/#login"); }
  function call(method, path, body) {
    return hb.api(method, path, body).catch(function (e) {
      if (e.status === 401) toLogin();
      throw e;
    });
  }
  var user = hb.session.user() || {};
  function isRecruiter() { return user.role === "recruiter" || user.role === "admin"; }
  $("#who").textContent = user.username ? user.username + " · " + user.role : "";
  $$("[data-role]").forEach(function (a) {
    a.classList.toggle("hidden", a.dataset.role === "recruiter" ? !isRecruiter() : user.role !== "candidate");
  });

  var stream = new hb.EventStream();
  stream.onstatus = function (state, detail) {
    $("#ws-dot").className = "status-dot " + state;
    $("#ws-text").textContent = detail;
  };
  stream.on("notification", function (msg) { hb.toast((msg.data || {}).title || "New notification"); });
  stream.on("assessment.submitted", function () { hb.toast("An attempt was submitted."); if (current === "results") route(); });
  stream.on("assessment.graded", function () { hb.toast("An attempt was graded."); if (current === "results") route(); });
  stream.start();

  var current = "", timer = null, saveTimers = {}, camera = null;
  function route() {
    var m = /^#\/(\w+)(?:\/(\d+))?/.exec(location.hash) || [];
    var view = m[1] || (isRecruiter() ? "list" : "mine");
    if (["mine", "lobby", "take", "result", "list", "build", "results"].indexOf(view) < 0) view = "mine";
    current = view;
    if (timer) { clearInterval(timer); timer = null; }
    if (camera && view !== "lobby" && view !== "take") { camera.stop(); camera = null; }
    $$("[data-view]").forEach(function (s) { s.classList.toggle("hidden", s.dataset.view !== view); });
    $$("[data-nav]").forEach(function (a) { a.classList.toggle("active", a.dataset.nav === view); });
    var id = m[2];
    ({ mine: showMine, lobby: function () { showLobby(id); }, take: function () { showTake(id); }, result: function () { showResult(id); },
      list: showList, build: showBuild, results: function () { showResults(id); } })[view]();
  }
  window.addEventListener("hashchange", route);
  function label(s) { return String(s || "").replace(/_/g, " "); }
  function when(t) { return t ? new Date(t).toLocaleString() : ""; }
  function badge(s) {
    var kind = s === "graded" ? "ok" : s === "active" ? "pending" : "";
    return h("span", { className: "badge " + kind, text: label(s), "data-status": s });
  }

  // ---- candidate: my assessments --------------------------------------------
  function showMine() {
    call("GET", "/api/assessments").then(function (r) {
      var list = clear($("#mine-list"));
      $("#mine-empty").classList.toggle("hidden", r.data.items.length > 0);
      r.data.items.forEach(function (a) {
        var win = a.opens_at || a.closes_at ? " · open " + (a.opens_at ? "from " + when(a.opens_at) : "") + (a.closes_at ? " until " + when(a.closes_at) : "") : "";
        var link = a.status === "invited" ? h("a", { href: "#/lobby/" + a.assessment_id, text: "Open the lobby" })
          : a.status === "active" ? h("a", { href: "#/take/" + a.assessment_id, text: "Continue" })
          : h("a", { href: "#/result/" + a.assessment_id, text: a.results_released ? "See results" : "Status" });
        list.appendChild(h("li", { "data-assessment": String(a.assessment_id) },
          h("div.row", h("strong", { text: a.title }), badge(a.status), h("span.grow"), link),
          h("div.small.muted", { text: a.company_name + " · " + a.duration_minutes + " minutes" + win })));
      });
      say($("#mine-msg"), "");
    }, function (e) { say($("#mine-msg"), e.message); });
  }

  // ---- candidate: lobby -----------------------------------------------------
  var consentVersion = "";
  function showLobby(id) {
    $("#lobby-agree").checked = false;
    $("#lobby-start").disabled = true;
    call("GET", "/api/assessments/" + id).then(function (r) {
      var a = r.data;
      if (a.attempt) { location.hash = a.attempt.status === "active" ? "#/take/" + id : "#/result/" + id; return; }
      $("#lobby-title").textContent = a.title + " · " + a.company_name;
      consentVersion = a.consent.version;
      var rules = clear($("#lobby-rules"));
      var kinds = {};
      a.questions.forEach(function (q) { kinds[q.kind] = (kinds[q.kind] || 0) + 1; });
      rules.appendChild(h("li", { text: a.duration_minutes + " minutes from the moment you press Start; the clock is kept by the server and does not stop if you close the page." }));
      rules.appendChild(h("li", { text: a.questions.length + " questions: " + Object.keys(kinds).map(function (k) { return kinds[k] + " " + k; }).join(", ") + "." }));
      rules.appendChild(h("li", { text: "Answers are saved as you type; when time runs out the saved answers are submitted for you." }));
      if (a.proctoring.webcam) rules.appendChild(h("li", { text: "Webcam proctoring: a frame every " + a.proctoring.frame_interval_s + " s is checked for your face." }));
      if (a.proctoring.fullscreen) rules.appendChild(h("li", { text: "The assessment opens in full screen; please stay in it." }));
      if (a.proctoring.liveness) rules.appendChild(h("li", { text: "Liveness check: when you press Start, follow the instructions under the camera picture; your face is compared with the face enrolled on your account." }));
      $("#lobby-consent").textContent = a.consent.text + " (terms version " + a.consent.version + ")";
      var needCam = a.proctoring.webcam || a.proctoring.liveness;
      $("#lobby-camera").classList.toggle("hidden", !needCam);
      if (needCam) {
        camera = new hb.Camera($("#lobby-video"), $("#lobby-cam-ph"));
        camera.start().catch(function (e) { $("#lobby-cam-ph").textContent = "Camera: " + e.message; });
      }
      $("#lobby-start").dataset.id = String(id);
      $("#lobby-start").dataset.fullscreen = a.proctoring.fullscreen ? "1" : "";
      $("#lobby-start").dataset.liveness = a.proctoring.liveness ? "1" : "";
      say($("#lobby-msg"), "");
    }, function (e) { say($("#lobby-msg"), e.status === 404 ? "This assessment does not exist or you are not invited." : e.message); });
  }
  $("#lobby-agree").addEventListener("change", function () { $("#lobby-start").disabled = !$("#lobby-agree").checked; });
  $("#lobby-start").addEventListener("click", function () {
    var btn = $("#lobby-start"), id = btn.dataset.id;
    busy(btn, true, "Starting…");
    if (btn.dataset.fullscreen === "1" && document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(function () {});
    var body = { consent: true, consent_version: consentVersion };
    var ready = btn.dataset.liveness === "1" ? livenessToken(btn) : Promise.resolve("");
    ready.then(function (token) {
      if (token) body.liveness_token = token;
      btn.textContent = "Starting…";
      return call("POST", "/api/assessments/" + id + "/start", body);
    }).then(function () {
      busy(btn, false);
      location.hash = "#/take/" + id;
    }, function (e) {
      busy(btn, false);
      say($("#lobby-step"), "");
      var text = e.message;
      if (e.code === "face_not_enrolled") text = "This assessment checks your face, and your account has no enrolled face: enrol one from your profile first.";
      else if (e.code === "liveness_failed" || e.code === "challenge_invalid" || e.code === "liveness_token_invalid") text = "The liveness check did not pass (" + e.message + "). Press Start again and follow the instructions under the picture.";
      else if (e.code === "face_not_recognized") text = "The face on camera does not match the face enrolled on your account.";
      say($("#lobby-msg"), text);
    });
  });
  // livenessToken runs the face liveness challenge (the sign-in page's
  // steps, hb.Camera.captureChallenge) against the candidate's own enrolled
  // face and resolves with the single-use token the start needs.
  function livenessToken(btn) {
    if (!camera) return Promise.reject(new Error("the camera is needed for the liveness check"));
    try { camera.capture(); } catch (e) { return Promise.reject(e); }
    btn.textContent = "Follow the instructions…";
    return call("POST", "/api/auth/face-challenge", {}).then(function (r) {
      return camera.captureChallenge(r.data, function (text) { say($("#lobby-step"), text, text ? "info" : undefined); }).then(function (frames) {
        btn.textContent = "Checking your face…";
        return call("POST", "/api/auth/face-liveness", { challenge_id: r.data.challenge_id, images: frames });
      });
    }).then(function (r) {
      if (r.status === 202 && r.data && r.data.op_id) {
        // The face worker is busy: the finished operation is the token.
        return hb.waitOp(r.data.op_id, 60000).then(function (op) {
          var res = op.result || {};
          if (!res.matched) throw Object.assign(new Error("the face does not match your enrolled face"), { code: "face_not_recognized" });
          if (!res.liveness || !res.liveness.passed) throw Object.assign(new Error((res.liveness && res.liveness.reason) || "no challenge was checked"), { code: "liveness_failed" });
          return r.data.op_id;
        });
      }
      return r.data.liveness_token;
    });
  }

  // ---- candidate: taking it ---------------------------------------------------
  var take = null; // {assessment, attempt, answers: {qid: {version, answer}}, index, endsAt (monotonic ms)}
  function syncClock(deadline, serverNow) {
    take.endsAt = performance.now() + (new Date(deadline).getTime() - new Date(serverNow).getTime());
  }
  function showTake(id) {
    call("GET", "/api/assessments/" + id).then(function (r) {
      var a = r.data;
      if (!a.attempt) { location.hash = "#/lobby/" + id; return; }
      if (a.attempt.status !== "active") { location.hash = "#/result/" + id; return; }
      take = { assessment: a, attempt: a.attempt, answers: {}, index: take && take.assessment.id === a.id ? take.index : 0, endsAt: 0 };
      a.attempt.answers.forEach(function (x) { take.answers[x.question_id] = { version: x.version, answer: x.answer || {} }; });
      syncClock(a.attempt.deadline, a.attempt.server_now);
      $("#take-title").textContent = a.title;
      setSave("idle", "All saved");
      renderNav();
      renderQuestion();
      tick();
      timer = setInterval(tick, 250);
      startProctoring(a);
    }, function (e) { say($("#take-msg"), e.message); });
  }
  // Webcam proctoring: a frame every frame_interval_s to POST
  // /api/proctor/frame for this attempt (refused by the server once the
  // attempt is closed).
  var proctorTimer = null;
  function startProctoring(a) {
    if (proctorTimer) { clearInterval(proctorTimer); proctorTimer = null; }
    if (!a.proctoring.webcam) return;
    if (!camera) camera = new hb.Camera($("#proctor-video"), null);
    camera.start().then(function () {
      proctorTimer = setInterval(function () {
        if (current !== "take" || !take) { clearInterval(proctorTimer); proctorTimer = null; return; }
        var img;
        try { img = camera.capture(); } catch (e) { return; }
        call("POST", "/api/proctor/frame", { attempt_id: take.attempt.id, image: img }).catch(function (e) {
          if (e.status === 409 || e.status === 404) { clearInterval(proctorTimer); proctorTimer = null; }
        });
      }, Math.max(5, a.proctoring.frame_interval_s) * 1000);
    }, function (e) { say($("#take-msg"), "Camera: " + e.message + " — webcam proctoring needs your camera."); });
  }
  function tick() {
    if (!take) return;
    var left = Math.max(0, take.endsAt - performance.now());
    var s = Math.ceil(left / 1000);
    $("#countdown").textContent = Math.floor(s / 60) + ":" + ("0" + s % 60).slice(-2);
    $("#countdown").dataset.remaining = String(s);
    if (left <= 0 && timer) {
      clearInterval(timer);
      timer = null;
      say($("#take-msg"), "Time is up: the server submits your saved answers.", "info");
      waitSubmitted(take.assessment.id);
    }
  }
  // After the deadline the server submits; follow it to the results page.
  function waitSubmitted(id) {
    var tries = 0;
    (function poll() {
      call("GET", "/api/assessments/" + id).then(function (r) {
        if (r.data.attempt && r.data.attempt.status !== "active") { location.hash = "#/result/" + id; return; }
        if (++tries < 120 && current === "take") setTimeout(poll, 1000);
      }, function () { if (++tries < 120) setTimeout(poll, 1000); });
    })();
  }
  function answered(q) {
    var a = (take.answers[q.id] || {}).answer || {};
    return (a.choices && a.choices.length) || a.text || a.source;
  }
  function renderNav() {
    var nav = clear($("#navigator"));
    take.assessment.questions.forEach(function (q, i) {
      nav.appendChild(h("button", { type: "button", className: i === take.index ? "" : "secondary", role: "tab", "data-q": String(i + 1),
        "aria-selected": String(i === take.index), text: (i + 1) + (answered(q) ? " ✓" : "") + " · " + q.kind,
        onclick: function () { take.index = i; renderNav(); renderQuestion(); } }));
    });
  }
  function setSave(state, text) {
    var el = $("#save-state");
    el.dataset.state = state;
    el.textContent = text;
    el.className = "badge " + (state === "saved" || state === "idle" ? "ok" : state === "error" ? "bad" : "pending");
  }
  function queueSave(q, answer) {
    take.answers[q.id] = take.answers[q.id] || { version: 0 };
    take.answers[q.id].answer = answer;
    setSave("pending", "Saving…");
    clearTimeout(saveTimers[q.id]);
    saveTimers[q.id] = setTimeout(function () { save(q); }, 600);
  }
  function save(q) {
    var st = take.answers[q.id];
    var body = {};
    var a = st.answer || {};
    if (q.kind === "mcq") body.choices = a.choices || [];
    if (q.kind === "text") body.text = a.text || "";
    if (q.kind === "code") { body.language = a.language; body.source = a.source || ""; }
    return call("PUT", "/api/attempts/" + take.attempt.id + "/answers/" + q.id, body).then(function (r) {
      st.version = r.data.version;
      syncClock(r.data.deadline, new Date(new Date(r.data.deadline).getTime() - r.data.remaining_ms).toISOString());
      setSave("saved", "Saved · v" + r.data.version);
      renderNav();
    }, function (e) {
      if (e.status === 409) { setSave("error", "Closed"); say($("#take-msg"), e.message); waitSubmitted(take.assessment.id); return; }
      setSave("error", "Not saved — retrying");
      saveTimers[q.id] = setTimeout(function () { save(q); }, 3000);
    });
  }
  function renderQuestion() {
    var q = take.assessment.questions[take.index];
    var box = clear($("#question"));
    var cur = (take.answers[q.id] || {}).answer || {};
    box.appendChild(h("h3", { text: "Question " + (take.index + 1) + " · " + q.points + " points" }));
    if (q.prompt) box.appendChild(h("div.statement", hb.markdown(q.prompt)));
    if (q.kind === "mcq") {
      var chosen = (cur.choices || []).slice();
      q.options.forEach(function (o, i) {
        var input = h("input", { type: q.multiple ? "checkbox" : "radio", name: "mcq", value: String(i), style: "width:auto", "data-option": String(i) });
        input.checked = chosen.indexOf(i) >= 0;
        input.addEventListener("change", function () {
          var sel = $$("#question input[name=mcq]").filter(function (x) { return x.checked; }).map(function (x) { return parseInt(x.value, 10); });
          queueSave(q, { choices: sel });
        });
        box.appendChild(h("label.row", input, h("span", { text: o })));
      });
    } else if (q.kind === "text") {
      var ta = h("textarea", { rows: "10", maxlength: String(q.max_length || 20000), id: "answer-text" });
      ta.value = cur.text || "";
      ta.addEventListener("input", function () { queueSave(q, { text: ta.value }); });
      box.appendChild(ta);
    } else {
      renderCode(box, q, cur);
    }
  }
  function renderCode(box, q, cur) {
    var statement = h("div.statement", { text: "Loading the problem…" });
    box.appendChild(statement);
    var langs = q.languages && q.languages.length ? q.languages : null;
    var sel = h("select", { id: "answer-lang", style: "width:auto" });
    var code = h("textarea", { rows: "16", id: "answer-code", spellcheck: "false", style: "font-family:var(--mono)" });
    var stdin = h("textarea", { rows: "3", id: "answer-stdin", placeholder: "Input for Run" });
    var out = h("pre.output", { id: "run-output" });
    var run = h("button.secondary", { type: "button", id: "run-btn", text: "Run" });
    box.appendChild(h("div.row", h("label", { text: "Language" }), sel, h("span.grow"), run));
    box.appendChild(code);
    box.appendChild(h("div.small.muted", { text: "Run uses the input below; submitting grades your saved code against hidden tests." }));
    box.appendChild(stdin);
    box.appendChild(out);
    var starter = {};
    function changed() { queueSave(q, { language: sel.value, source: code.value }); }
    code.addEventListener("input", changed);
    code.addEventListener("keydown", function (e) {
      if (e.key !== "Tab") return;
      e.preventDefault();
      var s = code.selectionStart;
      code.value = code.value.slice(0, s) + "\t" + code.value.slice(code.selectionEnd);
      code.selectionStart = code.selectionEnd = s + 1;
      changed();
    });
    sel.addEventListener("change", function () {
      if (!code.value.trim() && starter[sel.value]) code.value = starter[sel.value];
      changed();
    });
    run.addEventListener("click", function () {
      busy(run, true, "Running…");
      out.textContent = "";
      call("POST", "/api/code/execute", { language: sel.value, source: code.value, stdin: stdin.value }).then(function (r) {
        if (r.status === 202 && r.data && r.data.op_id) return hb.waitOp(r.data.op_id, 120000).then(function (op) { return op.result || {}; });
        return r.data || {};
      }).then(function (res) {
        busy(run, false);
        out.dataset.verdict = res.verdict || "";
        out.textContent = "Verdict " + (res.verdict || "?") + (res.time_ms != null ? " · " + res.time_ms + " ms" : "") + "\n" + (res.stdout || "") + (res.stderr ? "\n" + res.stderr : "");
      }, function (e) { busy(run, false); out.textContent = e.message; });
    });
    call("GET", "/api/code/languages").then(function (r) {
      var all = (r.data.languages || []).map(function (l) { return l.id; });
      (langs || all).forEach(function (l) { sel.appendChild(h("option", { value: l, text: l })); });
      if (cur.language) sel.value = cur.language;
      var p = q.problem || {};
      clear(statement).appendChild(hb.markdown(/^\s*#/.test(p.statement || "") ? p.statement : "## " + p.title + "\n\n" + (p.statement || "")));
      starter = p.starter || {};
      if (p.examples && p.examples[0]) stdin.value = p.examples[0].input;
      code.value = cur.source || starter[sel.value] || "";
    }, function (e) { statement.textContent = e.message; });
  }
  $("#submit-btn").addEventListener("click", function () { $("#confirm-box").classList.remove("hidden"); });
  $("#confirm-no").addEventListener("click", function () { $("#confirm-box").classList.add("hidden"); });
  $("#confirm-yes").addEventListener("click", function () {
    var btn = $("#confirm-yes");
    busy(btn, true, "Submitting…");
    // Pending autosaves first: what the candidate typed is what is frozen.
    var pending = Object.keys(saveTimers).map(function (qid) {
      clearTimeout(saveTimers[qid]);
      delete saveTimers[qid];
      var q = take.assessment.questions.filter(function (x) { return String(x.id) === qid; })[0];
      return q ? save(q) : null;
    });
    Promise.all(pending).then(function () {
      return call("POST", "/api/assessments/" + take.assessment.id + "/submit");
    }).then(function () {
      busy(btn, false);
      $("#confirm-box").classList.add("hidden");
      location.hash = "#/result/" + take.assessment.id;
    }, function (e) { busy(btn, false); say($("#take-msg"), e.message); });
  });

  // ---- candidate: results -----------------------------------------------------
  function showResult(id) {
    call("GET", "/api/assessments/" + id).then(function (r) {
      var a = r.data, t = a.attempt;
      $("#result-title").textContent = a.title;
      var rows = clear($("#result-rows"));
      $("#result-table").classList.add("hidden");
      if (!t) { $("#result-status").textContent = "Not started."; return; }
      var by = t.submitted_by === "deadline" ? " when time ran out" : "";
      var st = $("#result-status");
      st.dataset.status = t.status;
      st.textContent = t.status === "active" ? "In progress." :
        t.results_released ? "Your score: " + t.score + " / " + t.max_score + "." :
        "Submitted" + by + " at " + when(t.submitted_at) + ". The company will release the results.";
      if (t.results_released) st.appendChild(h("a", { href: "/report.html#attempt=" + t.id, text: " Full report" }));
      if (t.results_released && t.results) {
        $("#result-table").classList.remove("hidden");
        t.results.forEach(function (x, i) {
          rows.appendChild(h("tr", h("td", { text: String(i + 1) }), h("td", { text: x.kind }), h("td", { text: (x.score == null ? "–" : x.score) + " / " + x.points })));
        });
      }
      // Until the company releases the results, look again now and then.
      if (t.status !== "active" && !t.results_released) setTimeout(function () { if (current === "result" && location.hash === "#/result/" + id) showResult(id); }, 3000);
    }, function (e) { say($("#result-msg"), e.message); });
  }

  // ---- recruiter: list and builder ---------------------------------------------
  function companyId() {
    return call("GET", "/api/companies").then(function (r) {
      var id = parseInt(sessionStorage.getItem(COMPANY_KEY) || "0", 10);
      if (!r.data.items.some(function (c) { return c.id === id; })) id = r.data.items.length ? r.data.items[0].id : 0;
      return id;
    });
  }
  function showList() {
    companyId().then(function (cid) {
      if (!cid) { say($("#list-msg"), "Create or join a company first."); return; }
      return call("GET", "/api/assessments?company_id=" + cid).then(function (r) {
        var rows = clear($("#list-rows"));
        r.data.items.forEach(function (a) {
          rows.appendChild(h("tr", { "data-assessment": String(a.id) }, h("td", { text: a.title }), h("td", { text: String(a.duration_minutes) }),
            h("td", { text: String(a.questions) }), h("td", { text: String(a.invited) }), h("td", { text: String(a.started) }),
            h("td", h("a", { href: "#/results/" + a.id, text: "Results" }))));
        });
        say($("#list-msg"), r.data.items.length ? "" : "No assessments yet.", "info");
      });
    }).catch(function (e) { say($("#list-msg"), e.message); });
  }
  var draft = [];
  function renderDraft() {
    var ol = clear($("#b-questions"));
    draft.forEach(function (q, i) {
      var what = q.kind === "mcq" ? q.options.length + " options" : q.kind === "code" ? "problem " + q.title : "text";
      ol.appendChild(h("li", h("span", { text: q.kind + " · " + q.points + " pts · " + (q.prompt || "").slice(0, 60) + " (" + what + ") " }),
        h("button.ghost", { type: "button", text: "Remove", onclick: function () { draft.splice(i, 1); renderDraft(); } })));
    });
  }
  function kindFields() {
    var k = $("#q-kind").value;
    $$("[data-kind]").forEach(function (f) { f.classList.toggle("hidden", f.dataset.kind !== k); });
  }
  $("#q-kind").addEventListener("change", kindFields);
  function showBuild() {
    kindFields();
    renderDraft();
    companyId().then(function (cid) {
      $("#b-save").dataset.company = String(cid);
      if (!cid) { say($("#build-msg"), "Create or join a company first."); return; }
      call("GET", "/api/jobs?status=all&limit=100&company=" + cid).then(function (r) {
        var sel = clear($("#b-job"));
        sel.appendChild(h("option", { value: "", text: "No job" }));
        r.data.items.forEach(function (j) { sel.appendChild(h("option", { value: String(j.id), text: j.title })); });
      });
    });
    call("GET", "/api/problems").then(function (r) {
      var sel = clear($("#q-problem"));
      (r.data.problems || []).forEach(function (p) { sel.appendChild(h("option", { value: String(p.id), text: p.title + " (" + p.difficulty + ")" })); });
      // The company's own problems, once their reference solution passed.
      return companyId().then(function (cid) {
        if (!cid) return;
        return call("GET", "/api/companies/" + cid + "/problems").then(function (r2) {
          r2.data.items.filter(function (p) { return p.status === "published"; }).forEach(function (p) {
            sel.appendChild(h("option", { value: String(p.id), text: p.title + " (company)" }));
          });
        });
      });
    }).catch(function (e) { say($("#build-msg"), e.message); });
  }
  $("#q-add").addEventListener("click", function () {
    var k = $("#q-kind").value;
    var q = { kind: k, points: parseInt($("#q-points").value, 10) || 1, prompt: $("#q-prompt").value.trim() };
    if (k === "mcq") {
      q.options = $("#q-options").value.split("\n").map(function (s) { return s.trim(); }).filter(Boolean);
      q.correct = $("#q-correct").value.split(",").map(function (s) { return parseInt(s, 10) - 1; }).filter(function (n) { return n >= 0; });
      q.multiple = q.correct.length > 1;
    } else if (k === "text") {
      q.max_length = parseInt($("#q-maxlen").value, 10) || 2000;
      if ($("#q-rubric").value.trim()) q.rubric = $("#q-rubric").value.trim();
    } else {
      var sel = $("#q-problem");
      q.problem_id = parseInt(sel.value, 10);
      q.title = sel.options[sel.selectedIndex] ? sel.options[sel.selectedIndex].text : "";
      var langs = $("#q-langs").value.split(",").map(function (s) { return s.trim(); }).filter(Boolean);
      if (langs.length) q.languages = langs;
    }
    draft.push(q);
    renderDraft();
    ["#q-prompt", "#q-options", "#q-correct", "#q-rubric"].forEach(function (s) { $(s).value = ""; });
  });
  function isoOrNull(v) { return v ? new Date(v).toISOString() : undefined; }
  $("#b-save").addEventListener("click", function () {
    var btn = $("#b-save");
    var webcam = $("#b-webcam").checked;
    var body = {
      company_id: parseInt(btn.dataset.company || "0", 10), title: $("#b-title").value.trim(),
      duration_minutes: parseInt($("#b-duration").value, 10) || 0,
      proctoring: { webcam: webcam, frame_interval_s: webcam ? parseInt($("#b-interval").value, 10) || 30 : 0, fullscreen: $("#b-fullscreen").checked, liveness: $("#b-liveness").checked },
      questions: draft.map(function (q) { var c = Object.assign({}, q); delete c.title; return c; })
    };
    if ($("#b-job").value) body.job_id = parseInt($("#b-job").value, 10);
    if ($("#b-opens").value) body.opens_at = isoOrNull($("#b-opens").value);
    if ($("#b-closes").value) body.closes_at = isoOrNull($("#b-closes").value);
    busy(btn, true, "Saving…");
    call("POST", "/api/assessments", body).then(function (r) {
      busy(btn, false);
      draft = [];
      $("#b-title").value = "";
      hb.toast("Assessment saved: invite candidates from the applications board.", "ok");
      location.hash = "#/results/" + r.data.id;
    }, function (e) { busy(btn, false); say($("#build-msg"), e.message); });
  });

  // ---- recruiter: results ---------------------------------------------------------
  function showResults(id) {
    call("GET", "/api/assessments/" + id).then(function (r) {
      $("#res-title").textContent = r.data.title + " · results (max " + r.data.max_score + ")";
      var questions = r.data.questions;
      return call("GET", "/api/assessments/" + id + "/attempts").then(function (r2) {
        var rows = clear($("#res-rows"));
        r2.data.items.forEach(function (t) {
          rows.appendChild(h("tr", { "data-attempt": String(t.id), "data-status": t.status },
            h("td", { text: t.candidate_name }), h("td", badge(t.status)),
            h("td", { text: t.submitted_at ? when(t.submitted_at) + (t.submitted_by === "deadline" ? " (time ran out)" : "") : "" }),
            h("td", { text: t.score == null ? "–" : t.score + " / " + t.max_score }),
            h("td", h("button.secondary", { type: "button", text: "Details", onclick: function () { attemptDetail(t.id, questions); } }),
              t.status === "active" ? null : h("a", { href: "/report.html#attempt=" + t.id, text: " Report" }))));
        });
        say($("#res-msg"), r2.data.items.length ? "" : "Nobody has started yet. Invite candidates from the applications board.", "info");
      });
    }).catch(function (e) { say($("#res-msg"), e.message); });
  }
  function attemptDetail(attemptID, questions) {
    call("GET", "/api/attempts/" + attemptID).then(function (r) {
      var t = r.data;
      $("#res-detail").classList.remove("hidden");
      $("#rd-title").textContent = t.candidate_name + " · " + label(t.status) + (t.score != null ? " · " + t.score + " / " + t.max_score : "");
      var body = clear($("#rd-body"));
      var answers = {};
      t.answers.forEach(function (a) { answers[a.question_id] = a.answer || {}; });
      (t.results || []).forEach(function (x, i) {
        var q = questions.filter(function (qq) { return qq.id === x.question_id; })[0] || {};
        var a = answers[x.question_id] || {};
        var shown = q.kind === "mcq" ? (a.choices || []).map(function (c) { return q.options[c]; }).join(", ") :
          q.kind === "text" ? a.text : a.source ? "(" + a.language + ")\n" + a.source : "";
        var row = h("div.card", { "data-result": String(i + 1) },
          h("div.row", h("strong", { text: (i + 1) + ". " + q.kind + " · " + x.points + " pts" }), badge(x.status), h("span.grow"),
            h("span", { text: x.score == null ? "–" : String(x.score) })),
          q.prompt || q.problem_title ? h("div.small.muted", { text: q.prompt || "Problem: " + q.problem_title }) : null,
          h("pre", { text: shown || "(no answer)" }),
          x.detail && x.detail.verdict ? h("div.small", { text: "Verdict " + x.detail.verdict + ": " + x.detail.passed + "/" + x.detail.total + " tests" }) : null);
        if (q.kind === "text" && t.status !== "active") {
          var inp = h("input", { type: "number", min: "0", max: String(x.points), step: "0.5", style: "max-width:100px", "data-score": String(x.question_id) });
          if (x.score != null) inp.value = String(x.score);
          row.appendChild(h("div.row", q.rubric ? h("span.small.muted", { text: "Rubric: " + q.rubric }) : null, inp,
            h("button.secondary", { type: "button", text: "Save score", onclick: function () {
              call("PUT", "/api/attempts/" + attemptID + "/answers/" + x.question_id + "/score", { score: parseFloat(inp.value) })
                .then(function () { attemptDetail(attemptID, questions); route(); }, function (e) { hb.toast(e.message, "error"); });
            } })));
        }
        body.appendChild(row);
      });
      if (t.status === "graded" && !t.released_at) {
        body.appendChild(h("button", { type: "button", id: "release-btn", text: "Release results to the candidate", onclick: function () {
          call("POST", "/api/attempts/" + attemptID + "/release").then(function () { hb.toast("Results released.", "ok"); attemptDetail(attemptID, questions); },
            function (e) { hb.toast(e.message, "error"); });
        } }));
      } else if (t.released_at) {
        body.appendChild(h("p.small.muted", { text: "Released " + when(t.released_at) + "." }));
      }
    }, function (e) { hb.toast(e.message, "error"); });
  }

  route();
})();
