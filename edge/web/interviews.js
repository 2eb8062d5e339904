// The interview pages: "my interviews" (everyone's calendar, and for
// recruiters the scheduling form, opened from the applications board), and
// the room: local and remote video over a peer-to-peer RTCPeerConnection
// mesh signalled through /interview/:roomId, the chat (an AI interview's
// questions arrive there too), raised hands and the interviewer's notes.
(function () {
  "use strict";
  var $ = hb.$, $$ = hb.$$, h = hb.h, say = hb.say, clear = hb.clear, busy = hb.busy;
  if (!hb.session.token()) { location.replace("/"); return; }
  var user = hb.session.user() || {};
  function isRecruiter() { return user.role === "recruiter" || user.role === "admin"; }
  function call(method, path, body) {
    return hb.api(method, path, body).catch(function (e) {
      if (e.status === 401) { hb.session.clear(); location.replace("/#login"); }
      throw e;
    });
  }
  $("#who").textContent = user.username ? user.username + " · " + user.role : "";
  $$("[data-role]").forEach(function (a) { a.classList.toggle("hidden", !isRecruiter()); });

  function when(iv) {
    var s = new Date(iv.starts_at);
    return s.toLocaleString([], { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }) +
      " · " + iv.duration_minutes + " min";
  }
  // rfc3339 turns a datetime-local value into RFC 3339 with this browser's offset.
  function rfc3339(local) {
    var d = new Date(local);
    var off = -d.getTimezoneOffset(), sign = off >= 0 ? "+" : "-", a = Math.abs(off);
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes()) + ":00" +
      sign + p(Math.floor(a / 60)) + ":" + p(a % 60);
  }
  function localInput(t) {
    var d = new Date(t);
    function p(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + p(d.getMonth() + 1) + "-" + p(d.getDate()) + "T" + p(d.getHours()) + ":" + p(d.getMinutes());
  }

  // ---- routing ------------------------------------------------------------------
  var leaveRoom = function () {};
  function route() {
    leaveRoom();
    var m = /^#\/(schedule|room)(?:\/(\d+))?/.exec(location.hash) || [null, "schedule"];
    $$("[data-view]").forEach(function (s) { s.classList.toggle("hidden", s.dataset.view !== m[1]); });
    if (m[1] === "room") openRoom(m[2]); else showSchedule(m[2]);
  }
  window.addEventListener("hashchange", route);

  // ---- my interviews and scheduling ------------------------------------------------
  var editing = null;
  function showSchedule(appId) {
    var days = parseInt($("#iv-range").value, 10);
    var from = new Date(Date.now() - 2 * 3600e3).toISOString(), to = new Date(Date.now() + days * 86400e3).toISOString();
    call("GET", "/api/interviews?from=" + encodeURIComponent(from) + "&to=" + encodeURIComponent(to)).then(function (r) {
      var list = clear($("#iv-list"));
      $("#iv-empty").classList.toggle("hidden", r.data.items.length > 0);
      r.data.items.forEach(function (iv) {
        var people = iv.participants.map(function (p) { return p.name + (p.role === "candidate" ? " (candidate)" : ""); }).join(", ");
        var actions = [];
        if (iv.status === "scheduled") actions.push(h("a.button", { href: "#/room/" + iv.id, text: "Join", "data-join": String(iv.id) }));
        if (iv.status === "scheduled" && isRecruiter() && iv.my_role === "interviewer") {
          actions.push(h("button.ghost", { type: "button", text: "Move", onclick: function () { edit(iv); } }));
          actions.push(h("button.ghost", { type: "button", text: "Cancel", onclick: function () {
            if (!confirm("Cancel this interview? Everyone gets a cancellation.")) return;
            call("POST", "/api/interviews/" + iv.id + "/cancel").then(function () { showSchedule(); }, function (e) { say($("#iv-msg"), e.message); });
          } }));
        }
        list.appendChild(h("li", { "data-interview": String(iv.id), "data-status": iv.status },
          h("div.row", h("strong", { text: iv.job_title + " · " + iv.company_name }), h("span.grow"),
            h("span", { className: "badge " + (iv.status === "scheduled" ? "pending" : "bad"), text: iv.kind === "ai" ? "AI · " + iv.status : iv.status })),
          h("div.small", { text: when(iv) }), h("div.small.muted", { text: people }), h("div.row", actions)));
      });
      say($("#iv-msg"), "");
    }, function (e) { say($("#iv-msg"), e.message); });
    if (isRecruiter()) loadScheduler(appId);
  }
  $("#iv-range").addEventListener("change", function () { showSchedule(); });

  function loadScheduler(appId) {
    $("#sched-card").classList.remove("hidden");
    $("#sched-tz").textContent = Intl.DateTimeFormat().resolvedOptions().timeZone || "local";
    call("GET", "/api/applications?limit=100").then(function (r) {
      var sel = clear($("#sched-app")), keep = appId || sel.dataset.keep || "";
      r.data.items.filter(function (a) { return ["applied", "screening", "assessment", "interview"].indexOf(a.status) >= 0; }).forEach(function (a) {
        sel.appendChild(h("option", { value: String(a.id), text: a.candidate_name + " · " + a.job_title + " (" + a.status + ")", "data-company": String(a.company_id) }));
      });
      if (keep) sel.value = keep;
      loadInterviewers();
    });
  }
  function loadInterviewers() {
    var opt = $("#sched-app").selectedOptions[0];
    var box = clear($("#sched-interviewers"));
    if (!opt) return;
    call("GET", "/api/companies/" + opt.dataset.company + "/members").then(function (r) {
      r.data.items.forEach(function (m) {
        var id = "int-" + m.user_id;
        box.appendChild(h("label", { "for": id, className: "row small" },
          h("input", { type: "checkbox", id: id, value: String(m.user_id), checked: m.user_id === user.id }), m.username));
      });
    });
  }
  $("#sched-app").addEventListener("change", loadInterviewers);
  function edit(iv) {
    editing = iv;
    $("#sched-heading").textContent = "Move the interview";
    $("#sched-start").value = localInput(iv.starts_at);
    $("#sched-duration").value = iv.duration_minutes;
    $("#sched-cancel-edit").classList.remove("hidden");
  }
  $("#sched-cancel-edit").addEventListener("click", function () {
    editing = null;
    $("#sched-heading").textContent = "Schedule an interview";
    $("#sched-cancel-edit").classList.add("hidden");
  });
  $("#sched-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var btn = $("#sched-save");
    var start = rfc3339($("#sched-start").value), minutes = parseInt($("#sched-duration").value, 10);
    var req = editing ? call("PUT", "/api/interviews/" + editing.id, { starts_at: start, duration_minutes: minutes }) :
      call("POST", "/api/interviews", {
        application_id: parseInt($("#sched-app").value, 10), starts_at: start, duration_minutes: minutes, kind: $("#sched-kind").value,
        interviewers: $$("#sched-interviewers input:checked").map(function (i) { return parseInt(i.value, 10); })
      });
    busy(btn, true);
    req.then(function () {
      busy(btn, false);
      say($("#sched-msg"), editing ? "Moved; everyone gets the updated invitation." : "Scheduled; invitations are on their way.", "ok");
      editing = null;
      showSchedule();
    }, function (e) {
      busy(btn, false);
      var who = e.body && e.body.error && e.body.error.clashes ? " (" + e.body.error.clashes.map(function (c) { return c.name; }).join(", ") + ")" : "";
      say($("#sched-msg"), e.message + who);
    });
  });

  // ---- the room ---------------------------------------------------------------------
  var room = window.hbRoom = { pcs: {}, ws: null, me: null };
  function openRoom(id) {
    var stopped = false, local = null, ice = [];
    room.pcs = {};
    clear($("#chat-log"));
    $$("#videos figure.remote").forEach(function (f) { f.remove(); });
    leaveRoom = function () {
      stopped = true;
      if (room.ws) room.ws.close(1000, "bye");
      Object.keys(room.pcs).forEach(function (k) { room.pcs[k].pc.close(); });
      room.pcs = {};
      if (local) local.getTracks().forEach(function (t) { t.stop(); });
      leaveRoom = function () {};
    };
    call("GET", "/api/interviews/" + id).then(function (r) {
      var iv = r.data;
      $("#room-title").textContent = (iv.kind === "ai" ? "AI interview · " : "Interview · ") + iv.job_title;
      if (iv.my_role === "interviewer") loadNotes(iv.id);
    });
    var media = navigator.mediaDevices && navigator.mediaDevices.getUserMedia ?
      navigator.mediaDevices.getUserMedia({ video: true, audio: true }).catch(function () { return null; }) : Promise.resolve(null);
    media.then(function (stream) {
      local = stream;
      if (stream) $("#local-video").srcObject = stream;
      else say($("#room-msg"), "No camera or microphone: you can still follow and chat.");
      return call("POST", "/api/interviews/" + id + "/join");
    }).then(function (r) {
      if (stopped) return;
      ice = r.data.ice_servers || [];
      connect(r.data);
    }, function (e) { say($("#room-msg"), e.message); $("#room-state").textContent = "not joined"; });

    function send(m) { if (room.ws && room.ws.readyState === 1) room.ws.send(JSON.stringify(m)); }
    function connect(j) {
      var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/interview/" + j.room_id;
      var ws = room.ws = new WebSocket(url, ["hirebus.room.v1", "bearer." + j.room_token]);
      ws.onmessage = function (ev) {
        var m = JSON.parse(ev.data);
        if (m.type === "welcome") {
          // A reconnect is a new peer: the others negotiate afresh with it.
          if (room.me) Object.keys(room.pcs).forEach(dropPeer);
          clear($("#chat-log"));
          room.me = m.from;
          $("#room-state").textContent = "in the room";
          (m.data.history || []).forEach(function (c) { chatLine(c.name, c.body, c.user_id === 0); });
        } else if (m.type === "presence") {
          var ev2 = m.data.event;
          if (ev2 === "leave") { dropPeer(m.from.peer_id); return; }
          person(m.from, true);
          if (m.from.role === "ai") return;
          var p = peer(m.from);
          if (room.me.peer_id < m.from.peer_id && !p.offered) offer(p);
        } else if (m.type === "signal") {
          onSignal(m.from, m.data);
        } else if (m.type === "chat") {
          chatLine(m.from.name, m.data.body, m.from.role === "ai");
        } else if (m.type === "hand") {
          var f = $("#videos figure[data-peer='" + m.from.peer_id + "']");
          if (f) f.classList.toggle("hand", m.data.raised);
          hb.toast(m.from.name + (m.data.raised ? " raised a hand" : " lowered the hand"));
        } else if (m.type === "closed") {
          stopped = true;
          say($("#room-msg"), "The interview was cancelled.");
          $("#room-state").textContent = "closed";
        } else if (m.type === "error") {
          say($("#room-msg"), (m.data && m.data.message) || (m.error && m.error.message) || "error");
        }
      };
      ws.onclose = function () {
        if (stopped) return;
        $("#room-state").textContent = "reconnecting…";
        setTimeout(function () {
          if (stopped) return;
          call("POST", "/api/interviews/" + id + "/join").then(function (r) { connect(r.data); }, function (e) { say($("#room-msg"), e.message); });
        }, 2000);
      };
    }
    function peer(info) {
      var p = room.pcs[info.peer_id];
      if (p) return p;
      var pc = new RTCPeerConnection({ iceServers: ice });
      p = room.pcs[info.peer_id] = { pc: pc, info: info, offered: false, pending: [] };
      if (local) local.getTracks().forEach(function (t) { pc.addTrack(t, local); });
      else { pc.addTransceiver("video", { direction: "recvonly" }); pc.addTransceiver("audio", { direction: "recvonly" }); }
      pc.onicecandidate = function (e) { if (e.candidate) send({ type: "signal", to: info.peer_id, data: { candidate: e.candidate.toJSON() } }); };
      var video = h("video.remote", { autoplay: true, playsinline: true, "data-peer": info.peer_id });
      var fig = h("figure.video.remote", { "data-peer": info.peer_id }, video, h("figcaption", { text: info.name + " (" + info.role + ")" }));
      $("#videos").appendChild(fig);
      pc.ontrack = function (e) { if (video.srcObject !== e.streams[0]) video.srcObject = e.streams[0]; };
      pc.onconnectionstatechange = function () { fig.dataset.state = pc.connectionState; };
      return p;
    }
    function offer(p) {
      p.offered = true;
      p.pc.createOffer().then(function (o) { return p.pc.setLocalDescription(o); }).then(function () {
        send({ type: "signal", to: p.info.peer_id, data: { sdp: p.pc.localDescription.toJSON() } });
      });
    }
    function onSignal(from, data) {
      var p = peer(from);
      if (data.sdp) {
        p.pc.setRemoteDescription(data.sdp).then(function () {
          p.pending.splice(0).forEach(function (c) { p.pc.addIceCandidate(c).catch(function () {}); });
          if (data.sdp.type !== "offer") return null;
          return p.pc.createAnswer().then(function (a) { return p.pc.setLocalDescription(a); }).then(function () {
            send({ type: "signal", to: from.peer_id, data: { sdp: p.pc.localDescription.toJSON() } });
          });
        }).catch(function (e) { say($("#room-msg"), "Video negotiation failed: " + e.message); });
      } else if (data.candidate) {
        if (p.pc.remoteDescription) p.pc.addIceCandidate(data.candidate).catch(function () {});
        else p.pending.push(data.candidate);
      }
    }
    function dropPeer(pid) {
      var p = room.pcs[pid];
      if (p) { p.pc.close(); delete room.pcs[pid]; }
      $$("#videos figure[data-peer='" + pid + "']").forEach(function (f) { f.remove(); });
      var li = $("#room-people li[data-peer='" + pid + "']");
      if (li) li.remove();
    }
    function person(info) {
      if ($("#room-people li[data-peer='" + info.peer_id + "']")) return;
      $("#room-people").appendChild(h("li", { "data-peer": info.peer_id, text: info.name + " · " + info.role }));
    }
    room.send = send;
  }
  function chatLine(name, text, ai) {
    var log = $("#chat-log");
    log.appendChild(h("li", { className: ai ? "ai" : "" }, h("strong", { text: name + ": " }), h("span", { text: text })));
    log.scrollTop = log.scrollHeight;
  }
  $("#chat-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var t = $("#chat-text").value.trim();
    if (!t || !room.send) return;
    room.send({ type: "chat", text: t });
    $("#chat-text").value = "";
  });
  var handUp = false;
  $("#room-hand").addEventListener("click", function () {
    handUp = !handUp;
    if (room.send) room.send({ type: "hand", raised: handUp });
    $("#room-hand").textContent = handUp ? "Lower hand" : "Raise hand";
  });
  $("#room-leave").addEventListener("click", function () { location.hash = "#/schedule"; });

  // ---- notes and scorecard (interviewers) ----------------------------------------------
  var notesFor = 0;
  function criterionRow(c) {
    return h("tr", h("td", h("input.crit-name", { value: c.name || "", maxlength: "100", "aria-label": "Criterion" })),
      h("td", h("input.crit-score", { type: "number", min: "1", max: "5", value: String(c.score || 3), "aria-label": "Score" })));
  }
  function loadNotes(id) {
    notesFor = id;
    $("#notes-card").classList.remove("hidden");
    call("GET", "/api/interviews/" + id + "/feedback").then(function (r) {
      var mine = r.data.items.filter(function (f) { return f.interviewer_id === user.id; })[0] ||
        { notes: "", scorecard: [{ name: "Technical depth", score: 3 }, { name: "Communication", score: 3 }], recommendation: "" };
      $("#notes-text").value = mine.notes;
      var body = clear($("#notes-criteria"));
      mine.scorecard.forEach(function (c) { body.appendChild(criterionRow(c)); });
      $("#notes-rec").value = mine.recommendation || "";
    }, function (e) { say($("#notes-msg"), e.message); });
  }
  $("#notes-add").addEventListener("click", function () { $("#notes-criteria").appendChild(criterionRow({})); });
  $("#notes-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var card = $$("#notes-criteria tr").map(function (tr) {
      return { name: $(".crit-name", tr).value.trim(), score: parseInt($(".crit-score", tr).value, 10) };
    }).filter(function (c) { return c.name; });
    call("PUT", "/api/interviews/" + notesFor + "/feedback", { notes: $("#notes-text").value, scorecard: card, recommendation: $("#notes-rec").value })
      .then(function () { say($("#notes-msg"), "Saved.", "ok"); }, function (e) { say($("#notes-msg"), e.message); });
  });

  route();
})();
