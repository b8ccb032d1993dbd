package gguf

import (
	"encoding/binary"
	"math"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse and, when they parse, reads
// every metadata value and tensor: nothing may panic, and nothing may be
// sized beyond the input.
func FuzzParse(f *testing.F) {
	seed := synthetic().Bytes()
	f.Add(seed)
	v2 := synthetic()
	v2.Version = 2
	f.Add(v2.Bytes())
	f.Add(seed[:len(seed)/2])
	f.Add(header(3, 0, 0))
	small := NewBuilder()
	small.AddKV("general.architecture", "llama")
	small.AddKV("tokenizer.ggml.tokens", []string{"<unk>", "a"})
	small.AddF32("w", []uint64{2, 2}, []float32{1, 2, 3, 4})
	f.Add(small.Bytes())
	// One tensor of each quantized type, so the fuzzer mutates real blocks.
	quant := NewBuilder()
	vals := make([]float32, QK)
	for i := range vals {
		vals[i] = float32(i%17) - 8
	}
	for _, typ := range []TensorType{TypeQ8_0, TypeQ4_0, TypeQ4_K, TypeQ5_K, TypeQ6_K, TypeBF16, TypeF16} {
		raw, err := Quantize(typ, vals)
		if err != nil {
			f.Fatal(err)
		}
		quant.AddTensor(typ.String(), typ, []uint64{QK}, raw)
	}
	f.Add(quant.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data)
		if err != nil {
			return
		}
		for _, kv := range file.KVs {
			_ = kv.Value.String()
			kv.Value.Ints()
			kv.Value.Floats()
		}
		for _, ti := range file.Tensors {
			if ti.Size > uint64(len(data)) {
				t.Fatalf("%s: size %d beyond the input (%d)", ti, ti.Size, len(data))
			}
			vals, _, err := file.Float32s(ti.Name)
			if err == nil && uint64(len(vals)) != ti.Elements {
				t.Fatalf("%s: %d values", ti, len(vals))
			}
			if err == nil && ti.Type == TypeF32 && len(vals) > 0 {
				raw, _, _ := file.Data(ti.Name)
				if binary.LittleEndian.Uint32(raw) != mathBits(vals[0]) {
					t.Fatalf("%s: first value mismatch", ti)
				}
			}
		}
	})
}

func mathBits(f float32) uint32 { return math.Float32bits(f) }
