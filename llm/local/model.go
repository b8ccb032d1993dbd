// Package local is the embedded "local" LLM provider: a pure-Go Llama
// inference engine that loads a GGUF file (see package gguf), tokenizes
// with the SentencePiece vocabulary stored in it, runs the transformer on
// the CPU in float32 and samples completions.
//
// It is meant for small models (the whole file is read into memory and
// its weights are dequantized to float32 at load time).
package local

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/phalanetwork/phala/llm/gguf"
)

// ErrModel marks a GGUF file that is not a Llama model this package can run.
var ErrModel = errors.New("local: unusable model")

// Config holds a Llama model's hyperparameters, read from the llama.* metadata.
type Config struct {
	// ContextLength is the most positions a sequence may hold (llama.context_length).
	ContextLength int
	// Dim is the embedding width (llama.embedding_length).
	Dim int
	// Layers is the number of transformer blocks (llama.block_count).
	Layers int
	// FFNDim is the hidden width of the feed-forward network (llama.feed_forward_length).
	FFNDim int
	// Heads is the number of query heads (llama.attention.head_count).
	Heads int
	// KVHeads is the number of key/value heads, fewer than Heads with
	// grouped-query attention (llama.attention.head_count_kv).
	KVHeads int
	// HeadDim is Dim / Heads.
	HeadDim int
	// RopeDim is how many leading dimensions of each head RoPE rotates
	// (llama.rope.dimension_count, default HeadDim).
	RopeDim int
	// RopeBase is the RoPE frequency base (llama.rope.freq_base, default 10000).
	RopeBase float64
	// NormEps is the RMSNorm epsilon (llama.attention.layer_norm_rms_epsilon, default 1e-5).
	NormEps float32
	// Vocab is the vocabulary size (rows of token_embd).
	Vocab int
}

// Model is a loaded Llama model with its tokenizer; it is read-only after
// loading and so safe to use from many goroutines, each with its own State.
type Model struct {
	// Name is the model's name: the file's base name without ".gguf".
	Name string
	// Config holds the hyperparameters.
	Config Config
	// Tokenizer is the vocabulary stored in the file.
	Tokenizer *Tokenizer

	tokEmbd []float32 // Vocab × Dim
	layers  []layer
	outNorm []float32 // Dim
	output  []float32 // Vocab × Dim, possibly the same slice as tokEmbd
}

