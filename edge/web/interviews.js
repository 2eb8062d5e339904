// The interview pages, built from ui.js: "my interviews" (everyone's
// calendar as a Table; recruiters also get the scheduling form, opened from
// the applications board, and move or cancel an interview in a Dialog), and
// the room: local and remote video over a peer-to-peer RTCPeerConnection
// mesh signalled through /interview/:roomId, the chat (an AI interview's
// questions arrive there too), raised hands and the interviewer's notes and
// scorecard. The peer connections live outside Preact's state (window.hbRoom
// holds them, for the browser test); the components render what they report.
import {
  html, render, useState, useEffect, useRef, useCallback, useMemo,
  useForm, Form, Field, Message, toast, Table, Empty, Dialog, Badge, Tabs, SkipLink, useConfirm,
} from "/ui.js";

const here = () => location.pathname + location.search + location.hash;
function toLogin() {
  hb.session.clear();
  location.replace("/?next=" + encodeURIComponent(here()) + "#login");
}
function call(method, path, body) {
  return hb.api(method, path, body).catch((e) => {
    if (e.status === 401) toLogin();
    throw e;
  });
}
const user = hb.session.user() || {};
const isRecruiter = () => user.role === "recruiter" || user.role === "admin";
const SCHEDULABLE = ["applied", "screening", "assessment", "interview"];

