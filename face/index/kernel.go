package index

// dot is the plain dot product of two equal-length vectors.
func dot(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// dotsGeneric is the portable kernel: out[i] = q·row i.
func dotsGeneric(q, rows, out []float32) {
	var d [4]float32
	n := len(out)
	r := 0
	for ; r+4 <= n; r += 4 {
		dot4Generic(q, rows[r*Dim:(r+4)*Dim], &d)
		out[r], out[r+1], out[r+2], out[r+3] = d[0], d[1], d[2], d[3]
	}
	for ; r < n; r++ {
		out[r] = dot(q, rows[r*Dim:r*Dim+Dim])
	}
}

// dot4Generic computes the dot products of q (Dim values) with four
// consecutive rows. Four rows per pass load each query value once for four
// multiply-adds, and the four independent sums keep the FP pipeline busy.
// Converting to array pointers lets the compiler drop bounds checks.
func dot4Generic(q []float32, rows []float32, out *[4]float32) {
	qa := (*[Dim]float32)(q)
	r0 := (*[Dim]float32)(rows[0*Dim : 1*Dim])
	r1 := (*[Dim]float32)(rows[1*Dim : 2*Dim])
	r2 := (*[Dim]float32)(rows[2*Dim : 3*Dim])
	r3 := (*[Dim]float32)(rows[3*Dim : 4*Dim])
	var a0, a1, a2, a3, b0, b1, b2, b3 float32
	for i := 0; i < Dim; i += 2 {
		x, y := qa[i], qa[i+1]
		a0 += x * r0[i]
		a1 += x * r1[i]
		a2 += x * r2[i]
		a3 += x * r3[i]
		b0 += y * r0[i+1]
		b1 += y * r1[i+1]
		b2 += y * r2[i+1]
		b3 += y * r3[i+1]
	}
	out[0], out[1], out[2], out[3] = a0+b0, a1+b1, a2+b2, a3+b3
}
