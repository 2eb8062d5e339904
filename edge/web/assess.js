// The assessment pages, built from ui.js. Recruiters: the company's
// assessments, the builder (MCQ, text and coding questions, proctoring,
// window; inline validation) and each assessment's results (scoring text
// answers, releasing results in a dialog), updated live by the
// assessment.submitted / assessment.graded pushes. Candidates: "my
// assessments", the lobby (rules, consent, the face notice before the camera
// check, optional liveness), the taking page (the server's countdown, a
// question navigator as tabs, the CodeMirror editor with Run, autosave, a
// confirmation dialog to submit) and the results page. The countdown is the
// server's deadline minus the server's clock at the last answer, run on the
// browser's monotonic clock: the browser's wall clock is never used.
// proctor-signals.js (a classic script on the same page) sends the
// proctoring signals of the taking page.
import { html, useState, useEffect, useRef, useCallback, useForm, Form, Field, Message, toast, Table, Empty, Dialog, Tabs, Badge, mount, useHashRoute } from "/ui.js";
import { ConsentGate, recordConsent } from "/consent.js";

const COMPANY_KEY = "hirebus.company";
const VIEWS = ["mine", "lobby", "take", "result", "list", "build", "results"];

// No session (or an expired one): sign in, then come back here.
function toLogin() { const to = hb.signInPath(); hb.session.clear(); location.replace(to); }
function call(method, path, body) {
  return hb.api(method, path, body).catch((e) => {
    if (e.status === 401) toLogin();
    throw e;
  });
}
const user = hb.session.user() || {};
const isRecruiter = () => user.role === "recruiter" || user.role === "admin";
const label = (s) => String(s || "").replace(/_/g, " ");
const when = (t) => (t ? new Date(t).toLocaleString() : "");
const statusKind = (s) => (s === "graded" ? "ok" : s === "active" ? "pending" : "");
function Status({ s }) {
  return html`<span class=${"badge " + statusKind(s)} data-status=${s}>${label(s)}</span>`;
}

// Markdown shows hb.markdown's DOM (built node by node, never innerHTML).
function Markdown({ src, className = "statement" }) {
  const ref = useRef(null);
  useEffect(() => {
    if (!ref.current) return;
    hb.clear(ref.current).appendChild(hb.markdown(src || ""));
  }, [src]);
  return html`<div class=${className} ref=${ref}></div>`;
}

// companyId is the company the recruiter works in (the one picked on the
// hiring pages, else their first).
function companyId() {
  return call("GET", "/api/companies").then((r) => {
    let id = parseInt(sessionStorage.getItem(COMPANY_KEY) || "0", 10);
    if (!r.data.items.some((c) => c.id === id)) id = r.data.items.length ? r.data.items[0].id : 0;
    return id;
  });
}

// ---- live events -------------------------------------------------------------
const stream = new hb.EventStream();
const refreshers = new Set(); // views that reload on an attempt's news
stream.onstatus = (state, detail) => {
  document.getElementById("ws-dot").className = "status-dot " + state;
  document.getElementById("ws-text").textContent = detail;
};
stream.on("notification", (msg) => toast((msg.data || {}).title || "New notification"));
stream.on("assessment.submitted", () => { toast("An attempt was submitted."); refreshers.forEach((f) => f()); });
stream.on("assessment.graded", () => { toast("An attempt was graded."); refreshers.forEach((f) => f()); });

// useRefresh re-runs load when an attempt is submitted or graded.
function useRefresh(load) {
  useEffect(() => {
    refreshers.add(load);
    return () => refreshers.delete(load);
  }, [load]);
}

// useLoad runs a promise-returning load once (and again when deps change)
// and keeps its result or error.
function useLoad(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const run = useCallback(() => load().then((data) => setState({ data, error: null, loading: false }), (error) => setState((s) => ({ ...s, error, loading: false }))), deps);
  useEffect(() => { run(); }, [run]);
  return [state, run];
}

// ---- candidate: my assessments -------------------------------------------------
function Mine() {
  const [st] = useLoad(() => call("GET", "/api/assessments").then((r) => r.data.items), []);
  const items = st.data || [];
  const cols = [
    { key: "title", label: "Assessment", render: (a) => html`<strong data-assessment=${a.assessment_id}>${a.title}</strong>` },
    { key: "company_name", label: "Company" },
    { key: "duration_minutes", label: "Minutes" },
    { key: "window", label: "Open", render: (a) => (a.opens_at || a.closes_at ? (a.opens_at ? "from " + when(a.opens_at) : "") + (a.closes_at ? " until " + when(a.closes_at) : "") : "any time") },
    { key: "status", label: "Status", render: (a) => html`<${Status} s=${a.status} />` },
    { key: "go", label: "Next step", render: (a) => a.status === "invited" ? html`<a href=${"#/lobby/" + a.assessment_id}>Open the lobby</a>`
      : a.status === "active" ? html`<a href=${"#/take/" + a.assessment_id}>Continue</a>`
      : html`<a href=${"#/result/" + a.assessment_id}>${a.results_released ? "See results" : "Status"}</a>` },
  ];
  return html`<section class="card" aria-labelledby="mine-h">
    <h1 id="mine-h">My assessments</h1>
    <${Message} id="mine-msg" text=${st.error && st.error.message} />
    ${st.loading ? html`<p class="muted small" role="status">Loading…</p>` : html`<div id="mine-list">
      <${Table} caption="Assessments you were invited to" columns=${cols} rows=${items} rowKey=${(a) => a.assessment_id}
        empty=${html`<${Empty} title="No assessment invitations yet.">When a company invites you to an assessment it shows here, and you get a notification.<//>`} />
    </div>`}
  </section>`;
}

