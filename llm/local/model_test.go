package local

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/llm/gguf"
)

func TestLoadReal(t *testing.T) {
	m := loadReal(t)
	want := Config{Arch: "llama", ContextLength: 2048, Dim: 64, Layers: 5, FFNDim: 172, Heads: 8, KVHeads: 4,
		HeadDim: 8, RopeDim: 8, RopeBase: 10000, RopeScale: 1, NormEps: 1e-5, Vocab: 512}
	if m.Config != want {
		t.Errorf("config %+v, want %+v", m.Config, want)
	}
	if m.Name != "stories260K" {
		t.Errorf("name %q", m.Name)
	}
	if m.output == m.tokEmbd {
		t.Error("output.weight is in the file but the model ties it to token_embd")
	}
}

func TestQ8MatchesDequantizedF32(t *testing.T) {
	spec := tinySpec{dim: 32, heads: 4, kvHeads: 2, ffn: 64, layers: 2, ctx: 16, quant: gguf.TypeQ8_0}
	q8 := parseTiny(t, tiny(spec))
	// The same model with its Q8_0 matrices stored dequantized as F32.
	f, err := gguf.Parse(tiny(spec))
	if err != nil {
		t.Fatal(err)
	}
	b := gguf.NewBuilder()
	for _, kv := range f.KVs {
		b.AddKV(kv.Key, kv.Value.Any())
	}
	quantized := 0
	for _, ti := range f.Tensors {
		vals, _, err := f.Float32s(ti.Name)
		if err != nil {
			t.Fatal(err)
		}
		if ti.Type == gguf.TypeQ8_0 {
			quantized++
		}
		b.AddF32(ti.Name, ti.Dims, vals)
	}
	if quantized == 0 {
		t.Fatal("no Q8_0 tensor in the synthetic model")
	}
	f32 := parseTiny(t, b.Bytes())
	sq, sf := q8.NewState(), f32.NewState()
	for _, tok := range []int{1, 260, 261, 5, 263} {
		lq, err := sq.Forward(tok)
		if err != nil {
			t.Fatal(err)
		}
		lf, _ := sf.Forward(tok)
		// The Q8_0 run quantizes its activations too (as llama.cpp does), so
		// the logits agree closely rather than exactly.
		for i := range lq {
			if d := math.Abs(float64(lq[i] - lf[i])); d > 0.2*(1+math.Abs(float64(lf[i]))) {
				t.Fatalf("token %d logit %d: Q8_0 %v, F32 %v", tok, i, lq[i], lf[i])
			}
		}
	}
}

func TestTiedOutput(t *testing.T) {
	spec := defaultTiny
	spec.tied = true
	m := parseTiny(t, tiny(spec))
	if m.output != m.tokEmbd {
		t.Error("without output.weight the output should be token_embd")
	}
	if _, err := m.NewState().Forward(1); err != nil {
		t.Fatal(err)
	}
}

func TestForwardLimits(t *testing.T) {
	m := parseTiny(t, tiny(defaultTiny))
	s := m.NewState()
	if _, err := s.Forward(m.Config.Vocab); err == nil {
		t.Error("token past the vocabulary accepted")
	}
	if _, err := s.Forward(-1); err == nil {
		t.Error("negative token accepted")
	}
	for i := range m.Config.ContextLength {
		logits, err := s.Forward(1 + i%5)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range logits {
			if l != l {
				t.Fatal("NaN logit")
			}
		}
	}
	if _, err := s.Forward(1); err == nil || !strings.Contains(err.Error(), "context full") {
		t.Errorf("past the context: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	with := func(key string, val any) tinySpec {
		s := defaultTiny
		s.kv = map[string]any{key: val}
		return s
	}
	missing := defaultTiny
	missing.skip = "blk.1.ffn_up.weight"
	cases := []struct {
		name string
		spec tinySpec
		text string
	}{
		{"missing tensor", missing, "no tensor blk.1.ffn_up.weight"},
		{"absurd block count", with("llama.block_count", uint32(1<<24)), "block_count"},
		{"zero heads", with("llama.attention.head_count", uint32(0)), "head_count"},
		{"bad gqa", with("llama.attention.head_count_kv", uint32(3)), "head_count_kv"},
		{"odd rope", with("llama.rope.dimension_count", uint32(3)), "rope.dimension_count"},
		{"bad rope base", with("llama.rope.freq_base", float32(-1)), "freq_base"},
		{"wrong arch", with("general.architecture", "gpt2"), `architecture "gpt2"`},
		{"wrong tokenizer", with("tokenizer.ggml.model", "bert"), "tokenizer.ggml.model"},
		{"bad bos", with("tokenizer.ggml.bos_token_id", uint32(1<<30)), "bos_token_id"},
		{"short scores", with("tokenizer.ggml.scores", []float32{1}), "scores"},
		{"wrong width", with("llama.embedding_length", uint32(32)), "token_embd.weight has shape"},
		{"wrong ffn", with("llama.feed_forward_length", uint32(8)), "ffn_gate.weight has shape"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := gguf.Parse(tiny(c.spec))
			if err != nil {
				t.Fatal(err)
			}
			_, err = FromFile(f)
			if !errors.Is(err, ErrModel) || !strings.Contains(err.Error(), c.text) {
				t.Fatalf("FromFile = %v, want ErrModel containing %q", err, c.text)
			}
		})
	}
}

