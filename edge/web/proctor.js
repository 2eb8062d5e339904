// The recruiters' proctoring pages, built from ui.js: the company's
// assessments, the live grid of one assessment's attempts (candidate, time
// left, trust score, latest flag, the last kept webcam frame) fed by a /ws
// subscription ({"type":"proctor.subscribe","assessment_id":N}: a snapshot,
// then every proctor.update), and one attempt's timeline with its flags and
// their evidence, the answer history and a replay scrubber at 1×–16×, live
// while it runs. A flag is advice to look closer, never a decision.
import { html, useState, useEffect, useRef, useCallback, Message, toast, Table, Empty, Timeline, Badge, mount, useHashRoute } from "/ui.js";

// No session (or an expired one): sign in, then come back here.
function toLogin() { const to = hb.signInPath(); hb.session.clear(); location.replace(to); }
function call(method, path, body) {
  return hb.api(method, path, body).catch((e) => {
    if (e.status === 401) toLogin();
    throw e;
  });
}
const user = hb.session.user() || {};

// ---- the live connection --------------------------------------------------------
// One subscription at a time ({assessment_id} or {attempt_id}), sent again
// on every (re)connect; the view that owns it gets the snapshot and updates.
const stream = new hb.EventStream();
let sub = null;
const feed = { snapshot: null, update: null, error: null };
function send(msg) { if (stream.ws && stream.ws.readyState === 1) stream.ws.send(JSON.stringify(msg)); }
function resubscribe() { if (sub) send({ type: "proctor.subscribe", ...sub }); }
function subscribe(next) {
  if (sub) send({ type: "proctor.unsubscribe", ...sub });
  sub = next;
  resubscribe();
}
stream.onstatus = (state, detail) => {
  document.getElementById("ws-dot").className = "status-dot " + state;
  document.getElementById("ws-text").textContent = detail;
  if (state === "on") resubscribe();
};
stream.on("proctor.snapshot", (m) => feed.snapshot && feed.snapshot(m.data || {}));
stream.on("proctor.update", (m) => feed.update && feed.update(m.data || {}));
stream.on("proctor.error", (m) => feed.error && feed.error("Live feed: " + ((m.data || {}).message || "refused")));

// useFeed makes the calling view the receiver of the subscription's messages.
function useFeed(subscription, onSnapshot, onUpdate, onError) {
  const h = useRef({});
  h.current = { onSnapshot, onUpdate, onError };
  useEffect(() => {
    feed.snapshot = (d) => h.current.onSnapshot(d);
    feed.update = (u) => h.current.onUpdate(u);
    feed.error = (text) => h.current.onError(text);
    subscribe(subscription);
    return () => {
      feed.snapshot = feed.update = feed.error = null;
      subscribe(null);
    };
  }, [JSON.stringify(subscription)]);
}

const rule = (r) => String(r).replace(/_/g, " ");
function flagText(v) { return v ? v.severity + " · " + rule(v.rule) : "—"; }
function sevKind(s) { return s === "critical" || s === "high" ? "bad" : s === "medium" || s === "low" ? "warn" : ""; }
function mmss(sec) { sec = Math.max(0, Math.round(sec)); return Math.floor(sec / 60) + ":" + String(sec % 60).padStart(2, "0"); }
function frameURL(attempt, key) { return "/api/proctor/attempts/" + attempt + "/frames/" + encodeURIComponent(String(key).split("/").pop()); }

