// The hiring pages, built from ui.js: the job board, a job with Apply (PDF
// résumé) and "my applications" with each one's timeline for candidates;
// company setup, members and invitations, job postings with the editor and
// the applications board (one column per status; moves are buttons, so the
// keyboard moves cards too) for recruiters; and the notifications bell,
// updated live from the /ws event stream. The application's details open in
// a Dialog from its card: résumé, assessment invitation, interviews and
// scheduling, history.
import {
  html, render, useState, useEffect, useRef, useCallback, useMemo,
  useForm, Form, Field, Message, toast, Table, Empty, Dialog, Board, Timeline, Badge, SkipLink, useConfirm,
} from "/ui.js";

const COMPANY_KEY = "hirebus.company";
const STATUSES = ["applied", "screening", "assessment", "interview", "offer", "hired", "rejected", "withdrawn"];
const VIEWS = ["jobs", "job", "my", "company", "manage", "board"];
window.hbLoadedAt = Date.now();

// An invitation link (#join=TOKEN) survives the trip through sign-in.
const joinHash = /^#join=([A-Za-z0-9_-]+)$/.exec(location.hash);
if (joinHash) sessionStorage.setItem("hirebus.join", joinHash[1]);
const here = () => location.pathname + location.search + location.hash;

function toLogin() {
  hb.session.clear();
  location.replace("/?next=" + encodeURIComponent(location.pathname + location.hash) + "#login");
}
// call is hb.api; a 401 means the session is gone.
function call(method, path, body) {
  return hb.api(method, path, body).catch((e) => {
    if (e.status === 401) toLogin();
    throw e;
  });
}
const isRecruiter = (u) => u.role === "recruiter" || u.role === "admin";
const label = (s) => String(s || "").replace(/_/g, " ");
function money(j) {
  if (j.salary_min == null && j.salary_max == null) return "";
  const f = (n) => (n == null ? "…" : Number(n).toLocaleString());
  return f(j.salary_min) + "–" + f(j.salary_max) + " " + (j.currency || "");
}
function statusKind(s) {
  return s === "hired" || s === "offer" || s === "open" ? "ok" : s === "rejected" || s === "withdrawn" || s === "closed" ? "bad" : "pending";
}
function StatusBadge({ status }) {
  return html`<span data-status=${status}><${Badge} kind=${statusKind(status)}>${label(status)}</${Badge}></span>`;
}
function parseRoute() {
  const m = /^#\/([a-z]+)(?:\/(\d+))?/.exec(location.hash || "#/jobs") || [null, "jobs"];
  return { view: VIEWS.indexOf(m[1]) >= 0 ? m[1] : "jobs", id: m[2] || "" };
}

// useLatest returns a function that starts a request "generation" and a
// check that holds only while no newer one started: a slow earlier answer
// never overwrites what a later one showed.
function useLatest() {
  const gen = useRef(0);
  return useCallback(() => {
    const n = ++gen.current;
    return () => gen.current === n;
  }, []);
}

// Markdown renders a job description with hb.markdown (DOM nodes, text only).
function Markdown({ src, id }) {
  const ref = useRef(null);
  useEffect(() => {
    if (!ref.current) return;
    ref.current.textContent = "";
    if (src) ref.current.appendChild(hb.markdown(src));
  }, [src]);
  return html`<div id=${id} ref=${ref} class="statement-body"></div>`;
}

// ---- live events ----------------------------------------------------------------
const stream = new hb.EventStream();

// ---- the notifications bell -------------------------------------------------------
function Bell({ onOpenNote }) {
  const [open, setOpen] = useState(false);
  const [notes, setNotes] = useState({ items: [], unread: 0, next: 0 });
  const btn = useRef(null);
  const panel = useRef(null);
  const load = useCallback((more) => {
    const off = more ? notes.next : 0;
    return call("GET", "/api/notifications?limit=20&offset=" + off).then((r) => {
      setNotes((old) => ({ items: more ? old.items.concat(r.data.items) : r.data.items, unread: r.data.unread, next: r.data.next_offset || 0 }));
    }, () => {});
  }, [notes.next]);
  useEffect(() => {
    load(false);
    return stream.on("notification", (msg) => {
      const n = msg.data || {};
      setNotes((old) => old.items.some((x) => x.id === n.id) ? old : {
        ...old, unread: old.unread + 1,
        items: [{ id: n.id, kind: n.kind, title: n.title, body: n.body, data: n.data, read_at: null, created_at: n.created_at }].concat(old.items),
      });
      toast(n.title || "New notification");
    });
  }, []);
  useEffect(() => {
    if (open && panel.current) panel.current.focus();
  }, [open]);
  const close = () => { setOpen(false); if (btn.current) btn.current.focus(); };
  const openNote = (n) => {
    if (!n.read_at) {
      setNotes((old) => ({ ...old, unread: Math.max(0, old.unread - 1), items: old.items.map((x) => (x.id === n.id ? { ...x, read_at: new Date().toISOString() } : x)) }));
      call("POST", "/api/notifications/" + n.id + "/read").catch(() => {});
    }
    setOpen(false);
    onOpenNote(n);
  };
  const readAll = () => call("POST", "/api/notifications/read-all").then(() => load(false), (e) => toast(e.message, "error"));
  return html`<span class="bell-wrap">
    <button type="button" class="ghost bell" id="bell" ref=${btn} aria-expanded=${String(open)} aria-controls="bell-panel"
        aria-label=${"Notifications, " + notes.unread + " unread"} onClick=${() => setOpen(!open)}>
      <svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9"/><path d="M13.7 21a2 2 0 0 1-3.4 0"/></svg>
      <span class=${"badge" + (notes.unread ? " unread" : "")} id="bell-count" aria-hidden="true">${notes.unread}</span>
    </button>
    <section class=${"card bell-panel" + (open ? "" : " hidden")} id="bell-panel" ref=${panel} tabindex="-1" aria-labelledby="bell-title"
        onKeyDown=${(ev) => { if (ev.key === "Escape") { ev.preventDefault(); close(); } }}>
      <div class="row"><h2 id="bell-title" class="h3">Notifications</h2><span class="grow"></span>
        <button type="button" class="ghost" id="read-all" onClick=${readAll}>Mark all read</button>
        <button type="button" class="ghost" aria-label="Close notifications" onClick=${close}>×</button></div>
      ${notes.items.length === 0 ? html`<p class="muted small">Nothing yet. Updates about your applications and interviews appear here.</p>` : html`<ul class="feed" id="notif-list">
        ${notes.items.map((n) => html`<li key=${n.id} class=${n.read_at ? "" : "unread"} data-id=${String(n.id)}>
          <button type="button" class="linklike note-open" onClick=${() => openNote(n)}>${n.title}${n.read_at ? "" : html`<span class="visually-hidden"> (unread)</span>`}</button>
          <span class="small muted"> · ${hb.fmtTime(n.created_at)}</span>
          ${n.body && html`<div class="small">${n.body}</div>`}
        </li>`)}
      </ul>`}
      ${notes.next > 0 && html`<button type="button" class="ghost" id="notif-more" onClick=${() => load(true)}>Older…</button>`}
    </section>
  </span>`;
}

