package nn

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// The micro-kernel computes an mr×nr tile of C from mr rows of A (row-major,
// any stride) and one packed nr-column panel of B.
const (
	mr = 6
	nr = 16
)

// Kernel flags (kernelEpi.flags); the per-column scale/shift is always applied.
const (
	flagResidual = 1 << iota
	flagReLU
	flagReLU6
	flagLeaky
)

// kernelEpi is the fused epilogue handed to the micro-kernel. Its layout is
// read by the assembly through go_asm.h offsets.
type kernelEpi struct {
	scale *float32 // nr values
	shift *float32 // nr values
	res   *float32 // residual tile origin, or nil
	ldr   int      // residual row stride in elements
	flags int
	alpha float32
	// nseg > 1 splits the depth into nseg segments of k, segment s of A
	// starting s*segStride bytes after a (implicit-GEMM convolution).
	nseg      int
	segStride int
}

// KernelLevel names a family of inner kernels, from slowest to fastest.
type KernelLevel int32

const (
	// KernelPortable is plain Go, used on every platform.
	KernelPortable KernelLevel = iota
	// KernelAVX2 uses AVX2 + FMA3 assembly (amd64).
	KernelAVX2
	// KernelAVX512 adds a 6×32 AVX-512F GEMM tile (amd64); the other
	// kernels stay AVX2.
	KernelAVX512
)

func (l KernelLevel) String() string {
	switch l {
	case KernelPortable:
		return "portable"
	case KernelAVX2:
		return "avx2"
	case KernelAVX512:
		return "avx512"
	}
	return fmt.Sprintf("KernelLevel(%d)", int32(l))
}

// kernelCap is the highest level SetMaxKernel allows.
var kernelCap atomic.Int32

func init() { kernelCap.Store(int32(KernelAVX512)) }

// SetMaxKernel caps the kernels used (the CPU's best by default). Tests use
// it to run every path against the same goldens; it is safe at any time.
func SetMaxKernel(l KernelLevel) { kernelCap.Store(int32(l)) }

// SupportedKernel is the best kernel level this CPU and build support.
func SupportedKernel() KernelLevel { return cpuLevel }

// ActiveKernel is the level in use: SupportedKernel capped by SetMaxKernel.
func ActiveKernel() KernelLevel { return min(cpuLevel, KernelLevel(kernelCap.Load())) }

// ForcePortable(true) is SetMaxKernel(KernelPortable); ForcePortable(false)
// lifts the cap.
func ForcePortable(on bool) {
	if on {
		SetMaxKernel(KernelPortable)
		return
	}
	SetMaxKernel(KernelAVX512)
}

// UsingAssembly reports whether assembly kernels are in use.
func UsingAssembly() bool { return ActiveKernel() >= KernelAVX2 }

// maxThreads caps the goroutines one product is split over (0 = GOMAXPROCS).
var maxThreads atomic.Int32

// SetMaxThreads caps how many goroutines one layer is split over; n ≤ 0
// restores the default, GOMAXPROCS. A server running several inferences at
// once may set 1 to avoid oversubscription.
func SetMaxThreads(n int) { maxThreads.Store(int32(max(n, 0))) }

func threads() int {
	n := runtime.GOMAXPROCS(0)
	if m := int(maxThreads.Load()); m > 0 && m < n {
		n = m
	}
	return n
}

// PackedB is a K×N right-hand matrix (typically layer weights) stored in
// nr-column panels for the micro-kernel, together with the per-column
// epilogue. It is immutable once built and safe for concurrent use.
type PackedB struct {
	K, N   int
	panels int
	data   []float32 // panel p: data[p*K*nr : (p+1)*K*nr], element (k, j) at k*nr+j
	scale  []float32 // panels*nr, padded with 1
	shift  []float32 // panels*nr, padded with 0
	act    Activation
	alpha  float32
}

