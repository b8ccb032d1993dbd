// weblazy.js defines the web platform (webapi.js, weburl.js, webfetch.js,
// websubtle.js) as accessors that run their file on first touch. A fresh VM
// per call loads every byte of prelude it runs, and these files were most
// of a trivial call's cost; a call that never touches them now never loads
// them. Touching any of a part's names (reading, assigning, typeof) loads
// the part, its dependencies first; the part then defines its names as
// before, so an agent cannot tell the difference except through property
// descriptors read before first use. The parts share __phala_webapi: the
// host functions, taken from the global object here, for webapi.js, then
// the helpers webapi.js adds; it is on the global object only while a part
// loads (no agent code runs then) and the agent never sees it.
(() => {
  "use strict";
  const g = globalThis, load = g.__sbx_load;
  let api = { hostSleep: g.__phala_sleep, hostSubtle: g.__phala_subtle, hostFetch: g.__phala_fetch, origin: Date.now() };
  // The VM may have been prepared before the call: the call's start is
  // read when it starts (sandbox's __sbx_on_call).
  g.__sbx_on_call(() => { api.origin = Date.now(); });
  for (const k of ["__sbx_load", "__sbx_on_call", "__phala_sleep", "__phala_subtle", "__phala_fetch"]) delete g[k];
  const web = ["DOMException", "Event", "EventTarget", "setTimeout", "setInterval", "clearTimeout", "clearInterval", "queueMicrotask",
    "performance", "AbortSignal", "AbortController", "btoa", "atob", "TextEncoder", "TextDecoder", "structuredClone"];
  const parts = {
    web: { after: [], props: web.map((k) => [g, k]) },
    url: { after: ["web"], props: [[g, "URL"], [g, "URLSearchParams"]] },
    fetch: { after: ["web", "url"], props: ["Headers", "Blob", "File", "FormData", "Request", "Response", "fetch"].map((k) => [g, k]) },
    subtle: { after: ["web"], props: [[g.crypto, "subtle", true], [g, "CryptoKey"]] },
  };
  const ours = new Set();
  const need = (name) => {
    const part = parts[name];
    if (part.loaded) return;
    part.loaded = true;
    for (const dep of part.after) need(dep);
    // A name the agent redefined before first use keeps its definition.
    const kept = [];
    for (const [o, k] of part.props) {
      const d = Object.getOwnPropertyDescriptor(o, k);
      if (d && ours.has(d.get)) delete o[k];
      else kept.push([o, k, d]);
    }
    Object.defineProperty(g, "__phala_webapi", { value: api, configurable: true });
    try { load(name); api = g.__phala_webapi; } finally { delete g.__phala_webapi; }
    for (const [o, k, d] of kept) d ? Object.defineProperty(o, k, d) : delete o[k];
  };
  for (const [name, part] of Object.entries(parts)) {
    for (const [o, k, enumerable] of part.props) {
      const get = () => { need(name); return o[k]; };
      ours.add(get);
      Object.defineProperty(o, k, { get, set(v) { need(name); o[k] = v; }, enumerable: !!enumerable, configurable: true });
    }
  }
})();