// ---- header ---------------------------------------------------------------------------
function Header({ user, view, onOpenNote }) {
  const [ws, setWs] = useState({ state: "", detail: "offline" });
  useEffect(() => { stream.onstatus = (state, detail) => setWs({ state, detail }); }, []);
  const rec = isRecruiter(user), cand = user.role === "candidate";
  const nav = (href, key, text) => html`<a href=${href} data-nav=${key} class=${view === key ? "active" : undefined} aria-current=${view === key ? "page" : undefined}>${text}</a>`;
  const logout = () => {
    stream.stop();
    hb.api("POST", "/api/auth/logout").catch(() => {}).then(() => { hb.session.clear(); location.replace("/?signout"); });
  };
  return html`<header class="topbar">
    <a class="brand" href="#/jobs">hire<span>bus</span></a>
    <nav aria-label="Main">
      ${nav("#/jobs", "jobs", "Jobs")}
      ${cand && nav("#/my", "my", "My applications")}
      ${rec && nav("#/company", "company", "Company")}
      ${rec && nav("#/manage", "manage", "Job postings")}
      ${rec && nav("#/board", "board", "Applications board")}
      ${rec && html`<a href="/assess.html#/list">Assessments</a>`}
      ${cand && html`<a href="/assess.html#/mine">My assessments</a>`}
      <a href="/interviews.html#/schedule">Interviews</a>
      <a href="/app.html">Account</a>
    </nav>
    <span class="grow"></span>
    <span class="row small" title="Live connection">
      <span class=${"status-dot " + ws.state} id="ws-dot" aria-hidden="true"></span><span class="muted" id="ws-text">${ws.detail}</span>
    </span>
    <${Bell} onOpenNote=${onOpenNote} />
    <span class="small" id="who">${user.username ? user.username + " · " + user.role : ""}</span>
    <button type="button" class="ghost" id="logout" onClick=${logout}>Sign out</button>
  </header>`;
}

// ---- companies (shared by the recruiter views) --------------------------------------------
function useCompanies(tick) {
  const [list, setList] = useState(null);
  const [failed, setFailed] = useState("");
  const [chosen, setChosen] = useState(() => parseInt(sessionStorage.getItem(COMPANY_KEY) || "0", 10));
  const reload = useCallback(() => call("GET", "/api/companies").then((r) => { setList(r.data.items); setFailed(""); return r.data.items; },
    (e) => { setFailed(e.message); return []; }), []);
  useEffect(() => { reload(); }, [tick]);
  const items = list || [];
  const id = items.some((c) => c.id === chosen) ? chosen : items.length ? items[0].id : 0;
  const choose = (v) => { sessionStorage.setItem(COMPANY_KEY, String(v)); setChosen(v); };
  const mine = items.filter((c) => c.id === id)[0];
  return { list, items, id, choose, reload, failed, role: mine ? mine.my_role : "" };
}

function NeedCompany() {
  return html`<${Empty} title="You are not in a company yet.">Create a company or join one with an invitation on the <a href="#/company">Company</a> page.</${Empty}>`;
}

