// webapi.js is the web platform an agent sees (the WinterTC Minimum Common
// Web Platform API, as far as it applies to a server-side handler). It runs
// as trusted code on agents only, when the agent first touches one of its
// globals (weblazy.js): contracts (pruntime/replica) keep their
// deterministic subset without timers, clock or randomness. The host
// functions it uses come from weblazy.js in __phala_webapi: hostSleep
// (async, timers), hostSubtle (sync, crypto.subtle in Go), hostFetch
// (async, fetch under the egress policy), with origin, the call's start
// (performance.timeOrigin). Binary data crosses the host boundary as base64.
(() => {
  "use strict";
  const g = globalThis;
  const { hostSleep, hostSubtle, hostFetch, origin } = g.__phala_webapi;
  const def = (name, value) => Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });

  // DOMException, Event, EventTarget: what AbortSignal needs.
  class DOMException extends Error {
    constructor(message = "", name = "Error") { super(message); this.name = name; }
    get code() { return { AbortError: 20, TimeoutError: 23, DataCloneError: 25, SyntaxError: 12, NotSupportedError: 9, InvalidAccessError: 15, OperationError: 0 }[this.name] ?? 0; }
  }
  def("DOMException", DOMException);
  class Event {
    constructor(type, init) { this.type = String(type); this.bubbles = !!init?.bubbles; this.cancelable = !!init?.cancelable; this.defaultPrevented = false; this.target = null; this.currentTarget = null; this.timeStamp = Date.now(); }
    preventDefault() { if (this.cancelable) this.defaultPrevented = true; }
    stopPropagation() {}
    stopImmediatePropagation() { this._stop = true; }
  }
  def("Event", Event);
  const listeners = new WeakMap();
  class EventTarget {
    addEventListener(type, fn, opts) {
      if (typeof fn !== "function" && !(fn && typeof fn.handleEvent === "function")) return;
      let m = listeners.get(this);
      if (!m) listeners.set(this, (m = new Map()));
      const list = m.get(type) ?? [];
      if (list.some((l) => l.fn === fn)) return;
      list.push({ fn, once: typeof opts === "object" && !!opts?.once });
      m.set(type, list);
      if (typeof opts === "object" && opts?.signal) opts.signal.addEventListener("abort", () => this.removeEventListener(type, fn));
    }
    removeEventListener(type, fn) {
      const list = listeners.get(this)?.get(type);
      if (list) listeners.get(this).set(type, list.filter((l) => l.fn !== fn));
    }
    dispatchEvent(ev) {
      ev.target = this; ev.currentTarget = this;
      const handler = this["on" + ev.type];
      const list = [...(listeners.get(this)?.get(ev.type) ?? [])];
      if (typeof handler === "function") list.unshift({ fn: handler });
      for (const l of list) {
        if (l.once) this.removeEventListener(ev.type, l.fn);
        try { typeof l.fn === "function" ? l.fn.call(this, ev) : l.fn.handleEvent(ev); } catch (e) { g.console?.error?.(String(e?.stack ?? e)); }
        if (ev._stop) break;
      }
      return !ev.defaultPrevented;
    }
  }
  def("EventTarget", EventTarget);

  // Timers and microtasks. A timer is an async host sleep, so it lasts no
  // longer than the call: when the handler's promise settles the call ends
  // and pending timers are dropped.
  const timers = new Map();
  let nextTimer = 0;
  const arm = (id, fn, ms, args, repeat) => {
    hostSleep(ms).then(() => {
      if (!timers.has(id)) return;
      if (!repeat) timers.delete(id);
      else arm(id, fn, ms, args, repeat);
      if (typeof fn === "function") fn(...args);
    }, () => timers.delete(id));
  };
  const schedule = (repeat) => (fn, ms, ...args) => {
    const id = ++nextTimer;
    ms = Math.max(0, Math.trunc(Number(ms) || 0));
    timers.set(id, true);
    arm(id, fn, ms, args, repeat);
    return id;
  };
  const clear = (id) => { timers.delete(id); };
  def("setTimeout", schedule(false));
  def("setInterval", schedule(true));
  def("clearTimeout", clear);
  def("clearInterval", clear);
  def("queueMicrotask", (fn) => {
    if (typeof fn !== "function") throw new TypeError("queueMicrotask: argument is not a function");
    Promise.resolve().then(() => fn());
  });
  def("performance", Object.freeze({ timeOrigin: origin, now: () => Date.now() - origin, toJSON: () => ({ timeOrigin: origin }) }));

  // AbortController and AbortSignal.
  class AbortSignal extends EventTarget {
    constructor(key) { if (key !== ctorKey) throw new TypeError("Illegal constructor"); super(); this.aborted = false; this.reason = undefined; this.onabort = null; }
    throwIfAborted() { if (this.aborted) throw this.reason; }
    static abort(reason) { const s = new AbortSignal(ctorKey); signalAbort(s, reason); return s; }
    static timeout(ms) { const s = new AbortSignal(ctorKey); setTimeout(() => signalAbort(s, new DOMException("signal timed out", "TimeoutError")), ms); return s; }
    static any(signals) {
      const s = new AbortSignal(ctorKey);
      for (const x of signals) if (x.aborted) { signalAbort(s, x.reason); return s; }
      for (const x of signals) x.addEventListener("abort", () => signalAbort(s, x.reason));
      return s;
    }
  }
  const ctorKey = Symbol("ctor");
  const signalAbort = (s, reason) => {
    if (s.aborted) return;
    s.aborted = true;
    s.reason = reason === undefined ? new DOMException("This operation was aborted", "AbortError") : reason;
    s.dispatchEvent(new Event("abort"));
  };
  class AbortController {
    constructor() { this.signal = new AbortSignal(ctorKey); }
    abort(reason) { signalAbort(this.signal, reason); }
  }
  def("AbortSignal", AbortSignal);
  def("AbortController", AbortController);

  // Base64 (atob, btoa and the host boundary).
  const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const B64I = new Map([...B64].map((c, i) => [c, i]));
  const bytesToB64 = (u8) => {
    let out = "";
    for (let i = 0; i < u8.length; i += 3) {
      const n = (u8[i] << 16) | ((u8[i + 1] ?? 0) << 8) | (u8[i + 2] ?? 0);
      out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63] + (i + 1 < u8.length ? B64[(n >> 6) & 63] : "=") + (i + 2 < u8.length ? B64[n & 63] : "=");
    }
    return out;
  };
  const b64ToBytes = (s) => {
    s = String(s).replace(/[\t\n\f\r ]/g, "");
    if (s.length % 4 === 0) s = s.replace(/==?$/, "");
    if (s.length % 4 === 1 || /[^A-Za-z0-9+/]/.test(s)) throw new DOMException("The string to be decoded is not correctly encoded.", "InvalidCharacterError");
    const out = new Uint8Array(Math.floor((s.length * 3) / 4));
    let bits = 0, acc = 0, j = 0;
    for (const c of s) {
      acc = (acc << 6) | B64I.get(c); bits += 6;
      if (bits >= 8) { bits -= 8; out[j++] = (acc >> bits) & 255; }
    }
    return out;
  };
  def("btoa", (s) => {
    s = String(s);
    const u8 = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 255) throw new DOMException("btoa: the string has characters outside Latin1", "InvalidCharacterError");
      u8[i] = c;
    }
    return bytesToB64(u8);
  });
  def("atob", (s) => { let out = ""; for (const b of b64ToBytes(s)) out += String.fromCharCode(b); return out; });

  // TextEncoder and TextDecoder (UTF-8, the WHATWG Encoding Standard's
  // decoder: each maximal invalid subpart becomes one U+FFFD).
  const utf8Encode = (s) => {
    s = String(s);
    const out = [];
    for (let i = 0; i < s.length; i++) {
      let c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        const d = s.charCodeAt(i + 1);
        if (d >= 0xdc00 && d <= 0xdfff) { c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00); i++; }
      }
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
      if (c < 0x80) out.push(c);
      else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
      else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
      else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(out);
  };
  class TextEncoder {
    get encoding() { return "utf-8"; }
    encode(s = "") { return utf8Encode(s); }
    encodeInto(s, dest) {
      s = String(s);
      let read = 0, written = 0;
      for (const ch of s) {
        const b = utf8Encode(ch);
        if (written + b.length > dest.length) break;
        dest.set(b, written); written += b.length; read += ch.length;
      }
      return { read, written };
    }
  }
  const toBytes = (x) => {
    if (x === undefined || x === null) return new Uint8Array(0);
    if (x instanceof ArrayBuffer) return new Uint8Array(x);
    if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
    throw new TypeError("expected an ArrayBuffer or an ArrayBufferView");
  };
  const UTF8_LABELS = ["unicode-1-1-utf-8", "unicode11utf8", "unicode20utf8", "utf-8", "utf8", "x-unicode20utf8"];
  class TextDecoder {
    constructor(label = "utf-8", opts = {}) {
      const l = String(label).trim().toLowerCase();
      if (!UTF8_LABELS.includes(l)) throw new RangeError(`TextDecoder: the encoding "${label}" is not supported (only utf-8)`);
      this._fatal = !!opts?.fatal; this._ignoreBOM = !!opts?.ignoreBOM; this._pending = []; this._bomSeen = false;
    }
    get encoding() { return "utf-8"; }
    get fatal() { return this._fatal; }
    get ignoreBOM() { return this._ignoreBOM; }
    decode(input, opts) {
      const stream = !!opts?.stream;
      const bytes = [...this._pending, ...toBytes(input)];
      this._pending = [];
      let out = "", need = 0, cp = 0, lower = 0x80, upper = 0xbf, start = 0;
      const bad = () => { if (this._fatal) { this._bomSeen = false; throw new TypeError("TextDecoder: the data is not valid UTF-8"); } out += "\ufffd"; };
      for (let i = 0; i < bytes.length; i++) {
        const b = bytes[i];
        if (need === 0) {
          start = i;
          if (b < 0x80) { out += String.fromCharCode(b); continue; }
          if (b >= 0xc2 && b <= 0xdf) { need = 1; cp = b & 0x1f; }
          else if (b >= 0xe0 && b <= 0xef) { if (b === 0xe0) lower = 0xa0; if (b === 0xed) upper = 0x9f; need = 2; cp = b & 0xf; }
          else if (b >= 0xf0 && b <= 0xf4) { if (b === 0xf0) lower = 0x90; if (b === 0xf4) upper = 0x8f; need = 3; cp = b & 0x7; }
          else bad();
          continue;
        }
        if (b < lower || b > upper) { need = 0; lower = 0x80; upper = 0xbf; bad(); i--; continue; }
        lower = 0x80; upper = 0xbf; cp = (cp << 6) | (b & 0x3f);
        if (--need === 0) out += String.fromCodePoint(cp);
      }
      if (need !== 0) {
        if (stream) this._pending = bytes.slice(start);
        else bad();
      }
      if (!this._ignoreBOM && !this._bomSeen && out.length > 0) {
        if (out.charCodeAt(0) === 0xfeff) out = out.slice(1);
        this._bomSeen = true;
      }
      if (!stream) this._bomSeen = false;
      return out;
    }
  }
  def("TextEncoder", TextEncoder);
  def("TextDecoder", TextDecoder);

  // structuredClone: the serializable built-ins, cycles kept.
  const cloneErr = (what) => new DOMException(`structuredClone: ${what} could not be cloned`, "DataCloneError");
  const clone = (v, seen) => {
    if (typeof v === "function" || typeof v === "symbol") throw cloneErr(typeof v);
    if (typeof v !== "object" || v === null) return v;
    if (seen.has(v)) return seen.get(v);
    let out;
    const tag = Object.prototype.toString.call(v).slice(8, -1);
    switch (tag) {
      case "Boolean": case "Number": case "String": out = Object(v.valueOf()); break;
      case "Date": out = new Date(v.getTime()); break;
      case "RegExp": out = new RegExp(v.source, v.flags); break;
      case "ArrayBuffer": out = v.slice(0); break;
      case "DataView": out = new DataView(clone(v.buffer, seen), v.byteOffset, v.byteLength); break;
      case "Map": out = new Map(); seen.set(v, out); for (const [k, x] of v) out.set(clone(k, seen), clone(x, seen)); return out;
      case "Set": out = new Set(); seen.set(v, out); for (const x of v) out.add(clone(x, seen)); return out;
      case "Error": {
        const C = { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError }[v.name] ?? Error;
        out = new C(v.message); if (v.stack !== undefined) out.stack = String(v.stack); break;
      }
      case "Array": out = new Array(v.length); break;
      case "Object": out = {}; break;
      default:
        if (ArrayBuffer.isView(v)) { out = new v.constructor(clone(v.buffer, seen), v.byteOffset, v.length); break; }
        throw cloneErr(tag);
    }
    seen.set(v, out);
    if (tag === "Array" || tag === "Object") for (const k of Object.keys(v)) out[k] = clone(v[k], seen);
    return out;
  };
  def("structuredClone", (v) => clone(v, new Map()));

  const api = { DOMException, Event, bytesToB64, b64ToBytes, utf8Encode, toBytes, hostSubtle, hostFetch };
  Object.defineProperty(g, "__phala_webapi", { value: api, configurable: true });
})();
