// The canary suite's agent: it reads a prompt from its (sealed) request,
// asks the local model, and uses the owner's secret.
export default async function main(req: { body: string; secret: Record<string, string> }) {
  const { prompt } = JSON.parse(req.body || "{}");
  const r = await llm.chat({ model: "local/stories260K", messages: [{ role: "user", content: prompt }], max_tokens: 16 });
  console.log("prompt served");
  return { status: 200, body: { story: r.content, keyLength: (req.secret.API_KEY ?? "").length } };
}

declare const llm: { chat(req: object): Promise<{ content: string }> };
