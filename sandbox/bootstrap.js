// bootstrap.js runs as a global script in every fresh VM before the prelude
// and the module. It is trusted host code and is not metered. It evaluates to
// a function that Call invokes once with its configuration; that function
// returns the "box", the object through which the Go side drives the call.
// The Go functions it is given as globals are captured here and deleted from
// the global object, so user code can reach them only through the wrappers.
(function (cfgJSON) {
  "use strict";
  const cfg = JSON.parse(cfgJSON);
  const G = globalThis;
  const box = {};
  const define = (obj, name, value, locked) =>
    Object.defineProperty(obj, name, {
      value,
      writable: !locked,
      configurable: !locked,
      enumerable: false,
    });
  const take = (name) => {
    const f = G[name];
    delete G[name];
    return f;
  };

  const goCall = take("__sbx_go_call"); // (index, argsJSON, gasLeft) -> tagged string
  const goStart = take("__sbx_go_start"); // (index, id, argsJSON, gasLeft) -> undefined
  const goRandom = take("__sbx_go_random"); // () -> array of doubles in [0, 1)
  const goBytes = take("__sbx_go_bytes"); // (n) -> hex string of n random bytes
  const goLimit = take("__sbx_go_limit"); // (message) -> ends the call on an engine limit
  const JSONparse = JSON.parse;
  const JSONstringify = JSON.stringify;
  const PromiseCtor = Promise;
  const MapCtor = Map;
  const mapGet = Map.prototype.get;
  const mapSet = Map.prototype.set;
  const mapDelete = Map.prototype.delete;
  const ErrorCtor = Error;
  const apply = Reflect.apply;
  // Captured now, so that code that patches built-ins cannot change what
  // the sandbox itself does (it can only change its own results).
  const promiseResolve = Promise.resolve;
  const promiseThen = Promise.prototype.then;
  const slice = String.prototype.slice;

  // Gas. A metered module calls the one-shot boot function first thing; the
  // out-of-gas function stays, locked, for the ticks to call.
  let charge = null;
  let gasLeft = () => -1;
  define(G, "__sbx_oog", G.__sbx_oog, true);
  if (cfg.metered) {
    define(G, "__sbx_boot", (c, l) => {
      delete G.__sbx_boot;
      charge = c;
      gasLeft = l;
      return cfg.gas;
    });
  }
  box.gasLeft = () => gasLeft();
  box.charge = (n) => {
    if (charge !== null) charge(n);
  };

  // Exports: the module passes its own namespace to this one-shot function.
  define(G, "__sbx_expose", (ns) => {
    delete G.__sbx_expose;
    box.ns = ns;
  });

  // Host results come back as tagged strings: "v" + JSON, "u" (undefined),
  // or "e" + message (the host function failed).
  const unpack = (r) => {
    const tag = r[0];
    if (tag === "v") return JSONparse(apply(slice, r, [1]));
    if (tag === "u") return undefined;
    throw new ErrorCtor(apply(slice, r, [1]));
  };

  // Synchronous host functions.
  cfg.funcs.forEach((name, i) => {
    define(G, name, {
      [name](...args) {
        return unpack(goCall(i, JSONstringify(args) ?? "[]", gasLeft()));
      },
    }[name]);
  });

  // Asynchronous host functions: each call starts a Go goroutine and returns
  // a promise that box.settle resolves or rejects.
  const pending = new MapCtor();
  let nextID = 0;
  cfg.async.forEach((name, i) => {
    define(G, name, {
      [name](...args) {
        const id = ++nextID;
        const json = JSONstringify(args) ?? "[]";
        return new PromiseCtor((resolve, reject) => {
          apply(mapSet, pending, [id, [resolve, reject]]);
          goStart(i, id, json, gasLeft());
        });
      },
    }[name]);
  });
  box.settle = (id, result) => {
    const p = apply(mapGet, pending, [id]);
    if (p === undefined) return;
    apply(mapDelete, pending, [id]);
    let value;
    try {
      value = unpack(result);
    } catch (e) {
      p[1](e);
      return;
    }
    p[0](value);
  };

  // Randomness: Math.random and crypto.getRandomValues draw from the host,
  // which gives a seeded stream in deterministic mode.
  let rbuf = [];
  let rpos = 0;
  const random = function random() {
    if (rpos >= rbuf.length) {
      rbuf = goRandom();
      rpos = 0;
    }
    return rbuf[rpos++];
  };
  const crypto = {};
  define(crypto, "getRandomValues", function getRandomValues(ta) {
    if (!ArrayBuffer.isView(ta) || ta instanceof DataView || ta instanceof Float32Array || ta instanceof Float64Array) {
      throw new TypeError("getRandomValues: argument must be an integer typed array");
    }
    if (ta.byteLength > 65536) throw new RangeError("getRandomValues: at most 65536 bytes");
    const hex = goBytes(ta.byteLength);
    const u8 = new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength);
    for (let i = 0; i < u8.length; i++) u8[i] = parseInt(hex.substr(2 * i, 2), 16);
    return ta;
  });
  define(crypto, "randomUUID", function randomUUID() {
    const h = goBytes(16).split("");
    h[12] = "4";
    h[16] = "89ab"[parseInt(h[16], 16) & 3];
    const s = h.join("");
    return s.slice(0, 8) + "-" + s.slice(8, 12) + "-" + s.slice(12, 16) + "-" + s.slice(16, 20) + "-" + s.slice(20);
  });
  if (!cfg.funcs.includes("crypto") && !cfg.async.includes("crypto")) define(G, "crypto", crypto);

  if (cfg.deterministic) {
    define(Math, "random", random);
    installFixedDate(cfg.time);
    // Garbage collection timing is not part of the deterministic machine.
    delete G.WeakRef;
    delete G.FinalizationRegistry;
  }

  if (cfg.metered) {
    // Code made from strings at run time would escape metering.
    const deny = function () {
      throw new EvalError("code generation from strings is disabled in metered code");
    };
    deny.prototype = Function.prototype;
    const ctors = [
      Function,
      Object.getPrototypeOf(async function () {}).constructor,
      Object.getPrototypeOf(function* () {}).constructor,
      Object.getPrototypeOf(async function* () {}).constructor,
    ];
    for (const C of ctors) define(C.prototype, "constructor", deny, true);
    define(G, "Function", deny);
    define(G, "eval", deny);
  }

  if (cfg.metered) {
    // Metered code may not catch the engine's stack and memory limit errors
    // (see guardTry in instrument.go): every catch clause calls this first.
    // The InternalError constructor is hidden so that such errors come from
    // the engine only.
    const internalProto = G.InternalError.prototype;
    const getProto = Object.getPrototypeOf;
    delete G.InternalError;
    define(G, "__sbx_caught", function (e) {
      if (typeof e === "object" && e !== null && getProto(e) === internalProto) {
        const m = e.message;
        if (m === "stack overflow" || m === "out of memory") goLimit(m);
      }
    }, true);
  }

  // Call start. A VM may be prepared ahead of the call that takes it (the
  // bootstrap and the prelude run before the call exists), so what a
  // prelude must read at the call's start (the clock) it reads in a hook
  // it registers through __sbx_on_call, which begin runs when the call
  // starts, before the module loads. The global is gone by then.
  const hooks = [];
  define(G, "__sbx_on_call", (f) => {
    hooks.push(f);
  });
  box.begin = () => {
    delete G.__sbx_on_call;
    for (const f of hooks) f();
  };

  // The call itself.
  // has also parses the arguments, so that run, whose work inside
  // built-ins is billed, does only the script's work.
  box.has = (name, argsJSON) => {
    if (box.ns === undefined || typeof box.ns[name] !== "function") return false;
    box.args = JSONparse(argsJSON);
    return true;
  };
  box.state = 0; // 0 pending, 1 fulfilled, 2 rejected
  box.run = (name) => {
    const f = box.ns[name];
    let r;
    try {
      r = apply(f, undefined, box.args);
    } catch (e) {
      box.state = 2;
      box.error = e;
      return;
    }
    apply(promiseThen, apply(promiseResolve, PromiseCtor, [r]), [
      (v) => {
        box.state = 1;
        box.value = v;
      },
      (e) => {
        box.state = 2;
        box.error = e;
      },
    ]);
  };
  box.finish = (max) => {
    const s = JSONstringify(box.value);
    if (s === undefined) return "null";
    if (s.length > max) return s.length;
    return s;
  };
  box.describe = () => {
    const e = box.error;
    if (e === null) return JSONstringify({ name: "", message: "uncaught null", stack: "" });
    try {
      if (e instanceof ErrorCtor) {
        return JSONstringify({ name: String(e.name), message: String(e.message), stack: String(e.stack ?? "") });
      }
      let text;
      if (typeof e === "string") text = e;
      else {
        try {
          text = JSONstringify(e);
        } catch (_) {
          text = undefined;
        }
        if (text === undefined) text = String(e);
      }
      return JSONstringify({ name: "", message: "uncaught " + typeof e + ": " + text, stack: "" });
    } catch (_) {
      return JSONstringify({ name: "", message: "uncaught exception", stack: "" });
    }
  };
  return box;

  // installFixedDate replaces Date with one whose clock is stopped at ms and
  // whose local time zone is UTC whatever the host's is.
  function installFixedDate(ms) {
    const RealDate = Date;
    const proto = RealDate.prototype;
    const utc = RealDate.UTC;
    const realParse = RealDate.parse;
    const zoned = /(Z|[+-]\d\d(:?\d\d)?|\b(GMT|UTC|UT)\b.*)\s*(\(.*\))?$/i;
    const dateOnly = /^[+-]?\d{4,6}(-\d\d(-\d\d)?)?$/;
    const parse = function parse(s) {
      s = String(s).trim();
      if (zoned.test(s) || dateOnly.test(s)) return realParse(s);
      const t = realParse(/^[+-]?\d{4,6}-\d\d-\d\dT/.test(s) ? s + "Z" : s + " GMT");
      if (t === t) return t;
      return realParse(s); // NaN or a form the engine reads only without a zone
    };
    const D = function Date(...args) {
      if (new.target === undefined) return new D().toString();
      let t;
      if (args.length === 0) t = ms;
      else if (args.length === 1) {
        let v = args[0];
        if (v instanceof RealDate) v = proto.getTime.call(v);
        else if (typeof v === "object" && v !== null) v = v.valueOf();
        t = typeof v === "string" ? parse(v) : v;
      } else t = utc(...args);
      return Reflect.construct(RealDate, [t], new.target);
    };
    D.prototype = proto;
    define(D, "now", function now() {
      return ms;
    });
    define(D, "parse", parse);
    define(D, "UTC", utc);
    define(proto, "constructor", D);
    const map = {
      getFullYear: "getUTCFullYear",
      getMonth: "getUTCMonth",
      getDate: "getUTCDate",
      getDay: "getUTCDay",
      getHours: "getUTCHours",
      getMinutes: "getUTCMinutes",
      getSeconds: "getUTCSeconds",
      getMilliseconds: "getUTCMilliseconds",
      setFullYear: "setUTCFullYear",
      setMonth: "setUTCMonth",
      setDate: "setUTCDate",
      setHours: "setUTCHours",
      setMinutes: "setUTCMinutes",
      setSeconds: "setUTCSeconds",
      setMilliseconds: "setUTCMilliseconds",
    };
    for (const k of Object.keys(map)) define(proto, k, proto[map[k]]);
    const getYear = function getYear() {
      const y = proto.getUTCFullYear.call(this);
      return y === y ? y - 1900 : y;
    };
    define(proto, "getYear", getYear);
    define(proto, "getTimezoneOffset", function getTimezoneOffset() {
      const t = proto.getTime.call(this);
      return t === t ? 0 : NaN;
    });
    const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const p2 = (n) => (n < 10 ? "0" : "") + n;
    const year = (y) => (y < 0 ? "-" + String(-y).padStart(6, "0") : String(y).padStart(4, "0"));
    const parts = (d) => {
      const t = proto.getTime.call(d);
      if (t !== t) return null;
      return {
        y: proto.getUTCFullYear.call(d),
        mo: proto.getUTCMonth.call(d),
        d: proto.getUTCDate.call(d),
        wd: proto.getUTCDay.call(d),
        h: proto.getUTCHours.call(d),
        mi: proto.getUTCMinutes.call(d),
        s: proto.getUTCSeconds.call(d),
      };
    };
    const dateStr = (p) => days[p.wd] + " " + months[p.mo] + " " + p2(p.d) + " " + year(p.y);
    const timeStr = (p) => p2(p.h) + ":" + p2(p.mi) + ":" + p2(p.s) + " GMT+0000 (Coordinated Universal Time)";
    const localeDate = (p) => p2(p.mo + 1) + "/" + p2(p.d) + "/" + year(p.y);
    const localeTime = (p) => p2(p.h % 12 || 12) + ":" + p2(p.mi) + ":" + p2(p.s) + (p.h < 12 ? " AM" : " PM");
    const fmt = (name, f) =>
      define(proto, name, {
        [name]() {
          const p = parts(this);
          return p === null ? "Invalid Date" : f(p);
        },
      }[name]);
    fmt("toString", (p) => dateStr(p) + " " + timeStr(p));
    fmt("toDateString", dateStr);
    fmt("toTimeString", timeStr);
    fmt("toLocaleString", (p) => localeDate(p) + ", " + localeTime(p));
    fmt("toLocaleDateString", localeDate);
    fmt("toLocaleTimeString", localeTime);
    define(G, "Date", D);
  }
});
