package gguf

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// ModelSpec describes a transformer with random weights that tests and
// benchmarks generate (nothing large is committed): its architecture,
// shape and weight type, and the tokenizer metadata copied from a real
// model.
type ModelSpec struct {
	// Arch is the general.architecture: "llama" or "qwen2" (QKV biases).
	Arch string
	// Type is the element type of the weight matrices (norms and biases are F32).
	Type TensorType
	// Dim, Layers, FFN, Heads, KVHeads and Context are the hyperparameters.
	Dim, Layers, FFN, Heads, KVHeads, Context int
	// RopeBase is <arch>.rope.freq_base; 0 leaves it out (10000).
	RopeBase float64
	// RopeLinear is a linear <arch>.rope.scaling.factor; 0 leaves it out.
	RopeLinear float64
	// Tied leaves output.weight out, so the output reuses token_embd.
	Tied bool
	// Seed seeds the weights.
	Seed uint64
	// Pooling is <arch>.pooling_type (1 mean, 2 cls, 3 last); 0 leaves it out.
	Pooling uint32
	// Tokenizer is the tokenizer.* metadata to copy; the vocabulary size
	// is the length of its tokenizer.ggml.tokens.
	Tokenizer []KV
}

// TokenizerKVs returns f's tokenizer.* metadata, for ModelSpec.Tokenizer.
func TokenizerKVs(f *File) []KV {
	var out []KV
	for _, kv := range f.KVs {
		if strings.HasPrefix(kv.Key, "tokenizer.") {
			out = append(out, kv)
		}
	}
	return out
}

// Name is a file name that identifies the spec (shape, type, seed and a
// hash of the tokenizer), so a cached file is reused only for the same spec.
func (s ModelSpec) Name() string {
	h := sha256.New()
	for _, kv := range s.Tokenizer {
		fmt.Fprintf(h, "%s=%v;", kv.Key, kv.Value)
	}
	return fmt.Sprintf("gen1-%s-%s-d%d-l%d-f%d-h%d-kv%d-c%d-r%g-s%g-t%v-seed%d-%s.gguf",
		s.Arch, s.Type, s.Dim, s.Layers, s.FFN, s.Heads, s.KVHeads, s.Context,
		s.RopeBase, s.RopeLinear, s.Tied, s.Seed, hex.EncodeToString(h.Sum(nil))[:12]+s.poolingName())
}

// poolingName marks a spec with a pooling type (nothing for none, so
// earlier names stay as they were).
func (s ModelSpec) poolingName() string {
	if s.Pooling == 0 {
		return ""
	}
	return fmt.Sprintf("-p%d", s.Pooling)
}

