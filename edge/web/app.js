// The signed-in app: the live event stream (and its raw feed for
// developers) and the routing between views. Home is home.js (ui.js); the
// problem list and the code editor live in problem.js, which this file hands
// its helpers to (hb.startCoding).
(function () {
  "use strict";
  var $ = hb.$, $$ = hb.$$, h = hb.h, api = hb.api;

  // Not signed in: the sign-in page brings the person back here (deep
  // links such as app.html#/problem/two-sum survive the sign-in).
  if (!hb.session.token()) { location.replace(hb.signInPath()); return; }

  function toLogin(reason) {
    hb.session.clear();
    location.replace(hb.signInPath() + (reason ? "#login" : ""));
  }
  // Any authenticated call that gets 401 means the session is gone.
  function call(method, path, body) {
    return api(method, path, body).catch(function (e) {
      if (e.status === 401) toLogin("expired");
      throw e;
    });
  }

  // ---- live events ----------------------------------------------------------
  var stream = new hb.EventStream();
  var wsLive = false;
  stream.onstatus = function (state, detail) {
    wsLive = state === "on";
    $("#ws-dot").className = "status-dot " + state;
    $("#ws-text").textContent = detail;
  };
  var feed = $("#feed");
  stream.on("replay.truncated", function () {
    hb.toast("Some older events were no longer kept; reloading your data.");
    route();
  });
  stream.on(function (msg) {
    $("#ws-seq").textContent = String(stream.lastSeq);
    if (msg.type === "ready") return;
    $("#feed-empty").classList.add("hidden");
    var data = msg.data === undefined ? null : msg.data;
    var li = h("li",
      h("div.meta",
        h("span.seq", { text: msg.seq !== undefined ? "#" + msg.seq : "" }),
        h("span.badge", { text: msg.type || "event" }),
        msg.op_id ? h("code.small", { text: msg.op_id }) : null,
        h("span.grow"),
        h("span.small.muted", { text: hb.fmtTime(msg.time) })));
    if (data !== null) {
      var text = JSON.stringify(data, null, 2);
      // Long payloads (e.g. images echoed back) would swamp the feed.
      if (text.length > 4000) text = text.slice(0, 4000) + "\n…";
      // Scrollable, so reachable by keyboard.
      li.appendChild(h("pre", { text: text, tabindex: "0" }));
    }
    feed.insertBefore(li, feed.firstChild);
    while (feed.children.length > 200) feed.removeChild(feed.lastChild);
  });
  stream.on("session.revoked", function () {
    hb.toast("Your session ended. Please sign in again.", "error");
    setTimeout(function () { toLogin("revoked"); }, 1200);
  });
  $("#feed-clear").addEventListener("click", function () { hb.clear(feed); });

  // waitForOp resolves with the finished operation (as GET /api/ops/:id shows
  // it). The op.completed event is the fast path; polling covers a WebSocket
  // that is down or an event that was missed.
  function waitForOp(opId, timeoutMs) {
    return new Promise(function (resolve, reject) {
      var finished = false, pollTimer = null;
      var deadline = Date.now() + (timeoutMs || 120000);
      function fetchOp() {
        return call("GET", "/api/ops/" + encodeURIComponent(opId)).then(function (r) { return r.data || {}; });
      }
      function settle(op) {
        if (finished) return;
        if (op.status !== "done" && op.status !== "failed") return;
        finished = true;
        off();
        clearTimeout(pollTimer);
        if (op.status === "done") resolve(op);
        else {
          var e = new Error((op.error && (op.error.message || op.error)) || "operation failed");
          e.op = op;
          reject(e);
        }
      }
      var off = stream.on("op.completed", function (msg) {
        if (msg.op_id === opId || (msg.data && msg.data.op_id === opId)) fetchOp().then(settle, function () {});
      });
      function poll() {
        if (finished) return;
        if (Date.now() > deadline) { finished = true; off(); reject(new Error("no result yet — it will appear in Live events")); return; }
        fetchOp().then(settle, function () {}).then(function () {
          if (!finished) pollTimer = setTimeout(poll, wsLive ? 5000 : 1500);
        });
      }
      pollTimer = setTimeout(poll, wsLive ? 3000 : 500);
    });
  }

  // ---- header -----------------------------------------------------------------
  var cached = hb.session.user();
  if (cached) $("#who").textContent = cached.username + " · " + cached.role;
  $("#logout").addEventListener("click", function () {
    stream.stop();
    api("POST", "/api/auth/logout").catch(function () {}).then(function () {
      hb.session.clear();
      location.replace("/?signout");
    });
  });

  // ---- routing --------------------------------------------------------------
  function route() {
    var hash = location.hash.replace(/^#/, "") || "/";
    var parts = hash.split("/").filter(Boolean);
    var view = "home";
    if (parts[0] === "problems") view = "problems";
    else if (parts[0] === "problem" && parts[1]) view = "editor";
    else if (parts[0] === "playground") view = "editor";
    $$("section[data-view]").forEach(function (s) { s.classList.toggle("hidden", s.dataset.view !== view); });
    $$("[data-nav]").forEach(function (a) {
      a.classList.toggle("active", a.dataset.nav === (view === "editor" ? (parts[0] === "playground" ? "playground" : "problems") : view));
    });
    if (view !== "home" && hb.app && hb.app.home) hb.app.home.leave(); // turns the camera off
    $("#view-title").textContent = { home: "Home", problems: "Problems", editor: parts[0] === "playground" ? "Playground" : "Problem" }[view] + " — hirebus";
    if (view === "home") showHome();
    if (view === "problems") showProblems();
    if (view === "editor") showEditor(parts[0] === "problem" ? decodeURIComponent(parts[1]) : null);
  }
  window.addEventListener("hashchange", route);

  // ---- home ---------------------------------------------------------------------
  // Home is built with ui.js in home.js (a module, so it runs after this
  // script); it registers hb.app.home and this routing shows or leaves it.
  function showHome() { if (hb.app.home) hb.app.home.show(); }

  // ---- problems and the editor (problem.js) ------------------------------------
  // problem.js is an ES module, so it runs after this script: it hands its
  // views over with hb.startCoding, and the current route is shown again.
  var coding = null;
  hb.startCoding = function (factory) {
    coding = factory({ call: call, stream: stream, waitForOp: waitForOp });
    route();
  };
  function showProblems() { if (coding) coding.showProblems(); }
  function showEditor(id) { if (coding) coding.showEditor(id); }

  // Shared with the Home components (home.js, a module that runs after
  // this script): the one event stream and the authenticated helpers.
  hb.app = { stream: stream, call: call, waitForOp: waitForOp, home: null };

  // ---- start ------------------------------------------------------------------
  route();
  // Connect last, so every listener above sees the replayed events too.
  stream.start();
})();
