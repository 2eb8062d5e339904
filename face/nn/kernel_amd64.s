//go:build amd64 && !purego

#include "textflag.h"
#include "go_asm.h"

// func sgemmKernel6x16AVX2(k int, a *float32, lda int, b *float32, c *float32, ldc int, ep *kernelEpi)
//
// C[0:6][0:16] = epilogue(A[0:6][0:k] · Bpanel[0:k][0:16])
// Rows of A are lda floats apart; the B panel is k rows of 16 contiguous
// floats. With ep.nseg = S > 1 the product runs over S segments of k: A's
// segment s starts ep.segStride bytes after segment s-1 (an implicit-GEMM
// convolution's kernel rows) while B continues contiguously, so the total
// depth is S*k. Accumulators: Y0..Y11 (row r in Y(2r), Y(2r+1)); B in Y12/Y13;
// broadcast A values in Y14/Y15.
TEXT ·sgemmKernel6x16AVX2(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	MOVQ b+24(FP), DX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), R10
	MOVQ ep+48(FP), R11

	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	SHLQ $2, R10

	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11

	// The k loop runs once per segment (see kernelEpi.nseg): segment s
	// reads A from a + s*segStride, B continues where it left off.
	MOVQ SI, AX
	MOVQ kernelEpi_nseg(R11), BX

segment:
	MOVQ  AX, SI
	LEAQ  (SI)(R8*4), R12
	MOVQ  k+0(FP), CX
	TESTQ CX, CX
	JE    segnext

	// Two k steps per iteration while at least two remain.
	CMPQ CX, $2
	JLT  tail

loop2:
	VMOVUPS      (DX), Y12
	VMOVUPS      32(DX), Y13
	VBROADCASTSS (SI), Y14
	VBROADCASTSS (SI)(R8*1), Y15
	VFMADD231PS  Y12, Y14, Y0
	VFMADD231PS  Y13, Y14, Y1
	VFMADD231PS  Y12, Y15, Y2
	VFMADD231PS  Y13, Y15, Y3
	VBROADCASTSS (SI)(R8*2), Y14
	VBROADCASTSS (SI)(R9*1), Y15
	VFMADD231PS  Y12, Y14, Y4
	VFMADD231PS  Y13, Y14, Y5
	VFMADD231PS  Y12, Y15, Y6
	VFMADD231PS  Y13, Y15, Y7
	VBROADCASTSS (R12), Y14
	VBROADCASTSS (R12)(R8*1), Y15
	VFMADD231PS  Y12, Y14, Y8
	VFMADD231PS  Y13, Y14, Y9
	VFMADD231PS  Y12, Y15, Y10
	VFMADD231PS  Y13, Y15, Y11

	VMOVUPS      64(DX), Y12
	VMOVUPS      96(DX), Y13
	VBROADCASTSS 4(SI), Y14
	VBROADCASTSS 4(SI)(R8*1), Y15
	VFMADD231PS  Y12, Y14, Y0
	VFMADD231PS  Y13, Y14, Y1
	VFMADD231PS  Y12, Y15, Y2
	VFMADD231PS  Y13, Y15, Y3
	VBROADCASTSS 4(SI)(R8*2), Y14
	VBROADCASTSS 4(SI)(R9*1), Y15
	VFMADD231PS  Y12, Y14, Y4
	VFMADD231PS  Y13, Y14, Y5
	VFMADD231PS  Y12, Y15, Y6
	VFMADD231PS  Y13, Y15, Y7
	VBROADCASTSS 4(R12), Y14
	VBROADCASTSS 4(R12)(R8*1), Y15
	VFMADD231PS  Y12, Y14, Y8
	VFMADD231PS  Y13, Y14, Y9
	VFMADD231PS  Y12, Y15, Y10
	VFMADD231PS  Y13, Y15, Y11

	ADDQ $8, SI
	ADDQ $8, R12
	ADDQ $128, DX
	SUBQ $2, CX
	CMPQ CX, $2
	JGE  loop2

