package local

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/phalanetwork/phala/llm/gguf"
)

// halfTable maps every IEEE half-precision bit pattern to its float32;
// one table per Model (256 KiB), so F16 weights convert by a lookup.
type halfTable [1 << 16]float32

func newHalfTable() *halfTable {
	t := new(halfTable)
	for i := range t {
		t[i] = gguf.HalfToFloat32(uint16(i))
	}
	return t
}

// qmatrix is a weight matrix kept in the file's encoding, one row per
// output: F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q5_K or Q6_K.
type qmatrix struct {
	typ        gguf.TensorType
	rows, cols int
	rowBytes   int
	data       []byte
	half       *halfTable
}

// weightTypes are the matrix encodings the runner computes with directly.
var weightTypes = map[gguf.TensorType]bool{
	gguf.TypeF32: true, gguf.TypeF16: true, gguf.TypeBF16: true, gguf.TypeQ4_0: true,
	gguf.TypeQ8_0: true, gguf.TypeQ4_K: true, gguf.TypeQ5_K: true, gguf.TypeQ6_K: true,
}

// loadMatrix checks the rows × cols tensor called name and keeps its bytes.
func loadMatrix(f *gguf.File, name string, rows, cols int, half *halfTable) (*qmatrix, error) {
	ti, ok := f.Tensor(name)
	if !ok {
		return nil, fmt.Errorf("%w: no tensor %s", ErrModel, name)
	}
	if len(ti.Dims) != 2 || ti.Dims[0] != uint64(cols) || ti.Dims[1] != uint64(rows) {
		return nil, fmt.Errorf("%w: tensor %s has shape %v, want [%d %d]", ErrModel, name, ti.Dims, cols, rows)
	}
	if !weightTypes[ti.Type] {
		return nil, fmt.Errorf("%w: tensor %s: %s (the runner computes with F32, F16, BF16, Q4_0, Q8_0, Q4_K, Q5_K, Q6_K)", gguf.ErrUnsupportedType, name, ti.Type)
	}
	data, _, err := f.Data(name)
	if err != nil {
		return nil, err
	}
	rb := cols / int(ti.Type.BlockSize()) * int(ti.Type.BlockBytes())
	return &qmatrix{typ: ti.Type, rows: rows, cols: cols, rowBytes: rb, data: data, half: half}, nil
}

// row decodes row r to float32 into dst (for embedding lookups).
func (w *qmatrix) row(dst []float32, r int) error {
	vals, err := gguf.Dequantize(w.typ, w.data[r*w.rowBytes:(r+1)*w.rowBytes], uint64(w.cols))
	if err != nil {
		return err
	}
	copy(dst, vals)
	return nil
}

// qvec is an activation vector prepared for one weight encoding, as
// ggml's vec_dot_type: rounded to F16/BF16 for 16-bit weights, Q8_0
// blocks for Q4_0/Q8_0, Q8_K super-blocks (with per-16 sums) for K-quants.
type qvec struct {
	f     []float32
	q     []int8
	d     []float32
	bsums []int16 // Q8_K: the sum of each 16 values (at most 16·127)
}

// actKind is how a qvec holds an activation; matrices of types with the
// same kind take the same prepared vector.
type actKind uint8

const (
	actNone actKind = iota // nothing prepared
	actF32
	actF16
	actBF16
	actQ8_0
	actQ8K
)

// actKindOf is the kind of vector prepare makes for matrices of type t.
func actKindOf(t gguf.TensorType) actKind {
	switch t {
	case gguf.TypeF32:
		return actF32
	case gguf.TypeF16:
		return actF16
	case gguf.TypeBF16:
		return actBF16
	case gguf.TypeQ4_0, gguf.TypeQ8_0:
		return actQ8_0
	}
	return actQ8K
}

// prepare converts x for multiplication by matrices of type t.
func (v *qvec) prepare(t gguf.TensorType, x []float32) {
	switch t {
	case gguf.TypeF32:
		v.f = x
	case gguf.TypeF16:
		v.f = grow(v.f, len(x))
		roundHalves(v.f, x)
	case gguf.TypeBF16:
		v.f = grow(v.f, len(x))
		for i, a := range x {
			v.f[i] = math.Float32frombits(uint32(gguf.Float32ToBF16(a)) << 16)
		}
	case gguf.TypeQ4_0, gguf.TypeQ8_0:
		v.quantQ8_0(x)
	default:
		v.quantQ8K(x)
	}
}

