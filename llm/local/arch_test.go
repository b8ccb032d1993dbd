package local

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/phalanetwork/phala/llm/gguf"
)

// genSpec is a small generated model of arch and weight type typ with the
// synthetic vocabulary (no external file needed).
func genSpec(t testing.TB, arch string, typ gguf.TensorType) gguf.ModelSpec {
	t.Helper()
	f, err := gguf.Parse(tiny(defaultTiny))
	if err != nil {
		t.Fatal(err)
	}
	return gguf.ModelSpec{Arch: arch, Type: typ, Dim: 256, FFN: 256, Layers: 1, Heads: 4, KVHeads: 2,
		Context: 32, Seed: 3, Tokenizer: gguf.TokenizerKVs(f)}
}

// rebuild re-encodes f with edit applied to each tensor (drop it by
// returning false) and extra metadata appended.
func rebuild(t testing.TB, data []byte, keep func(ti gguf.TensorInfo) bool, extra map[string]any) []byte {
	t.Helper()
	f := must[*gguf.File](t)(gguf.Parse(data))
	b := gguf.NewBuilder()
	for _, kv := range f.KVs {
		if v, ok := extra[kv.Key]; ok {
			b.AddKV(kv.Key, v)
			delete(extra, kv.Key)
			continue
		}
		b.AddKV(kv.Key, kv.Value.Any())
	}
	for k, v := range extra {
		b.AddKV(k, v)
	}
	for _, ti := range f.Tensors {
		if keep != nil && !keep(ti) {
			continue
		}
		raw, _, _ := f.Data(ti.Name)
		b.AddTensor(ti.Name, ti.Type, ti.Dims, raw)
	}
	return b.Bytes()
}

func TestArchRefusals(t *testing.T) {
	q, err := genSpec(t, "qwen2", gguf.TypeQ8_0).Build()
	if err != nil {
		t.Fatal(err)
	}
	l, err := genSpec(t, "llama", gguf.TypeQ4_K).Build()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		text string
	}{
		{"qwen2 without a bias", rebuild(t, q, func(ti gguf.TensorInfo) bool { return ti.Name != "blk.0.attn_k.bias" }, nil), "no tensor blk.0.attn_k.bias"},
		{"yarn scaling", rebuild(t, l, nil, map[string]any{"llama.rope.scaling.type": "yarn", "llama.rope.scaling.factor": float32(4)}), `rope.scaling.type "yarn"`},
		{"shrinking scale", rebuild(t, l, nil, map[string]any{"llama.rope.scaling.type": "linear", "llama.rope.scaling.factor": float32(0.5)}), "rope.scaling.factor 0.5"},
		{"unknown arch", rebuild(t, l, nil, map[string]any{"general.architecture": "mamba"}), `architecture "mamba"`},
		{"short rope_freqs", rebuild(t, append([]byte(nil), l...), nil, nil), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			f, err := gguf.Parse(c.data)
			if err != nil {
				t.Fatal(err)
			}
			_, err = FromFile(f)
			if c.text == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrModel) || !strings.Contains(err.Error(), c.text) {
				t.Fatalf("FromFile = %v, want ErrModel naming %q", err, c.text)
			}
		})
	}
}

