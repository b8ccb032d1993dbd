// weburl.js: URL and URLSearchParams after the WHATWG URL Standard (the
// parser's states folded into a split-then-parse form). Hosts are ASCII:
// an internationalized domain name is refused rather than half-converted.
(() => {
  "use strict";
  const g = globalThis;
  const { utf8Encode } = g.__phala_webapi;
  const SPECIAL = { "ftp:": 21, "file:": null, "http:": 80, "https:": 443, "ws:": 80, "wss:": 443 };
  const isSpecial = (scheme) => Object.prototype.hasOwnProperty.call(SPECIAL, scheme + ":");
  const fail = (why) => { throw new TypeError("Invalid URL: " + why); };

  // Percent-encode sets, as predicates over code points.
  const C0 = (c) => c < 0x20 || c > 0x7e;
  const FRAGMENT = (c) => C0(c) || c === 0x20 || c === 0x22 || c === 0x3c || c === 0x3e || c === 0x60;
  const QUERY = (c) => C0(c) || c === 0x20 || c === 0x22 || c === 0x23 || c === 0x3c || c === 0x3e;
  const SPECIAL_QUERY = (c) => QUERY(c) || c === 0x27;
  const PATH = (c) => QUERY(c) || c === 0x3f || c === 0x60 || c === 0x7b || c === 0x7d;
  const USERINFO = (c) => PATH(c) || c === 0x2f || c === 0x3a || c === 0x3b || c === 0x3d || c === 0x40 || (c >= 0x5b && c <= 0x5e) || c === 0x7c;
  const FORM = (c) => !((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2a || c === 0x2d || c === 0x2e || c === 0x5f);
  const hex2 = (b) => "%" + (b < 16 ? "0" : "") + b.toString(16).toUpperCase();
  const encode = (s, set, spaceAsPlus) => {
    let out = "";
    for (const ch of s) {
      const c = ch.codePointAt(0);
      if (spaceAsPlus && c === 0x20) out += "+";
      else if (c < 0x80 && !set(c)) out += ch;
      else for (const b of utf8Encode(ch)) out += hex2(b);
    }
    return out;
  };
  const percentDecode = (s) => {
    const bytes = utf8Encode(s), out = [];
    for (let i = 0; i < bytes.length; i++) {
      const h = String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0);
      if (bytes[i] === 0x25 && /^[0-9A-Fa-f]{2}$/.test(h)) { out.push(parseInt(h, 16)); i += 2; } else out.push(bytes[i]);
    }
    return new g.TextDecoder().decode(new Uint8Array(out));
  };

  // Hosts.
  const parseIPv4Number = (s) => {
    if (s === "") return NaN;
    let radix = 10;
    if (/^0[xX]/.test(s)) { s = s.slice(2); radix = 16; } else if (s.length > 1 && s[0] === "0") { s = s.slice(1); radix = 8; }
    if (s === "") return 0;
    const re = radix === 16 ? /^[0-9a-fA-F]+$/ : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
    return re.test(s) ? parseInt(s, radix) : NaN;
  };
  const endsInNumber = (host) => {
    const parts = host.split(".");
    if (parts[parts.length - 1] === "") { if (parts.length === 1) return false; parts.pop(); }
    const last = parts[parts.length - 1];
    return /^[0-9]+$/.test(last) || /^0[xX][0-9a-fA-F]*$/.test(last);
  };
  const parseIPv4 = (host) => {
    const parts = host.split(".");
    if (parts[parts.length - 1] === "" && parts.length > 1) parts.pop();
    if (parts.length > 4) fail("IPv4 address with more than four parts");
    const nums = parts.map(parseIPv4Number);
    if (nums.some((n) => Number.isNaN(n))) fail("bad IPv4 address");
    for (let i = 0; i < nums.length - 1; i++) if (nums[i] > 255) fail("IPv4 part over 255");
    if (nums[nums.length - 1] >= 256 ** (5 - nums.length)) fail("IPv4 address out of range");
    let v = nums[nums.length - 1];
    for (let i = 0; i < nums.length - 1; i++) v += nums[i] * 256 ** (3 - i);
    return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join(".");
  };
  const parseIPv6 = (s) => {
    const a = [0, 0, 0, 0, 0, 0, 0, 0];
    let piece = 0, compress = null, i = 0;
    if (s[0] === ":") { if (s[1] !== ":") fail("bad IPv6 address"); i = 2; compress = ++piece; }
    while (i < s.length) {
      if (piece === 8) fail("IPv6 address too long");
      if (s[i] === ":") { if (compress !== null) fail("bad IPv6 address"); i++; compress = ++piece; continue; }
      let v = 0, len = 0;
      while (len < 4 && i < s.length && /[0-9a-fA-F]/.test(s[i])) { v = v * 16 + parseInt(s[i], 16); i++; len++; }
      if (s[i] === ".") {
        if (len === 0 || piece > 6) fail("bad IPv4 in IPv6");
        i -= len;
        const v4 = s.slice(i).split(".");
        if (v4.length !== 4 || v4.some((p) => !/^(0|[1-9][0-9]{0,2})$/.test(p) || +p > 255)) fail("bad IPv4 in IPv6");
        a[piece++] = +v4[0] * 256 + +v4[1]; a[piece++] = +v4[2] * 256 + +v4[3];
        i = s.length; break;
      }
      if (s[i] === ":") { i++; if (i >= s.length) fail("bad IPv6 address"); } else if (i < s.length) fail("bad IPv6 address");
      a[piece++] = v;
    }
    if (compress !== null) {
      let swaps = piece - compress; piece = 7;
      while (piece !== 0 && swaps > 0) { const t = a[compress + swaps - 1]; a[compress + swaps - 1] = a[piece]; a[piece] = t; piece--; swaps--; }
    } else if (piece !== 8) fail("IPv6 address too short");
    let best = -1, bestLen = 1;
    for (let j = 0; j < 8; ) {
      let k = j; while (k < 8 && a[k] === 0) k++;
      if (k - j > bestLen) { best = j; bestLen = k - j; }
      j = k === j ? j + 1 : k;
    }
    let out = "";
    for (let j = 0; j < 8; j++) {
      if (j === best) { out += j === 0 ? "::" : ":"; j += bestLen - 1; continue; }
      out += a[j].toString(16) + (j < 7 ? ":" : "");
    }
    return "[" + out + "]";
  };
  const FORBIDDEN_HOST = /[\u0000\t\n\r #/:<>?@[\\\]^|]/;
  const parseHost = (input, special) => {
    if (input.startsWith("[")) {
      if (!input.endsWith("]")) fail("unclosed IPv6 address");
      return parseIPv6(input.slice(1, -1));
    }
    if (!special) {
      if (FORBIDDEN_HOST.test(input)) fail("forbidden host code point");
      return encode(input, C0);
    }
    let domain = percentDecode(input).normalize("NFKC").toLowerCase();
    if (domain === "") fail("empty host");
    if (/[^\u0000-\u007f]/.test(domain)) fail("internationalized domain names are not supported");
    if (FORBIDDEN_HOST.test(domain) || /[\u0000-\u001f%\u007f]/.test(domain)) fail("forbidden domain code point");
    return endsInNumber(domain) ? parseIPv4(domain) : domain;
  };

  // Paths.
  const isWindowsDrive = (s) => /^[A-Za-z][:|]$/.test(s);
  const addSegments = (rec, str) => {
    const parts = str.split("/");
    parts.forEach((p, i) => {
      const last = i === parts.length - 1, low = p.toLowerCase();
      if (low === ".." || low === ".%2e" || low === "%2e." || low === "%2e%2e") {
        if (!(rec.scheme === "file" && rec.path.length === 1 && isWindowsDrive(rec.path[0]))) rec.path.pop();
        if (last) rec.path.push("");
      } else if (low === "." || low === "%2e") {
        if (last) rec.path.push("");
      } else {
        if (rec.scheme === "file" && rec.path.length === 0 && isWindowsDrive(p)) p = p[0] + ":";
        rec.path.push(encode(p, PATH));
      }
    });
  };
  const parseAuthority = (rec, auth) => {
    const at = auth.lastIndexOf("@");
    if (at >= 0) {
      const info = auth.slice(0, at), colon = info.indexOf(":");
      rec.username = encode(colon < 0 ? info : info.slice(0, colon), USERINFO);
      rec.password = colon < 0 ? "" : encode(info.slice(colon + 1), USERINFO);
      auth = auth.slice(at + 1);
    }
    const m = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(auth);
    if (!m) fail("bad host");
    const special = isSpecial(rec.scheme);
    if (m[1] === "" && (special || at >= 0 || m[2] !== undefined)) fail("empty host");
    rec.host = m[1] === "" ? "" : parseHost(m[1], special);
    rec.port = null;
    if (m[2] !== undefined && m[2] !== "") {
      if (!/^[0-9]+$/.test(m[2])) fail("bad port");
      const port = parseInt(m[2], 10);
      if (port > 65535) fail("port out of range");
      rec.port = SPECIAL[rec.scheme + ":"] === port ? null : port;
    }
  };
  const splitTail = (s) => {
    let fragment = null, query = null;
    const h = s.indexOf("#");
    if (h >= 0) { fragment = s.slice(h + 1); s = s.slice(0, h); }
    const q = s.indexOf("?");
    if (q >= 0) { query = s.slice(q + 1); s = s.slice(0, q); }
    return [s, query, fragment];
  };
  const copy = (b) => ({ ...b, path: Array.isArray(b.path) ? [...b.path] : b.path });

  // parse is the basic URL parser without state overrides: it returns a
  // URL record or throws a TypeError naming what is wrong.
  const parse = (input, base) => {
    input = String(input).replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "").replace(/[\t\n\r]/g, "");
    const m = /^([A-Za-z][A-Za-z0-9+\-.]*):/.exec(input);
    let rec = { scheme: "", username: "", password: "", host: null, port: null, path: [], query: null, fragment: null };
    let rest = input;
    if (m) { rec.scheme = m[1].toLowerCase(); rest = input.slice(m[0].length); }
    else if (!base) fail("no scheme and no base URL");
    else if (!Array.isArray(base.path) && !input.startsWith("#")) fail("relative URL against a base with an opaque path");
    const special = isSpecial(m ? rec.scheme : base.scheme);
    let [hier, query, fragment] = splitTail(rest);
    if (special) hier = hier.replace(/\\/g, "/");
    const enc = (q) => (q === null ? null : encode(q, special ? SPECIAL_QUERY : QUERY));
    const relative = !m || (special && rec.scheme !== "file" && base && base.scheme === rec.scheme && !hier.startsWith("/"));
    if (relative) {
      rec = copy(base);
      rec.fragment = fragment === null ? null : encode(fragment, FRAGMENT);
      if (hier === "" && query === null) return rec;
      rec.query = enc(query);
      if (hier.startsWith("//") && rec.scheme !== "file") { rec.username = rec.password = ""; rec.path = []; return authorityAndPath(rec, hier.slice(2)); }
      if (hier.startsWith("//")) return fileRest(rec, hier);
      if (hier.startsWith("/")) { rec.path = []; addSegments(rec, hier.slice(1)); return rec; }
      if (hier === "") return rec;
      rec.path.pop();
      if (rec.scheme === "file" && rec.path.length === 0 && isWindowsDrive(hier.split("/")[0])) rec.path = [];
      addSegments(rec, hier);
      return rec;
    }
    rec.query = enc(query);
    rec.fragment = fragment === null ? null : encode(fragment, FRAGMENT);
    if (rec.scheme === "file") return fileRest(rec, hier, base && base.scheme === "file" ? base : null);
    if (special) return authorityAndPath(rec, hier.replace(/^\/*/, ""));
    if (hier.startsWith("//")) return authorityAndPath(rec, hier.slice(2));
    if (hier.startsWith("/")) { addSegments(rec, hier.slice(1)); return rec; }
    rec.path = encode(hier, C0);
    return rec;
  };
  const authorityAndPath = (rec, s) => {
    const slash = s.indexOf("/");
    parseAuthority(rec, slash < 0 ? s : s.slice(0, slash));
    rec.path = [];
    if (slash >= 0) addSegments(rec, s.slice(slash + 1));
    else if (isSpecial(rec.scheme)) rec.path = [""];
    return rec;
  };
  const fileRest = (rec, hier, base) => {
    rec.username = rec.password = ""; rec.port = null; rec.path = [];
    if (/^\/\//.test(hier)) {
      const s = hier.slice(2), slash = s.indexOf("/");
      const h = slash < 0 ? s : s.slice(0, slash);
      if (isWindowsDrive(h)) { rec.host = ""; addSegments(rec, s); return rec; }
      rec.host = h === "" ? "" : parseHost(h, true);
      if (rec.host === "localhost") rec.host = "";
      if (slash >= 0) addSegments(rec, s.slice(slash + 1)); else rec.path = [""];
      return rec;
    }
    rec.host = base ? base.host : "";
    if (hier.startsWith("/")) { addSegments(rec, hier.replace(/^\/+/, "")); return rec; }
    if (base && hier === "") { rec.path = [...base.path]; return rec; }
    if (base && !isWindowsDrive(hier.split("/")[0])) { rec.path = [...base.path]; rec.path.pop(); }
    addSegments(rec, hier);
    return rec;
  };
  const serialize = (r, noFragment) => {
    let out = r.scheme + ":";
    if (r.host !== null) {
      out += "//";
      if (r.username !== "" || r.password !== "") out += r.username + (r.password !== "" ? ":" + r.password : "") + "@";
      out += r.host + (r.port !== null ? ":" + r.port : "");
    } else if (Array.isArray(r.path) && r.path.length > 1 && r.path[0] === "") out += "/.";
    out += Array.isArray(r.path) ? r.path.map((s) => "/" + s).join("") : r.path;
    if (r.query !== null) out += "?" + r.query;
    if (!noFragment && r.fragment !== null) out += "#" + r.fragment;
    return out;
  };

  // application/x-www-form-urlencoded.
  const formParse = (s) => {
    const out = [];
    for (const part of s.split("&")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const name = eq < 0 ? part : part.slice(0, eq), value = eq < 0 ? "" : part.slice(eq + 1);
      out.push([percentDecode(name.replace(/\+/g, " ")), percentDecode(value.replace(/\+/g, " "))]);
    }
    return out;
  };
  const usv = (s) => String(s).replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
  const formSerialize = (list) => list.map(([k, v]) => encode(k, FORM, true) + "=" + encode(v, FORM, true)).join("&");

  const lists = new WeakMap();
  class URLSearchParams {
    constructor(init = "") {
      let list = [];
      if (init instanceof URLSearchParams) list = lists.get(init).list.map((p) => [...p]);
      else if (typeof init === "object" && init !== null && typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const p = [...pair];
          if (p.length !== 2) throw new TypeError("URLSearchParams: each pair must have two items");
          list.push([usv(p[0]), usv(p[1])]);
        }
      } else if (typeof init === "object" && init !== null) {
        for (const k of Reflect.ownKeys(init)) if (typeof k === "string" && Object.getOwnPropertyDescriptor(init, k)?.enumerable) list.push([usv(k), usv(init[k])]);
      } else {
        const s = usv(init);
        list = formParse(s.startsWith("?") ? s.slice(1) : s);
      }
      lists.set(this, { list, url: null });
    }
    _update() { const st = lists.get(this); if (st.url) { const q = formSerialize(st.list); st.url.query = q === "" ? null : q; } }
    get size() { return lists.get(this).list.length; }
    append(k, v) { lists.get(this).list.push([usv(k), usv(v)]); this._update(); }
    delete(k, v) { const st = lists.get(this); k = usv(k); st.list = st.list.filter(([a, b]) => !(a === k && (v === undefined || b === usv(v)))); this._update(); }
    get(k) { k = usv(k); const p = lists.get(this).list.find(([a]) => a === k); return p ? p[1] : null; }
    getAll(k) { k = usv(k); return lists.get(this).list.filter(([a]) => a === k).map(([, b]) => b); }
    has(k, v) { k = usv(k); return lists.get(this).list.some(([a, b]) => a === k && (v === undefined || b === usv(v))); }
    set(k, v) {
      const st = lists.get(this); k = usv(k); v = usv(v);
      const i = st.list.findIndex(([a]) => a === k);
      if (i < 0) st.list.push([k, v]);
      else { st.list[i][1] = v; st.list = st.list.filter(([a], j) => a !== k || j === i); }
      this._update();
    }
    sort() {
      const st = lists.get(this);
      st.list = st.list.map((p, i) => [p, i]).sort(([a, i], [b, j]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : i - j)).map(([p]) => p);
      this._update();
    }
    forEach(fn, thisArg) { for (const [k, v] of lists.get(this).list) fn.call(thisArg, v, k, this); }
    *entries() { for (const p of lists.get(this).list) yield [p[0], p[1]]; }
    *keys() { for (const p of lists.get(this).list) yield p[0]; }
    *values() { for (const p of lists.get(this).list) yield p[1]; }
    [Symbol.iterator]() { return this.entries(); }
    toString() { return formSerialize(lists.get(this).list); }
    get [Symbol.toStringTag]() { return "URLSearchParams"; }
  }

  const records = new WeakMap();
  const rec = (u) => records.get(u);
  class URL {
    constructor(url, base) {
      const b = base === undefined ? null : parse(usv(base), null);
      const r = parse(usv(url), b);
      records.set(this, r);
      const sp = new URLSearchParams(r.query ?? "");
      lists.get(sp).url = r;
      this._sp = sp;
      Object.defineProperty(this, "_sp", { enumerable: false });
    }
    static canParse(url, base) { try { new URL(url, base); return true; } catch { return false; } }
    static parse(url, base) { try { return new URL(url, base); } catch { return null; } }
    _reset() { lists.get(this._sp).list = formParse(rec(this).query ?? ""); }
    get href() { return serialize(rec(this)); }
    set href(v) { const r = parse(usv(v), null); records.set(this, r); lists.get(this._sp).url = r; this._reset(); }
    get origin() {
      const r = rec(this);
      if (r.scheme === "blob" && Array.isArray(r.path) === false) { try { return new URL(r.path).origin; } catch { return "null"; } }
      if (!isSpecial(r.scheme) || r.scheme === "file") return "null";
      return r.scheme + "://" + r.host + (r.port !== null ? ":" + r.port : "");
    }
    get protocol() { return rec(this).scheme + ":"; }
    set protocol(v) {
      const r = rec(this), m = /^([A-Za-z][A-Za-z0-9+\-.]*)(:|$)/.exec(usv(v));
      if (!m) return;
      const s = m[1].toLowerCase();
      if (isSpecial(s) !== isSpecial(r.scheme)) return;
      if (s === "file" && (r.username !== "" || r.password !== "" || r.port !== null)) return;
      if (r.scheme === "file" && r.host === "") return;
      r.scheme = s;
      if (r.port === SPECIAL[s + ":"]) r.port = null;
    }
    get username() { return rec(this).username; }
    set username(v) { const r = rec(this); if (r.host === null || r.host === "" || r.scheme === "file") return; r.username = encode(usv(v), USERINFO); }
    get password() { return rec(this).password; }
    set password(v) { const r = rec(this); if (r.host === null || r.host === "" || r.scheme === "file") return; r.password = encode(usv(v), USERINFO); }
    get host() { const r = rec(this); return r.host === null ? "" : r.host + (r.port !== null ? ":" + r.port : ""); }
    set host(v) { this._setHost(usv(v), true); }
    get hostname() { return rec(this).host ?? ""; }
    set hostname(v) { this._setHost(usv(v), false); }
    _setHost(v, withPort) {
      const r = rec(this);
      if (!Array.isArray(r.path)) return;
      const m = /^(\[[^\]]*\]|[^:/?#\\]*)(?::([0-9]*))?/.exec(v);
      if (!m || m[1] === "" && isSpecial(r.scheme)) return;
      try {
        const h = parseHost(m[1], isSpecial(r.scheme));
        r.host = r.scheme === "file" && h === "localhost" ? "" : h;
        if (withPort && m[2] !== undefined && m[2] !== "") this.port = m[2];
      } catch { /* a bad host leaves the URL as it was */ }
    }
    get port() { const p = rec(this).port; return p === null ? "" : String(p); }
    set port(v) {
      const r = rec(this);
      if (r.host === null || r.host === "" || r.scheme === "file") return;
      v = usv(v);
      if (v === "") { r.port = null; return; }
      const m = /^[0-9]+/.exec(v);
      if (!m || +m[0] > 65535) return;
      r.port = SPECIAL[r.scheme + ":"] === +m[0] ? null : +m[0];
    }
    get pathname() { const r = rec(this); return Array.isArray(r.path) ? r.path.map((s) => "/" + s).join("") : r.path; }
    set pathname(v) {
      const r = rec(this);
      if (!Array.isArray(r.path)) return;
      v = usv(v);
      if (isSpecial(r.scheme)) v = v.replace(/\\/g, "/");
      r.path = [];
      addSegments(r, v.startsWith("/") ? v.slice(1) : v);
    }
    get search() { const q = rec(this).query; return q === null || q === "" ? "" : "?" + q; }
    set search(v) {
      const r = rec(this); v = usv(v);
      if (v.startsWith("?")) v = v.slice(1);
      r.query = v === "" ? null : encode(v, isSpecial(r.scheme) ? SPECIAL_QUERY : QUERY);
      this._reset();
    }
    get searchParams() { return this._sp; }
    get hash() { const f = rec(this).fragment; return f === null || f === "" ? "" : "#" + f; }
    set hash(v) { const r = rec(this); v = usv(v); if (v.startsWith("#")) v = v.slice(1); r.fragment = v === "" ? null : encode(v, FRAGMENT); }
    toString() { return this.href; }
    toJSON() { return this.href; }
    get [Symbol.toStringTag]() { return "URL"; }
  }
  for (const [name, C] of [["URL", URL], ["URLSearchParams", URLSearchParams]]) Object.defineProperty(g, name, { value: C, writable: true, configurable: true });
  Object.assign(g.__phala_webapi, { formSerialize, formParse });
})();