tail:
	TESTQ CX, CX
	JE    segnext
	VMOVUPS      (DX), Y12
	VMOVUPS      32(DX), Y13
	VBROADCASTSS (SI), Y14
	VBROADCASTSS (SI)(R8*1), Y15
	VFMADD231PS  Y12, Y14, Y0
	VFMADD231PS  Y13, Y14, Y1
	VFMADD231PS  Y12, Y15, Y2
	VFMADD231PS  Y13, Y15, Y3
	VBROADCASTSS (SI)(R8*2), Y14
	VBROADCASTSS (SI)(R9*1), Y15
	VFMADD231PS  Y12, Y14, Y4
	VFMADD231PS  Y13, Y14, Y5
	VFMADD231PS  Y12, Y15, Y6
	VFMADD231PS  Y13, Y15, Y7
	VBROADCASTSS (R12), Y14
	VBROADCASTSS (R12)(R8*1), Y15
	VFMADD231PS  Y12, Y14, Y8
	VFMADD231PS  Y13, Y14, Y9
	VFMADD231PS  Y12, Y15, Y10
	VFMADD231PS  Y13, Y15, Y11

	ADDQ $64, DX // the odd step consumed one B row

segnext:
	ADDQ kernelEpi_segStride(R11), AX
	DECQ BX
	JG   segment

epilogue:
	// acc = acc*scale + shift
	MOVQ        kernelEpi_scale(R11), AX
	VMOVUPS     (AX), Y12
	VMOVUPS     32(AX), Y13
	MOVQ        kernelEpi_shift(R11), AX
	VMOVUPS     (AX), Y14
	VMOVUPS     32(AX), Y15
	VFMADD213PS Y14, Y12, Y0
	VFMADD213PS Y15, Y13, Y1
	VFMADD213PS Y14, Y12, Y2
	VFMADD213PS Y15, Y13, Y3
	VFMADD213PS Y14, Y12, Y4
	VFMADD213PS Y15, Y13, Y5
	VFMADD213PS Y14, Y12, Y6
	VFMADD213PS Y15, Y13, Y7
	VFMADD213PS Y14, Y12, Y8
	VFMADD213PS Y15, Y13, Y9
	VFMADD213PS Y14, Y12, Y10
	VFMADD213PS Y15, Y13, Y11

	MOVQ kernelEpi_flags(R11), BX

	TESTQ $const_flagResidual, BX
	JE    act
	MOVQ  kernelEpi_res(R11), AX
	MOVQ  kernelEpi_ldr(R11), CX
	SHLQ  $2, CX
	VADDPS (AX), Y0, Y0
	VADDPS 32(AX), Y1, Y1
	ADDQ  CX, AX
	VADDPS (AX), Y2, Y2
	VADDPS 32(AX), Y3, Y3
	ADDQ  CX, AX
	VADDPS (AX), Y4, Y4
	VADDPS 32(AX), Y5, Y5
	ADDQ  CX, AX
	VADDPS (AX), Y6, Y6
	VADDPS 32(AX), Y7, Y7
	ADDQ  CX, AX
	VADDPS (AX), Y8, Y8
	VADDPS 32(AX), Y9, Y9
	ADDQ  CX, AX
	VADDPS (AX), Y10, Y10
	VADDPS 32(AX), Y11, Y11

act:
	TESTQ $(const_flagReLU|const_flagReLU6), BX
	JE    leaky
	VXORPS Y12, Y12, Y12
	VMAXPS Y12, Y0, Y0
	VMAXPS Y12, Y1, Y1
	VMAXPS Y12, Y2, Y2
	VMAXPS Y12, Y3, Y3
	VMAXPS Y12, Y4, Y4
	VMAXPS Y12, Y5, Y5
	VMAXPS Y12, Y6, Y6
	VMAXPS Y12, Y7, Y7
	VMAXPS Y12, Y8, Y8
	VMAXPS Y12, Y9, Y9
	VMAXPS Y12, Y10, Y10
	VMAXPS Y12, Y11, Y11
	TESTQ $const_flagReLU6, BX
	JE    store
	MOVL         $0x40c00000, AX // 6.0
	MOVL         AX, X13
	VBROADCASTSS X13, Y13
	VMINPS Y13, Y0, Y0
	VMINPS Y13, Y1, Y1
	VMINPS Y13, Y2, Y2
	VMINPS Y13, Y3, Y3
	VMINPS Y13, Y4, Y4
	VMINPS Y13, Y5, Y5
	VMINPS Y13, Y6, Y6
	VMINPS Y13, Y7, Y7
	VMINPS Y13, Y8, Y8
	VMINPS Y13, Y9, Y9
	VMINPS Y13, Y10, Y10
	VMINPS Y13, Y11, Y11
	JMP store

