package nn

import "unsafe"

// unsafeSlice views n floats starting at p; the kernels receive raw
// pointers so that the Go and assembly versions share one signature.
func unsafeSlice(p *float32, n int) []float32 { return unsafe.Slice(p, n) }
