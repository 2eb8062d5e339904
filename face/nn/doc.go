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
// # Layers
//
// Layers (Conv2D, DepthwiseConv2D, SeparableConv2D, Dense) are built once
// from their weights and a Post, the per-channel epilogue y = act(acc*Scale
// + Shift [+ residual]) into which bias, face-api's scale layers and batch
// norm fold (FoldScale, FoldBatchNorm). They are immutable and safe for
// concurrent use. Forward allocates the output; ForwardInto (and
// MaxPoolInto, AvgPoolInto) reuse a destination's storage, which together
// with a Workspace makes repeated passes allocation-free.
//
// # Speed
//
// Convolutions are lowered to a matrix product and run through a blocked
// GEMM over prepacked 16-column panels of the weights:
//   - 1×1 stride-1 convolutions multiply the input directly;
//   - other stride-1 convolutions use an implicit GEMM: in the zero-padded
//     input a 6-pixel tile's patch rows are C floats apart, so the kernel
//     reads them in place, one segment per filter row (no im2col copy);
//   - the rest (strided) go through im2col, per row chunk so it stays in L2.
//
// The inner 6×32 (AVX-512F) or 6×16 (AVX2+FMA) tile kernel is Go
// assembly and applies the epilogue before its single store; depthwise
// convolutions, pooling and element-wise ops have AVX2 kernels too. The
// level is picked at start-up from golang.org/x/sys/cpu; SetMaxKernel (or
// ForcePortable) caps it, and the tests run every level, including the
// portable Go one (also what other architectures and the purego build tag
// get), against the same reference results. Work is split over up to
// GOMAXPROCS goroutines (SetMaxThreads caps it) by row chunks, and by
// weight panels when there are few rows. The helper goroutines persist and
// spin for 50 µs after each layer before parking, so they are awake for the
// next one: per-layer goroutine start-up let the calling goroutine take
// most of the work before a helper even ran.
//
// # Exactness
//
// Folding bias, batch norm and scale layers into one multiply-add changes
// the rounding order relative to TensorFlow.js by a few float32 ulps: the
// recognition net reproduces face-api's descriptors to ~1e-6 (L2).
package nn