leaky:
	TESTQ $const_flagLeaky, BX
	JE    store
	VBROADCASTSS kernelEpi_alpha(R11), Y12
	VMULPS Y12, Y0, Y13
	VMAXPS Y13, Y0, Y0
	VMULPS Y12, Y1, Y13
	VMAXPS Y13, Y1, Y1
	VMULPS Y12, Y2, Y13
	VMAXPS Y13, Y2, Y2
	VMULPS Y12, Y3, Y13
	VMAXPS Y13, Y3, Y3
	VMULPS Y12, Y4, Y13
	VMAXPS Y13, Y4, Y4
	VMULPS Y12, Y5, Y13
	VMAXPS Y13, Y5, Y5
	VMULPS Y12, Y6, Y13
	VMAXPS Y13, Y6, Y6
	VMULPS Y12, Y7, Y13
	VMAXPS Y13, Y7, Y7
	VMULPS Y12, Y8, Y13
	VMAXPS Y13, Y8, Y8
	VMULPS Y12, Y9, Y13
	VMAXPS Y13, Y9, Y9
	VMULPS Y12, Y10, Y13
	VMAXPS Y13, Y10, Y10
	VMULPS Y12, Y11, Y13
	VMAXPS Y13, Y11, Y11

store:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ    R10, DI
	VMOVUPS Y2, (DI)
	VMOVUPS Y3, 32(DI)
	ADDQ    R10, DI
	VMOVUPS Y4, (DI)
	VMOVUPS Y5, 32(DI)
	ADDQ    R10, DI
	VMOVUPS Y6, (DI)
	VMOVUPS Y7, 32(DI)
	ADDQ    R10, DI
	VMOVUPS Y8, (DI)
	VMOVUPS Y9, 32(DI)
	ADDQ    R10, DI
	VMOVUPS Y10, (DI)
	VMOVUPS Y11, 32(DI)
	VZEROUPPER
	RET

// func depthwiseRowAVX2(a *dwArgs)
//
// For each of n output pixels and each channel block (32, then 8 lanes):
// acc = Σ_ky Σ_kx src[ky*sy + kx*C + ch] * w[(ky*kw+kx)*C + ch], then
// acc*scale+shift and the activation, stored once. Filter taps are wStep
// bytes apart (cBytes normally; see depthwiseFlatAsm). Y13 = 6, Y14 = alpha,
// Y15 = 0 throughout.
TEXT ·depthwiseRowAVX2(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), R9
	MOVQ dwArgs_dst(R9), DI
	MOVQ dwArgs_src(R9), SI
	MOVQ dwArgs_n(R9), CX
	MOVQ dwArgs_cBytes(R9), R8
	VXORPS       Y15, Y15, Y15
	VBROADCASTSS dwArgs_alpha(R9), Y14
	MOVL         $0x40c00000, AX // 6.0
	MOVL         AX, X13
	VBROADCASTSS X13, Y13

dwpixel:
	XORQ AX, AX

dwblk32:
	MOVQ dwArgs_cvBytes(R9), DX
	SUBQ AX, DX
	CMPQ DX, $128
	JLT  dwblk8
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	LEAQ   (SI)(AX*1), BX
	MOVQ   dwArgs_w(R9), R10
	ADDQ   AX, R10
	MOVQ   dwArgs_kh(R9), R12

dwky32:
	MOVQ BX, R11
	MOVQ dwArgs_kw(R9), R13

