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

// func q4kSumAVX2(qs *byte, q *int8, sc *int16) int32
// Σ_j sc[j]·Σ nibble·q over one Q4_K super-block's eight 32-value
// sub-blocks: VPMADDUBSW of the unsigned nibbles with the int8
// activations, VPMADDWD with the broadcast sub-block scale.
TEXT ·q4kSumAVX2(SB), NOSPLIT, $0-28
	MOVQ qs+0(FP), SI
	MOVQ q+8(FP), DI
	MOVQ sc+16(FP), DX
	MOVQ $4, CX
	VPXOR Y0, Y0, Y0
	MOVL $0x0f0f0f0f, AX
	VMOVD AX, X6
	VPBROADCASTD X6, Y6

q4kloop:
	VMOVDQU (SI), Y1
	VPAND Y6, Y1, Y2
	VPSRLW $4, Y1, Y3
	VPAND Y6, Y3, Y3
	VPMADDUBSW (DI), Y2, Y2
	VPMADDUBSW 32(DI), Y3, Y3
	VPBROADCASTW (DX), Y4
	VPBROADCASTW 2(DX), Y5
	VPMADDWD Y4, Y2, Y2
	VPMADDWD Y5, Y3, Y3
	VPADDD Y2, Y0, Y0
	VPADDD Y3, Y0, Y0
	ADDQ $32, SI
	ADDQ $64, DI
	ADDQ $4, DX
	DECQ CX
	JNZ  q4kloop

	VEXTRACTI128 $1, Y0, X1
	VPADDD X1, X0, X0
	VPSHUFD $0x4e, X0, X1
	VPADDD X1, X0, X0
	VPSHUFD $0xb1, X0, X1
	VPADDD X1, X0, X0
	VMOVD X0, AX
	VZEROUPPER
	MOVL AX, ret+24(FP)
	RET
