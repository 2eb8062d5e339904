//go:build !amd64 || purego

package nn

const cpuLevel = KernelPortable

// kernelWide is never selected without AVX-512; it is kept correct anyway
// by running the 16-column kernel on both panels.
func kernelWide(k int, a *float32, lda int, b *float32, c *float32, ldc int, ep *kernelEpi) {
	kernelWidePortable(k, a, lda, b, c, ldc, ep)
}

func kernelNarrow512(k int, a *float32, lda int, b *float32, c *float32, ldc int, ep *kernelEpi) {
	kernelPortable(k, a, lda, b, c, ldc, ep)
}

func kernelAsm(k int, a *float32, lda int, b *float32, c *float32, ldc int, ep *kernelEpi) {
	kernelPortable(k, a, lda, b, c, ldc, ep)
}

func depthwiseRowAsm(out, src []float32, d *DepthwiseConv2D, ow, rowStride int) int { return 0 }

func depthwiseFlatAsm(out, src []float32, d *DepthwiseConv2D, flat *flatWeights, rowStride int) int {
	return 0
}

func vecMax(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		if v > dst[i] {
			dst[i] = v
		}
	}
}

func vecAdd(dst, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] += v
	}
}

func poolRowAsm(out, src []float32, n, cv, C, k, stride, w int, isMax bool) {
	for i := range n {
		o := out[i*C : i*C+cv]
		for ky := range k {
			for kx := range k {
				in := src[ky*w*C+(i*stride+kx)*C:]
				in = in[:cv]
				for c, v := range in {
					switch {
					case ky == 0 && kx == 0:
						o[c] = v
					case isMax:
						o[c] = max(o[c], v)
					default:
						o[c] += v
					}
				}
			}
		}
		if !isMax {
			inv := 1 / float32(k*k)
			for c := range o {
				o[c] *= inv
			}
		}
	}
}

func activateAsm(d []float32, flags int, alpha float32) {
	for i, v := range d {
		switch {
		case flags&flagReLU != 0:
			d[i] = max(v, 0)
		case flags&flagReLU6 != 0:
			d[i] = min(max(v, 0), 6)
		case flags&flagLeaky != 0:
			d[i] = max(v, alpha*v)
		}
	}
}