function when(iv) {
  const s = new Date(iv.starts_at);
  return s.toLocaleString([], { weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" }) + " · " + iv.duration_minutes + " min";
}
const p2 = (n) => (n < 10 ? "0" : "") + n;
// rfc3339 turns a datetime-local value into RFC 3339 with this browser's offset.
function rfc3339(local) {
  const d = new Date(local);
  const off = -d.getTimezoneOffset(), sign = off >= 0 ? "+" : "-", a = Math.abs(off);
  return d.getFullYear() + "-" + p2(d.getMonth() + 1) + "-" + p2(d.getDate()) + "T" + p2(d.getHours()) + ":" + p2(d.getMinutes()) + ":00" +
    sign + p2(Math.floor(a / 60)) + ":" + p2(a % 60);
}
function localInput(t) {
  const d = new Date(t);
  return d.getFullYear() + "-" + p2(d.getMonth() + 1) + "-" + p2(d.getDate()) + "T" + p2(d.getHours()) + ":" + p2(d.getMinutes());
}
const startRule = (v) => (!v ? "Pick the date and time." : isNaN(new Date(v).getTime()) ? "That is not a date and time." : new Date(v).getTime() < Date.now() - 60000 ? "Pick a time in the future." : "");
const durationRule = (v) => { const n = Number(v); return !(n >= 5 && n <= 480 && Math.floor(n) === n) ? "Between 5 and 480 minutes." : ""; };

// route: #/schedule[/applicationId], #/room/id, or the mails' #interview=id
// (the schedule with that interview marked).
function parseRoute() {
  const mail = /^#interview=(\d+)/.exec(location.hash);
  if (mail) return { view: "schedule", app: "", mark: mail[1] };
  const m = /^#\/(schedule|room)(?:\/(\d+))?/.exec(location.hash) || [null, "schedule"];
  return m[1] === "room" && m[2] ? { view: "room", id: m[2] } : { view: "schedule", app: m[2] || "", mark: "" };
}

// ---- my interviews and scheduling ---------------------------------------------------
function Schedule({ app, mark }) {
  const [tab, setTab] = useState("upcoming");
  const [days, setDays] = useState("30");
  const [list, setList] = useState(null);
  const [msg, setMsg] = useState("");
  const [moving, setMoving] = useState(null);
  const [ask, confirmDialog] = useConfirm();
  // Upcoming: from two hours ago (one may be running) to the range's end.
  // Past: the last 90 days, newest first, for notes and scorecards.
  const load = useCallback(() => {
    const now = Date.now();
    const from = tab === "past" ? now - 90 * 86400e3 : now - 2 * 3600e3;
    const to = tab === "past" ? now : now + parseInt(days, 10) * 86400e3;
    setList(null);
    return call("GET", "/api/interviews?from=" + encodeURIComponent(new Date(from).toISOString()) + "&to=" + encodeURIComponent(new Date(to).toISOString())).then((r) => {
      const items = tab === "past" ? r.data.items.filter((iv) => Date.parse(iv.starts_at) + iv.duration_minutes * 60e3 <= now).reverse() : r.data.items;
      setList(items);
      setMsg("");
    }, (e) => setMsg(e.message));
  }, [days, tab]);
  useEffect(() => { load(); }, [load]);
  useEffect(() => {
    if (!mark || !list) return;
    const el = document.querySelector('[data-interview="' + mark + '"]');
    if (el) el.focus();
  }, [mark, list]);
  const cancel = async (iv) => {
    if (!(await ask({ title: "Cancel this interview?", text: iv.job_title + ", " + when(iv) + ". Everyone gets a cancellation.", ok: "Cancel the interview", danger: true }))) return;
    call("POST", "/api/interviews/" + iv.id + "/cancel").then(() => { toast("Interview cancelled."); load(); }, (e) => setMsg(e.message));
  };
  const columns = [
    { key: "when", label: "When", render: (iv) => html`<span data-interview=${String(iv.id)} data-status=${iv.status} tabindex=${String(iv.id) === mark ? "-1" : undefined}
        class=${String(iv.id) === mark ? "marked" : undefined}>${when(iv)}</span>` },
    { key: "job", label: "Interview", render: (iv) => iv.job_title + " · " + iv.company_name },
    { key: "people", label: "People", render: (iv) => iv.participants.map((p) => p.name + (p.role === "candidate" ? " (candidate)" : "")).join(", ") },
    { key: "status", label: "Status", render: (iv) => html`<${Badge} kind=${iv.status === "scheduled" ? "pending" : "bad"}>${iv.kind === "ai" ? "AI · " + iv.status : iv.status}</${Badge}>` },
    { key: "actions", label: "Actions", render: (iv) => html`<div class="row actions">
      ${tab === "upcoming" && iv.status === "scheduled" && html`<a class="button" href=${"#/room/" + iv.id} data-join=${String(iv.id)}>Join<span class="visually-hidden">: ${iv.job_title}, ${when(iv)}</span></a>`}
      ${tab === "past" && iv.my_role === "interviewer" && html`<a href=${"#/room/" + iv.id}>Notes and scorecard<span class="visually-hidden">: ${iv.job_title}, ${when(iv)}</span></a>`}
      ${tab === "upcoming" && iv.status === "scheduled" && isRecruiter() && iv.my_role === "interviewer" && html`
        <button type="button" class="ghost" onClick=${() => setMoving(iv)}>Move<span class="visually-hidden">: ${iv.job_title}</span></button>
        <button type="button" class="ghost" onClick=${() => cancel(iv)}>Cancel<span class="visually-hidden">: ${iv.job_title}</span></button>`}
    </div>` },
  ];
  return html`<div class=${isRecruiter() ? "grid two" : ""}>
    <section class="card" aria-labelledby="iv-title">
      <h1 id="iv-title" class="h2">My interviews</h1>
      <${Tabs} label="Interviews" idPrefix="iv-tab" tabs=${[{ id: "upcoming", label: "Upcoming" }, { id: "past", label: "Past" }]} selected=${tab} onSelect=${setTab}>
        ${() => html`
          ${tab === "upcoming" && html`<div class="row end"><label for="iv-range" class="inline-label">Range</label>
            <select id="iv-range" class="auto" value=${days} onChange=${(ev) => setDays(ev.currentTarget.value)}>
              <option value="7">Next 7 days</option><option value="30">Next 30 days</option><option value="90">Next 90 days</option>
            </select></div>`}
          <${Message} id="iv-msg" text=${msg} />
          <div id="iv-list">${list === null ? !msg && html`<p class="muted" role="status">Loading…</p>` : html`<${Table} columns=${columns} rows=${list} rowKey=${(iv) => iv.id}
            empty=${tab === "past" ? html`<${Empty} title="No interviews in the last 90 days." />` : html`<${Empty} title="No interviews in this range.">${isRecruiter() ? "Schedule one with the form, or from a card on the applications board." : "When a company schedules an interview with you, it appears here and you get an invitation by mail."}</${Empty}>`} />`}</div>`}
      </${Tabs}>
    </section>
    ${isRecruiter() && html`<${Scheduler} app=${app} onDone=${load} />`}
    <${Dialog} id="move-dialog" open=${!!moving} title="Move the interview" onClose=${() => setMoving(null)}>
      ${moving && html`<${Move} iv=${moving} onDone=${() => { setMoving(null); load(); }} />`}
    </${Dialog}>
    ${confirmDialog}
  </div>`;
}

function Move({ iv, onDone }) {
  const rules = useMemo(() => ({ start: startRule, duration: durationRule }), []);
  const form = useForm({ start: localInput(iv.starts_at), duration: String(iv.duration_minutes) }, rules);
  return html`<p class="small muted">${iv.job_title} · ${iv.company_name}</p>
    <${Form} id="move-form" form=${form} submit="Move" busyLabel="Moving…" onSubmit=${(v) => call("PUT", "/api/interviews/" + iv.id, { starts_at: rfc3339(v.start), duration_minutes: parseInt(v.duration, 10) })
      .then(() => { toast("Moved; everyone gets the updated invitation.", "ok"); onDone(); }, clashError)}>
      <${Field} form=${form} name="start" id="move-start" type="datetime-local" label=${"Starts (your time zone: " + tz() + ")"} />
      <${Field} form=${form} name="duration" id="move-duration" type="number" min="5" max="480" label="Minutes" class="narrow" />
    </${Form}>`;
}
const tz = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "local";
// clashError names the people who are busy at that time.
function clashError(e) {
  const who = e.body && e.body.error && e.body.error.clashes ? " (" + e.body.error.clashes.map((c) => c.name).join(", ") + ")" : "";
  throw new Error(e.message + who);
}

function Scheduler({ app, onDone }) {
  const [apps, setApps] = useState(null);
  const [members, setMembers] = useState([]);
  const [picked, setPicked] = useState([]);
  const [done, setDone] = useState("");
  const rules = useMemo(() => ({ app: (v) => (v ? "" : "Pick the application."), start: startRule, duration: durationRule }), []);
  const form = useForm({ app: app || "", start: "", duration: "45", kind: "live" }, rules);
  useEffect(() => {
    call("GET", "/api/applications?limit=100").then((r) => {
      const open = r.data.items.filter((a) => SCHEDULABLE.indexOf(a.status) >= 0);
      setApps(open);
      const keep = open.some((a) => String(a.id) === String(app)) ? String(app) : open.length ? String(open[0].id) : "";
      form.setValues((v) => ({ ...v, app: keep }));
    }, () => setApps([]));
  }, [app]);
  const chosen = (apps || []).filter((a) => String(a.id) === form.values.app)[0];
  const company = chosen ? chosen.company_id : 0;
  useEffect(() => {
    if (!company) { setMembers([]); return; }
    call("GET", "/api/companies/" + company + "/members").then((r) => {
      setMembers(r.data.items);
      setPicked(r.data.items.some((m) => m.user_id === user.id) ? [user.id] : []);
    }, () => setMembers([]));
  }, [company]);
  const toggle = (id, on) => setPicked((p) => (on ? p.concat(id) : p.filter((x) => x !== id)));
  const tooMany = picked.length > 3;
  const submit = (v) => {
    setDone("");
    if (tooMany) throw new Error("At most 3 interviewers.");
    return call("POST", "/api/interviews", {
      application_id: parseInt(v.app, 10), starts_at: rfc3339(v.start), duration_minutes: parseInt(v.duration, 10), kind: v.kind, interviewers: picked,
    }).then(() => { setDone("Scheduled; invitations are on their way."); onDone(); }, clashError);
  };
  return html`<section class="card" id="sched-card" aria-labelledby="sched-heading">
    <h2 id="sched-heading" class="h3">Schedule an interview</h2>
    ${apps !== null && apps.length === 0 ? html`<${Empty} title="No application to schedule.">Interviews are scheduled for applications that are still open; see the <a href="/hiring.html#/board">applications board</a>.</${Empty}>` : html`
    <${Form} id="sched-form" msgId="sched-msg" submitId="sched-save" form=${form} submit="Schedule" busyLabel="Scheduling…" message=${done} messageKind="ok" onSubmit=${submit}>
      <${Field} form=${form} name="app" id="sched-app" label="Application" as="select"
        options=${(apps || []).map((a) => ({ value: String(a.id), label: a.candidate_name + " · " + a.job_title + " (" + a.status + ")" }))} />
      <div class="row wrap">
        <div class="grow"><${Field} form=${form} name="start" id="sched-start" type="datetime-local" label=${"Starts (your time zone: " + tz() + ")"} /></div>
        <${Field} form=${form} name="duration" id="sched-duration" type="number" min="5" max="480" label="Minutes" class="narrow" />
        <${Field} form=${form} name="kind" id="sched-kind" label="Kind" as="select" options=${[{ value: "live", label: "live video" }, { value: "ai", label: "AI interview" }]} />
      </div>
      <fieldset class="field" aria-describedby=${tooMany ? "sched-int-err" : undefined}><legend>Interviewers (at most 3)</legend>
        <div id="sched-interviewers" class="row">
          ${members.map((m) => html`<label key=${m.user_id} for=${"int-" + m.user_id} class="row small check">
            <input type="checkbox" id=${"int-" + m.user_id} value=${String(m.user_id)} checked=${picked.indexOf(m.user_id) >= 0}
              onChange=${(ev) => toggle(m.user_id, ev.currentTarget.checked)} />${m.username}</label>`)}
        </div>
        ${tooMany && html`<div class="field-error" id="sched-int-err">At most 3 interviewers.</div>`}
      </fieldset>
    </${Form}>`}
  </section>`;
}

// ---- the room ------------------------------------------------------------------------
const room = (window.hbRoom = { pcs: {}, ws: null, me: null });

// useRoom joins interview id: camera and microphone (if any), the signalling
// WebSocket, one RTCPeerConnection per other person. It returns what the room
// view shows and send(). Leaving (unmount) closes everything.
function useRoom(id) {
  const [state, setState] = useState("connecting…");
  const [msg, setMsg] = useState("");
  const [peers, setPeers] = useState([]); // [{peer_id, name, role, stream, hand, conn}]
  const [people, setPeople] = useState([]);
  const [chat, setChat] = useState([]);
  const [local, setLocal] = useState(null);
  const sendRef = useRef(() => {});
  useEffect(() => {
    let stopped = false, localStream = null, ice = [], retry = 0;
    room.pcs = {};
    room.me = null;
    const patchPeer = (pid, patch) => setPeers((ps) => ps.map((p) => (p.peer_id === pid ? { ...p, ...patch } : p)));
    const send = (m) => { if (room.ws && room.ws.readyState === 1) room.ws.send(JSON.stringify(m)); };
    sendRef.current = send;
    const line = (name, text, ai) => setChat((c) => c.concat({ n: c.length, name, text, ai }));

    function peer(info) {
      let p = room.pcs[info.peer_id];
      if (p) return p;
      const pc = new RTCPeerConnection({ iceServers: ice });
      p = room.pcs[info.peer_id] = { pc, info, offered: false, pending: [] };
      if (localStream) localStream.getTracks().forEach((t) => pc.addTrack(t, localStream));
      else { pc.addTransceiver("video", { direction: "recvonly" }); pc.addTransceiver("audio", { direction: "recvonly" }); }
      pc.onicecandidate = (e) => { if (e.candidate) send({ type: "signal", to: info.peer_id, data: { candidate: e.candidate.toJSON() } }); };
      setPeers((ps) => ps.filter((x) => x.peer_id !== info.peer_id).concat({ peer_id: info.peer_id, name: info.name, role: info.role, stream: null, hand: false, conn: "new" }));
      pc.ontrack = (e) => patchPeer(info.peer_id, { stream: e.streams[0] });
      pc.onconnectionstatechange = () => patchPeer(info.peer_id, { conn: pc.connectionState });
      return p;
    }
    function offer(p) {
      p.offered = true;
      p.pc.createOffer().then((o) => p.pc.setLocalDescription(o)).then(() => {
        send({ type: "signal", to: p.info.peer_id, data: { sdp: p.pc.localDescription.toJSON() } });
      });
    }
    function onSignal(from, data) {
      const p = peer(from);
      if (data.sdp) {
        p.pc.setRemoteDescription(data.sdp).then(() => {
          p.pending.splice(0).forEach((c) => p.pc.addIceCandidate(c).catch(() => {}));
          if (data.sdp.type !== "offer") return null;
          return p.pc.createAnswer().then((a) => p.pc.setLocalDescription(a)).then(() => {
            send({ type: "signal", to: from.peer_id, data: { sdp: p.pc.localDescription.toJSON() } });
          });
        }).catch((e) => setMsg("Video negotiation failed: " + e.message));
      } else if (data.candidate) {
        if (p.pc.remoteDescription) p.pc.addIceCandidate(data.candidate).catch(() => {});
        else p.pending.push(data.candidate);
      }
    }
    function dropPeer(pid) {
      const p = room.pcs[pid];
      if (p) { p.pc.close(); delete room.pcs[pid]; }
      setPeers((ps) => ps.filter((x) => x.peer_id !== pid));
      setPeople((ps) => ps.filter((x) => x.peer_id !== pid));
    }
    function connect(j) {
      const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/interview/" + j.room_id;
      const ws = room.ws = new WebSocket(url, ["hirebus.room.v1", "bearer." + j.room_token]);
      ws.onmessage = (ev) => {
        const m = JSON.parse(ev.data);
        if (m.type === "welcome") {
          // A reconnect is a new peer: the others negotiate afresh with it.
          if (room.me) Object.keys(room.pcs).forEach(dropPeer);
          room.me = m.from;
          retry = 0;
          setState("in the room");
          setChat((m.data.history || []).map((c, i) => ({ n: i, name: c.name, text: c.body, ai: c.user_id === 0 })));
        } else if (m.type === "presence") {
          if (m.data.event === "leave") { dropPeer(m.from.peer_id); return; }
          setPeople((ps) => (ps.some((x) => x.peer_id === m.from.peer_id) ? ps : ps.concat(m.from)));
          if (m.from.role === "ai") return;
          const p = peer(m.from);
          if (room.me.peer_id < m.from.peer_id && !p.offered) offer(p);
        } else if (m.type === "signal") {
          onSignal(m.from, m.data);
        } else if (m.type === "chat") {
          line(m.from.name, m.data.body, m.from.role === "ai");
        } else if (m.type === "hand") {
          patchPeer(m.from.peer_id, { hand: m.data.raised });
          setPeople((ps) => ps.map((x) => (x.peer_id === m.from.peer_id ? { ...x, hand: m.data.raised } : x)));
          toast(m.from.name + (m.data.raised ? " raised a hand" : " lowered the hand"));
        } else if (m.type === "closed") {
          stopped = true;
          setMsg("The interview was cancelled.");
          setState("closed");
        } else if (m.type === "error") {
          setMsg((m.data && m.data.message) || (m.error && m.error.message) || "error");
        }
      };
      ws.onclose = () => {
        if (stopped) return;
        setState("reconnecting…");
        retry++;
        setTimeout(() => {
          if (stopped) return;
          call("POST", "/api/interviews/" + id + "/join").then((r) => connect(r.data), (e) => setMsg(e.message));
        }, Math.min(2000 * retry, 10000));
      };
    }
    const media = navigator.mediaDevices && navigator.mediaDevices.getUserMedia
      ? navigator.mediaDevices.getUserMedia({ video: true, audio: true }).catch(() => null) : Promise.resolve(null);
    media.then((s) => {
      if (stopped) { if (s) s.getTracks().forEach((t) => t.stop()); return null; }
      localStream = s;
      setLocal(s);
      if (!s) setMsg("No camera or microphone: you can still follow and chat.");
      return call("POST", "/api/interviews/" + id + "/join");
    }).then((r) => {
      if (stopped || !r) return;
      ice = r.data.ice_servers || [];
      connect(r.data);
    }, (e) => { setMsg(e.message); setState("not joined"); });
    return () => {
      stopped = true;
      if (room.ws) room.ws.close(1000, "bye");
      room.ws = null;
      Object.keys(room.pcs).forEach((k) => room.pcs[k].pc.close());
      room.pcs = {};
      if (localStream) localStream.getTracks().forEach((t) => t.stop());
      sendRef.current = () => {};
    };
  }, [id]);
  return { state, msg, peers, people, chat, local, send: (m) => sendRef.current(m) };
}

// Video shows a MediaStream; srcObject cannot be an attribute.
function Video({ stream, ...rest }) {
  const ref = useRef(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== stream) ref.current.srcObject = stream || null;
  }, [stream]);
  return html`<video ref=${ref} autoplay playsinline ...${rest}></video>`;
}

