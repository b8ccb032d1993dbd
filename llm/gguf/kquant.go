package gguf

import (
	"encoding/binary"
	"math"
)

// QK is the number of elements in one K-quant super-block (ggml's QK_K).
const QK = 256

// ScaleMinK4 unpacks the j-th (0..7) 6-bit scale and min of a Q4_K or
// Q5_K super-block's 12 packed scale bytes (ggml's get_scale_min_k4).
func ScaleMinK4(j int, q []byte) (sc, m uint8) {
	q = q[:12]
	if j < 4 {
		return q[j] & 63, q[j+4] & 63
	}
	return q[j+4]&0xf | (q[j-4]>>6)<<4, q[j+4]>>4 | (q[j]>>6)<<4
}

// pairScales is the scale and min of sub-blocks 2j and 2j+1 (the low and
// high nibbles of 64-element chunk j) of a Q4_K or Q5_K super-block.
func pairScales(sc []byte, j int, d, dmin float32) (d1, m1, d2, m2 float32) {
	s1, n1 := ScaleMinK4(2*j, sc)
	s2, n2 := ScaleMinK4(2*j+1, sc)
	return d * float32(s1), dmin * float32(n1), d * float32(s2), dmin * float32(n2)
}

// dequantQ4K decodes Q4_K blocks: d, dmin (f16), 12 scale bytes, 128
// bytes of 4-bit values; element = d·sc·q − dmin·m per 32-element sub-block.
func dequantQ4K(out []float32, raw []byte) {
	le := binary.LittleEndian
	for b := 0; b < len(out)/QK; b++ {
		blk := raw[b*144 : (b+1)*144]
		d, dmin := HalfToFloat32(le.Uint16(blk)), HalfToFloat32(le.Uint16(blk[2:]))
		sc, qs := blk[4:16], blk[16:144]
		y := out[b*QK : (b+1)*QK]
		for j := 0; j < 4; j++ {
			d1, mm1, d2, mm2 := pairScales(sc, j, d, dmin)
			q := qs[32*j : 32*j+32]
			for l := range 32 {
				y[64*j+l] = d1*float32(q[l]&0xf) - mm1
				y[64*j+32+l] = d2*float32(q[l]>>4) - mm2
			}
		}
	}
}

// dequantQ5K decodes Q5_K blocks: d, dmin, 12 scale bytes, 32 bytes of
// high bits, 128 bytes of low nibbles.
func dequantQ5K(out []float32, raw []byte) {
	le := binary.LittleEndian
	for b := 0; b < len(out)/QK; b++ {
		blk := raw[b*176 : (b+1)*176]
		d, dmin := HalfToFloat32(le.Uint16(blk)), HalfToFloat32(le.Uint16(blk[2:]))
		sc, qh, qs := blk[4:16], blk[16:48], blk[48:176]
		y := out[b*QK : (b+1)*QK]
		for j := 0; j < 4; j++ {
			d1, mm1, d2, mm2 := pairScales(sc, j, d, dmin)
			q := qs[32*j : 32*j+32]
			u1, u2 := byte(1)<<(2*j), byte(2)<<(2*j)
			for l := range 32 {
				h1, h2 := 0, 0
				if qh[l]&u1 != 0 {
					h1 = 16
				}
				if qh[l]&u2 != 0 {
					h2 = 16
				}
				y[64*j+l] = d1*float32(int(q[l]&0xf)+h1) - mm1
				y[64*j+32+l] = d2*float32(int(q[l]>>4)+h2) - mm2
			}
		}
	}
}

// Q6KValue returns the l-th (0..127) element of the given 128-element half
// of a Q6_K block's 6-bit values, minus 32, for the four quarter offsets
// l, l+32, l+64, l+96 (ggml's unpacking order).
func Q6KValue(ql, qh []byte, l int) (q1, q2, q3, q4 int8) {
	q1 = int8(ql[l]&0xf|(qh[l]&3)<<4) - 32
	q2 = int8(ql[l+32]&0xf|((qh[l]>>2)&3)<<4) - 32
	q3 = int8(ql[l]>>4|((qh[l]>>4)&3)<<4) - 32
	q4 = int8(ql[l+32]>>4|((qh[l]>>6)&3)<<4) - 32
	return
}

// dequantQ6K decodes Q6_K blocks: 128 bytes of low nibbles, 64 of high
// bits, 16 int8 scales, then d (f16).
func dequantQ6K(out []float32, raw []byte) {
	le := binary.LittleEndian
	for b := 0; b < len(out)/QK; b++ {
		blk := raw[b*210 : (b+1)*210]
		d := HalfToFloat32(le.Uint16(blk[208:]))
		y := out[b*QK : (b+1)*QK]
		for n := 0; n < 2; n++ {
			ql, qh := blk[64*n:64*n+64], blk[128+32*n:128+32*n+32]
			sc := blk[192+8*n : 192+8*n+8]
			for l := range 32 {
				is := l / 16
				q1, q2, q3, q4 := Q6KValue(ql, qh, l)
				y[128*n+l] = d * float32(int8(sc[is])) * float32(q1)
				y[128*n+l+32] = d * float32(int8(sc[is+2])) * float32(q2)
				y[128*n+l+64] = d * float32(int8(sc[is+4])) * float32(q3)
				y[128*n+l+96] = d * float32(int8(sc[is+6])) * float32(q4)
			}
		}
	}
}

