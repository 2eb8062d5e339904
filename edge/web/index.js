// The landing page's sign-in card: password and face sign-in, sign-up with
// an e-mail code and optional face photos (after the privacy notice), and
// "Forgot password?". Built from ui.js. A deep link (?next=/app.html#/...)
// survives the sign-in.
import { html, render, useState, useEffect, useRef, useForm, Form, Field, Message, Tabs, toast } from "/ui.js";
import { ConsentGate, recordConsent } from "/consent.js";

const api = hb.api;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const USERNAME_RE = /^[A-Za-z0-9_.-]{3,32}$/;

// Same rule as the server (8–72 bytes, a letter and a digit), checked here
// so the person learns it before the round trip.
function passwordProblem(pw) {
  const bytes = new TextEncoder().encode(pw).length;
  if (bytes < 8) return "Password: at least 8 characters.";
  if (bytes > 72) return "Password: at most 72 bytes.";
  if (!/\p{L}/u.test(pw) || !/\p{Nd}/u.test(pw)) return "Password: use letters and at least one digit.";
  return "";
}
const emailRule = (v) => (!v.trim() ? "Enter your e-mail address." : EMAIL_RE.test(v.trim()) ? "" : "Enter a valid e-mail address, like name@example.com.");

// next is where to go after signing in: a same-site path only (an open
// redirect would let a link send people elsewhere after they sign in).
function nextPath() {
  const n = new URLSearchParams(location.search).get("next") || "";
  if (n[0] !== "/" || n[1] === "/" || n[1] === "\\" || /[\r\n]/.test(n)) return "/app.html";
  return n;
}
function signedIn(data, version) {
  hb.session.set(data.token, data.user);
  const go = () => { location.href = nextPath(); };
  // A face sign-in after the notice records the acceptance for this account.
  if (version) recordConsent(version).then(go, go);
  else go();
}

// Already signed in in this tab: go straight on.
if (hb.session.token() && !/[?&]signout/.test(location.search)) {
  api("POST", "/api/auth/verify-token", { token: hb.session.token() }, { auth: false }).then((r) => {
    if (r.data && r.data.valid) location.replace(nextPath());
    else hb.session.clear();
  }, () => { /* stay here */ });
}

// ---- camera -------------------------------------------------------------------

// useCamera ties an hb.Camera to a <video> and its placeholder; leaving the
// view turns the camera off (the light should not stay on).
function useCamera() {
  const video = useRef(null), ph = useRef(null), cam = useRef(null);
  useEffect(() => {
    cam.current = new hb.Camera(video.current, ph.current);
    return () => cam.current.stop();
  }, []);
  return { video, ph, cam };
}
function CameraBox({ c, id, text }) {
  return html`<div class="camera">
    <video id=${id + "-video"} ref=${c.video} playsinline muted aria-label="Your camera picture"></video>
    <div class="placeholder" id=${id + "-placeholder"} ref=${c.ph}>${text}</div>
  </div>`;
}

// ---- development mailbox ------------------------------------------------------------
// With HIREBUS_DEV=1 the edge lists sent mails at /dev/mailbox; show the code
// so a developer running `make run` needs no mail server. In production the
// route does not exist and nothing is shown.
function useDevCode(email, stamp) {
  const [code, setCode] = useState("");
  useEffect(() => {
    setCode("");
    if (!email) return undefined;
    let tries = 0, stop = false, timer = null;
    const look = () => api("GET", "/dev/mailbox", undefined, { auth: false }).then((r) => {
      if (stop) return;
      const mine = (Array.isArray(r.data) ? r.data : []).filter((m) => String(m.to || "").toLowerCase().includes(email.toLowerCase()));
      const last = mine[mine.length - 1];
      const m = last && /\b(\d{6})\b/.exec(String(last.subject || "") + " " + String(last.body || ""));
      if (m) setCode(m[1]);
      else if (++tries < 10) timer = setTimeout(look, 500);
    }, () => { /* not a development server */ });
    look();
    return () => { stop = true; clearTimeout(timer); };
  }, [email, stamp]);
  return code;
}
function DevCode({ id, code, onUse }) {
  if (!code) return html`<div id=${id} class="hidden"></div>`;
  return html`<div id=${id} class="msg info">Development mailbox: your code is <strong>${code}</strong>${" "}
    <button type="button" class="ghost" onClick=${() => onUse(code)}>Use it</button></div>`;
}

