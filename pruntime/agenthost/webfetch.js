// webfetch.js: Headers, Blob, File, FormData, Request, Response and fetch
// after the WHATWG Fetch Standard. fetch goes through the host (egress
// policy, limits); bodies cross the boundary as base64 so binary survives,
// and an AbortSignal rejects the promise with the signal's reason.
(() => {
  "use strict";
  const g = globalThis;
  const { DOMException, bytesToB64, b64ToBytes, utf8Encode, toBytes, hostFetch, formSerialize } = g.__phala_webapi;
  const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
  const trimWS = (v) => String(v).replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, "");
  const checkName = (n) => { n = String(n); if (!TOKEN.test(n)) throw new TypeError(`Headers: "${n}" is not a valid header name`); return n.toLowerCase(); };
  const checkValue = (v) => { v = trimWS(v); if (/[\0\r\n]/.test(v)) throw new TypeError("Headers: the value has a NUL, CR or LF"); return v; };

  const store = new WeakMap();
  class Headers {
    constructor(init) {
      store.set(this, []);
      if (init === undefined || init === null) return;
      if (init instanceof Headers) { for (const [k, v] of init) this.append(k, v); return; }
      if (typeof init !== "object") throw new TypeError("Headers: init must be an object or a sequence of pairs");
      if (typeof init[Symbol.iterator] === "function") {
        for (const pair of init) {
          const p = [...pair];
          if (p.length !== 2) throw new TypeError("Headers: each pair must have two items");
          this.append(p[0], p[1]);
        }
      } else for (const k of Object.keys(init)) this.append(k, init[k]);
    }
    append(k, v) { store.get(this).push([checkName(k), checkValue(v)]); }
    delete(k) { k = checkName(k); store.set(this, store.get(this).filter(([a]) => a !== k)); }
    get(k) {
      k = checkName(k);
      const vs = store.get(this).filter(([a]) => a === k).map(([, b]) => b);
      return vs.length === 0 ? null : vs.join(", ");
    }
    getSetCookie() { return store.get(this).filter(([a]) => a === "set-cookie").map(([, b]) => b); }
    has(k) { k = checkName(k); return store.get(this).some(([a]) => a === k); }
    set(k, v) {
      k = checkName(k); v = checkValue(v);
      const list = store.get(this), i = list.findIndex(([a]) => a === k);
      if (i < 0) list.push([k, v]);
      else { list[i][1] = v; store.set(this, list.filter(([a], j) => a !== k || j === i)); }
    }
    *entries() {
      const names = [...new Set(store.get(this).map(([a]) => a))].sort();
      for (const n of names) {
        if (n === "set-cookie") for (const c of this.getSetCookie()) yield [n, c];
        else yield [n, this.get(n)];
      }
    }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    forEach(fn, thisArg) { for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this); }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "Headers"; }
  }

  class Blob {
    constructor(parts = [], opts = {}) {
      const chunks = [];
      for (const p of parts) {
        if (p instanceof Blob) chunks.push(p._bytes);
        else if (p instanceof ArrayBuffer || ArrayBuffer.isView(p)) chunks.push(new Uint8Array(toBytes(p)));
        else chunks.push(utf8Encode(String(p)));
      }
      const n = chunks.reduce((a, c) => a + c.length, 0), bytes = new Uint8Array(n);
      let off = 0;
      for (const c of chunks) { bytes.set(c, off); off += c.length; }
      Object.defineProperty(this, "_bytes", { value: bytes });
      this.type = /^[\u0020-\u007e]*$/.test(opts?.type ?? "") ? String(opts?.type ?? "").toLowerCase() : "";
    }
    get size() { return this._bytes.length; }
    async text() { return new g.TextDecoder().decode(this._bytes); }
    async arrayBuffer() { return this._bytes.slice().buffer; }
    async bytes() { return this._bytes.slice(); }
    slice(start = 0, end = this.size, type = "") { return new Blob([this._bytes.slice(start, end)], { type }); }
    get [Symbol.toStringTag]() { return "Blob"; }
  }
  class File extends Blob {
    constructor(parts, name, opts = {}) { super(parts, opts); this.name = String(name); this.lastModified = opts?.lastModified ?? Date.now(); }
    get [Symbol.toStringTag]() { return "File"; }
  }

  const entries = new WeakMap();
  const formValue = (v, filename) => {
    if (v instanceof Blob) return v instanceof File && filename === undefined ? v : new File([v], filename ?? (v instanceof File ? v.name : "blob"), { type: v.type });
    return String(v);
  };
  class FormData {
    constructor(form) { if (form !== undefined) throw new TypeError("FormData: there are no form elements here"); entries.set(this, []); }
    append(k, v, f) { entries.get(this).push([String(k), formValue(v, f)]); }
    delete(k) { k = String(k); entries.set(this, entries.get(this).filter(([a]) => a !== k)); }
    get(k) { k = String(k); const e = entries.get(this).find(([a]) => a === k); return e ? e[1] : null; }
    getAll(k) { k = String(k); return entries.get(this).filter(([a]) => a === k).map(([, v]) => v); }
    has(k) { k = String(k); return entries.get(this).some(([a]) => a === k); }
    set(k, v, f) {
      k = String(k);
      const list = entries.get(this), i = list.findIndex(([a]) => a === k);
      if (i < 0) list.push([k, formValue(v, f)]);
      else { list[i] = [k, formValue(v, f)]; entries.set(this, list.filter(([a], j) => a !== k || j === i)); }
    }
    *entries() { for (const e of entries.get(this)) yield [e[0], e[1]]; }
    *keys() { for (const [k] of this.entries()) yield k; }
    *values() { for (const [, v] of this.entries()) yield v; }
    forEach(fn, thisArg) { for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this); }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return "FormData"; }
  }
  const multipart = (fd) => {
    const boundary = "----phala" + bytesToB64(crypto.getRandomValues(new Uint8Array(12))).replace(/[+/=]/g, "x");
    const esc = (s) => s.replace(/\r\n?|\n/g, "\r\n").replace(/"/g, "%22").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
    const parts = [];
    for (const [k, v] of fd) {
      let head = `--${boundary}\r\nContent-Disposition: form-data; name="${esc(k)}"`;
      if (v instanceof File) head += `; filename="${esc(v.name)}"\r\nContent-Type: ${v.type || "application/octet-stream"}`;
      parts.push(head + "\r\n\r\n", v instanceof File ? v._bytes : String(v).replace(/\r\n?|\n/g, "\r\n"), "\r\n");
    }
    parts.push(`--${boundary}--\r\n`);
    return [new Blob(parts)._bytes, "multipart/form-data; boundary=" + boundary];
  };

  // extract turns a BodyInit into bytes and the Content-Type it implies.
  const extract = (body) => {
    if (body === undefined || body === null) return [null, null];
    if (typeof body === "string") return [utf8Encode(body), "text/plain;charset=UTF-8"];
    if (body instanceof g.URLSearchParams) return [utf8Encode(body.toString()), "application/x-www-form-urlencoded;charset=UTF-8"];
    if (body instanceof FormData) return multipart(body);
    if (body instanceof Blob) return [body._bytes.slice(), body.type || null];
    if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return [new Uint8Array(toBytes(body)), null];
    if (typeof body?.getReader === "function") throw new TypeError("streamed bodies are not supported: pass a string, bytes, Blob, FormData or URLSearchParams");
    return [utf8Encode(String(body)), "text/plain;charset=UTF-8"];
  };
  const bodies = new WeakMap();
  const consume = (self) => {
    const b = bodies.get(self);
    if (b.used) return Promise.reject(new TypeError("the body has already been read"));
    b.used = b.bytes !== null;
    return Promise.resolve(b.bytes ?? new Uint8Array(0));
  };
  const parseForm = (bytes, type) => {
    const fd = new FormData();
    if (/^application\/x-www-form-urlencoded/i.test(type ?? "")) {
      for (const [k, v] of new g.URLSearchParams(new g.TextDecoder().decode(bytes))) fd.append(k, v);
      return fd;
    }
    const m = /^multipart\/form-data;.*boundary="?([^";]+)"?/i.exec(type ?? "");
    if (!m) throw new TypeError("formData: the body is neither urlencoded nor multipart");
    const text = new g.TextDecoder().decode(bytes);
    for (const part of text.split("--" + m[1]).slice(1, -1)) {
      const [head, ...rest] = part.replace(/^\r\n/, "").split("\r\n\r\n");
      const value = rest.join("\r\n\r\n").replace(/\r\n$/, "");
      const name = /name="([^"]*)"/.exec(head)?.[1] ?? "", file = /filename="([^"]*)"/.exec(head)?.[1];
      fd.append(name, file === undefined ? value : new File([value], file, { type: /content-type:\s*(\S+)/i.exec(head)?.[1] ?? "" }));
    }
    return fd;
  };
  class Body {
    get body() { const b = bodies.get(this).bytes; return b === null ? null : b; }
    get bodyUsed() { return bodies.get(this).used; }
    async arrayBuffer() { const b = await consume(this); return b.slice().buffer; }
    async bytes() { return (await consume(this)).slice(); }
    async text() { return new g.TextDecoder().decode(await consume(this)); }
    async json() { return JSON.parse(await this.text()); }
    async blob() { return new Blob([await consume(this)], { type: this.headers.get("content-type") ?? "" }); }
    async formData() { return parseForm(await consume(this), this.headers.get("content-type")); }
  }
  const setBody = (self, init, headers) => {
    const [bytes, type] = extract(init);
    if (type !== null && !headers.has("content-type")) headers.set("content-type", type);
    bodies.set(self, { bytes, used: false });
  };

  const METHODS = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"];
  class Request extends Body {
    constructor(input, init = {}) {
      super();
      const from = input instanceof Request ? input : null;
      const url = from ? from.url : new g.URL(String(input)).href;
      if (/^[^:]*:\/\/[^/]*@/.test(url) && new g.URL(url).username + new g.URL(url).password !== "") throw new TypeError("Request: the URL has credentials");
      let method = init.method ?? from?.method ?? "GET";
      if (!TOKEN.test(method)) throw new TypeError(`Request: "${method}" is not a valid method`);
      if (METHODS.includes(String(method).toUpperCase())) method = String(method).toUpperCase();
      if (["CONNECT", "TRACE", "TRACK"].includes(method.toUpperCase())) throw new TypeError(`Request: the method ${method} is forbidden`);
      this.url = url; this.method = method;
      this.headers = new Headers(init.headers ?? from?.headers);
      this.signal = init.signal ?? from?.signal ?? new AbortController().signal;
      this.redirect = init.redirect ?? from?.redirect ?? "follow";
      this.credentials = init.credentials ?? "same-origin"; this.mode = init.mode ?? "cors"; this.cache = init.cache ?? "default";
      this.referrer = "about:client"; this.integrity = init.integrity ?? ""; this.keepalive = !!init.keepalive;
      let body = init.body;
      if (body === undefined && from) { if (from.bodyUsed) throw new TypeError("Request: the input's body has already been read"); body = bodies.get(from).bytes; }
      if (body !== undefined && body !== null && (method === "GET" || method === "HEAD")) throw new TypeError(`Request: a ${method} request cannot have a body`);
      setBody(this, body, this.headers);
    }
    clone() { if (this.bodyUsed) throw new TypeError("clone: the body has already been read"); return new Request(this); }
    get [Symbol.toStringTag]() { return "Request"; }
  }

  const NULL_BODY = [101, 103, 204, 205, 304];
  class Response extends Body {
    constructor(body = null, init = {}) {
      super();
      const status = init.status ?? 200;
      if (!Number.isInteger(status) || status < 200 || status > 599) throw new RangeError(`Response: status ${status} is outside 200-599`);
      const statusText = String(init.statusText ?? "");
      if (!/^[\t\u0020-\u007e\u0080-\u00ff]*$/.test(statusText)) throw new TypeError("Response: bad statusText");
      this.status = status; this.statusText = statusText;
      this.headers = new Headers(init.headers);
      this.type = "default"; this.url = ""; this.redirected = false;
      if (body !== null && body !== undefined && NULL_BODY.includes(status)) throw new TypeError(`Response: status ${status} cannot have a body`);
      setBody(this, body, this.headers);
    }
    get ok() { return this.status >= 200 && this.status <= 299; }
    clone() {
      if (this.bodyUsed) throw new TypeError("clone: the body has already been read");
      const r = new Response(bodies.get(this).bytes?.slice() ?? null, { status: this.status, statusText: this.statusText, headers: this.headers });
      Object.assign(r, { type: this.type, url: this.url, redirected: this.redirected });
      return r;
    }
    static error() { const r = new Response(null, { status: 200 }); r.status = 0; r.type = "error"; return r; }
    static redirect(url, status = 302) {
      if (![301, 302, 303, 307, 308].includes(status)) throw new RangeError(`Response.redirect: ${status} is not a redirect status`);
      return new Response(null, { status, headers: { location: new g.URL(String(url)).href } });
    }
    static json(data, init = {}) {
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError("Response.json: the data cannot be serialized");
      const headers = new Headers(init.headers);
      if (!headers.has("content-type")) headers.set("content-type", "application/json");
      return new Response(text, { ...init, headers });
    }
    get [Symbol.toStringTag]() { return "Response"; }
  }

  const fetch = (input, init) => {
    let req;
    try { req = new Request(input, init); } catch (e) { return Promise.reject(e); }
    const signal = req.signal;
    if (signal.aborted) return Promise.reject(signal.reason);
    const bytes = bodies.get(req).bytes;
    const headers = {};
    for (const [k, v] of req.headers) headers[k] = v;
    const call = hostFetch(req.url, JSON.stringify({ method: req.method, headers, bodyBase64: bytes === null ? "" : bytesToB64(bytes) }));
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      call.then((text) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) return;
        const r = JSON.parse(text);
        const status = r.status;
        const res = new Response(null, { status: status < 200 || status > 599 ? 200 : status, headers: r.headers });
        res.status = status;
        bodies.set(res, { bytes: NULL_BODY.includes(status) || req.method === "HEAD" ? null : b64ToBytes(r.bodyBase64), used: false });
        res.url = r.url; res.redirected = r.url !== req.url;
        resolve(res);
      }, (e) => { signal.removeEventListener("abort", onAbort); reject(new TypeError("fetch failed: " + (e?.message ?? e))); });
    });
  };
  for (const [name, v] of Object.entries({ Headers, Blob, File, FormData, Request, Response, fetch })) Object.defineProperty(g, name, { value: v, writable: true, configurable: true });
})();
