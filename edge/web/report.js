// The candidate report page, built from ui.js: #attempt=<id> (a member, or
// the candidate once results are released) or #job=<id> (members: the job's
// candidates side by side). The report is drawn on the server — charts as
// SVG with text alternatives — and fetched here with the session token; this
// page only adds printing, the PDF download, the version picker and
// "generate".
import { html, useState, useEffect, useRef, useCallback, Message, toast, mount } from "/ui.js";

function params() {
  const out = {};
  location.hash.replace(/^#/, "").split("&").forEach((kv) => {
    const p = kv.split("=");
    if (p[0]) out[decodeURIComponent(p[0])] = decodeURIComponent(p[1] || "");
  });
  return out;
}

// fetchAuthed GETs a report rendition with the token (HTML or PDF).
async function fetchAuthed(path) {
  const res = await fetch(path, { headers: { Authorization: "Bearer " + hb.session.token() }, credentials: "same-origin" });
  if (res.ok) return res;
  if (res.status === 401) { const to = hb.signInPath(); hb.session.clear(); location.replace(to); }
  const b = await res.json().catch(() => ({}));
  throw Object.assign(new Error((b.error && b.error.message) || res.statusText), { status: res.status, code: b.error && b.error.code });
}

// ServerDoc shows the server's document (its style and main). The server's
// HTML is built from escaped templates and carries no script; it is parsed
// into an inert document and its nodes imported, never assigned as markup.
function ServerDoc({ doc }) {
  const ref = useRef(null);
  useEffect(() => {
    const into = ref.current;
    if (!into) return;
    hb.clear(into);
    into.removeAttribute("data-loaded");
    if (!doc) return;
    const d = new DOMParser().parseFromString(doc, "text/html");
    const style = d.querySelector("style");
    if (style) into.appendChild(document.importNode(style, true));
    const main = d.querySelector("main");
    // The page has its own <main>: the report's becomes an article.
    if (main) {
      const art = document.createElement("article");
      for (const a of main.attributes) art.setAttribute(a.name, a.value);
      for (const n of Array.from(main.childNodes)) art.appendChild(document.importNode(n, true));
      into.appendChild(art);
    }
    document.title = d.title || document.title;
    into.setAttribute("data-loaded", "1");
  }, [doc]);
  return html`<div id="report-doc" ref=${ref} aria-live="polite"></div>`;
}