dwkx32:
	VMOVUPS     (R11), Y4
	VMOVUPS     32(R11), Y5
	VMOVUPS     64(R11), Y6
	VMOVUPS     96(R11), Y7
	VFMADD231PS (R10), Y4, Y0
	VFMADD231PS 32(R10), Y5, Y1
	VFMADD231PS 64(R10), Y6, Y2
	VFMADD231PS 96(R10), Y7, Y3
	ADDQ        R8, R11
	ADDQ        dwArgs_wStep(R9), R10
	DECQ        R13
	JNE         dwkx32
	ADDQ        dwArgs_sy(R9), BX
	DECQ        R12
	JNE         dwky32

	MOVQ        dwArgs_scale(R9), DX
	VMOVUPS     (DX)(AX*1), Y4
	VMOVUPS     32(DX)(AX*1), Y5
	VMOVUPS     64(DX)(AX*1), Y6
	VMOVUPS     96(DX)(AX*1), Y7
	MOVQ        dwArgs_shift(R9), DX
	VFMADD213PS (DX)(AX*1), Y4, Y0
	VFMADD213PS 32(DX)(AX*1), Y5, Y1
	VFMADD213PS 64(DX)(AX*1), Y6, Y2
	VFMADD213PS 96(DX)(AX*1), Y7, Y3

	MOVQ  dwArgs_flags(R9), DX
	TESTQ $(const_flagReLU|const_flagReLU6), DX
	JE    dwleaky32
	VMAXPS Y15, Y0, Y0
	VMAXPS Y15, Y1, Y1
	VMAXPS Y15, Y2, Y2
	VMAXPS Y15, Y3, Y3
	TESTQ $const_flagReLU6, DX
	JE    dwstore32
	VMINPS Y13, Y0, Y0
	VMINPS Y13, Y1, Y1
	VMINPS Y13, Y2, Y2
	VMINPS Y13, Y3, Y3
	JMP   dwstore32

dwleaky32:
	TESTQ  $const_flagLeaky, DX
	JE     dwstore32
	VMULPS Y14, Y0, Y4
	VMAXPS Y4, Y0, Y0
	VMULPS Y14, Y1, Y5
	VMAXPS Y5, Y1, Y1
	VMULPS Y14, Y2, Y6
	VMAXPS Y6, Y2, Y2
	VMULPS Y14, Y3, Y7
	VMAXPS Y7, Y3, Y3

dwstore32:
	VMOVUPS Y0, (DI)(AX*1)
	VMOVUPS Y1, 32(DI)(AX*1)
	VMOVUPS Y2, 64(DI)(AX*1)
	VMOVUPS Y3, 96(DI)(AX*1)
	ADDQ    $128, AX
	JMP     dwblk32

dwblk8:
	MOVQ dwArgs_cvBytes(R9), DX
	SUBQ AX, DX
	CMPQ DX, $32
	JLT  dwnext
	VXORPS Y0, Y0, Y0
	LEAQ   (SI)(AX*1), BX
	MOVQ   dwArgs_w(R9), R10
	ADDQ   AX, R10
	MOVQ   dwArgs_kh(R9), R12

dwky8:
	MOVQ BX, R11
	MOVQ dwArgs_kw(R9), R13

dwkx8:
	VMOVUPS     (R11), Y4
	VFMADD231PS (R10), Y4, Y0
	ADDQ        R8, R11
	ADDQ        dwArgs_wStep(R9), R10
	DECQ        R13
	JNE         dwkx8
	ADDQ        dwArgs_sy(R9), BX
	DECQ        R12
	JNE         dwky8

	MOVQ        dwArgs_scale(R9), DX
	VMOVUPS     (DX)(AX*1), Y4
	MOVQ        dwArgs_shift(R9), DX
	VFMADD213PS (DX)(AX*1), Y4, Y0

	MOVQ  dwArgs_flags(R9), DX
	TESTQ $(const_flagReLU|const_flagReLU6), DX
	JE    dwleaky8
	VMAXPS Y15, Y0, Y0
	TESTQ $const_flagReLU6, DX
	JE    dwstore8
	VMINPS Y13, Y0, Y0
	JMP   dwstore8

dwleaky8:
	TESTQ  $const_flagLeaky, DX
	JE     dwstore8
	VMULPS Y14, Y0, Y4
	VMAXPS Y4, Y0, Y0

dwstore8:
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ    $32, AX
	JMP     dwblk8

dwnext:
	ADDQ dwArgs_sx(R9), SI
	ADDQ R8, DI
	DECQ CX
	JNE  dwpixel
	VZEROUPPER
	RET

