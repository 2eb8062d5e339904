// API reference page: reads /docs/openapi.yaml with the bundled YAML reader
// and renders every operation with its parameters, body and responses.
(function () {
  "use strict";
  var $ = hb.$, h = hb.h, clear = hb.clear;
  var METHODS = ["get", "post", "put", "patch", "delete", "options", "head"];
  var spec = null;

  function slug(s) { return String(s).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, ""); }

  // Follows a local "#/a/b" reference; unknown references are shown as such.
  function deref(node) {
    var seen = 0;
    while (node && typeof node === "object" && typeof node.$ref === "string" && seen++ < 20) {
      var path = node.$ref.replace(/^#\//, "").split("/").map(function (p) { return p.replace(/~1/g, "/").replace(/~0/g, "~"); });
      var cur = spec;
      for (var i = 0; i < path.length && cur; i++) cur = cur[path[i]];
      if (!cur) return { description: "unresolved " + node.$ref };
      // Sibling keys next to $ref (3.1 allows description) override the target's.
      var merged = Object.assign({}, cur);
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
    var name = refName(s);
    var d = deref(s);
    var t = d.type;
    if (Array.isArray(t)) t = t.join(" | ");
    if (d.const !== undefined) return JSON.stringify(d.const);
    if (d.enum) return d.enum.map(function (e) { return JSON.stringify(e); }).join(" | ");
    if (t === "array") return typeLabel(d.items) + "[]";
    if (!t && (d.oneOf || d.anyOf)) return (d.oneOf || d.anyOf).map(typeLabel).join(" | ");
    if (!t && d.allOf) return name || "object";
    var label = t || (d.properties ? "object" : "any");
    if (d.format) label += " (" + d.format + ")";
    if (name && label === "object") return name;
    return label;
  }

  function constraints(d) {
    var c = [];
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
    var props = {}, required = [];
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

  // Renders a schema as a nested property list, at most a few levels deep.
  function schemaTree(schema, depth) {
    depth = depth || 0;
    var d = deref(schema);
    var ul = h("ul");
    if (!d || typeof d !== "object") return ul;
    if (d.type === "array" && d.items) {
      var it = deref(d.items);
      if (it && (it.properties || it.allOf)) return schemaTree(d.items, depth);
    }
    var alts = d.oneOf || d.anyOf;
    if (alts && !d.properties) {
      alts.forEach(function (a, i) {
        var li = h("li.prop", h("span.muted", { text: (d.oneOf ? "one of" : "any of") + " #" + (i + 1) + ": " }), h("span.type", { text: typeLabel(a) }));
        var ad = deref(a);
        if (depth < 5 && ad && (ad.properties || ad.allOf)) li.appendChild(schemaTree(a, depth + 1));
        ul.appendChild(li);
      });
      return ul;
    }
    var f = flatten(d);
    Object.keys(f.props).forEach(function (name) {
      var p = f.props[name], pd = deref(p) || {};
      var li = h("li.prop",
        h("strong", { text: name }), " ",
        h("span.type", { text: typeLabel(p) }),
        f.required.indexOf(name) >= 0 ? h("span.req", { text: " required" }) : null);
      var c = constraints(pd);
      if (c) li.appendChild(h("span.muted", { text: " · " + c }));
      if (pd.description) li.appendChild(h("div.desc", hb.markdown(pd.description)));
      var inner = pd.type === "array" ? deref(pd.items) : pd;
      if (depth < 5 && inner && (inner.properties || inner.allOf || (inner.oneOf && !inner.type))) li.appendChild(schemaTree(pd.type === "array" ? pd.items : p, depth + 1));
      if (pd.additionalProperties && typeof pd.additionalProperties === "object") {
        li.appendChild(h("div.desc", { text: "map of " + typeLabel(pd.propertyNames || { type: "string" }) + " → " + typeLabel(pd.additionalProperties) }));
      }
      ul.appendChild(li);
    });
    if (!Object.keys(f.props).length) {
      ul.appendChild(h("li.prop", h("span.type", { text: typeLabel(schema) }), d.description ? h("div.desc", hb.markdown(d.description)) : null));
    }
    return ul;
  }

  function contentBlock(content) {
    var box = h("div");
    Object.keys(content || {}).forEach(function (mt) {
      var media = content[mt] || {};
      box.appendChild(h("div.small.muted", { text: mt + (media.schema ? " — " + typeLabel(media.schema) : "") }));
      if (media.schema) box.appendChild(h("div.schema", schemaTree(media.schema)));
      var ex = media.example !== undefined ? media.example : null;
      if (ex !== null) box.appendChild(h("pre.small", { text: "example: " + JSON.stringify(ex, null, 2) }));
    });
    return box;
  }

  function operationCard(path, method, op) {
    var secured = (op.security || spec.security || []).some(function (s) { return Object.keys(s).length > 0; });
    var id = op.operationId || slug(method + " " + path);
    var det = h("details.card.endpoint", { id: id });
    det.dataset.search = [method, path, op.summary, op.description, (op.tags || []).join(" "), op.operationId].join(" ").toLowerCase();
    det.appendChild(h("summary",
      h("span.method", { className: "method " + method, text: method.toUpperCase() }),
      h("span.path", { text: path }),
      secured ? h("span.lock", { title: "Needs Authorization: Bearer <token>", text: "🔒 auth" }) : null,
      h("span.muted", { text: op.summary || "" })));
    var body = h("div", { style: "margin-top:.8rem" });
    if (op.description) body.appendChild(h("div", hb.markdown(op.description)));

    var params = (op.parameters || []).map(deref);
    if (params.length) {
      body.appendChild(h("h3", { text: "Parameters" }));
      var tb = h("tbody");
      params.forEach(function (p) {
        tb.appendChild(h("tr",
          h("td", h("code", { text: p.name })),
          h("td.small", { text: p.in }),
          h("td.small", { text: typeLabel(p.schema) + (p.required ? " · required" : "") }),
          h("td.small", p.description ? hb.markdown(p.description) : "")));
      });
      body.appendChild(h("table", h("thead", h("tr", h("th", { text: "Name" }), h("th", { text: "In" }), h("th", { text: "Type" }), h("th", { text: "Description" }))), tb));
    }
    if (op.requestBody) {
      var rb = deref(op.requestBody);
      body.appendChild(h("h3", { text: "Request body" + (rb.required ? "" : " (optional)") }));
      if (rb.description) body.appendChild(h("p.small", { text: rb.description }));
      body.appendChild(contentBlock(rb.content));
    }
    body.appendChild(h("h3", { text: "Responses" }));
    Object.keys(op.responses || {}).sort().forEach(function (code) {
      var r = deref(op.responses[code]) || {};
      var cls = "resp-code c" + String(code)[0];
      var item = h("details", { style: "margin-bottom:.4rem" },
        h("summary", h("span", { className: cls, text: code }), " ", h("span", { text: (r.description || "").split("\n")[0] })));
      if (r.description && r.description.indexOf("\n") > 0) item.appendChild(h("div.small", hb.markdown(r.description)));
      if (r.headers) {
        Object.keys(r.headers).forEach(function (hn) {
          var hd = deref(r.headers[hn]);
          item.appendChild(h("div.small", h("code", { text: hn }), " — " + (hd.description || typeLabel(hd.schema))));
        });
      }
      if (r.content) item.appendChild(contentBlock(r.content));
      body.appendChild(item);
    });
    det.appendChild(body);
    return det;
  }

  function render() {
    var info = spec.info || {};
    var intro = clear($("#intro"));
    intro.appendChild(h("h1", { text: (info.title || "API") + " " }, h("span.badge", { text: "v" + (info.version || "?") })));
    if (info.summary) intro.appendChild(h("p", { text: info.summary }));
    if (info.description) intro.appendChild(h("div", hb.markdown(info.description)));

    // Group operations by their first tag, in the order tags are declared.
    var groups = {}, order = (spec.tags || []).map(function (t) { return t.name; });
    var tagDesc = {};
    (spec.tags || []).forEach(function (t) { tagDesc[t.name] = t.description; });
    Object.keys(spec.paths || {}).forEach(function (path) {
      var item = spec.paths[path] || {};
      METHODS.forEach(function (m) {
        if (!item[m]) return;
        var op = item[m];
        if (item.parameters) op = Object.assign({}, op, { parameters: (item.parameters || []).concat(op.parameters || []) });
        var tag = (op.tags && op.tags[0]) || "other";
        if (order.indexOf(tag) < 0) order.push(tag);
        (groups[tag] = groups[tag] || []).push([path, m, op]);
      });
    });
    var nav = clear($("#nav")), list = clear($("#endpoints"));
    order.forEach(function (tag) {
      if (!groups[tag]) return;
      nav.appendChild(h("h3", { text: tag }));
      var section = h("section", { id: "tag-" + slug(tag) }, h("h2", { text: tag }));
      if (tagDesc[tag]) section.appendChild(h("p.muted", { text: tagDesc[tag] }));
      groups[tag].forEach(function (e) {
        var card = operationCard(e[0], e[1], e[2]);
        section.appendChild(card);
        nav.appendChild(h("a", { href: "#" + card.id, onclick: function () { card.open = true; } },
          h("span.small", { text: e[1].toUpperCase() + " " }), e[0]));
      });
      list.appendChild(section);
    });
    var schemas = (spec.components || {}).schemas || {};
    if (Object.keys(schemas).length) {
      nav.appendChild(h("h3", { text: "schemas" }));
      var sec = h("section", { id: "schemas" }, h("h2", { text: "Schemas" }));
      Object.keys(schemas).forEach(function (name) {
        var s = schemas[name];
        var det = h("details.card.endpoint", { id: "schema-" + name });
        det.dataset.search = ("schema " + name + " " + (s.description || "")).toLowerCase();
        det.appendChild(h("summary", h("span.path", { text: name }), h("span.muted", { text: typeLabel({ $ref: "#/components/schemas/" + name }) === name ? "object" : typeLabel(s) })));
        var b = h("div", { style: "margin-top:.6rem" });
        if (s.description) b.appendChild(h("div.small", hb.markdown(s.description)));
        b.appendChild(h("div.schema", schemaTree(s)));
        det.appendChild(b);
        sec.appendChild(det);
        nav.appendChild(h("a", { href: "#schema-" + name, onclick: function () { det.open = true; } }, name));
      });
      list.appendChild(sec);
    }
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") { target.open = true; target.scrollIntoView(); }
  }

  $("#filter").addEventListener("input", function () {
    var q = this.value.trim().toLowerCase();
    Array.prototype.forEach.call(document.querySelectorAll("details.endpoint"), function (d) {
      d.classList.toggle("hidden", q !== "" && d.dataset.search.indexOf(q) < 0);
    });
  });

  fetch("/docs/openapi.yaml", { headers: { Accept: "application/yaml, text/yaml, text/plain" } })
    .then(function (r) {
      if (!r.ok) throw new Error("GET /docs/openapi.yaml answered " + r.status);
      return r.text();
    })
    .then(function (text) {
      spec = text.trim()[0] === "{" ? JSON.parse(text) : HirebusYAML.parse(text);
      render();
    })
    .catch(function (e) {
      hb.say($("#msg"), "Could not load the API description: " + e.message);
      clear($("#intro")).appendChild(h("p", "The raw document is at ", h("a", { href: "/docs/openapi.yaml", text: "/docs/openapi.yaml" }), "."));
    });
})();