function Report({ attempt }) {
  const [info, setInfo] = useState(null); // {member, candidate, heading}
  const [versions, setVersions] = useState([]);
  const [version, setVersion] = useState(0); // 0 = latest
  const [doc, setDoc] = useState("");
  const [msg, setMsg] = useState({ text: "", kind: "error" });
  const [busy, setBusy] = useState(false);
  const url = (format, v) => {
    let p = "/api/reports/candidate/" + info.candidate + "?attempt_id=" + attempt + "&format=" + format;
    if (v) p += "&version=" + v;
    return p;
  };
  useEffect(() => {
    hb.api("GET", "/api/attempts/" + attempt).then((r) => {
      const me = hb.session.user() || {};
      const member = r.data.candidate_id !== undefined;
      setInfo({ member, candidate: member ? r.data.candidate_id : me.id, heading: "Report · attempt " + attempt + (r.data.candidate_name ? " · " + r.data.candidate_name : "") });
    }, (e) => setMsg({ text: e.status === 404 ? "No such attempt." : e.message, kind: "error" }));
  }, [attempt]);
  const loadVersions = useCallback(() => hb.api("GET", "/api/reports/attempts/" + attempt + "/versions")
    .then((r) => setVersions(r.data.versions.slice().reverse()), () => setVersions([])), [attempt]);
  const loadReport = useCallback((v) => {
    setMsg({ text: "", kind: "error" });
    return fetchAuthed(url("html", v)).then((res) => res.text()).then(setDoc, (e) => {
      setDoc("");
      const text = e.code === "report_not_generated" ? "No report has been generated for this attempt yet." + (info.member ? " Generate one above." : "") :
        e.code === "results_not_released" ? "Your results are not released yet." : e.message;
      setMsg({ text, kind: e.code === "report_not_generated" ? "info" : "error" });
    });
  }, [info, attempt]);
  useEffect(() => {
    if (!info) return;
    loadVersions();
    loadReport(version);
  }, [info]);

  const generate = async () => {
    setBusy(true);
    setMsg({ text: "Generating…", kind: "info" });
    try {
      const r = await hb.api("POST", "/api/reports/generate", { attempt_id: attempt });
      await hb.waitOp(r.data.op_id, 60000);
      setVersion(0);
      // The version list first: when the new report shows, its version is listed.
      await loadVersions();
      await loadReport(0);
      toast("A new version of the report is ready.", "ok");
    } catch (e) {
      setMsg({ text: e.message, kind: "error" });
    } finally {
      setBusy(false);
    }
  };
  const pdf = async () => {
    try {
      const blob = await (await fetchAuthed(url("pdf", version))).blob();
      const a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = "report-" + attempt + ".pdf";
      document.body.appendChild(a); a.click(); a.remove();
    } catch (e) {
      setMsg({ text: e.message, kind: "error" });
    }
  };
  return html`<div>
    <section class="card no-print" id="report-bar" aria-label="Report controls">
      <div class="row">
        <h1 id="report-heading" class="report-heading">${info ? info.heading : "Candidate report"}</h1>
        <span class="grow"></span>
        <label class="small" for="report-version" style="margin:0">Version</label>
        <select id="report-version" style="width:auto" value=${version ? String(version) : ""}
          onChange=${(ev) => { const v = ev.currentTarget.value ? parseInt(ev.currentTarget.value, 10) : 0; setVersion(v); loadReport(v); }}>
          ${versions.map((v, i) => html`<option value=${i === 0 ? "" : String(v.version)}>v${v.version} · ${hb.fmtTime(v.generated_at)}${i === 0 ? " (latest)" : ""}</option>`)}
        </select>
        <button type="button" class="secondary" id="report-print" onClick=${() => window.print()}>Print</button>
        <button type="button" class="secondary" id="report-pdf" disabled=${!info} onClick=${pdf}>Download PDF</button>
        ${info && info.member && html`<button type="button" id="report-generate" disabled=${busy} onClick=${generate}>${busy ? "Generating…" : "Generate a new version"}</button>`}
      </div>
      <${Message} id="report-msg" text=${msg.text} kind=${msg.kind} />
    </section>
    <${ServerDoc} doc=${doc} />
  </div>`;
}

function Compare({ job }) {
  const [doc, setDoc] = useState("");
  const [msg, setMsg] = useState("");
  useEffect(() => {
    fetchAuthed("/api/reports/compare?job_id=" + encodeURIComponent(job) + "&format=html").then((res) => res.text()).then(setDoc,
      (e) => setMsg(e.status === 404 ? "No such job." : e.message));
  }, [job]);
  return html`<div>
    <section class="card no-print" id="report-bar" aria-label="Report controls">
      <div class="row">
        <h1 id="report-heading" class="report-heading">Candidates side by side</h1>
        <span class="grow"></span>
        <button type="button" class="secondary" id="report-print" onClick=${() => window.print()}>Print</button>
      </div>
      <${Message} id="report-msg" text=${msg} />
    </section>
    <${ServerDoc} doc=${doc} />
  </div>`;
}

function Page() {
  const p = params();
  if (p.job) return html`<${Compare} job=${p.job} />`;
  if (p.attempt) return html`<${Report} attempt=${parseInt(p.attempt, 10)} />`;
  return html`<section class="card"><h1>Candidate report</h1>
    <${Message} id="report-msg" kind="info" text="Open a report from an assessment's results or the live proctoring page." /></section>`;
}

if (!hb.session.token()) {
  location.replace(hb.signInPath());
} else {
  const me = hb.session.user();
  if (me) document.getElementById("who").textContent = me.username || "";
  // Another report or job in the hash (a link on the comparison): start over.
  window.addEventListener("hashchange", () => location.reload());
  mount("report-root", Page);
}
