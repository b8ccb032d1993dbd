// openai-verify.mjs BASE_URL API_KEY MODEL: the official openai client
// chats through phala's gateway, streamed and not, recording the exact
// request body it sent and every response byte it received (the stream
// whole, through a tee of the body); then each answer is checked through
// GET /v1/signature/{id}: the text must be sha256(request):sha256(response)
// and its ECDSA signature must recover, by ethers' verifyMessage, to the
// signing address, and its ed25519 signature must verify with node's
// crypto. Prints one JSON object; exits non-zero on any failure.
import OpenAI from "openai";
import { verifyMessage } from "ethers";
import { createHash, createPublicKey, verify } from "node:crypto";

const [baseURL, apiKey, model] = process.argv.slice(2);
const sha256 = (b) => createHash("sha256").update(b).digest("hex");

let exchange = null; // the last request body and response bytes
async function recordingFetch(url, init) {
  const resp = await fetch(url, init);
  if (!String(url).endsWith("/chat/completions")) return resp;
  const [mine, theirs] = resp.body.tee();
  const chunks = [];
  const done = (async () => {
    for await (const c of mine) chunks.push(Buffer.from(c));
    return Buffer.concat(chunks);
  })();
  exchange = { request: Buffer.from(init.body), response: done };
  return new Response(theirs, { status: resp.status, statusText: resp.statusText, headers: resp.headers });
}

const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000, fetch: recordingFetch });
const messages = [{ role: "user", content: "Once upon a time" }];

async function check(id) {
  const request = exchange.request;
  const response = await exchange.response;
  const want = sha256(request) + ":" + sha256(response);
  const out = { id, text: want };
  for (const algo of ["ecdsa", "ed25519"]) {
    const r = await fetch(`${baseURL}/signature/${id}?signing_algo=${algo}`);
    const s = await r.json();
    if (r.status !== 200) throw new Error(`signature ${id} ${algo}: ${r.status} ${JSON.stringify(s)}`);
    if (s.text !== want) throw new Error(`${algo} text ${s.text}, want ${want}`);
    if (algo === "ecdsa") {
      const recovered = verifyMessage(s.text, s.signature);
      if (recovered.toLowerCase() !== s.signing_address.toLowerCase()) {
        throw new Error(`ethers recovers ${recovered}, the signing address is ${s.signing_address}`);
      }
      out.ecdsa = s.signing_address;
    } else {
      const der = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), Buffer.from(s.signing_address, "hex")]);
      const key = createPublicKey({ key: der, format: "der", type: "spki" });
      if (!verify(null, Buffer.from(s.text), key, Buffer.from(s.signature, "hex"))) {
        throw new Error(`ed25519 signature by ${s.signing_address} does not verify`);
      }
      out.ed25519 = s.signing_address;
    }
  }
  return out;
}

const completion = await client.chat.completions.create({ model, messages, max_tokens: 16, temperature: 0 });
const whole = await check(completion.id);

let streamed = "";
let id = "";
const stream = await client.chat.completions.create({ model, messages, max_tokens: 16, temperature: 0, stream: true });
for await (const chunk of stream) {
  id = chunk.id;
  streamed += chunk.choices[0]?.delta?.content ?? "";
}
const streamedCheck = await check(id);
const raw = (await exchange.response).toString();

console.log(JSON.stringify({
  content: completion.choices[0].message.content,
  streamed,
  whole,
  stream: streamedCheck,
  signatureEvent: raw.includes("event: phala.answer"),
}));
