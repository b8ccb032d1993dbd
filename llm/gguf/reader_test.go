package gguf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// realModel is the small test model shared by the project (see shared/models/README.md).
const realModel = "../../../shared/models/stories260K.gguf"

func openReal(t testing.TB) *File {
	t.Helper()
	if _, err := os.Stat(realModel); err != nil {
		t.Skipf("test model %s is missing (%v): it lives in the project's shared/models", realModel, err)
	}
	f, err := Open(realModel)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestRealFile(t *testing.T) {
	f := openReal(t)
	if f.Version != 3 || f.Alignment != 32 {
		t.Errorf("version %d alignment %d, want 3 and 32", f.Version, f.Alignment)
	}
	if a := f.Architecture(); a != "llama" {
		t.Errorf("architecture %q", a)
	}
	for key, want := range map[string]uint64{
		"llama.context_length":            2048,
		"llama.embedding_length":          64,
		"llama.block_count":               5,
		"llama.feed_forward_length":       172,
		"llama.attention.head_count":      8,
		"llama.attention.head_count_kv":   4,
		"llama.rope.dimension_count":      8,
		"tokenizer.ggml.bos_token_id":     1,
		"tokenizer.ggml.eos_token_id":     2,
		"tokenizer.ggml.unknown_token_id": 0,
	} {
		if got, ok := f.Uint(key); !ok || got != want {
			t.Errorf("%s = %d, %v; want %d", key, got, ok, want)
		}
	}
	if eps, ok := f.Float("llama.attention.layer_norm_rms_epsilon"); !ok || math.Abs(eps-1e-5) > 1e-12 {
		t.Errorf("rms epsilon %v %v", eps, ok)
	}
	if m, _ := f.Text("tokenizer.ggml.model"); m != "llama" {
		t.Errorf("tokenizer model %q", m)
	}
	tv, _ := f.Lookup("tokenizer.ggml.tokens")
	toks, ok := tv.Strings()
	if !ok || len(toks) != 512 || toks[0] != "<unk>" || toks[1] != "<s>" || toks[2] != "</s>" || toks[3] != "<0x00>" {
		t.Errorf("tokens: %d %v", len(toks), toks[:min(4, len(toks))])
	}
	if v, _ := f.Lookup("tokenizer.ggml.scores"); v.ElemType != TypeFloat32 || v.Len() != 512 {
		t.Errorf("scores %v", v)
	}
	if v, _ := f.Lookup("tokenizer.ggml.token_type"); v.ElemType != TypeInt32 || v.Len() != 512 {
		t.Errorf("token types %v", v)
	}

	if len(f.Tensors) != 3+9*5 {
		t.Fatalf("%d tensors, want 48", len(f.Tensors))
	}
	shapes := map[string][]uint64{
		"token_embd.weight":        {64, 512},
		"output.weight":            {64, 512},
		"output_norm.weight":       {64},
		"blk.0.attn_q.weight":      {64, 64},
		"blk.0.attn_k.weight":      {64, 32},
		"blk.0.attn_v.weight":      {64, 32},
		"blk.4.attn_output.weight": {64, 64},
		"blk.4.ffn_gate.weight":    {64, 172},
		"blk.4.ffn_up.weight":      {64, 172},
		"blk.4.ffn_down.weight":    {172, 64},
		"blk.2.ffn_norm.weight":    {64},
	}
	for name, dims := range shapes {
		ti, ok := f.Tensor(name)
		if !ok || !reflect.DeepEqual(ti.Dims, dims) || ti.Type != TypeF32 {
			t.Errorf("%s: %v %v", name, ti, ok)
		}
	}
	w, ti, err := f.Float32s("blk.0.ffn_down.weight")
	if err != nil || len(w) != 172*64 || ti.Size != 172*64*4 {
		t.Fatalf("ffn_down: %d values, %v", len(w), err)
	}
	var norm float64
	for _, x := range w {
		norm += float64(x) * float64(x)
	}
	if norm == 0 || math.IsNaN(norm) {
		t.Errorf("ffn_down weights look empty: sum of squares %v", norm)
	}
	if _, _, err := f.Float32s("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing tensor: %v", err)
	}
}