// ---- password sign-in ---------------------------------------------------------------
const loginRules = {
  username: (v) => (v.trim() ? "" : "Enter your username or e-mail."),
  password: (v) => (v ? "" : "Enter your password."),
};
function Login({ prefill, notice, go }) {
  const form = useForm({ username: prefill || "", password: "" }, loginRules);
  return html`<${Form} id="login-form" msgId="login-msg" form=${form} submit="Sign in" busyLabel="Signing in…" block
      message=${notice} messageKind="ok"
      onSubmit=${(v) => api("POST", "/api/auth/login", { username: v.username.trim(), password: v.password }, { auth: false })
        .then((r) => signedIn(r.data), (e) => { throw new Error(e.status === 401 ? "Wrong username or password." : e.message); })}>
    <${Field} form=${form} name="username" id="login-username" label="Username or e-mail" autocomplete="username" maxlength="254" required />
    <${Field} form=${form} name="password" id="login-password" type="password" label="Password" autocomplete="current-password" maxlength="72" required />
    <div class="linkrow">
      <a href="#reset" id="forgot-link" onClick=${(ev) => { ev.preventDefault(); go("reset", { email: EMAIL_RE.test(form.values.username.trim()) ? form.values.username.trim() : "" }); }}>Forgot password?</a>
      <a href="#face" onClick=${(ev) => { ev.preventDefault(); go("face"); }}>Sign in with your face</a>
    </div>
  </${Form}>`;
}

// ---- face sign-in -----------------------------------------------------------------
const stepText = { blink: "Close your eyes for a moment, then open them", turn_left: "Turn your head to your left", turn_right: "Turn your head to your right" };
function FaceLogin() {
  return html`<${ConsentGate} id="face-consent-accept">${(version) => html`<${FaceCamera} version=${version} />`}</${ConsentGate}>`;
}
function FaceCamera({ version }) {
  const c = useCamera();
  const [on, setOn] = useState(false);
  const [busy, setBusy] = useState("");
  const [msg, setMsg] = useState("");
  const [step, setStep] = useState("");
  const [needPw, setNeedPw] = useState(false);
  const user = useRef(null), pw = useRef(null), msgRef = useRef(null);
  const fail = (text) => { setMsg(text); setTimeout(() => msgRef.current && msgRef.current.focus(), 0); };
  const start = () => {
    setMsg("");
    c.cam.current.start().then(() => setOn(true), (e) => fail(e.message));
  };
  const go = () => {
    try { c.cam.current.capture(); } catch (e) { return fail(e.message); }
    const username = user.current.value.trim(), password = pw.current ? pw.current.value : "";
    setMsg("");
    setBusy("Follow the instructions…");
    api("POST", "/api/auth/face-challenge", {}, { auth: false })
      .then((r) => (r.data && r.data.challenge_id ? r.data : null), () => null)
      .then((challenge) => c.cam.current.captureChallenge(challenge, (t) => setStep(stepText[t] || t)).then((frames) => {
        const body = { images: frames };
        if (challenge) body.challenge_id = challenge.challenge_id;
        if (username) body.username = username;
        if (password) body.password = password;
        return body;
      }))
      .then((body) => { setBusy("Checking…"); return api("POST", "/api/auth/face-login", body, { auth: false }); })
      .then((r) => {
        if (r.status === 202 && r.data && r.data.op_id) {
          // The face worker is busy: wait, then redeem the operation.
          setMsg("Still checking your photo…");
          const redeem = { op_id: r.data.op_id };
          if (password) redeem.password = password;
          return hb.waitOp(r.data.op_id, 60000).catch(() => {})
            .then(() => api("POST", "/api/auth/face-login", redeem, { auth: false })).then((r2) => r2.data);
        }
        return r.data;
      })
      .then((data) => {
        if (!data || !data.token) throw new Error("face not recognised");
        c.cam.current.stop();
        signedIn(data, version);
      })
      .catch((e) => {
        setBusy("");
        setStep("");
        let text = e.message;
        if (e.code === "liveness_failed" || e.code === "liveness_required" || e.code === "challenge_invalid") {
          text = "The liveness check did not pass (" + e.message + "). Press the button again and follow the instructions under the picture.";
        } else if (e.code === "password_required") {
          setNeedPw(true);
          text = "This account signs in with password and face: enter your password and try again.";
        } else if (e.code === "username_required" || (e.status === 401 && !username)) {
          text = "We could not tell for sure who this is. Enter your username and try again.";
        } else if (e.status === 401) {
          text = "The face does not match this account.";
        }
        fail(text);
      });
  };
  return html`<div>
    <div id="face-msg" ref=${msgRef} tabindex="-1" role="alert" class=${msg ? "msg " + (msg.startsWith("Still") ? "info" : "error") : "msg hidden"}>${msg}</div>
    <${CameraBox} c=${c} id="face" text="Camera is off. Press “Start camera”; the picture stays on this device until you sign in." />
    <p class=${step ? "msg info" : "msg info hidden"} id="face-step" aria-live="assertive">${step}</p>
    <div class="field">
      <label for="face-username">Username or e-mail <span class="hint">(optional — makes recognition stricter and surer)</span></label>
      <input id="face-username" ref=${user} type="text" autocomplete="username" maxlength="254" />
    </div>
    <div class=${needPw ? "field" : "field hidden"} id="face-password-field">
      <label for="face-password">Password <span class="hint">(this account signs in with password and face)</span></label>
      <input id="face-password" ref=${pw} type="password" autocomplete="current-password" maxlength="72" />
    </div>
    <div class="row">
      <button type="button" class="secondary" id="face-start" onClick=${start}>Start camera</button>
      <span class="grow"></span>
      <button type="button" id="face-go" disabled=${!on || !!busy} onClick=${go}>${busy || "Sign in with my face"}</button>
    </div>
  </div>`;
}