function Room({ id }) {
  const [iv, setIv] = useState(null);
  const [hand, setHand] = useState(false);
  const r = useRoom(id);
  useEffect(() => {
    call("GET", "/api/interviews/" + id).then((x) => setIv(x.data), () => {});
  }, [id]);
  const title = iv ? (iv.kind === "ai" ? "AI interview · " : "Interview · ") + iv.job_title : "Interview";
  useEffect(() => { document.title = "hirebus · " + title; }, [title]);
  const raise = () => { const up = !hand; setHand(up); r.send({ type: "hand", raised: up }); };
  return html`<div class="room-page">
    <div class="row wrap"><h1 id="room-title" class="h2" style="margin:0">${title}</h1><span class="grow"></span>
      <span class="small muted" id="room-state" role="status">${r.state}</span>
      <button type="button" class="secondary" id="room-hand" aria-pressed=${String(hand)} onClick=${raise}>${hand ? "Lower hand" : "Raise hand"}</button>
      <button type="button" class="ghost" id="room-leave" onClick=${() => { location.hash = "#/schedule"; }}>Leave</button></div>
    <${Message} id="room-msg" text=${r.msg} />
    <div class="grid two room">
      <section class="stack" aria-label="Video">
        <div class="videos" id="videos">
          <figure class="video"><${Video} id="local-video" stream=${r.local} muted aria-label="Your camera" /><figcaption>You${hand ? " ✋" : ""}</figcaption></figure>
          ${r.peers.map((p) => html`<figure key=${p.peer_id} class=${"video remote" + (p.hand ? " hand" : "")} data-peer=${p.peer_id} data-state=${p.conn}>
            <${Video} class="remote" data-peer=${p.peer_id} stream=${p.stream} aria-label=${p.name + "'s camera"} />
            <figcaption>${p.name} (${p.role})${p.hand ? html`<span class="visually-hidden">, hand raised</span>` : ""}</figcaption></figure>`)}
        </div>
        <h2 class="h3">In the room</h2>
        <ul class="small" id="room-people">
          ${r.people.length === 0 ? html`<li class="muted">Nobody else yet.</li>` : r.people.map((p) => html`<li key=${p.peer_id} data-peer=${p.peer_id}>${p.name} · ${p.role}${p.hand ? " · ✋ hand raised" : ""}</li>`)}
        </ul>
      </section>
      <div class="stack">
        <${Chat} lines=${r.chat} send=${r.send} ai=${iv && iv.kind === "ai"} />
        ${iv && iv.my_role === "interviewer" && html`<${Notes} id=${iv.id} />`}
      </div>
    </div>
  </div>`;
}

