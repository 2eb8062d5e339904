// Home (app.html#/): what happened, in sentences — the stored notifications
// (GET /api/notifications, pushed live as `notification` events) and this
// session's account activity (face set up, codes mailed, submissions graded)
// —, the account, face sign-in set-up (after the face notice) with live
// per-photo progress, and Privacy: the notice, its recorded consent and
// deleting one's face data. The raw event feed stays in app.js behind the
// developer toggle. Built from ui.js; app.js (a classic script) runs first
// and shares its event stream as hb.app.stream.
import { html, render, useState, useEffect, useRef, useCallback, Timeline, Empty, Dialog, Message, toast, fmtWhen } from "/ui.js";
import { faceNotice, NoticeText, ConsentGate, recordConsent } from "/consent.js";

const call = (m, p, b) => hb.app.call(m, p, b);
const loadedAt = Date.now();
const stream = hb.app.stream;

// describe turns a live event into a sentence for Home, or null for events
// that are not news to a person (progress ticks, control messages).
export function describe(msg) {
  const d = msg.data || {};
  switch (msg.type) {
    case "notification":
      return { title: d.title || "New notification", body: d.body };
    case "op.completed": {
      const ok = d.status === "done";
      const err = d.error && (d.error.message || d.error.code);
      switch (d.op_type) {
        case "face_enroll": return ok ? { title: "Face sign-in is ready.", body: "Next time you can sign in with your camera." } : { title: "Face sign-in could not be set up.", body: err };
        case "face_delete": return ok ? { title: "Your face data was deleted.", body: "Face sign-in is off." } : { title: "Deleting your face data failed.", body: err };
        case "welcome": return ok ? { title: "We sent you a welcome mail." } : null;
        case "send_otp": return ok ? { title: "We mailed you a code." } : { title: "A code could not be mailed.", body: err };
        case "code.submit": {
          const r = d.result ? (typeof d.result === "string" ? safeJSON(d.result) : d.result) : {};
          const v = r && (r.verdict || r.status);
          return ok ? { title: "Your submission was graded" + (v ? ": " + (VERDICTS[v] || v) : "") + "." } : { title: "Your submission could not be graded.", body: err };
        }
        default: return null; // runs, detections, frames: shown where they were asked for
      }
    }
    case "session.revoked": return { title: "You were signed out on another device." };
    default: return null;
  }
}
const VERDICTS = { AC: "accepted", WA: "wrong answer", TLE: "time limit exceeded", MLE: "memory limit exceeded", RE: "runtime error", CE: "compile error" };
function safeJSON(s) { try { return JSON.parse(s); } catch (e) { return {}; } }

// ---- notifications ----------------------------------------------------------------
function Notifications() {
  const [page, setPage] = useState(null);
  const [failed, setFailed] = useState("");
  const [live, setLive] = useState([]); // this session's activity sentences
  const load = useCallback(() => call("GET", "/api/notifications?limit=20").then((r) => { setPage(r.data); setFailed(""); }, (e) => setFailed(e.message)), []);
  useEffect(() => {
    const off = stream.on((msg) => {
      if (msg.type === "notification") { load(); return; }
      // Only what happens now: events replayed after a reconnect (or at the
      // first connect) are old news; the stored notifications cover those.
      if (!msg.time || Date.parse(msg.time) < loadedAt - 5000) return;
      const s = describe(msg);
      if (!s) return;
      setLive((old) => [{ id: "live-" + msg.seq + "-" + old.length, time: msg.time || new Date().toISOString(), title: s.title, body: s.body, unread: true }].concat(old).slice(0, 20));
    });
    load();
    const offBus = bus.on(load);
    return () => { off(); offBus(); };
  }, []);
  const items = live.concat(((page && page.items) || []).map((n) => ({
    id: "n" + n.id, time: n.created_at, title: n.title, body: n.body, unread: !n.read_at,
    action: !n.read_at && html`<button type="button" class="ghost small-btn" onClick=${() => call("POST", "/api/notifications/" + n.id + "/read").then(load, (e) => toast(e.message, "error"))}>Mark read<span class="visually-hidden">: ${n.title}</span></button>`,
  })));
  const unread = page ? page.unread : 0;
  return html`<section class="card" aria-labelledby="notes-title" id="notes">
    <div class="row" style="margin-bottom:.5rem">
      <h2 id="notes-title" style="margin:0">What's new</h2>
      ${unread > 0 && html`<span class="badge" id="notes-unread">${unread} unread</span>`}
      <span class="grow"></span>
      ${unread > 0 && html`<button type="button" class="ghost" id="notes-read-all" onClick=${() => call("POST", "/api/notifications/read-all").then(load, (e) => toast(e.message, "error"))}>Mark all read</button>`}
    </div>
    <${Message} text=${failed && "Notifications could not be loaded: " + failed} />
    ${page === null && !failed ? html`<p class="muted small" role="status">Loading…</p>` : html`<${Timeline} label="Notifications" items=${items}
      empty=${html`<${Empty} title="Nothing new.">Updates about your applications, assessments and interviews appear here, and so does your account's activity.</${Empty}>`} />`}
  </section>`;
}