// ---- the job board ----------------------------------------------------------------------
function Jobs() {
  const [filters, setFilters] = useState({ q: "", remote: "", type: "", skill: "" });
  const [jobs, setJobs] = useState({ items: [], cursor: "", busy: true, error: "", loaded: false });
  const latest = useLatest();
  const load = (more, f = filters) => {
    const q = [];
    for (const k of ["q", "remote", "type", "skill"]) {
      const v = f[k].trim();
      if (v) q.push(k + "=" + encodeURIComponent(v));
    }
    q.push("limit=20");
    if (more && jobs.cursor) q.push("cursor=" + jobs.cursor);
    const fresh = latest();
    // Busy until the newest answer is shown (an older one is dropped).
    setJobs((o) => ({ ...o, busy: true }));
    return call("GET", "/api/jobs?" + q.join("&")).then((r) => {
      if (!fresh()) return;
      setJobs((o) => ({ items: more ? o.items.concat(r.data.items) : r.data.items, cursor: r.data.next_cursor || "", busy: false, error: "", loaded: true }));
    }, (e) => {
      if (!fresh()) return;
      setJobs((o) => ({ ...o, busy: false, error: e.message, loaded: true }));
    });
  };
  useEffect(() => { load(false); }, []);
  const set = (k) => (ev) => setFilters({ ...filters, [k]: ev.currentTarget.value });
  const filtered = filters.q || filters.remote || filters.type || filters.skill;
  return html`<section class="card" aria-labelledby="jobs-title">
    <h1 id="jobs-title" class="h2">Open jobs</h1>
    <form class="row search-row" id="job-search" role="search" aria-label="Jobs" onSubmit=${(ev) => { ev.preventDefault(); load(false); }}>
      <label class="visually-hidden" for="job-q">Search</label>
      <input type="search" id="job-q" placeholder="Search title, description, skills" value=${filters.q} onInput=${set("q")} />
      <label class="visually-hidden" for="job-remote">Workplace</label>
      <select id="job-remote" class="auto" value=${filters.remote} onChange=${set("remote")}>
        <option value="">Any workplace</option><option value="onsite">On site</option><option value="hybrid">Hybrid</option><option value="remote">Remote</option>
      </select>
      <label class="visually-hidden" for="job-type">Employment type</label>
      <select id="job-type" class="auto" value=${filters.type} onChange=${set("type")}>
        <option value="">Any type</option><option value="full_time">Full time</option><option value="part_time">Part time</option>
        <option value="contract">Contract</option><option value="internship">Internship</option><option value="temporary">Temporary</option>
      </select>
      <label class="visually-hidden" for="job-skill">Skill</label>
      <input type="text" id="job-skill" placeholder="Skill" class="narrow" value=${filters.skill} onInput=${set("skill")} />
      <button type="submit">Search</button>
    </form>
    <${Message} id="jobs-msg" text=${jobs.error} />
    <ul class="joblist" id="job-list" aria-busy=${String(jobs.busy)} aria-label="Jobs">
      ${jobs.items.map((j) => html`<li key=${j.id} data-job=${String(j.id)}>
        <a class="title" href=${"#/job/" + j.id}>${j.title}</a>
        <div class="row small muted"><span>${j.company_name}</span>${j.location && html`<span>· ${j.location}</span>`}
          <span>· ${label(j.remote)} · ${label(j.employment_type)}</span>${money(j) && html`<span>· ${money(j)}</span>`}</div>
        ${(j.skills || []).length > 0 && html`<div class="row small">${j.skills.map((s) => html`<${Badge}>${s}</${Badge}>`)}</div>`}
      </li>`)}
    </ul>
    ${jobs.loaded && !jobs.busy && !jobs.error && jobs.items.length === 0 && html`<${Empty} title=${filtered ? "No open jobs match." : "No open jobs yet."}
        action=${filtered && html`<button type="button" class="secondary" onClick=${() => { const none = { q: "", remote: "", type: "", skill: "" }; setFilters(none); load(false, none); }}>Clear the filters</button>`}>
      ${filtered ? "Try fewer words or another workplace or type." : "Companies' open positions appear here."}</${Empty}>`}
    ${jobs.cursor && html`<button type="button" class="secondary" id="job-more" onClick=${() => load(true)}>More jobs</button>`}
  </section>`;
}

// ---- one job, with Apply -------------------------------------------------------------------
const MAX_RESUME = 5 * 1024 * 1024;
function Apply({ job }) {
  const file = useRef(null);
  const rules = useMemo(() => ({
    cover_letter: (v) => (v.length > 10000 ? "The cover letter is longer than 10,000 characters." : ""),
    resume: () => {
      const f = file.current && file.current.files[0];
      if (!f) return "";
      if (f.size > MAX_RESUME) return "The résumé is larger than 5 MiB.";
      if (!/\.pdf$/i.test(f.name) && f.type !== "application/pdf") return "The résumé must be a PDF.";
      return "";
    },
  }), []);
  const form = useForm({ cover_letter: "", resume: "" }, rules);
  const err = form.errors.resume;
  const submit = (v) => {
    const f = file.current.files[0];
    let send;
    if (f) {
      const fd = new FormData();
      fd.append("job_id", String(job.id));
      fd.append("cover_letter", v.cover_letter);
      fd.append("resume", f, f.name);
      send = fetch("/api/applications", { method: "POST", body: fd, headers: { Authorization: "Bearer " + hb.session.token(), Accept: "application/json" } })
        .then((res) => res.json().catch(() => ({})).then((data) => {
          if (res.status === 401) toLogin();
          if (!res.ok) throw new Error((data.error && data.error.message) || "The application could not be sent.");
          return data;
        }));
    } else {
      send = call("POST", "/api/applications", { job_id: job.id, cover_letter: v.cover_letter });
    }
    return send.then(() => {
      toast("Application sent.", "ok");
      location.hash = "#/my";
    });
  };
  return html`<section class="card" id="apply-card" aria-labelledby="apply-title">
    <h2 id="apply-title" class="h3">Apply</h2>
    <${Form} id="apply-form" msgId="apply-msg" submitId="apply-btn" form=${form} submit="Apply" busyLabel="Sending…" onSubmit=${submit}>
      <${Field} form=${form} name="cover_letter" id="apply-cover" label="Cover letter (optional)" as="textarea" rows="6" maxlength="10000" />
      <div class=${"field" + (err ? " invalid" : "")}>
        <label for="apply-resume">Résumé (PDF, at most 5 MiB, optional)</label>
        <input type="file" id="apply-resume" name="resume" ref=${file} accept="application/pdf,.pdf"
          aria-invalid=${err ? "true" : undefined} aria-describedby=${err ? "apply-resume-err" : undefined}
          onChange=${(ev) => { form.set("resume", ev.currentTarget.files[0] ? ev.currentTarget.files[0].name : ""); form.setErrors((o) => ({ ...o, resume: rules.resume() })); }} />
        ${err && html`<div class="field-error" id="apply-resume-err">${err}</div>`}
      </div>
    </${Form}>
  </section>`;
}

