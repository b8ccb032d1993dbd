package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Dequantize decodes n elements of type t from raw into float32s; raw must
// hold exactly the bytes n elements of t take. It supports F32, F16, BF16,
// Q4_0 and Q8_0 and returns an error wrapping ErrUnsupportedType, naming
// the type, for the others.
func Dequantize(t TensorType, raw []byte, n uint64) ([]float32, error) {
	tt, ok := tensorTypes[t]
	if !ok || !dequantizable(t) {
		return nil, fmt.Errorf("%w: %s (supported: F32, F16, BF16, Q4_0, Q8_0)", ErrUnsupportedType, t)
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
	}
	return out, nil
}

func dequantizable(t TensorType) bool {
	switch t {
	case TypeF32, TypeF16, TypeBF16, TypeQ4_0, TypeQ8_0:
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