// ---- privacy --------------------------------------------------------------------
function Privacy() {
  const [me, setMe] = useState(null);
  const [rec, setRec] = useState(undefined);
  const [notice, setNotice] = useState(null);
  const [showNotice, setShowNotice] = useState(false);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [msg, setMsg] = useState({ text: "", kind: "ok" });
  const load = () => {
    call("GET", "/api/user/me").then((r) => setMe(r.data), () => {});
    call("GET", "/api/privacy/consents/face").then((r) => { setRec(r.data.consent); setNotice(r.data.notice); }, () => setRec(null));
  };
  useReload(load);
  const del = () => {
    setBusy(true);
    call("DELETE", "/api/user/face").then((r) => hb.app.waitForOp(r.data.op_id, 60000)).then(() => {
      setBusy(false); setConfirm(false);
      setMsg({ text: "Your face data was deleted and face sign-in is off. We sent you a mail to confirm.", kind: "ok" });
      bus.emit();
    }, (e) => { setBusy(false); setConfirm(false); setMsg({ text: "Deleting your face data failed: " + e.message, kind: "error" }); });
  };
  const enrolled = me && me.face_enrolled;
  return html`<section class="card" aria-labelledby="privacy-title" id="privacy">
    <h2 id="privacy-title">Privacy</h2>
    <${Message} id="privacy-msg" text=${msg.text} kind=${msg.kind} focus=${!!msg.text} />
    <dl class="kv">
      <dt>Face data</dt><dd id="face-status">${me === null ? "…" : enrolled ? "stored (face sign-in is on)" : "none stored"}</dd>
      <dt>Face notice</dt><dd id="consent-status">${rec === undefined ? "…" : rec === null ? "not accepted" : rec.current
        ? "accepted version " + rec.version + " " + fmtWhen(rec.accepted_at)
        : rec.withdrawn_at ? "withdrawn " + fmtWhen(rec.withdrawn_at) : "accepted an older version (" + rec.version + ")"}</dd>
    </dl>
    <div class="row" style="margin-top:.8rem">
      <button type="button" class="ghost" id="notice-open" onClick=${() => setShowNotice(true)}>Read the privacy notice</button>
      <button type="button" class="danger" id="face-delete" disabled=${!enrolled && !(rec && rec.current)} onClick=${() => setConfirm(true)}>Delete my face data</button>
    </div>
    <${Dialog} id="notice-dialog" open=${showNotice} title="Face data: privacy notice" onClose=${() => setShowNotice(false)}
      actions=${html`<button type="button" onClick=${() => setShowNotice(false)}>Close</button>`}>
      ${notice && html`<${NoticeText} notice=${notice} />`}
    </${Dialog}>
    <${Dialog} id="face-delete-dialog" open=${confirm} title="Delete your face data?" onClose=${() => !busy && setConfirm(false)}
      actions=${html`<button type="button" class="ghost" id="face-delete-cancel" disabled=${busy} onClick=${() => setConfirm(false)}>Keep it</button>
        <button type="button" class="danger" id="face-delete-confirm" disabled=${busy} onClick=${del}>${busy ? "Deleting…" : "Delete my face data"}</button>`}>
      <p>The description of your face is removed from hirebus and face sign-in is switched off. You sign in with your password from now on; you can set face sign-in up again at any time.</p>
    </${Dialog}>
  </section>`;
}

