// Calls the helper agent twice in a row (two sibling hops at one depth)
// after one outbound request and one chat of its own; the helper makes
// one of each of its own.
export default async function main(req) {
  await llm.chat({ model: "fake/m", messages: [{ role: "user", content: "hi" }] });
  const args = JSON.parse(req.body);
  await fetch(args.server + "/parent");
  const a = await agents.call(args.helper, { method: "POST", path: "/", body: JSON.stringify({ server: args.server }) });
  const b = await agents.call(args.helper, { method: "POST", path: "/", body: JSON.stringify({ server: args.server }) });
  return { status: 200, body: a.body + "|" + b.body };
}
