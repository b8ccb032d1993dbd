// websubtle.js: crypto.subtle (digest; HMAC, Ed25519 and ECDSA P-256 sign
// and verify; AES-GCM) on the existing crypto object. The work is done by
// Go's standard library through __phala_subtle; a CryptoKey keeps its
// material in a closure-held map that agent code cannot read unless the key
// is extractable and exported.
(() => {
  "use strict";
  const g = globalThis;
  const { DOMException, bytesToB64, b64ToBytes, toBytes, hostSubtle } = g.__phala_webapi;
  const material = new WeakMap();
  const b64url = (u8) => bytesToB64(u8).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const fromB64url = (s) => b64ToBytes(String(s).replace(/-/g, "+").replace(/_/g, "/"));
  const host = (op, args) => {
    const enc = {};
    for (const [k, v] of Object.entries(args)) enc[k] = v instanceof Uint8Array ? bytesToB64(v) : v;
    let r;
    try { r = JSON.parse(hostSubtle(op, JSON.stringify(enc))); } catch (e) {
      const m = String(e?.message ?? e);
      throw new DOMException(m, /not supported/.test(m) ? "NotSupportedError" : "OperationError");
    }
    for (const k of ["data", "secret", "private", "public"]) if (r[k] !== undefined) r[k] = b64ToBytes(r[k]);
    return r;
  };
  const norm = (alg) => {
    const a = typeof alg === "string" ? { name: alg } : { ...alg };
    const names = { "sha-1": "SHA-1", "sha-256": "SHA-256", "sha-384": "SHA-384", "sha-512": "SHA-512", hmac: "HMAC", "aes-gcm": "AES-GCM", ed25519: "Ed25519", ecdsa: "ECDSA" };
    a.name = names[String(a.name).toLowerCase()] ?? String(a.name);
    if (a.hash !== undefined) a.hash = norm(a.hash);
    return a;
  };
  class CryptoKey {
    constructor(key, type, extractable, algorithm, usages, m) {
      if (key !== ctorKey) throw new TypeError("Illegal constructor");
      this.type = type; this.extractable = extractable; this.algorithm = algorithm; this.usages = usages;
      material.set(this, m);
    }
    get [Symbol.toStringTag]() { return "CryptoKey"; }
  }
  const ctorKey = Symbol("ctor");
  const need = (key, usage, name) => {
    if (!(key instanceof CryptoKey)) throw new TypeError("not a CryptoKey");
    if (!key.usages.includes(usage)) throw new DOMException(`the key may not be used to ${usage}`, "InvalidAccessError");
    if (name && key.algorithm.name !== name) throw new DOMException(`the key is for ${key.algorithm.name}, not ${name}`, "InvalidAccessError");
    return material.get(key);
  };
  const keyAlg = (a, m) => {
    if (a.name === "HMAC") return { name: "HMAC", hash: { name: a.hash.name }, length: m.secret.length * 8 };
    if (a.name === "AES-GCM") return { name: "AES-GCM", length: m.secret.length * 8 };
    if (a.name === "ECDSA") {
      if ((a.namedCurve ?? "P-256") !== "P-256") throw new DOMException(`curve ${a.namedCurve} is not supported (P-256)`, "NotSupportedError");
      return { name: "ECDSA", namedCurve: "P-256" };
    }
    if (a.name === "Ed25519") return { name: "Ed25519" };
    throw new DOMException(`algorithm ${a.name} is not supported`, "NotSupportedError");
  };
  const PRIVATE_USES = ["sign", "decrypt", "unwrapKey", "deriveKey", "deriveBits"];
  const makeKeys = (a, m, extractable, usages) => {
    const alg = keyAlg(a, m);
    if (m.secret) return new CryptoKey(ctorKey, "secret", extractable, alg, usages, m);
    const pub = new CryptoKey(ctorKey, "public", true, alg, usages.filter((u) => !PRIVATE_USES.includes(u)), { public: m.public });
    if (!m.private) return pub;
    return { privateKey: new CryptoKey(ctorKey, "private", extractable, alg, usages.filter((u) => PRIVATE_USES.includes(u)), m), publicKey: pub };
  };
  const subtle = {
    async digest(alg, data) { return host("digest", { name: norm(alg).name, data: new Uint8Array(toBytes(data)) }).data.buffer; },
    async generateKey(alg, extractable, usages) {
      const a = norm(alg);
      const m = host("generateKey", { name: a.name, hash: a.hash?.name, length: a.length ?? 0 });
      return makeKeys(a, m, !!extractable, [...usages]);
    },
    async importKey(format, data, alg, extractable, usages) {
      const a = norm(alg);
      let m;
      if (format === "raw") {
        const b = new Uint8Array(toBytes(data));
        m = a.name === "HMAC" || a.name === "AES-GCM" ? { secret: b } : { public: b };
        if (a.name === "AES-GCM" && ![16, 24, 32].includes(b.length)) throw new DOMException("AES-GCM key must be 128, 192 or 256 bits", "DataError");
      } else if (format === "jwk") {
        if (data.kty === "oct") m = { secret: fromB64url(data.k) };
        else if (data.kty === "OKP" && data.crv === "Ed25519") m = { public: fromB64url(data.x), private: data.d ? fromB64url(data.d) : undefined };
        else if (data.kty === "EC" && data.crv === "P-256") {
          const pub = new Uint8Array([4, ...fromB64url(data.x), ...fromB64url(data.y)]);
          m = data.d ? host("importKey", { format: "raw-private", private: fromB64url(data.d) }) : { public: pub };
        } else throw new DOMException(`JWK kty ${data.kty} is not supported`, "NotSupportedError");
      } else if (format === "pkcs8" || format === "spki") {
        m = host("importKey", { name: a.name, format, data: new Uint8Array(toBytes(data)) });
      } else throw new DOMException(`key format ${format} is not supported`, "NotSupportedError");
      if (m.secret && a.name === "HMAC" && a.hash === undefined) throw new TypeError("HMAC importKey: hash is required");
      if (m.private === undefined) delete m.private;
      const k = makeKeys(a, m, !!extractable, [...usages]);
      return k.privateKey ?? k;
    },
    async exportKey(format, key) {
      if (!(key instanceof CryptoKey)) throw new TypeError("not a CryptoKey");
      if (!key.extractable) throw new DOMException("the key is not extractable", "InvalidAccessError");
      const m = material.get(key), name = key.algorithm.name;
      if (format === "raw" && key.type !== "private") return (m.secret ?? m.public).slice().buffer;
      if (format === "jwk") {
        const base = { ext: true, key_ops: [...key.usages] };
        if (m.secret) return { ...base, kty: "oct", k: b64url(m.secret), alg: name === "HMAC" ? "HS" + key.algorithm.hash.name.slice(4) : "A" + m.secret.length * 8 + "GCM" };
        if (name === "Ed25519") return { ...base, kty: "OKP", crv: "Ed25519", x: b64url(m.public), ...(key.type === "private" ? { d: b64url(m.private) } : {}) };
        return { ...base, kty: "EC", crv: "P-256", x: b64url(m.public.slice(1, 33)), y: b64url(m.public.slice(33)), ...(key.type === "private" ? { d: b64url(m.private) } : {}) };
      }
      return host("exportKey", { name, format, private: m.private, public: m.public }).data.buffer;
    },
    async sign(alg, key, data) {
      const a = norm(alg), m = need(key, "sign", a.name);
      return host("sign", { name: a.name, hash: a.hash?.name ?? key.algorithm.hash?.name, secret: m.secret, private: m.private, data: new Uint8Array(toBytes(data)) }).data.buffer;
    },
    async verify(alg, key, signature, data) {
      const a = norm(alg), m = need(key, "verify", a.name);
      return !!host("verify", { name: a.name, hash: a.hash?.name ?? key.algorithm.hash?.name, secret: m.secret, public: m.public, signature: new Uint8Array(toBytes(signature)), data: new Uint8Array(toBytes(data)) }).ok;
    },
    async encrypt(alg, key, data) {
      const a = norm(alg), m = need(key, "encrypt", "AES-GCM");
      return host("encrypt", { secret: m.secret, iv: new Uint8Array(toBytes(a.iv)), additionalData: a.additionalData === undefined ? undefined : new Uint8Array(toBytes(a.additionalData)), tagLength: a.tagLength ?? 128, data: new Uint8Array(toBytes(data)) }).data.buffer;
    },
    async decrypt(alg, key, data) {
      const a = norm(alg), m = need(key, "decrypt", "AES-GCM");
      return host("decrypt", { secret: m.secret, iv: new Uint8Array(toBytes(a.iv)), additionalData: a.additionalData === undefined ? undefined : new Uint8Array(toBytes(a.additionalData)), tagLength: a.tagLength ?? 128, data: new Uint8Array(toBytes(data)) }).data.buffer;
    },
  };
  Object.defineProperty(g.crypto, "subtle", { value: Object.freeze(subtle), enumerable: true, configurable: true });
  Object.defineProperty(g, "CryptoKey", { value: CryptoKey, writable: true, configurable: true });
})();