function Chat({ lines, send, ai }) {
  const [text, setText] = useState("");
  const log = useRef(null);
  useEffect(() => { if (log.current) log.current.scrollTop = log.current.scrollHeight; }, [lines.length]);
  return html`<section class="card" aria-labelledby="chat-title">
    <h2 id="chat-title" class="h3">Chat</h2>
    ${ai && html`<p class="small muted">The AI interviewer asks its questions here; answer in the chat.</p>`}
    <div class="chat-scroll" ref=${log} role="log" aria-label="Chat messages" tabindex="0">
      <ol class="chat" id="chat-log">
        ${lines.length === 0 ? html`<li class="muted small">No messages yet.</li>` : lines.map((l) => html`<li key=${l.n} class=${l.ai ? "ai" : ""}><strong>${l.name}: </strong><span>${l.text}</span></li>`)}
      </ol>
    </div>
    <form id="chat-form" class="row" onSubmit=${(ev) => {
      ev.preventDefault();
      const t = text.trim();
      if (!t) return;
      send({ type: "chat", text: t });
      setText("");
    }}>
      <label for="chat-text" class="visually-hidden">Message</label>
      <input id="chat-text" type="text" class="grow" maxlength="2000" placeholder="Message" autocomplete="off" value=${text} onInput=${(ev) => setText(ev.currentTarget.value)} />
      <button type="submit">Send</button>
    </form>
  </section>`;
}

