// A price oracle for EVM consumers: a bridged request's payload (the pair,
// as PriceOracle.ask sent it) is the body; the answer echoes the pair, so
// the consumer can check which question it answers (docs/evm.md).
const prices: Record<string, string> = { "ETH/USD": "3150.25", "BTC/USD": "97000.50" };

async function main(request: string): Promise<string> {
  const req = JSON.parse(request) as { method: string; path: string; body: string };
  if (req.method !== "POST" || req.path !== "/evm/request") {
    return JSON.stringify({ status: 404, body: "not an EVM request" });
  }
  const price = prices[req.body];
  if (price === undefined) {
    return JSON.stringify({ status: 422, body: "unknown pair " + req.body });
  }
  return JSON.stringify({ status: 200, body: req.body + ":" + price, headers: { "Content-Type": "text/plain" } });
}

export default main;