// func sgemmKernel6x32AVX512(k int, a *float32, lda int, b *float32, c *float32, ldc int, ep *kernelEpi)
//
// The 32-column version of sgemmKernel6x16AVX2 for AVX-512F: columns 0..15
// come from the packed panel at b, columns 16..31 from the next panel,
// k*16 floats later. Accumulators Z0..Z11 (row r in Z(2r), Z(2r+1)); B in
// Z12/Z13; broadcast A values in Z14/Z15.
TEXT ·sgemmKernel6x32AVX512(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ lda+16(FP), R8
	MOVQ b+24(FP), DX
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), R10
	MOVQ ep+48(FP), R11

	MOVQ kernelEpi_nseg(R11), R13
	CMPQ R13, $1
	JGE  nsegok
	MOVQ $1, R13

nsegok:
	IMULQ CX, R13
	SHLQ $6, R13
	ADDQ DX, R13 // second panel: K = nseg*k rows of 16 floats later
	SHLQ $2, R8
	LEAQ (R8)(R8*2), R9
	SHLQ $2, R10

	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11

	MOVQ SI, AX
	MOVQ kernelEpi_nseg(R11), BX

seg512:
	MOVQ  AX, SI
	LEAQ  (SI)(R8*4), R12
	MOVQ  k+0(FP), CX
	TESTQ CX, CX
	JE    segnext512
	CMPQ  CX, $2
	JLT   tail512

loop512:
	VMOVUPS      0(DX), Z12
	VMOVUPS      0(R13), Z13
	VBROADCASTSS (SI), Z14
	VFMADD231PS  Z12, Z14, Z0
	VFMADD231PS  Z13, Z14, Z1
	VBROADCASTSS (SI)(R8*1), Z15
	VFMADD231PS  Z12, Z15, Z2
	VFMADD231PS  Z13, Z15, Z3
	VBROADCASTSS (SI)(R8*2), Z14
	VFMADD231PS  Z12, Z14, Z4
	VFMADD231PS  Z13, Z14, Z5
	VBROADCASTSS (SI)(R9*1), Z15
	VFMADD231PS  Z12, Z15, Z6
	VFMADD231PS  Z13, Z15, Z7
	VBROADCASTSS (R12), Z14
	VFMADD231PS  Z12, Z14, Z8
	VFMADD231PS  Z13, Z14, Z9
	VBROADCASTSS (R12)(R8*1), Z15
	VFMADD231PS  Z12, Z15, Z10
	VFMADD231PS  Z13, Z15, Z11
	VMOVUPS      64(DX), Z12
	VMOVUPS      64(R13), Z13
	VBROADCASTSS 4(SI), Z14
	VFMADD231PS  Z12, Z14, Z0
	VFMADD231PS  Z13, Z14, Z1
	VBROADCASTSS 4(SI)(R8*1), Z15
	VFMADD231PS  Z12, Z15, Z2
	VFMADD231PS  Z13, Z15, Z3
	VBROADCASTSS 4(SI)(R8*2), Z14
	VFMADD231PS  Z12, Z14, Z4
	VFMADD231PS  Z13, Z14, Z5
	VBROADCASTSS 4(SI)(R9*1), Z15
	VFMADD231PS  Z12, Z15, Z6
	VFMADD231PS  Z13, Z15, Z7
	VBROADCASTSS 4(R12), Z14
	VFMADD231PS  Z12, Z14, Z8
	VFMADD231PS  Z13, Z14, Z9
	VBROADCASTSS 4(R12)(R8*1), Z15
	VFMADD231PS  Z12, Z15, Z10
	VFMADD231PS  Z13, Z15, Z11
	ADDQ $8, SI
	ADDQ $8, R12
	ADDQ $128, DX
	ADDQ $128, R13
	SUBQ $2, CX
	CMPQ CX, $2
	JGE  loop512

tail512:
	TESTQ CX, CX
	JE    segnext512
	VMOVUPS      0(DX), Z12
	VMOVUPS      0(R13), Z13
	VBROADCASTSS (SI), Z14
	VFMADD231PS  Z12, Z14, Z0
	VFMADD231PS  Z13, Z14, Z1
	VBROADCASTSS (SI)(R8*1), Z15
	VFMADD231PS  Z12, Z15, Z2
	VFMADD231PS  Z13, Z15, Z3
	VBROADCASTSS (SI)(R8*2), Z14
	VFMADD231PS  Z12, Z14, Z4
	VFMADD231PS  Z13, Z14, Z5
	VBROADCASTSS (SI)(R9*1), Z15
	VFMADD231PS  Z12, Z15, Z6
	VFMADD231PS  Z13, Z15, Z7
	VBROADCASTSS (R12), Z14
	VFMADD231PS  Z12, Z14, Z8
	VFMADD231PS  Z13, Z14, Z9
	VBROADCASTSS (R12)(R8*1), Z15
	VFMADD231PS  Z12, Z15, Z10
	VFMADD231PS  Z13, Z15, Z11

	ADDQ $64, DX // the odd step consumed one B row of each panel
	ADDQ $64, R13