// Notes and the scorecard: the interviewer's own, seen by the company only.
const DEFAULT_CARD = [{ name: "Technical depth", score: 3 }, { name: "Communication", score: 3 }];
function Notes({ id }) {
  const [loaded, setLoaded] = useState(false);
  const [criteria, setCriteria] = useState([]);
  const [saved, setSaved] = useState("");
  const rules = useMemo(() => ({}), []);
  const form = useForm({ notes: "", recommendation: "" }, rules);
  const [failed, setFailed] = useState("");
  useEffect(() => {
    call("GET", "/api/interviews/" + id + "/feedback").then((r) => {
      const mine = r.data.items.filter((f) => f.interviewer_id === user.id)[0] || { notes: "", scorecard: DEFAULT_CARD, recommendation: "" };
      form.setValues({ notes: mine.notes || "", recommendation: mine.recommendation || "" });
      setCriteria((mine.scorecard && mine.scorecard.length ? mine.scorecard : DEFAULT_CARD).map((c, i) => ({ k: i, name: c.name, score: String(c.score) })));
      setLoaded(true);
    }, (e) => setFailed(e.message));
  }, [id]);
  const edit = (k, patch) => { setSaved(""); setCriteria((cs) => cs.map((c) => (c.k === k ? { ...c, ...patch } : c))); };
  const save = (v) => {
    setSaved("");
    const card = criteria.map((c) => ({ name: c.name.trim(), score: parseInt(c.score, 10) })).filter((c) => c.name);
    const bad = card.filter((c) => !(c.score >= 1 && c.score <= 5));
    if (bad.length) throw new Error("Score " + bad[0].name + " from 1 to 5.");
    return call("PUT", "/api/interviews/" + id + "/feedback", { notes: v.notes, scorecard: card, recommendation: v.recommendation }).then(() => setSaved("Saved."));
  };
  return html`<section class="card" id="notes-card" aria-labelledby="notes-title">
    <h2 id="notes-title" class="h3">My notes and scorecard <span class="small muted">(the company only)</span></h2>
    ${failed ? html`<${Message} id="notes-msg" text=${failed} />` : !loaded ? html`<p class="muted small" role="status">Loading…</p>` : html`
    <${Form} id="notes-form" msgId="notes-msg" submitId="notes-save" form=${form} submit="Save" busyLabel="Saving…" message=${saved} messageKind="ok" onSubmit=${save}
        secondary=${html`<button type="button" class="ghost" id="notes-add" onClick=${() => setCriteria((cs) => cs.concat({ k: Date.now(), name: "", score: "3" }))}>Add criterion</button>`}>
      <${Field} form=${form} name="notes" id="notes-text" label="Notes" as="textarea" rows="6" maxlength="20000" />
      <table class="scorecard">
        <caption>Scorecard</caption>
        <thead><tr><th scope="col">Criterion</th><th scope="col">Score 1–5</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead>
        <tbody id="notes-criteria">
          ${criteria.map((c, i) => html`<tr key=${c.k}>
            <td><input class="crit-name" type="text" maxlength="100" aria-label=${"Criterion " + (i + 1)} value=${c.name} onInput=${(ev) => edit(c.k, { name: ev.currentTarget.value })} /></td>
            <td><input class="crit-score narrow" type="number" min="1" max="5" aria-label=${"Score for " + (c.name || "criterion " + (i + 1))} value=${c.score} onInput=${(ev) => edit(c.k, { score: ev.currentTarget.value })} /></td>
            <td><button type="button" class="ghost small-btn" onClick=${() => setCriteria((cs) => cs.filter((x) => x.k !== c.k))}>Remove<span class="visually-hidden"> ${c.name || "criterion " + (i + 1)}</span></button></td>
          </tr>`)}
        </tbody>
      </table>
      <${Field} form=${form} name="recommendation" id="notes-rec" label="Recommendation" as="select"
        options=${[{ value: "", label: "No recommendation yet" }, { value: "strong_yes", label: "strong yes" }, { value: "yes", label: "yes" }, { value: "no", label: "no" }, { value: "strong_no", label: "strong no" }]} />
    </${Form}>`}
  </section>`;
}

