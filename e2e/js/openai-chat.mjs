// openai-chat.mjs BASE_URL API_KEY MODEL: the official openai client and
// LangChain's ChatOpenAI complete chats through phala's OpenAI-compatible
// gateway, with and without streaming. Prints one JSON object.
import OpenAI from "openai";
import { ChatOpenAI } from "@langchain/openai";

const [baseURL, apiKey, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000 });
const messages = [{ role: "user", content: "Once upon a time" }];

const models = await client.models.list();
const completion = await client.chat.completions.create({ model, messages, max_tokens: 24, temperature: 0 });

let streamed = "";
let chunks = 0;
const stream = await client.chat.completions.create({ model, messages, max_tokens: 24, temperature: 0, stream: true });
for await (const chunk of stream) {
  chunks++;
  streamed += chunk.choices[0]?.delta?.content ?? "";
}

const lc = new ChatOpenAI({ model, apiKey, temperature: 0, maxTokens: 24, maxRetries: 0, configuration: { baseURL } });
const lcAnswer = await lc.invoke("Once upon a time");
let lcStreamed = "";
for await (const chunk of await lc.stream("Once upon a time")) {
  lcStreamed += chunk.content;
}

console.log(JSON.stringify({
  models: models.data.map((m) => m.id),
  content: completion.choices[0].message.content,
  finish: completion.choices[0].finish_reason,
  usage: completion.usage,
  streamed,
  chunks,
  langchain: lcAnswer.content,
  langchainStreamed: lcStreamed,
}));