// ---- candidate: lobby ------------------------------------------------------------
let camera = null; // the lobby's camera (liveness check); stopped when the lobby goes
function Lobby({ id }) {
  const [a, setA] = useState(null);
  const [msg, setMsg] = useState("");
  const [step, setStep] = useState("");
  const [agree, setAgree] = useState(false);
  const [busy, setBusy] = useState("");
  const [camText, setCamText] = useState("Starting the camera…");
  const video = useRef(null);
  const ph = useRef(null);
  useEffect(() => {
    call("GET", "/api/assessments/" + id).then((r) => {
      const d = r.data;
      if (d.attempt) { location.hash = d.attempt.status === "active" ? "#/take/" + id : "#/result/" + id; return; }
      setA(d);
    }, (e) => setMsg(e.status === 404 ? "This assessment does not exist or you are not invited." : e.message));
    return () => { if (camera) { camera.stop(); camera = null; } };
  }, [id]);
  const startCamera = useCallback(() => {
    if (!video.current || camera) return;
    camera = new hb.Camera(video.current, ph.current);
    camera.start().catch((e) => setCamText("Camera: " + e.message));
  }, []);
  if (!a) return html`<section class="card"><h1>Assessment lobby</h1><${Message} id="lobby-msg" text=${msg} focus=${true} />${!msg && html`<p class="muted small" role="status">Loading…</p>`}</section>`;

  const p = a.proctoring;
  const needCam = p.webcam || p.liveness;
  const kinds = {};
  a.questions.forEach((q) => { kinds[q.kind] = (kinds[q.kind] || 0) + 1; });
  const start = async () => {
    setMsg("");
    setBusy("Starting…");
    if (p.fullscreen && document.documentElement.requestFullscreen) document.documentElement.requestFullscreen().catch(() => {});
    const body = { consent: true, consent_version: a.consent.version };
    try {
      if (p.liveness) body.liveness_token = await livenessToken(setStep, setBusy);
      setBusy("Starting…");
      await call("POST", "/api/assessments/" + id + "/start", body);
      location.hash = "#/take/" + id;
    } catch (e) {
      setStep("");
      let text = e.message;
      if (e.code === "face_not_enrolled") text = "This assessment checks your face, and your account has no enrolled face: enrol one from your profile first.";
      else if (e.code === "liveness_failed" || e.code === "challenge_invalid" || e.code === "liveness_token_invalid") text = "The liveness check did not pass (" + e.message + "). Press Start again and follow the instructions under the picture.";
      else if (e.code === "face_not_recognized") text = "The face on camera does not match the face enrolled on your account.";
      setMsg(text);
    } finally {
      setBusy("");
    }
  };
  return html`<section class="card" style="max-width:760px" aria-labelledby="lobby-title">
    <h1 id="lobby-title">${a.title} · ${a.company_name}</h1>
    <${Message} id="lobby-msg" text=${msg} focus=${true} />
    <h2>Rules</h2>
    <ul id="lobby-rules">
      <li>${a.duration_minutes} minutes from the moment you press Start; the clock is kept by the server and does not stop if you close the page.</li>
      <li>${a.questions.length} questions: ${Object.keys(kinds).map((k) => kinds[k] + " " + k).join(", ")}.</li>
      <li>Answers are saved as you type; when time runs out the saved answers are submitted for you.</li>
      ${p.webcam && html`<li>Webcam proctoring: a frame every ${p.frame_interval_s} s is checked for your face.</li>`}
      ${p.fullscreen && html`<li>The assessment opens in full screen; please stay in it.</li>`}
      ${p.liveness && html`<li>Liveness check: when you press Start, follow the instructions under the camera picture; your face is compared with the face enrolled on your account.</li>`}
    </ul>
    ${needCam && html`<div id="lobby-camera">
      <h2>Camera check</h2>
      <${ConsentGate} id="lobby-face-agree" onAccept=${(v) => { recordConsent(v).catch(() => {}); }}>${() => html`<${CameraBox} video=${video} ph=${ph} text=${camText} onReady=${startCamera} />
        <${Message} id="lobby-step" text=${step} kind="info" />`}<//>
    </div>`}
    <h2>Consent</h2>
    <p class="small" id="lobby-consent">${a.consent.text} (terms version ${a.consent.version})</p>
    <label class="row small"><input type="checkbox" id="lobby-agree" style="width:auto" checked=${agree}
      onChange=${(ev) => setAgree(ev.currentTarget.checked)} /> I have read the rules and agree to these terms.</label>
    <div class="row" style="margin-top:1rem">
      <button type="button" id="lobby-start" disabled=${!agree || !!busy} onClick=${start}>${busy || "Start the assessment"}</button>
    </div>
  </section>`;
}
// CameraBox is the lobby's camera picture; it starts the camera once shown.
function CameraBox({ video, ph, text, onReady }) {
  useEffect(() => { onReady(); }, []);
  return html`<div class="camera" style="max-width:320px"><video id="lobby-video" ref=${video} autoplay playsinline muted aria-label="Your camera"></video>
    <div class="placeholder" id="lobby-cam-ph" ref=${ph}>${text}</div></div>`;
}
// livenessToken runs the face liveness challenge (the sign-in page's steps,
// hb.Camera.captureChallenge) against the candidate's own enrolled face and
// resolves with the single-use token the start needs.
async function livenessToken(setStep, setBusy) {
  if (!camera) throw new Error("the camera is needed for the liveness check");
  camera.capture(); // throws when the camera is not running yet
  setBusy("Follow the instructions…");
  const ch = await call("POST", "/api/auth/face-challenge", {});
  const frames = await camera.captureChallenge(ch.data, (text) => setStep(text));
  setBusy("Checking your face…");
  const r = await call("POST", "/api/auth/face-liveness", { challenge_id: ch.data.challenge_id, images: frames });
  if (r.status === 202 && r.data && r.data.op_id) {
    // The face worker is busy: the finished operation is the token.
    const op = await hb.waitOp(r.data.op_id, 60000);
    const res = op.result || {};
    if (!res.matched) throw Object.assign(new Error("the face does not match your enrolled face"), { code: "face_not_recognized" });
    if (!res.liveness || !res.liveness.passed) throw Object.assign(new Error((res.liveness && res.liveness.reason) || "no challenge was checked"), { code: "liveness_failed" });
    return r.data.op_id;
  }
  return r.data.liveness_token;
}

// ---- candidate: taking it ----------------------------------------------------------