// ---- the page -------------------------------------------------------------------------
function App() {
  const [route, setRoute] = useState(parseRoute);
  const main = useRef(null);
  useEffect(() => {
    const onHash = () => { setRoute(parseRoute()); if (main.current) main.current.focus({ preventScroll: true }); };
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  const view = route.view;
  return html`<${SkipLink} />
    <header class="topbar">
      <a class="brand" href="/hiring.html#/jobs">hire<span>bus</span></a>
      <nav aria-label="Main">
        <a href="/hiring.html#/jobs">Jobs</a>
        <a href="#/schedule" data-nav="schedule" class=${view === "schedule" ? "active" : undefined} aria-current=${view === "schedule" ? "page" : undefined}>Interviews</a>
        ${isRecruiter() && html`<a href="/hiring.html#/board">Applications board</a>`}
        <a href="/app.html">Account</a>
      </nav>
      <span class="grow"></span>
      <span class="small" id="who">${user.username ? user.username + " · " + user.role : ""}</span>
      <button type="button" class="ghost" id="logout" onClick=${() => hb.api("POST", "/api/auth/logout").catch(() => {}).then(() => { hb.session.clear(); location.replace("/?signout"); })}>Sign out</button>
    </header>
    <main id="main" tabindex="-1" ref=${main} data-view=${view}>
      ${view === "room" ? html`<${Room} key=${route.id} id=${route.id} />` : html`<${Schedule} app=${route.app} mark=${route.mark} />`}
    </main>`;
}

if (!hb.session.token()) {
  location.replace("/?next=" + encodeURIComponent(here()));
} else {
  const root = document.getElementById("root");
  root.textContent = "";
  render(html`<${App} />`, root);
}