segnext512:
	ADDQ kernelEpi_segStride(R11), AX
	DECQ BX
	JG   seg512

epi512:
	MOVQ    kernelEpi_scale(R11), AX
	VMOVUPS (AX), Z12
	VMOVUPS 64(AX), Z13
	MOVQ    kernelEpi_shift(R11), AX
	VMOVUPS (AX), Z14
	VMOVUPS 64(AX), Z15
	VFMADD213PS Z14, Z12, Z0
	VFMADD213PS Z15, Z13, Z1
	VFMADD213PS Z14, Z12, Z2
	VFMADD213PS Z15, Z13, Z3
	VFMADD213PS Z14, Z12, Z4
	VFMADD213PS Z15, Z13, Z5
	VFMADD213PS Z14, Z12, Z6
	VFMADD213PS Z15, Z13, Z7
	VFMADD213PS Z14, Z12, Z8
	VFMADD213PS Z15, Z13, Z9
	VFMADD213PS Z14, Z12, Z10
	VFMADD213PS Z15, Z13, Z11

	MOVQ kernelEpi_flags(R11), BX
	TESTQ $const_flagResidual, BX
	JE    act512
	MOVQ  kernelEpi_res(R11), AX
	MOVQ  kernelEpi_ldr(R11), CX
	SHLQ  $2, CX
	VADDPS (AX), Z0, Z0
	VADDPS 64(AX), Z1, Z1
	ADDQ   CX, AX
	VADDPS (AX), Z2, Z2
	VADDPS 64(AX), Z3, Z3
	ADDQ   CX, AX
	VADDPS (AX), Z4, Z4
	VADDPS 64(AX), Z5, Z5
	ADDQ   CX, AX
	VADDPS (AX), Z6, Z6
	VADDPS 64(AX), Z7, Z7
	ADDQ   CX, AX
	VADDPS (AX), Z8, Z8
	VADDPS 64(AX), Z9, Z9
	ADDQ   CX, AX
	VADDPS (AX), Z10, Z10
	VADDPS 64(AX), Z11, Z11

act512:
	TESTQ $(const_flagReLU|const_flagReLU6), BX
	JE    leaky512
	VPXORD Z12, Z12, Z12
	VMAXPS Z12, Z0, Z0
	VMAXPS Z12, Z1, Z1
	VMAXPS Z12, Z2, Z2
	VMAXPS Z12, Z3, Z3
	VMAXPS Z12, Z4, Z4
	VMAXPS Z12, Z5, Z5
	VMAXPS Z12, Z6, Z6
	VMAXPS Z12, Z7, Z7
	VMAXPS Z12, Z8, Z8
	VMAXPS Z12, Z9, Z9
	VMAXPS Z12, Z10, Z10
	VMAXPS Z12, Z11, Z11
	TESTQ $const_flagReLU6, BX
	JE    store512
	MOVL         $0x40c00000, AX // 6.0
	MOVL         AX, X13
	VBROADCASTSS X13, Z13
	VMINPS Z13, Z0, Z0
	VMINPS Z13, Z1, Z1
	VMINPS Z13, Z2, Z2
	VMINPS Z13, Z3, Z3
	VMINPS Z13, Z4, Z4
	VMINPS Z13, Z5, Z5
	VMINPS Z13, Z6, Z6
	VMINPS Z13, Z7, Z7
	VMINPS Z13, Z8, Z8
	VMINPS Z13, Z9, Z9
	VMINPS Z13, Z10, Z10
	VMINPS Z13, Z11, Z11
	JMP store512