// ---- sign-up --------------------------------------------------------------------
function Register({ go, company }) {
  const [step, setStep] = useState(1);
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(0); // bumps on each code sent
  const first = useRef(true);
  useEffect(() => {
    // Each new step puts the focus on its first field.
    if (first.current) { first.current = false; return; }
    const el = document.querySelector("#reg-step" + step + " input");
    if (el) el.focus();
  }, [step]);
  return html`<div>
    <ol class="steps" aria-label="Sign-up steps">
      ${["E-mail", "Code", "Account"].map((t, i) => html`<li class=${i < step ? "done" : ""} aria-current=${i === step - 1 ? "step" : undefined}><span class="visually-hidden">Step ${i + 1}: ${t}</span></li>`)}
    </ol>
    ${step === 1 && html`<${RegEmail} initial=${email} go=${go} onSent=${(e) => { setEmail(e); setSent((n) => n + 1); setStep(2); }} />`}
    ${step === 2 && html`<${RegCode} email=${email} sent=${sent} onResent=${() => setSent((n) => n + 1)} back=${() => setStep(1)} next=${() => setStep(3)} />`}
    ${step === 3 && html`<${RegAccount} email=${email} company=${company} restart=${() => setStep(1)} />`}
  </div>`;
}

function sendCode(email) {
  return api("POST", "/api/auth/send-otp", { email, purpose: "register" }, { auth: false }).catch((e) => {
    throw new Error(e.status === 429 ? "Too many codes requested for this address. Wait a few minutes and try again." : e.message);
  });
}