// roundHalf rounds a to the nearest half-precision value.
func roundHalf(a float32) float32 { return gguf.HalfToFloat32(gguf.Float32ToHalf(a)) }

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// abs32 is |a|.
func abs32(a float32) float32 { return math.Float32frombits(math.Float32bits(a) &^ (1 << 31)) }

// nearestInt rounds f (|f| < 2^22) to the nearest integer, ties to even,
// as ggml's nearest_int: adding 1.5·2^23 leaves the rounded value in the
// low mantissa bits (one float32 addition instead of a float64 round).
func nearestInt(f float32) int32 {
	return int32(math.Float32bits(f+12582912)&0x007fffff) - 0x00400000
}

// quantQ8_0 quantizes x to blocks of 32 with an f16 scale, as ggml's x86
// quantize_row_q8_0: d = max|x|/127, q = round-to-even(x·127/max|x|).
func (v *qvec) quantQ8_0(x []float32) {
	v.q, v.d = grow(v.q, len(x)), grow(v.d, len(x)/32)
	for b := range v.d {
		blk := x[b*32 : b*32+32]
		var amax float32
		for _, a := range blk {
			amax = max(amax, abs32(a))
		}
		id := float32(0)
		if amax != 0 {
			id = 127 / amax
		}
		v.d[b] = roundHalf(amax / 127)
		q := v.q[b*32 : b*32+32]
		for i, a := range blk {
			q[i] = int8(nearestInt(a * id))
		}
	}
}

// quantQ8K quantizes x to super-blocks of 256 with a float32 scale and
// the sums of each 16 values, as ggml's quantize_row_q8_K_ref.
func (v *qvec) quantQ8K(x []float32) {
	nb := len(x) / gguf.QK
	v.q, v.d, v.bsums = grow(v.q, len(x)), grow(v.d, nb), grow(v.bsums, nb*16)
	for b := range nb {
		blk := x[b*gguf.QK : (b+1)*gguf.QK]
		q := v.q[b*gguf.QK : (b+1)*gguf.QK]
		var amax, mx float32
		for _, a := range blk {
			if abs := abs32(a); abs > amax {
				amax, mx = abs, a
			}
		}
		if amax == 0 {
			v.d[b] = 0
			clear(q)
			clear(v.bsums[b*16 : b*16+16])
			continue
		}
		iscale := -127 / mx
		for i, a := range blk {
			q[i] = int8(min(127, nearestInt(iscale*a)))
		}
		for j := range 16 {
			var s int16
			for _, e := range q[16*j : 16*j+16] {
				s += int16(e)
			}
			v.bsums[b*16+j] = s
		}
		v.d[b] = 1 / iscale
	}
}

// dotRow is row r of w times the prepared activation v.
func (w *qmatrix) dotRow(r int, v *qvec) float32 {
	row := w.data[r*w.rowBytes : (r+1)*w.rowBytes]
	switch w.typ {
	case gguf.TypeF32:
		return dotF32Bytes(row, v.f)
	case gguf.TypeF16:
		if s, ok := dotF16Fast(row, v.f); ok {
			return s
		}
		return dotF16(row, v.f, w.half)
	case gguf.TypeBF16:
		return dotBF16(row, v.f)
	case gguf.TypeQ8_0:
		if s, ok := dotQ8_0Fast(row, v.q, v.d); ok {
			return s
		}
		return dotQ8_0(row, v.q, v.d, w.half)
	case gguf.TypeQ4_0:
		return dotQ4_0(row, v.q, v.d, w.half)
	case gguf.TypeQ4_K:
		if s, ok := dotQ4KFast(row, v); ok {
			return s
		}
		return dotQ4K(row, v, w.half)
	case gguf.TypeQ5_K:
		return dotQ5K(row, v, w.half)
	}
	return dotQ6K(row, v, w.half)
}

