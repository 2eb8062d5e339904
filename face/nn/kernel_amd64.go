//go:build amd64 && !purego

package nn

import "golang.org/x/sys/cpu"

// haveAsm is decided once: the AVX2 kernel also needs FMA3, and the OS must
// save the upper YMM state (x/sys/cpu folds that into HasAVX2).
var haveAsm = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// sgemmKernel6x16AVX2 is in kernel_amd64.s.
//
//go:noescape
func sgemmKernel6x16AVX2(k int, a *float32, lda int, b *float32, c *float32, ldc int, ep *kernelEpi)

func kernelAsm(k int, a *float32, lda int, b *float32, c *float32, ldc int, ep *kernelEpi) {
	sgemmKernel6x16AVX2(k, a, lda, b, c, ldc, ep)
}

// mulAddStridedAVX2 is in kernel_amd64.s.
//
//go:noescape
func mulAddStridedAVX2(dst, src, w *float32, n, c, srcStride int)

func mulAddStridedAsm(dst, src, w []float32, n, c, srcStride int) {
	if n <= 0 || c <= 0 {
		return
	}
	// Bounds are checked here once so the assembly can run unchecked.
	_ = dst[(n-1)*c+c-1]
	_ = src[(n-1)*srcStride+c-1]
	_ = w[c-1]
	mulAddStridedAVX2(&dst[0], &src[0], &w[0], n, c, srcStride)
}
