package local

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/phalanetwork/phala/llm/gguf"
	"github.com/phalanetwork/phala/llm/local/llamacpp"
)

// realModel is the project's small test model, relative to this package
// (see shared/models/README.md): a 260K-parameter Llama trained on
// TinyStories.
const realModel = "../../../shared/models/stories260K.gguf"

var (
	realOnce sync.Once
	realM    *Model
	realErr  error
)

// loadReal loads the real model once, or skips the test when it is missing.
func loadReal(t testing.TB) *Model {
	t.Helper()
	if _, err := os.Stat(realModel); err != nil {
		t.Skipf("test model %s is missing (%v): it lives in the project's shared/models", realModel, err)
	}
	realOnce.Do(func() { realM, realErr = Load(realModel) })
	if realErr != nil {
		t.Fatal(realErr)
	}
	return realM
}

// tinySpec describes a synthetic Llama model made by tiny.
type tinySpec struct {
	dim, heads, kvHeads, ffn, layers, ctx int
	quant                                 gguf.TensorType // the matrices' type (F32 if unset)
	tied                                  bool            // leave out output.weight
	skip                                  string          // a tensor to leave out
	kv                                    map[string]any  // metadata to add or replace
}

// tinyVocab is the synthetic models' vocabulary: control tokens, the 256
// byte tokens, then a few pieces.
func tinyVocab() (toks []string, scores []float32, types []int32) {
	toks = []string{"<unk>", "<s>", "</s>"}
	types = []int32{TokenUnknown, TokenControl, TokenControl}
	for b := range 256 {
		toks = append(toks, fmt.Sprintf("<0x%02X>", b))
		types = append(types, TokenByte)
	}
	for _, p := range []string{"▁", "a", "b", "▁a", "▁b", "ab", "▁ab", "▁the"} {
		toks = append(toks, p)
		types = append(types, TokenNormal)
	}
	scores = make([]float32, len(toks))
	for i := 259; i < len(toks); i++ {
		scores[i] = -float32(i - 259)
	}
	return toks, scores, types
}

// tiny builds a synthetic Llama GGUF file with random weights.
func tiny(s tinySpec) []byte {
	if s.quant == 0 {
		s.quant = gguf.TypeF32
	}
	toks, scores, types := tinyVocab()
	kvs := []struct {
		key string
		val any
	}{
		{"general.architecture", "llama"},
		{"general.name", "tiny"},
		{"llama.context_length", uint32(s.ctx)},
		{"llama.embedding_length", uint32(s.dim)},
		{"llama.block_count", uint32(s.layers)},
		{"llama.feed_forward_length", uint32(s.ffn)},
		{"llama.attention.head_count", uint32(s.heads)},
		{"llama.attention.head_count_kv", uint32(s.kvHeads)},
		{"llama.attention.layer_norm_rms_epsilon", float32(1e-5)},
		{"tokenizer.ggml.model", "llama"},
		{"tokenizer.ggml.tokens", toks},
		{"tokenizer.ggml.scores", scores},
		{"tokenizer.ggml.token_type", types},
		{"tokenizer.ggml.bos_token_id", uint32(1)},
		{"tokenizer.ggml.eos_token_id", uint32(2)},
	}
	b := gguf.NewBuilder()
	seen := map[string]bool{}
	for _, kv := range kvs {
		if v, ok := s.kv[kv.key]; ok {
			kv.val = v
		}
		b.AddKV(kv.key, kv.val)
		seen[kv.key] = true
	}
	for _, k := range slices.Sorted(maps.Keys(s.kv)) {
		if !seen[k] {
			b.AddKV(k, s.kv[k])
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	add := func(name string, rows, cols int, norm bool) {
		if name == s.skip {
			return
		}
		vals := make([]float32, rows*cols)
		for i := range vals {
			if norm {
				vals[i] = 1 + 0.1*float32(rng.NormFloat64())
			} else {
				vals[i] = 0.3 * float32(rng.NormFloat64())
			}
		}
		dims := []uint64{uint64(cols), uint64(rows)}
		if rows == 1 {
			dims = dims[:1]
		}
		if norm || s.quant == gguf.TypeF32 {
			b.AddF32(name, dims, vals)
			return
		}
		raw, err := gguf.Quantize(s.quant, vals)
		if err != nil {
			panic(err) // a test's own spec
		}
		b.AddTensor(name, s.quant, dims, raw)
	}
	vocab := len(toks)
	hd := s.dim / s.heads
	add("token_embd.weight", vocab, s.dim, false)
	add("output_norm.weight", 1, s.dim, true)
	if !s.tied {
		add("output.weight", vocab, s.dim, false)
	}
	for l := range s.layers {
		p := fmt.Sprintf("blk.%d.", l)
		add(p+"attn_norm.weight", 1, s.dim, true)
		add(p+"attn_q.weight", s.heads*hd, s.dim, false)
		add(p+"attn_k.weight", s.kvHeads*hd, s.dim, false)
		add(p+"attn_v.weight", s.kvHeads*hd, s.dim, false)
		add(p+"attn_output.weight", s.dim, s.heads*hd, false)
		add(p+"ffn_norm.weight", 1, s.dim, true)
		add(p+"ffn_gate.weight", s.ffn, s.dim, false)
		add(p+"ffn_up.weight", s.ffn, s.dim, false)
		add(p+"ffn_down.weight", s.dim, s.ffn, false)
	}
	return b.Bytes()
}

// defaultTiny is a small valid synthetic model with grouped-query attention.
var defaultTiny = tinySpec{dim: 16, heads: 4, kvHeads: 2, ffn: 24, layers: 2, ctx: 12}

// parseTiny parses a synthetic file and prepares its model.
func parseTiny(t testing.TB, data []byte) *Model {
	t.Helper()
	return must[*Model](t)(FromFile(must[*gguf.File](t)(gguf.Parse(data))))
}

// feed runs prompt through a new State of m and returns it with the
// logits after the last token.
func feed(t testing.TB, m *Model, prompt []int) (*State, []float32) {
	t.Helper()
	s := m.NewState()
	var logits []float32
	for _, tok := range prompt {
		logits = must[[]float32](t)(s.Forward(tok))
	}
	return s, logits
}

// must returns a function that passes on a setup call's value and fails
// t on its error: must[T](t)(call()).
func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// loadSpec generates (or finds in the cache) the model of s and loads it.
func loadSpec(t testing.TB, s gguf.ModelSpec) (*Model, string) {
	t.Helper()
	path := must[string](t)(gguf.CachedModel(s))
	return must[*Model](t)(Load(path)), path
}

// runLlamaCpp runs job through llama.cpp within timeout.
func runLlamaCpp(t testing.TB, job llamacpp.Job, timeout time.Duration) []llamacpp.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return must[[]llamacpp.Result](t)(llamacpp.Run(ctx, job))
}
