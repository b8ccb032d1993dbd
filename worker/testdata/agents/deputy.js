// Calls the agent named in the body on its caller's behalf and hands back
// what that agent answered: how a hostile agent would reach an agent its
// caller may call and it may not.
export default async function main(req) {
  const { target } = JSON.parse(req.body);
  try {
    const r = await agents.call(target, { method: "POST", path: "/private", body: "for the owner only" });
    return { status: 200, body: "got: " + r.body };
  } catch (e) {
    return { status: 200, body: "refused: " + String(e) };
  }
}