function Job({ id, user }) {
  const [job, setJob] = useState(null);
  const [failed, setFailed] = useState("");
  useEffect(() => {
    setJob(null);
    setFailed("");
    call("GET", "/api/jobs/" + id).then((r) => setJob(r.data), (e) => setFailed(e.status === 404 ? "No such job" : e.message));
  }, [id]);
  if (failed) return html`<section class="card"><h1 id="job-title" class="h2">${failed}</h1><p><a href="#/jobs">Back to the jobs</a></p></section>`;
  if (!job) return html`<section class="card"><p class="muted" role="status">Loading…</p></section>`;
  const canApply = user.role === "candidate" && job.status === "open";
  return html`<div class="grid two">
    <section class="card statement" aria-labelledby="job-title">
      <p class="small back"><a href="#/jobs">← All jobs</a></p>
      <h1 id="job-title" class="h2">${job.title}</h1>
      <div class="row small" id="job-meta">
        ${[job.company_name, job.location, label(job.remote), label(job.employment_type), money(job)].filter(Boolean).map((t) => html`<${Badge}>${t}</${Badge}>`)}
        <${StatusBadge} status=${job.status} />
      </div>
      <${Markdown} id="job-desc" src=${job.description} />
      ${(job.skills || []).length > 0 && html`<p class="small">Skills: ${job.skills.join(", ")}</p>`}
      ${isRecruiter(user) && html`<p class="small"><a href=${"/report.html#job=" + job.id}>Compare candidates</a></p>`}
    </section>
    ${canApply && html`<${Apply} job=${job} />`}
  </div>`;
}

// ---- my applications ---------------------------------------------------------------------------
function historyItems(items) {
  return items.slice().reverse().map((x, i) => ({
    id: x.id || "h" + i, time: x.created_at,
    title: x.from ? "Moved to " + label(x.to) : x.to === "applied" ? "Applied" : label(x.to).replace(/^./, (c) => c.toUpperCase()),
    body: [x.actor_name, x.note].filter(Boolean).join(" · ") || undefined,
  }));
}
function History({ appId, tick, id }) {
  const [items, setItems] = useState(null);
  useEffect(() => {
    call("GET", "/api/applications/" + appId + "/history").then((r) => setItems(r.data.items), () => setItems([]));
  }, [appId, tick]);
  return html`<div id=${id} class="history">${items === null ? html`<p class="small muted">Loading the history…</p>`
    : html`<${Timeline} label="History" items=${historyItems(items)} />`}</div>`;
}

function My({ tick }) {
  const [apps, setApps] = useState(null);
  const [failed, setFailed] = useState("");
  const [ask, confirmDialog] = useConfirm();
  const latest = useLatest();
  const load = () => {
    const fresh = latest();
    call("GET", "/api/applications?limit=100").then((r) => { if (fresh()) { setApps(r.data.items); setFailed(""); } }, (e) => setFailed(e.message));
  };
  useEffect(load, [tick]);
  const withdraw = async (a) => {
    if (!(await ask({ title: "Withdraw your application?", text: "Your application to " + a.job_title + " at " + a.company_name + " will be withdrawn. This cannot be undone.", ok: "Withdraw", danger: true }))) return;
    call("PUT", "/api/applications/" + a.id + "/status", { status: "withdrawn", version: a.version }).then(() => { toast("Application withdrawn."); load(); }, (e) => { setFailed(e.message); load(); });
  };
  return html`<section class="card" aria-labelledby="my-title">
    <h1 id="my-title" class="h2">My applications</h1>
    <${Message} id="my-msg" text=${failed} />
    ${apps === null ? !failed && html`<p class="muted" role="status">Loading…</p>` : apps.length === 0
      ? html`<${Empty} title="You have not applied to any job yet." action=${html`<a class="button" href="#/jobs">Browse jobs</a>`} />`
      : html`<ul class="joblist" id="my-apps">
        ${apps.map((a) => html`<li key=${a.id} data-app=${String(a.id)}>
          <div class="row"><a class="title" href=${"#/job/" + a.job_id}>${a.job_title}</a><span class="small muted">${a.company_name}</span>
            <${StatusBadge} status=${a.status} /><span class="grow"></span>
            ${(a.allowed_next || []).indexOf("withdrawn") >= 0 && html`<button type="button" class="ghost" onClick=${() => withdraw(a)}>Withdraw<span class="visually-hidden">: ${a.job_title}</span></button>`}
          </div>
          <${History} appId=${a.id} tick=${a.version + ":" + tick} />
        </li>`)}
      </ul>`}
    ${confirmDialog}
  </section>`;
}

