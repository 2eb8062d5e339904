// Proctoring signals of the taking page (assess.html#/take/<id>): tab
// hidden/visible, window blur/focus, full screen exit/enter, copy/cut/paste
// (lengths only: the content never leaves the page), context menu,
// devtools (best effort: the docked panel's size), several screens, long
// idle, network offline/online and keystroke bursts (characters and
// milliseconds, for typing cadence). Each event gets the attempt's next
// seq (kept in sessionStorage so a reload continues it) and goes to
// POST /api/proctor/log in batches: at once for leaving the tab, else about
// every second; a failed batch is retried with the same seqs, which the
// server counts once. Webcam frames are sent by assess.js.
(function () {
  "use strict";
  var attempt = 0, queue = [], timer = null, sending = false, backoff = 0;
  var hiddenAt = 0, blurAt = 0, offlineAt = 0, lastInput = Date.now(), idleSent = false;
  var burst = null, devtoolsOpen = false, screensSent = false;
  var IDLE_MS = 60000, MAX_QUEUE = 2000;

  function seqKey() { return "hirebus.proctor.seq." + attempt; }
  function nextSeq() {
    var n = (parseInt(sessionStorage.getItem(seqKey()) || "0", 10) || 0) + 1;
    sessionStorage.setItem(seqKey(), String(n));
    return n;
  }
  function emit(type, data, urgent) {
    if (!attempt) return;
    var ev = { seq: nextSeq(), type: type, at: new Date().toISOString() };
    if (data) ev.data = data;
    queue.push(ev);
    if (queue.length > MAX_QUEUE) queue.splice(0, queue.length - MAX_QUEUE);
    schedule(urgent ? 0 : 1000);
  }
  function schedule(ms) {
    if (timer && ms > 0) return;
    clearTimeout(timer);
    timer = setTimeout(flush, ms + backoff);
  }
  function flush() {
    timer = null;
    if (sending || !queue.length || !attempt) return;
    if (navigator.onLine === false) { schedule(2000); return; }
    sending = true;
    var batch = queue.slice(0, 200);
    hb.api("POST", "/api/proctor/log", { attempt_id: attempt, events: batch }, { keepOn401: true }).then(function () {
      queue.splice(0, batch.length);
      backoff = 0;
    }, function (e) {
      if (e.status === 404 || e.status === 409 || e.status === 401) { stop(); return; }
      if (e.status === 400) { queue.splice(0, batch.length); return; } // never retry a batch the server refuses
      backoff = Math.min(15000, (backoff || 500) * 2);
    }).then(function () {
      sending = false;
      if (queue.length) schedule(0);
    });
  }

  // The editor a paste went into: code answers use the code editor
  // (#answer-editor, CodeMirror, over the textarea #answer-code), text
  // answers #answer-text.
  function target(el) {
    if (el && el.nodeType !== 1) el = el.parentElement;
    if (el && el.closest && el.closest("#answer-editor, #answer-code")) return "code";
    if (el && el.id === "answer-text") return "text";
    return "other";
  }
  function selectionLength() {
    var el = document.activeElement;
    if (el && typeof el.selectionStart === "number" && typeof el.selectionEnd === "number") return Math.abs(el.selectionEnd - el.selectionStart);
    var s = window.getSelection ? String(window.getSelection()) : "";
    return s.length;
  }
  function activity() {
    var now = Date.now();
    if (idleSent) { emit("idle", { duration_ms: now - lastInput }); idleSent = false; }
    lastInput = now;
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") { hiddenAt = Date.now(); emit("tab_hidden", null, true); }
    else if (hiddenAt) { emit("tab_visible", { duration_ms: Date.now() - hiddenAt }, true); hiddenAt = 0; }
  });
  window.addEventListener("blur", function () { blurAt = Date.now(); emit("window_blur"); });
  window.addEventListener("focus", function () { if (blurAt) { emit("window_focus", { duration_ms: Date.now() - blurAt }); blurAt = 0; } });
  document.addEventListener("fullscreenchange", function () { emit(document.fullscreenElement ? "fullscreen_enter" : "fullscreen_exit", null, !document.fullscreenElement); });
  document.addEventListener("copy", function () { emit("copy", { length: selectionLength() }); });
  document.addEventListener("cut", function () { emit("cut", { length: selectionLength() }); });
  document.addEventListener("paste", function (e) {
    var text = e.clipboardData ? e.clipboardData.getData("text") : "";
    emit("paste", { length: text.length, target: target(e.target) }); // the length only
  }, true);
  document.addEventListener("contextmenu", function () { emit("context_menu"); });
  window.addEventListener("offline", function () { offlineAt = Date.now(); emit("offline"); });
  window.addEventListener("online", function () { emit("online", { duration_ms: offlineAt ? Date.now() - offlineAt : 0 }, true); offlineAt = 0; });
  ["mousemove", "mousedown", "scroll", "touchstart"].forEach(function (t) { document.addEventListener(t, activity, { passive: true }); });
  document.addEventListener("keydown", function (e) {
    activity();
    if (!e.key || e.key.length !== 1 || e.ctrlKey || e.metaKey) return;
    var now = performance.now();
    if (burst && now - burst.last > 1000) endBurst();
    if (!burst) burst = { start: now, last: now, chars: 0 };
    burst.chars++;
    burst.last = now;
  }, true);
  function endBurst() {
    if (burst && burst.chars >= 5) emit("keystrokes", { chars: burst.chars, duration_ms: Math.max(1, Math.round(burst.last - burst.start)) });
    burst = null;
  }

  // Periodic checks: idle, the end of a typing burst, devtools, screens.
  setInterval(function () {
    if (!attempt) return;
    if (burst && performance.now() - burst.last > 1000) endBurst();
    if (!idleSent && Date.now() - lastInput > IDLE_MS) idleSent = true; // reported with its length on return
    var open = window.outerWidth - window.innerWidth > 200 || window.outerHeight - window.innerHeight > 240;
    if (open && !devtoolsOpen && window.outerWidth > 0) emit("devtools_open");
    devtoolsOpen = open;
    if (!screensSent && window.screen && window.screen.isExtended === true) { emit("screens", { count: 2 }); screensSent = true; }
  }, 1000);
  window.addEventListener("pagehide", function () { endBurst(); flush(); });

  function stop() { attempt = 0; queue = []; clearTimeout(timer); timer = null; }

  // Follow the taking page: #/take/<assessment> with an active attempt.
  function follow() {
    var m = /^#\/take\/(\d+)/.exec(location.hash);
    if (!m) { if (attempt) { endBurst(); flush(); } stop(); return; }
    hb.api("GET", "/api/assessments/" + m[1]).then(function (r) {
      var a = r.data && r.data.attempt;
      if (a && a.status === "active" && /^#\/take\//.test(location.hash)) {
        if (attempt !== a.id) { stop(); attempt = a.id; lastInput = Date.now(); }
      }
    }, function () {});
  }
  window.addEventListener("hashchange", follow);
  follow();
  window.hbProctorSignals = { pending: function () { return queue.length; }, attempt: function () { return attempt; } };
})();
