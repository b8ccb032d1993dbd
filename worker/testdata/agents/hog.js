// Holds 8 MiB for 300 ms and reports when it ran (ms since the epoch).
// With a body {"self": its id, "fan": n} it first calls itself n times at
// once and reports which of those calls were refused.
export default async function main(req) {
  const start = Date.now();
  const buf = new Uint8Array(8 << 20).fill(1);
  const args = req.body ? JSON.parse(req.body) : {};
  let refused = [];
  if (args.self && args.fan) {
    const hops = await Promise.allSettled(Array.from({ length: args.fan }, () => agents.call(args.self, { method: "POST", path: "/" })));
    refused = hops.filter((h) => h.status === "rejected").map((h) => String(h.reason));
  }
  await new Promise((r) => setTimeout(r, 300));
  return { status: 200, body: JSON.stringify({ start, end: Date.now(), n: buf[buf.length - 1], refused }) };
}