// ---- company and members ----------------------------------------------------------------------
function Company({ user, co }) {
  const [ask, confirmDialog] = useConfirm();
  const [msg, setMsg] = useState("");
  const coRules = useMemo(() => ({
    name: (v) => (!v.trim() ? "Give the company a name." : v.length > 128 ? "At most 128 characters." : ""),
    website: (v) => (v.trim() && !/^https?:\/\/\S+\.\S+/.test(v.trim()) ? "Enter a web address starting with https://" : ""),
  }), []);
  const coForm = useForm({ name: "", website: "" }, coRules);
  const joinRules = useMemo(() => ({ token: (v) => (v.trim() ? "" : "Paste the invitation code from the mail.") }), []);
  const joinForm = useForm({ token: sessionStorage.getItem("hirebus.join") || "" }, joinRules);
  useEffect(() => { sessionStorage.removeItem("hirebus.join"); }, []);
  const invRules = useMemo(() => ({ email: (v) => (/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(v.trim()) ? "" : "Enter the colleague's e-mail address.") }), []);
  const invForm = useForm({ email: "", role: "recruiter" }, invRules);
  const [invSent, setInvSent] = useState("");
  const [members, setMembers] = useState(null);
  const latest = useLatest();
  const owner = co.role === "owner";
  const loadMembers = () => {
    if (!co.id) { setMembers([]); return; }
    const fresh = latest();
    call("GET", "/api/companies/" + co.id + "/members").then((r) => { if (fresh()) setMembers(r.data.items); }, (e) => setMsg(e.message));
  };
  useEffect(loadMembers, [co.id, co.list]);
  const created = (r, text) => { co.choose(r.data.id); toast(text, "ok"); co.reload(); };
  const setRole = (m, role) => call("PUT", "/api/companies/" + co.id + "/members/" + m.user_id, { role }).then(() => { toast("Role changed."); co.reload(); },
    (e) => { setMsg(e.message); loadMembers(); });
  const remove = async (m) => {
    const self = m.user_id === user.id;
    if (!(await ask({ title: self ? "Leave the company?" : "Remove " + m.username + "?", text: self ? "You lose access to its jobs and applications." : m.username + " loses access to the company's jobs and applications.", ok: self ? "Leave" : "Remove", danger: true }))) return;
    call("DELETE", "/api/companies/" + co.id + "/members/" + m.user_id).then(() => { toast(self ? "You left the company." : "Member removed."); co.reload(); }, (e) => setMsg(e.message));
  };
  const columns = [
    { key: "username", label: "User" },
    { key: "email", label: "E-mail" },
    { key: "role", label: "Role", render: (m) => owner ? html`<select class="auto" aria-label=${"Role of " + m.username} value=${m.role} onChange=${(ev) => setRole(m, ev.currentTarget.value)}>
        ${["owner", "recruiter", "viewer"].map((x) => html`<option value=${x}>${x}</option>`)}</select>` : m.role },
    { key: "actions", label: "Actions", render: (m) => (owner || m.user_id === user.id) && html`<button type="button" class="ghost" onClick=${() => remove(m)}>${m.user_id === user.id ? "Leave" : "Remove"}<span class="visually-hidden">: ${m.username}</span></button>` },
  ];
  return html`<div class="grid two">
    <div class="stack">
      <section class="card" aria-labelledby="co-title">
        <h1 id="co-title" class="h2">Your companies</h1>
        <${Message} id="co-msg" text=${msg || co.failed} />
        ${co.items.length > 0 ? html`<label for="co-select">Working in</label>
          <select id="co-select" value=${String(co.id)} onChange=${(ev) => co.choose(parseInt(ev.currentTarget.value, 10))}>
            ${co.items.map((c) => html`<option value=${String(c.id)}>${c.name + " (" + c.my_role + ")"}</option>`)}
          </select>` : co.list && html`<p class="muted small" id="co-none">You are not in a company yet: create one or join with an invitation.</p>`}
      </section>
      <section class="card" aria-labelledby="co-new-title">
        <h2 id="co-new-title" class="h3">Create a company</h2>
        <${Form} id="co-form" form=${coForm} submit="Create" onSubmit=${(v) => {
          const body = { name: v.name.trim() };
          if (v.website.trim()) body.website = v.website.trim();
          return call("POST", "/api/companies", body).then((r) => { coForm.setValues({ name: "", website: "" }); created(r, "Company created."); });
        }}>
          <${Field} form=${coForm} name="name" id="co-name" label="Name" maxlength="128" autocomplete="organization" />
          <${Field} form=${coForm} name="website" id="co-website" label="Website (optional)" type="url" maxlength="255" placeholder="https://" />
        </${Form}>
      </section>
      <section class="card" aria-labelledby="join-title">
        <h2 id="join-title" class="h3">Join with an invitation</h2>
        <${Form} id="join-form" form=${joinForm} submit="Join" onSubmit=${(v) => call("POST", "/api/companies/join", { token: v.token.trim() })
          .then((r) => { joinForm.setValues({ token: "" }); created(r, "You joined " + r.data.name + "."); })}>
          <${Field} form=${joinForm} name="token" id="join-token" label="Invitation code" autocomplete="off" />
        </${Form}>
      </section>
    </div>
    <div class="stack">
      <section class="card" aria-labelledby="members-title">
        <h2 id="members-title" class="h3">Members</h2>
        <div id="members">${!co.id ? html`<${Empty} title="No company yet.">Members appear once you create or join a company.</${Empty}>`
          : members === null ? html`<p class="muted small" role="status">Loading…</p>`
          : html`<${Table} caption=${(co.items.filter((c) => c.id === co.id)[0] || {}).name} columns=${columns} rows=${members} rowKey=${(m) => m.user_id} />`}</div>
      </section>
      ${owner && html`<section class="card" id="invite-card" aria-labelledby="inv-title">
        <h2 id="inv-title" class="h3">Invite a colleague</h2>
        <${Form} id="inv-form" msgId="inv-msg" form=${invForm} submit="Send invitation" message=${invSent} messageKind="ok"
            onSubmit=${(v) => { setInvSent(""); return call("POST", "/api/companies/" + co.id + "/invitations", { email: v.email.trim(), role: v.role })
              .then(() => { setInvSent("Invitation sent to " + v.email.trim() + "."); invForm.setValues({ email: "", role: v.role }); }); }}>
          <${Field} form=${invForm} name="email" id="inv-email" label="E-mail" type="email" placeholder="name@example.com" autocomplete="off" />
          <${Field} form=${invForm} name="role" id="inv-role" label="Role" as="select" options=${["recruiter", "viewer", "owner"].map((x) => ({ value: x, label: x }))} />
        </${Form}>
      </section>`}
    </div>
    ${confirmDialog}
  </div>`;
}

