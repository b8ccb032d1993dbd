package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
)

// supportedTypes names the types Dequantize and Quantize handle.
const supportedTypes = "F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q5_K, Q6_K"

// Dequantize decodes n elements of type t from raw into float32s; raw must
// hold exactly the bytes n elements of t take. It supports F32, F16, BF16,
// Q4_0, Q8_0, Q4_K, Q5_K and Q6_K and returns an error wrapping
// ErrUnsupportedType, naming the type, for the others.
func Dequantize(t TensorType, raw []byte, n uint64) ([]float32, error) {
	tt, ok := tensorTypes[t]
	if !ok || !dequantizable(t) {
		return nil, fmt.Errorf("%w: %s (supported: %s)", ErrUnsupportedType, t, supportedTypes)
	}
	if n%tt.blockSize != 0 {
		return nil, fmt.Errorf("%w: %d elements are not whole %s blocks of %d", ErrInvalid, n, t, tt.blockSize)
	}
	if n > maxElements || n/tt.blockSize*tt.blockBytes != uint64(len(raw)) {
		return nil, fmt.Errorf("%w: %d %s elements need %d bytes, have %d", ErrInvalid, n, t, n/tt.blockSize*tt.blockBytes, len(raw))
	}
	if n > uint64(math.MaxInt) {
		return nil, fmt.Errorf("%w: %d elements do not fit in memory", ErrInvalid, n)
	}
	out := make([]float32, n)
	le := binary.LittleEndian
	switch t {
	case TypeF32:
		for i := range out {
			out[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		}
	case TypeF16:
		for i := range out {
			out[i] = HalfToFloat32(le.Uint16(raw[2*i:]))
		}
	case TypeBF16:
		for i := range out {
			out[i] = math.Float32frombits(uint32(le.Uint16(raw[2*i:])) << 16)
		}
	case TypeQ8_0:
		for b := 0; b < len(out)/32; b++ {
			blk := raw[b*34 : (b+1)*34]
			d := HalfToFloat32(le.Uint16(blk))
			dst := out[b*32 : (b+1)*32]
			for j := range dst {
				dst[j] = d * float32(int8(blk[2+j]))
			}
		}
	case TypeQ4_0:
		for b := 0; b < len(out)/32; b++ {
			blk := raw[b*18 : (b+1)*18]
			d := HalfToFloat32(le.Uint16(blk))
			dst := out[b*32 : (b+1)*32]
			for j := 0; j < 16; j++ {
				q := blk[2+j]
				dst[j] = d * float32(int(q&0x0f)-8)
				dst[j+16] = d * float32(int(q>>4)-8)
			}
		}
	case TypeQ4_K:
		dequantQ4K(out, raw)
	case TypeQ5_K:
		dequantQ5K(out, raw)
	case TypeQ6_K:
		dequantQ6K(out, raw)
	}
	return out, nil
}

// Quantize encodes vals as type t, the way a converter would write a
// tensor (a multiple of t's block size); it supports the types Dequantize
// does.
func Quantize(t TensorType, vals []float32) ([]byte, error) {
	tt, ok := tensorTypes[t]
	if !ok || !dequantizable(t) {
		return nil, fmt.Errorf("%w: %s (supported: %s)", ErrUnsupportedType, t, supportedTypes)
	}
	if uint64(len(vals))%tt.blockSize != 0 {
		return nil, fmt.Errorf("%w: %d elements are not whole %s blocks of %d", ErrInvalid, len(vals), t, tt.blockSize)
	}
	le := binary.LittleEndian
	out := make([]byte, 0, uint64(len(vals))/tt.blockSize*tt.blockBytes)
	switch t {
	case TypeF32:
		for _, x := range vals {
			out = le.AppendUint32(out, math.Float32bits(x))
		}
	case TypeF16:
		for _, x := range vals {
			out = le.AppendUint16(out, Float32ToHalf(x))
		}
	case TypeBF16:
		for _, x := range vals {
			out = le.AppendUint16(out, Float32ToBF16(x))
		}
	case TypeQ8_0:
		out = quantQ8_0(out, vals)
	case TypeQ4_0:
		out = quantQ4_0(out, vals)
	case TypeQ4_K:
		out = quantQ4K5K(vals, 15)
	case TypeQ5_K:
		out = quantQ4K5K(vals, 31)
	case TypeQ6_K:
		out = quantQ6K(vals)
	}
	return out, nil
}

// quantQ8_0 appends vals as Q8_0 blocks (ggml's reference quantizer):
// d = max|x|/127 stored as f16, q = round(x/d).
func quantQ8_0(out []byte, vals []float32) []byte {
	for b := 0; b < len(vals); b += 32 {
		blk := vals[b : b+32]
		var amax float32
		for _, x := range blk {
			amax = max(amax, float32(math.Abs(float64(x))))
		}
		d := amax / 127
		id := float32(0)
		if d != 0 {
			id = 1 / d
		}
		out = binary.LittleEndian.AppendUint16(out, Float32ToHalf(d))
		for _, x := range blk {
			out = append(out, byte(int8(math.Round(float64(x*id)))))
		}
	}
	return out
}

// quantQ4_0 appends vals as Q4_0 blocks (ggml's reference quantizer): d is
// the value of largest magnitude over -8, q = x/d + 8 in [0, 15].
func quantQ4_0(out []byte, vals []float32) []byte {
	for b := 0; b < len(vals); b += 32 {
		blk := vals[b : b+32]
		var amax, mx float32
		for _, x := range blk {
			if a := float32(math.Abs(float64(x))); a > amax {
				amax, mx = a, x
			}
		}
		d := mx / -8
		id := float32(0)
		if d != 0 {
			id = 1 / d
		}
		out = binary.LittleEndian.AppendUint16(out, Float32ToHalf(d))
		for j := range 16 {
			lo := min(15, int8(blk[j]*id+8.5))
			hi := min(15, int8(blk[j+16]*id+8.5))
			out = append(out, byte(lo)|byte(hi)<<4)
		}
	}
	return out
}

// Float32ToBF16 rounds a float32 to the nearest bfloat16 (ties to even,
// NaN kept quiet), as ggml does.
func Float32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 64
	}
	return uint16((b + (0x7fff + (b>>16)&1)) >> 16)
}

func dequantizable(t TensorType) bool {
	switch t {
	case TypeF32, TypeF16, TypeBF16, TypeQ4_0, TypeQ8_0, TypeQ4_K, TypeQ5_K, TypeQ6_K:
		return true
	}
	return false
}

// HalfToFloat32 converts an IEEE 754 half-precision value to float32 exactly.
func HalfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // Inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | mant<<13)
	case exp == 0 && mant == 0: // ±0
		return math.Float32frombits(sign)
	case exp == 0: // subnormal: mant × 2^-24
		f := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// Float32ToHalf converts a float32 to the nearest half-precision value
// (round to nearest even; overflow gives infinity).
func Float32ToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff { // Inf or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 { // subnormal or zero in half
		if e < -10 {
			return sign
		}
		mant |= 0x800000
		shift := uint32(14 - e)
		half := mant >> shift
		rem := mant & (1<<shift - 1)
		mid := uint32(1) << (shift - 1)
		if rem > mid || (rem == mid && half&1 == 1) {
			half++
		}
		return sign | uint16(half)
	}
	half := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && half&1 == 1) {
		half++ // may carry into the exponent, up to infinity: still correct
	}
	return sign | uint16(half)
}
