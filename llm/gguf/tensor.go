package gguf

import (
	"fmt"
	"math/bits"
	"strings"
)

// MaxDims is the most dimensions a tensor may have (GGML_MAX_DIMS).
const MaxDims = 4

// maxElements bounds a tensor's element count (far above any real model)
// so that sizes computed from it cannot overflow.
const maxElements = 1 << 52

// TensorType is a ggml tensor element type code.
type TensorType uint32

// Tensor type codes, as numbered by ggml. Only some are dequantized by
// this package (see Dequantize); the others are still parsed and sized.
const (
	TypeF32     TensorType = 0
	TypeF16     TensorType = 1
	TypeQ4_0    TensorType = 2
	TypeQ4_1    TensorType = 3
	TypeQ5_0    TensorType = 6
	TypeQ5_1    TensorType = 7
	TypeQ8_0    TensorType = 8
	TypeQ8_1    TensorType = 9
	TypeQ2_K    TensorType = 10
	TypeQ3_K    TensorType = 11
	TypeQ4_K    TensorType = 12
	TypeQ5_K    TensorType = 13
	TypeQ6_K    TensorType = 14
	TypeQ8_K    TensorType = 15
	TypeIQ2_XXS TensorType = 16
	TypeIQ2_XS  TensorType = 17
	TypeIQ3_XXS TensorType = 18
	TypeIQ1_S   TensorType = 19
	TypeIQ4_NL  TensorType = 20
	TypeIQ3_S   TensorType = 21
	TypeIQ2_S   TensorType = 22
	TypeIQ4_XS  TensorType = 23
	TypeI8      TensorType = 24
	TypeI16     TensorType = 25
	TypeI32     TensorType = 26
	TypeI64     TensorType = 27
	TypeF64     TensorType = 28
	TypeIQ1_M   TensorType = 29
	TypeBF16    TensorType = 30
	TypeTQ1_0   TensorType = 34
	TypeTQ2_0   TensorType = 35
	TypeMXFP4   TensorType = 39
)

// typeTraits is a type's name, elements per block and bytes per block.
type typeTraits struct {
	name       string
	blockSize  uint64
	blockBytes uint64
}

var tensorTypes = map[TensorType]typeTraits{
	TypeF32: {"F32", 1, 4}, TypeF16: {"F16", 1, 2},
	TypeQ4_0: {"Q4_0", 32, 18}, TypeQ4_1: {"Q4_1", 32, 20},
	TypeQ5_0: {"Q5_0", 32, 22}, TypeQ5_1: {"Q5_1", 32, 24},
	TypeQ8_0: {"Q8_0", 32, 34}, TypeQ8_1: {"Q8_1", 32, 36},
	TypeQ2_K: {"Q2_K", 256, 84}, TypeQ3_K: {"Q3_K", 256, 110},
	TypeQ4_K: {"Q4_K", 256, 144}, TypeQ5_K: {"Q5_K", 256, 176},
	TypeQ6_K: {"Q6_K", 256, 210}, TypeQ8_K: {"Q8_K", 256, 292},
	TypeIQ2_XXS: {"IQ2_XXS", 256, 66}, TypeIQ2_XS: {"IQ2_XS", 256, 74},
	TypeIQ3_XXS: {"IQ3_XXS", 256, 98}, TypeIQ1_S: {"IQ1_S", 256, 50},
	TypeIQ4_NL: {"IQ4_NL", 32, 18}, TypeIQ3_S: {"IQ3_S", 256, 110},
	TypeIQ2_S: {"IQ2_S", 256, 82}, TypeIQ4_XS: {"IQ4_XS", 256, 136},
	TypeI8: {"I8", 1, 1}, TypeI16: {"I16", 1, 2}, TypeI32: {"I32", 1, 4},
	TypeI64: {"I64", 1, 8}, TypeF64: {"F64", 1, 8},
	TypeIQ1_M: {"IQ1_M", 256, 56}, TypeBF16: {"BF16", 1, 2},
	TypeTQ1_0: {"TQ1_0", 256, 54}, TypeTQ2_0: {"TQ2_0", 256, 66},
	TypeMXFP4: {"MXFP4", 32, 17},
}

