// Makes one chat and one outbound request and answers with its body.
export default async function main(req) {
  await llm.chat({ model: "fake/m", messages: [{ role: "user", content: "hi" }] });
  const r = await fetch(JSON.parse(req.body).server + "/child");
  return { status: 200, body: await r.text() };
}