// layer holds one transformer block's weights, each matrix row-major with
// one row per output.
type layer struct {
	attnNorm []float32 // Dim
	wq       []float32 // Heads·HeadDim × Dim
	wk       []float32 // KVHeads·HeadDim × Dim
	wv       []float32 // KVHeads·HeadDim × Dim
	wo       []float32 // Dim × Heads·HeadDim
	ffnNorm  []float32 // Dim
	wGate    []float32 // FFNDim × Dim
	wUp      []float32 // FFNDim × Dim
	wDown    []float32 // Dim × FFNDim
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

// FromFile prepares the Llama model held in a parsed GGUF file; its Name is
// general.name, or "model".
func FromFile(f *gguf.File) (*Model, error) {
	if arch := f.Architecture(); arch != "llama" {
		return nil, fmt.Errorf("%w: architecture %q (only \"llama\" is supported)", ErrModel, arch)
	}
	cfg, err := readConfig(f)
	if err != nil {
		return nil, err
	}
	m := &Model{Name: "model", Config: cfg}
	if n, ok := f.Text("general.name"); ok && n != "" {
		m.Name = n
	}
	// Check the tensors' presence and shapes before dequantizing any.
	if err := m.readVocab(f); err != nil {
		return nil, err
	}
	// Every layer's tensors must be there: this bounds Layers by the
	// file's tensor count before anything is allocated per layer.
	if m.Config.Layers > len(f.Tensors) {
		return nil, fmt.Errorf("%w: llama.block_count %d but only %d tensors", ErrModel, m.Config.Layers, len(f.Tensors))
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

// readGlobals dequantizes the tensors outside the layers: the token
// embeddings, the output norm and the output matrix (the embeddings again
// when the file ties them).
func (m *Model) readGlobals(f *gguf.File) error {
	cfg := m.Config
	var err error
	if m.tokEmbd, err = matrix(f, "token_embd.weight", cfg.Vocab, cfg.Dim); err != nil {
		return err
	}
	if m.outNorm, err = tensor(f, "output_norm.weight", uint64(cfg.Dim)); err != nil {
		return err
	}
	if _, ok := f.Tensor("output.weight"); ok {
		if m.output, err = matrix(f, "output.weight", cfg.Vocab, cfg.Dim); err != nil {
			return err
		}
	} else {
		m.output = m.tokEmbd // tied embeddings
	}
	return nil
}

// readLayers dequantizes every layer's norms and weight matrices.
func (m *Model) readLayers(f *gguf.File) error {
	cfg := m.Config
	q, kv := cfg.Heads*cfg.HeadDim, cfg.KVHeads*cfg.HeadDim
	m.layers = make([]layer, cfg.Layers)
	for i := range m.layers {
		l := &m.layers[i]
		p := fmt.Sprintf("blk.%d.", i)
		for _, t := range []struct {
			dst        *[]float32
			name       string
			rows, cols int
		}{
			{&l.attnNorm, "attn_norm", 1, cfg.Dim},
			{&l.wq, "attn_q", q, cfg.Dim},
			{&l.wk, "attn_k", kv, cfg.Dim},
			{&l.wv, "attn_v", kv, cfg.Dim},
			{&l.wo, "attn_output", cfg.Dim, q},
			{&l.ffnNorm, "ffn_norm", 1, cfg.Dim},
			{&l.wGate, "ffn_gate", cfg.FFNDim, cfg.Dim},
			{&l.wUp, "ffn_up", cfg.FFNDim, cfg.Dim},
			{&l.wDown, "ffn_down", cfg.Dim, cfg.FFNDim},
		} {
			var err error
			if t.rows == 1 {
				*t.dst, err = tensor(f, p+t.name+".weight", uint64(t.cols))
			} else {
				*t.dst, err = matrix(f, p+t.name+".weight", t.rows, t.cols)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// matrix dequantizes the rows x cols matrix called name (GGUF lists the
// dimensions innermost first: cols, rows).
func matrix(f *gguf.File, name string, rows, cols int) ([]float32, error) {
	return tensor(f, name, uint64(cols), uint64(rows))
}

// tensor dequantizes the tensor called name after checking its dimensions.
func tensor(f *gguf.File, name string, dims ...uint64) ([]float32, error) {
	ti, ok := f.Tensor(name)
	if !ok {
		return nil, fmt.Errorf("%w: no tensor %s", ErrModel, name)
	}
	same := len(ti.Dims) == len(dims)
	for i := 0; same && i < len(dims); i++ {
		same = ti.Dims[i] == dims[i]
	}
	if !same {
		return nil, fmt.Errorf("%w: tensor %s has shape %v, want %v", ErrModel, name, ti.Dims, dims)
	}
	data, _, err := f.Float32s(name)
	return data, err
}

// readConfig reads and checks the llama.* hyperparameters.
func readConfig(f *gguf.File) (Config, error) {
	var c Config
	get := func(key string, dst *int, def int) error {
		v, ok := f.Uint("llama." + key)
		if !ok {
			if def > 0 {
				*dst = def
				return nil
			}
			return fmt.Errorf("%w: missing or non-integer llama.%s", ErrModel, key)
		}
		if v == 0 || v > 1<<24 {
			return fmt.Errorf("%w: llama.%s = %d is out of range", ErrModel, key, v)
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
	c.RopeBase = 10000
	if v, ok := f.Float("llama.rope.freq_base"); ok {
		if !(v > 0) || math.IsInf(v, 0) {
			return c, fmt.Errorf("%w: llama.rope.freq_base %v", ErrModel, v)
		}
		c.RopeBase = v
	}
	c.NormEps = 1e-5
	if v, ok := f.Float("llama.attention.layer_norm_rms_epsilon"); ok {
		if !(v >= 0) || v > 1 {
			return c, fmt.Errorf("%w: llama.attention.layer_norm_rms_epsilon %v", ErrModel, v)
		}
		c.NormEps = float32(v)
	}
	return c, nil
}
