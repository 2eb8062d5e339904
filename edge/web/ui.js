// ui.js — hirebus's component library: every page is built from these
// pieces so forms, tables, dialogs, boards and timelines look and behave the
// same (and stay accessible) everywhere. Preact + htm, vendored from npm
// (vendor/, see docs/web.md): ES modules, no build step, no CDN.
//
//   import { html, render, Form, Field, Table, toast } from "/ui.js";
//   render(html`<${MyPage} />`, document.querySelector("#root"));
//
// Data from the server is always rendered as text: htm builds elements, it
// never parses strings as HTML.
import { h, render, Fragment, createRef } from "/vendor/preact.module.js";
import { useState, useEffect, useRef, useCallback, useMemo, useId } from "/vendor/preact-hooks.module.js";
import htm from "/vendor/htm.module.js";

export const html = htm.bind(h);
export { h, render, Fragment, createRef, useState, useEffect, useRef, useCallback, useMemo, useId };

// cx("a", cond && "b") joins class names, skipping falsy ones.
export function cx() {
  return Array.prototype.filter.call(arguments, Boolean).join(" ");
}

// ---- Messages -------------------------------------------------------------

// Message shows a form- or page-level outcome. Errors are role="alert" (read
// out at once); other kinds are a polite status. An empty text renders an
// empty live region so a later text is announced.
export function Message({ text, kind = "error", id, focus = false }) {
  const ref = useRef(null);
  useEffect(() => {
    if (text && focus && ref.current) ref.current.focus();
  }, [text, focus]);
  return html`<div id=${id} ref=${ref} tabindex="-1"
    role=${kind === "error" ? "alert" : "status"}
    class=${text ? "msg " + kind : "msg-empty"}>${text || ""}</div>`;
}

// toast(text, kind) shows a short notice in one polite live region shared by
// the page; errors stay longer.
export function toast(text, kind) {
  let box = document.getElementById("toasts");
  if (!box) {
    box = document.createElement("div");
    box.id = "toasts";
    box.setAttribute("role", "status");
    box.setAttribute("aria-live", "polite");
    document.body.appendChild(box);
  }
  const t = document.createElement("div");
  t.className = "toast " + (kind || "");
  t.textContent = text;
  box.appendChild(t);
  setTimeout(() => t.remove(), kind === "error" ? 8000 : 4500);
}

// ---- Forms ----------------------------------------------------------------

// useForm keeps a form's values and per-field errors. rules maps a field
// name to a function (value, values) → "" or an error sentence.
export function useForm(initial, rules) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState({});
  const [touched, setTouched] = useState({});
  const set = useCallback((name, v) => {
    setValues((old) => ({ ...old, [name]: v }));
    // Once a field showed an error, re-check it as the person types so the
    // message goes away as soon as it is fixed.
    setErrors((old) => {
      if (!old[name] || !rules[name]) return old;
      return { ...old, [name]: rules[name](v, { ...values, [name]: v }) };
    });
  }, [rules, values]);
  const blur = useCallback((name) => {
    setTouched((t) => ({ ...t, [name]: true }));
    if (rules[name] && values[name] !== "" && values[name] !== undefined) {
      setErrors((old) => ({ ...old, [name]: rules[name](values[name], values) }));
    }
  }, [rules, values]);
  const validate = useCallback(() => {
    const errs = {};
    for (const name of Object.keys(rules)) {
      const e = rules[name](values[name] === undefined ? "" : values[name], values);
      if (e) errs[name] = e;
    }
    setErrors(errs);
    return errs;
  }, [rules, values]);
  return { values, errors, touched, set, blur, validate, setValues, setErrors };
}

