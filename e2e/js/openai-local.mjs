// openai-local.mjs BASE_URL API_KEY MODEL: the official openai client
// uses the local provider's tool calls and embeddings through phala's
// gateway, against MODEL (the embedded local model): a required tool call,
// the tool's result sent back for a final answer, a streamed tool call
// (the SDK's stream helper assembles the deltas), and embeddings in float
// and in base64 (the SDK's default, which it decodes). Prints one JSON object.
import OpenAI from "openai";

const [baseURL, apiKey, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 120_000 });
const tools = [{
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: {
      type: "object",
      properties: { city: { enum: ["Paris", "Oslo"] }, days: { type: "integer" } },
      required: ["city", "days"],
      additionalProperties: false,
    },
  },
}];
const ask = [{ role: "user", content: "What is the weather in Paris?" }];
const sampling = { temperature: 1, seed: 3, max_tokens: 300 };

const call = await client.chat.completions.create({ model, messages: ask, tools, tool_choice: "required", ...sampling });
const toolCall = call.choices[0].message.tool_calls[0];
const args = JSON.parse(toolCall.function.arguments);
const afterTool = await client.chat.completions.create({
  model,
  tools,
  tool_choice: "none",
  max_tokens: 16,
  messages: [...ask, call.choices[0].message, { role: "tool", tool_call_id: toolCall.id, content: `sunny in ${args.city}` }],
});

const runner = client.chat.completions.stream({ model, messages: ask, tools, tool_choice: "required", ...sampling, seed: 4 });
const streamedTool = (await runner.finalChatCompletion()).choices[0].message.tool_calls[0];

const input = ["hello", "world"];
const b64 = await client.embeddings.create({ model, input });
const floats = await client.embeddings.create({ model, input, encoding_format: "float" });
const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

console.log(JSON.stringify({
  toolName: toolCall.function.name,
  toolID: toolCall.id,
  toolArgs: args,
  toolFinish: call.choices[0].finish_reason,
  afterTool: afterTool.choices[0].message.content,
  afterToolCalls: afterTool.choices[0].message.tool_calls?.length ?? 0,
  streamedTool: { name: streamedTool.function.name, args: JSON.parse(streamedTool.function.arguments) },
  embeddings: floats.data.map((d) => d.embedding.length),
  norms: floats.data.map((d) => norm(d.embedding)),
  // Floats come as the shortest decimals of float32s; base64 as the float32s.
  base64Same: b64.data.every((d, i) => d.embedding.length === 64 && d.embedding.every((x, j) => x === Math.fround(floats.data[i].embedding[j]))),
  embedTokens: floats.usage.prompt_tokens,
}));
