package local

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/phalanetwork/phala/llm/gguf"
	"github.com/phalanetwork/phala/llm/local/llamacpp"
)

// referenceArchs are the generated models' architectures: Llama 2 style
// (multi-head attention), Llama 3 style (grouped-query attention, a large
// RoPE base, linear RoPE scaling) and Qwen 2 (QKV biases, NeoX RoPE).
// Mistral models use the llama architecture and so are covered by these.
var referenceArchs = []struct {
	name string
	spec gguf.ModelSpec
}{
	{"llama2", gguf.ModelSpec{Arch: "llama", Heads: 4, KVHeads: 4}},
	{"llama3", gguf.ModelSpec{Arch: "llama", Heads: 4, KVHeads: 2, RopeBase: 500000, RopeLinear: 2}},
	{"qwen2", gguf.ModelSpec{Arch: "qwen2", Heads: 4, KVHeads: 2, RopeBase: 1000000, Tied: true}},
}

// referenceTypes are the weight encodings the runner computes with.
var referenceTypes = []gguf.TensorType{
	gguf.TypeF32, gguf.TypeF16, gguf.TypeBF16, gguf.TypeQ8_0,
	gguf.TypeQ4_0, gguf.TypeQ4_K, gguf.TypeQ5_K, gguf.TypeQ6_K,
}

// referencePrompts are token ids of stories260K's vocabulary.
var referencePrompts = [][]int{{1, 403, 407, 261, 378}, {1, 291, 280, 294, 300, 7, 9}}

// realTokenizer is stories260K's tokenizer metadata, which the generated
// models copy, or a skip when the model is missing.
func realTokenizer(t testing.TB) []gguf.KV {
	t.Helper()
	loadReal(t)
	f, err := gguf.Open(realModel)
	if err != nil {
		t.Fatal(err)
	}
	return gguf.TokenizerKVs(f)
}

// TestGeneratedModelsMatchLlamaCpp generates a small model of each architecture
// and weight type with the project's GGUF writer and quantizers, and
// checks llama.cpp and this runner continue each prompt greedily with the
// same tokens; stories260K too.
func TestGeneratedModelsMatchLlamaCpp(t *testing.T) {
	llamacpp.Require(t)
	tok := realTokenizer(t)
	const n = 16
	type run struct {
		name, path string
	}
	runs := []run{{"stories260K", realModel}}
	for _, a := range referenceArchs {
		for _, typ := range referenceTypes {
			s := a.spec
			s.Type, s.Dim, s.FFN, s.Layers, s.Context, s.Seed, s.Tokenizer = typ, 256, 512, 2, 256, 42, tok
			path, err := gguf.CachedModel(s)
			if err != nil {
				t.Fatal(err)
			}
			runs = append(runs, run{fmt.Sprintf("%s/%s", a.name, typ), path})
		}
	}
	job := llamacpp.Job{Threads: 1}
	for _, r := range runs {
		job.Models = append(job.Models, llamacpp.Model{Path: r.path, Prompts: referencePrompts, N: n, Context: 256})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	ref, err := llamacpp.Run(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			m, err := Load(r.path)
			if err != nil {
				t.Fatal(err)
			}
			for j, p := range referencePrompts {
				got := greedy(t, m, p, n)
				if want := ref[i].Greedy[j]; !slices.Equal(got, want) {
					t.Errorf("prompt %v: runner %v, llama.cpp %v", p, got, want)
				}
			}
		})
	}
}
