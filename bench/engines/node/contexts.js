// The engine benchmarks' anchor: Node.js (V8) running the same handler as
// stages.go, each call in a fresh context (vm.createContext), the handler
// compiled per call or once (a vm.Script runs in any context), and, for
// comparison, the plain call of BenchmarkAgentCalls' Node anchor (one
// context for all calls, no isolation). CPU is process.cpuUsage (the whole
// process, V8's helper threads included); a context is freed by V8's
// garbage collector, whose work the total (cpu) includes.
//
// Usage: node contexts.js [calls]
"use strict";
const vm = require("vm");

const handler = `var __out;
async function main(req) { return { status: 200, body: "ok " + req.path }; }
function __call(s) { main(JSON.parse(s)).then(function (r) { __out = JSON.stringify(r); }); }
function __result() { return __out; }
`;
const request = '{"path":"/x"}';
const want = '{"status":200,"body":"ok /x"}';
const calls = Number(process.argv[2] || 20000);

function cpu() {
  const u = process.cpuUsage();
  return u.user + u.system;
}

// measure runs call n times and prints CPU µs per call of each stage.
function measure(name, stages, call) {
  for (let i = 0; i < 200; i++) call(() => {});
  const sums = new Array(stages.length).fill(0);
  const t0 = cpu();
  for (let i = 0; i < calls; i++) {
    let last = cpu();
    call((stage) => {
      const now = cpu();
      sums[stage] += now - last;
      last = now;
    });
  }
  const total = (cpu() - t0) / calls;
  const parts = stages.map((s, i) => `${s}-us/op ${(sums[i] / calls).toFixed(1)}`);
  console.log(`node/${name}\t${calls}\t${parts.join("\t")}\tcpu-us/op ${total.toFixed(1)}`);
}

function check(out) {
  if (out !== want) throw new Error(`answer ${out}, want ${want}`);
}

const compiled = new vm.Script(handler);
const invoke = new vm.Script("__call(__req)");

// The context drains its own microtask queue after each evaluation, so the
// handler's promise has settled when invoke returns.
function isolated(precompiled) {
  return (mark) => {
    const ctx = vm.createContext({}, { microtaskMode: "afterEvaluate" });
    mark(0);
    (precompiled ? compiled : new vm.Script(handler)).runInContext(ctx);
    mark(1);
    ctx.__req = request;
    invoke.runInContext(ctx);
    const out = ctx.__out;
    mark(2);
    check(out);
  };
}

measure("context-source", ["create", "load", "run"], isolated(false));
measure("context-script", ["create", "load", "run"], isolated(true));

// No isolation: the handler defined once, called directly.
async function main(req) { return { status: 200, body: "ok " + req.path }; }
async function plain() {
  for (let i = 0; i < 200; i++) JSON.stringify(await main(JSON.parse(request)));
  const t0 = cpu();
  for (let i = 0; i < calls; i++) check(JSON.stringify(await main(JSON.parse(request))));
  console.log(`node/shared\t${calls}\tcpu-us/op ${((cpu() - t0) / calls).toFixed(1)}`);
}
plain();
