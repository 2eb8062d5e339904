// Shared helpers for the hirebus pages: API calls, the session token, the
// webcam, the live event stream and small DOM utilities. No framework and no
// network beyond the edge that served the page.
(function (root) {
  "use strict";

  var TOKEN_KEY = "hirebus.token";
  var USER_KEY = "hirebus.user";
  var SEQ_KEY = "hirebus.last_seq";

  // ---- DOM ----------------------------------------------------------------
  function $(sel, el) { return (el || document).querySelector(sel); }
  function $$(sel, el) { return Array.prototype.slice.call((el || document).querySelectorAll(sel)); }

  // h("div.card", {onclick: f, title: "x"}, child, "text", ...) builds an element.
  // Text is always set as text, never parsed as HTML, so data from the server
  // cannot inject markup.
  function h(tag, attrs) {
    var m = /^([a-z0-9]+)?((?:[.#][\w-]+)*)$/i.exec(tag);
    var el = document.createElement(m[1] || "div");
    (m[2].match(/[.#][\w-]+/g) || []).forEach(function (p) {
      if (p[0] === ".") el.classList.add(p.slice(1)); else el.id = p.slice(1);
    });
    var start = 1;
    if (attrs && typeof attrs === "object" && !(attrs instanceof Node) && !Array.isArray(attrs)) {
      start = 2;
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === undefined || v === null || v === false) return;
        if (k.slice(0, 2) === "on") el.addEventListener(k.slice(2), v);
        else if (k === "text") el.textContent = v;
        else if (k === "className") el.className = v;
        else if (k in el && typeof v !== "string") el[k] = v;
        else el.setAttribute(k, v === true ? "" : v);
      });
    }
    for (var i = start; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, c) {
    if (c === undefined || c === null || c === false) return;
    if (Array.isArray(c)) { c.forEach(function (x) { append(el, x); }); return; }
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

  // Minimal, safe Markdown: paragraphs, headings, lists, fenced code, `code`,
  // **bold**, *italic*. Builds DOM nodes; never uses innerHTML.
  function markdown(src) {
    var frag = document.createDocumentFragment();
    var lines = String(src || "").replace(/\r\n?/g, "\n").split("\n");
    var i = 0;
    function inline(text, el) {
      var re = /(`[^`]+`|\*\*[^*]+\*\*|\*[^*\s][^*]*\*)/g, last = 0, m;
      while ((m = re.exec(text))) {
        if (m.index > last) el.appendChild(document.createTextNode(text.slice(last, m.index)));
        var t = m[0];
        if (t[0] === "`") el.appendChild(h("code", { text: t.slice(1, -1) }));
        else if (t[1] === "*") el.appendChild(h("strong", { text: t.slice(2, -2) }));
        else el.appendChild(h("em", { text: t.slice(1, -1) }));
        last = re.lastIndex;
      }
      if (last < text.length) el.appendChild(document.createTextNode(text.slice(last)));
      return el;
    }
    while (i < lines.length) {
      var l = lines[i];
      if (/^\s*$/.test(l)) { i++; continue; }
      if (/^```/.test(l)) {
        var code = [];
        i++;
        while (i < lines.length && !/^```/.test(lines[i])) code.push(lines[i++]);
        i++;
        frag.appendChild(h("pre", h("code", { text: code.join("\n") })));
        continue;
      }
      var hm = /^(#{1,4})\s+(.*)$/.exec(l);
      if (hm) { frag.appendChild(inline(hm[2], h("h" + Math.min(hm[1].length + 1, 4)))); i++; continue; }
      if (/^\s*([-*]|\d+\.)\s+/.test(l)) {
        var ordered = /^\s*\d+\./.test(l);
        var list = h(ordered ? "ol" : "ul");
        while (i < lines.length && /^\s*([-*]|\d+\.)\s+/.test(lines[i])) {
          list.appendChild(inline(lines[i].replace(/^\s*([-*]|\d+\.)\s+/, ""), h("li")));
          i++;
        }
        frag.appendChild(list);
        continue;
      }
      var para = [];
      while (i < lines.length && !/^\s*$/.test(lines[i]) && !/^```/.test(lines[i]) && !/^#{1,4}\s/.test(lines[i]) && !/^\s*([-*]|\d+\.)\s+/.test(lines[i])) para.push(lines[i++]);
      frag.appendChild(inline(para.join(" "), h("p")));
    }
    return frag;
  }

  // ---- Messages -------------------------------------------------------------
  function toast(text, kind) {
    var box = $("#toasts");
    if (!box) { box = h("div#toasts", { role: "status", "aria-live": "polite" }); document.body.appendChild(box); }
    var t = h("div.toast", { className: "toast " + (kind || "") , text: text });
    box.appendChild(t);
    setTimeout(function () { t.remove(); }, kind === "error" ? 7000 : 4000);
  }
  // Shows a message inside a form's .msg element (or hides it with no text).
  function say(el, text, kind) {
    if (!el) return;
    if (!text) { el.className = "msg hidden"; el.textContent = ""; return; }
    el.className = "msg " + (kind || "error");
    el.textContent = text;
  }

  // ---- Session --------------------------------------------------------------
  // sessionStorage: the token dies with the tab, and other tabs or sites
  // cannot read it from cookies.
  var session = {
    token: function () { return sessionStorage.getItem(TOKEN_KEY) || ""; },
    user: function () { try { return JSON.parse(sessionStorage.getItem(USER_KEY) || "null"); } catch (e) { return null; } },
    set: function (token, user) {
      // A new session starts its event history afresh; refreshing the
      // cached user of the same session keeps the resume point.
      // The resume point is kept per user in this browser (seqKey), so a
      // new sign-in picks up where the last session stopped instead of
      // replaying every retained event.
      sessionStorage.setItem(TOKEN_KEY, token);
      if (user) sessionStorage.setItem(USER_KEY, JSON.stringify(user));
    },
    clear: function () {
      sessionStorage.removeItem(TOKEN_KEY);
      sessionStorage.removeItem(USER_KEY);
    }
  };
  // seqKey names the stored resume point of the signed-in user's event
  // stream (localStorage: it outlives the tab's session, it is only a
  // position in the stream).
  function seqKey() {
    var u = session.user();
    return u && u.id ? SEQ_KEY + "." + u.id : SEQ_KEY;
  }

  // ---- API ------------------------------------------------------------------
  function ApiError(status, code, message, body) {
    var e = new Error(message || ("HTTP " + status));
    e.name = "ApiError";
    e.status = status;
    e.code = code || "http_" + status;
    e.body = body;
    return e;
  }

  // api("POST", "/api/auth/login", {username, password}) → {status, data}.
  // Non-2xx answers throw an ApiError carrying the server's error code and
  // message; a 401 on an authenticated call also clears the stale token.
  function api(method, path, body, opts) {
    opts = opts || {};
    var headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    var tok = session.token();
    if (tok && opts.auth !== false) headers.Authorization = "Bearer " + tok;
    var init = { method: method, headers: headers, credentials: "same-origin" };
    if (body !== undefined) init.body = JSON.stringify(body);
    return fetch(path, init).then(function (res) {
      return res.text().then(function (txt) {
        var data = null;
        if (txt) { try { data = JSON.parse(txt); } catch (e) { data = txt; } }
        if (res.ok) return { status: res.status, data: data };
        var err = data && data.error ? data.error : {};
        var msg = err.message || (typeof data === "string" && data) || res.statusText || "request failed";
        if (res.status === 401 && tok && opts.auth !== false && opts.keepOn401 !== true) session.clear();
        throw ApiError(res.status, err.code, msg, data);
      });
    }, function (e) {
      throw ApiError(0, "network", "cannot reach the server (" + e.message + ")");
    });
  }

  // Polls GET /api/ops/:id until the operation is done or failed. Used where
  // no WebSocket is open (the sign-in page) and as the fallback elsewhere.
  function waitOp(opId, timeoutMs) {
    var deadline = Date.now() + (timeoutMs || 60000);
    var delay = 300;
    return new Promise(function (resolve, reject) {
      function tick() {
        api("GET", "/api/ops/" + encodeURIComponent(opId)).then(function (r) {
          var op = r.data || {};
          if (op.status === "done") return resolve(op);
          if (op.status === "failed") {
            var e = op.error || {};
            return reject(ApiError(422, e.code || "op_failed", e.message || (typeof op.error === "string" ? op.error : "operation failed"), op));
          }
          if (Date.now() > deadline) return reject(ApiError(0, "timeout", "still working — check again later"));
          setTimeout(tick, delay);
          delay = Math.min(delay * 1.5, 2000);
        }, reject);
      }
      tick();
    });
  }

  // ---- Webcam -----------------------------------------------------------------
  // Camera wraps getUserMedia for one <video>. Frames are captured as JPEG data
  // URLs, which is what the face endpoints accept.
  function Camera(video, placeholder) {
    this.video = video;
    this.placeholder = placeholder;
    this.stream = null;
  }
  Camera.prototype.start = function () {
    var self = this;
    if (self.stream) return Promise.resolve();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      return Promise.reject(new Error("this browser cannot use the camera here (it needs https or localhost)"));
    }
    return navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: "user" }, audio: false })
      .then(function (stream) {
        self.stream = stream;
        self.video.srcObject = stream;
        if (self.placeholder) self.placeholder.classList.add("hidden");
        return self.video.play();
      }, function (e) {
        throw new Error(e && e.name === "NotAllowedError" ? "camera permission was refused" : "no camera available (" + (e && e.message || e) + ")");
      });
  };
  Camera.prototype.capture = function () {
    var v = this.video;
    if (!this.stream || !v.videoWidth) throw new Error("start the camera first");
    var c = document.createElement("canvas");
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    c.getContext("2d").drawImage(v, 0, 0, c.width, c.height);
    return c.toDataURL("image/jpeg", 0.9);
  };
  // captureChallenge takes the 3–5 frames of a liveness challenge: the
  // first facing the camera, then two per step (blink, turn left/right),
  // so a still photo cannot pass. showStep(text) shows each instruction
  // ("" at the end). Without a challenge: three frames over about a second.
  var stepText = {
    blink: "Close your eyes for a moment, then open them",
    turn_left: "Turn your head to your left",
    turn_right: "Turn your head to your right"
  };
  function pause(ms) { return new Promise(function (ok) { setTimeout(ok, ms); }); }
  Camera.prototype.captureChallenge = function (challenge, showStep) {
    var cam = this, frames = [cam.capture()];
    var steps = challenge ? challenge.steps : [null];
    var chain = Promise.resolve();
    steps.forEach(function (step) {
      chain = chain.then(function () {
        if (step) showStep(stepText[step] || step);
        return pause(step ? 450 : 350);
      }).then(function () {
        frames.push(cam.capture());
        return pause(step ? 300 : 350);
      }).then(function () {
        frames.push(cam.capture());
      });
    });
    return chain.then(function () {
      showStep("");
      return frames.slice(0, 5);
    });
  };
  Camera.prototype.stop = function () {
    if (this.stream) this.stream.getTracks().forEach(function (t) { t.stop(); });
    this.stream = null;
    this.video.srcObject = null;
    if (this.placeholder) this.placeholder.classList.remove("hidden");
  };

  // ---- Live events ----------------------------------------------------------
  // EventStream keeps one WebSocket to /ws open, reconnecting with backoff and
  // resuming from the last seq it saw, so events missed while offline (within
  // the server's retention window) are replayed. Listeners get every message:
  //   stream.on(function (msg) {...})        all events
  //   stream.on("code.test", function (msg) {...})
  // Status changes go to stream.onstatus(state, detail).
  function EventStream() {
    this.ws = null;
    this.listeners = [];
    this.lastSeq = parseInt(localStorage.getItem(seqKey()) || "0", 10) || 0;
    this.attempt = 0;
    this.stopped = false;
    this.useFirstMessageAuth = false;
    this.onstatus = function () {};
    this.timer = null;
  }
  EventStream.prototype.on = function (type, fn) {
    if (typeof type === "function") { fn = type; type = "*"; }
    this.listeners.push({ type: type, fn: fn });
    var self = this;
    return function off() { self.listeners = self.listeners.filter(function (l) { return l.fn !== fn; }); };
  };
  EventStream.prototype.start = function () {
    this.stopped = false;
    this.connect();
  };
  EventStream.prototype.stop = function () {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000, "bye");
  };
  EventStream.prototype.connect = function () {
    var self = this;
    var token = session.token();
    if (!token) { self.onstatus("off", "not signed in"); return; }
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
    // Always ask for a replay: on the first connect (last_seq 0) this brings
    // the events that happened between an HTTP answer and the socket opening,
    // e.g. the result of the registration that led to this page.
    url += "?last_seq=" + self.lastSeq;
    var opened = false;
    var ws;
    try {
      // The token goes in the subprotocol list ("bearer.<jwt>") because
      // browsers cannot set an Authorization header on a WebSocket. If the
      // server does not pick a subprotocol the browser fails the handshake;
      // after such a failure the stream falls back to first-message auth.
      ws = self.useFirstMessageAuth ? new WebSocket(url) : new WebSocket(url, ["hirebus.v1", "bearer." + token]);
    } catch (e) {
      self.useFirstMessageAuth = true;
      self.retry();
      return;
    }
    self.ws = ws;
    self.onstatus("wait", self.attempt ? "reconnecting…" : "connecting…");
    ws.onopen = function () {
      opened = true;
      self.attempt = 0;
      if (self.useFirstMessageAuth) ws.send(JSON.stringify({ type: "auth", token: token, last_seq: self.lastSeq }));
      self.onstatus("on", "live");
    };
    ws.onmessage = function (ev) {
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (!msg || typeof msg !== "object") return;
      // seq is the event's position in the server's event stream; control
      // messages (ready, replay.truncated, error) carry 0.
      if (typeof msg.seq === "number" && msg.seq > 0) {
        // A replay may overlap what was already shown; drop duplicates.
        if (msg.seq <= self.lastSeq) return;
        self.lastSeq = msg.seq;
        try { localStorage.setItem(seqKey(), String(msg.seq)); } catch (e) { /* storage full: a reconnect replays more */ }
      }
      self.listeners.forEach(function (l) {
        if (l.type === "*" || l.type === msg.type) {
          try { l.fn(msg); } catch (e) { console.error(e); }
        }
      });
    };
    ws.onclose = function (ev) {
      self.ws = null;
      if (self.stopped) { self.onstatus("off", "closed"); return; }
      // 4401 / 1008: the server refused the token (expired or revoked).
      if (ev.code === 4401 || ev.code === 1008 || ev.code === 4403) {
        self.stopped = true;
        self.onstatus("off", "session ended");
        self.listeners.forEach(function (l) { if (l.type === "*" || l.type === "session.revoked") l.fn({ type: "session.revoked", data: { reason: ev.reason } }); });
        return;
      }
      if (!opened && !self.useFirstMessageAuth && self.attempt >= 1) self.useFirstMessageAuth = true;
      self.retry();
    };
    ws.onerror = function () { /* onclose follows and handles it */ };
  };
  EventStream.prototype.retry = function () {
    var self = this;
    self.attempt++;
    // Exponential backoff with jitter, capped at 15 s, so a restarting edge
    // is not hit by every browser at the same instant.
    var base = Math.min(15000, 500 * Math.pow(2, Math.min(self.attempt, 5)));
    var wait = base / 2 + Math.random() * base / 2;
    self.onstatus("wait", "reconnecting in " + Math.round(wait / 1000) + " s");
    clearTimeout(self.timer);
    self.timer = setTimeout(function () { self.connect(); }, wait);
  };

  // ---- Misc -----------------------------------------------------------------
  function fmtTime(t) {
    var d = t ? new Date(t) : new Date();
    if (isNaN(d.getTime())) return String(t);
    return d.toLocaleTimeString();
  }
  function busy(button, on, label) {
    if (!button) return;
    if (on) {
      button.dataset.label = button.textContent;
      button.textContent = label || "Working…";
      button.disabled = true;
    } else {
      if (button.dataset.label) button.textContent = button.dataset.label;
      button.disabled = false;
    }
  }

  // signInPath is the sign-in page that brings the person back to this
  // page (path, query and hash) once signed in: pages redirect there when
  // there is no session, so deep links survive the sign-in.
  function signInPath() {
    return "/?next=" + encodeURIComponent(location.pathname + location.search + location.hash);
  }

  root.hb = {
    $: $, $$: $$, h: h, clear: clear, markdown: markdown,
    toast: toast, say: say, session: session, api: api, waitOp: waitOp,
    Camera: Camera, EventStream: EventStream, fmtTime: fmtTime, busy: busy, signInPath: signInPath
  };
})(this);
