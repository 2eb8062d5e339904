// Every shared piece of ui.js on one page, in the states a page uses, for
// ui_browser_test.go (behaviour, keyboard and the axe audit).
import { html, mount, useState, useForm, Form, Field, Table, Empty, Dialog, Tabs, Board, Timeline, Badge, toast } from "/ui.js";

const rules = {
  name: (v) => (v.trim() ? "" : "Enter a name."),
  email: (v) => (/^[^\s@]+@[^\s@]+$/.test(v.trim()) ? "" : "Enter a valid e-mail address."),
};
function FormDemo() {
  const form = useForm({ name: "", email: "", level: "junior" }, rules);
  const [done, setDone] = useState("");
  return html`<section aria-labelledby="h-form"><h2 id="h-form">Form</h2>
    <${Form} id="demo-form" form=${form} submit="Save" message=${done} messageKind="ok"
      onSubmit=${async (v) => { if (v.name === "taken") throw new Error("That name is taken."); setDone("Saved " + v.name + "."); }}>
      <${Field} form=${form} name="name" id="demo-name" label="Name" hint="Your full name." />
      <${Field} form=${form} name="email" id="demo-email" type="email" label="E-mail" />
      <${Field} form=${form} name="level" id="demo-level" as="select" label="Level" options=${[{ value: "junior", label: "Junior" }, { value: "senior", label: "Senior" }]} />
    </${Form}></section>`;
}
function TableDemo() {
  const [rows, setRows] = useState([{ id: 1, title: "Two sum", level: "easy" }, { id: 2, title: "Graph paths", level: "hard" }]);
  const [opened, setOpened] = useState("");
  return html`<section aria-labelledby="h-table"><h2 id="h-table">Table</h2>
    <${Table} caption="Problems" rows=${rows} rowKey=${(r) => r.id} onRow=${(r) => setOpened(r.title)} rowLabel=${(r) => "Open " + r.title}
      columns=${[{ key: "title", label: "Title" }, { key: "level", label: "Level", render: (r) => html`<${Badge} kind=${r.level === "easy" ? "ok" : "bad"}>${r.level}</${Badge}>` }]}
      empty=${html`<${Empty} title="No problems yet." action=${html`<button type="button" id="demo-add" onClick=${() => setRows([{ id: 3, title: "Added", level: "easy" }])}>Add one</button>`}>Add one to start.</${Empty}>`} />
    <p id="demo-opened">${opened}</p>
    <button type="button" class="ghost" id="demo-clear" onClick=${() => setRows([])}>Remove all</button>
  </section>`;
}
function DialogDemo() {
  const [open, setOpen] = useState(false);
  return html`<section aria-labelledby="h-dialog"><h2 id="h-dialog">Dialog</h2>
    <button type="button" id="demo-open" onClick=${() => setOpen(true)}>Open dialog</button>
    <${Dialog} id="demo-dialog" open=${open} title="Confirm" onClose=${() => setOpen(false)}
      actions=${html`<button type="button" id="demo-ok" onClick=${() => { setOpen(false); toast("Confirmed", "ok"); }}>OK</button>`}>
      <p>Are you sure?</p>
    </${Dialog}></section>`;
}
function TabsDemo() {
  const [tab, setTab] = useState("a");
  return html`<section aria-labelledby="h-tabs"><h2 id="h-tabs">Tabs</h2>
    <${Tabs} label="Demo tabs" idPrefix="demo" selected=${tab} onSelect=${setTab}
      tabs=${[{ id: "a", label: "First" }, { id: "b", label: "Second" }, { id: "c", label: "Third" }]}>
      ${(t) => html`<p id="demo-panel-text">Panel ${t}</p>`}
    </${Tabs}></section>`;
}
const COLS = [{ id: "applied", label: "Applied" }, { id: "screening", label: "Screening" }, { id: "interview", label: "Interview" }];
function BoardDemo() {
  const [items, setItems] = useState([{ id: 1, name: "Ada", column: "applied" }, { id: 2, name: "Linus", column: "screening" }]);
  return html`<section aria-labelledby="h-board"><h2 id="h-board">Board</h2>
    <${Board} label="Applications" columns=${COLS} items=${items} card=${(it) => html`<strong>${it.name}</strong>`}
      moves=${(it) => COLS.filter((c) => c.id !== it.column).map((c) => ({ to: c.id, label: "Move " + it.name + " to " + c.label }))}
      onMove=${(it, to) => setItems(items.map((x) => (x.id === it.id ? { ...x, column: to } : x)))} /></section>`;
}
function TimelineDemo() {
  const now = Date.now();
  return html`<section aria-labelledby="h-tl"><h2 id="h-tl">Timeline</h2>
    <${Timeline} label="History" items=${[
      { id: 1, time: new Date(now - 30e3).toISOString(), title: "Moved to screening", unread: true },
      { id: 2, time: new Date(now - 7200e3).toISOString(), title: "Applied", body: "Go engineer at Acme" },
    ]} />
    <${Timeline} label="Empty history" items=${[]} /></section>`;
}
mount("root", () => html`<div class="stack">
  <${FormDemo} /><${TableDemo} /><${DialogDemo} /><${TabsDemo} /><${BoardDemo} /><${TimelineDemo} />
</div>`);
