//go:build !amd64 || purego

package nn

const haveAsm = false

func kernelAsm(k int, a *float32, lda int, b *float32, c *float32, ldc int, ep *kernelEpi) {
	kernelPortable(k, a, lda, b, c, ldc, ep)
}

func depthwiseRowAsm(out, src []float32, d *DepthwiseConv2D, ow, rowStride int) int { return 0 }

func depthwiseFlatAsm(out, src []float32, d *DepthwiseConv2D, flat *flatWeights, rowStride int) int {
	return 0
}