func TestLoadUnsupportedType(t *testing.T) {
	// A Q2_K matrix: the file parses, the model does not load, and the
	// error names the type and the tensor.
	f := replaceTensor(t, tiny(defaultTiny), "blk.0.attn_q.weight", gguf.TypeQ2_K, []uint64{256, 1}, make([]byte, 84))
	_, err := FromFile(f)
	if err == nil || !strings.Contains(err.Error(), "blk.0.attn_q.weight") {
		t.Fatalf("wrong-shape Q2_K: %v", err)
	}
	spec := tinySpec{dim: 256, heads: 4, kvHeads: 4, ffn: 256, layers: 1, ctx: 4}
	f = replaceTensor(t, tiny(spec), "blk.0.attn_q.weight", gguf.TypeQ2_K, nil, make([]byte, 84*256))
	_, err = FromFile(f)
	if !errors.Is(err, gguf.ErrUnsupportedType) || !strings.Contains(err.Error(), "Q2_K") || !strings.Contains(err.Error(), "blk.0.attn_q.weight") {
		t.Fatalf("Q2_K: %v", err)
	}
}

// replaceTensor parses the GGUF file src and rebuilds it with the tensor
// called name replaced by one of type typ, dims (nil: the old dims) and
// data.
func replaceTensor(t *testing.T, src []byte, name string, typ gguf.TensorType, dims []uint64, data []byte) *gguf.File {
	t.Helper()
	f := must[*gguf.File](t)(gguf.Parse(src))
	b := gguf.NewBuilder()
	for _, kv := range f.KVs {
		b.AddKV(kv.Key, kv.Value.Any())
	}
	for _, ti := range f.Tensors {
		raw, _, _ := f.Data(ti.Name)
		if ti.Name == name {
			if dims == nil {
				dims = ti.Dims
			}
			b.AddTensor(ti.Name, typ, dims, data)
			continue
		}
		b.AddTensor(ti.Name, ti.Type, ti.Dims, raw)
	}
	return must[*gguf.File](t)(gguf.Parse(b.Bytes()))
}

func TestLoadHostileFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := tiny(defaultTiny)
	if m, err := Load(write("tiny.gguf", good)); err != nil || m.Name != "tiny" {
		t.Fatalf("tiny: %v", err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"truncated", good[:len(good)*2/3], gguf.ErrTruncated},
		{"header only", good[:24], gguf.ErrTruncated},
		{"not gguf", []byte("hello, world, this is not a model"), gguf.ErrBadMagic},
		{"empty", nil, gguf.ErrTruncated},
	} {
		if _, err := Load(write(c.name+".gguf", c.data)); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if _, err := Load(filepath.Join(dir, "nope.gguf")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	if _, err := os.Stat(realModel); err == nil {
		real, err := os.ReadFile(realModel)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Load(write("half.gguf", real[:len(real)/2])); !errors.Is(err, gguf.ErrTruncated) {
			t.Errorf("half of the real model: %v", err)
		}
	}
}
