// consent.js — the face notice every page shows before it turns a camera on
// (sign-in, sign-up, face replacement; assessments when they move to ui.js).
// The text comes from the server (GET /api/privacy/notices/face) so the
// version the person accepts is the version of the text they read; the page
// sends that version back to be recorded (domain/consent).
import { html, useState, useEffect, useRef } from "/ui.js";

const KEY = "hirebus.face_consent";
let cached = null;

// faceNotice fetches the current face notice once per page.
export function faceNotice() {
  if (!cached) {
    cached = hb.api("GET", "/api/privacy/notices/face", undefined, { auth: false }).then((r) => r.data);
    cached.catch(() => { cached = null; });
  }
  return cached;
}

// acceptedVersion is the version accepted in this tab (sessionStorage), if
// it is still the current one.
export function acceptedVersion(notice) {
  const v = sessionStorage.getItem(KEY);
  return notice && v === notice.version ? v : "";
}

// recordConsent stores the acceptance on the server for the signed-in user
// (after registration or face sign-in the page calls it with the new token).
export function recordConsent(version) {
  return hb.api("POST", "/api/privacy/consents", { notice: "face", version });
}

// NoticeText renders the notice: what is stored, for how long, how to delete.
export function NoticeText({ notice }) {
  return html`<div class="notice">
    <h3>${notice.title}</h3>
    <p>${notice.summary}</p>
    <p class="small"><strong>What is stored</strong></p>
    <ul class="small">${notice.stored.map((s) => html`<li>${s}</li>`)}</ul>
    <p class="small"><strong>How long</strong> ${notice.retention}</p>
    <p class="small"><strong>Deleting it</strong> ${notice.delete}</p>
    <p class="small muted">Notice version ${notice.version}.</p>
  </div>`;
}

// ConsentGate shows the notice and an "I agree" button; the camera UI
// (children(version)) appears only after agreeing. id names the agree
// button (tests and labels use it).
export function ConsentGate({ id, children, onAccept }) {
  const [notice, setNotice] = useState(null);
  const [failed, setFailed] = useState("");
  const [version, setVersion] = useState("");
  const [justAccepted, setJustAccepted] = useState(false);
  const box = useRef(null);
  useEffect(() => {
    faceNotice().then((n) => { setNotice(n); setVersion(acceptedVersion(n)); }, (e) => setFailed(e.message));
  }, []);
  useEffect(() => {
    // The agree button is gone: put the focus on the first control that
    // replaced it, so a keyboard user goes on from there.
    if (!justAccepted || !box.current) return;
    const el = box.current.querySelector("button:not([disabled]), input, select, textarea");
    if (el) el.focus();
  }, [justAccepted]);
  if (failed) return html`<div class="msg error" role="alert">The privacy notice could not be loaded (${failed}); the camera stays off.</div>`;
  if (!notice) return html`<p class="small muted" role="status">Loading the privacy notice…</p>`;
  if (version) return html`<div ref=${box}>${children(version)}</div>`;
  return html`<div>
    <${NoticeText} notice=${notice} />
    <div class="row" style="margin-top:.7rem">
      <button type="button" id=${id} onClick=${() => {
        sessionStorage.setItem(KEY, notice.version);
        setVersion(notice.version);
        setJustAccepted(true);
        if (onAccept) onAccept(notice.version);
      }}>I agree — turn on the camera</button>
    </div>
  </div>`;
}
