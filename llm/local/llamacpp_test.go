package local

import (
	"fmt"
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
// same tokens (followReference: at most one near-tie per continuation);
// stories260K too.
func TestGeneratedModelsMatchLlamaCpp(t *testing.T) {
	if testing.Short() {
		// The race run of scripts/test.sh is -short; this comparison
		// (single-threaded reference work, minutes under the detector) runs
		// in its plain run.
		t.Skip("-short: the llama.cpp comparison runs without -short")
	}
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
	ref := runLlamaCpp(t, job, 10*time.Minute)
	for i, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			m, err := Load(r.path)
			if err != nil {
				t.Fatal(err)
			}
			for j, p := range referencePrompts {
				followReference(t, m, p, ref[i].Greedy[j])
			}
		})
	}
}

// nearTie is the largest gap between the runner's top logit and its logit
// for llama.cpp's token that counts as a near-tie rather than a
// disagreement: random-weight models have flat next-token distributions,
// and the two implementations sum in different orders (SIMD lanes, ggml's
// vectorized exp), so logits agree to about 1e-3, not bit for bit.
const nearTie = 0.02

// followReference feeds llama.cpp's greedy continuation to the runner:
// at every step the runner's own greedy choice must be llama.cpp's token,
// or else a near-tie with it; then the run goes on with llama.cpp's token.
func followReference(t *testing.T, m *Model, prompt, want []int) {
	t.Helper()
	if len(want) == 0 {
		t.Fatalf("prompt %v: llama.cpp generated nothing", prompt)
	}
	ss := m.NewSession()
	logits, err := ss.Feed(prompt)
	if err != nil {
		t.Fatal(err)
	}
	ties := 0
	for k, tok := range want {
		if top := Argmax(logits); top != tok {
			gap := logits[top] - logits[tok]
			if gap > nearTie {
				t.Fatalf("prompt %v step %d: runner %d (logit %.5f), llama.cpp %d (logit %.5f here); llama.cpp's tokens %v",
					prompt, k, top, logits[top], tok, logits[tok], want)
			}
			ties++
			t.Logf("prompt %v step %d: near-tie, runner %d, llama.cpp %d, gap %.2g", prompt, k, top, tok, gap)
		}
		if logits, err = ss.s.Forward(tok); err != nil {
			t.Fatal(err)
		}
	}
	if ties > 1 {
		t.Errorf("prompt %v: %d near-ties in %d tokens", prompt, ties, len(want))
	}
}
