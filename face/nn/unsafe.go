package nn

import "unsafe"

// unsafeSlice views n floats starting at p; the kernels receive raw
// pointers so that the Go and assembly versions share one signature.
func unsafeSlice(p *float32, n int) []float32 { return unsafe.Slice(p, n) }

// overlaps reports whether a and b share memory. Into methods refuse a
// destination that overlaps their input: the kernels would read values
// they have already overwritten.
func overlaps(a, b []float32) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	a0 := uintptr(unsafe.Pointer(&a[0]))
	b0 := uintptr(unsafe.Pointer(&b[0]))
	return a0 < b0+uintptr(len(b))*4 && b0 < a0+uintptr(len(a))*4
}