// PackB packs the row-major K×N matrix b with the epilogue post.
func PackB(b []float32, k, n int, post Post) (*PackedB, error) {
	if k <= 0 || n <= 0 || len(b) != k*n {
		return nil, fmt.Errorf("nn: pack %dx%d matrix from %d values: %w", k, n, len(b), ErrShape)
	}
	if err := post.check(n); err != nil {
		return nil, err
	}
	panels := (n + nr - 1) / nr
	p := &PackedB{K: k, N: n, panels: panels, data: make([]float32, panels*k*nr),
		scale: make([]float32, panels*nr), shift: make([]float32, panels*nr), act: post.Act, alpha: post.Alpha}
	for j := range n {
		pan, jj := j/nr, j%nr
		base := pan * k * nr
		for kk := range k {
			p.data[base+kk*nr+jj] = b[kk*n+j]
		}
	}
	for j := range p.scale {
		p.scale[j] = 1
		if j < n {
			if post.Scale != nil {
				p.scale[j] = post.Scale[j]
			}
			if post.Shift != nil {
				p.shift[j] = post.Shift[j]
			}
		}
	}
	return p, nil
}

func (p *PackedB) flags() int { return actFlags(p.act) }

// actFlags maps an activation to its kernel flag.
func actFlags(act Activation) int {
	switch act {
	case ReLU:
		return flagReLU
	case ReLU6:
		return flagReLU6
	case Leaky:
		return flagLeaky
	}
	return 0
}

// MatMul computes c = post(a·B) for the row-major m×K matrix a into the
// row-major m×N matrix c, optionally adding the m×N residual res (may be nil)
// before the activation.
func (p *PackedB) MatMul(c, a []float32, m int, res []float32) error {
	if m <= 0 || len(a) != m*p.K || len(c) != m*p.N || (res != nil && len(res) != m*p.N) {
		return fmt.Errorf("nn: matmul %dx%d·%dx%d: %w", m, p.K, p.K, p.N, ErrShape)
	}
	runGEMM(m, p, c, res, func(buf []float32, m0, m1 int) ([]float32, int) {
		return a[m0*p.K : m1*p.K], p.K
	})
	return nil
}

// fillA supplies rows [m0, m1) of the left matrix: either a view into
// existing memory or rows written into buf (len ≥ (m1-m0)*K). It returns the
// rows and their stride.
type fillA func(buf []float32, m0, m1 int) ([]float32, int)

var scratchPool = sync.Pool{New: func() any { return new([]float32) }}

func getScratch(n int) *[]float32 {
	s := scratchPool.Get().(*[]float32)
	if cap(*s) < n {
		*s = make([]float32, n)
	}
	*s = (*s)[:n]
	return s
}

// chunkRows picks how many rows of A one job handles so that the rows stay
// in L2 while every panel of B streams past them.
func chunkRows(k int) int {
	r := 65536 / k
	r -= r % mr
	return min(max(r, mr), 40*mr)
}

// runGEMM computes C = post(A·B [+ res]) with C and res row-major m×N.
func runGEMM(m int, p *PackedB, c, res []float32, fill fillA) {
	mc := chunkRows(p.K)
	mChunks := (m + mc - 1) / mc
	schedule(mChunks, p.panels, m*p.K*p.N, mc*p.K+mr*p.K+2*mr*nr, func(mi, p0, p1 int, buf []float32) {
		m0 := mi * mc
		gemmBlock(p, c, res, fill, buf, m0, min(m0+mc, m), p0, p1)
	})
}