// Form wraps a <form>: on submit it validates with form.validate(); when a
// field is wrong it moves focus to the first wrong field (its message is tied
// to it by aria-describedby and also shown in the summary, a live region);
// otherwise it calls onSubmit(values), which may return a promise. A server
// error thrown from onSubmit is shown in the summary, which takes the focus.
export function Form({ form, onSubmit, id, msgId, submitId, children, submit, busyLabel = "Working…", secondary, message, messageKind, block }) {
  const ref = useRef(null);
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState("");
  const [focusMsg, setFocusMsg] = useState(false);
  const onsubmit = async (ev) => {
    ev.preventDefault();
    if (busy) return;
    setServerError("");
    setFocusMsg(false);
    const errs = form ? form.validate() : {};
    const bad = Object.keys(errs);
    if (bad.length) {
      const first = ref.current && ref.current.querySelector('[name="' + bad[0] + '"]');
      if (first) first.focus();
      return;
    }
    setBusy(true);
    try {
      await onSubmit(form ? form.values : {});
    } catch (e) {
      setServerError((e && e.message) || String(e));
      setFocusMsg(true);
    } finally {
      if (ref.current) setBusy(false);
    }
  };
  // The summary lists what is wrong (each field also shows its own), so a
  // screen reader hears it at once from the live region.
  const errs = form ? Object.keys(form.errors).filter((k) => form.errors[k]).map((k) => form.errors[k]) : [];
  const summary = serverError || (errs.length ? errs.join(" ") : "") || message || "";
  const kind = serverError || errs.length || !message ? "error" : (messageKind || "info");
  return html`<form id=${id} ref=${ref} onSubmit=${onsubmit} novalidate aria-busy=${busy ? "true" : "false"}>
    <${Message} id=${msgId || (id ? id + "-msg" : undefined)} text=${summary} kind=${kind} focus=${focusMsg} />
    ${children}
    <div class="row form-actions">
      ${secondary}
      ${!block && html`<span class="grow"></span>`}
      ${submit && html`<button type="submit" id=${submitId} class=${block ? "block" : undefined} disabled=${busy}>${busy ? busyLabel : submit}</button>`}
    </div>
  </form>`;
}

// Field is one labelled input bound to a useForm. Its error is shown under it,
// tied with aria-describedby and aria-invalid.
export function Field({ form, name, label, hint, type = "text", as, options, ...rest }) {
  const uid = useId();
  const id = rest.id || "f-" + name + "-" + uid;
  const err = form.errors[name];
  const described = [hint && id + "-hint", err && id + "-err"].filter(Boolean).join(" ") || undefined;
  const common = {
    id, name,
    "aria-invalid": err ? "true" : undefined,
    "aria-describedby": described,
    onInput: (ev) => form.set(name, ev.currentTarget.value),
    onBlur: () => form.blur(name),
    value: form.values[name] === undefined ? "" : form.values[name],
    ...rest,
  };
  delete common.id;
  let control;
  if (as === "select") {
    control = html`<select id=${id} ...${common} onChange=${common.onInput}>
      ${options.map((o) => html`<option value=${o.value}>${o.label}</option>`)}</select>`;
  } else if (as === "textarea") {
    control = html`<textarea id=${id} ...${common}></textarea>`;
  } else {
    control = html`<input id=${id} type=${type} ...${common} />`;
  }
  return html`<div class=${cx("field", err && "invalid")}>
    <label for=${id}>${label}</label>
    ${control}
    ${hint && html`<div class="hint" id=${id + "-hint"}>${hint}</div>`}
    ${err && html`<div class="field-error" id=${id + "-err"}>${err}</div>`}
  </div>`;
}

// ---- Tables and empty states ------------------------------------------------

// Empty says why a list is empty and what to do about it.
export function Empty({ title, children, action }) {
  return html`<div class="empty" role="note">
    <p class="empty-title">${title}</p>
    ${children && html`<p class="muted small">${children}</p>`}
    ${action}
  </div>`;
}

// Table renders rows under labelled columns: columns is
// [{key, label, render?(row), className?}]; rowKey(row) keys the rows;
// onRow(row) makes a row open something (by its first cell's button, so
// keyboards reach it too).
export function Table({ caption, columns, rows, rowKey, empty, onRow, rowLabel }) {
  if (!rows || rows.length === 0) return empty || html`<${Empty} title="Nothing here yet." />`;
  return html`<div class="table-wrap"><table>
    ${caption && html`<caption>${caption}</caption>`}
    <thead><tr>${columns.map((c) => html`<th scope="col">${c.label}</th>`)}</tr></thead>
    <tbody>${rows.map((r, i) => html`<tr key=${rowKey ? rowKey(r) : i} class=${onRow ? "clickable" : undefined}
        onClick=${onRow ? (ev) => { if (ev.target.tagName !== "BUTTON" && ev.target.tagName !== "A") onRow(r); } : undefined}>
      ${columns.map((c, j) => html`<td class=${c.className}>${j === 0 && onRow
        ? html`<button type="button" class="linklike" onClick=${() => onRow(r)} aria-label=${rowLabel ? rowLabel(r) : undefined}>${c.render ? c.render(r) : String(r[c.key] ?? "")}</button>`
        : (c.render ? c.render(r) : String(r[c.key] ?? ""))}</td>`)}
    </tr>`)}</tbody>
  </table></div>`;
}