// Build generates the model file: metadata, then the tensors in llama.cpp's
// names, weights drawn from a normal distribution scaled by 1/√columns and
// quantized by this package's quantizers.
func (s ModelSpec) Build() ([]byte, error) {
	var vocab int
	for _, kv := range s.Tokenizer {
		if kv.Key == "tokenizer.ggml.tokens" {
			vocab = kv.Value.Len()
		}
	}
	if vocab == 0 || s.Heads == 0 || s.KVHeads == 0 || s.Dim%s.Heads != 0 {
		return nil, fmt.Errorf("gguf: model spec %s: needs tokenizer tokens and heads dividing the width", s.Name())
	}
	b := NewBuilder()
	b.AddKV("general.architecture", s.Arch)
	b.AddKV("general.name", strings.TrimSuffix(s.Name(), ".gguf"))
	p := s.Arch + "."
	b.AddKV(p+"context_length", uint32(s.Context))
	b.AddKV(p+"embedding_length", uint32(s.Dim))
	b.AddKV(p+"block_count", uint32(s.Layers))
	b.AddKV(p+"feed_forward_length", uint32(s.FFN))
	b.AddKV(p+"attention.head_count", uint32(s.Heads))
	b.AddKV(p+"attention.head_count_kv", uint32(s.KVHeads))
	b.AddKV(p+"attention.layer_norm_rms_epsilon", float32(1e-5))
	if s.RopeBase != 0 {
		b.AddKV(p+"rope.freq_base", float32(s.RopeBase))
	}
	if s.RopeLinear != 0 {
		b.AddKV(p+"rope.scaling.type", "linear")
		b.AddKV(p+"rope.scaling.factor", float32(s.RopeLinear))
	}
	if s.Pooling != 0 {
		b.AddKV(p+"pooling_type", s.Pooling)
	}
	for _, kv := range s.Tokenizer {
		b.AddKV(kv.Key, kv.Value.Any())
	}
	g := generator{b: b, rng: rand.New(rand.NewPCG(s.Seed, uint64(s.Type))), typ: s.Type}
	hd := s.Dim / s.Heads
	g.matrix("token_embd.weight", vocab, s.Dim)
	g.vector("output_norm.weight", s.Dim, 1, 0.1)
	if !s.Tied {
		g.matrix("output.weight", vocab, s.Dim)
	}
	for l := range s.Layers {
		n := fmt.Sprintf("blk.%d.", l)
		g.vector(n+"attn_norm.weight", s.Dim, 1, 0.1)
		g.matrix(n+"attn_q.weight", s.Heads*hd, s.Dim)
		g.matrix(n+"attn_k.weight", s.KVHeads*hd, s.Dim)
		g.matrix(n+"attn_v.weight", s.KVHeads*hd, s.Dim)
		if s.Arch == "qwen2" {
			g.vector(n+"attn_q.bias", s.Heads*hd, 0, 0.5)
			g.vector(n+"attn_k.bias", s.KVHeads*hd, 0, 0.5)
			g.vector(n+"attn_v.bias", s.KVHeads*hd, 0, 0.5)
		}
		g.matrix(n+"attn_output.weight", s.Dim, s.Heads*hd)
		g.vector(n+"ffn_norm.weight", s.Dim, 1, 0.1)
		g.matrix(n+"ffn_gate.weight", s.FFN, s.Dim)
		g.matrix(n+"ffn_up.weight", s.FFN, s.Dim)
		g.matrix(n+"ffn_down.weight", s.Dim, s.FFN)
	}
	if g.err != nil {
		return nil, fmt.Errorf("gguf: model spec %s: %w", s.Name(), g.err)
	}
	return b.Bytes(), nil
}

// generator adds random tensors to a Builder, keeping the first error.
type generator struct {
	b   *Builder
	rng *rand.Rand
	typ TensorType
	err error
}

// matrix adds a rows × cols weight matrix of the generator's type.
func (g *generator) matrix(name string, rows, cols int) {
	vals := make([]float32, rows*cols)
	sd := 1 / math.Sqrt(float64(cols))
	for i := range vals {
		vals[i] = float32(g.rng.NormFloat64() * sd)
	}
	data, err := Quantize(g.typ, vals)
	if err != nil && g.err == nil {
		g.err = fmt.Errorf("tensor %s: %w", name, err)
	}
	g.b.AddTensor(name, g.typ, []uint64{uint64(cols), uint64(rows)}, data)
}

// vector adds an F32 vector of n values mean ± sd.
func (g *generator) vector(name string, n int, mean, sd float64) {
	vals := make([]float32, n)
	for i := range vals {
		vals[i] = float32(mean + sd*g.rng.NormFloat64())
	}
	g.b.AddF32(name, []uint64{uint64(n)}, vals)
}

// ModelCacheDir is where generated models are kept: $PHALA_MODEL_CACHE,
// or phala-test-models in the user's cache directory.
func ModelCacheDir() (string, error) {
	if d := os.Getenv("PHALA_MODEL_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("gguf: model cache: %w", err)
	}
	return filepath.Join(d, "phala-test-models"), nil
}

// CachedModel returns the path of the spec's generated file in the model
// cache, generating it first when it is not there yet (written to a
// temporary file and renamed, so a reader never sees half a file).
func CachedModel(s ModelSpec) (string, error) {
	dir, err := ModelCacheDir()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, s.Name())
	if _, err := os.Stat(path); err == nil {
		return path, nil
	}
	data, err := s.Build()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("gguf: model cache: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".gen-*")
	if err != nil {
		return "", fmt.Errorf("gguf: model cache: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", fmt.Errorf("gguf: model cache: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("gguf: model cache: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("gguf: model cache: %w", err)
	}
	return path, nil
}
