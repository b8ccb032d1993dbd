// Makes one outbound request and answers with its body.
export default async function main(req) {
  const r = await fetch(JSON.parse(req.body).server + "/child");
  return { status: 200, body: await r.text() };
}