// Badge is a short status word; kind picks a colour with ≥ 4.5:1 contrast.
export function Badge({ kind, children, title }) {
  return html`<span class=${cx("badge", kind)} title=${title}>${children}</span>`;
}

// ---- Dialog -----------------------------------------------------------------

// Dialog is a modal <dialog>: the browser traps focus inside and Escape
// closes it; focus returns to what had it before. open toggles it; onClose
// runs on Escape, the close button or a button with value="cancel".
export function Dialog({ open, title, onClose, children, actions, id }) {
  const ref = useRef(null);
  const back = useRef(null);
  const uid = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) {
      back.current = document.activeElement;
      d.showModal();
    } else if (!open && d.open) {
      d.close();
      if (back.current && back.current.focus) back.current.focus();
    }
  }, [open]);
  return html`<dialog id=${id} ref=${ref} class="dialog" aria-labelledby=${"dlg-" + uid}
      onCancel=${(ev) => { ev.preventDefault(); onClose && onClose(); }}>
    <div class="row dialog-head">
      <h2 id=${"dlg-" + uid}>${title}</h2>
      <span class="grow"></span>
      <button type="button" class="ghost" aria-label="Close" onClick=${() => onClose && onClose()}>×</button>
    </div>
    <div class="dialog-body">${children}</div>
    ${actions && html`<div class="row end dialog-actions">${actions}</div>`}
  </dialog>`;
}

// ---- Tabs -------------------------------------------------------------------

// Tabs follows the WAI-ARIA tabs pattern: one tab stop, arrow keys (and
// Home/End) move between tabs and select them. tabs is [{id, label}];
// children(selectedId) renders the panel.
export function Tabs({ tabs, selected, onSelect, label, children, idPrefix = "tab" }) {
  const refs = useRef({});
  const move = (ev, i) => {
    let j = -1;
    if (ev.key === "ArrowRight" || ev.key === "ArrowDown") j = (i + 1) % tabs.length;
    else if (ev.key === "ArrowLeft" || ev.key === "ArrowUp") j = (i - 1 + tabs.length) % tabs.length;
    else if (ev.key === "Home") j = 0;
    else if (ev.key === "End") j = tabs.length - 1;
    if (j < 0) return;
    ev.preventDefault();
    onSelect(tabs[j].id);
    const el = refs.current[tabs[j].id];
    if (el) el.focus();
  };
  return html`<div>
    <div class="tabs" role="tablist" aria-label=${label}>
      ${tabs.map((t, i) => html`<button type="button" role="tab" id=${idPrefix + "-" + t.id}
          ref=${(el) => { refs.current[t.id] = el; }}
          aria-selected=${String(t.id === selected)} aria-controls=${idPrefix + "-panel-" + t.id}
          tabindex=${t.id === selected ? "0" : "-1"} data-tab=${t.id}
          onClick=${() => onSelect(t.id)} onKeyDown=${(ev) => move(ev, i)}>${t.label}</button>`)}
    </div>
    <div role="tabpanel" id=${idPrefix + "-panel-" + selected} aria-labelledby=${idPrefix + "-" + selected} tabindex="0" class="tabpanel">
      ${children(selected)}
    </div>
  </div>`;
}

// ---- Board and timeline -------------------------------------------------------

