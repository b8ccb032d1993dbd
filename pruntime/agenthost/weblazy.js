// weblazy.js defines the larger parts of the web platform (weburl.js,
// webfetch.js, websubtle.js) as accessors that run their file on first
// touch. A fresh VM per call loads every byte of prelude it runs, and these
// files were most of a trivial call's cost; a call that never touches URL,
// fetch or crypto.subtle now never loads them. Touching any of a part's
// names (reading, assigning, typeof) loads the part, its dependencies first;
// the part then defines its names as before, so an agent cannot tell the
// difference except through property descriptors read before first use.
// It runs after webapi.js, whose helpers (__phala_webapi) it keeps for
// the parts and hides from the agent, with the sandbox's __sbx_load.
(() => {
  "use strict";
  const g = globalThis, load = g.__sbx_load, api = g.__phala_webapi;
  delete g.__sbx_load; delete g.__phala_webapi;
  const parts = {
    url: { after: [], props: [[g, "URL"], [g, "URLSearchParams"]] },
    fetch: { after: ["url"], props: ["Headers", "Blob", "File", "FormData", "Request", "Response", "fetch"].map((k) => [g, k]) },
    subtle: { after: [], props: [[g.crypto, "subtle", true], [g, "CryptoKey"]] },
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
    try { load(name); } finally { delete g.__phala_webapi; }
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
