// Package local is the embedded "local" LLM provider: a pure-Go inference
// engine for llama-family models (the llama architecture of Llama 2 and 3
// and Mistral, and qwen2) that loads a GGUF file (see package gguf),
// tokenizes with the vocabulary stored in it, runs the transformer on the
// CPU and samples completions.
//
// Weight matrices stay in the file's encoding (F32, F16, BF16, Q4_0,
// Q8_0, Q4_K, Q5_K, Q6_K); each matrix-vector product quantizes the
// activations once, as llama.cpp does, and uses integer dot products per
// block (whole-row AVX2 kernels for F16, Q8_0 and Q4_K), its rows split
// across GOMAXPROCS goroutines. A prompt is evaluated in batches of up to
// 64 tokens (State.ForwardBatch): each tile of a weight matrix meets every
// token's vector while it is in cache, F16 rows two vectors at a time.
package local

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/phalanetwork/phala/llm/gguf"
)

// ErrModel marks a GGUF file that is not a model this package can run.
var ErrModel = errors.New("local: unusable model")

// Config holds a model's hyperparameters, read from the <arch>.* metadata.
type Config struct {
	// Arch is the architecture: "llama" or "qwen2".
	Arch string
	// ContextLength is the most positions a sequence may hold (<arch>.context_length).
	ContextLength int
	// Dim is the embedding width (<arch>.embedding_length).
	Dim int
	// Layers is the number of transformer blocks (<arch>.block_count).
	Layers int
	// FFNDim is the hidden width of the feed-forward network (<arch>.feed_forward_length).
	FFNDim int
	// Heads is the number of query heads (<arch>.attention.head_count).
	Heads int
	// KVHeads is the number of key/value heads, fewer than Heads with
	// grouped-query attention (<arch>.attention.head_count_kv).
	KVHeads int
	// HeadDim is Dim / Heads.
	HeadDim int
	// RopeDim is how many leading dimensions of each head RoPE rotates
	// (<arch>.rope.dimension_count, default HeadDim).
	RopeDim int
	// RopeBase is the RoPE frequency base (<arch>.rope.freq_base, default 10000).
	RopeBase float64
	// RopeScale multiplies positions before rotation: 1/<arch>.rope.scaling.factor
	// for linear scaling, else 1.
	RopeScale float64
	// RopeNeox rotates pairs (i, i+RopeDim/2) as qwen2 does, instead of
	// llama's consecutive pairs.
	RopeNeox bool
	// NormEps is the RMSNorm epsilon (<arch>.attention.layer_norm_rms_epsilon, default 1e-5).
	NormEps float32
	// Vocab is the vocabulary size (rows of token_embd).
	Vocab int
	// Pooling is how embeddings pool the tokens' hidden states
	// (<arch>.pooling_type, llama.cpp's numbering: 0 none, 1 mean, 2 cls,
	// 3 last, 4 rank); see Provider.Embed.
	Pooling int
}

// Model is a loaded model with its tokenizer; it is read-only after
// loading and so safe to use from many goroutines, each with its own State.
type Model struct {
	// Name is the model's name: the file's base name without ".gguf".
	Name string
	// Config holds the hyperparameters.
	Config Config
	// Tokenizer is the vocabulary stored in the file.
	Tokenizer *Tokenizer

	tokEmbd   *qmatrix // Vocab × Dim
	layers    []layer
	outNorm   []float32 // Dim
	output    *qmatrix  // Vocab × Dim, possibly tokEmbd itself
	ropeFreqs []float32 // RopeDim/2 divisors of each frequency (Llama 3.1's rope_freqs), or nil
	half      *halfTable
	sessions  sessionPool // idle sessions whose KV caches later turns reuse
}

// layer holds one transformer block's weights, each matrix with one row
// per output; the biases are only in qwen2 files.
type layer struct {
	attnNorm, ffnNorm []float32 // Dim
	bq, bk, bv        []float32 // nil, or Heads·HeadDim, KVHeads·HeadDim, KVHeads·HeadDim
	wq, wk, wv, wo    *qmatrix
	wGate, wUp, wDown *qmatrix
}

// archs are the architectures the runner implements, with whether the
// attention projections carry biases and RoPE rotates NeoX-style.
var archs = map[string]struct{ qkvBias, neox bool }{
	"llama": {false, false},
	"qwen2": {true, true},
}

