// The recruiters' proctoring pages: the company's assessments, the live
// grid of one assessment's attempts (candidate, time left, trust score,
// latest flag, the last kept webcam frame) fed by a /ws subscription
// ({"type":"proctor.subscribe","assessment_id":N}: a snapshot, then every
// proctor.update), and one attempt's timeline with its violations, the
// answer history and a replay scrubber at 1×–16×, live while it runs.
(function () {
  "use strict";
  var $ = hb.$, $$ = hb.$$, h = hb.h, say = hb.say, clear = hb.clear;
  if (!hb.session.token()) { location.replace("/"); return; }
  var user = hb.session.user() || {};
  $("#who").textContent = user.username ? user.username + " · " + user.role : "";
  function call(method, path, body) {
    return hb.api(method, path, body).catch(function (e) {
      if (e.status === 401) { hb.session.clear(); location.replace("/#login"); }
      throw e;
    });
  }

  var stream = new hb.EventStream();
  var sub = null; // {assessment_id} or {attempt_id} to (re)send on every connect
  stream.onstatus = function (state, detail) {
    $("#ws-dot").className = "status-dot " + state;
    $("#ws-text").textContent = detail;
    if (state === "on") resubscribe();
  };
  function send(msg) { if (stream.ws && stream.ws.readyState === 1) stream.ws.send(JSON.stringify(msg)); }
  function resubscribe() { if (sub) send(Object.assign({ type: "proctor.subscribe" }, sub)); }
  function subscribe(next) {
    if (sub) send(Object.assign({ type: "proctor.unsubscribe" }, sub));
    sub = next;
    resubscribe();
  }
  stream.on("proctor.snapshot", function (m) { if (onSnapshot) onSnapshot(m.data || {}); });
  stream.on("proctor.update", function (m) { if (onUpdate) onUpdate(m.data || {}); });
  stream.on("proctor.error", function (m) { say($(current === "live" ? "#live-msg" : "#at-msg"), "Live feed: " + ((m.data || {}).message || "refused")); });
  stream.start();

  var current = "", onSnapshot = null, onUpdate = null, ticker = null, player = null;
  function route() {
    var m = /^#\/(\w+)(?:\/(\d+))?/.exec(location.hash) || [];
    var view = m[1] || "home", id = m[2] ? parseInt(m[2], 10) : 0;
    if (["home", "live", "attempt"].indexOf(view) < 0) view = "home";
    current = view;
    onSnapshot = onUpdate = null;
    clearInterval(ticker); stopPlay();
    $$("[data-view]").forEach(function (s) { s.classList.toggle("hidden", s.dataset.view !== view); });
    $$("[data-nav]").forEach(function (a) { a.classList.toggle("active", a.dataset.nav === view); });
    if (view === "home") { subscribe(null); showHome(); }
    if (view === "live") showLive(id);
    if (view === "attempt") showAttempt(id);
  }
  window.addEventListener("hashchange", route);

  function flagText(v) { return v ? v.severity + " · " + String(v.rule).replace(/_/g, " ") : "—"; }
  function sevClass(s) { return s === "critical" || s === "high" ? "bad" : s === "medium" || s === "low" ? "warn" : ""; }
  function mmss(sec) { sec = Math.max(0, Math.round(sec)); return Math.floor(sec / 60) + ":" + String(sec % 60).padStart(2, "0"); }
  function frameURL(attempt, key) { return "/api/proctor/attempts/" + attempt + "/frames/" + encodeURIComponent(String(key).split("/").pop()); }

  // ---- the company's assessments ---------------------------------------------
  function showHome() {
    call("GET", "/api/companies").then(function (r) {
      var c = (r.data.items || [])[0];
      if (!c) { say($("#home-msg"), "You are not a member of a company."); return; }
      return call("GET", "/api/assessments?company_id=" + c.id).then(function (r) {
        var rows = clear($("#home-rows"));
        (r.data.items || []).forEach(function (a) {
          rows.appendChild(h("tr", h("td", { text: a.title }), h("td", { text: String(a.started != null ? a.started : "") }),
            h("td", h("a", { href: "#/live/" + a.id, text: "Watch live" }))));
        });
      });
    }, function (e) { say($("#home-msg"), e.message); });
  }

  // ---- the live grid ---------------------------------------------------------
  var grid = {};
  function showLive(id) {
    grid = {};
    clear($("#grid-rows"));
    $("#live-state").textContent = "joining…";
    $("#live-state").dataset.state = "joining";
    call("GET", "/api/assessments/" + id).then(function (r) { $("#live-title").textContent = r.data.title + " · running attempts"; }, function () {});
    onSnapshot = function (d) {
      if (d.assessment_id !== id) return;
      grid = {};
      clear($("#grid-rows"));
      (d.attempts || []).forEach(function (a) { a.endsAt = performance.now() + a.seconds_left * 1000; grid[a.attempt_id] = a; renderRow(a); });
      $("#grid-empty").classList.toggle("hidden", (d.attempts || []).length > 0);
      $("#live-state").textContent = "live";
      $("#live-state").dataset.state = "live";
    };
    onUpdate = function (u) {
      if (u.assessment_id !== id) return;
      var a = grid[u.attempt_id];
      if (!a) { // a new attempt started: fetch the grid again
        call("GET", "/api/proctor/assessments/" + id + "/live").then(function (r) { onSnapshot(r.data); });
        return;
      }
      a.trust_score = u.score;
      a.flagged = u.flagged;
      if (u.violations && u.violations.length) a.latest_flag = u.violations[u.violations.length - 1];
      if (u.last_frame) a.last_frame = u.last_frame;
      if (u.events && u.events.length) a.last_event = u.events[u.events.length - 1].kind;
      renderRow(a);
      if (u.flagged_now) hb.toast("Flagged for review: " + a.candidate_name, "error");
    };
    subscribe({ assessment_id: id });
    ticker = setInterval(function () {
      Object.keys(grid).forEach(function (k) {
        var a = grid[k], cell = $("#grid-rows tr[data-attempt='" + k + "'] .left");
        if (cell && a.status === "active") cell.textContent = mmss((a.endsAt - performance.now()) / 1000);
      });
    }, 1000);
  }
  function renderRow(a) {
    var row = $("#grid-rows tr[data-attempt='" + a.attempt_id + "']");
    var tr = h("tr", { "data-attempt": String(a.attempt_id), "data-flagged": a.flagged ? "1" : "" },
      h("td", { text: a.candidate_name }),
      h("td", h("span", { className: "badge", text: a.status })),
      h("td", { className: "left", text: a.status === "active" ? mmss((a.endsAt - performance.now()) / 1000) : "—" }),
      h("td", h("strong", { className: "score", text: String(a.trust_score) })),
      h("td", h("span", { className: "badge flag " + (a.latest_flag ? sevClass(a.latest_flag.severity) : ""), text: flagText(a.latest_flag) }),
        a.flagged ? h("span", { className: "badge bad", text: " review" }) : null),
      h("td", a.last_frame ? h("img", { src: frameURL(a.attempt_id, a.last_frame), alt: "last webcam frame", style: "max-width:96px" }) : h("span", { className: "muted", text: "—" })),
      h("td", h("a", { href: "#/attempt/" + a.attempt_id, text: "Timeline" }), " · ", h("a", { href: "/report.html#attempt=" + a.attempt_id, text: "Report" })));
    if (row) row.replaceWith(tr); else $("#grid-rows").appendChild(tr);
  }

  // ---- one attempt: timeline and replay ---------------------------------------
  var tl = null, loaded = null;
  function eventTime(e) { return new Date(e.at || e.created_at).getTime(); }
  function describe(e) {
    var d = e.data || {}, parts = [];
    if (d.duration_ms) parts.push((d.duration_ms / 1000).toFixed(1) + " s");
    if (d.length) parts.push(d.length + " characters" + (d.target ? " into " + d.target : ""));
    if (d.chars) parts.push(d.chars + " keys");
    if (d.count) parts.push(d.count + " screens");
    if (e.frame) parts.push(e.frame.faces + " face(s)");
    return String(e.kind).replace(/_/g, " ") + (parts.length ? " — " + parts.join(", ") : "");
  }
  function showAttempt(id) {
    tl = null;
    clear($("#timeline")); clear($("#violations")); clear($("#answers"));
    Promise.all([call("GET", "/api/proctor/attempts/" + id + "/timeline"), call("GET", "/api/attempts/" + id).catch(function () { return null; })]).then(function (rs) {
      var t = rs[0].data, at = rs[1] && rs[1].data;
      tl = { id: id, events: t.events || [], violations: t.violations || [], score: t.trust_score, flagged: t.flagged, answers: (at && at.answers) || [] };
      $("#at-title").textContent = "Attempt " + id + (at && at.candidate_name ? " · " + at.candidate_name : "");
      tl.start = tl.events.length ? eventTime(tl.events[0]) : (at ? new Date(at.started_at).getTime() : Date.now());
      if (at && at.started_at) tl.start = Math.min(tl.start, new Date(at.started_at).getTime());
      renderAttempt(true);
      if (loaded) loaded();
    }, function (e) { say($("#at-msg"), e.status === 404 ? "No such attempt." : e.message); });
    // The subscription's snapshot (read after subscribing) and the updates
    // may overlap the timeline read or each other: merge by event id.
    var early = [];
    function merge(evs, violations, score, flagged) {
      if (!tl) { early.push([evs, violations, score, flagged]); return; }
      var have = {}, vhave = {};
      tl.events.forEach(function (e) { have[e.id] = true; });
      (evs || []).forEach(function (e) { if (!have[e.id]) tl.events.push(e); });
      tl.events.sort(function (a, b) { return a.id - b.id; });
      tl.violations.forEach(function (v) { vhave[v.rule] = true; });
      (violations || []).forEach(function (v) { if (!vhave[v.rule]) tl.violations.push(v); });
      tl.score = score; tl.flagged = flagged;
      renderAttempt($("#scrub").value === $("#scrub").max);
    }
    loaded = function () { early.splice(0).forEach(function (x) { merge.apply(null, x); }); };
    onSnapshot = function (d) { if (d.attempt_id === id) merge(d.events, d.violations, d.trust_score, d.flagged); };
    onUpdate = function (u) { if (u.attempt_id === id) merge(u.events, u.violations, u.score, u.flagged); };
    subscribe({ attempt_id: id });
  }
  function renderAttempt(toEnd) {
    $("#at-score").textContent = "Trust score " + tl.score;
    $("#at-flag").classList.toggle("hidden", !tl.flagged);
    var end = tl.events.length ? eventTime(tl.events[tl.events.length - 1]) : tl.start;
    (tl.answers || []).forEach(function (a) { if (a.saved_at) end = Math.max(end, new Date(a.saved_at).getTime()); });
    var scrub = $("#scrub");
    scrub.max = String(Math.max(0, end - tl.start));
    if (toEnd) scrub.value = scrub.max;
    var ol = clear($("#timeline"));
    tl.events.forEach(function (e) {
      ol.appendChild(h("li", { "data-id": String(e.id), "data-t": String(eventTime(e) - tl.start) },
        h("span", { className: "muted", text: mmss((eventTime(e) - tl.start) / 1000) + " " }),
        h("span", { className: "badge " + sevClass(e.severity), text: e.severity }), " ", describe(e)));
    });
    var ul = clear($("#violations"));
    tl.violations.forEach(function (v) {
      var ev = v.evidence || {};
      ul.appendChild(h("li", { "data-rule": v.rule }, h("span", { className: "badge " + sevClass(v.severity), text: v.severity }),
        " " + (ev.description || v.rule) + " — " + ev.metric + " " + ev.value + " " + ev.op + " " + ev.threshold + " (−" + v.deduction + ", event #" + (ev.seq || ev.log_id) + ")"));
    });
    if (!tl.violations.length) ul.appendChild(h("li", { className: "muted", text: "None." }));
    var al = clear($("#answers"));
    (tl.answers || []).forEach(function (a, i) {
      al.appendChild(h("li", { "data-t": a.saved_at ? String(new Date(a.saved_at).getTime() - tl.start) : "" },
        "Question " + (i + 1) + ": " + (a.saved_at ? "saved at " + mmss((new Date(a.saved_at).getTime() - tl.start) / 1000) + " (version " + a.version + ")" : "not answered")));
    });
    applyCursor();
  }
  // applyCursor shows the attempt as it was at the scrubber's position: the
  // events up to it, the answers saved by then and the score after the
  // violations those events raised.
  function applyCursor() {
    if (!tl) return;
    var t = parseInt($("#scrub").value, 10) || 0, shown = 0, lastID = 0;
    $$("#timeline li").forEach(function (li) {
      var on = parseInt(li.dataset.t, 10) <= t;
      li.style.opacity = on ? "1" : ".3";
      if (on) { shown++; lastID = Math.max(lastID, parseInt(li.dataset.id, 10)); }
    });
    $$("#answers li").forEach(function (li) { li.style.opacity = li.dataset.t !== "" && parseInt(li.dataset.t, 10) <= t ? "1" : ".3"; });
    var score = 100;
    tl.violations.forEach(function (v) { if ((v.evidence || {}).log_id <= lastID) score -= v.deduction; });
    $("#replay-score").textContent = String(Math.max(0, score));
    $("#replay-count").textContent = String(shown);
    $("#scrub-time").textContent = mmss(t / 1000) + " / " + mmss(parseInt($("#scrub").max, 10) / 1000);
  }
  $("#scrub").addEventListener("input", function () { stopPlay(); applyCursor(); });
  function stopPlay() { if (player) { clearInterval(player); player = null; $("#play").textContent = "Play"; } }
  $("#play").addEventListener("click", function () {
    if (player) { stopPlay(); return; }
    var scrub = $("#scrub");
    if (scrub.value === scrub.max) scrub.value = "0";
    var last = performance.now();
    $("#play").textContent = "Pause";
    player = setInterval(function () {
      var now = performance.now(), speed = parseInt($("#speed").value, 10) || 1;
      var v = Math.min(parseInt(scrub.max, 10), (parseInt(scrub.value, 10) || 0) + (now - last) * speed);
      last = now;
      scrub.value = String(Math.round(v));
      applyCursor();
      if (String(Math.round(v)) === scrub.max) stopPlay();
    }, 100);
  });

  route();
})();
