package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
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

// llmRunnerSpeed times the runner on m: prompt tokens evaluated one after
// another, then decode greedy steps, each on a fresh State.
func llmRunnerSpeed(tb testing.TB, m *local.Model, prompt, decode int) (pp, tg float64) {
	s := m.NewState()
	start := time.Now()
	for i := range prompt {
		if _, err := s.Forward(3 + (i*7)%200); err != nil {
			tb.Fatal(err)
		}
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

// BenchmarkLocalVsLlamaCpp compares the runner's prompt-processing and
// decoding tokens/s with llama.cpp's (node-llama-cpp, same thread count,
// same machine, same run) on generated ~85M-parameter models in F16, Q8_0
// and Q4_K, and prints the ratios. The runner evaluates the prompt one
// token at a time; llama.cpp in one batch.
//
//	go test ./bench -run '^$' -bench LocalVsLlamaCpp -benchtime 1x
func BenchmarkLocalVsLlamaCpp(b *testing.B) {
	llamacpp.Require(b)
	const prompt, decode = 64, 64
	threads := runtime.GOMAXPROCS(0)
	for _, typ := range llmBenchTypes {
		b.Run(typ.String(), func(b *testing.B) {
			path, err := gguf.CachedModel(llmBenchSpec(b, typ))
			if err != nil {
				b.Fatal(err)
			}
			m, err := local.Load(path)
			if err != nil {
				b.Fatal(err)
			}
			var pp, tg float64
			for range b.N {
				pp, tg = llmRunnerSpeed(b, m, prompt, decode)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			ref, err := llamacpp.Run(ctx, llamacpp.Job{Threads: threads, FlashAttention: true,
				Models: []llamacpp.Model{{Path: path, Context: 512}},
				Bench:  &llamacpp.Bench{Prompt: prompt, Decode: decode}})
			if err != nil {
				b.Fatal(err)
			}
			rb := ref[0].Bench
			b.ReportMetric(tg, "decode-tok/s")
			b.ReportMetric(tg/rb.DecodeTokensPerSecond, "decode-ratio")
			b.ReportMetric(pp/rb.PromptTokensPerSecond, "prompt-ratio")
			fmt.Printf("%-5s %d threads: decode %6.1f tok/s vs llama.cpp %6.1f (%.2f×); prompt %6.1f tok/s vs %6.1f (%.2f×)\n",
				typ, threads, tg, rb.DecodeTokensPerSecond, tg/rb.DecodeTokensPerSecond,
				pp, rb.PromptTokensPerSecond, pp/rb.PromptTokensPerSecond)
		})
	}
}
