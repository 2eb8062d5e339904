//go:build !purego

#include "textflag.h"

// Two 8-float chunks of the query against four rows (stride 512 bytes):
// eight independent accumulators hide the FMA latency.
#define CHUNK2(off) \
	VMOVUPS off(SI), Y8 \
	VMOVUPS off+32(SI), Y9 \
	VFMADD231PS off(DX), Y8, Y0 \
	VFMADD231PS off+512(DX), Y8, Y1 \
	VFMADD231PS off+1024(DX), Y8, Y2 \
	VFMADD231PS off+1536(DX), Y8, Y3 \
	VFMADD231PS off+32(DX), Y9, Y4 \
	VFMADD231PS off+544(DX), Y9, Y5 \
	VFMADD231PS off+1056(DX), Y9, Y6 \
	VFMADD231PS off+1568(DX), Y9, Y7

// func dotsAVX2(q *float32, rows *float32, groups int, out *float32)
// out[i] = q · rows[i] for 4*groups rows of 128 float32.
TEXT ·dotsAVX2(SB), NOSPLIT, $0-32
	MOVQ q+0(FP), SI
	MOVQ rows+8(FP), DX
	MOVQ groups+16(FP), CX
	MOVQ out+24(FP), DI
	TESTQ CX, CX
	JLE done

loop:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	CHUNK2(0)
	CHUNK2(64)
	CHUNK2(128)
	CHUNK2(192)
	CHUNK2(256)
	CHUNK2(320)
	CHUNK2(384)
	CHUNK2(448)
	VADDPS Y4, Y0, Y0
	VADDPS Y5, Y1, Y1
	VADDPS Y6, Y2, Y2
	VADDPS Y7, Y3, Y3
	// Horizontal sums of the four rows into one vector of four floats.
	VHADDPS Y1, Y0, Y0
	VHADDPS Y3, Y2, Y2
	VHADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVUPS X0, (DI)
	ADDQ $2048, DX
	ADDQ $16, DI
	DECQ CX
	JNZ loop
	VZEROUPPER

done:
	RET