leaky512:
	TESTQ $const_flagLeaky, BX
	JE    store512
	VBROADCASTSS kernelEpi_alpha(R11), Z12
	VMULPS Z12, Z0, Z13
	VMAXPS Z13, Z0, Z0
	VMULPS Z12, Z1, Z13
	VMAXPS Z13, Z1, Z1
	VMULPS Z12, Z2, Z13
	VMAXPS Z13, Z2, Z2
	VMULPS Z12, Z3, Z13
	VMAXPS Z13, Z3, Z3
	VMULPS Z12, Z4, Z13
	VMAXPS Z13, Z4, Z4
	VMULPS Z12, Z5, Z13
	VMAXPS Z13, Z5, Z5
	VMULPS Z12, Z6, Z13
	VMAXPS Z13, Z6, Z6
	VMULPS Z12, Z7, Z13
	VMAXPS Z13, Z7, Z7
	VMULPS Z12, Z8, Z13
	VMAXPS Z13, Z8, Z8
	VMULPS Z12, Z9, Z13
	VMAXPS Z13, Z9, Z9
	VMULPS Z12, Z10, Z13
	VMAXPS Z13, Z10, Z10
	VMULPS Z12, Z11, Z13
	VMAXPS Z13, Z11, Z11

store512:
	VMOVUPS Z0, (DI)
	VMOVUPS Z1, 64(DI)
	ADDQ    R10, DI
	VMOVUPS Z2, (DI)
	VMOVUPS Z3, 64(DI)
	ADDQ    R10, DI
	VMOVUPS Z4, (DI)
	VMOVUPS Z5, 64(DI)
	ADDQ    R10, DI
	VMOVUPS Z6, (DI)
	VMOVUPS Z7, 64(DI)
	ADDQ    R10, DI
	VMOVUPS Z8, (DI)
	VMOVUPS Z9, 64(DI)
	ADDQ    R10, DI
	VMOVUPS Z10, (DI)
	VMOVUPS Z11, 64(DI)
	VZEROUPPER
	RET

// func vecMaxAVX2(dst, src *float32, n int)
TEXT ·vecMaxAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

vmax32:
	CMPQ    CX, $32
	JLT     vmax8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMAXPS  (DI), Y0, Y0
	VMAXPS  32(DI), Y1, Y1
	VMAXPS  64(DI), Y2, Y2
	VMAXPS  96(DI), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     vmax32

vmax8:
	CMPQ    CX, $8
	JLT     vmaxdone
	VMOVUPS (SI), Y0
	VMAXPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     vmax8

vmaxdone:
	VZEROUPPER
	RET

// func vecAddAVX2(dst, src *float32, n int)
TEXT ·vecAddAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX

vadd32:
	CMPQ    CX, $32
	JLT     vadd8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VADDPS  (DI), Y0, Y0
	VADDPS  32(DI), Y1, Y1
	VADDPS  64(DI), Y2, Y2
	VADDPS  96(DI), Y3, Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     vadd32