// Load reads the GGUF file at path and prepares the model in it.
func Load(path string) (*Model, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	m, err := FromFile(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	m.Name = strings.TrimSuffix(filepath.Base(path), ".gguf")
	return m, nil
}

// FromFile prepares the model held in a parsed GGUF file; its Name is
// general.name, or "model". The weights are not copied: the model keeps
// f's data.
func FromFile(f *gguf.File) (*Model, error) {
	arch := f.Architecture()
	if _, ok := archs[arch]; !ok {
		return nil, fmt.Errorf("%w: architecture %q (supported: \"llama\" for Llama 2/3 and Mistral, \"qwen2\")", ErrModel, arch)
	}
	cfg, err := readConfig(f, arch)
	if err != nil {
		return nil, err
	}
	m := &Model{Name: "model", Config: cfg, half: newHalfTable()}
	if n, ok := f.Text("general.name"); ok && n != "" {
		m.Name = n
	}
	// Check the tensors' presence and shapes before using any.
	if err := m.readVocab(f); err != nil {
		return nil, err
	}
	// Every layer's tensors must be there: this bounds Layers by the
	// file's tensor count before anything is allocated per layer.
	if m.Config.Layers > len(f.Tensors) {
		return nil, fmt.Errorf("%w: %s.block_count %d but only %d tensors", ErrModel, arch, m.Config.Layers, len(f.Tensors))
	}
	if err := m.readGlobals(f); err != nil {
		return nil, err
	}
	if err := m.readLayers(f); err != nil {
		return nil, err
	}
	return m, nil
}

// readVocab takes the vocabulary size from token_embd.weight's shape and
// reads the tokenizer, which must have as many tokens.
func (m *Model) readVocab(f *gguf.File) error {
	ti, ok := f.Tensor("token_embd.weight")
	if !ok {
		return fmt.Errorf("%w: no tensor token_embd.weight", ErrModel)
	}
	if len(ti.Dims) != 2 || ti.Dims[0] != uint64(m.Config.Dim) || ti.Dims[1] == 0 || ti.Dims[1] > math.MaxInt32 {
		return fmt.Errorf("%w: token_embd.weight has shape %v, want [%d vocab]", ErrModel, ti.Dims, m.Config.Dim)
	}
	m.Config.Vocab = int(ti.Dims[1])
	var err error
	if m.Tokenizer, err = NewTokenizer(f); err != nil {
		return err
	}
	if m.Tokenizer.Len() != m.Config.Vocab {
		return fmt.Errorf("%w: the tokenizer has %d tokens but token_embd.weight %d rows", ErrModel, m.Tokenizer.Len(), m.Config.Vocab)
	}
	return nil
}

// readGlobals reads the tensors outside the layers: the token embeddings,
// the output norm, the output matrix (the embeddings again when the file
// ties them) and Llama 3.1's RoPE frequency factors when present.
func (m *Model) readGlobals(f *gguf.File) error {
	cfg := m.Config
	var err error
	if m.tokEmbd, err = loadMatrix(f, "token_embd.weight", cfg.Vocab, cfg.Dim, m.half); err != nil {
		return err
	}
	if m.outNorm, err = vector(f, "output_norm.weight", cfg.Dim); err != nil {
		return err
	}
	m.output = m.tokEmbd // tied embeddings
	if _, ok := f.Tensor("output.weight"); ok {
		if m.output, err = loadMatrix(f, "output.weight", cfg.Vocab, cfg.Dim, m.half); err != nil {
			return err
		}
	}
	if _, ok := f.Tensor("rope_freqs.weight"); ok {
		if m.ropeFreqs, err = vector(f, "rope_freqs.weight", cfg.RopeDim/2); err != nil {
			return err
		}
	}
	return nil
}

// readLayers reads every layer's norms, biases and weight matrices.
func (m *Model) readLayers(f *gguf.File) error {
	cfg := m.Config
	q, kv := cfg.Heads*cfg.HeadDim, cfg.KVHeads*cfg.HeadDim
	bias := archs[cfg.Arch].qkvBias
	m.layers = make([]layer, cfg.Layers)
	for i := range m.layers {
		l := &m.layers[i]
		p := fmt.Sprintf("blk.%d.", i)
		for _, t := range []struct {
			dst  *[]float32
			name string
			n    int
			use  bool
		}{
			{&l.attnNorm, "attn_norm.weight", cfg.Dim, true},
			{&l.ffnNorm, "ffn_norm.weight", cfg.Dim, true},
			{&l.bq, "attn_q.bias", q, bias},
			{&l.bk, "attn_k.bias", kv, bias},
			{&l.bv, "attn_v.bias", kv, bias},
		} {
			if !t.use {
				continue
			}
			var err error
			if *t.dst, err = vector(f, p+t.name, t.n); err != nil {
				return err
			}
		}
		for _, t := range []struct {
			dst        **qmatrix
			name       string
			rows, cols int
		}{
			{&l.wq, "attn_q", q, cfg.Dim},
			{&l.wk, "attn_k", kv, cfg.Dim},
			{&l.wv, "attn_v", kv, cfg.Dim},
			{&l.wo, "attn_output", cfg.Dim, q},
			{&l.wGate, "ffn_gate", cfg.FFNDim, cfg.Dim},
			{&l.wUp, "ffn_up", cfg.FFNDim, cfg.Dim},
			{&l.wDown, "ffn_down", cfg.Dim, cfg.FFNDim},
		} {
			var err error
			if *t.dst, err = loadMatrix(f, p+t.name+".weight", t.rows, t.cols, m.half); err != nil {
				return err
			}
		}
	}
	return nil
}

// vector dequantizes the n-element vector called name after checking its shape.
func vector(f *gguf.File, name string, n int) ([]float32, error) {
	ti, ok := f.Tensor(name)
	if !ok {
		return nil, fmt.Errorf("%w: no tensor %s", ErrModel, name)
	}
	if len(ti.Dims) != 1 || ti.Dims[0] != uint64(n) {
		return nil, fmt.Errorf("%w: tensor %s has shape %v, want [%d]", ErrModel, name, ti.Dims, n)
	}
	data, _, err := f.Float32s(name)
	return data, err
}

// readConfig reads and checks the <arch>.* hyperparameters.
func readConfig(f *gguf.File, arch string) (Config, error) {
	c := Config{Arch: arch, RopeNeox: archs[arch].neox}
	get := func(key string, dst *int, def int) error {
		v, ok := f.Uint(arch + "." + key)
		if !ok {
			if def > 0 {
				*dst = def
				return nil
			}
			return fmt.Errorf("%w: missing or non-integer %s.%s", ErrModel, arch, key)
		}
		if v == 0 || v > 1<<24 {
			return fmt.Errorf("%w: %s.%s = %d is out of range", ErrModel, arch, key, v)
		}
		*dst = int(v)
		return nil
	}
	for _, p := range []struct {
		key string
		dst *int
	}{
		{"context_length", &c.ContextLength},
		{"embedding_length", &c.Dim},
		{"block_count", &c.Layers},
		{"feed_forward_length", &c.FFNDim},
		{"attention.head_count", &c.Heads},
	} {
		if err := get(p.key, p.dst, 0); err != nil {
			return c, err
		}
	}
	if err := get("attention.head_count_kv", &c.KVHeads, c.Heads); err != nil {
		return c, err
	}
	if c.Dim%c.Heads != 0 {
		return c, fmt.Errorf("%w: embedding_length %d is not a multiple of head_count %d", ErrModel, c.Dim, c.Heads)
	}
	if c.Heads%c.KVHeads != 0 {
		return c, fmt.Errorf("%w: head_count %d is not a multiple of head_count_kv %d", ErrModel, c.Heads, c.KVHeads)
	}
	c.HeadDim = c.Dim / c.Heads
	if err := get("rope.dimension_count", &c.RopeDim, c.HeadDim); err != nil {
		return c, err
	}
	if c.RopeDim > c.HeadDim || c.RopeDim%2 != 0 {
		return c, fmt.Errorf("%w: rope.dimension_count %d must be even and at most the head size %d", ErrModel, c.RopeDim, c.HeadDim)
	}
	c.NormEps = 1e-5
	if v, ok := f.Float(arch + ".attention.layer_norm_rms_epsilon"); ok {
		if !(v >= 0) || v > 1 {
			return c, fmt.Errorf("%w: %s.attention.layer_norm_rms_epsilon %v", ErrModel, arch, v)
		}
		c.NormEps = float32(v)
	}
	if v, ok := f.Uint(arch + ".pooling_type"); ok {
		c.Pooling = int(min(v, 1<<16))
	}
	return c, readRope(f, &c)
}

// readRope reads the RoPE frequency base and scaling. Linear scaling is
// applied; YaRN and other schemes are refused rather than run wrong.
// Mistral's sliding window is not applied: attention is full, as
// llama.cpp's llama architecture does.
func readRope(f *gguf.File, c *Config) error {
	c.RopeBase, c.RopeScale = 10000, 1
	if v, ok := f.Float(c.Arch + ".rope.freq_base"); ok {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: %s.rope.freq_base %v", ErrModel, c.Arch, v)
		}
		c.RopeBase = v
	}
	typ, _ := f.Text(c.Arch + ".rope.scaling.type")
	factor, hasFactor := f.Float(c.Arch + ".rope.scaling.factor")
	switch {
	case typ == "linear" || (typ == "" && hasFactor && factor != 0 && factor != 1):
		if !(factor >= 1) || math.IsInf(factor, 0) {
			return fmt.Errorf("%w: %s.rope.scaling.factor %v (linear scaling needs a factor ≥ 1)", ErrModel, c.Arch, factor)
		}
		c.RopeScale = 1 / factor
	case typ == "" || typ == "none":
	default:
		return fmt.Errorf("%w: %s.rope.scaling.type %q (supported: none, linear)", ErrModel, c.Arch, typ)
	}
	return nil
}
