// A small YAML reader for docs.html: enough of YAML 1.2 for docs/openapi.yaml
// (block mappings and sequences, flow collections, quoted and plain scalars,
// literal and folded block scalars, comments). The page must work without any
// network access, so no CDN parser can be loaded. Anchors, tags and multi-document
// streams are not supported and raise an error naming the line.
(function (root) {
  "use strict";

  function YamlError(msg, line) {
    var e = new Error("yaml: line " + (line + 1) + ": " + msg);
    e.line = line;
    return e;
  }

  // Removes a trailing comment that is outside quotes and brackets' strings.
  function stripComment(s) {
    var q = null;
    for (var i = 0; i < s.length; i++) {
      var c = s[i];
      if (q) {
        if (c === "\\" && q === '"') { i++; continue; }
        if (c === q) q = null;
        continue;
      }
      if (c === '"' || c === "'") {
        // A quote starts a quoted scalar only at the start of a token.
        if (i === 0 || /[\s,\[{:]/.test(s[i - 1])) q = c;
        continue;
      }
      if (c === "#" && (i === 0 || /\s/.test(s[i - 1]))) return s.slice(0, i).replace(/\s+$/, "");
    }
    return s.replace(/\s+$/, "");
  }

  function indentOf(s) {
    var n = 0;
    while (n < s.length && s[n] === " ") n++;
    return n;
  }

  function plainScalar(s) {
    if (s === "" || s === "~" || s === "null" || s === "Null" || s === "NULL") return null;
    if (/^(true|True|TRUE)$/.test(s)) return true;
    if (/^(false|False|FALSE)$/.test(s)) return false;
    if (/^[-+]?[0-9]+$/.test(s)) return parseInt(s, 10);
    if (/^0x[0-9a-fA-F]+$/.test(s)) return parseInt(s, 16);
    if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(s)) return parseFloat(s);
    if (/^[-+]?\.(inf|Inf|INF)$/.test(s)) return s[0] === "-" ? -Infinity : Infinity;
    if (/^\.(nan|NaN|NAN)$/.test(s)) return NaN;
    return s;
  }

  var ESC = { "0": "\0", a: "\x07", b: "\b", t: "\t", n: "\n", v: "\v", f: "\f", r: "\r", e: "\x1b", " ": " ", '"': '"', "/": "/", "\\": "\\", N: "\u0085", _: "\u00a0" };

  // Reads a quoted scalar starting at s[i]; returns [value, index after it].
  function readQuoted(s, i, line) {
    var q = s[i], out = "";
    i++;
    while (i < s.length) {
      var c = s[i];
      if (q === "'") {
        if (c === "'") {
          if (s[i + 1] === "'") { out += "'"; i += 2; continue; }
          return [out, i + 1];
        }
        out += c; i++; continue;
      }
      if (c === '"') return [out, i + 1];
      if (c === "\\") {
        var n = s[i + 1];
        if (n === "x" || n === "u" || n === "U") {
          var len = n === "x" ? 2 : n === "u" ? 4 : 8;
          var hex = s.substr(i + 2, len);
          if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) throw YamlError("bad escape", line);
          out += String.fromCodePoint(parseInt(hex, 16));
          i += 2 + len;
          continue;
        }
        if (!(n in ESC)) throw YamlError("bad escape \\" + n, line);
        out += ESC[n]; i += 2; continue;
      }
      out += c; i++;
    }
    throw YamlError("unterminated quoted scalar", line);
  }

  // Parses a flow collection or scalar from text; returns [value, next index].
  function readFlow(s, i, line) {
    function ws() { while (i < s.length && /\s/.test(s[i])) i++; }
    function value() {
      ws();
      var c = s[i];
      if (c === "{") {
        i++;
        var obj = {};
        for (;;) {
          ws();
          if (s[i] === "}") { i++; return obj; }
          var k = key();
          ws();
          var v = null;
          if (s[i] === ":") { i++; ws(); if (s[i] !== "," && s[i] !== "}") v = value(); }
          obj[k] = v;
          ws();
          if (s[i] === ",") { i++; continue; }
          if (s[i] === "}") { i++; return obj; }
          throw YamlError("expected , or } in flow mapping", line);
        }
      }
      if (c === "[") {
        i++;
        var arr = [];
        for (;;) {
          ws();
          if (s[i] === "]") { i++; return arr; }
          arr.push(value());
          ws();
          if (s[i] === ",") { i++; continue; }
          if (s[i] === "]") { i++; return arr; }
          throw YamlError("expected , or ] in flow sequence", line);
        }
      }
      if (c === '"' || c === "'") {
        var r = readQuoted(s, i, line);
        i = r[1];
        return r[0];
      }
      var start = i;
      while (i < s.length && !/[,\]}]/.test(s[i]) && !(s[i] === ":" && /[\s,\]}]/.test(s[i + 1] || " "))) i++;
      return plainScalar(s.slice(start, i).trim());
    }
    function key() {
      ws();
      if (s[i] === '"' || s[i] === "'") {
        var r = readQuoted(s, i, line);
        i = r[1];
        return r[0];
      }
      var start = i;
      while (i < s.length && !(s[i] === ":" && /[\s,\]}]/.test(s[i + 1] || " ")) && s[i] !== "," && s[i] !== "}") i++;
      return s.slice(start, i).trim();
    }
    var v = value();
    return [v, i];
  }

  // Splits "key: rest" outside quotes and brackets; null if the line is no mapping entry.
  function splitKey(s) {
    var i = 0, key;
    if (s[0] === '"' || s[0] === "'") {
      var r;
      try { r = readQuoted(s, 0, 0); } catch (e) { return null; }
      key = r[0];
      i = r[1];
      if (s[i] !== ":") return null;
      if (i + 1 < s.length && s[i + 1] !== " ") return null;
      return [key, s.slice(i + 1).trim()];
    }
    if (s[0] === "{" || s[0] === "[") return null;
    for (; i < s.length; i++) {
      if (s[i] === ":" && (i + 1 === s.length || s[i + 1] === " ")) {
        return [s.slice(0, i).trim(), s.slice(i + 1).trim()];
      }
    }
    return null;
  }

  function parse(text) {
    var raw = text.replace(/\r\n?/g, "\n").split("\n");
    var pos = 0;

    function isBlank(l) { var t = stripComment(l); return t.trim() === "" || t.trim() === "---"; }
    function skipBlank() { while (pos < raw.length && isBlank(raw[pos])) pos++; }

    function blockScalar(header, parentIndent) {
      var m = /^([|>])([+-]?)([0-9]?)([+-]?)$/.exec(header);
      if (!m) throw YamlError("bad block scalar header " + header, pos - 1);
      var folded = m[1] === ">";
      var chomp = m[2] || m[4];
      var lines = [];
      var ind = m[3] ? parentIndent + parseInt(m[3], 10) : -1;
      while (pos < raw.length) {
        var l = raw[pos];
        if (l.trim() === "") { lines.push(""); pos++; continue; }
        var n = indentOf(l);
        if (ind < 0) {
          if (n <= parentIndent) break;
          ind = n;
        }
        if (n < ind) break;
        lines.push(l.slice(ind));
        pos++;
      }
      // Trailing blank lines belong to chomping, not to the content.
      var trail = 0;
      while (lines.length && lines[lines.length - 1] === "") { lines.pop(); trail++; }
      var body;
      if (folded) {
        body = "";
        for (var k = 0; k < lines.length; k++) {
          var cur = lines[k];
          if (k > 0) {
            var prev = lines[k - 1];
            if (cur === "" || prev === "" || /^\s/.test(cur) || /^\s/.test(prev)) body += "\n";
            else body += " ";
          }
          body += cur;
        }
        body = body.replace(/\n\n/g, "\n");
      } else {
        body = lines.join("\n");
      }
      if (chomp === "-") return body;
      if (chomp === "+") return body + "\n" + new Array(trail + 1).join("\n");
      return lines.length ? body + "\n" : "";
    }

    // A value written after "key:" or "- " on the same line.
    function inlineValue(rest, indent, inSeq) {
      if (rest === "") {
        skipBlank();
        if (pos >= raw.length) return null;
        var n = indentOf(raw[pos]);
        var t = raw[pos].slice(n);
        if (n > indent || (!inSeq && n === indent && /^-( |$)/.test(t))) return node(n);
        return null;
      }
      if (rest[0] === "|" || rest[0] === ">") return blockScalar(rest, indent);
      if (rest[0] === "&" || rest[0] === "*" || (rest[0] === "!" )) throw YamlError("anchors, aliases and tags are not supported", pos - 1);
      if (rest[0] === "{" || rest[0] === "[" || rest[0] === '"' || rest[0] === "'") {
        // A flow collection may continue on following, more indented lines.
        var buf = rest;
        for (;;) {
          try {
            var r = readFlow(buf, 0, pos - 1);
            if (buf.slice(r[1]).trim() !== "") throw YamlError("unexpected text after value", pos - 1);
            return r[0];
          } catch (e) {
            if (pos >= raw.length || indentOf(raw[pos]) <= indent || !/unterminated|expected/.test(e.message)) throw e;
            buf += " " + stripComment(raw[pos]).trim();
            pos++;
          }
        }
      }
      // A plain scalar may continue on more indented lines (folded with spaces).
      var out = rest;
      while (pos < raw.length && !isBlank(raw[pos]) && indentOf(raw[pos]) > indent) {
        var more = stripComment(raw[pos]).trim();
        // "key: value" here is a mis-indented mapping entry, not more text.
        if (splitKey(more)) throw YamlError("mapping values are not allowed here (check the indentation)", pos);
        out += " " + more;
        pos++;
      }
      return plainScalar(out);
    }

    function node(indent) {
      skipBlank();
      var first = raw[pos].slice(indent);
      if (/^-( |$)/.test(first)) return seq(indent);
      return map(indent);
    }

    function seq(indent) {
      var arr = [];
      for (;;) {
        skipBlank();
        if (pos >= raw.length) break;
        var l = stripComment(raw[pos]);
        var n = indentOf(l);
        if (n !== indent || !/^-( |$)/.test(l.slice(n))) {
          if (n > indent) throw YamlError("bad indentation in sequence", pos);
          break;
        }
        var rest = l.slice(n + 1).replace(/^ +/, "");
        var itemIndent = n + 1 + (l.slice(n + 1).length - rest.length);
        pos++;
        var kv = rest && rest[0] !== "{" && rest[0] !== "[" ? splitKey(rest) : null;
        if (kv || /^-( |$)/.test(rest)) {
          // "- key: value" opens a mapping (and "- - x" a sequence) whose
          // entries line up after the dash.
          pos--;
          raw[pos] = new Array(itemIndent + 1).join(" ") + raw[pos].slice(itemIndent);
          arr.push(node(itemIndent));
        } else {
          arr.push(inlineValue(rest, indent, true));
        }
      }
      return arr;
    }

    function map(indent) {
      var obj = {};
      for (;;) {
        skipBlank();
        if (pos >= raw.length) break;
        var l = stripComment(raw[pos]);
        var n = indentOf(l);
        if (n < indent) break;
        if (n > indent) throw YamlError("bad indentation in mapping", pos);
        if (/^-( |$)/.test(l.slice(n))) break;
        var kv = splitKey(l.slice(n));
        if (!kv) throw YamlError("expected key: value", pos);
        pos++;
        if (kv[0] === "<<") throw YamlError("merge keys are not supported", pos - 1);
        obj[kv[0]] = inlineValue(kv[1], indent);
      }
      return obj;
    }

    skipBlank();
    if (pos >= raw.length) return null;
    var top = raw[pos];
    var topIndent = indentOf(top);
    var result;
    if (/^-( |$)/.test(top.slice(topIndent)) || splitKey(stripComment(top).slice(topIndent))) {
      result = node(topIndent);
    } else {
      result = inlineValue(stripComment(top).trim(), -1);
      pos++;
    }
    skipBlank();
    if (pos < raw.length) throw YamlError("unexpected content", pos);
    return result;
  }

  var api = { parse: parse };
  if (typeof module === "object" && module.exports) module.exports = api;
  else root.HirebusYAML = api;
})(this);
