package bench

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/phalanetwork/phala/llm/gguf"
	"github.com/phalanetwork/phala/llm/local"
	"github.com/phalanetwork/phala/llm/local/llamacpp"
)

// llmBenchTypes are the weight types of the speed comparison.
var llmBenchTypes = []gguf.TensorType{gguf.TypeF16, gguf.TypeQ8_0, gguf.TypeQ4_K}

// llmBenchSpec is the ~85M-parameter generated model of the comparison
// (12 layers of width 768, FFN 2048, stories260K's 512-token vocabulary).
func llmBenchSpec(tb testing.TB, typ gguf.TensorType) gguf.ModelSpec {
	tb.Helper()
	path := filepath.Join("..", "..", "shared", "models", "stories260K.gguf")
	if _, err := os.Stat(path); err != nil {
		tb.Skipf("stories260K.gguf (its vocabulary) is missing: %v", err)
	}
	f, err := gguf.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	return gguf.ModelSpec{Arch: "llama", Type: typ, Dim: 768, Layers: 12, FFN: 2048, Heads: 12, KVHeads: 12,
		Context: 512, Seed: 1, Tokenizer: gguf.TokenizerKVs(f)}
}

// llmRunnerSpeed times the runner on m: prompt tokens evaluated together
// (State.ForwardBatch), then decode greedy steps, each on a fresh State.
func llmRunnerSpeed(tb testing.TB, m *local.Model, prompt, decode int) (pp, tg float64) {
	s := m.NewState()
	toks := make([]int, prompt)
	for i := range toks {
		toks[i] = 3 + (i*7)%200
	}
	start := time.Now()
	if _, err := s.ForwardBatch(toks); err != nil {
		tb.Fatal(err)
	}
	pp = float64(prompt) / time.Since(start).Seconds()
	s = m.NewState()
	logits, err := s.Forward(1)
	if err != nil {
		tb.Fatal(err)
	}
	start = time.Now()
	for range decode {
		if logits, err = s.Forward(local.Argmax(logits)); err != nil {
			tb.Fatal(err)
		}
	}
	return pp, float64(decode) / time.Since(start).Seconds()
}

// TestLocalVsLlamaCppSpeed compares the runner's prompt-processing and
// decoding tokens/s with llama.cpp's (node-llama-cpp, same thread count,
// same machine, same run, three rounds each) on generated ~85M-parameter
// models in F16, Q8_0 and Q4_K, and prints the ratios of the medians with
// each side's spread. Both evaluate the prompt in one batch. It is a test rather than a benchmark so that
// each side runs exactly the rounds asked for, and it runs only when asked
// (it generates ~500 MB of models and takes minutes):
//
//	PHALA_LLM_BENCH=1 go test ./bench -run LocalVsLlamaCppSpeed -v
func TestLocalVsLlamaCppSpeed(t *testing.T) {
	if os.Getenv("PHALA_LLM_BENCH") == "" {
		t.Skip("set PHALA_LLM_BENCH=1 to run the local model speed comparison")
	}
	llamacpp.Require(t)
	const prompt, decode, rounds = 32, 32, 3
	threads := runtime.GOMAXPROCS(0)
	for _, typ := range llmBenchTypes {
		t.Run(typ.String(), func(t *testing.T) {
			path, err := gguf.CachedModel(llmBenchSpec(t, typ))
			if err != nil {
				t.Fatal(err)
			}
			m, err := local.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			var ours []llamacpp.Speed
			for range rounds {
				pp, tg := llmRunnerSpeed(t, m, prompt, decode)
				ours = append(ours, llamacpp.Speed{PromptTokensPerSecond: pp, DecodeTokensPerSecond: tg})
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			ref, err := llamacpp.Run(ctx, llamacpp.Job{Threads: threads, FlashAttention: true,
				Models: []llamacpp.Model{{Path: path, Context: 512}},
				Bench:  &llamacpp.Bench{Prompt: prompt, Decode: decode, Rounds: rounds}})
			if err != nil {
				t.Fatal(err)
			}
			otg, opp := spread(ours, true), spread(ours, false)
			rtg, rpp := spread(ref[0].Bench, true), spread(ref[0].Bench, false)
			t.Logf("%-5s %d threads: decode %.1f tok/s [%.1f–%.1f] vs llama.cpp %.1f [%.1f–%.1f]: %.2f×; "+
				"prompt %.1f [%.1f–%.1f] vs %.1f [%.1f–%.1f]: %.2f×",
				typ, threads, otg[1], otg[0], otg[2], rtg[1], rtg[0], rtg[2], otg[1]/rtg[1],
				opp[1], opp[0], opp[2], rpp[1], rpp[0], rpp[2], opp[1]/rpp[1])
		})
	}
}

// spread is the minimum, median and maximum of the rounds' decoding (or
// prompt) speeds.
func spread(rounds []llamacpp.Speed, decode bool) [3]float64 {
	v := make([]float64, len(rounds))
	for i, r := range rounds {
		v[i] = r.PromptTokensPerSecond
		if decode {
			v[i] = r.DecodeTokensPerSecond
		}
	}
	slices.Sort(v)
	return [3]float64{v[0], v[len(v)/2], v[len(v)-1]}
}