// Countdown shows the time left on the server's clock (clock.endsAt is on
// performance.now()); it calls onExpire once when it reaches zero.
function Countdown({ clock, onExpire }) {
  const [, setTick] = useState(0);
  const fired = useRef(false);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), 250);
    return () => clearInterval(t);
  }, []);
  const left = Math.max(0, clock.endsAt - performance.now());
  const s = Math.ceil(left / 1000);
  useEffect(() => {
    if (left <= 0 && !fired.current) { fired.current = true; onExpire(); }
  });
  const text = Math.floor(s / 60) + ":" + ("0" + (s % 60)).slice(-2);
  // The visible clock changes every second; screen readers get the minutes
  // (a live region announcing every second would drown everything else).
  return html`<span class="row">
    <strong id="countdown" data-remaining=${String(s)} style="font-family:var(--mono);font-size:1.3rem" aria-hidden="true">${text}</strong>
    <span class="visually-hidden" role="timer" aria-live="off">Time left ${Math.floor(s / 60)} minutes</span>
  </span>`;
}

function Take({ id }) {
  const [take, setTake] = useState(null); // {assessment, attempt}
  const [msg, setMsg] = useState({ text: "", kind: "error" });
  const [index, setIndex] = useState(0);
  const [save, setSaveState] = useState({ state: "idle", text: "All saved" });
  const [, setAnsweredTick] = useState(0);
  const [confirm, setConfirm] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const answers = useRef({}); // qid → {version, answer}
  const timers = useRef({});
  const clock = useRef({ endsAt: 0 });
  const videoRef = useRef(null);

  const syncClock = (deadline, serverNow) => {
    clock.current.endsAt = performance.now() + (new Date(deadline).getTime() - new Date(serverNow).getTime());
  };
  useEffect(() => {
    let alive = true, cam = null, frameTimer = null;
    call("GET", "/api/assessments/" + id).then((r) => {
      const a = r.data;
      if (!alive) return;
      if (!a.attempt) { location.hash = "#/lobby/" + id; return; }
      if (a.attempt.status !== "active") { location.hash = "#/result/" + id; return; }
      a.attempt.answers.forEach((x) => { answers.current[x.question_id] = { version: x.version, answer: x.answer || {} }; });
      syncClock(a.attempt.deadline, a.attempt.server_now);
      setTake({ assessment: a, attempt: a.attempt });
      // Webcam proctoring: a frame every frame_interval_s to POST
      // /api/proctor/frame for this attempt (refused by the server once the
      // attempt is closed).
      if (a.proctoring.webcam && videoRef.current) {
        cam = new hb.Camera(videoRef.current, null);
        cam.start().then(() => {
          if (!alive) { cam.stop(); return; }
          frameTimer = setInterval(() => {
            let img;
            try { img = cam.capture(); } catch (e) { return; }
            call("POST", "/api/proctor/frame", { attempt_id: a.attempt.id, image: img }).catch((e) => {
              if (e.status === 409 || e.status === 404) { clearInterval(frameTimer); frameTimer = null; }
            });
          }, Math.max(5, a.proctoring.frame_interval_s) * 1000);
        }, (e) => setMsg({ text: "Camera: " + e.message + " — webcam proctoring needs your camera.", kind: "error" }));
      }
    }, (e) => setMsg({ text: e.message, kind: "error" }));
    return () => {
      alive = false;
      clearInterval(frameTimer);
      if (cam) cam.stop();
      Object.values(timers.current).forEach(clearTimeout);
    };
  }, [id]);

  // After the deadline the server submits; follow it to the results page.
  const waitSubmitted = useCallback(() => {
    let tries = 0;
    const poll = () => {
      call("GET", "/api/assessments/" + id).then((r) => {
        if (r.data.attempt && r.data.attempt.status !== "active") { location.hash = "#/result/" + id; return; }
        if (++tries < 120 && location.hash === "#/take/" + id) setTimeout(poll, 1000);
      }, () => { if (++tries < 120) setTimeout(poll, 1000); });
    };
    poll();
  }, [id]);

  const q = take && take.assessment.questions[index];
  const saveNow = useCallback((q) => {
    const st = answers.current[q.id];
    const a = st.answer || {};
    const body = {};
    if (q.kind === "mcq") body.choices = a.choices || [];
    if (q.kind === "text") body.text = a.text || "";
    if (q.kind === "code") { body.language = a.language; body.source = a.source || ""; }
    return call("PUT", "/api/attempts/" + take.attempt.id + "/answers/" + q.id, body).then((r) => {
      st.version = r.data.version;
      syncClock(r.data.deadline, new Date(new Date(r.data.deadline).getTime() - r.data.remaining_ms).toISOString());
      setSaveState({ state: "saved", text: "Saved · v" + r.data.version });
      setAnsweredTick((n) => n + 1);
    }, (e) => {
      if (e.status === 409) {
        setSaveState({ state: "error", text: "Closed" });
        setMsg({ text: e.message, kind: "error" });
        waitSubmitted();
        return;
      }
      setSaveState({ state: "error", text: "Not saved — retrying" });
      timers.current[q.id] = setTimeout(() => saveNow(q), 3000);
    });
  }, [take, waitSubmitted]);
  const queueSave = useCallback((q, answer) => {
    answers.current[q.id] = answers.current[q.id] || { version: 0 };
    answers.current[q.id].answer = answer;
    setSaveState({ state: "pending", text: "Saving…" });
    clearTimeout(timers.current[q.id]);
    timers.current[q.id] = setTimeout(() => { delete timers.current[q.id]; saveNow(q); }, 600);
  }, [saveNow]);

  const submit = async () => {
    setSubmitting(true);
    try {
      // Pending autosaves first: what the candidate typed is what is frozen.
      const pending = Object.keys(timers.current).map((qid) => {
        clearTimeout(timers.current[qid]);
        delete timers.current[qid];
        const qq = take.assessment.questions.find((x) => String(x.id) === qid);
        return qq ? saveNow(qq) : null;
      });
      await Promise.all(pending);
      await call("POST", "/api/assessments/" + take.assessment.id + "/submit");
      setConfirm(false);
      location.hash = "#/result/" + take.assessment.id;
    } catch (e) {
      setConfirm(false);
      setMsg({ text: e.message, kind: "error" });
    } finally {
      setSubmitting(false);
    }
  };

  const answered = (q) => {
    const a = (answers.current[q.id] || {}).answer || {};
    return !!((a.choices && a.choices.length) || a.text || a.source);
  };
  const saveKind = save.state === "saved" || save.state === "idle" ? "ok" : save.state === "error" ? "bad" : "pending";
  const questions = take ? take.assessment.questions : [];
  const done = questions.filter(answered).length;
  return html`<div>
    <section class="card" aria-labelledby="take-title">
      <div class="row">
        <h1 id="take-title" style="margin:0">${take ? take.assessment.title : "Assessment"}</h1><span class="grow"></span>
        <span class=${"badge " + saveKind} id="save-state" data-state=${save.state} role="status">${save.text}</span>
        ${take && html`<${Countdown} clock=${clock.current} onExpire=${() => {
          setMsg({ text: "Time is up: the server submits your saved answers.", kind: "info" });
          waitSubmitted();
        }} />`}
      </div>
      <${Message} id="take-msg" text=${msg.text} kind=${msg.kind} />
      <video id="proctor-video" ref=${videoRef} class="hidden" autoplay playsinline muted aria-hidden="true"></video>
      ${take && html`<p class="small muted" id="take-progress">${done} of ${questions.length} answered. Use the arrow keys on the question tabs to move between questions.</p>`}
    </section>
    ${take && html`<section class="card" id="navigator" aria-label="Questions">
      <${Tabs} label="Questions" idPrefix="q" selected=${String(index + 1)} onSelect=${(t) => setIndex(parseInt(t, 10) - 1)}
        tabs=${questions.map((qq, i) => ({ id: String(i + 1), label: (i + 1) + (answered(qq) ? " ✓" : "") + " · " + qq.kind }))}>
        ${() => html`<div id="question"><${Question} key=${q.id} q=${q} n=${index + 1} cur=${(answers.current[q.id] || {}).answer || {}} onAnswer=${(ans) => queueSave(q, ans)} /></div>`}
      <//>
    </section>
    <section class="card">
      <div class="row end">
        <button type="button" id="submit-btn" onClick=${() => setConfirm(true)}>Submit…</button>
      </div>
    </section>
    <${Dialog} id="confirm-box" open=${confirm} title="Submit your answers?" onClose=${() => setConfirm(false)}
      actions=${html`<button type="button" class="ghost" id="confirm-no" onClick=${() => setConfirm(false)}>Keep working</button>
        <button type="button" id="confirm-yes" autofocus disabled=${submitting} onClick=${submit}>${submitting ? "Submitting…" : "Yes, submit"}</button>`}>
      <p>Submit now? Your answers are frozen and you cannot change them afterwards.</p>
      <p class="small muted">${done} of ${questions.length} questions answered.</p>
    <//>`}
  </div>`;
}

function Question({ q, n, cur, onAnswer }) {
  const [choices, setChoices] = useState((cur.choices || []).slice());
  const [text, setText] = useState(cur.text || "");
  const uid = "q" + q.id;
  return html`<div>
    <h2 id=${uid + "-h"}>Question ${n} · ${q.points} points</h2>
    ${q.prompt && html`<${Markdown} src=${q.prompt} />`}
    ${q.kind === "mcq" && html`<fieldset class="choices">
      <legend class="small muted">${q.multiple ? "Choose all that apply" : "Choose one"}</legend>
      ${q.options.map((o, i) => html`<label class="row" key=${i}>
        <input type=${q.multiple ? "checkbox" : "radio"} name=${"mcq-" + q.id} value=${String(i)} data-option=${String(i)} style="width:auto"
          checked=${choices.indexOf(i) >= 0}
          onChange=${(ev) => {
            let next;
            if (q.multiple) next = ev.currentTarget.checked ? choices.concat([i]).sort() : choices.filter((c) => c !== i);
            else next = [i];
            setChoices(next);
            onAnswer({ choices: next });
          }} />
        <span>${o}</span></label>`)}
    </fieldset>`}
    ${q.kind === "text" && html`<div class="field">
      <label for="answer-text">Your answer</label>
      <textarea id="answer-text" rows="10" maxlength=${String(q.max_length || 20000)} value=${text}
        aria-describedby="answer-text-hint"
        onInput=${(ev) => { const v = ev.currentTarget.value; setText(v); onAnswer({ text: v }); }}></textarea>
      <div class="hint" id="answer-text-hint">At most ${q.max_length || 20000} bytes; saved as you type.</div>
    </div>`}
    ${q.kind === "code" && html`<${CodeAnswer} q=${q} cur=${cur} onAnswer=${onAnswer} />`}
  </div>`;
}

// CodeAnswer is a coding question: the problem, the editor (editor.js:
// CodeMirror with a keyboard way out) in #answer-editor over the hidden
// textarea #answer-code, which stays the value that is saved (an input event
// on it updates the editor), the language, Run on an input.
function CodeAnswer({ q, cur, onAnswer }) {
  const [langs, setLangs] = useState(null);
  const [lang, setLang] = useState(cur.language || "");
  const [problem, setProblem] = useState(null);
  const [failed, setFailed] = useState("");
  const [stdin, setStdin] = useState("");
  const [help, setHelp] = useState("");
  const [run, setRun] = useState({ busy: false, verdict: "", text: "" });
  const box = useRef(null);
  const ta = useRef(null);
  const ed = useRef(null);
  const state = useRef({ lang: cur.language || "", starter: {} });
  useEffect(() => {
    let alive = true;
    // The editor (CodeMirror) is loaded only by pages that show code.
    Promise.all([call("GET", "/api/code/languages"), import("/editor.js")]).then(([r, editor]) => {
      if (!alive) return;
      setHelp(editor.EDITOR_HELP);
      const all = (r.data.languages || []).map((l) => l.id);
      const list = q.languages && q.languages.length ? q.languages : all;
      const p = q.problem || {};
      const l = cur.language && list.indexOf(cur.language) >= 0 ? cur.language : list[0];
      state.current = { lang: l, starter: p.starter || {} };
      setLangs(list);
      setLang(l);
      setProblem(p);
      if (p.examples && p.examples[0]) setStdin(p.examples[0].input);
      const doc = cur.source || state.current.starter[l] || "";
      if (ta.current) ta.current.value = doc;
      ed.current = editor.createEditor(box.current, {
        doc,
        language: l,
        label: "Your code",
        describedBy: "answer-editor-help",
        onChange: (text) => {
          if (ta.current && ta.current.value !== text) ta.current.value = text;
          onAnswer({ language: state.current.lang, source: text });
        },
        onRun: () => doRun(),
      });
    }, (e) => setFailed(e.message));
    return () => { alive = false; if (ed.current) ed.current.destroy(); };
  }, [q.id]);
  const changeLang = (l) => {
    state.current.lang = l;
    setLang(l);
    if (!ed.current) return;
    ed.current.setLanguage(l);
    if (!ed.current.getValue().trim() && state.current.starter[l]) ed.current.setValue(state.current.starter[l]);
    else onAnswer({ language: l, source: ed.current.getValue() });
  };
  const stdinRef = useRef(stdin);
  stdinRef.current = stdin;
  const doRun = async () => {
    if (!ed.current) return;
    setRun({ busy: true, verdict: "", text: "" });
    try {
      const r = await call("POST", "/api/code/execute", { language: state.current.lang, source: ed.current.getValue(), stdin: stdinRef.current });
      let res = r.data || {};
      if (r.status === 202 && r.data && r.data.op_id) res = (await hb.waitOp(r.data.op_id, 120000)).result || {};
      setRun({ busy: false, verdict: res.verdict || "", text: "Verdict " + (res.verdict || "?") + (res.time_ms != null ? " · " + res.time_ms + " ms" : "") + "\n" + (res.stdout || "") + (res.stderr ? "\n" + res.stderr : "") });
    } catch (e) {
      setRun({ busy: false, verdict: "", text: e.message });
    }
  };
  const p = problem || {};
  return html`<div>
    ${failed ? html`<${Message} text=${failed} />` : !problem ? html`<p class="muted small" role="status">Loading the problem…</p>`
      : html`<${Markdown} src=${/^\s*#/.test(p.statement || "") ? p.statement : "## " + p.title + "\n\n" + (p.statement || "")} />`}
    <div class="row" style="margin:.6rem 0">
      <label for="answer-lang" style="margin:0">Language</label>
      <select id="answer-lang" style="width:auto" value=${lang} onChange=${(ev) => changeLang(ev.currentTarget.value)}>
        ${(langs || []).map((l) => html`<option value=${l}>${l}</option>`)}
      </select>
      <span class="grow"></span>
      <button type="button" class="secondary" id="run-btn" disabled=${run.busy || !langs} onClick=${doRun}>${run.busy ? "Running…" : "Run"}</button>
    </div>
    <textarea id="answer-code" ref=${ta} class="hidden" aria-hidden="true" tabindex="-1" spellcheck="false"
      onInput=${(ev) => { const v = ev.currentTarget.value; if (ed.current && ed.current.getValue() !== v) ed.current.setValue(v); }}></textarea>
    <div id="answer-editor" class="code-editor" ref=${box}></div>
    <p class="small muted" id="answer-editor-help">${help} Ctrl+Enter runs.</p>
    <div class="field">
      <label for="answer-stdin">Input for Run</label>
      <textarea id="answer-stdin" rows="3" value=${stdin} onInput=${(ev) => setStdin(ev.currentTarget.value)} aria-describedby="answer-stdin-hint"></textarea>
      <div class="hint" id="answer-stdin-hint">Run uses this input; submitting grades your saved code against hidden tests.</div>
    </div>
    <pre class="output" id="run-output" data-verdict=${run.verdict} aria-live="polite" aria-label="Run output" tabindex="0">${run.text}</pre>
  </div>`;
}

// ---- candidate: results --------------------------------------------------------------
function Result({ id }) {
  const [a, setA] = useState(null);
  const [err, setErr] = useState("");
  useEffect(() => {
    let timer = null, alive = true;
    const load = () => call("GET", "/api/assessments/" + id).then((r) => {
      if (!alive) return;
      setA(r.data);
      const t = r.data.attempt;
      // Until the company releases the results, look again now and then.
      if (t && t.status !== "active" && !t.results_released) timer = setTimeout(load, 3000);
    }, (e) => alive && setErr(e.message));
    load();
    return () => { alive = false; clearTimeout(timer); };
  }, [id]);
  const t = a && a.attempt;
  let status = "";
  if (a && !t) status = "Not started.";
  else if (t) {
    const by = t.submitted_by === "deadline" ? " when time ran out" : "";
    status = t.status === "active" ? "In progress." :
      t.results_released ? "Your score: " + t.score + " / " + t.max_score + "." :
      "Submitted" + by + " at " + when(t.submitted_at) + ". The company will release the results.";
  }
  const cols = [
    { key: "n", label: "#", render: (x) => String(x.n) },
    { key: "kind", label: "Kind" },
    { key: "score", label: "Score", render: (x) => (x.score == null ? "–" : x.score) + " / " + x.points },
  ];
  return html`<section class="card" aria-labelledby="result-title">
    <h1 id="result-title">${a ? a.title : "Your attempt"}</h1>
    <${Message} id="result-msg" text=${err} />
    <p id="result-status" data-status=${t ? t.status : ""} role="status">${status}</p>
    ${t && t.status === "active" && html`<p><a href=${"#/take/" + id}>Continue the assessment</a></p>`}
    ${t && t.results_released && t.results && html`<div id="result-table"><${Table} caption="Score per question" columns=${cols}
      rows=${t.results.map((x, i) => ({ ...x, n: i + 1 }))} rowKey=${(x) => x.n} /></div>`}
    ${t && t.results_released && html`<p class="small"><a href=${"/report.html#attempt=" + t.id}>Full report</a></p>`}
  </section>`;
}

// ---- recruiter: list ------------------------------------------------------------------
function List() {
  const [st] = useLoad(() => companyId().then((cid) => {
    if (!cid) throw new Error("Create or join a company first.");
    return call("GET", "/api/assessments?company_id=" + cid).then((r) => r.data.items);
  }), []);
  const cols = [
    { key: "title", label: "Title", render: (a) => html`<span data-assessment=${a.id}>${a.title}</span>` },
    { key: "duration_minutes", label: "Minutes" },
    { key: "questions", label: "Questions" },
    { key: "invited", label: "Invited" },
    { key: "started", label: "Started" },
    { key: "links", label: "Open", render: (a) => html`<a href=${"/proctor.html#/live/" + a.id}>Watch live</a>` },
  ];
  return html`<section class="card" aria-labelledby="list-h">
    <div class="row"><h1 id="list-h" style="margin:0">Assessments</h1><span class="grow"></span><a class="button secondary" href="#/build">New assessment</a></div>
    <${Message} id="list-msg" text=${st.error && st.error.message} />
    ${st.loading ? html`<p class="muted small" role="status">Loading…</p>` : st.data && html`<div id="list-rows">
      <${Table} caption="Your company's assessments" columns=${cols} rows=${st.data} rowKey=${(a) => a.id}
        onRow=${(a) => { location.hash = "#/results/" + a.id; }} rowLabel=${(a) => "Results of " + a.title}
        empty=${html`<${Empty} title="No assessments yet." action=${html`<a class="button" href="#/build">Build the first one</a>`}>Build one, then invite applicants from the applications board.<//>`} />
    </div>`}
  </section>`;
}

// ---- recruiter: builder -------------------------------------------------------------------
const intIn = (v, lo, hi) => { const n = Number(v); return String(v).trim() !== "" && Number.isInteger(n) && n >= lo && n <= hi; };
const buildRules = {
  title: (v) => (!v.trim() ? "Give the assessment a title." : v.length > 200 ? "At most 200 characters." : ""),
  duration: (v) => (intIn(v, 1, 600) ? "" : "Minutes: a whole number from 1 to 600."),
  interval: (v, all) => (!all.webcam || intIn(v, 5, 300) ? "" : "Frames: every 5 to 300 seconds."),
  closes: (v, all) => (v && all.opens && new Date(v) <= new Date(all.opens) ? "Closes must be after opens." : ""),
};
const questionRules = {
  points: (v) => (intIn(v, 1, 1000) ? "" : "Points: a whole number from 1 to 1000."),
  prompt: (v, all) => (all.kind !== "code" && !v.trim() ? "Write the question's prompt." : ""),
  options: (v, all) => (all.kind === "mcq" && v.split("\n").filter((s) => s.trim()).length < 2 ? "Give at least two options, one per line." : ""),
  correct: (v, all) => {
    if (all.kind !== "mcq") return "";
    const n = all.options.split("\n").filter((s) => s.trim()).length;
    const c = v.split(",").map((s) => s.trim()).filter(Boolean);
    if (!c.length) return "Say which option is correct (numbers from 1).";
    return c.every((x) => intIn(x, 1, n)) ? "" : "Correct options are numbers from 1 to " + n + ".";
  },
  maxlen: (v, all) => (all.kind !== "text" || intIn(v, 1, 20000) ? "" : "Max length: 1 to 20000 bytes."),
  problem: (v, all) => (all.kind !== "code" || v ? "" : "Pick a problem."),
};

function Build() {
  const form = useForm({ title: "", duration: "60", job: "", opens: "", closes: "", webcam: false, interval: "30", fullscreen: false, liveness: false }, buildRules);
  const qf = useForm({ kind: "mcq", points: "5", prompt: "", options: "", correct: "", maxlen: "2000", rubric: "", problem: "", langs: "" }, questionRules);
  const [draft, setDraft] = useState([]);
  const [cid, setCid] = useState(null);
  const [jobs, setJobs] = useState([]);
  const [problems, setProblems] = useState([]);
  const [loadErr, setLoadErr] = useState("");
  useEffect(() => {
    companyId().then((c) => {
      setCid(c);
      if (!c) { setLoadErr("Create or join a company first."); return; }
      call("GET", "/api/jobs?status=all&limit=100&company=" + c).then((r) => setJobs(r.data.items), () => {});
      Promise.all([call("GET", "/api/problems"), call("GET", "/api/companies/" + c + "/problems").catch(() => ({ data: { items: [] } }))]).then(([r, r2]) => {
        const list = (r.data.problems || []).map((p) => ({ value: String(p.id), label: p.title + " (" + p.difficulty + ")" }));
        // The company's own problems, once their reference solution passed.
        r2.data.items.filter((p) => p.status === "published").forEach((p) => list.push({ value: String(p.id), label: p.title + " (company)" }));
        setProblems(list);
        if (list.length) qf.setValues((v) => (v.problem ? v : { ...v, problem: list[0].value }));
      }, (e) => setLoadErr(e.message));
    }, (e) => setLoadErr(e.message));
  }, []);
  const kind = qf.values.kind;
  const add = () => {
    const v = qf.values;
    const q = { kind: v.kind, points: parseInt(v.points, 10), prompt: v.prompt.trim() };
    if (v.kind === "mcq") {
      q.options = v.options.split("\n").map((s) => s.trim()).filter(Boolean);
      q.correct = v.correct.split(",").map((s) => parseInt(s, 10) - 1).filter((n) => n >= 0);
      q.multiple = q.correct.length > 1;
    } else if (v.kind === "text") {
      q.max_length = parseInt(v.maxlen, 10);
      if (v.rubric.trim()) q.rubric = v.rubric.trim();
    } else {
      q.problem_id = parseInt(v.problem, 10);
      q.title = (problems.find((p) => p.value === v.problem) || {}).label || "";
      const langs = v.langs.split(",").map((s) => s.trim()).filter(Boolean);
      if (langs.length) q.languages = langs;
    }
    setDraft((d) => d.concat([q]));
    qf.setValues((old) => ({ ...old, prompt: "", options: "", correct: "", rubric: "" }));
    toast("Question " + (draft.length + 1) + " added.", "ok");
  };
  const save = async (v) => {
    if (!cid) throw new Error("Create or join a company first.");
    if (!draft.length) throw new Error("Add at least one question (on the right) before saving.");
    const body = {
      company_id: cid, title: v.title.trim(), duration_minutes: parseInt(v.duration, 10),
      proctoring: { webcam: v.webcam, frame_interval_s: v.webcam ? parseInt(v.interval, 10) : 0, fullscreen: v.fullscreen, liveness: v.liveness },
      questions: draft.map((q) => { const c = { ...q }; delete c.title; return c; }),
    };
    if (v.job) body.job_id = parseInt(v.job, 10);
    if (v.opens) body.opens_at = new Date(v.opens).toISOString();
    if (v.closes) body.closes_at = new Date(v.closes).toISOString();
    const r = await call("POST", "/api/assessments", body);
    toast("Assessment saved: invite candidates from the applications board.", "ok");
    location.hash = "#/results/" + r.data.id;
  };
  const check = (name, text) => html`<label class="row"><input type="checkbox" id=${"b-" + name} name=${name} style="width:auto" checked=${form.values[name]}
    onChange=${(ev) => form.set(name, ev.currentTarget.checked)} /> ${text}</label>`;
  return html`<div class="grid two">
    <section class="card" aria-labelledby="build-h">
      <h1 id="build-h">New assessment</h1>
      <${Message} text=${loadErr} />
      <${Form} id="build-form" msgId="build-msg" form=${form} submit="Save assessment" submitId="b-save" busyLabel="Saving…" onSubmit=${save}>
        <${Field} form=${form} name="title" id="b-title" label="Title" maxlength="200" />
        <div class="row">
          <${Field} form=${form} name="duration" id="b-duration" label="Minutes" type="number" min="1" max="600" style="max-width:120px" />
          <div class="grow"><${Field} form=${form} name="job" id="b-job" label="Job (optional)" as="select"
            options=${[{ value: "", label: "No job" }].concat(jobs.map((j) => ({ value: String(j.id), label: j.title })))} /></div>
        </div>
        <div class="row">
          <${Field} form=${form} name="opens" id="b-opens" label="Opens (optional)" type="datetime-local" />
          <${Field} form=${form} name="closes" id="b-closes" label="Closes (optional)" type="datetime-local" />
        </div>
        <h2 id="b-proctoring-h">Proctoring</h2>
          <div class="row small" role="group" aria-labelledby="b-proctoring-h">
            ${check("webcam", "Webcam")}
            ${form.values.webcam && html`<${Field} form=${form} name="interval" id="b-interval" label="Frame every (seconds)" type="number" min="5" max="300" style="max-width:90px" />`}
            ${check("fullscreen", "Full screen")}
            ${check("liveness", "Face liveness check before start")}
          </div>
        <h2>Questions</h2>
        ${draft.length ? html`<ol id="b-questions">${draft.map((q, i) => html`<li key=${i}>
            <span>${q.kind} · ${q.points} pts · ${(q.prompt || "").slice(0, 60)} (${q.kind === "mcq" ? q.options.length + " options" : q.kind === "code" ? "problem " + q.title : "text"}) </span>
            <button type="button" class="ghost" aria-label=${"Remove question " + (i + 1)} onClick=${() => setDraft((d) => d.filter((_, j) => j !== i))}>Remove</button>
          </li>`)}</ol>`
          : html`<div id="b-questions"><${Empty} title="No questions yet.">Add them with the form “Add a question”.<//></div>`}
      <//>
    </section>
    <section class="card" aria-labelledby="add-h">
      <h2 id="add-h">Add a question</h2>
      <${Form} id="q-form" form=${qf} submit="Add question" submitId="q-add" onSubmit=${add}>
        <${Field} form=${qf} name="kind" id="q-kind" label="Kind" as="select"
          options=${[{ value: "mcq", label: "Multiple choice" }, { value: "text", label: "Text" }, { value: "code", label: "Coding problem" }]} />
        <${Field} form=${qf} name="points" id="q-points" label="Points" type="number" min="1" max="1000" style="max-width:120px" />
        <${Field} form=${qf} name="prompt" id="q-prompt" label=${kind === "code" ? "Prompt (optional)" : "Prompt"} as="textarea" rows="3" />
        <div data-kind="mcq" class=${kind === "mcq" ? "" : "hidden"}>
          <${Field} form=${qf} name="options" id="q-options" label="Options (one per line)" as="textarea" rows="4" />
          <${Field} form=${qf} name="correct" id="q-correct" label="Correct options" hint="Numbers from 1, comma-separated; more than one makes it a multiple-answer question." placeholder="1" />
        </div>
        <div data-kind="text" class=${kind === "text" ? "" : "hidden"}>
          <${Field} form=${qf} name="maxlen" id="q-maxlen" label="Max length (bytes)" type="number" min="1" max="20000" />
          <${Field} form=${qf} name="rubric" id="q-rubric" label="Rubric for the scorer (never shown to candidates)" as="textarea" rows="2" />
        </div>
        <div data-kind="code" class=${kind === "code" ? "" : "hidden"}>
          <${Field} form=${qf} name="problem" id="q-problem" label="Problem" as="select" options=${problems} />
          <${Field} form=${qf} name="langs" id="q-langs" label="Allowed languages" hint="Comma-separated, e.g. python, go; empty allows all." placeholder="python, go" />
        </div>
      <//>
    </section>
  </div>`;
}

// ---- recruiter: results -----------------------------------------------------------------------
function Results({ id }) {
  const [detail, setDetail] = useState(0);
  const [st, reload] = useLoad(() => Promise.all([call("GET", "/api/assessments/" + id), call("GET", "/api/assessments/" + id + "/attempts")])
    .then(([r, r2]) => ({ a: r.data, items: r2.data.items })), [id]);
  useRefresh(reload);
  const a = st.data && st.data.a;
  const cols = [
    { key: "candidate_name", label: "Candidate", render: (t) => html`<span data-attempt=${t.id} data-status=${t.status}>${t.candidate_name}</span>` },
    { key: "status", label: "Status", render: (t) => html`<${Status} s=${t.status} />` },
    { key: "submitted_at", label: "Submitted", render: (t) => (t.submitted_at ? when(t.submitted_at) + (t.submitted_by === "deadline" ? " (time ran out)" : "") : "") },
    { key: "score", label: "Score", render: (t) => (t.score == null ? "–" : t.score + " / " + t.max_score) },
    { key: "links", label: "More", render: (t) => html`<span class="row">
      <a href=${"/proctor.html#/attempt/" + t.id}>Timeline</a>
      ${t.status !== "active" && html`<a href=${"/report.html#attempt=" + t.id}>Report</a>`}</span>` },
  ];
  return html`<section class="card" aria-labelledby="res-title">
    <h1 id="res-title">${a ? a.title + " · results (max " + a.max_score + ")" : "Results"}</h1>
    <${Message} id="res-msg" text=${st.error && st.error.message} />
    ${st.loading ? html`<p class="muted small" role="status">Loading…</p>` : st.data && html`<div id="res-rows">
      <${Table} caption="Attempts; open one to read and score its answers" columns=${cols} rows=${st.data.items} rowKey=${(t) => t.id}
        onRow=${(t) => setDetail(t.id)} rowLabel=${(t) => "Details of " + t.candidate_name + "'s attempt"}
        empty=${html`<${Empty} title="Nobody has started yet.">Invite candidates from the <a href="/hiring.html#/board">applications board</a>.<//>`} />
    </div>`}
    <${AttemptDetail} attempt=${detail} questions=${a ? a.questions : []} onClose=${() => setDetail(0)} onChanged=${reload} />
  </section>`;
}

function AttemptDetail({ attempt, questions, onClose, onChanged }) {
  const [t, setT] = useState(null);
  const [err, setErr] = useState("");
  const load = useCallback(() => {
    if (!attempt) return;
    call("GET", "/api/attempts/" + attempt).then((r) => { setT(r.data); setErr(""); }, (e) => setErr(e.message));
  }, [attempt]);
  useEffect(() => { setT(null); load(); }, [load]);
  const release = () => call("POST", "/api/attempts/" + attempt + "/release").then(() => { toast("Results released.", "ok"); load(); onChanged(); }, (e) => setErr(e.message));
  const title = t ? t.candidate_name + " · " + label(t.status) + (t.score != null ? " · " + t.score + " / " + t.max_score : "") : "Attempt";
  const answers = {};
  if (t) t.answers.forEach((x) => { answers[x.question_id] = x.answer || {}; });
  return html`<${Dialog} id="res-detail" open=${!!attempt} title=${html`<span id="rd-title">${title}</span>`} onClose=${onClose}
      actions=${t && t.status === "graded" && !t.released_at ? html`<button type="button" id="release-btn" onClick=${release}>Release results to the candidate</button>` : null}>
    <div id="rd-body">
      <${Message} text=${err} />
      ${!t && !err && html`<p class="muted small" role="status">Loading…</p>`}
      ${t && (t.results || []).map((x, i) => {
        const q = questions.find((qq) => qq.id === x.question_id) || {};
        const a = answers[x.question_id] || {};
        const shown = q.kind === "mcq" ? (a.choices || []).map((c) => q.options[c]).join(", ") :
          q.kind === "text" ? a.text : a.source ? "(" + a.language + ")\n" + a.source : "";
        return html`<div class="card" data-result=${i + 1} key=${x.question_id}>
          <div class="row"><h3 style="margin:0">${i + 1}. ${q.kind} · ${x.points} pts</h3><${Status} s=${x.status} /><span class="grow"></span>
            <span>${x.score == null ? "–" : String(x.score)}</span></div>
          ${(q.prompt || q.problem_title) && html`<div class="small muted">${q.prompt || "Problem: " + q.problem_title}</div>`}
          <pre tabindex="0" aria-label=${"Answer to question " + (i + 1)}>${shown || "(no answer)"}</pre>
          ${x.detail && x.detail.verdict && html`<div class="small">Verdict ${x.detail.verdict}: ${x.detail.passed}/${x.detail.total} tests</div>`}
          ${q.kind === "text" && t.status !== "active" && html`<${ScoreForm} attempt=${attempt} x=${x} q=${q} onSaved=${() => { load(); onChanged(); }} />`}
        </div>`;
      })}
      ${t && t.released_at && html`<p class="small muted">Released ${when(t.released_at)}.</p>`}
    </div>
  <//>`;
}

function ScoreForm({ attempt, x, q, onSaved }) {
  const rules = { score: (v) => (v !== "" && !isNaN(Number(v)) && Number(v) >= 0 && Number(v) <= x.points && Math.round(Number(v) * 2) === Number(v) * 2 ? "" : "A score from 0 to " + x.points + ", in steps of 0.5.") };
  const form = useForm({ score: x.score == null ? "" : String(x.score) }, rules);
  return html`<${Form} form=${form} submit="Save score" onSubmit=${async (v) => {
      await call("PUT", "/api/attempts/" + attempt + "/answers/" + x.question_id + "/score", { score: parseFloat(v.score) });
      toast("Score saved.", "ok");
      onSaved();
    }}>
    ${q.rubric && html`<p class="small muted">Rubric: ${q.rubric}</p>`}
    <${Field} form=${form} name="score" label=${"Score for question " + x.question_id + " (0–" + x.points + ")"} type="number" min="0" max=${String(x.points)} step="0.5" style="max-width:100px" data-score=${String(x.question_id)} />
  <//>`;
}

// ---- the page --------------------------------------------------------------------------------
function parseHash() {
  const m = /^#\/(\w+)(?:\/(\d+))?/.exec(location.hash) || [];
  let view = m[1] || (isRecruiter() ? "list" : "mine");
  if (VIEWS.indexOf(view) < 0) view = "mine";
  return { view, id: m[2] || "" };
}
function App() {
  const r = useHashRoute(parseHash, true);
  const V = { mine: Mine, lobby: Lobby, take: Take, result: Result, list: List, build: Build, results: Results }[r.view];
  return html`<${V} key=${r.view + "/" + r.id} id=${r.id} />`;
}

if (!hb.session.token()) {
  toLogin();
} else {
  document.getElementById("who").textContent = user.username ? user.username + " · " + user.role : "";
  document.querySelectorAll("[data-role]").forEach((a) => {
    a.classList.toggle("hidden", a.dataset.role === "recruiter" ? !isRecruiter() : user.role !== "candidate");
  });
  stream.start();
  mount("assess-root", App);
}
