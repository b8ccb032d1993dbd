// greedy.mjs runs llama.cpp (node-llama-cpp's prebuilt CPU build; nothing is
// downloaded or built at run time) as the reference for the Go runner.
//
// It reads one JSON job from stdin:
//   {"threads": 2, "models": [{"path": "m.gguf", "prompts": [[1, 5, 9]], "n": 16}],
//    "bench": {"prompt": 128, "decode": 64, "rounds": 3}}   (bench optional)
// and writes one JSON result to stdout: per model, per prompt, the greedy
// token ids llama.cpp generates after the prompt (given as token ids, so
// tokenization plays no part), and with "bench" the prompt-processing and
// decoding tokens per second of each round. A model's "embed" lists token
// lists whose embeddings (LlamaEmbeddingContext) come back in "embeddings".
import {getLlama} from "node-llama-cpp";

const job = JSON.parse(await new Promise((resolve) => {
	let s = "";
	process.stdin.on("data", (d) => s += d);
	process.stdin.on("end", () => resolve(s));
}));
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});
const out = [];
for (const spec of job.models) {
	const model = await llama.loadModel({modelPath: spec.path, gpuLayers: 0});
	// Flash attention off: its CPU kernel accumulates V in half precision;
	// the standard path (F16 cache, F32 softmax) is what the runner mirrors.
	const ctx = await model.createContext({contextSize: spec.context ?? 512, threads: job.threads ?? 1,
		flashAttention: !!job.flashAttention,
		batchSize: 512, sequences: 1});
	const res = {path: spec.path, greedy: []};
	for (const prompt of spec.prompts ?? []) {
		const seq = ctx.getSequence();
		const ids = [];
		for await (const tok of seq.evaluate(prompt, {temperature: 0})) {
			ids.push(tok);
			if (ids.length >= spec.n) break;
		}
		res.greedy.push(ids);
		seq.dispose();
	}
	if (spec.embed?.length) {
		const ectx = await model.createEmbeddingContext({contextSize: spec.context ?? 512, threads: job.threads ?? 1});
		res.embeddings = [];
		for (const toks of spec.embed) res.embeddings.push(Array.from((await ectx.getEmbeddingFor([...toks])).vector));
		await ectx.dispose();
	}
	if (job.bench) {
		res.bench = [];
		for (let r = 0; r < (job.bench.rounds ?? 1); r++) res.bench.push(await bench(ctx, job.bench));
	}
	out.push(res);
	await ctx.dispose();
	await model.dispose();
}
process.stdout.write(JSON.stringify(out) + "\n");

// bench times evaluating a prompt of p tokens in one batch, then n greedy
// decoding steps, each on a fresh sequence.
async function bench(ctx, {prompt, decode}) {
	const toks = Array.from({length: prompt}, (_, i) => 3 + (i * 7) % 200);
	let seq = ctx.getSequence();
	let t0 = performance.now();
	await seq.evaluateWithoutGeneratingNewTokens(toks);
	const promptS = (performance.now() - t0) / 1000;
	seq.dispose();
	seq = ctx.getSequence();
	await seq.evaluateWithoutGeneratingNewTokens([1]);
	let n = 0;
	t0 = performance.now();
	for await (const tok of seq.evaluate([2], {temperature: 0})) {
		if (++n >= decode) break;
	}
	const decodeS = (performance.now() - t0) / 1000;
	seq.dispose();
	return {promptTokensPerSecond: prompt / promptS, decodeTokensPerSecond: n / decodeS};
}
