// The candidate report page: #attempt=<id> (a member, or the candidate once
// results are released) or #job=<id> (members: the job's candidates side by
// side). The report is drawn on the server — charts as SVG with text
// alternatives — and fetched here with the session token; this page only
// adds printing, the PDF download, the version picker and "generate".
(function () {
  "use strict";
  var hb = window.hb, $ = hb.$, h = hb.h, say = hb.say;

  function params() {
    var out = {};
    location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
      var p = kv.split("=");
      if (p[0]) out[decodeURIComponent(p[0])] = decodeURIComponent(p[1] || "");
    });
    return out;
  }

  // fetchAuthed GETs a report rendition with the token (HTML or PDF).
  function fetchAuthed(path) {
    return fetch(path, { headers: { Authorization: "Bearer " + hb.session.token() }, credentials: "same-origin" }).then(function (res) {
      if (res.ok) return res;
      return res.json().catch(function () { return {}; }).then(function (b) {
        var e = new Error((b.error && b.error.message) || res.statusText);
        e.status = res.status; e.code = b.error && b.error.code;
        throw e;
      });
    });
  }

  // show puts the server's document (its style and main) into the page.
  // The server's HTML is built from escaped templates and carries no script.
  function show(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var into = hb.clear($("#report-doc"));
    var style = doc.querySelector("style");
    if (style) into.appendChild(document.importNode(style, true));
    var main = doc.querySelector("main");
    if (main) into.appendChild(document.importNode(main, true));
    document.title = doc.title || document.title;
  }

  var state = {};

  function reportURL(format) {
    var p = "/api/reports/candidate/" + state.candidate + "?attempt_id=" + state.attempt + "&format=" + format;
    if (state.version) p += "&version=" + state.version;
    return p;
  }

  function loadReport() {
    say($("#report-msg"), "");
    return fetchAuthed(reportURL("html")).then(function (res) { return res.text(); }).then(function (html) {
      show(html);
      $("#report-doc").setAttribute("data-loaded", "1");
    }, function (e) {
      hb.clear($("#report-doc"));
      var text = e.code === "report_not_generated" ? "No report has been generated for this attempt yet." + (state.member ? " Generate one above." : "") :
        e.code === "results_not_released" ? "Your results are not released yet." : e.message;
      say($("#report-msg"), text, e.code === "report_not_generated" ? "info" : "error");
    });
  }

  function loadVersions() {
    return hb.api("GET", "/api/reports/attempts/" + state.attempt + "/versions").then(function (r) {
      var sel = hb.clear($("#report-version"));
      var vs = r.data.versions.slice().reverse();
      vs.forEach(function (v, i) {
        sel.appendChild(h("option", { value: i === 0 ? "" : String(v.version), text: "v" + v.version + " · " + hb.fmtTime(v.generated_at) + (i === 0 ? " (latest)" : "") }));
      });
      sel.value = state.version ? String(state.version) : "";
    }, function () { hb.clear($("#report-version")); });
  }

  function openAttempt(attempt) {
    state.attempt = attempt;
    return hb.api("GET", "/api/attempts/" + attempt).then(function (r) {
      var user = hb.session.user() || {};
      state.member = r.data.candidate_id !== undefined;
      state.candidate = state.member ? r.data.candidate_id : user.id;
      $("#report-heading").textContent = "Report · attempt " + attempt + (r.data.candidate_name ? " · " + r.data.candidate_name : "");
      $("#report-generate").classList.toggle("hidden", !state.member);
      return Promise.all([loadVersions(), loadReport()]);
    }, function (e) { say($("#report-msg"), e.status === 404 ? "No such attempt." : e.message); });
  }

  function openJob(job) {
    $("#report-version").classList.add("hidden");
    $("#report-version-label").classList.add("hidden");
    $("#report-pdf").classList.add("hidden");
    $("#report-generate").classList.add("hidden");
    $("#report-heading").textContent = "Candidates side by side";
    return fetchAuthed("/api/reports/compare?job_id=" + encodeURIComponent(job) + "&format=html").then(function (res) { return res.text(); }).then(function (html) {
      show(html);
      $("#report-doc").setAttribute("data-loaded", "1");
    }, function (e) { say($("#report-msg"), e.status === 404 ? "No such job." : e.message); });
  }

  $("#report-print").addEventListener("click", function () { window.print(); });
  $("#report-pdf").addEventListener("click", function () {
    fetchAuthed(reportURL("pdf")).then(function (res) { return res.blob(); }).then(function (blob) {
      var a = h("a", { href: URL.createObjectURL(blob), download: "report-" + state.attempt + ".pdf" });
      document.body.appendChild(a); a.click(); a.remove();
    }, function (e) { say($("#report-msg"), e.message); });
  });
  $("#report-version").addEventListener("change", function (ev) {
    state.version = ev.target.value ? parseInt(ev.target.value, 10) : 0;
    loadReport();
  });
  $("#report-generate").addEventListener("click", function () {
    var btn = $("#report-generate");
    btn.disabled = true;
    say($("#report-msg"), "Generating…", "info");
    hb.api("POST", "/api/reports/generate", { attempt_id: state.attempt }).then(function (r) {
      return hb.waitOp(r.data.op_id, 60000);
    }).then(function () {
      state.version = 0;
      return Promise.all([loadVersions(), loadReport()]);
    }).catch(function (e) { say($("#report-msg"), e.message); }).then(function () { btn.disabled = false; });
  });

  // Another report or job in the hash (a link on the comparison): start over.
  window.addEventListener("hashchange", function () { location.reload(); });

  var me = hb.session.user();
  if (!hb.session.token()) { location.href = "/?next=" + encodeURIComponent(location.pathname + location.hash); return; }
  if (me) $("#who").textContent = me.username || "";
  var p = params();
  if (p.job) openJob(p.job);
  else if (p.attempt) openAttempt(parseInt(p.attempt, 10));
  else say($("#report-msg"), "Open a report from an assessment's results or the live proctoring page.");
})();
