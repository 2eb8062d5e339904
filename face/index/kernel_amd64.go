//go:build !purego

package index

import "golang.org/x/sys/cpu"

// dotsAVX2 sets out[i] = q·row i for 4*groups consecutive rows of Dim values.
// It is implemented in kernel_amd64.s (AVX2 + FMA).
//
//go:noescape
func dotsAVX2(q *float32, rows *float32, groups int, out *float32)

// hasAVX2 selects the assembly kernel; the generic one is the fallback and
// the reference the tests compare it with.
var hasAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// dots computes out[i] = q·row i for len(out) rows starting at rows[0].
func dots(q, rows, out []float32) {
	n := len(out)
	if n == 0 {
		return
	}
	_ = q[Dim-1]
	_ = rows[n*Dim-1]
	g := n / 4
	if hasAVX2 && g > 0 {
		dotsAVX2(&q[0], &rows[0], g, &out[0])
	} else {
		g = 0
	}
	for r := 4 * g; r < n; r++ {
		out[r] = dot(q, rows[r*Dim:r*Dim+Dim])
	}
}
