// The hiring pages: the job board, a job with Apply and "my applications"
// for candidates; company setup and members, job postings and the
// applications board for recruiters; and the notifications bell, updated
// live from the /ws event stream.
(function () {
  "use strict";
  var $ = hb.$, $$ = hb.$$, h = hb.h, api = hb.api, say = hb.say, busy = hb.busy, clear = hb.clear;
  var COMPANY_KEY = "hirebus.company";
  var STATUSES = ["applied", "screening", "assessment", "interview", "offer", "hired", "rejected", "withdrawn"];
  window.hbLoadedAt = Date.now();

  // An invitation link (#join=TOKEN) survives the trip through sign-in.
  var joinHash = /^#join=([A-Za-z0-9_-]+)$/.exec(location.hash);
  if (joinHash) sessionStorage.setItem("hirebus.join", joinHash[1]);
  if (!hb.session.token()) { location.replace("/"); return; }
  if (joinHash) history.replaceState(null, "", "#/company");

  function toLogin() { hb.session.clear(); location.replace("/#login"); }
  function call(method, path, body) {
    return api(method, path, body).catch(function (e) {
      if (e.status === 401) toLogin();
      throw e;
    });
  }
  var user = hb.session.user() || {};
  function isRecruiter() { return user.role === "recruiter" || user.role === "admin"; }
  function applyRole() {
    $("#who").textContent = user.username ? user.username + " · " + user.role : "";
    $$("[data-role]").forEach(function (a) {
      var show = a.dataset.role === "recruiter" ? isRecruiter() : user.role === "candidate";
      a.classList.toggle("hidden", !show);
    });
  }
  applyRole();
  call("GET", "/api/user/me").then(function (r) {
    var changed = r.data.role !== user.role || r.data.id !== user.id;
    user = r.data;
    hb.session.set(hb.session.token(), user);
    applyRole();
    if (changed) route();
  }, function () {});

  // latest("jobs") marks a new request of that kind and returns a check
  // that is true only while no newer one was made: a slow earlier answer
  // never overwrites what a later one showed.
  var gens = {};
  function latest(key) {
    var n = (gens[key] || 0) + 1;
    gens[key] = n;
    return function () { return gens[key] === n; };
  }

  function money(j) {
    if (j.salary_min == null && j.salary_max == null) return "";
    var f = function (n) { return n == null ? "…" : Number(n).toLocaleString(); };
    return f(j.salary_min) + "–" + f(j.salary_max) + " " + (j.currency || "");
  }
  function label(s) { return String(s || "").replace(/_/g, " "); }
  function statusBadge(s) {
    var kind = s === "hired" || s === "offer" ? "ok" : s === "rejected" || s === "withdrawn" ? "bad" : "pending";
    return h("span.badge", { className: "badge " + kind, text: s, "data-status": s });
  }

  // ---- live events and the bell ----------------------------------------------
  var stream = new hb.EventStream();
  stream.onstatus = function (state, detail) {
    $("#ws-dot").className = "status-dot " + state;
    $("#ws-text").textContent = detail;
  };
  stream.on("session.revoked", function () { hb.toast("Your session ended.", "error"); setTimeout(toLogin, 1200); });
  var notes = { items: [], unread: 0, offset: 0 };
  function renderBell() {
    var c = $("#bell-count");
    c.textContent = String(notes.unread);
    c.className = "badge" + (notes.unread ? " unread" : "");
    var list = clear($("#notif-list"));
    if (!notes.items.length) list.appendChild(h("li.muted.small", { text: "Nothing yet." }));
    notes.items.forEach(function (n) {
      list.appendChild(h("li", { className: n.read_at ? "" : "unread", "data-id": String(n.id), onclick: function () { openNote(n); } },
        h("div.meta", h("span", { text: n.title }), h("span.grow"), h("span.small.muted", { text: hb.fmtTime(n.created_at) })),
        n.body ? h("div.small", { text: n.body }) : null));
    });
  }
  function loadNotes(more) {
    var off = more ? notes.offset : 0;
    return call("GET", "/api/notifications?limit=20&offset=" + off).then(function (r) {
      notes.items = more ? notes.items.concat(r.data.items) : r.data.items;
      notes.unread = r.data.unread;
      notes.offset = r.data.next_offset || 0;
      $("#notif-more").classList.toggle("hidden", !r.data.next_offset);
      renderBell();
    }, function () {});
  }
  function openNote(n) {
    if (!n.read_at) {
      n.read_at = new Date().toISOString();
      notes.unread = Math.max(0, notes.unread - 1);
      renderBell();
      call("POST", "/api/notifications/" + n.id + "/read").catch(function () {});
    }
    var d = n.data || {};
    if (d.application_id) location.hash = isRecruiter() ? "#/board" : "#/my";
    else if (d.company_id) location.hash = "#/company";
  }
  $("#bell").addEventListener("click", function () {
    var p = $("#bell-panel");
    p.classList.toggle("hidden");
    $("#bell").setAttribute("aria-expanded", String(!p.classList.contains("hidden")));
  });
  $("#notif-more").addEventListener("click", function () { loadNotes(true); });
  $("#read-all").addEventListener("click", function () {
    call("POST", "/api/notifications/read-all").then(function () { loadNotes(false); }, function (e) { hb.toast(e.message, "error"); });
  });
  stream.on("notification", function (msg) {
    var n = msg.data || {};
    if (notes.items.some(function (x) { return x.id === n.id; })) return;
    notes.items.unshift({ id: n.id, kind: n.kind, title: n.title, body: n.body, data: n.data, read_at: null, created_at: n.created_at });
    notes.unread++;
    renderBell();
    hb.toast(n.title || "New notification");
    // What the notification is about may be on screen: show it as it is now.
    if (current === "my" || current === "board") route();
  });
  loadNotes(false);
  stream.start();

  $("#logout").addEventListener("click", function () {
    stream.stop();
    api("POST", "/api/auth/logout").catch(function () {}).then(toLogin);
  });

  // ---- routing ----------------------------------------------------------------
  var current = "";
  function route() {
    var hash = location.hash || "#/jobs";
    var m = /^#\/([a-z]+)(?:\/(\d+))?/.exec(hash) || [null, "jobs"];
    var view = m[1];
    if (["jobs", "job", "my", "company", "manage", "board"].indexOf(view) < 0) view = "jobs";
    current = view;
    $$("section[data-view]").forEach(function (s) { s.classList.toggle("hidden", s.dataset.view !== view); });
    $$("[data-nav]").forEach(function (a) { a.classList.toggle("active", a.dataset.nav === view); });
    ({ jobs: showJobs, job: function () { showJob(m[2]); }, my: showMy, company: showCompany, manage: showManage, board: showBoard })[view]();
  }
  window.addEventListener("hashchange", route);

  // ---- the job board ----------------------------------------------------------
  var jobCursor = "";
  function jobQuery() {
    var q = [];
    [["q", "#job-q"], ["remote", "#job-remote"], ["type", "#job-type"], ["skill", "#job-skill"]].forEach(function (p) {
      var v = $(p[1]).value.trim();
      if (v) q.push(p[0] + "=" + encodeURIComponent(v));
    });
    return q;
  }
  function jobItem(j) {
    return h("li", { "data-job": String(j.id) },
      h("a.title", { href: "#/job/" + j.id, text: j.title }),
      h("div.row.small.muted", h("span", { text: j.company_name }), j.location ? h("span", { text: "· " + j.location }) : null,
        h("span", { text: "· " + label(j.remote) + " · " + label(j.employment_type) }), money(j) ? h("span", { text: "· " + money(j) }) : null),
      h("div.row.small", (j.skills || []).map(function (s) { return h("span.badge", { text: s }); })));
  }
  function loadJobs(more) {
    var q = jobQuery();
    q.push("limit=20");
    if (more && jobCursor) q.push("cursor=" + jobCursor);
    var fresh = latest("jobs");
    // Busy until the newest answer is shown (an older one is dropped).
    $("#job-list").setAttribute("aria-busy", "true");
    return call("GET", "/api/jobs?" + q.join("&")).then(function (r) {
      if (!fresh()) return;
      var list = $("#job-list");
      list.setAttribute("aria-busy", "false");
      if (!more) clear(list);
      r.data.items.forEach(function (j) { list.appendChild(jobItem(j)); });
      jobCursor = r.data.next_cursor || "";
      $("#job-more").classList.toggle("hidden", !jobCursor);
      $("#jobs-empty").classList.toggle("hidden", list.children.length > 0);
      say($("#jobs-msg"), "");
    }, function (e) {
      if (!fresh()) return;
      $("#job-list").setAttribute("aria-busy", "false");
      say($("#jobs-msg"), e.message);
    });
  }
  function showJobs() { loadJobs(false); }
  $("#job-search").addEventListener("submit", function (ev) { ev.preventDefault(); loadJobs(false); });
  $("#job-more").addEventListener("click", function () { loadJobs(true); });

  var shownJob = null;
  function showJob(id) {
    say($("#apply-msg"), "");
    call("GET", "/api/jobs/" + id).then(function (r) {
      var j = shownJob = r.data;
      $("#job-title").textContent = j.title;
      var meta = clear($("#job-meta"));
      [j.company_name, j.location, label(j.remote), label(j.employment_type), money(j)].forEach(function (t) { if (t) meta.appendChild(h("span.badge", { text: t })); });
      meta.appendChild(statusBadge(j.status));
      var d = clear($("#job-desc"));
      d.appendChild(hb.markdown(j.description));
      if ((j.skills || []).length) d.appendChild(h("p.small", "Skills: ", j.skills.join(", ")));
      $("#apply-card").classList.toggle("hidden", user.role !== "candidate" || j.status !== "open");
    }, function (e) { $("#job-title").textContent = e.status === 404 ? "No such job" : e.message; clear($("#job-desc")); $("#apply-card").classList.add("hidden"); });
  }
  $("#apply-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    if (!shownJob) return;
    var btn = $("#apply-btn"), file = $("#apply-resume").files[0], cover = $("#apply-cover").value;
    if (file && file.size > 5 * 1024 * 1024) { say($("#apply-msg"), "The résumé is larger than 5 MiB."); return; }
    busy(btn, true, "Sending…");
    var send;
    if (file) {
      var fd = new FormData();
      fd.append("job_id", String(shownJob.id));
      fd.append("cover_letter", cover);
      fd.append("resume", file, file.name);
      send = fetch("/api/applications", { method: "POST", body: fd, headers: { Authorization: "Bearer " + hb.session.token(), Accept: "application/json" } })
        .then(function (res) {
          return res.json().then(function (data) {
            if (!res.ok) throw new Error((data.error && data.error.message) || "apply failed");
            return data;
          });
        });
    } else {
      send = call("POST", "/api/applications", { job_id: shownJob.id, cover_letter: cover }).then(function (r) { return r.data; });
    }
    send.then(function () {
      busy(btn, false);
      hb.toast("Application sent.");
      location.hash = "#/my";
    }, function (e) { busy(btn, false); say($("#apply-msg"), e.message); });
  });

  // ---- my applications ----------------------------------------------------------
  function timeline(appId, into) {
    return call("GET", "/api/applications/" + appId + "/history").then(function (r) {
      clear(into);
      r.data.items.forEach(function (x) {
        into.appendChild(h("li", h("strong", { text: x.to }), " · ", hb.fmtTime(x.created_at),
          x.actor_name ? " · " + x.actor_name : "", x.note ? h("div.small.muted", { text: x.note }) : null));
      });
    });
  }
  function showMy() {
    var fresh = latest("my");
    call("GET", "/api/applications?limit=100").then(function (r) {
      if (!fresh()) return;
      var list = clear($("#my-apps"));
      $("#my-empty").classList.toggle("hidden", r.data.items.length > 0);
      r.data.items.forEach(function (a) {
        var tl = h("ol.timeline");
        var withdraw = (a.allowed_next || []).indexOf("withdrawn") >= 0 ? h("button.ghost", { type: "button", text: "Withdraw", onclick: function () {
          if (!confirm("Withdraw your application to " + a.job_title + "?")) return;
          call("PUT", "/api/applications/" + a.id + "/status", { status: "withdrawn", version: a.version }).then(showMy, function (e) { say($("#my-msg"), e.message); });
        } }) : null;
        list.appendChild(h("li", { "data-app": String(a.id) },
          h("div.row", h("a.title", { href: "#/job/" + a.job_id, text: a.job_title }), h("span.small.muted", { text: a.company_name }), statusBadge(a.status), h("span.grow"), withdraw),
          tl));
        timeline(a.id, tl).catch(function () {});
      });
    }, function (e) { say($("#my-msg"), e.message); });
  }

  // ---- company and members ------------------------------------------------------
  var companies = [];
  function companyId() {
    var id = parseInt(sessionStorage.getItem(COMPANY_KEY) || "0", 10);
    if (!companies.some(function (c) { return c.id === id; })) id = companies.length ? companies[0].id : 0;
    return id;
  }
  function myRole() {
    var id = companyId();
    var c = companies.filter(function (x) { return x.id === id; })[0];
    return c ? c.my_role : "";
  }
  function loadCompanies() {
    return call("GET", "/api/companies").then(function (r) {
      companies = r.data.items;
      var sel = clear($("#co-select"));
      companies.forEach(function (c) { sel.appendChild(h("option", { value: String(c.id), text: c.name + " (" + c.my_role + ")" })); });
      sel.value = String(companyId());
      $("#co-none").classList.toggle("hidden", companies.length > 0);
      return companies;
    });
  }
  $("#co-select").addEventListener("change", function () { sessionStorage.setItem(COMPANY_KEY, $("#co-select").value); showCompany(); });
  function showCompany() {
    var pending = sessionStorage.getItem("hirebus.join");
    if (pending) { $("#join-token").value = pending; sessionStorage.removeItem("hirebus.join"); }
    loadCompanies().then(function () {
      var id = companyId(), owner = myRole() === "owner";
      $("#invite-card").classList.toggle("hidden", !owner);
      if (!id) { clear($("#members")); return; }
      var fresh = latest("members");
      call("GET", "/api/companies/" + id + "/members").then(function (r) {
        if (!fresh()) return;
        var body = clear($("#members"));
        r.data.items.forEach(function (m) {
          var role = owner ? h("select", { "aria-label": "Role of " + m.username, onchange: function (ev) {
            call("PUT", "/api/companies/" + id + "/members/" + m.user_id, { role: ev.target.value }).then(function () { hb.toast("Role changed."); showCompany(); },
              function (e) { say($("#members-msg"), e.message); showCompany(); });
          } }, ["owner", "recruiter", "viewer"].map(function (x) { return h("option", { value: x, text: x, selected: x === m.role }); })) : h("span", { text: m.role });
          var remove = (owner || m.user_id === user.id) ? h("button.ghost", { type: "button", text: m.user_id === user.id ? "Leave" : "Remove", onclick: function () {
            if (!confirm("Remove " + m.username + " from the company?")) return;
            call("DELETE", "/api/companies/" + id + "/members/" + m.user_id).then(showCompany, function (e) { say($("#members-msg"), e.message); });
          } }) : null;
          body.appendChild(h("tr", h("td", { text: m.username }), h("td", { text: m.email }), h("td", role), h("td", remove)));
        });
      }, function (e) { say($("#members-msg"), e.message); });
    }, function (e) { say($("#co-msg"), e.message); });
  }
  $("#co-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var body = { name: $("#co-name").value.trim() };
    if ($("#co-website").value.trim()) body.website = $("#co-website").value.trim();
    call("POST", "/api/companies", body).then(function (r) {
      sessionStorage.setItem(COMPANY_KEY, String(r.data.id));
      $("#co-name").value = "";
      hb.toast("Company created.");
      showCompany();
    }, function (e) { say($("#co-msg"), e.message); });
  });
  $("#join-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    call("POST", "/api/companies/join", { token: $("#join-token").value.trim() }).then(function (r) {
      sessionStorage.setItem(COMPANY_KEY, String(r.data.id));
      $("#join-token").value = "";
      hb.toast("You joined " + r.data.name + ".");
      showCompany();
    }, function (e) { say($("#co-msg"), e.message); });
  });
  $("#inv-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    call("POST", "/api/companies/" + companyId() + "/invitations", { email: $("#inv-email").value.trim(), role: $("#inv-role").value }).then(function () {
      say($("#inv-msg"), "Invitation sent to " + $("#inv-email").value.trim() + ".", "ok");
      $("#inv-email").value = "";
    }, function (e) { say($("#inv-msg"), e.message); });
  });

  // ---- job postings and the editor -------------------------------------------------
  var editing = null; // {id, version} of the job in the editor, null = new
  function fillEditor(j) {
    editing = j ? { id: j.id, version: j.version } : null;
    $("#je-heading").textContent = j ? "Edit: " + j.title : "New job";
    $("#je-title").value = j ? j.title : "";
    $("#je-desc").value = j ? j.description : "";
    $("#je-location").value = j ? j.location : "";
    $("#je-remote").value = j ? j.remote : "onsite";
    $("#je-type").value = j ? j.employment_type : "full_time";
    $("#je-min").value = j && j.salary_min != null ? j.salary_min : "";
    $("#je-max").value = j && j.salary_max != null ? j.salary_max : "";
    $("#je-currency").value = j && j.currency ? j.currency : "";
    $("#je-skills").value = j ? (j.skills || []).join(", ") : "";
    $("#je-status").value = j ? j.status : "open";
    say($("#je-msg"), "");
  }
  function showManage() {
    loadCompanies().then(function () {
      var id = companyId();
      if (!id) { say($("#manage-msg"), "Create or join a company first."); return; }
      var fresh = latest("manage");
      call("GET", "/api/jobs?status=all&limit=100&company=" + id).then(function (r) {
        if (!fresh()) return;
        var body = clear($("#manage-jobs"));
        r.data.items.forEach(function (j) {
          body.appendChild(h("tr", { "data-job": String(j.id) }, h("td", h("a", { href: "#/job/" + j.id, text: j.title })), h("td", statusBadge(j.status)),
            h("td.small", { text: hb.fmtTime(j.updated_at) }),
            h("td", h("button.ghost", { type: "button", text: "Edit", onclick: function () { fillEditor(j); } }),
              h("a", { href: "/report.html#job=" + j.id, text: "Compare candidates" }),
              j.status !== "closed" ? h("button.ghost", { type: "button", text: "Close", onclick: function () {
                call("DELETE", "/api/jobs/" + j.id).then(function (r) { hb.toast(r.data.removed ? "Job removed." : "Job closed."); showManage(); }, function (e) { say($("#manage-msg"), e.message); });
              } }) : null)));
        });
      }, function (e) { say($("#manage-msg"), e.message); });
    }, function (e) { say($("#manage-msg"), e.message); });
  }
  $("#je-new").addEventListener("click", function () { fillEditor(null); });
  $("#je-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var num = function (sel) { var v = $(sel).value.trim(); return v === "" ? undefined : Number(v); };
    var body = {
      title: $("#je-title").value.trim(), description: $("#je-desc").value, location: $("#je-location").value.trim(),
      remote: $("#je-remote").value, employment_type: $("#je-type").value, status: $("#je-status").value,
      skills: $("#je-skills").value.split(",").map(function (s) { return s.trim(); }).filter(Boolean)
    };
    // Empty salary fields are sent as null, which clears them on an edit.
    body.salary_min = num("#je-min") === undefined ? null : num("#je-min");
    body.salary_max = num("#je-max") === undefined ? null : num("#je-max");
    body.currency = $("#je-currency").value.trim() ? $("#je-currency").value.trim().toUpperCase() : null;
    var req;
    if (editing) { body.version = editing.version; req = call("PUT", "/api/jobs/" + editing.id, body); }
    else { body.company_id = companyId(); req = call("POST", "/api/jobs", body); }
    busy($("#je-save"), true, "Saving…");
    req.then(function (r) {
      busy($("#je-save"), false);
      fillEditor(r.data);
      hb.toast("Job saved.");
      showManage();
    }, function (e) {
      busy($("#je-save"), false);
      say($("#je-msg"), e.status === 412 ? "Someone changed this job meanwhile; the latest version is loaded — apply your edit again." : e.message);
      if (e.status === 412 && editing) call("GET", "/api/jobs/" + editing.id).then(function (r) { fillEditor(r.data); });
    });
  });

  // ---- the applications board -------------------------------------------------------
  function showBoard() {
    loadCompanies().then(function () {
      var id = companyId();
      if (!id) { say($("#board-msg"), "Create or join a company first."); return; }
      var sel = $("#board-job"), keep = sel.value;
      call("GET", "/api/jobs?status=all&limit=100&company=" + id).then(function (r) {
        clear(sel).appendChild(h("option", { value: "", text: "All jobs" }));
        r.data.items.forEach(function (j) { sel.appendChild(h("option", { value: String(j.id), text: j.title })); });
        sel.value = keep;
      });
      var q = "/api/applications?limit=100&company=" + id + (keep ? "&job=" + keep : "");
      var fresh = latest("board");
      call("GET", q).then(function (r) {
        if (!fresh()) return;
        var board = clear($("#board"));
        var cols = {};
        STATUSES.forEach(function (s) {
          cols[s] = h("div.col", { "data-col": s }, h("h4", { text: s }));
          board.appendChild(cols[s]);
        });
        r.data.items.forEach(function (a) {
          var buttons = (a.allowed_next || []).map(function (to) {
            return h("button", { type: "button", className: to === "rejected" ? "ghost" : "secondary", text: "→ " + to, "data-to": to, onclick: function (ev) {
              ev.stopPropagation();
              call("PUT", "/api/applications/" + a.id + "/status", { status: to, version: a.version }).then(function () { showBoard(); },
                function (e) { say($("#board-msg"), e.message); showBoard(); });
            } });
          });
          cols[a.status].appendChild(h("div.app-card", { "data-app": String(a.id), onclick: function () { detail(a); } },
            h("strong", { text: a.candidate_name }), h("div.small.muted", { text: a.job_title }), h("div.row", buttons)));
        });
        say($("#board-msg"), "");
      }, function (e) { say($("#board-msg"), e.message); });
    }, function (e) { say($("#board-msg"), e.message); });
  }
  $("#board-job").addEventListener("change", showBoard);
  function detail(a) {
    $("#board-detail").classList.remove("hidden");
    $("#bd-title").textContent = a.candidate_name + " · " + a.job_title;
    var body = clear($("#bd-body"));
    body.appendChild(h("p", statusBadge(a.status), " ", h("span.small.muted", { text: a.candidate_email || "" })));
    if (a.cover_letter) body.appendChild(h("p", { text: a.cover_letter }));
    if (a.resume_name) body.appendChild(h("button.secondary", { type: "button", text: "Download résumé (" + a.resume_name + ")", onclick: function () {
      fetch("/api/applications/" + a.id + "/resume", { headers: { Authorization: "Bearer " + hb.session.token() } }).then(function (res) {
        if (!res.ok) throw new Error("download failed");
        return res.blob();
      }).then(function (blob) {
        var link = h("a", { href: URL.createObjectURL(blob), download: a.resume_name });
        document.body.appendChild(link);
        link.click();
        link.remove();
      }, function (e) { hb.toast(e.message, "error"); });
    } }));
    if (["applied", "screening", "assessment"].indexOf(a.status) >= 0) inviteRow(a, body);
    if (["applied", "screening", "assessment", "interview"].indexOf(a.status) >= 0)
      body.appendChild(h("a.button", { href: "/interviews.html#/schedule/" + a.id, text: "Schedule interview", "data-schedule": String(a.id) }));
    var ivs = h("ul.small", { "data-interviews": String(a.id) });
    body.appendChild(ivs);
    call("GET", "/api/applications/" + a.id + "/interviews").then(function (r) {
      r.data.items.forEach(function (iv) {
        ivs.appendChild(h("li", h("a", { href: "/interviews.html#/room/" + iv.id, text: (iv.kind === "ai" ? "AI interview" : "Interview") + " " +
          new Date(iv.starts_at).toLocaleString() + " · " + iv.status })));
      });
    }, function () {});
    timeline(a.id, $("#bd-history")).catch(function () {});
  }
  // Invite the candidate to one of the company's assessments (assess.html
  // builds them); the application moves to `assessment`.
  function inviteRow(a, body) {
    var sel = h("select", { id: "bd-assess", style: "width:auto", "aria-label": "Assessment" });
    var btn = h("button.secondary", { type: "button", id: "bd-invite", text: "Invite to assessment", onclick: function () {
      if (!sel.value) return;
      busy(btn, true, "Inviting…");
      call("POST", "/api/assessments/" + sel.value + "/invitations", { application_id: a.id }).then(function () {
        busy(btn, false);
        hb.toast("Invitation sent.", "ok");
        showBoard();
      }, function (e) { busy(btn, false); hb.toast(e.message, "error"); });
    } });
    body.appendChild(h("div.row", sel, btn, h("a.small", { href: "/assess.html#/build", text: "New assessment" })));
    call("GET", "/api/assessments?company_id=" + a.company_id).then(function (r) {
      r.data.items.forEach(function (x) { sel.appendChild(h("option", { value: String(x.id), text: x.title })); });
      btn.disabled = !r.data.items.length;
    }, function () {});
  }

  route();
})();