function RegEmail({ initial, onSent, go }) {
  const form = useForm({ email: initial || "" }, { email: emailRule });
  const [taken, setTaken] = useState("");
  const takenRef = useRef(null);
  useEffect(() => { if (taken && takenRef.current) takenRef.current.focus(); }, [taken]);
  const submit = async (v) => {
    const email = v.email.trim();
    setTaken("");
    // Say at once when the address already has an account (rate-limited
    // on the server; if the check is refused, the code is sent anyway and
    // the last step says so).
    const st = await api("POST", "/api/auth/email-status", { email }, { auth: false }).catch(() => null);
    if (st && st.data && st.data.registered) { setTaken(email); return; }
    await sendCode(email);
    onSent(email);
  };
  return html`<div>
    <${Form} id="reg-step1" msgId="reg-msg" form=${form} submit="Send me a code" busyLabel="Checking…" block onSubmit=${submit}>
      <${Field} form=${form} name="email" id="reg-email" type="email" label="E-mail" autocomplete="email" maxlength="254" required
        hint="We send a 6-digit code to this address to check it is yours." />
    </${Form}>
    ${taken && html`<div class="msg info" id="reg-taken" role="status" tabindex="-1" ref=${takenRef}>
      <p><strong>${taken}</strong> already has a hirebus account.</p>
      <div class="row">
        <button type="button" id="reg-taken-signin" onClick=${() => go("login", { username: taken })}>Sign in</button>
        <button type="button" class="secondary" id="reg-taken-reset" onClick=${() => go("reset", { email: taken })}>Reset its password</button>
      </div>
    </div>`}
  </div>`;
}

const RESEND_WAIT = 30;
function RegCode({ email, sent, onResent, back, next }) {
  const form = useForm({ otp: "" }, { otp: (v) => (/^\d{6}$/.test(v.trim()) ? "" : "The code has 6 digits.") });
  const code = useDevCode(email, sent);
  const [wait, setWait] = useState(RESEND_WAIT);
  const [note, setNote] = useState("");
  useEffect(() => {
    const t = setInterval(() => setWait((w) => (w > 0 ? w - 1 : 0)), 1000);
    return () => clearInterval(t);
  }, [sent]);
  useEffect(() => { setWait(RESEND_WAIT); }, [sent]);
  const resend = () => {
    setNote("");
    sendCode(email).then(() => { onResent(); setNote("A new code is on its way to " + email + "."); }, (e) => setNote(e.message));
  };
  return html`<${Form} id="reg-step2" msgId="reg-msg" form=${form} submit="Verify" busyLabel="Checking…"
      message=${note} messageKind="info"
      onSubmit=${(v) => api("POST", "/api/auth/verify-otp", { email, otp: v.otp.trim(), purpose: "register" }, { auth: false })
        .then(next, (e) => { throw new Error(e.status === 429 ? "Too many wrong tries. Ask for a new code." : e.status === 400 ? "That code is wrong or has expired." : e.message); })}
      secondary=${html`<button type="button" class="ghost" id="reg-back" onClick=${back}>Change e-mail</button>
        <button type="button" class="ghost" id="reg-resend" disabled=${wait > 0} onClick=${resend}>${wait > 0 ? "Send again (" + wait + " s)" : "Send again"}</button>`}>
    <p class="small">We sent a 6-digit code to <strong id="reg-email-shown">${email}</strong>. It is valid for 10 minutes.</p>
    <${DevCode} id="reg-devmail" code=${code} onUse=${(c) => { form.set("otp", c); document.getElementById("reg-otp").focus(); }} />
    <${Field} form=${form} name="otp" id="reg-otp" class="otp" label="Code" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required />
  </${Form}>`;
}

