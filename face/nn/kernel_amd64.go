//go:build amd64 && !purego

package nn

import "golang.org/x/sys/cpu"

// cpuLevel is decided once: the AVX2 kernels also need FMA3, and the OS
// must save the YMM/ZMM state (x/sys/cpu folds that into HasAVX2 and
// HasAVX512F).
var cpuLevel = func() KernelLevel {
	switch {
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasAVX512F:
		return KernelAVX512
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return KernelAVX2
	}
	return KernelPortable
}()

// sgemmKernel6x32AVX512 is in kernel_amd64.s.
//
//go:noescape
func sgemmKernel6x32AVX512(k int, a *float32, lda int, b *float32, c *float32, ldc int, ep *kernelEpi)

// kernelWide computes a 6×32 tile from two adjacent packed panels (b is the
// first; the second follows k*16 floats later) with scale/shift/residual
// spanning 32 columns.
func kernelWide(k int, a *float32, lda int, b *float32, c *float32, ldc int, ep *kernelEpi) {
	sgemmKernel6x32AVX512(k, a, lda, b, c, ldc, ep)
}

// sgemmKernel6x16AVX2 is in kernel_amd64.s.
//
//go:noescape
func sgemmKernel6x16AVX2(k int, a *float32, lda int, b *float32, c *float32, ldc int, ep *kernelEpi)

func kernelAsm(k int, a *float32, lda int, b *float32, c *float32, ldc int, ep *kernelEpi) {
	sgemmKernel6x16AVX2(k, a, lda, b, c, ldc, ep)
}

// sgemmKernel6x16AVX512 is in kernel_amd64.s.
//
//go:noescape
func sgemmKernel6x16AVX512(k int, a *float32, lda int, b *float32, c *float32, ldc int, ep *kernelEpi)

// kernelNarrow512 is the 16-column tile on AVX-512 (one ZMM per row).
func kernelNarrow512(k int, a *float32, lda int, b *float32, c *float32, ldc int, ep *kernelEpi) {
	sgemmKernel6x16AVX512(k, a, lda, b, c, ldc, ep)
}

// dwArgs are the arguments of depthwiseRowAVX2, read through go_asm.h.
type dwArgs struct {
	dst, src, w, scale, shift *float32
	n                         int // output pixels
	cvBytes                   int // bytes of channels handled (a multiple of 32: 8 floats)
	cBytes                    int // bytes per pixel (C*4) in input and output
	wStep                     int // bytes between filter taps
	kh, kw                    int
	sx                        int // input bytes between consecutive output pixels
	sy                        int // input bytes between rows
	flags                     int
	alpha                     float32
}

// depthwiseRowAVX2 is in kernel_amd64.s.
//
//go:noescape
func depthwiseRowAVX2(a *dwArgs)

// depthwiseRowAsm computes the first C&^7 channels of one output row of d
// from the padded input rows starting at src (rowStride floats apart) and
// returns how many channels it did.
func depthwiseRowAsm(out, src []float32, d *DepthwiseConv2D, ow, rowStride int) int {
	C := d.C
	cv := C &^ 7
	if cv == 0 || ow <= 0 {
		return 0
	}
	// Bounds are checked here once so the assembly can run unchecked.
	_ = out[ow*C-1]
	_ = src[(d.KH-1)*rowStride+(ow-1)*d.Stride*C+d.KW*C-1]
	_ = d.w[d.KH*d.KW*C-1]
	a := dwArgs{
		dst: &out[0], src: &src[0], w: &d.w[0], scale: &d.scale[0], shift: &d.shift[0],
		n: ow, cvBytes: cv * 4, cBytes: C * 4, wStep: C * 4, kh: d.KH, kw: d.KW,
		sx: d.Stride * C * 4, sy: rowStride * 4, flags: actFlags(d.post.Act), alpha: d.post.Alpha,
	}
	depthwiseRowAVX2(&a)
	return cv
}

// depthwiseFlatAsm handles stride-1 rows with fewer than 8 channels by
// treating the row as one pixel of ow*C "channels": tap t's weights, scale
// and shift are tiled with period C over the row (in flat, built by
// flatWeights), so input element f meets weight f mod C. It returns how
// many of the row's ow*C values it computed (a multiple of 8).
func depthwiseFlatAsm(out, src []float32, d *DepthwiseConv2D, flat *flatWeights, rowStride int) int {
	L := flat.n
	lv := L &^ 7
	if lv == 0 {
		return 0
	}
	_ = out[L-1]
	_ = src[(d.KH-1)*rowStride+(d.KW-1)*d.C+lv-1]
	_ = flat.w[d.KH*d.KW*L-1]
	a := dwArgs{
		dst: &out[0], src: &src[0], w: &flat.w[0], scale: &flat.scale[0], shift: &flat.shift[0],
		n: 1, cvBytes: lv * 4, cBytes: d.C * 4, wStep: L * 4, kh: d.KH, kw: d.KW,
		sx: 0, sy: rowStride * 4, flags: actFlags(d.post.Act), alpha: d.post.Alpha,
	}
	depthwiseRowAVX2(&a)
	return lv
}

// vecMaxAVX2 and vecAddAVX2 are in kernel_amd64.s; n is a multiple of 8.
//
//go:noescape
func vecMaxAVX2(dst, src *float32, n int)

//go:noescape
func vecAddAVX2(dst, src *float32, n int)

// vecMax does dst = max(dst, src) for len(dst) a multiple of 8.
func vecMax(dst, src []float32) {
	if len(dst) == 0 {
		return
	}
	_ = src[len(dst)-1]
	vecMaxAVX2(&dst[0], &src[0], len(dst)&^7)
}

// vecAdd does dst += src for len(dst) a multiple of 8.
func vecAdd(dst, src []float32) {
	if len(dst) == 0 {
		return
	}
	_ = src[len(dst)-1]
	vecAddAVX2(&dst[0], &src[0], len(dst)&^7)
}

// poolRowAVX2 is in kernel_amd64.s.
//
//go:noescape
func poolRowAVX2(a *dwArgs)

// poolRowAsm pools the first cv (a multiple of 8) channels of n output
// pixels whose k×k windows lie inside the input; src is the top-left input
// pixel of the first window, rows w pixels long.
func poolRowAsm(out, src []float32, n, cv, C, k, stride, w int, isMax bool) {
	_ = out[(n-1)*C+cv-1]
	_ = src[(k-1)*w*C+((n-1)*stride+k-1)*C+cv-1]
	a := dwArgs{dst: &out[0], src: &src[0], n: n, cvBytes: cv * 4, cBytes: C * 4,
		kh: k, kw: k, sx: stride * C * 4, sy: w * C * 4, alpha: 1 / float32(k*k)}
	if isMax {
		a.flags = 1
	}
	poolRowAVX2(&a)
}

// activateAVX2 is in kernel_amd64.s.
//
//go:noescape
func activateAVX2(p *float32, n, flags int, alpha float32)

// activateAsm applies the activation given by kernel flags to d, whose
// length is a multiple of 8.
func activateAsm(d []float32, flags int, alpha float32) {
	if len(d) == 0 {
		return
	}
	activateAVX2(&d[0], len(d)&^7, flags, alpha)
}
