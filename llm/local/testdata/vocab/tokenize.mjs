// tokenize.mjs MODEL.gguf reads a JSON array of strings on stdin and
// prints, as JSON, llama.cpp's tokens for each (node-llama-cpp 3.22.1's
// prebuilt CPU build, loading only the vocabulary): [{plain, special}]
// where plain is llama_tokenize(text, add_special=false,
// parse_special=false) and special the same with parse_special=true.
import { readFileSync } from "node:fs";
import { getLlama } from "../llamacpp/node_modules/node-llama-cpp/dist/index.js";

const input = JSON.parse(readFileSync(0, "utf8"));
const llama = await getLlama({ gpu: false, build: "never", logLevel: "error" });
const model = await llama.loadModel({ modelPath: process.argv[2], vocabOnly: true });
const out = input.map((s) => ({
  plain: Array.from(model.tokenize(s, false)),
  special: Array.from(model.tokenize(s, true)),
}));
process.stdout.write(JSON.stringify(out));
await model.dispose();
await llama.dispose();
