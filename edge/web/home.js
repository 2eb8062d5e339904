// Home (app.html#/): what happened, in sentences — the stored notifications
// (GET /api/notifications, pushed live as `notification` events) and this
// session's account activity (face set up, codes mailed, submissions graded)
// — and Privacy: the face notice, its recorded consent and deleting one's
// face data. The raw event feed stays in app.js behind the developer toggle.
// Built from ui.js; app.js (a classic script) runs first and shares its
// event stream as hb.app.stream.
import { html, render, useState, useEffect, useCallback, Timeline, Empty, Dialog, Message, toast, fmtWhen } from "/ui.js";
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
    return off;
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
  useEffect(() => {
    load();
    // The face set-up on this page (app.js) asks for the notice first.
    hb.app.onFaceChange = load;
  }, []);
  const del = () => {
    setBusy(true);
    call("DELETE", "/api/user/face").then((r) => hb.app.waitForOp(r.data.op_id, 60000)).then(() => {
      setBusy(false); setConfirm(false);
      setMsg({ text: "Your face data was deleted and face sign-in is off. We sent you a mail to confirm.", kind: "ok" });
      load();
      if (hb.app.refreshHome) hb.app.refreshHome();
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

// ---- the face notice before the set-up camera on this page --------------------------------
// The camera controls of app.html (#enroll-camera) stay hidden until the
// current notice is accepted; the acceptance is recorded for the account.
function EnrollConsent() {
  const [state, setState] = useState("loading");
  useEffect(() => {
    call("GET", "/api/privacy/consents/face").then((r) => setState(r.data.consent && r.data.consent.current ? "ok" : "ask"), () => setState("ask"));
  }, []);
  useEffect(() => { document.getElementById("enroll-camera").classList.toggle("hidden", state !== "ok"); }, [state]);
  if (state === "loading") return html`<p class="small muted" role="status">Loading the privacy notice…</p>`;
  if (state === "ok") return null;
  const done = () => { setState("ok"); if (hb.app.onFaceChange) hb.app.onFaceChange(); };
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

faceNotice().catch(() => {});
render(html`<${Notifications} />`, document.getElementById("home-notes"));
render(html`<${Privacy} />`, document.getElementById("home-privacy"));
render(html`<${EnrollConsent} />`, document.getElementById("enroll-consent"));