// schedule runs fn over mChunks row chunks × groups of B's panels, on up
// to threads() goroutines that take jobs in order, each with its own
// scratch buffer of bufLen floats. Panels are split only when there are
// too few row chunks to keep every worker busy, and then in pairs when the
// 32-column kernel is active.
func schedule(mChunks, panels, macs, bufLen int, fn func(mi, p0, p1 int, buf []float32)) {
	workers := threads()
	if macs < 1<<20 {
		// Below ~1M multiply-adds (tens of µs) waking another thread
		// costs about as much as it saves.
		workers = 1
	}
	unit := 1
	if ActiveKernel() >= KernelAVX512 {
		unit = 2
	}
	units := (panels + unit - 1) / unit
	nGroups := 1
	if workers > 1 && mChunks < 2*workers {
		nGroups = min(units, (2*workers+mChunks-1)/mChunks)
	}
	jobs := mChunks * nGroups
	workers = min(workers, jobs)
	parallelFor(jobs, workers, bufLen, func(j int, buf []float32) {
		mi, gi := j/nGroups, j%nGroups
		p0 := min(gi*units/nGroups*unit, panels)
		p1 := min((gi+1)*units/nGroups*unit, panels)
		fn(mi, p0, p1, buf)
	})
}

// gemmBlock computes rows [m0, m1) × panels [p0, p1) of C.
func gemmBlock(p *PackedB, c, res []float32, fill fillA, buf []float32, m0, m1, p0, p1 int) {
	k, n := p.K, p.N
	rows := m1 - m0
	aBuf := buf[:rows*k]
	tailA := buf[len(buf)-mr*k-2*mr*nr : len(buf)-2*mr*nr]
	tile := buf[len(buf)-2*mr*nr:]
	a, lda := fill(aBuf, m0, m1)
	level := ActiveKernel()
	kern := kernelFor(level)
	flags := p.flags()
	var ep kernelEpi
	ep.alpha = p.alpha
	ep.nseg = 1
	fullRows := rows - rows%mr
	if fullRows < rows {
		// Fewer than mr rows at the end: the kernel always reads mr rows,
		// so give it a zero-padded copy.
		clear(tailA)
		for i := range rows - fullRows {
			r := fullRows + i
			copy(tailA[i*k:(i+1)*k], a[r*lda:r*lda+k])
		}
	}
	// full runs the kernel straight into C (and residual) for a complete
	// tile; wide selects the 32-column kernel over panels pan and pan+1.
	full := func(pan, r int, wide bool) {
		m, n0 := m0+r, pan*nr
		ep.scale, ep.shift = &p.scale[n0], &p.shift[n0]
		ep.flags = flags
		ep.res, ep.ldr = nil, 0
		if res != nil {
			ep.flags |= flagResidual
			ep.res, ep.ldr = &res[m*n+n0], n
		}
		if wide {
			kernelWide(k, &a[r*lda], lda, &p.data[pan*k*nr], &c[m*n+n0], n, &ep)
			return
		}
		kern(k, &a[r*lda], lda, &p.data[pan*k*nr], &c[m*n+n0], n, &ep)
	}
	// partial computes scale/shift only into the scratch tile (32 columns
	// wide when wide is set), then adds the residual and activates the
	// valid part in Go.
	partial := func(pan, r int, wide bool) {
		m, n0 := m0+r, pan*nr
		width := nr
		if wide {
			width = 2 * nr
		}
		cols := min(width, n-n0)
		ar, lda2 := a[r*lda:], lda
		if r >= fullRows {
			ar, lda2 = tailA, k
		}
		ep.scale, ep.shift = &p.scale[n0], &p.shift[n0]
		ep.flags, ep.res, ep.ldr = 0, nil, 0
		if wide {
			kernelWide(k, &ar[0], lda2, &p.data[pan*k*nr], &tile[0], width, &ep)
		} else {
			kern(k, &ar[0], lda2, &p.data[pan*k*nr], &tile[0], width, &ep)
		}
		for i := range min(mr, rows-r) {
			crow := c[(m+i)*n+n0 : (m+i)*n+n0+cols]
			for j := range crow {
				v := tile[i*width+j]
				if res != nil {
					v += res[(m+i)*n+n0+j]
				}
				crow[j] = activate(v, p.act, p.alpha)
			}
		}
	}
	for pan := p0; pan < p1; {
		// The 32-column kernel needs two panels; it may also cover a
		// second panel that is only partly used (N not a multiple of 32).
		wide := level >= KernelAVX512 && pan+1 < p1
		fullCols := (pan+1)*nr <= n
		if wide {
			fullCols = (pan+2)*nr <= n
		}
		for r := 0; r < rows; r += mr {
			if r < fullRows && fullCols {
				full(pan, r, wide)
			} else {
				partial(pan, r, wide)
			}
		}
		pan++
		if wide {
			pan++
		}
	}
}

