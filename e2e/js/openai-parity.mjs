// openai-parity.mjs BASE_URL API_KEY MODEL: the official openai client
// uses what OpenAI's API offers beyond plain chat through phala's gateway,
// against MODEL (an upstream model behind the router): tools with a tool
// result round trip (whole and streamed), JSON mode and a JSON schema,
// n: 2, logprobs, a models fallback list, embeddings, a legacy completion,
// then requests until the key's rate limit answers 429. Prints one JSON
// object.
import OpenAI from "openai";

const [baseURL, apiKey, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 60_000 });
const tools = [{
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
}];
const ask = [{ role: "user", content: "What is the weather in Paris?" }];

const call = await client.chat.completions.create({ model, messages: ask, tools, tool_choice: "auto" });
const toolCall = call.choices[0].message.tool_calls[0];
const args = JSON.parse(toolCall.function.arguments);
const afterTool = await client.chat.completions.create({
  model,
  tools,
  messages: [...ask, call.choices[0].message, { role: "tool", tool_call_id: toolCall.id, content: `sunny in ${args.city}` }],
});

// Streamed tool call: the SDK's stream helper assembles the deltas.
const runner = client.chat.completions.stream({ model, messages: ask, tools });
const streamedTool = (await runner.finalChatCompletion()).choices[0].message.tool_calls[0];

const jsonMode = await client.chat.completions.create({ model, messages: ask, response_format: { type: "json_object" } });
const schema = {
  type: "object",
  properties: { city: { type: "string" }, celsius: { type: "integer" }, sky: { enum: ["clear", "cloudy"] } },
  required: ["city", "celsius", "sky"],
  additionalProperties: false,
};
const schemaMode = await client.chat.completions.create({
  model, messages: ask, response_format: { type: "json_schema", json_schema: { name: "weather", schema, strict: true } },
});
const two = await client.chat.completions.create({ model, messages: ask, n: 2, logprobs: true, top_logprobs: 2, seed: 1 });
const fallback = await client.chat.completions.create({ model: model.split("/")[0] + "/fail", models: [model], messages: ask });
const emb = await client.embeddings.create({ model: model.split("/")[0] + "/text-embedding-3-small", input: ["hello", "world"] });
const legacy = await client.completions.create({ model, prompt: "Say hello", max_tokens: 8 });

let limited = null;
for (let i = 0; i < 30 && !limited; i++) {
  try {
    await client.chat.completions.create({ model, messages: ask });
  } catch (e) {
    limited = { status: e.status, code: e.code, type: e.type, message: e.message, retryAfter: e.headers?.get?.("retry-after") ?? null, after: i };
  }
}

console.log(JSON.stringify({
  toolName: toolCall.function.name,
  toolArgs: args,
  toolFinish: call.choices[0].finish_reason,
  afterTool: afterTool.choices[0].message.content,
  streamedTool: { name: streamedTool.function.name, args: streamedTool.function.arguments },
  jsonMode: JSON.parse(jsonMode.choices[0].message.content),
  schemaMode: JSON.parse(schemaMode.choices[0].message.content),
  n: two.choices.map((c) => c.message.content),
  logprobs: two.choices[0].logprobs.content.length,
  topLogprobs: two.choices[0].logprobs.content[0].top_logprobs.length,
  fallbackModel: fallback.model,
  embeddings: emb.data.map((d) => d.embedding.length),
  usageCost: two.usage.cost ?? null,
  legacy: legacy.choices[0].text,
  limited,
}));