// synthetic builds a small file with every metadata type and one tensor
// of each dequantized type; seedFile's bytes seed the fuzz corpus.
func synthetic() *Builder {
	b := NewBuilder()
	b.AddKV("general.architecture", "test")
	b.AddKV("general.alignment", uint32(64))
	b.AddKV("u8", uint8(200))
	b.AddKV("i8", int8(-100))
	b.AddKV("u16", uint16(60000))
	b.AddKV("i16", int16(-30000))
	b.AddKV("u32", uint32(4000000000))
	b.AddKV("i32", int32(-2000000000))
	b.AddKV("f32", float32(1.5))
	b.AddKV("bool", true)
	b.AddKV("str", "héllo")
	b.AddKV("u64", uint64(1)<<63)
	b.AddKV("i64", int64(-1)<<62)
	b.AddKV("f64", 2.25)
	b.AddKV("arr.str", []string{"a", "", "ü"})
	b.AddKV("arr.i32", []int32{-1, 0, 7})
	b.AddKV("arr.f32", []float32{0.5, -2})
	b.AddKV("arr.bool", []bool{true, false})
	b.AddKV("arr.u64", []uint64{1, 2})
	b.AddKV("arr.nested", [][]uint16{{1, 2}, {}, {3}})
	b.AddKV("arr.empty", []int8{})

	b.AddF32("f32", []uint64{4, 2}, []float32{1, 2, 3, 4, -1, -2, -3, -4})
	f16 := make([]byte, 0, 8)
	for _, x := range []float32{0.5, -1, 65504, 1.0 / 16384} {
		f16 = binary.LittleEndian.AppendUint16(f16, Float32ToHalf(x))
	}
	b.AddTensor("f16", TypeF16, []uint64{4}, f16)
	b.AddTensor("bf16", TypeBF16, []uint64{2}, []byte{0x80, 0x3f, 0x40, 0xc0}) // 1, -3
	q8 := binary.LittleEndian.AppendUint16(nil, Float32ToHalf(0.25))
	for i := range 32 {
		q8 = append(q8, byte(int8(i-16)))
	}
	b.AddTensor("q8", TypeQ8_0, []uint64{32}, q8)
	q4 := binary.LittleEndian.AppendUint16(nil, Float32ToHalf(2))
	for i := range 16 {
		q4 = append(q4, byte(i)|byte(15-i)<<4)
	}
	b.AddTensor("q4", TypeQ4_0, []uint64{32}, q4)
	b.AddTensor("q4k", TypeQ4_K, []uint64{256}, make([]byte, 144))
	b.AddTensor("scalar", TypeF32, nil, []byte{0, 0, 0x80, 0x3f})
	return b
}

