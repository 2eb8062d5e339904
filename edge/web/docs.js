// API reference page: reads /docs/openapi.yaml with the bundled YAML reader
// (yaml.js) and renders every operation with its parameters, body and
// responses, and every schema. Built with ui.js.
import { html, render, useState, useEffect, useRef, Message } from "/ui.js";

const METHODS = ["get", "post", "put", "patch", "delete", "options", "head"];
let spec = null;

function slug(s) { return String(s).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, ""); }

// Follows a local "#/a/b" reference; unknown references are shown as such.
function deref(node) {
  let seen = 0;
  while (node && typeof node === "object" && typeof node.$ref === "string" && seen++ < 20) {
    let path = node.$ref.replace(/^#\//, "").split("/").map(function (p) { return p.replace(/~1/g, "/").replace(/~0/g, "~"); });
    let cur = spec;
    for (let i = 0; i < path.length && cur; i++) cur = cur[path[i]];
    if (!cur) return { description: "unresolved " + node.$ref };
    // Sibling keys next to $ref (3.1 allows description) override the target's.
    let merged = Object.assign({}, cur);
    Object.keys(node).forEach(function (k) { if (k !== "$ref") merged[k] = node[k]; });
    node = merged;
  }
  return node;
}
function refName(node) {
  return node && typeof node.$ref === "string" ? node.$ref.split("/").pop() : "";
}

function typeLabel(s) {
  if (!s || typeof s !== "object") return "any";
  let name = refName(s);
  let d = deref(s);
  let t = d.type;
  if (Array.isArray(t)) t = t.join(" | ");
  if (d.const !== undefined) return JSON.stringify(d.const);
  if (d.enum) return d.enum.map(function (e) { return JSON.stringify(e); }).join(" | ");
  if (t === "array") return typeLabel(d.items) + "[]";
  if (!t && (d.oneOf || d.anyOf)) return (d.oneOf || d.anyOf).map(typeLabel).join(" | ");
  if (!t && d.allOf) return name || "object";
  let label = t || (d.properties ? "object" : "any");
  if (d.format) label += " (" + d.format + ")";
  if (name && label === "object") return name;
  return label;
}

function constraints(d) {
  let c = [];
  if (d.minLength !== undefined) c.push("min length " + d.minLength);
  if (d.maxLength !== undefined) c.push("max length " + d.maxLength);
  if (d.minimum !== undefined) c.push("≥ " + d.minimum);
  if (d.maximum !== undefined) c.push("≤ " + d.maximum);
  if (d.minItems !== undefined) c.push("min " + d.minItems + " items");
  if (d.maxItems !== undefined) c.push("max " + d.maxItems + " items");
  if (d.pattern) c.push("pattern " + d.pattern);
  if (d.default !== undefined) c.push("default " + JSON.stringify(d.default));
  return c.join(", ");
}

// Collects properties through allOf so composed schemas read as one object.
function flatten(d, depth) {
  let props = {}, required = [];
  function take(x) {
    x = deref(x);
    if (!x || typeof x !== "object") return;
    (x.allOf || []).forEach(take);
    Object.keys(x.properties || {}).forEach(function (k) { props[k] = x.properties[k]; });
    (x.required || []).forEach(function (r) { if (required.indexOf(r) < 0) required.push(r); });
  }
  take(d);
  return { props: props, required: required };
}


// Md renders (safe) Markdown from the document: hb.markdown builds DOM
// nodes and never parses HTML.
function Md({ text, cls }) {
  const ref = useRef(null);
  useEffect(() => {
    ref.current.textContent = "";
    ref.current.appendChild(hb.markdown(text));
  }, [text]);
  return html`<div class=${cls} ref=${ref}></div>`;
}

// SchemaTree renders a schema as a nested property list, at most a few
// levels deep.
function SchemaTree({ schema, depth = 0 }) {
  const d = deref(schema);
  if (!d || typeof d !== "object") return html`<ul></ul>`;
  if (d.type === "array" && d.items) {
    const it = deref(d.items);
    if (it && (it.properties || it.allOf)) return html`<${SchemaTree} schema=${d.items} depth=${depth} />`;
  }
  const alts = d.oneOf || d.anyOf;
  if (alts && !d.properties) {
    return html`<ul>${alts.map((a, i) => {
      const ad = deref(a);
      return html`<li class="prop"><span class="muted">${(d.oneOf ? "one of" : "any of") + " #" + (i + 1) + ": "}</span><span class="type">${typeLabel(a)}</span>
        ${depth < 5 && ad && (ad.properties || ad.allOf) && html`<${SchemaTree} schema=${a} depth=${depth + 1} />`}</li>`;
    })}</ul>`;
  }
  const f = flatten(d);
  const names = Object.keys(f.props);
  return html`<ul>
    ${names.map((name) => {
      const p = f.props[name], pd = deref(p) || {};
      const c = constraints(pd);
      const inner = pd.type === "array" ? deref(pd.items) : pd;
      return html`<li class="prop"><strong>${name}</strong> <span class="type">${typeLabel(p)}</span>${f.required.indexOf(name) >= 0 && html`<span class="req"> required</span>`}
        ${c && html`<span class="muted">${" · " + c}</span>`}
        ${pd.description && html`<${Md} cls="desc" text=${pd.description} />`}
        ${depth < 5 && inner && (inner.properties || inner.allOf || (inner.oneOf && !inner.type)) && html`<${SchemaTree} schema=${pd.type === "array" ? pd.items : p} depth=${depth + 1} />`}
        ${pd.additionalProperties && typeof pd.additionalProperties === "object" && html`<div class="desc">${"map of " + typeLabel(pd.propertyNames || { type: "string" }) + " → " + typeLabel(pd.additionalProperties)}</div>`}
      </li>`;
    })}
    ${!names.length && html`<li class="prop"><span class="type">${typeLabel(schema)}</span>${d.description && html`<${Md} cls="desc" text=${d.description} />`}</li>`}
  </ul>`;
}

function ContentBlock({ content }) {
  return html`<div>${Object.keys(content || {}).map((mt) => {
    const media = content[mt] || {};
    return html`<div class="small muted">${mt + (media.schema ? " — " + typeLabel(media.schema) : "")}</div>
      ${media.schema && html`<div class="schema"><${SchemaTree} schema=${media.schema} /></div>`}
      ${media.example !== undefined && html`<pre class="small">${"example: " + JSON.stringify(media.example, null, 2)}</pre>`}`;
  })}</div>`;
}

// Card is one collapsible entry (an operation or a schema); open is kept
// in the page's state so the navigation can open what it links to.
function Card({ id, open, setOpen, hidden, summary, children }) {
  return html`<details class=${"card endpoint" + (hidden ? " hidden" : "")} id=${id} open=${open}
      onToggle=${(ev) => { if (ev.currentTarget.open !== open) setOpen(id, ev.currentTarget.open); }}>
    <summary>${summary}</summary>
    ${open && children()}
  </details>`;
}

function Operation({ path, method, op }) {
  const params = (op.parameters || []).map(deref);
  const rb = op.requestBody && deref(op.requestBody);
  return html`<div style="margin-top:.8rem">
    ${op.description && html`<${Md} text=${op.description} />`}
    ${params.length > 0 && html`<h3>Parameters</h3>
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">Name</th><th scope="col">In</th><th scope="col">Type</th><th scope="col">Description</th></tr></thead>
        <tbody>${params.map((p) => html`<tr><td><code>${p.name}</code></td><td class="small">${p.in}</td>
          <td class="small">${typeLabel(p.schema) + (p.required ? " · required" : "")}</td>
          <td class="small">${p.description && html`<${Md} text=${p.description} />`}</td></tr>`)}</tbody>
      </table></div>`}
    ${rb && html`<h3>${"Request body" + (rb.required ? "" : " (optional)")}</h3>
      ${rb.description && html`<p class="small">${rb.description}</p>`}
      <${ContentBlock} content=${rb.content} />`}
    <h3>Responses</h3>
    ${Object.keys(op.responses || {}).sort().map((code) => {
      const r = deref(op.responses[code]) || {};
      return html`<details style="margin-bottom:.4rem">
        <summary><span class=${"resp-code c" + String(code)[0]}>${code}</span> <span>${(r.description || "").split("\n")[0]}</span></summary>
        ${r.description && r.description.indexOf("\n") > 0 && html`<${Md} cls="small" text=${r.description} />`}
        ${r.headers && Object.keys(r.headers).map((hn) => {
          const hd = deref(r.headers[hn]);
          return html`<div class="small"><code>${hn}</code>${" — " + (hd.description || typeLabel(hd.schema))}</div>`;
        })}
        ${r.content && html`<${ContentBlock} content=${r.content} />`}
      </details>`;
    })}
  </div>`;
}

function Docs() {
  const [error, setError] = useState("");
  const [ready, setReady] = useState(false);
  const [q, setQ] = useState("");
  const [open, setOpenState] = useState(() => new Set());
  const setOpen = (id, on) => setOpenState((old) => { const n = new Set(old); if (on) n.add(id); else n.delete(id); return n; });
  useEffect(() => {
    fetch("/docs/openapi.yaml", { headers: { Accept: "application/yaml, text/yaml, text/plain" } })
      .then((r) => { if (!r.ok) throw new Error("GET /docs/openapi.yaml answered " + r.status); return r.text(); })
      .then((text) => {
        spec = text.trim()[0] === "{" ? JSON.parse(text) : HirebusYAML.parse(text);
        const target = location.hash.slice(1);
        if (target) setOpen(target, true);
        setReady(true);
      })
      .catch((e) => setError("Could not load the API description: " + e.message));
    const f = document.getElementById("filter");
    const onInput = () => setQ(f.value.trim().toLowerCase());
    f.addEventListener("input", onInput);
    return () => f.removeEventListener("input", onInput);
  }, []);
  useEffect(() => {
    // A link to an entry (#operationId) opens it and brings it into view.
    const el = ready && location.hash && document.getElementById(location.hash.slice(1));
    if (el && el.tagName === "DETAILS") el.scrollIntoView();
  }, [ready]);
  if (error) return html`<div><${Message} id="msg" text=${error} />
    <div class="card"><p>The raw document is at <a href="/docs/openapi.yaml">/docs/openapi.yaml</a>.</p></div></div>`;
  if (!ready) return html`<div class="card"><p class="muted" role="status">Loading the API description…</p></div>`;

  const info = spec.info || {};
  // Group operations by their first tag, in the order tags are declared.
  const groups = {}, order = (spec.tags || []).map((t) => t.name), tagDesc = {};
  (spec.tags || []).forEach((t) => { tagDesc[t.name] = t.description; });
  Object.keys(spec.paths || {}).forEach((path) => {
    const item = spec.paths[path] || {};
    METHODS.forEach((m) => {
      if (!item[m]) return;
      let op = item[m];
      if (item.parameters) op = Object.assign({}, op, { parameters: (item.parameters || []).concat(op.parameters || []) });
      const tag = (op.tags && op.tags[0]) || "other";
      if (order.indexOf(tag) < 0) order.push(tag);
      (groups[tag] = groups[tag] || []).push({ path, method: m, op, id: op.operationId || slug(m + " " + path) });
    });
  });
  const match = (text) => q === "" || text.toLowerCase().indexOf(q) >= 0;
  const schemas = (spec.components || {}).schemas || {};
  const secured = (op) => (op.security || spec.security || []).some((s) => Object.keys(s).length > 0);
  return html`<div class="docs-layout">
    <nav class="docs-nav card" id="nav" aria-label="Endpoints">
      ${order.filter((tag) => groups[tag]).map((tag) => html`<h3>${tag}</h3>
        ${groups[tag].map((e) => html`<a href=${"#" + e.id} onClick=${() => setOpen(e.id, true)}><span class="small">${e.method.toUpperCase() + " "}</span>${e.path}</a>`)}`)}
      ${Object.keys(schemas).length > 0 && html`<h3>schemas</h3>
        ${Object.keys(schemas).map((name) => html`<a href=${"#schema-" + name} onClick=${() => setOpen("schema-" + name, true)}>${name}</a>`)}`}
    </nav>
    <div>
      <div class="card" id="intro" style="margin-bottom:1rem">
        <h1>${(info.title || "API") + " "}<span class="badge">${"v" + (info.version || "?")}</span></h1>
        ${info.summary && html`<p>${info.summary}</p>`}
        ${info.description && html`<${Md} text=${info.description} />`}
      </div>
      <div id="endpoints">
        ${order.filter((tag) => groups[tag]).map((tag) => html`<section id=${"tag-" + slug(tag)}>
          <h2>${tag}</h2>
          ${tagDesc[tag] && html`<p class="muted">${tagDesc[tag]}</p>`}
          ${groups[tag].map((e) => html`<${Card} key=${e.id} id=${e.id} open=${open.has(e.id)} setOpen=${setOpen}
              hidden=${!match([e.method, e.path, e.op.summary, e.op.description, (e.op.tags || []).join(" "), e.op.operationId].join(" "))}
              summary=${html`<span class=${"method " + e.method}>${e.method.toUpperCase()}</span><span class="path">${e.path}</span>
                ${secured(e.op) && html`<span class="lock" title="Needs Authorization: Bearer <token>">🔒 auth</span>`}
                <span class="muted">${e.op.summary || ""}</span>`}>
            ${() => html`<${Operation} path=${e.path} method=${e.method} op=${e.op} />`}
          </${Card}>`)}
        </section>`)}
        ${Object.keys(schemas).length > 0 && html`<section id="schemas"><h2>Schemas</h2>
          ${Object.keys(schemas).map((name) => {
            const s = schemas[name];
            return html`<${Card} key=${name} id=${"schema-" + name} open=${open.has("schema-" + name)} setOpen=${setOpen}
                hidden=${!match("schema " + name + " " + (s.description || ""))}
                summary=${html`<span class="path">${name}</span><span class="muted">${typeLabel({ $ref: "#/components/schemas/" + name }) === name ? "object" : typeLabel(s)}</span>`}>
              ${() => html`<div style="margin-top:.6rem">${s.description && html`<${Md} cls="small" text=${s.description} />`}<div class="schema"><${SchemaTree} schema=${s} /></div></div>`}
            </${Card}>`;
          })}
        </section>`}
      </div>
    </div>
  </div>`;
}

const root = document.getElementById("docs-root");
root.textContent = "";
render(html`<${Docs} />`, root);