const accountRules = {
  username: (v) => (USERNAME_RE.test(v.trim()) ? "" : "Username: 3–32 letters, digits, dot, dash or underscore."),
  password: (v) => passwordProblem(v),
};
function RegAccount({ email, company, restart }) {
  const form = useForm({ username: "", password: "", role: company ? "recruiter" : "candidate" }, accountRules);
  const [shots, setShots] = useState([]);
  const [version, setVersion] = useState("");
  const camRef = useRef(null);
  const submit = async (v) => {
    if (shots.length > 0 && shots.length < 3) throw new Error("Take at least 3 photos for face sign-in, or remove them.");
    const body = { username: v.username.trim(), email, password: v.password, role: v.role };
    if (shots.length) { body.images = shots.slice(); body.face_consent_version = version; }
    let r;
    try {
      r = await api("POST", "/api/auth/register", body, { auth: false });
    } catch (e) {
      if (e.status === 409 && e.code === "already_registered") throw new Error("That username or e-mail is already taken. Choose another username.");
      if (e.status === 403) { restart(); throw new Error("Your e-mail is not verified any more — request a new code."); }
      if (e.code === "face_unavailable") throw new Error("Face sign-in is not available on this server: remove the photos to continue.");
      throw e;
    }
    if (camRef.current) camRef.current.stop();
    hb.session.set(r.data.token, r.data.user);
    // The app follows the face enrolment live when there is one.
    let next = nextPath();
    if (r.data.enroll_op_id) {
      const hash = next.indexOf("#") >= 0 ? next.slice(next.indexOf("#")) : "";
      next = "/app.html?enroll=" + encodeURIComponent(r.data.enroll_op_id) + hash;
    }
    location.href = next;
  };
  return html`<${Form} id="reg-step3" msgId="reg-msg" submitId="reg-submit" form=${form} submit="Create account" busyLabel="Creating account…" block onSubmit=${submit}>
    <${Field} form=${form} name="username" id="reg-username" label="Username" autocomplete="username" maxlength="32" required
      hint="3–32 letters, digits, dot, dash or underscore." />
    <${Field} form=${form} name="password" id="reg-password" type="password" label="Password" autocomplete="new-password" maxlength="72" required
      hint="8–72 characters with letters and at least one digit." />
    <${Field} form=${form} name="role" id="reg-role" as="select" label="I am" options=${[{ value: "candidate", label: "A candidate" }, { value: "recruiter", label: "Hiring for a company (recruiter)" }]} />
    <details id="reg-face">
      <summary><strong>Face sign-in</strong> <span class="hint">(optional: take 3 photos)</span></summary>
      <div style="margin-top:.7rem">
        <${ConsentGate} id="reg-consent-accept">${(v) => html`<${RegPhotos} version=${v} shots=${shots} setShots=${setShots} onVersion=${setVersion} camRef=${camRef} />`}</${ConsentGate}>
      </div>
    </details>
  </${Form}>`;
}

function RegPhotos({ version, shots, setShots, onVersion, camRef }) {
  const c = useCamera();
  const [on, setOn] = useState(false);
  const [msg, setMsg] = useState("");
  useEffect(() => { onVersion(version); camRef.current = { stop: () => c.cam.current && c.cam.current.stop() }; }, [version]);
  const snap = () => {
    try {
      if (shots.length >= 5) return toast("Five photos are plenty.");
      setShots(shots.concat([c.cam.current.capture()]));
    } catch (e) { setMsg(e.message); }
  };
  return html`<div>
    <p class="small muted">Look straight at the camera in good light, one person in the picture. Turn your head slightly between photos.</p>
    <${Message} text=${msg} />
    <${CameraBox} c=${c} id="reg" text="Camera is off." />
    <div class="shots" id="reg-shots">
      ${shots.map((src, i) => html`<div class="shot"><img src=${src} alt=${"photo " + (i + 1)} />
        <button type="button" aria-label=${"Remove photo " + (i + 1)} onClick=${() => setShots(shots.filter((_, j) => j !== i))}>×</button></div>`)}
    </div>
    <div class="row">
      <button type="button" class="secondary" id="reg-cam" onClick=${() => c.cam.current.start().then(() => setOn(true), (e) => setMsg(e.message))}>Start camera</button>
      <button type="button" class="secondary" id="reg-snap" disabled=${!on} onClick=${snap}>Take photo (${shots.length}/3)</button>
    </div>
  </div>`;
}