// ---- the face notice before the set-up camera ---------------------------------------
// The camera stays off until the current notice is accepted; the acceptance
// is recorded for the account (a consent given at registration counts).
function EnrollConsent({ children }) {
  const [state, setState] = useState("loading");
  useEffect(() => {
    call("GET", "/api/privacy/consents/face").then((r) => setState(r.data.consent && r.data.consent.current ? "ok" : "ask"), () => setState("ask"));
  }, []);
  if (state === "loading") return html`<p class="small muted" role="status">Loading the privacy notice…</p>`;
  if (state === "ok") return children;
  const done = () => { setState("ok"); bus.emit(); };
  return html`<${ConsentGate} id="enroll-consent-accept">${(v) => html`<${AutoRecord} version=${v} done=${done} />`}</${ConsentGate}>`;
}
// AutoRecord records the accepted version (just accepted, or accepted
// earlier in this tab) for the account, then lets the camera show.
function AutoRecord({ version, done }) {
  const [err, setErr] = useState("");
  useEffect(() => { recordConsent(version).then(done, (e) => setErr(e.message)); }, [version]);
  return err ? html`<div class="msg error" role="alert">Your consent could not be recorded (${err}); the camera stays off.</div>`
    : html`<p class="small muted" role="status">Recording your consent…</p>`;
}

// bus tells the Home cards that the account changed (face set up or
// deleted, consent given), so each reloads what it shows.
const bus = {
  fns: [],
  on(fn) { this.fns.push(fn); return () => { this.fns = this.fns.filter((f) => f !== fn); }; },
  emit() { this.fns.forEach((f) => f()); },
};
function useReload(load) {
  useEffect(() => { load(); return bus.on(load); }, []);
}

// ---- account --------------------------------------------------------------------
const KNOWN = ["username", "full_name", "email", "role", "id", "face_enrolled", "created_at"];
function Account() {
  const [u, setU] = useState(null);
  const [err, setErr] = useState("");
  useReload(() => call("GET", "/api/user/me").then((r) => {
    const me = r.data || {};
    hb.session.set(hb.session.token(), me);
    document.getElementById("who").textContent = me.username + " · " + me.role;
    setU(me);
  }, (e) => setErr(e.message)));
  const rows = u ? [["Username", u.username], ["Full name", u.full_name || null], ["E-mail", u.email], ["Role", u.role], ["User id", u.id],
    ["Face sign-in", u.face_enrolled === undefined ? null : (u.face_enrolled ? "set up" : "not set up")],
    ["Member since", u.created_at ? new Date(u.created_at).toLocaleString() : null]]
    // Fields this page does not know yet are still shown.
    .concat(Object.keys(u).filter((k) => KNOWN.indexOf(k) < 0 && u[k] !== null && u[k] !== "" && typeof u[k] !== "object").map((k) => [k, u[k]]))
    .filter((kv) => kv[1] !== null && kv[1] !== undefined) : [];
  return html`<section class="card" aria-labelledby="account-title">
    <h2 id="account-title">Your account</h2>
    <${Message} id="me-msg" text=${err} />
    <dl class="kv" id="me">${rows.map((kv) => html`<dt>${kv[0]}</dt><dd>${String(kv[1])}</dd>`)}</dl>
  </section>`;
}

// ---- face sign-in set-up ------------------------------------------------------------
// New photos replace the old ones (POST /api/auth/reset-face, with the
// password); the face worker's face.enroll.progress events show each photo's
// verdict, and the operation's outcome ends it. A registration with photos
// arrives here with ?enroll=<op id> and is followed the same way.
function FaceSetup() {
  const [open, setOpen] = useState(false);
  const [msg, setMsg] = useState({ text: "", kind: "ok" });
  const [progress, setProgress] = useState(null); // {pct, label}
  const follow = useCallback((opId) => {
    if (!opId) return;
    setProgress({ pct: 5, label: "Checking photos…" });
    const off = stream.on("face.enroll.progress", (m) => {
      if (m.op_id && m.op_id !== opId) return;
      const d = m.data || {};
      const done = d.done !== undefined ? d.done : (d.index !== undefined ? d.index + 1 : null);
      let text = done !== null && d.total ? "Photo " + done + " of " + d.total : "Working…";
      if (d.ok === false) text += ": not usable (" + String(d.reason || "rejected").replace(/_/g, " ") + (d.detail ? " — " + d.detail : "") + ")";
      else if (d.ok === true) text += ": ok";
      setProgress({ pct: done !== null && d.total ? Math.round(100 * done / d.total) : 50, label: text });
    });
    hb.app.waitForOp(opId, 120000).then(() => {
      off();
      setProgress({ pct: 100, label: "Done." });
      setMsg({ text: "Face sign-in is ready. Next time you can sign in with your camera.", kind: "ok" });
      setTimeout(() => setProgress(null), 1500);
      bus.emit();
    }, (e) => {
      off();
      setProgress(null);
      setMsg({ text: "Face set-up failed: " + e.message + ". You can try again with new photos.", kind: "error" });
    });
  }, []);
  useEffect(() => {
    const op = new URLSearchParams(location.search).get("enroll");
    if (op) {
      history.replaceState(null, "", location.pathname + location.hash);
      follow(op);
    }
  }, []);
  return html`<section class="card" aria-labelledby="face-title">
    <h2 id="face-title">Face sign-in</h2>
    <div id="enroll-msg" role=${msg.kind === "error" ? "alert" : "status"} class=${msg.text ? "msg " + msg.kind : "msg hidden"}>${msg.text}</div>
    <div id="enroll-progress" class=${progress ? "" : "hidden"} style="margin-bottom:.75rem">
      <div class="row small"><span id="enroll-label" aria-live="polite">${progress ? progress.label : ""}</span></div>
      <div class="progress" role="presentation"><div id="enroll-bar" style=${"width:" + (progress ? progress.pct : 0) + "%"}></div></div>
    </div>
    <p class="small muted">Take 3 clear photos of your face to sign in with the camera. New photos replace the old ones.</p>
    <details id="enroll-box" open=${open} onToggle=${(ev) => setOpen(ev.currentTarget.open)}>
      <summary class="button secondary">Set up / replace face sign-in</summary>
      <div style="margin-top:.75rem">
        ${open && html`<${EnrollConsent}><${FacePhotos} onSent=${(opId) => { setOpen(false); setMsg({ text: "", kind: "ok" }); follow(opId); }} onError=${(text) => setMsg({ text, kind: "error" })} /></${EnrollConsent}>`}
      </div>
    </details>
  </section>`;
}

