//go:build !purego

#include "textflag.h"

// func dotF16AVX2(w *byte, x *float32, n int) float32
// Σ half(w[i])·x[i] for n a multiple of 8: F16C conversion, FMA in four
// 8-lane accumulators (as ggml's ggml_vec_dot_f16 on AVX2).
TEXT ·dotF16AVX2(SB), NOSPLIT, $0-28
	MOVQ w+0(FP), SI
	MOVQ x+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

f16loop32:
	CMPQ CX, $32
	JL   f16loop8
	VCVTPH2PS (SI), Y4
	VCVTPH2PS 16(SI), Y5
	VCVTPH2PS 32(SI), Y6
	VCVTPH2PS 48(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $64, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  f16loop32

f16loop8:
	CMPQ CX, $8
	JL   f16done
	VCVTPH2PS (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ $16, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  f16loop8

f16done:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func dotF16x2AVX2(w *byte, x0, x1 *float32, n int, out *[2]float32)
// out[t] = Σ half(w[i])·xt[i] for two vectors at once (n a multiple of
// 8): each weight is converted once and meets both vectors, so the FMAs
// rather than the conversions bound the loop (a batch's matrix × several
// vectors). Each vector's sum is dotF16AVX2's, in the same order (four
// accumulators, the same reduction), so a batch computes what one token
// at a time does, bit for bit.
TEXT ·dotF16x2AVX2(SB), NOSPLIT, $0-40
	MOVQ w+0(FP), SI
	MOVQ x0+8(FP), R8
	MOVQ x1+16(FP), R9
	MOVQ n+24(FP), CX
	MOVQ out+32(FP), DX
	XORQ AX, AX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

f16x2loop32:
	CMPQ CX, $32
	JL   f16x2loop8
	VCVTPH2PS (SI), Y8
	VCVTPH2PS 16(SI), Y9
	VCVTPH2PS 32(SI), Y10
	VCVTPH2PS 48(SI), Y11
	VFMADD231PS (R8)(AX*1), Y8, Y0
	VFMADD231PS 32(R8)(AX*1), Y9, Y1
	VFMADD231PS 64(R8)(AX*1), Y10, Y2
	VFMADD231PS 96(R8)(AX*1), Y11, Y3
	VFMADD231PS (R9)(AX*1), Y8, Y4
	VFMADD231PS 32(R9)(AX*1), Y9, Y5
	VFMADD231PS 64(R9)(AX*1), Y10, Y6
	VFMADD231PS 96(R9)(AX*1), Y11, Y7
	ADDQ $64, SI
	ADDQ $128, AX
	SUBQ $32, CX
	JMP  f16x2loop32

f16x2loop8:
	CMPQ CX, $8
	JL   f16x2done
	VCVTPH2PS (SI), Y8
	VFMADD231PS (R8)(AX*1), Y8, Y0
	VFMADD231PS (R9)(AX*1), Y8, Y4
	ADDQ $16, SI
	ADDQ $32, AX
	SUBQ $8, CX
	JMP  f16x2loop8

f16x2done:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VADDPS Y5, Y4, Y4
	VADDPS Y7, Y6, Y6
	VADDPS Y6, Y4, Y4
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VEXTRACTF128 $1, Y4, X5
	VADDPS X5, X4, X4
	VHADDPS X4, X0, X0
	VHADDPS X0, X0, X0
	VMOVSD X0, (DX)
	VZEROUPPER
	RET

// func dotQ8_0AVX2(row *byte, q *int8, d *float32, nb int) float32
// Σ over nb Q8_0 blocks of half(scale)·d[b]·Σ w·q: |w| times q with w's
// sign (VPSIGNB), pairs summed by VPMADDUBSW and VPMADDWD, then an FMA per
// block, as ggml's ggml_vec_dot_q8_0_q8_0 on AVX2.
TEXT ·dotQ8_0AVX2(SB), NOSPLIT, $0-36
	MOVQ row+0(FP), SI
	MOVQ q+8(FP), DI
	MOVQ d+16(FP), DX
	MOVQ nb+24(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y6, Y6, Y6
	MOVL $0x00010001, AX
	VMOVD AX, X7
	VPBROADCASTD X7, Y7

q8loop:
	TESTQ CX, CX
	JZ    q8done
	MOVWLZX (SI), AX
	VMOVD AX, X5
	VCVTPH2PS X5, X5
	VMULSS (DX), X5, X5
	VBROADCASTSS X5, Y5
	VMOVDQU 2(SI), Y1
	VMOVDQU (DI), Y2
	VPSIGNB Y1, Y1, Y3
	VPSIGNB Y1, Y2, Y4
	VPMADDUBSW Y4, Y3, Y3
	VPMADDWD Y7, Y3, Y3
	VCVTDQ2PS Y3, Y3
	VFMADD231PS Y3, Y5, Y0
	ADDQ $34, SI
	ADDQ $32, DI
	ADDQ $4, DX
	DECQ CX
	JMP  q8loop

q8done:
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VZEROUPPER
	MOVSS X0, ret+32(FP)
	RET

// Q4KSUB adds sub-blocks 2j and 2j+1 of a Q4_K super-block to Y10: the
// 32 bytes at off(SI) hold sub-block 2j in their low nibbles and 2j+1 in
// their high ones, times the 64 activations at 2·off(DI); Y9 is the
// shuffle that broadcasts scale 2j from Y7, and steps on by Y13 twice.
#define Q4KSUB(off) \
	VPSHUFB Y9, Y7, Y11 \
	VPADDW  Y13, Y9, Y9 \
	VPSHUFB Y9, Y7, Y12 \
	VPADDW  Y13, Y9, Y9 \
	VMOVDQU off(SI), Y2 \
	VPAND   Y15, Y2, Y3 \
	VPSRLW  $4, Y2, Y2 \
	VPAND   Y15, Y2, Y2 \
	VPMADDUBSW (2*off-32)(DI), Y3, Y3 \
	VPMADDUBSW (2*off)(DI), Y2, Y2 \
	VPMADDWD Y11, Y3, Y3 \
	VPMADDWD Y12, Y2, Y2 \
	VPADDD  Y3, Y10, Y10 \
	VPADDD  Y2, Y10, Y10

// func dotQ4KAVX2(row *byte, q *int8, d *float32, bsums *int16, nb int) float32
// A whole Q4_K row times Q8_K activations. Per super-block the twelve
// scale bytes are unpacked into eight 6-bit scales and mins (ggml's utmp
// masks); the nibbles meet the activations by VPMADDUBSW, then VPMADDWD
// with the broadcast scale, and the mins meet the activation's per-16
// sums (VPHADDW, VPMADDWD), both summed exactly as integers. The floats
// then follow llama.cpp's repacked Q4_K kernel (ggml_gemv_q4_K_8x8_q8_K,
// which its CPU build runs for these rows): acc += sumi·(d·d8) and
// accm += mins·(dmin·d8) by one FMA each per super-block, acc − accm at
// the end.
TEXT ·dotQ4KAVX2(SB), NOSPLIT, $0-44
	MOVQ row+0(FP), SI
	MOVQ q+8(FP), DI
	MOVQ d+16(FP), DX
	MOVQ bsums+24(FP), BX
	MOVQ nb+32(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y8, Y8, Y8
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X15
	VPBROADCASTD X15, Y15
	MOVL $0x01000100, AX
	VMOVD AX, X14
	VPBROADCASTD X14, Y14
	MOVL $0x02020202, AX
	VMOVD AX, X13
	VPBROADCASTD X13, Y13

q4kblock:
	// Scales 0-3 in R10, 4-7 in R11, mins 0-3 in R12, 4-7 in R9.
	MOVL 4(SI), AX
	MOVL 8(SI), R8
	MOVL 12(SI), R9
	MOVL AX, R10
	ANDL $0x3f3f3f3f, R10
	MOVL R9, R11
	ANDL $0x0f0f0f0f, R11
	SHRL $6, AX
	ANDL $0x03030303, AX
	SHLL $4, AX
	ORL  AX, R11
	MOVL R8, R12
	ANDL $0x3f3f3f3f, R12
	SHRL $4, R9
	ANDL $0x0f0f0f0f, R9
	SHRL $6, R8
	ANDL $0x03030303, R8
	SHLL $4, R8
	ORL  R8, R9
	SHLQ $32, R11
	ORQ  R10, R11
	SHLQ $32, R9
	ORQ  R12, R9
	VMOVQ R11, X1
	VPINSRQ $1, R9, X1, X1
	VPMOVZXBW X1, Y1 // scales in the low lane, mins in the high one

	// accm += dmin·d8 · Σ min_j·(the sums of sub-block j's activations).
	VMOVDQU (BX), Y2
	VEXTRACTI128 $1, Y2, X3
	VPHADDW X3, X2, X2
	VEXTRACTI128 $1, Y1, X4
	VPMADDWD X2, X4, X4
	VPSHUFD $0x4e, X4, X3
	VPADDD X3, X4, X4
	VPSHUFD $0xb1, X4, X3
	VPADDD X3, X4, X4
	VCVTDQ2PS X4, X4
	MOVWLZX 2(SI), AX
	VMOVD AX, X5
	VCVTPH2PS X5, X5
	VMULSS (DX), X5, X5
	VFMADD231SS X5, X4, X8

	MOVWLZX (SI), AX
	VMOVD AX, X6
	VCVTPH2PS X6, X6
	VMULSS (DX), X6, X6
	VPERMQ $0x44, Y1, Y7 // the scales in both lanes
	VMOVDQU Y14, Y9
	VPXOR Y10, Y10, Y10
	Q4KSUB(16)
	Q4KSUB(48)
	Q4KSUB(80)
	Q4KSUB(112)
	VEXTRACTI128 $1, Y10, X11
	VPADDD X11, X10, X10
	VPSHUFD $0x4e, X10, X11
	VPADDD X11, X10, X10
	VPSHUFD $0xb1, X10, X11
	VPADDD X11, X10, X10
	VCVTDQ2PS X10, X10
	VFMADD231SS X6, X10, X0

	ADDQ $144, SI
	ADDQ $256, DI
	ADDQ $4, DX
	ADDQ $32, BX
	DECQ CX
	JNZ  q4kblock

	VSUBSS X8, X0, X0
	VZEROUPPER
	MOVSS X0, ret+40(FP)
	RET

// func roundHalvesAVX2(dst, src *float32, n int)
// dst[i] = src[i] rounded to half precision and back (n a multiple of 8):
// F16C's VCVTPS2PH with round-to-nearest-even, then VCVTPH2PS, as ggml
// converts to and from its F16 tensors.
TEXT ·roundHalvesAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

rhloop:
	CMPQ CX, $8
	JL   rhdone
	VMOVUPS (SI), Y0
	VCVTPS2PH $0, Y0, X1
	VCVTPH2PS X1, Y1
	VMOVUPS Y1, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  rhloop

rhdone:
	VZEROUPPER
	RET
