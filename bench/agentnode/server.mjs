// The anchors of BenchmarkAgentCalls (bench/agents_bench_test.go): the
// trivial agent's handler, answering "ok" to every request, served by a
// plain Node.js HTTP server. It listens on an ephemeral port of 127.0.0.1
// and prints the port on its first line of stdout.
//
// With the argument "isolated", every request runs the handler in a fresh
// V8 context (vm.createContext, the script compiled once), so that no call
// sees what the one before it left, as every call to one of our agents
// runs in a VM of its own. Node's docs say the vm module is not a security
// mechanism (the contexts share one isolate): this anchor gives the cost of
// the isolation, not its strength. Without the argument the handler runs
// in the server's own context, shared by every call (no isolation).
import http from "node:http";
import vm from "node:vm";

const handler = `async function main(req) { return { status: 200, body: "ok" }; }`;
const isolated = process.argv[2] === "isolated";
const script = new vm.Script(`${handler}\nmain(request);`);
const shared = new Function(`${handler}\nreturn main;`)();

// answer runs the handler on req: in a fresh context, or the shared one.
function answer(req) {
  const request = { method: req.method, path: req.url };
  if (!isolated) return shared(request);
  return script.runInContext(vm.createContext({ request }));
}

const server = http.createServer((req, res) => {
  req.resume(); // drain any body
  req.on("end", async () => {
    const out = await answer(req);
    res.writeHead(out.status, { "Content-Type": "text/plain" });
    res.end(out.body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  console.log(server.address().port);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
