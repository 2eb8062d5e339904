//go:build !amd64 || purego

package nn

const haveAsm = false

func kernelAsm(k int, a *float32, lda int, b *float32, c *float32, ldc int, ep *kernelEpi) {
	kernelPortable(k, a, lda, b, c, ldc, ep)
}

func mulAddStridedAsm(dst, src, w []float32, n, c, srcStride int) {
	for i := range n {
		o := dst[i*c : i*c+c]
		s := src[i*srcStride : i*srcStride+c]
		for j, wv := range w[:c] {
			o[j] += s[j] * wv
		}
	}
}
