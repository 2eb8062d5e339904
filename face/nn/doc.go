// Package nn is the numeric core of the pure-Go face pipeline: it loads the
// TensorFlow.js weight manifests shipped by @vladmandic/face-api and runs the
// layers those networks are built from (convolutions, depthwise and
// separable convolutions, pooling, activations, fully connected layers).
//
// # Tensor layout
//
// Every activation is a single image (batch size 1) stored as a Tensor in
// HWC order: element (y, x, c) lives at Data[(y*W+x)*C+c]. This matches the
// NHWC layout of TensorFlow.js, so filters from the manifests are used in
// their stored order: a conv filter is [kh, kw, cin, cout], a depthwise
// filter is [kh, kw, c, 1], a fully connected matrix is [in, out].
//
// # Speed
//
// Convolutions are lowered to a matrix product (im2col for k>1, the input
// itself for 1×1) and run through a blocked GEMM whose inner 6×16 tile is an
// AVX2/FMA assembly kernel on amd64 CPUs that have it, and portable Go
// elsewhere (or when ForcePortable(true) is set, which the tests use to
// check both paths against the same goldens). Large products are split over
// GOMAXPROCS goroutines. Layers prepack their weights once at construction,
// hold no mutable state and are safe for concurrent use.
//
// # Exactness
//
// Per-channel bias, batch-norm and "scale layer" arithmetic is folded into one
// multiply-add applied in the GEMM epilogue (see Epilogue). This changes the
// rounding order relative to TensorFlow.js by a few float32 ulps, far below
// the tolerance the face goldens are checked with.
package nn