// roundi rounds to the nearest integer, ties to even (ggml's nearest_int).
func roundi(x float32) int { return int(math.RoundToEven(float64(x))) }

// clampi bounds x to [lo, hi].
func clampi(x, lo, hi int) int { return min(max(x, lo), hi) }

// quantQ4K5K encodes vals as Q4_K (levels 15) or Q5_K (levels 31) blocks:
// each 32-element sub-block gets its own scale and min, stored as 6-bit
// multiples of the block's d and dmin.
func quantQ4K5K(vals []float32, levels int) []byte {
	le := binary.LittleEndian
	var out []byte
	for b := 0; b < len(vals); b += QK {
		x := vals[b : b+QK]
		var scales, mins [8]float32
		for j := range 8 {
			lo, hi := float32(0), float32(0)
			for _, v := range x[32*j : 32*j+32] {
				lo, hi = min(lo, v), max(hi, v)
			}
			scales[j], mins[j] = (hi-lo)/float32(levels), -lo
		}
		maxS, maxM := float32(0), float32(0)
		for j := range 8 {
			maxS, maxM = max(maxS, scales[j]), max(maxM, mins[j])
		}
		dh, dminh := Float32ToHalf(maxS/63), Float32ToHalf(maxM/63)
		d, dmin := HalfToFloat32(dh), HalfToFloat32(dminh)
		var ls, lm [8]int
		for j := range 8 {
			if d > 0 {
				ls[j] = clampi(int(math.Ceil(float64(scales[j]/d))), 0, 63)
			}
			if dmin > 0 {
				lm[j] = clampi(roundi(mins[j]/dmin), 0, 63)
			}
		}
		var sc [12]byte
		for j := range 8 {
			if j < 4 {
				sc[j], sc[j+4] = byte(ls[j]), byte(lm[j])
				continue
			}
			sc[j+4] = byte(ls[j]&0xf | (lm[j]&0xf)<<4)
			sc[j-4] |= byte(ls[j]>>4) << 6
			sc[j] |= byte(lm[j]>>4) << 6
		}
		var L [QK]int
		for j := range 8 {
			dl, ml := d*float32(ls[j]), dmin*float32(lm[j])
			for i := 32 * j; i < 32*j+32; i++ {
				if dl > 0 {
					L[i] = clampi(roundi((x[i]+ml)/dl), 0, levels)
				}
			}
		}
		out = le.AppendUint16(out, dh)
		out = le.AppendUint16(out, dminh)
		out = append(out, sc[:]...)
		out = appendKQuants(out, L[:], levels)
	}
	return out
}

// appendKQuants packs a Q4_K or Q5_K block's levels: for Q5_K first 32
// bytes of high bits (two per 64-element chunk), then the low nibbles,
// element l of a 64-element chunk in the low nibble and l+32 in the high.
func appendKQuants(out []byte, L []int, levels int) []byte {
	if levels > 15 {
		var qh [32]byte
		for j := range 4 {
			for l := range 32 {
				if L[64*j+l] > 15 {
					qh[l] |= 1 << (2 * j)
				}
				if L[64*j+32+l] > 15 {
					qh[l] |= 2 << (2 * j)
				}
			}
		}
		out = append(out, qh[:]...)
	}
	for j := range 4 {
		for l := range 32 {
			out = append(out, byte(L[64*j+l]&0xf|(L[64*j+32+l]&0xf)<<4))
		}
	}
	return out
}

// quantQ6K encodes vals as Q6_K blocks: sixteen 16-element sub-blocks,
// each with an int8 scale times the block's d, values in [-32, 31].
func quantQ6K(vals []float32) []byte {
	le := binary.LittleEndian
	var out []byte
	for b := 0; b < len(vals); b += QK {
		x := vals[b : b+QK]
		var scales [16]float32
		maxS := float32(0)
		for j := range 16 {
			for _, v := range x[16*j : 16*j+16] {
				scales[j] = max(scales[j], float32(math.Abs(float64(v)))/31)
			}
			maxS = max(maxS, scales[j])
		}
		dh := Float32ToHalf(maxS / 127)
		d := HalfToFloat32(dh)
		var sc [16]int8
		var L [QK]int
		for j := range 16 {
			if d > 0 {
				sc[j] = int8(clampi(int(math.Ceil(float64(scales[j]/d))), 0, 127))
			}
			dl := d * float32(sc[j])
			for i := 16 * j; i < 16*j+16; i++ {
				L[i] = 32
				if dl > 0 {
					L[i] = clampi(roundi(x[i]/dl), -32, 31) + 32
				}
			}
		}
		var ql [128]byte
		var qh [64]byte
		for n := range 2 {
			for l := range 32 {
				q1, q2, q3, q4 := L[128*n+l], L[128*n+l+32], L[128*n+l+64], L[128*n+l+96]
				ql[64*n+l] = byte(q1&0xf | (q3&0xf)<<4)
				ql[64*n+l+32] = byte(q2&0xf | (q4&0xf)<<4)
				qh[32*n+l] = byte(q1>>4 | (q2>>4)<<2 | (q3>>4)<<4 | (q4>>4)<<6)
			}
		}
		out = append(out, ql[:]...)
		out = append(out, qh[:]...)
		for _, s := range sc {
			out = append(out, byte(s))
		}
		out = le.AppendUint16(out, dh)
	}
	return out
}