vadd8:
	CMPQ    CX, $8
	JLT     vadddone
	VMOVUPS (SI), Y0
	VADDPS  (DI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     vadd8

vadddone:
	VZEROUPPER
	RET

// func poolRowAVX2(a *dwArgs)
//
// Max (flags=1) or average (flags=0, times alpha = 1/(kh*kw)) pooling of n
// output pixels over full windows, channel blocks of 32 then 8 lanes; the
// dwArgs fields mean what they do for depthwiseRowAVX2 (w/scale/shift
// unused). Y13 = -Inf, Y14 = alpha.
TEXT ·poolRowAVX2(SB), NOSPLIT, $0-8
	MOVQ a+0(FP), R9
	MOVQ dwArgs_dst(R9), DI
	MOVQ dwArgs_src(R9), SI
	MOVQ dwArgs_n(R9), CX
	MOVQ dwArgs_cBytes(R9), R8
	VBROADCASTSS dwArgs_alpha(R9), Y14
	MOVL         $0xff800000, AX // -Inf
	MOVL         AX, X13
	VBROADCASTSS X13, Y13

plpixel:
	XORQ AX, AX

plblk32:
	MOVQ dwArgs_cvBytes(R9), DX
	SUBQ AX, DX
	CMPQ DX, $128
	JLT  plblk8
	MOVQ dwArgs_flags(R9), DX
	TESTQ DX, DX
	JE   plzero32
	VMOVUPS Y13, Y0
	VMOVUPS Y13, Y1
	VMOVUPS Y13, Y2
	VMOVUPS Y13, Y3
	JMP  plinit32

plzero32:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

plinit32:
	LEAQ (SI)(AX*1), BX
	MOVQ dwArgs_kh(R9), R12

plky32:
	MOVQ BX, R11
	MOVQ dwArgs_kw(R9), R13

plkx32:
	TESTQ DX, DX
	JE    pladd32
	VMAXPS (R11), Y0, Y0
	VMAXPS 32(R11), Y1, Y1
	VMAXPS 64(R11), Y2, Y2
	VMAXPS 96(R11), Y3, Y3
	JMP   plnext32

pladd32:
	VADDPS (R11), Y0, Y0
	VADDPS 32(R11), Y1, Y1
	VADDPS 64(R11), Y2, Y2
	VADDPS 96(R11), Y3, Y3

plnext32:
	ADDQ R8, R11
	DECQ R13
	JNE  plkx32
	ADDQ dwArgs_sy(R9), BX
	DECQ R12
	JNE  plky32
	TESTQ DX, DX
	JNE  plstore32
	VMULPS Y14, Y0, Y0
	VMULPS Y14, Y1, Y1
	VMULPS Y14, Y2, Y2
	VMULPS Y14, Y3, Y3

plstore32:
	VMOVUPS Y0, (DI)(AX*1)
	VMOVUPS Y1, 32(DI)(AX*1)
	VMOVUPS Y2, 64(DI)(AX*1)
	VMOVUPS Y3, 96(DI)(AX*1)
	ADDQ    $128, AX
	JMP     plblk32

plblk8:
	MOVQ dwArgs_cvBytes(R9), DX
	SUBQ AX, DX
	CMPQ DX, $32
	JLT  plnextpixel
	MOVQ dwArgs_flags(R9), DX
	VXORPS Y0, Y0, Y0
	TESTQ DX, DX
	JE   plinit8
	VMOVUPS Y13, Y0

plinit8:
	LEAQ (SI)(AX*1), BX
	MOVQ dwArgs_kh(R9), R12

plky8:
	MOVQ BX, R11
	MOVQ dwArgs_kw(R9), R13

plkx8:
	TESTQ DX, DX
	JE    pladd8
	VMAXPS (R11), Y0, Y0
	JMP   plnext8

pladd8:
	VADDPS (R11), Y0, Y0

plnext8:
	ADDQ R8, R11
	DECQ R13
	JNE  plkx8
	ADDQ dwArgs_sy(R9), BX
	DECQ R12
	JNE  plky8
	TESTQ DX, DX
	JNE  plstore8
	VMULPS Y14, Y0, Y0

plstore8:
	VMOVUPS Y0, (DI)(AX*1)
	ADDQ    $32, AX
	JMP     plblk8

plnextpixel:
	ADDQ dwArgs_sx(R9), SI
	ADDQ R8, DI
	DECQ CX
	JNE  plpixel
	VZEROUPPER
	RET

// func activateAVX2(p *float32, n, flags int, alpha float32)
//
// In place: ReLU, ReLU6 or Leaky (kernel flags) over n floats, n a
// multiple of 8. Y13 = 6, Y14 = alpha, Y15 = 0.
TEXT ·activateAVX2(SB), NOSPLIT, $0-28
	MOVQ         p+0(FP), DI
	MOVQ         n+8(FP), CX
	MOVQ         flags+16(FP), DX
	VBROADCASTSS alpha+24(FP), Y14
	VXORPS       Y15, Y15, Y15
	MOVL         $0x40c00000, AX // 6.0
	MOVL         AX, X13
	VBROADCASTSS X13, Y13

actloop:
	CMPQ    CX, $8
	JLT     actdone
	VMOVUPS (DI), Y0
	TESTQ   $const_flagLeaky, DX
	JE      actrelu
	VMULPS  Y14, Y0, Y1
	VMAXPS  Y1, Y0, Y0
	JMP     actstore

actrelu:
	VMAXPS Y15, Y0, Y0
	TESTQ  $const_flagReLU6, DX
	JE     actstore
	VMINPS Y13, Y0, Y0

actstore:
	VMOVUPS Y0, (DI)
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     actloop

actdone:
	VZEROUPPER
	RET
