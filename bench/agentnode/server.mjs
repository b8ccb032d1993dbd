// The anchor of BenchmarkAgentCalls (bench/agents_bench_test.go): the
// trivial agent's logic, answering "ok" to every request, served by a plain
// Node.js HTTP server. It listens on an ephemeral port of 127.0.0.1 and
// prints the port on its first line of stdout.
import http from "node:http";

const server = http.createServer((req, res) => {
  req.resume(); // drain any body
  req.on("end", () => {
    res.writeHead(200, { "Content-Type": "text/plain" });
    res.end("ok");
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  console.log(server.address().port);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