function FacePhotos({ onSent, onError }) {
  const video = useRef(null), ph = useRef(null), cam = useRef(null), pw = useRef(null);
  const [on, setOn] = useState(false);
  const [shots, setShots] = useState([]);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    cam.current = new hb.Camera(video.current, ph.current);
    // Leaving Home, or closing the box, turns the camera off.
    hb.app.home.leaveFns.add(stop);
    function stop() { cam.current.stop(); setOn(false); }
    return () => { hb.app.home.leaveFns.delete(stop); cam.current.stop(); };
  }, []);
  const snap = () => {
    try {
      if (shots.length >= 5) return toast("Five photos are plenty.");
      setShots(shots.concat([cam.current.capture()]));
    } catch (e) { onError(e.message); }
  };
  const send = () => {
    setBusy(true);
    onError("");
    call("POST", "/api/auth/reset-face", { images: shots.slice(), password: pw.current.value }).then((r) => {
      setBusy(false);
      cam.current.stop();
      onSent(r.data.op_id);
    }, (e) => { setBusy(false); onError(e.message); });
  };
  return html`<div id="enroll-camera">
    <div class="camera">
      <video id="enroll-video" ref=${video} playsinline muted aria-label="Your camera picture"></video>
      <div class="placeholder" id="enroll-placeholder" ref=${ph}>Camera is off.</div>
    </div>
    <div class="shots" id="enroll-shots">
      ${shots.map((src, i) => html`<div class="shot"><img src=${src} alt=${"photo " + (i + 1)} />
        <button type="button" aria-label=${"Remove photo " + (i + 1)} onClick=${() => setShots(shots.filter((_, j) => j !== i))}>×</button></div>`)}
    </div>
    <div class="field">
      <label for="enroll-password">Your password (replacing the face needs it)</label>
      <input type="password" id="enroll-password" ref=${pw} autocomplete="current-password" />
    </div>
    <div class="row">
      <button type="button" class="secondary" id="enroll-cam" onClick=${() => cam.current.start().then(() => setOn(true), (e) => onError(e.message))}>Start camera</button>
      <button type="button" class="secondary" id="enroll-snap" disabled=${!on} onClick=${snap}>Take photo (${shots.length}/3)</button>
      <span class="grow"></span>
      <button type="button" id="enroll-send" disabled=${shots.length < 3 || busy} onClick=${send}>${busy ? "Sending…" : "Save"}</button>
    </div>
  </div>`;
}

// app.js routes to Home with show() and away with leave().
const leaveFns = new Set();
hb.app.home = {
  leaveFns,
  show() { bus.emit(); },
  leave() { leaveFns.forEach((f) => f()); },
};

faceNotice().catch(() => {});
function mountIn(id, vnode) {
  const el = document.getElementById(id);
  el.textContent = "";
  render(vnode, el);
}
mountIn("home-account", html`<${Account} />`);
mountIn("home-face", html`<${FaceSetup} />`);
mountIn("home-privacy", html`<${Privacy} />`);
mountIn("home-notes", html`<${Notifications} />`);