func dotF32Bytes(row []byte, x []float32) float32 {
	row = row[:4*len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		w := row[4*i : 4*i+16]
		s0 += math.Float32frombits(binary.LittleEndian.Uint32(w)) * x[i]
		s1 += math.Float32frombits(binary.LittleEndian.Uint32(w[4:])) * x[i+1]
		s2 += math.Float32frombits(binary.LittleEndian.Uint32(w[8:])) * x[i+2]
		s3 += math.Float32frombits(binary.LittleEndian.Uint32(w[12:])) * x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += math.Float32frombits(binary.LittleEndian.Uint32(row[4*i:])) * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func dotF16(row []byte, x []float32, h *halfTable) float32 {
	row = row[:2*len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		w := row[2*i : 2*i+8]
		xs := x[i : i+4]
		s0 += h[uint16(w[0])|uint16(w[1])<<8] * xs[0]
		s1 += h[uint16(w[2])|uint16(w[3])<<8] * xs[1]
		s2 += h[uint16(w[4])|uint16(w[5])<<8] * xs[2]
		s3 += h[uint16(w[6])|uint16(w[7])<<8] * xs[3]
	}
	for ; i < len(x); i++ {
		s0 += h[uint16(row[2*i])|uint16(row[2*i+1])<<8] * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func dotBF16(row []byte, x []float32) float32 {
	row = row[:2*len(x)]
	var s float32
	for i, a := range x {
		s += math.Float32frombits(uint32(row[2*i])<<16|uint32(row[2*i+1])<<24) * a
	}
	return s
}

// dot32 is the integer dot product of 32 int8 weights with 32 int8 activations.
func dot32(w []byte, q []int8) int32 {
	w, q = w[:32], q[:32]
	var s0, s1, s2, s3 int32
	for i := 0; i < 32; i += 4 {
		s0 += int32(int8(w[i])) * int32(q[i])
		s1 += int32(int8(w[i+1])) * int32(q[i+1])
		s2 += int32(int8(w[i+2])) * int32(q[i+2])
		s3 += int32(int8(w[i+3])) * int32(q[i+3])
	}
	return s0 + s1 + s2 + s3
}

func dotQ8_0(row []byte, q []int8, d []float32, h *halfTable) float32 {
	var sum float32
	for b := range d {
		blk := row[b*34 : b*34+34]
		sum += h[uint16(blk[0])|uint16(blk[1])<<8] * d[b] * float32(dot32(blk[2:], q[b*32:]))
	}
	return sum
}

func dotQ4_0(row []byte, q []int8, d []float32, h *halfTable) float32 {
	var sum float32
	for b := range d {
		blk := row[b*18 : b*18+18]
		qs := blk[2:18]
		x := q[b*32 : b*32+32]
		var s0, s1 int32
		for j := 0; j < 16; j++ {
			s0 += int32(int(qs[j]&0xf)-8) * int32(x[j])
			s1 += int32(int(qs[j]>>4)-8) * int32(x[j+16])
		}
		sum += h[uint16(blk[0])|uint16(blk[1])<<8] * d[b] * float32(s0+s1)
	}
	return sum
}

// dotQ4K is a Q4_K row times Q8_K activations (the portable loop): per super-block
// d·Σ scale_j·(q4·q8) − dmin·Σ min_j·(sum of the sub-block's q8).
func dotQ4K(row []byte, v *qvec, h *halfTable) float32 {
	var sum float32
	var sc [8]int16
	for b := range v.d {
		blk := row[b*144 : b*144+144]
		bs := v.bsums[b*16 : b*16+16]
		// Unpack the eight 6-bit scales and mins at once, as ggml's
		// utmp masks do (gguf.ScaleMinK4 one at a time).
		u0, u1, u2 := binary.LittleEndian.Uint32(blk[4:]), binary.LittleEndian.Uint32(blk[8:]), binary.LittleEndian.Uint32(blk[12:])
		sLo, sHi := u0&0x3f3f3f3f, u2&0x0f0f0f0f|(u0>>6&0x03030303)<<4
		mLo, mHi := u1&0x3f3f3f3f, u2>>4&0x0f0f0f0f|(u1>>6&0x03030303)<<4
		var mins int32
		for j := range 4 {
			sc[j], sc[j+4] = int16(byte(sLo>>(8*j))), int16(byte(sHi>>(8*j)))
			mins += int32(byte(mLo>>(8*j)))*int32(bs[2*j]+bs[2*j+1]) + int32(byte(mHi>>(8*j)))*int32(bs[2*j+8]+bs[2*j+9])
		}
		sumi := q4kSumGo(blk[16:144], v.q[b*gguf.QK:(b+1)*gguf.QK], &sc)
		d := h[uint16(blk[0])|uint16(blk[1])<<8] * v.d[b]
		dmin := h[uint16(blk[2])|uint16(blk[3])<<8] * v.d[b]
		sum += d*float32(sumi) - dmin*float32(mins)
	}
	return sum
}

// q4kSumGo is Σ_j sc[j]·(sub-block j's nibbles · q) for one super-block.
func q4kSumGo(qs []byte, q []int8, sc *[8]int16) int32 {
	qs, q = qs[:128], q[:256]
	var sumi int32
	for j := 0; j < 4; j++ {
		w := qs[32*j : 32*j+32]
		lo, hi := q[64*j:64*j+32], q[64*j+32:64*j+64]
		var a, c int32
		for l := 0; l < 32; l += 2 {
			a += int32(w[l]&0xf)*int32(lo[l]) + int32(w[l+1]&0xf)*int32(lo[l+1])
			c += int32(w[l]>>4)*int32(hi[l]) + int32(w[l+1]>>4)*int32(hi[l+1])
		}
		sumi += int32(sc[2*j])*a + int32(sc[2*j+1])*c
	}
	return sumi
}

// dotQ5K is dotQ4K with a fifth bit per value from the qh bytes.
func dotQ5K(row []byte, v *qvec, h *halfTable) float32 {
	var sum float32
	for b := range v.d {
		blk := row[b*176 : b*176+176]
		sc, qh, qs := blk[4:16], blk[16:48], blk[48:176]
		q := v.q[b*gguf.QK : (b+1)*gguf.QK]
		bs := v.bsums[b*16 : b*16+16]
		var sumi, mins int32
		for j := 0; j < 4; j++ {
			s1, m1 := gguf.ScaleMinK4(2*j, sc)
			s2, m2 := gguf.ScaleMinK4(2*j+1, sc)
			w := qs[32*j : 32*j+32]
			lo, hi := q[64*j:64*j+32], q[64*j+32:64*j+64]
			sh := uint(2 * j)
			var a, c int32
			for l := 0; l < 32; l++ {
				a += int32(w[l]&0xf|((qh[l]>>sh)&1)<<4) * int32(lo[l])
				c += int32(w[l]>>4|((qh[l]>>(sh+1))&1)<<4) * int32(hi[l])
			}
			sumi += int32(s1)*a + int32(s2)*c
			mins += int32(m1)*int32(bs[4*j]+bs[4*j+1]) + int32(m2)*int32(bs[4*j+2]+bs[4*j+3])
		}
		d := h[uint16(blk[0])|uint16(blk[1])<<8] * v.d[b]
		dmin := h[uint16(blk[2])|uint16(blk[3])<<8] * v.d[b]
		sum += d*float32(sumi) - dmin*float32(mins)
	}
	return sum
}

// dotQ6K is a Q6_K row times Q8_K activations: d·Σ scale_j·(q6·q8) over
// sixteen 16-value groups.
func dotQ6K(row []byte, v *qvec, h *halfTable) float32 {
	var sum float32
	for b := range v.d {
		blk := row[b*210 : b*210+210]
		q := v.q[b*gguf.QK : (b+1)*gguf.QK]
		var sumi int32
		for n := 0; n < 2; n++ {
			ql, qh := blk[64*n:64*n+64], blk[128+32*n:128+32*n+32]
			sc := blk[192+8*n : 192+8*n+8]
			y := q[128*n : 128*n+128]
			var g [8]int32
			for l := 0; l < 32; l++ {
				q1, q2, q3, q4 := gguf.Q6KValue(ql, qh, l)
				is := l / 16
				g[is] += int32(q1) * int32(y[l])
				g[is+2] += int32(q2) * int32(y[l+32])
				g[is+4] += int32(q3) * int32(y[l+64])
				g[is+6] += int32(q4) * int32(y[l+96])
			}
			for i, s := range g {
				sumi += int32(int8(sc[i])) * s
			}
		}
		sum += h[uint16(blk[208])|uint16(blk[209])<<8] * v.d[b] * float32(sumi)
	}
	return sum
}
