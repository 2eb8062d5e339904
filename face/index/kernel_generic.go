//go:build !amd64 || purego

package index

// hasAVX2 is false where there is no assembly kernel.
const hasAVX2 = false

// dots computes out[i] = q·row i for len(out) rows starting at rows[0].
func dots(q, rows, out []float32) {
	dotsGeneric(q, rows, out)
}
