// A JSON agent for the answer red-team tests: it echoes its request and
// labels the answer application/json.
export default async function main(req: { method: string; path: string; body: string }) {
  return { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ method: req.method, path: req.path, echo: req.body }) };
}