// ---- job postings and the editor -------------------------------------------------------------
const EMPTY_JOB = { title: "", description: "", location: "", remote: "onsite", employment_type: "full_time", salary_min: "", salary_max: "", currency: "", skills: "", status: "open" };
function jobValues(j) {
  if (!j) return { ...EMPTY_JOB };
  return {
    title: j.title, description: j.description, location: j.location || "", remote: j.remote, employment_type: j.employment_type,
    salary_min: j.salary_min != null ? String(j.salary_min) : "", salary_max: j.salary_max != null ? String(j.salary_max) : "",
    currency: j.currency || "", skills: (j.skills || []).join(", "), status: j.status,
  };
}
const opts = (xs) => xs.map((x) => ({ value: x, label: label(x) }));
function Manage({ co }) {
  const [jobs, setJobs] = useState(null);
  const [msg, setMsg] = useState("");
  const [editing, setEditing] = useState(null); // {id, version, title} of the job in the editor, null = new
  const [stale, setStale] = useState("");
  const [ask, confirmDialog] = useConfirm();
  const latest = useLatest();
  const rules = useMemo(() => {
    const amount = (v) => (String(v).trim() !== "" && !(Number(v) >= 0) ? "A salary is a number, 0 or more." : "");
    return {
      title: (v) => (!v.trim() ? "Give the job a title." : v.length > 200 ? "At most 200 characters." : ""),
      description: (v) => (!v.trim() ? "Describe the job (Markdown)." : ""),
      salary_min: amount,
      salary_max: (v, all) => amount(v) || (String(v).trim() !== "" && String(all.salary_min).trim() !== "" && Number(v) < Number(all.salary_min) ? "The upper bound is below the lower one." : ""),
      currency: (v) => (v.trim() && !/^[A-Za-z]{3}$/.test(v.trim()) ? "Three letters, such as EUR." : ""),
    };
  }, []);
  const form = useForm(jobValues(null), rules);
  const fill = (j) => {
    setEditing(j ? { id: j.id, version: j.version, title: j.title } : null);
    form.setValues(jobValues(j));
    form.setErrors({});
    setStale("");
  };
  const load = () => {
    if (!co.id) return;
    const fresh = latest();
    call("GET", "/api/jobs?status=all&limit=100&company=" + co.id).then((r) => { if (fresh()) { setJobs(r.data.items); setMsg(""); } }, (e) => setMsg(e.message));
  };
  useEffect(load, [co.id]);
  const close = async (j) => {
    if (!(await ask({ title: "Close " + j.title + "?", text: j.status === "draft" ? "A draft nobody applied to is removed." : "Candidates can no longer apply; existing applications stay.", ok: "Close the job", danger: true }))) return;
    call("DELETE", "/api/jobs/" + j.id).then((r) => { toast(r.data && r.data.removed ? "Job removed." : "Job closed."); load(); }, (e) => setMsg(e.message));
  };
  const save = (v) => {
    const num = (x) => (String(x).trim() === "" ? null : Number(x));
    const body = {
      title: v.title.trim(), description: v.description, location: v.location.trim(), remote: v.remote, employment_type: v.employment_type, status: v.status,
      skills: v.skills.split(",").map((s) => s.trim()).filter(Boolean),
      // Empty salary fields are sent as null, which clears them on an edit.
      salary_min: num(v.salary_min), salary_max: num(v.salary_max), currency: v.currency.trim() ? v.currency.trim().toUpperCase() : null,
    };
    setStale("");
    let req;
    if (editing) { body.version = editing.version; req = call("PUT", "/api/jobs/" + editing.id, body); }
    else { body.company_id = co.id; req = call("POST", "/api/jobs", body); }
    return req.then((r) => { fill(r.data); toast("Job saved.", "ok"); load(); }, (e) => {
      if (e.status === 412 && editing) {
        return call("GET", "/api/jobs/" + editing.id).then((r) => {
          fill(r.data);
          setStale("Someone changed this job meanwhile; the latest version is loaded — apply your edit again.");
        });
      }
      throw e;
    });
  };
  if (!co.id) return co.list === null ? html`<p class="muted" role="status">Loading…</p>` : html`<section class="card"><h1 class="h2">Job postings</h1><${NeedCompany} /></section>`;
  const columns = [
    { key: "title", label: "Title", render: (j) => html`<a href=${"#/job/" + j.id}>${j.title}</a>` },
    { key: "status", label: "Status", render: (j) => html`<${StatusBadge} status=${j.status} />` },
    { key: "updated_at", label: "Updated", className: "small", render: (j) => hb.fmtTime(j.updated_at) },
    { key: "actions", label: "Actions", render: (j) => html`<div class="row actions">
      <button type="button" class="ghost" onClick=${() => { fill(j); const t = document.getElementById("je-title"); if (t) t.focus(); }}>Edit<span class="visually-hidden">: ${j.title}</span></button>
      <a href=${"/report.html#job=" + j.id}>Compare candidates<span class="visually-hidden">: ${j.title}</span></a>
      ${j.status !== "closed" && html`<button type="button" class="ghost" onClick=${() => close(j)}>Close<span class="visually-hidden">: ${j.title}</span></button>`}
    </div>` },
  ];
  return html`<div class="grid two">
    <section class="card" aria-labelledby="manage-title">
      <h1 id="manage-title" class="h2">Job postings</h1>
      <${Message} id="manage-msg" text=${msg} />
      <div id="manage-jobs">${jobs === null ? html`<p class="muted small" role="status">Loading…</p>` : html`<${Table} columns=${columns} rows=${jobs} rowKey=${(j) => j.id}
        empty=${html`<${Empty} title="No job postings yet.">Write the first one with the form.</${Empty}>`} />`}</div>
    </section>
    <section class="card" aria-labelledby="je-heading">
      <h2 id="je-heading" class="h3">${editing ? "Edit: " + editing.title : "New job"}</h2>
      <${Form} id="je-form" msgId="je-msg" submitId="je-save" form=${form} submit="Save" busyLabel="Saving…" message=${stale}
          secondary=${editing && html`<button type="button" class="ghost" id="je-new" onClick=${() => fill(null)}>New job</button>`} onSubmit=${save}>
        <${Field} form=${form} name="title" id="je-title" label="Title" maxlength="200" />
        <${Field} form=${form} name="description" id="je-desc" label="Description" hint="Markdown: **bold**, *italic*, lists, \`code\`." as="textarea" rows="8" />
        <div class="row wrap">
          <div class="grow"><${Field} form=${form} name="location" id="je-location" label="Location" maxlength="128" /></div>
          <${Field} form=${form} name="remote" id="je-remote" label="Workplace" as="select" options=${opts(["onsite", "hybrid", "remote"])} />
          <${Field} form=${form} name="employment_type" id="je-type" label="Type" as="select" options=${opts(["full_time", "part_time", "contract", "internship", "temporary"])} />
        </div>
        <div class="row wrap">
          <${Field} form=${form} name="salary_min" id="je-min" label="Salary from" type="number" min="0" />
          <${Field} form=${form} name="salary_max" id="je-max" label="to" type="number" min="0" />
          <${Field} form=${form} name="currency" id="je-currency" label="Currency" maxlength="3" placeholder="EUR" class="narrow" />
        </div>
        <${Field} form=${form} name="skills" id="je-skills" label="Skills" hint="Comma separated." />
        <${Field} form=${form} name="status" id="je-status" label="Status" as="select" options=${opts(["open", "draft", "closed"])} />
      </${Form}>
    </section>
    ${confirmDialog}
  </div>`;
}