// String is the ggml name of the type, such as "Q8_0".
func (t TensorType) String() string {
	if tt, ok := tensorTypes[t]; ok {
		return tt.name
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// BlockSize is the number of elements in one block of the type (1 for
// plain types), or 0 for an unknown type.
func (t TensorType) BlockSize() uint64 { return tensorTypes[t].blockSize }

// BlockBytes is the encoded size of one block of the type, or 0 for an unknown type.
func (t TensorType) BlockBytes() uint64 { return tensorTypes[t].blockBytes }

// TensorInfo describes one tensor of the tensor table.
type TensorInfo struct {
	// Name is the tensor's name, such as "blk.0.attn_q.weight".
	Name string
	// Dims are the dimensions, the first varying fastest (ggml's ne):
	// a matrix of R rows of C columns has Dims [C, R].
	Dims []uint64
	// Type is the element type.
	Type TensorType
	// Offset is the data's offset from the start of the data section.
	Offset uint64
	// Elements is the product of Dims.
	Elements uint64
	// Size is the data's size in bytes.
	Size uint64
}

// String formats the info as "name TYPE [d0 d1 …]".
func (t TensorInfo) String() string {
	d := make([]string, len(t.Dims))
	for i, x := range t.Dims {
		d[i] = fmt.Sprint(x)
	}
	return fmt.Sprintf("%s %s [%s]", t.Name, t.Type, strings.Join(d, " "))
}

// Tensor returns the info of the tensor called name.
func (f *File) Tensor(name string) (TensorInfo, bool) {
	i, ok := f.tensorIndex[name]
	if !ok {
		return TensorInfo{}, false
	}
	return f.Tensors[i], true
}

func (r *reader) tensorInfo() (TensorInfo, error) {
	var t TensorInfo
	var err error
	if t.Name, err = r.str("tensor name"); err != nil {
		return t, err
	}
	nd, err := r.u32("dimension count of tensor " + t.Name)
	if err != nil {
		return t, err
	}
	if nd > MaxDims {
		return t, fmt.Errorf("%w: tensor %q has %d dimensions (at most %d)", ErrInvalid, t.Name, nd, MaxDims)
	}
	t.Dims = make([]uint64, nd)
	t.Elements = 1
	for i := range t.Dims {
		if t.Dims[i], err = r.u64("dimension of tensor " + t.Name); err != nil {
			return t, err
		}
		hi, lo := bits.Mul64(t.Elements, t.Dims[i])
		if hi != 0 || lo > maxElements {
			return t, fmt.Errorf("%w: tensor %q dimensions %v overflow", ErrInvalid, t.Name, t.Dims[:i+1])
		}
		t.Elements = lo
	}
	ty, err := r.u32("type of tensor " + t.Name)
	if err != nil {
		return t, err
	}
	t.Type = TensorType(ty)
	tt, ok := tensorTypes[t.Type]
	if !ok {
		return t, fmt.Errorf("%w: tensor %q has unknown type code %d", ErrUnsupportedType, t.Name, ty)
	}
	if t.Offset, err = r.u64("data offset of tensor " + t.Name); err != nil {
		return t, err
	}
	row := uint64(1)
	if nd > 0 {
		row = t.Dims[0]
	}
	if row%tt.blockSize != 0 {
		return t, fmt.Errorf("%w: tensor %q row of %d elements is not a whole number of %s blocks of %d", ErrInvalid, t.Name, row, t.Type, tt.blockSize)
	}
	// Elements ≤ 2^52, so blocks × bytes per block (≤ 292) cannot overflow.
	t.Size = t.Elements / tt.blockSize * tt.blockBytes
	return t, nil
}
