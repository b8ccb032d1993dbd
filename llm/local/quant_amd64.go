//go:build !purego

package local

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// hasAVX2 says the AVX2 kernels may run: AVX2, FMA and F16C, with the OS
// saving the YMM registers (x/sys/cpu checks that for AVX2).
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasF16C

//go:noescape
func dotF16AVX2(w *byte, x *float32, n int) float32

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

// dotQ8_0Fast is dotQ8_0 by the AVX2 kernel, or false where it cannot run.
func dotQ8_0Fast(row []byte, q []int8, d []float32) (float32, bool) {
	nb := len(d)
	if !hasAVX2 || nb == 0 || len(row) < 34*nb || len(q) < 32*nb {
		return 0, false
	}
	return dotQ8_0AVX2(unsafe.SliceData(row), unsafe.SliceData(q), unsafe.SliceData(d), nb), true
}

//go:noescape
func q4kSumAVX2(qs *byte, q *int8, sc *int16) int32

// q4kSum is Σ_j sc[j]·(sub-block j's nibbles · q) for one Q4_K
// super-block (qs 128 bytes, q 256 values), by the AVX2 kernel when it can run.
func q4kSum(qs []byte, q []int8, sc *[8]int16) int32 {
	if hasAVX2 && len(qs) >= 128 && len(q) >= 256 {
		return q4kSumAVX2(unsafe.SliceData(qs), unsafe.SliceData(q), &sc[0])
	}
	return q4kSumGo(qs, q, sc)
}
