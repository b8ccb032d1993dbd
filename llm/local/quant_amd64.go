//go:build !purego

package local

import (
	"unsafe"

	"golang.org/x/sys/cpu"

	"github.com/phalanetwork/phala/llm/gguf"
)

// hasAVX2 says the AVX2 kernels may run: AVX2, FMA and F16C, with the OS
// saving the YMM registers (x/sys/cpu checks that for AVX2).
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasF16C

// roundHalfBits is the half-precision value with bytes lo, hi.
func roundHalfBits(lo, hi byte) float32 { return gguf.HalfToFloat32(uint16(lo) | uint16(hi)<<8) }

//go:noescape
func dotF16AVX2(w *byte, x *float32, n int) float32

//go:noescape
func dotF16x2AVX2(w *byte, x0, x1 *float32, n int, out *[2]float32)

//go:noescape
func dotQ8_0AVX2(row *byte, q *int8, d *float32, nb int) float32

// dotF16Fast is dotF16 with the AVX2 kernel for the whole multiple-of-8
// part, or false where the kernel cannot run.
func dotF16Fast(row []byte, x []float32) (float32, bool) {
	n := len(x) &^ 7
	if !hasAVX2 || n == 0 || len(row) < 2*len(x) {
		return 0, false
	}
	s := dotF16AVX2(unsafe.SliceData(row), unsafe.SliceData(x), n)
	for i := n; i < len(x); i++ {
		s += roundHalfBits(row[2*i], row[2*i+1]) * x[i]
	}
	return s, true
}

// dotF16x2Fast sets out[t] to the F16 row times vs[t].f for two vectors
// at once, each weight converted once, exactly as dotF16Fast on each; or
// is false where the kernel cannot run.
func dotF16x2Fast(row []byte, vs []qvec, out *[2]float32) bool {
	x0, x1 := vs[0].f, vs[1].f
	n := len(x0) &^ 7
	if !hasAVX2 || n == 0 || len(x1) != len(x0) || len(row) < 2*len(x0) {
		return false
	}
	dotF16x2AVX2(unsafe.SliceData(row), unsafe.SliceData(x0), unsafe.SliceData(x1), n, out)
	for t, x := range [2][]float32{x0, x1} {
		for i := n; i < len(x); i++ {
			out[t] += roundHalfBits(row[2*i], row[2*i+1]) * x[i]
		}
	}
	return true
}

// dotQ8_0Fast is dotQ8_0 by the AVX2 kernel, or false where it cannot run.
func dotQ8_0Fast(row []byte, q []int8, d []float32) (float32, bool) {
	nb := len(d)
	if !hasAVX2 || nb == 0 || len(row) < 34*nb || len(q) < 32*nb {
		return 0, false
	}
	return dotQ8_0AVX2(unsafe.SliceData(row), unsafe.SliceData(q), unsafe.SliceData(d), nb), true
}

//go:noescape
func dotQ4KAVX2(row *byte, q *int8, d *float32, bsums *int16, nb int) float32

// dotQ4KFast is dotQ4K by the whole-row AVX2 kernel, or false where it
// cannot run.
func dotQ4KFast(row []byte, v *qvec) (float32, bool) {
	nb := len(v.d)
	if !hasAVX2 || nb == 0 || len(row) < 144*nb || len(v.q) < 256*nb || len(v.bsums) < 16*nb {
		return 0, false
	}
	return dotQ4KAVX2(unsafe.SliceData(row), unsafe.SliceData(v.q), unsafe.SliceData(v.d), unsafe.SliceData(v.bsums), nb), true
}

//go:noescape
func roundHalvesAVX2(dst, src *float32, n int)

// roundHalves sets dst[i] to roundHalf(src[i]) (len(dst) ≥ len(src)), by
// F16C eight at a time where it runs.
func roundHalves(dst, src []float32) {
	dst = dst[:len(src)]
	n := 0
	if hasAVX2 {
		n = len(src) &^ 7
		if n > 0 {
			roundHalvesAVX2(unsafe.SliceData(dst), unsafe.SliceData(src), n)
		}
	}
	for i := n; i < len(src); i++ {
		dst[i] = roundHalf(src[i])
	}
}