// ---- the applications board -----------------------------------------------------------------
function Applications({ co, tick }) {
  const [jobs, setJobs] = useState([]);
  const [job, setJob] = useState("");
  const [apps, setApps] = useState(null);
  const [msg, setMsg] = useState("");
  const [open, setOpen] = useState(null); // the application in the detail dialog
  const [focusApp, setFocusApp] = useState(0);
  const latest = useLatest();
  const load = () => {
    if (!co.id) return Promise.resolve();
    const fresh = latest();
    return call("GET", "/api/applications?limit=100&company=" + co.id + (job ? "&job=" + job : "")).then((r) => {
      if (!fresh()) return;
      setApps(r.data.items);
      setOpen((o) => (o ? r.data.items.filter((a) => a.id === o.id)[0] || o : o));
    }, (e) => setMsg(e.message));
  };
  useEffect(() => {
    if (!co.id) return;
    call("GET", "/api/jobs?status=all&limit=100&company=" + co.id).then((r) => setJobs(r.data.items), () => {});
  }, [co.id]);
  useEffect(() => { load(); }, [co.id, job, tick]);
  // After a move the card is in another column: the focus follows it.
  useEffect(() => {
    if (!focusApp) return;
    const b = document.querySelector('.app-card[data-app="' + focusApp + '"] .card-open');
    if (b) { b.focus(); setFocusApp(0); }
  }, [apps, focusApp]);
  const move = (it, to) => {
    const a = it.app;
    setMsg("");
    // The focus target is set once the board shows the new state.
    return call("PUT", "/api/applications/" + a.id + "/status", { status: to, version: a.version }).then(() => {
      toast(a.candidate_name + " moved to " + label(to) + ".", "ok");
      return load();
    }, (e) => { setMsg(e.message); return load(); }).then(() => setFocusApp(a.id));
  };
  if (!co.id) return co.list === null ? html`<p class="muted" role="status">Loading…</p>` : html`<section class="card"><h1 class="h2">Applications</h1><${NeedCompany} /></section>`;
  const items = (apps || []).map((a) => ({ id: a.id, column: a.status, app: a }));
  return html`<section class="card" aria-labelledby="board-title">
    <div class="row wrap"><h1 id="board-title" class="h2" style="margin:0">Applications</h1><span class="grow"></span>
      ${job && html`<a href=${"/report.html#job=" + job}>Compare this job's candidates</a>`}
      <span class="row"><label for="board-job" class="inline-label">Job</label>
      <select id="board-job" class="auto" value=${job} onChange=${(ev) => setJob(ev.currentTarget.value)}>
        <option value="">All jobs</option>
        ${jobs.map((j) => html`<option value=${String(j.id)}>${j.title}</option>`)}
      </select></span></div>
    <${Message} id="board-msg" text=${msg} />
    ${apps === null ? html`<p class="muted" role="status">Loading…</p>` : apps.length === 0
      ? html`<${Empty} title="No applications yet.">Candidates' applications to your open jobs appear here, one column per status.</${Empty}>`
      : html`<h2 class="visually-hidden">Pipeline</h2><div class="board-scroll" id="board" tabindex="0" role="region" aria-label="Applications by status">
        <${Board} label="Applications by status" columns=${STATUSES.map((s) => ({ id: s, label: label(s) }))} items=${items}
          card=${(it) => html`<div class="app-card" data-app=${String(it.id)}>
            <button type="button" class="linklike card-open" aria-haspopup="dialog" onClick=${() => setOpen(it.app)}><strong>${it.app.candidate_name}</strong></button>
            <div class="small muted">${it.app.job_title}</div>
          </div>`}
          moves=${(it) => (it.app.allowed_next || []).map((to) => ({ to, label: html`→ ${label(to)}<span class="visually-hidden"> (move ${it.app.candidate_name})</span>` }))}
          onMove=${move} />
      </div>`}
    <${Dialog} id="board-detail" open=${!!open} title=${open ? open.candidate_name + " · " + open.job_title : ""} onClose=${() => setOpen(null)}>
      ${open && html`<${Detail} a=${open} tick=${tick} onChanged=${load} />`}
    </${Dialog}>
  </section>`;
}

function Detail({ a, tick, onChanged }) {
  const [assessments, setAssessments] = useState([]);
  const [pick, setPick] = useState("");
  const [inviting, setInviting] = useState(false);
  const [ivs, setIvs] = useState([]);
  useEffect(() => {
    call("GET", "/api/applications/" + a.id + "/interviews").then((r) => setIvs(r.data.items), () => {});
    call("GET", "/api/assessments?company_id=" + a.company_id).then((r) => {
      setAssessments(r.data.items);
      setPick(r.data.items.length ? String(r.data.items[0].id) : "");
    }, () => {});
  }, [a.id]);
  const download = () => fetch("/api/applications/" + a.id + "/resume", { headers: { Authorization: "Bearer " + hb.session.token() } }).then((res) => {
    if (!res.ok) throw new Error("The résumé could not be downloaded.");
    return res.blob();
  }).then((blob) => {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = a.resume_name;
    document.body.appendChild(link);
    link.click();
    link.remove();
  }, (e) => toast(e.message, "error"));
  // Invite the candidate to one of the company's assessments (assess.html
  // builds them); the application moves to `assessment`.
  const invite = () => {
    if (!pick) return;
    setInviting(true);
    call("POST", "/api/assessments/" + pick + "/invitations", { application_id: a.id }).then(() => {
      setInviting(false);
      toast("Invitation sent.", "ok");
      onChanged();
    }, (e) => { setInviting(false); toast(e.message, "error"); });
  };
  return html`<div class="stack detail">
    <p><${StatusBadge} status=${a.status} /> <span class="small muted">${a.candidate_email || ""}</span></p>
    ${a.cover_letter && html`<div><h3 class="h4">Cover letter</h3><p class="prewrap">${a.cover_letter}</p></div>`}
    ${a.resume_name && html`<p><button type="button" class="secondary" onClick=${download}>Download résumé (${a.resume_name})</button></p>`}
    ${["applied", "screening", "assessment"].indexOf(a.status) >= 0 && html`<div class="row wrap">
      <label for="bd-assess" class="inline-label">Assessment</label>
      <select id="bd-assess" class="auto" value=${pick} onChange=${(ev) => setPick(ev.currentTarget.value)} disabled=${!assessments.length}>
        ${assessments.length === 0 && html`<option value="">No assessment yet</option>`}
        ${assessments.map((x) => html`<option value=${String(x.id)}>${x.title}</option>`)}
      </select>
      <button type="button" class="secondary" id="bd-invite" disabled=${!pick || inviting} onClick=${invite}>${inviting ? "Inviting…" : "Invite to assessment"}</button>
      <a class="small" href="/assess.html#/build">New assessment</a>
    </div>`}
    <div>
      <h3 class="h4">Interviews</h3>
      ${ivs.length === 0 ? html`<p class="small muted">None scheduled.</p>` : html`<ul class="small" data-interviews=${String(a.id)}>
        ${ivs.map((iv) => html`<li key=${iv.id}><a href=${"/interviews.html#/room/" + iv.id}>${(iv.kind === "ai" ? "AI interview" : "Interview") + " " + new Date(iv.starts_at).toLocaleString() + " · " + iv.status}</a></li>`)}
      </ul>`}
      ${["applied", "screening", "assessment", "interview"].indexOf(a.status) >= 0 && html`<a class="button" href=${"/interviews.html#/schedule/" + a.id} data-schedule=${String(a.id)}>Schedule interview</a>`}
    </div>
    <p class="small"><a href=${"/report.html#job=" + a.job_id}>Compare this job's candidates (reports)</a></p>
    <div><h3 class="h4">History</h3><${History} id="bd-history" appId=${a.id} tick=${a.version + ":" + tick} /></div>
  </div>`;
}

// ---- the page -------------------------------------------------------------------------------
function App() {
  const [user, setUser] = useState(hb.session.user() || {});
  const [route, setRoute] = useState(parseRoute);
  const [tick, setTick] = useState(0);
  const co = useCompanies(tick);
  const main = useRef(null);
  useEffect(() => {
    const onHash = () => {
      setRoute(parseRoute());
      // A new view: its content starts at main (screen readers and Tab).
      if (main.current) main.current.focus({ preventScroll: true });
    };
    window.addEventListener("hashchange", onHash);
    call("GET", "/api/user/me").then((r) => {
      hb.session.set(hb.session.token(), r.data);
      setUser(r.data);
    }, () => {});
    const offs = [
      stream.on("session.revoked", () => { toast("Your session ended.", "error"); setTimeout(toLogin, 1200); }),
      // What a notification is about may be on screen: show it as it is now.
      stream.on("notification", () => setTick((n) => n + 1)),
    ];
    stream.start();
    return () => { window.removeEventListener("hashchange", onHash); offs.forEach((f) => f()); };
  }, []);
  const openNote = (n) => {
    const d = n.data || {};
    if (d.application_id) location.hash = isRecruiter(user) ? "#/board" : "#/my";
    else if (d.company_id) location.hash = "#/company";
  };
  let view;
  switch (route.view) {
    case "job": view = html`<${Job} id=${route.id} user=${user} />`; break;
    case "my": view = html`<${My} tick=${tick} />`; break;
    case "company": view = html`<${Company} user=${user} co=${co} />`; break;
    case "manage": view = html`<${Manage} co=${co} />`; break;
    case "board": view = html`<${Applications} co=${co} tick=${tick} />`; break;
    default: view = html`<${Jobs} />`;
  }
  return html`<${SkipLink} />
    <${Header} user=${user} view=${route.view} onOpenNote=${openNote} />
    <main id="main" tabindex="-1" ref=${main} data-view=${route.view}>${view}</main>`;
}

if (!hb.session.token()) {
  location.replace("/?next=" + encodeURIComponent(here()));
} else {
  if (joinHash) history.replaceState(null, "", "#/company");
  const root = document.getElementById("root");
  root.textContent = "";
  render(html`<${App} />`, root);
}