func TestRopeFreqsShape(t *testing.T) {
	data, err := genSpec(t, "llama", gguf.TypeF16).Build()
	if err != nil {
		t.Fatal(err)
	}
	f, _ := gguf.Parse(data)
	b := gguf.NewBuilder()
	for _, kv := range f.KVs {
		b.AddKV(kv.Key, kv.Value.Any())
	}
	for _, ti := range f.Tensors {
		raw, _, _ := f.Data(ti.Name)
		b.AddTensor(ti.Name, ti.Type, ti.Dims, raw)
	}
	b.AddF32("rope_freqs.weight", []uint64{3}, []float32{1, 2, 3})
	f, err = gguf.Parse(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := FromFile(f); !errors.Is(err, ErrModel) || !strings.Contains(err.Error(), "rope_freqs.weight has shape") {
		t.Fatalf("short rope_freqs: %v", err)
	}
}

// TestRewindMatchesFresh checks a rewound State continues exactly as a
// fresh one fed only the shared prefix: the cache kept for a prefix is
// the cache that prefix builds.
func TestRewindMatchesFresh(t *testing.T) {
	for _, typ := range []gguf.TensorType{gguf.TypeQ4_K, gguf.TypeF16} {
		data, err := genSpec(t, "qwen2", typ).Build()
		if err != nil {
			t.Fatal(err)
		}
		m := parseTiny(t, data)
		a, b, c := []int{1, 260, 261, 262}, []int{263, 264, 265}, []int{266, 259}
		s := m.NewState()
		for _, tok := range slices.Concat(a, b) {
			if _, err := s.Forward(tok); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Rewind(len(a) + len(b) + 1); err == nil {
			t.Fatal("rewind past the end accepted")
		}
		if err := s.Rewind(len(a)); err != nil {
			t.Fatal(err)
		}
		fresh := m.NewState()
		for _, tok := range a {
			fresh.Forward(tok)
		}
		for _, tok := range c {
			got, err := s.Forward(tok)
			if err != nil {
				t.Fatal(err)
			}
			got = slices.Clone(got)
			want, _ := fresh.Forward(tok)
			if !slices.Equal(got, want) {
				t.Fatalf("%s: after rewind token %d logits differ", typ, tok)
			}
		}
	}
}

// FuzzLoad feeds mutated model files to Parse, FromFile and a few
// Forward steps: a hostile file gets an error, never a panic.
func FuzzLoad(f *testing.F) {
	for _, arch := range []string{"llama", "qwen2"} {
		for _, typ := range []gguf.TensorType{gguf.TypeQ4_K, gguf.TypeQ5_K, gguf.TypeQ6_K, gguf.TypeQ8_0, gguf.TypeQ4_0, gguf.TypeBF16} {
			s := genSpec(f, arch, typ)
			s.Dim, s.FFN, s.Heads, s.KVHeads = 256, 256, 2, 1
			data, err := s.Build()
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := gguf.Parse(data)
		if err != nil {
			return
		}
		m, err := FromFile(file)
		if err != nil {
			return
		}
		s := m.NewState()
		for _, tok := range []int{0, 1, m.Config.Vocab - 1} {
			if _, err := s.Forward(tok); err != nil {
				return
			}
		}
	})
}

// TestSessionReusesPrefix feeds a second turn that repeats the first as
// its prefix: only the new tokens are evaluated and the logits are those
// of a fresh evaluation; a failing token leaves the session consistent.
func TestSessionReusesPrefix(t *testing.T) {
	data, err := genSpec(t, "llama", gguf.TypeQ8_0).Build()
	if err != nil {
		t.Fatal(err)
	}
	m := parseTiny(t, data)
	turn1 := []int{1, 260, 261, 262, 263}
	turn2 := slices.Concat(turn1, []int{264, 265, 259})
	ss := m.NewSession()
	if _, err := ss.Feed(turn1); err != nil {
		t.Fatal(err)
	}
	got, err := ss.Feed(turn2)
	if err != nil {
		t.Fatal(err)
	}
	if ss.Reused() != len(turn1) {
		t.Fatalf("reused %d tokens, want %d", ss.Reused(), len(turn1))
	}
	got = slices.Clone(got)
	want, err := m.NewSession().Feed(turn2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatal("logits after reusing the prefix differ from a fresh evaluation")
	}
	// Same tokens again: everything but the last token is reused.
	if _, err := ss.Feed(turn2); err != nil || ss.Reused() != len(turn2)-1 {
		t.Fatalf("repeat: reused %d, err %v", ss.Reused(), err)
	}
	// A token outside the vocabulary fails; the session keeps what it evaluated.
	bad := slices.Concat(turn1, []int{264, m.Config.Vocab})
	if _, err := ss.Feed(bad); err == nil {
		t.Fatal("token outside the vocabulary accepted")
	}
	if !slices.Equal(ss.Tokens(), slices.Concat(turn1, []int{264})) || ss.s.Pos() != len(turn1)+1 {
		t.Fatalf("after the error the session holds %v at position %d", ss.Tokens(), ss.s.Pos())
	}
}
