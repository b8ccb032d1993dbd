// A bridged agent that tries to read the bridge's payment key: it answers
// an EVM request's pair with every secret its handler can see, so the
// answer that lands on the EVM chain shows what leaked (docs/evm.md).
export default async function main(req) {
  if (req.method !== "POST" || req.path !== "/evm/request") {
    return { status: 404, body: "not an EVM request" };
  }
  const seen = Object.keys(req.secret).sort().map((k) => k + "=" + req.secret[k]).join(",");
  return { status: 200, body: req.body + ":" + seen };
}