func TestSynthetic(t *testing.T) {
	for _, version := range []uint32{2, 3} {
		b := synthetic()
		b.Version = version
		f, err := Parse(b.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if f.Version != version || f.Alignment != 64 || f.DataOffset%64 != 0 {
			t.Errorf("version %d alignment %d data at %d", f.Version, f.Alignment, f.DataOffset)
		}
		want := map[string]any{
			"u8": uint8(200), "i8": int8(-100), "u16": uint16(60000), "i16": int16(-30000),
			"u32": uint32(4000000000), "i32": int32(-2000000000), "f32": float32(1.5),
			"bool": true, "str": "héllo", "u64": uint64(1) << 63, "i64": int64(-1) << 62, "f64": 2.25,
			"arr.str": []string{"a", "", "ü"}, "arr.i32": []int32{-1, 0, 7},
			"arr.f32": []float32{0.5, -2}, "arr.bool": []bool{true, false}, "arr.u64": []uint64{1, 2},
			"arr.empty": []int8{},
		}
		for k, w := range want {
			v, ok := f.Lookup(k)
			if !ok || !reflect.DeepEqual(v.Any(), w) {
				t.Errorf("%s = %#v, want %#v", k, v.Any(), w)
			}
		}
		if len(f.KVs) != 21 || f.KVs[0].Key != "general.architecture" {
			t.Errorf("KVs out of order: %d", len(f.KVs))
		}
		nested, _ := f.Lookup("arr.nested")
		inner, ok := nested.Any().([]Value)
		if !ok || len(inner) != 3 || !reflect.DeepEqual(inner[0].Any(), []uint16{1, 2}) || inner[1].Len() != 0 {
			t.Errorf("nested %v", nested)
		}
		if u, ok := f.Uint("i8"); ok {
			t.Errorf("negative as uint: %d", u)
		}
		if i, ok := f.Uint("u16"); !ok || i != 60000 {
			t.Errorf("u16 %d", i)
		}
		if x, ok := f.Float("i32"); !ok || x != -2000000000 {
			t.Errorf("i32 as float %v", x)
		}
		if s, ok := f.Text("str"); !ok || s != "héllo" {
			t.Errorf("str %q", s)
		}
		if v, _ := f.Lookup("arr.i32"); !reflect.DeepEqual(must(v.Floats()), []float64{-1, 0, 7}) {
			t.Errorf("floats of ints")
		}
		if v, _ := f.Lookup("u64"); !strings.Contains(v.String(), "9223372036854775808") {
			t.Errorf("String %q", v.String())
		}

		for name, want := range map[string][]float32{
			"f32":    {1, 2, 3, 4, -1, -2, -3, -4},
			"f16":    {0.5, -1, 65504, 1.0 / 16384},
			"bf16":   {1, -3},
			"scalar": {1},
		} {
			got, _, err := f.Float32s(name)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s = %v, %v; want %v", name, got, err, want)
			}
		}
		q8, _, err := f.Float32s("q8")
		if err != nil {
			t.Fatal(err)
		}
		for i, x := range q8 {
			if x != 0.25*float32(i-16) {
				t.Fatalf("q8[%d] = %v", i, x)
			}
		}
		q4, _, err := f.Float32s("q4")
		if err != nil {
			t.Fatal(err)
		}
		for j := range 16 {
			if q4[j] != 2*float32(j-8) || q4[j+16] != 2*float32(15-j-8) {
				t.Fatalf("q4[%d] = %v, q4[%d] = %v", j, q4[j], j+16, q4[j+16])
			}
		}
		// Q4_K decodes too (kquant.go); its values are checked by TestQuantizeRoundTrip.
		if q4k, ti, err := f.Float32s("q4k"); err != nil || uint64(len(q4k)) != ti.Elements {
			t.Errorf("Q4_K: %d values, %v", len(q4k), err)
		}
		for _, ti := range f.Tensors {
			raw, _, err := f.Data(ti.Name)
			if err != nil || uint64(len(raw)) != ti.Size {
				t.Errorf("%s: %d bytes, %v", ti, len(raw), err)
			}
		}
	}
}