// kernelFunc is the signature every 16-column micro-kernel shares.
type kernelFunc func(k int, a *float32, lda int, b *float32, c *float32, ldc int, ep *kernelEpi)

// kernelFor picks the 16-column micro-kernel for a level.
func kernelFor(l KernelLevel) kernelFunc {
	switch {
	case l >= KernelAVX512:
		return kernelNarrow512
	case l >= KernelAVX2:
		return kernelAsm
	}
	return kernelPortable
}

// kernelWidePortable is kernelWide built from two kernelPortable calls.
func kernelWidePortable(k int, a *float32, lda int, b *float32, c *float32, ldc int, ep *kernelEpi) {
	kernelPortable(k, a, lda, b, c, ldc, ep)
	ep2 := *ep
	ep2.scale = (*float32)(unsafe.Add(unsafe.Pointer(ep.scale), nr*4))
	ep2.shift = (*float32)(unsafe.Add(unsafe.Pointer(ep.shift), nr*4))
	if ep.res != nil {
		ep2.res = (*float32)(unsafe.Add(unsafe.Pointer(ep.res), nr*4))
	}
	b2 := (*float32)(unsafe.Add(unsafe.Pointer(b), max(ep.nseg, 1)*k*nr*4))
	c2 := (*float32)(unsafe.Add(unsafe.Pointer(c), nr*4))
	kernelPortable(k, a, lda, b2, c2, ldc, &ep2)
}

// kernelPortable is the Go micro-kernel: the reference for the assembly one.
// Like the assembly kernels it is not race-instrumented (go:norace): under
// -race that instrumentation made the portable golden tests ~10x slower,
// and the goroutine-level sharing it would check is the driver's, which is
// instrumented.
//
//go:norace
func kernelPortable(k int, a *float32, lda int, b *float32, c *float32, ldc int, ep *kernelEpi) {
	var acc [mr][nr]float32
	nseg := max(ep.nseg, 1)
	bs := unsafeSlice(b, nseg*k*nr)
	for s := range nseg {
		as := unsafeSlice((*float32)(unsafe.Add(unsafe.Pointer(a), s*ep.segStride)), (mr-1)*lda+k)
		bseg := bs[s*k*nr:]
		for kk := range k {
			bk := bseg[kk*nr : kk*nr+nr : kk*nr+nr]
			for i := range mr {
				av := as[i*lda+kk]
				row := &acc[i]
				for j := range nr {
					row[j] += av * bk[j]
				}
			}
		}
	}
	scale := unsafeSlice(ep.scale, nr)
	shift := unsafeSlice(ep.shift, nr)
	cs := unsafeSlice(c, (mr-1)*ldc+nr)
	var rs []float32
	if ep.flags&flagResidual != 0 {
		rs = unsafeSlice(ep.res, (mr-1)*ep.ldr+nr)
	}
	for i := range mr {
		for j := range nr {
			v := acc[i][j]*scale[j] + shift[j]
			if rs != nil {
				v += rs[i*ep.ldr+j]
			}
			switch {
			case ep.flags&flagReLU != 0:
				v = max(v, 0)
			case ep.flags&flagReLU6 != 0:
				v = min(max(v, 0), 6)
			case ep.flags&flagLeaky != 0:
				v = max(v, ep.alpha*v)
			}
			cs[i*ldc+j] = v
		}
	}
}
