// The test agent: a secret, fetch (allowed and refused), agents.call,
// its KV store and its log.
interface Request { method: string; path: string; queries: Record<string, string[]>; headers: Record<string, string>; body: string; secret: Record<string, string> }

async function attempt(url: string): Promise<string> {
  try {
    const r = await fetch(url);
    return "fetched " + r.status;
  } catch (e) {
    return String(e);
  }
}

export default async function main(req: Request) {
  const args = JSON.parse(req.body || "{}");
  const r = await fetch(args.server + "/private", { headers: { authorization: "Bearer " + req.secret.API_KEY } });
  const count = (kv.get("count") ?? 0) + 1;
  kv.set("count", count);
  console.log("served call", count, "with key", req.secret.API_KEY);
  const helper = await agents.call(args.helper, { method: "POST", path: "/echo", body: "hello" });
  return {
    status: 200,
    headers: { "content-type": "application/json" },
    body: {
      fetched: await r.text(),
      loopback: await attempt(args.loopback),
      metadata: await attempt("http://169.254.169.254/latest/meta-data/"),
      helper: JSON.parse(helper.body),
      count,
      path: req.path,
      q: req.queries.q,
    },
  };
}