// Board shows items in columns (an applications pipeline). columns is
// [{id, label}], items [{id, column, ...}], card(item) renders one card;
// moves(item) lists [{to, label}] buttons, so moving works by keyboard (no
// drag-only interactions); onMove(item, to) performs it.
export function Board({ columns, items, card, moves, onMove, label }) {
  return html`<div class="board" role="list" aria-label=${label}>
    ${columns.map((col) => {
      const mine = items.filter((it) => it.column === col.id);
      return html`<section class="col" role="listitem" aria-labelledby=${"col-" + col.id} data-col=${col.id}>
        <h3 id=${"col-" + col.id} class="col-title">${col.label} <span class="muted">(${mine.length})</span></h3>
        <ul class="col-items">
          ${mine.map((it) => html`<li key=${it.id} class="board-card">
            ${card(it)}
            ${moves && onMove && html`<div class="row">${moves(it).map((m) => html`<button type="button" class="ghost small-btn"
                data-to=${m.to} onClick=${() => onMove(it, m.to)}>${m.label}</button>`)}</div>`}
          </li>`)}
        </ul>
      </section>`;
    })}
  </div>`;
}

// Timeline lists dated events, newest first: items [{id, time, title, body?}].
export function Timeline({ items, label, empty }) {
  if (!items || items.length === 0) return empty || html`<${Empty} title="Nothing has happened yet." />`;
  return html`<ol class="tl" aria-label=${label}>
    ${items.map((it) => html`<li key=${it.id} class=${cx("tl-item", it.unread && "unread")}>
      <time datetime=${it.time} class="small muted">${fmtWhen(it.time)}</time>
      <div class="tl-title">${it.title}</div>
      ${it.body && html`<div class="small muted">${it.body}</div>`}
      ${it.action}
    </li>`)}
  </ol>`;
}

// fmtWhen shows a time relative to now for the last day, a date otherwise.
export function fmtWhen(t) {
  const d = t ? new Date(t) : null;
  if (!d || isNaN(d.getTime())) return "";
  const s = Math.round((Date.now() - d.getTime()) / 1000);
  if (s < 45) return "just now";
  if (s < 3600) return Math.round(s / 60) + " min ago";
  if (s < 86400) return Math.round(s / 3600) + " h ago";
  return d.toLocaleDateString(undefined, { day: "numeric", month: "short", year: "numeric" });
}

// ---- Page frame ---------------------------------------------------------------

// SkipLink lets keyboard users jump past the navigation.
// useHashRoute is a page's router: parse(location.hash) now and at every
// hashchange, and the header link whose data-nav names the view marked
// active (aria-current="page"). focusMain moves the focus to #main after
// a change, so a screen reader starts at the new view.
export function useHashRoute(parse, focusMain = false) {
  const [r, setR] = useState(parse());
  useEffect(() => {
    const on = () => {
      setR(parse());
      const main = focusMain && document.getElementById("main");
      if (main) main.focus({ preventScroll: true });
    };
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  useEffect(() => {
    document.querySelectorAll("[data-nav]").forEach((a) => {
      const on = a.dataset.nav === r.view;
      a.classList.toggle("active", on);
      if (on) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    });
  }, [r.view]);
  return r;
}

export function SkipLink({ to = "#main" }) {
  return html`<a class="skip" href=${to}>Skip to content</a>`;
}

// mount renders a component into the element with the given id (the page's
// placeholder) and returns that element.
export function mount(id, component, props) {
  const el = document.getElementById(id);
  el.textContent = ""; // a server-written placeholder ("Loading…")
  render(h(component, props || {}), el);
  return el;
}

// ---- pages-a additions (hiring and interview pages) ---------------------------

// useConfirm replaces window.confirm with an accessible modal Dialog:
//   const [ask, confirmDialog] = useConfirm();
//   if (await ask({ title, text, ok: "Withdraw", danger: true })) ...
//   return html`...${confirmDialog}`;
// The Dialog returns focus to the button that asked; Escape or Cancel
// answers false.
export function useConfirm() {
  const [q, setQ] = useState(null);
  const answer = (v) => { if (q) q.resolve(v); setQ(null); };
  const ask = useCallback((o) => new Promise((resolve) => setQ({ ...o, resolve })), []);
  const el = html`<${Dialog} open=${!!q} title=${q ? q.title : ""} onClose=${() => answer(false)}
      actions=${html`<button type="button" class="ghost" onClick=${() => answer(false)}>Cancel</button>
        <button type="button" class=${q && q.danger ? "danger" : undefined} data-confirm="ok" onClick=${() => answer(true)}>${q ? q.ok || "OK" : "OK"}</button>`}>
    ${q && q.text && html`<p>${q.text}</p>`}
  </${Dialog}>`;
  return [ask, el];
}