// ---- password reset ---------------------------------------------------------------
function Reset({ prefill, go }) {
  const [email, setEmail] = useState("");
  const [sent, setSent] = useState(0);
  const f1 = useForm({ email: prefill || "" }, { email: emailRule });
  const f2 = useForm({ otp: "", password: "" }, {
    otp: (v) => (/^\d{6}$/.test(v.trim()) ? "" : "The code has 6 digits."),
    password: (v) => passwordProblem(v),
  });
  const code = useDevCode(email, sent);
  if (!email) {
    return html`<${Form} id="reset-step1" msgId="reset-msg" form=${f1} submit="Send reset code" busyLabel="Sending…" block
        onSubmit=${(v) => api("POST", "/api/auth/forgot-password", { email: v.email.trim() }, { auth: false }).then(() => { setEmail(v.email.trim()); setSent(1); })}>
      <p class="small">Enter the e-mail of your account; we send it a code to choose a new password.</p>
      <${Field} form=${f1} name="email" id="reset-email" type="email" label="E-mail of your account" autocomplete="email" maxlength="254" required />
    </${Form}>`;
  }
  return html`<${Form} id="reset-step2" msgId="reset-msg" form=${f2} submit="Set new password" busyLabel="Saving…" block
      message=${"If an account uses " + email + ", a reset code is on its way."} messageKind="ok"
      onSubmit=${(v) => api("POST", "/api/auth/reset-password", { email, otp: v.otp.trim(), new_password: v.password }, { auth: false })
        .then(() => go("login", { username: email, notice: "Password changed. Sign in with the new one." }),
          (e) => { throw new Error(e.status === 429 ? "Too many wrong tries. Ask for a new code." : e.status === 400 && e.code === "invalid_otp" ? "That code is wrong or has expired." : e.message); })}>
    <${DevCode} id="reset-devmail" code=${code} onUse=${(c) => { f2.set("otp", c); document.getElementById("reset-otp").focus(); }} />
    <${Field} form=${f2} name="otp" id="reset-otp" class="otp" label="Code from the e-mail" inputmode="numeric" autocomplete="one-time-code" maxlength="6" required />
    <${Field} form=${f2} name="password" id="reset-password" type="password" label="New password" autocomplete="new-password" maxlength="72" required
      hint="8–72 characters with letters and at least one digit." />
  </${Form}>`;
}

// ---- the card -------------------------------------------------------------------
const TABS = [{ id: "login", label: "Sign in" }, { id: "face", label: "Face sign-in" }, { id: "register", label: "Create account" }];
function viewOf(hash) {
  const v = (hash || "").replace(/^#/, "");
  if (v === "register-company") return "register";
  return ["login", "face", "register", "reset"].indexOf(v) >= 0 ? v : "login";
}
function AuthCard() {
  const [view, setView] = useState(viewOf(location.hash));
  const [company, setCompany] = useState(location.hash === "#register-company");
  const [extra, setExtra] = useState({});
  const go = (v, opts) => {
    setExtra(opts || {});
    setView(v);
    history.replaceState(null, "", location.pathname + location.search + "#" + v);
    // Move the focus to the new view's first field (keyboard users land
    // where they can act).
    setTimeout(() => {
      const el = document.querySelector("#auth-root input:not([type=hidden]), #auth-root button[id$=consent-accept]");
      if (el) el.focus();
    }, 0);
  };
  useEffect(() => {
    const onHash = () => {
      if (location.hash === "#register-company") setCompany(true);
      const v = viewOf(location.hash);
      if (v !== view && /^#(login|face|register|reset|register-company)$/.test(location.hash)) { setExtra({}); setView(v); }
    };
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, [view]);
  const n = nextPath();
  const body = (v) => {
    if (v === "login") return html`<${Login} key=${"l" + (extra.username || "")} prefill=${extra.username} notice=${extra.notice} go=${go} />`;
    if (v === "face") return html`<${FaceLogin} />`;
    if (v === "register") return html`<${Register} go=${go} company=${company} />`;
    return null;
  };
  return html`<div>
    ${n !== "/app.html" && html`<p class="msg info small" id="next-note">Sign in to continue to the page you opened.</p>`}
    ${view === "reset"
      ? html`<div>
          <div class="row" style="margin-bottom:.6rem"><h2 style="margin:0" id="reset-title">Reset your password</h2></div>
          <${Reset} prefill=${extra.email} go=${go} />
          <p class="small" style="margin-top:.8rem"><a href="#login" id="reset-back" onClick=${(ev) => { ev.preventDefault(); go("login"); }}>Back to sign in</a></p>
        </div>`
      : html`<${Tabs} tabs=${TABS} selected=${view} label="Sign in or create an account" idPrefix="auth"
          onSelect=${(v) => { setExtra({}); setView(v); history.replaceState(null, "", location.pathname + location.search + "#" + v); }}>${body}</${Tabs}>`}
  </div>`;
}

const root = document.getElementById("auth-root");
root.textContent = ""; // the "Loading…" placeholder
render(html`<${AuthCard} />`, root);