func must[T any](v T, ok bool) T {
	if !ok {
		panic("not ok")
	}
	return v
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "x.gguf")
	if err := os.WriteFile(p, synthetic().Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(p); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(dir, "missing.gguf")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	if _, err := Open(dir); err == nil {
		t.Error("directory opened")
	}
	if err := os.WriteFile(p, []byte("GGUF\x03\x00\x00\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(p); !errors.Is(err, ErrTruncated) || !strings.Contains(err.Error(), p) {
		t.Errorf("truncated: %v", err)
	}
}

func TestHalf(t *testing.T) {
	for h := range 1 << 16 {
		f := HalfToFloat32(uint16(h))
		if f != f { // NaN
			if g := Float32ToHalf(f); HalfToFloat32(g) == HalfToFloat32(g) {
				t.Fatalf("NaN %#04x came back as %#04x", h, g)
			}
			continue
		}
		if g := Float32ToHalf(f); g != uint16(h) {
			t.Fatalf("%#04x → %v → %#04x", h, f, g)
		}
	}
	for _, c := range []struct {
		f float32
		h uint16
	}{{1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {1e6, 0x7c00}, {5.960464477539063e-08, 0x0001}, {1e-9, 0}, {1 + 1.0/2048, 0x3c00}, {1 + 3.0/2048, 0x3c02}} {
		if got := Float32ToHalf(c.f); got != c.h {
			t.Errorf("Float32ToHalf(%v) = %#04x, want %#04x", c.f, got, c.h)
		}
	}
}

func TestTypeNames(t *testing.T) {
	if TypeQ8_0.String() != "Q8_0" || TypeQ8_0.BlockSize() != 32 || TypeQ8_0.BlockBytes() != 34 {
		t.Error("Q8_0 traits")
	}
	if TensorType(99).String() != "type(99)" || TensorType(99).BlockSize() != 0 {
		t.Error("unknown type")
	}
	if TypeArray.String() != "array" || ValueType(77).String() != "type(77)" {
		t.Error("value type names")
	}
	if _, err := Dequantize(TypeQ2_K, make([]byte, 84), 256); !errors.Is(err, ErrUnsupportedType) || !strings.Contains(err.Error(), "Q2_K") {
		t.Errorf("Q2_K: %v", err)
	}
	if _, err := Dequantize(TypeQ8_0, make([]byte, 33), 32); !errors.Is(err, ErrInvalid) {
		t.Errorf("short Q8_0: %v", err)
	}
}

// header writes a GGUF header with the given counts.
func header(version uint32, tensors, kvs uint64) []byte {
	b := []byte(Magic)
	b = binary.LittleEndian.AppendUint32(b, version)
	b = binary.LittleEndian.AppendUint64(b, tensors)
	return binary.LittleEndian.AppendUint64(b, kvs)
}

func TestHostile(t *testing.T) {
	le := binary.LittleEndian
	str := func(b []byte, s string) []byte { return append(le.AppendUint64(b, uint64(len(s))), s...) }
	tensor := func(name string, dims []uint64, typ uint32, off uint64) []byte {
		b := str(nil, name)
		b = le.AppendUint32(b, uint32(len(dims)))
		for _, d := range dims {
			b = le.AppendUint64(b, d)
		}
		return le.AppendUint64(le.AppendUint32(b, typ), off)
	}
	pad := func(b []byte, n int) []byte { return append(b, make([]byte, n)...) }
	tensors := func(n uint64, infos ...[]byte) []byte {
		b := header(3, n, 0)
		for _, i := range infos {
			b = append(b, i...)
		}
		return pad(b, 64)
	}
	kv := func(key string, typ uint32, rest ...uint64) []byte {
		b := le.AppendUint32(str(header(3, 0, 1), key), typ)
		for _, x := range rest {
			b = le.AppendUint64(b, x)
		}
		return b
	}
	deep := le.AppendUint32(str(header(3, 0, 1), "k"), 9)
	for range maxArrayDepth + 1 {
		deep = le.AppendUint64(le.AppendUint32(deep, 9), 1)
	}
	dup := header(3, 0, 2)
	for range 2 {
		dup = le.AppendUint32(le.AppendUint32(str(dup, "k"), 4), 1)
	}
	cases := []struct {
		name string
		data []byte
		want error
		text string
	}{
		{"empty", nil, ErrTruncated, "magic"},
		{"bad magic", []byte("GGML\x03\x00\x00\x00"), ErrBadMagic, "GGML"},
		{"version 1", header(1, 0, 0), ErrUnsupportedVersion, "1"},
		{"version 4", header(4, 0, 0), ErrUnsupportedVersion, "4"},
		{"no counts", []byte("GGUF\x03\x00\x00\x00"), ErrTruncated, "tensor count"},
		{"huge kv count", header(3, 0, math.MaxUint64), ErrTruncated, "metadata entries"},
		{"huge tensor count", header(3, math.MaxUint64, 0), ErrTruncated, "tensors"},
		{"huge key length", pad(le.AppendUint64(header(3, 0, 1), math.MaxUint64), 16), ErrTruncated, "metadata key"},
		{"unknown value type", pad(kv("k", 13), 16), ErrInvalid, "unknown value type 13"},
		{"huge array", pad(le.AppendUint64(le.AppendUint32(kv("k", 9), 6), 1<<60), 16), ErrTruncated, "declares"},
		{"huge string array", pad(le.AppendUint64(le.AppendUint32(kv("k", 9), 8), 1<<40), 16), ErrTruncated, "declares"},
		{"huge string in array", le.AppendUint64(le.AppendUint64(le.AppendUint32(kv("k", 9), 8), 1), 1<<62), ErrTruncated, "element of k"},
		{"unknown array type", pad(le.AppendUint64(le.AppendUint32(kv("k", 9), 42), 1), 16), ErrInvalid, "unknown value type 42"},
		{"deep arrays", pad(deep, 64), ErrInvalid, "nests arrays deeper"},
		{"duplicate key", dup, ErrInvalid, "duplicate metadata key"},
		{"bad alignment", pad(le.AppendUint32(kv("general.alignment", 4), 3), 16), ErrInvalid, "alignment"},
		{"string alignment", pad(kv("general.alignment", 8, 2), 16), ErrInvalid, "alignment"},
		{"too many dims", tensors(1, tensor("t", []uint64{1, 1, 1, 1, 1}, 0, 0)), ErrInvalid, "5 dimensions"},
		{"dims overflow", tensors(1, tensor("t", []uint64{1 << 32, 1 << 32, 1 << 32}, 0, 0)), ErrInvalid, "overflow"},
		{"absurd elements", tensors(1, tensor("t", []uint64{1 << 40, 1 << 20}, 0, 0)), ErrInvalid, "overflow"},
		{"huge dims", tensors(1, tensor("t", []uint64{1 << 30, 1 << 20}, 0, 0)), ErrTruncated, "past the end"},
		{"unknown tensor type", tensors(1, tensor("t", []uint64{4}, 99, 0)), ErrUnsupportedType, "unknown type code 99"},
		{"partial block", tensors(1, tensor("t", []uint64{33}, 8, 0)), ErrInvalid, "not a whole number"},
		{"misaligned", tensors(1, tensor("t", []uint64{1}, 0, 4)), ErrInvalid, "multiple of the alignment"},
		{"offset past end", tensors(1, tensor("t", []uint64{1}, 0, 1<<40)), ErrTruncated, "past the end"},
		{"duplicate tensor", tensors(2, tensor("t", []uint64{1}, 0, 0), tensor("t", []uint64{1}, 0, 32)), ErrInvalid, "duplicate tensor"},
		{"cut tensor info", append(header(3, 1, 0), tensor("t", []uint64{1, 2}, 0, 0)[:30]...), ErrTruncated, "of tensor t"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse(c.data)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.text) {
				t.Fatalf("Parse = %v, %v; want %v containing %q", f, err, c.want, c.text)
			}
		})
	}
}

func TestTruncatedEverywhere(t *testing.T) {
	data := synthetic().Bytes()
	f, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	var end uint64 // end of the last tensor's data
	for _, ti := range f.Tensors {
		end = max(end, f.DataOffset+ti.Offset+ti.Size)
	}
	for n := 0; n < int(end); n++ {
		if _, err := Parse(data[:n]); err == nil {
			t.Fatalf("prefix of %d bytes (of %d) parsed", n, end)
		} else if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrBadMagic) {
			t.Fatalf("prefix of %d bytes: %v", n, err)
		}
	}
	if _, err := Parse(data[:end]); err != nil {
		t.Errorf("without trailing padding: %v", err)
	}
}

func TestRealFileTruncated(t *testing.T) {
	f := openReal(t)
	_ = f
	data, err := os.ReadFile(realModel)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{3, 100, 5000, 14176, len(data) / 2, len(data) - 1} {
		if _, err := Parse(data[:n]); !errors.Is(err, ErrTruncated) {
			t.Errorf("prefix %d: %v", n, err)
		}
	}
	bad := bytes.Clone(data)
	bad[4] = 9
	if _, err := Parse(bad); !errors.Is(err, ErrUnsupportedVersion) {
		t.Errorf("version 9: %v", err)
	}
}