// ---- the company's assessments -------------------------------------------------------
function Home() {
  const [items, setItems] = useState(null);
  const [err, setErr] = useState("");
  useEffect(() => {
    call("GET", "/api/companies").then((r) => {
      // The company picked on the hiring pages, else the first.
      const items = r.data.items || [];
      const picked = parseInt(sessionStorage.getItem("hirebus.company") || "0", 10);
      const c = items.find((x) => x.id === picked) || items[0];
      if (!c) { setErr("You are not a member of a company."); return; }
      return call("GET", "/api/assessments?company_id=" + c.id).then((r2) => setItems(r2.data.items || []));
    }).catch((e) => setErr(e.message));
  }, []);
  const cols = [
    { key: "title", label: "Assessment" },
    { key: "started", label: "Started", render: (a) => String(a.started != null ? a.started : "") },
    { key: "watch", label: "Watch", render: (a) => html`<a href=${"#/live/" + a.id} aria-label=${"Watch " + a.title + " live"}>Watch live</a>` },
  ];
  return html`<section class="card" aria-labelledby="home-h">
    <h1 id="home-h">Live proctoring</h1>
    <p class="muted small">Pick an assessment to watch its running attempts. A flag is advice to look closer, never a decision.</p>
    <${Message} id="home-msg" text=${err} />
    ${items ? html`<div id="home-rows"><${Table} caption="Your company's assessments" columns=${cols} rows=${items} rowKey=${(a) => a.id}
        empty=${html`<${Empty} title="No assessments yet." action=${html`<a href="/assess.html#/build">Build an assessment</a>`}>Running attempts of your assessments show here live.<//>`} /></div>`
      : !err && html`<p class="muted small" role="status">Loading…</p>`}
  </section>`;
}

// ---- the live grid -------------------------------------------------------------------------
function Live({ id }) {
  const aid = parseInt(id, 10);
  const [title, setTitle] = useState("Running attempts");
  const [rows, setRows] = useState(null); // null until the snapshot
  const [err, setErr] = useState("");
  const [, setTick] = useState(0);
  useEffect(() => {
    call("GET", "/api/assessments/" + aid).then((r) => setTitle(r.data.title + " · running attempts"), () => {});
    const t = setInterval(() => setTick((n) => n + 1), 1000);
    return () => clearInterval(t);
  }, [aid]);
  const onSnapshot = useCallback((d) => {
    if (d.assessment_id !== aid) return;
    setRows((d.attempts || []).map((a) => ({ ...a, endsAt: performance.now() + a.seconds_left * 1000 })));
  }, [aid]);
  const onUpdate = (u) => {
    if (u.assessment_id !== aid) return;
    const have = rows && rows.find((a) => a.attempt_id === u.attempt_id);
    if (!have) { // a new attempt started: fetch the grid again
      call("GET", "/api/proctor/assessments/" + aid + "/live").then((r) => onSnapshot(r.data), () => {});
      return;
    }
    setRows((old) => old.map((a) => {
      if (a.attempt_id !== u.attempt_id) return a;
      const n = { ...a, trust_score: u.score, flagged: u.flagged };
      if (u.violations && u.violations.length) n.latest_flag = u.violations[u.violations.length - 1];
      if (u.last_frame) n.last_frame = u.last_frame;
      if (u.events && u.events.length) n.last_event = u.events[u.events.length - 1].kind;
      return n;
    }));
    if (u.flagged_now) toast("Flagged for review: " + have.candidate_name, "error");
  };
  useFeed({ assessment_id: aid }, onSnapshot, onUpdate, setErr);
  const cols = [
    { key: "candidate_name", label: "Candidate", render: (a) => html`<span data-attempt=${a.attempt_id} data-flagged=${a.flagged ? "1" : ""}>${a.candidate_name}</span>` },
    { key: "status", label: "Status", render: (a) => html`<${Badge} kind=${a.status === "active" ? "pending" : ""}>${a.status}<//>` },
    { key: "left", label: "Time left", className: "left", render: (a) => (a.status === "active" ? mmss((a.endsAt - performance.now()) / 1000) : "—") },
    { key: "trust_score", label: "Trust score", render: (a) => html`<strong class="score">${String(a.trust_score)}</strong>` },
    { key: "flag", label: "Latest flag", render: (a) => html`<span class="row">
      <span class=${"badge flag " + (a.latest_flag ? sevKind(a.latest_flag.severity) : "")}>${flagText(a.latest_flag)}</span>
      ${a.flagged && html`<${Badge} kind="bad">review<//>`}</span>` },
    { key: "frame", label: "Last frame", render: (a) => (a.last_frame
      ? html`<img class="proctor-frame" src=${frameURL(a.attempt_id, a.last_frame)} alt=${"Last webcam frame of " + a.candidate_name} />`
      : html`<span class="muted">—</span>`) },
    { key: "links", label: "Open", render: (a) => html`<span class="row">
      <a href=${"#/attempt/" + a.attempt_id} aria-label=${"Timeline of " + a.candidate_name}>Timeline</a>
      <a href=${"/report.html#attempt=" + a.attempt_id} aria-label=${"Report of " + a.candidate_name}>Report</a></span>` },
  ];
  const live = rows !== null;
  return html`<section class="card" aria-labelledby="live-title">
    <div class="row"><h1 style="margin:0" id="live-title">${title}</h1><span class="grow"></span>
      <span class=${"badge " + (live ? "ok" : "pending")} id="live-state" data-state=${live ? "live" : "joining"} role="status">${live ? "live" : "joining…"}</span></div>
    <${Message} id="live-msg" text=${err} />
    <div id="grid">
      ${live ? html`<${Table} caption="Attempts, updated live" columns=${cols} rows=${rows} rowKey=${(a) => a.attempt_id}
          empty=${html`<${Empty} title="No attempt yet.">Attempts show here as soon as a candidate presses Start.<//>`} />`
        : html`<p class="muted small" role="status">Joining the live feed…</p>`}
    </div>
  </section>`;
}

// ---- one attempt: timeline, flags and replay ----------------------------------------------
function eventTime(e) { return new Date(e.at || e.created_at).getTime(); }
function describe(e) {
  const d = e.data || {}, parts = [];
  if (d.duration_ms) parts.push((d.duration_ms / 1000).toFixed(1) + " s");
  if (d.length) parts.push(d.length + " characters" + (d.target ? " into " + d.target : ""));
  if (d.chars) parts.push(d.chars + " keys");
  if (d.count) parts.push(d.count + " screens");
  if (e.frame) parts.push(e.frame.faces + " face(s)");
  return rule(e.kind) + (parts.length ? " — " + parts.join(", ") : "");
}
const SPEEDS = [1, 2, 4, 8, 16];

function Attempt({ id }) {
  const aid = parseInt(id, 10);
  const [tl, setTl] = useState(null); // {events, violations, score, flagged, answers, start, name}
  const [err, setErr] = useState("");
  const [cursor, setCursor] = useState(0);
  const [atEnd, setAtEnd] = useState(true);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(1);
  const early = useRef([]);
  const tlRef = useRef(null);
  tlRef.current = tl;

  useEffect(() => {
    Promise.all([call("GET", "/api/proctor/attempts/" + aid + "/timeline"), call("GET", "/api/attempts/" + aid).catch(() => null)]).then(([r, r2]) => {
      const t = r.data, at = r2 && r2.data;
      const events = (t.events || []).slice();
      let start = events.length ? eventTime(events[0]) : (at ? new Date(at.started_at).getTime() : Date.now());
      if (at && at.started_at) start = Math.min(start, new Date(at.started_at).getTime());
      let next = { events, violations: t.violations || [], score: t.trust_score, flagged: t.flagged, answers: (at && at.answers) || [], start, name: at && at.candidate_name };
      // The subscription's snapshot and updates may have come first: merge them.
      early.current.splice(0).forEach((x) => { next = merge(next, x); });
      setTl(next);
    }, (e) => setErr(e.status === 404 ? "No such attempt." : e.message));
  }, [aid]);
  // The snapshot (read after subscribing) and the updates may overlap the
  // timeline read or each other: merge by event id and rule.
  function merge(cur, x) {
    const have = new Set(cur.events.map((e) => e.id));
    const events = cur.events.concat((x.events || []).filter((e) => !have.has(e.id))).sort((a, b) => a.id - b.id);
    const rules = new Set(cur.violations.map((v) => v.rule));
    const violations = cur.violations.concat((x.violations || []).filter((v) => !rules.has(v.rule)));
    return { ...cur, events, violations, score: x.score, flagged: x.flagged };
  }
  const take = (x) => {
    if (!tlRef.current) { early.current.push(x); return; }
    setTl((cur) => merge(cur, x));
  };
  useFeed({ attempt_id: aid },
    (d) => { if (d.attempt_id === aid) take({ events: d.events, violations: d.violations, score: d.trust_score, flagged: d.flagged }); },
    (u) => { if (u.attempt_id === aid) take({ events: u.events, violations: u.violations, score: u.score, flagged: u.flagged }); },
    setErr);

  // The replay's length: the first event (or the start) to the last event or saved answer.
  let max = 0;
  if (tl) {
    let end = tl.events.length ? eventTime(tl.events[tl.events.length - 1]) : tl.start;
    tl.answers.forEach((a) => { if (a.saved_at) end = Math.max(end, new Date(a.saved_at).getTime()); });
    max = Math.max(0, end - tl.start);
  }
  const pos = atEnd ? max : Math.min(cursor, max);

  // Play moves the cursor at the chosen speed until the end.
  const playState = useRef({});
  playState.current = { pos, max, speed };
  useEffect(() => {
    if (!playing) return;
    let last = performance.now();
    const t = setInterval(() => {
      const now = performance.now(), s = playState.current;
      const v = Math.min(s.max, s.pos + (now - last) * s.speed);
      last = now;
      setAtEnd(false);
      setCursor(Math.round(v));
      if (Math.round(v) >= s.max) { setPlaying(false); setAtEnd(true); }
    }, 100);
    return () => clearInterval(t);
  }, [playing]);
  const play = () => {
    if (playing) { setPlaying(false); return; }
    if (pos >= max) { setAtEnd(false); setCursor(0); playState.current.pos = 0; }
    setPlaying(true);
  };

  if (!tl) return html`<section class="card"><h1 id="at-title">Attempt ${aid}</h1><${Message} id="at-msg" text=${err} />${!err && html`<p class="muted small" role="status">Loading…</p>`}</section>`;

  // What the attempt looked like at the cursor: the events up to it, the
  // answers saved by then and the score after the flags those events raised.
  const at = (e) => eventTime(e) - tl.start;
  let shown = 0, lastID = 0;
  tl.events.forEach((e) => { if (at(e) <= pos) { shown++; lastID = Math.max(lastID, e.id); } });
  let score = 100;
  tl.violations.forEach((v) => { if ((v.evidence || {}).log_id <= lastID) score -= v.deduction; });
  score = Math.max(0, score);

  const items = tl.events.map((e) => {
    const later = at(e) > pos;
    return {
      id: e.id, time: e.at || e.created_at,
      title: html`<span class=${later ? "later" : ""} data-id=${e.id} data-t=${at(e)}><span class="mono">${mmss(at(e) / 1000)}</span> <${Badge} kind=${sevKind(e.severity)}>${e.severity}<//> ${describe(e)}</span>`,
    };
  });
  const vcols = [
    { key: "severity", label: "Severity", render: (v) => html`<${Badge} kind=${sevKind(v.severity)}>${v.severity}<//>` },
    { key: "rule", label: "Flag", render: (v) => html`<span data-rule=${v.rule}>${(v.evidence || {}).description || rule(v.rule)}</span>` },
    { key: "evidence", label: "Evidence", render: (v) => { const ev = v.evidence || {}; return ev.metric + " " + ev.value + " " + ev.op + " " + ev.threshold; } },
    { key: "deduction", label: "Deduction", render: (v) => "−" + v.deduction },
    { key: "event", label: "Event", render: (v) => { const ev = v.evidence || {}; return "#" + (ev.seq || ev.log_id); } },
  ];
  const acols = [
    { key: "n", label: "Question", render: (a) => String(a.n) },
    { key: "saved", label: "Saved", render: (a) => (a.saved_at ? "at " + mmss((new Date(a.saved_at).getTime() - tl.start) / 1000) + (new Date(a.saved_at).getTime() - tl.start > pos ? " (later)" : "") : "not answered") },
    { key: "version", label: "Version", render: (a) => (a.saved_at ? String(a.version) : "—") },
  ];
  return html`<div>
    <section class="card" aria-labelledby="at-title">
      <div class="row"><h1 style="margin:0" id="at-title">Attempt ${aid}${tl.name ? " · " + tl.name : ""}</h1><span class="grow"></span>
        <strong id="at-score" title="Trust score (100 = nothing noticed)">Trust score ${tl.score}</strong>
        ${tl.flagged && html`<span id="at-flag"><${Badge} kind="bad">flagged for review<//></span>`}</div>
      <${Message} id="at-msg" text=${err} />
      <div class="row small" style="margin-top:.6rem" role="group" aria-label="Replay">
        <button type="button" id="play" onClick=${play}>${playing ? "Pause" : "Play"}</button>
        <label class="row" for="speed" style="margin:0">Speed</label>
        <select id="speed" style="width:auto" value=${String(speed)} onChange=${(ev) => setSpeed(parseInt(ev.currentTarget.value, 10) || 1)}>
          ${SPEEDS.map((s) => html`<option value=${String(s)}>${s}×</option>`)}
        </select>
        <input type="range" id="scrub" min="0" max=${String(max)} value=${String(pos)} step="100" class="grow" aria-label="Replay position"
          aria-valuetext=${mmss(pos / 1000) + " of " + mmss(max / 1000)}
          onInput=${(ev) => { setPlaying(false); const v = parseInt(ev.currentTarget.value, 10) || 0; setAtEnd(v >= max); setCursor(v); }} />
        <span id="scrub-time" class="mono">${mmss(pos / 1000)} / ${mmss(max / 1000)}</span>
      </div>
      <p class="small" role="status">At this point: score <strong id="replay-score">${score}</strong>, <span id="replay-count">${shown}</span> events.</p>
    </section>
    <div class="grid two">
      <section class="card" aria-labelledby="tl-h">
        <h2 id="tl-h">Timeline</h2>
        <div id="timeline" class="tl-replay small" style="max-height:28rem;overflow:auto" tabindex="0" aria-label="Proctoring events, oldest first">
          <${Timeline} label="Proctoring events" items=${items} empty=${html`<${Empty} title="Nothing recorded yet." />`} />
        </div>
      </section>
      <section class="card" aria-labelledby="v-h">
        <h2 id="v-h">Flags and their evidence</h2>
        <div id="violations"><${Table} caption="Flags raised by the proctoring rules" columns=${vcols} rows=${tl.violations} rowKey=${(v) => v.rule}
          empty=${html`<${Empty} title="No flags.">Nothing crossed a proctoring rule's threshold.<//>`} /></div>
        <h2>Answer history</h2>
        <div id="answers"><${Table} caption="When each answer was last saved" columns=${acols} rows=${tl.answers.map((a, i) => ({ ...a, n: i + 1 }))} rowKey=${(a) => a.n}
          empty=${html`<${Empty} title="No answers saved." />`} /></div>
      </section>
    </div>
  </div>`;
}

// ---- the page ---------------------------------------------------------------------------------
function parseHash() {
  const m = /^#\/(\w+)(?:\/(\d+))?/.exec(location.hash) || [];
  let view = m[1] || "home";
  if (["home", "live", "attempt"].indexOf(view) < 0) view = "home";
  return { view, id: m[2] || "0" };
}
function App() {
  const r = useHashRoute(parseHash);
  const V = { home: Home, live: Live, attempt: Attempt }[r.view];
  return html`<${V} key=${r.view + "/" + r.id} id=${r.id} />`;
}

if (!hb.session.token()) {
  toLogin();
} else {
  document.getElementById("who").textContent = user.username ? user.username + " · " + user.role : "";
  stream.start();
  mount("proctor-root", App);
}
