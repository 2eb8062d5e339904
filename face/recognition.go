package face

import (
	"errors"
	"fmt"
	"image"
	"sync"

	"github.com/hirebus/hirebus/face/nn"
)

// RecognitionModel is the face-api model name of FaceRecognitionNet.
const RecognitionModel = "face_recognition_model"

// RecognitionInputSize is the side of the square RGB input of the
// recognition net.
const RecognitionInputSize = 150

// DescriptorSize is the length of a face descriptor.
const DescriptorSize = 128

// recognitionMeanRGB is faceRecognitionNet/FaceRecognitionNet.ts' meanRgb.
var recognitionMeanRGB = [3]float32{122.782, 117.001, 104.298}

// ErrInput reports an input the recognition net cannot take (empty image,
// wrong buffer length).
var ErrInput = errors.New("bad recognition input")

// RecognitionNet is face-api's FaceRecognitionNet, a ResNet-34-like network
// (dlib's face recognition model) mapping a 150×150 RGB face crop to a
// 128-d descriptor; faces of one person are within ~0.6 Euclidean distance.
// Layers are immutable after loading, so one RecognitionNet may serve any
// number of goroutines at once.
type RecognitionNet struct {
	stem   *nn.Conv2D // conv32_down: 7×7 stride 2 valid
	blocks []recBlock
	fc     *nn.Dense
}

// recBlock is residualLayer.ts: conv → ReLU → conv (+ skip) → ReLU, where a
// "down" block convolves with stride 2 (valid) and its skip is the 2×2
// average-pooled input, zero-extended in channels and, when the shapes
// disagree, the conv output zero-extended by one row and column.
type recBlock struct {
	name         string
	conv1, conv2 *nn.Conv2D
	down         bool
}

// LoadRecognitionNet loads face_recognition_model from modelsDir. Missing
// files give an error wrapping nn.ErrModelsMissing.
func LoadRecognitionNet(modelsDir string) (*RecognitionNet, error) {
	w, err := nn.LoadWeights(modelsDir, RecognitionModel)
	if err != nil {
		return nil, fmt.Errorf("face: load recognition net: %w", err)
	}
	n, err := newRecognitionNet(w)
	if err != nil {
		return nil, fmt.Errorf("face: load recognition net: %w", err)
	}
	return n, nil
}

// recConv builds one convLayer.ts layer: conv + bias, scale layer, optional
// ReLU, with bias and scale folded into the conv epilogue.
func recConv(w *nn.Weights, prefix string, k, cin, cout, stride int, pad nn.Padding, act nn.Activation) (*nn.Conv2D, error) {
	filters, err := w.Get(prefix+"/conv/filters", k, k, cin, cout)
	if err != nil {
		return nil, err
	}
	bias, err := w.Get(prefix+"/conv/bias", cout)
	if err != nil {
		return nil, err
	}
	sw, err := w.Get(prefix+"/scale/weights", cout)
	if err != nil {
		return nil, err
	}
	sb, err := w.Get(prefix+"/scale/biases", cout)
	if err != nil {
		return nil, err
	}
	post, err := nn.FoldScale(bias, sw, sb, act)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", prefix, err)
	}
	c, err := nn.NewConv2D(filters, k, k, cin, cout, stride, pad, post)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", prefix, err)
	}
	return c, nil
}

func newRecognitionNet(w *nn.Weights) (*RecognitionNet, error) {
	stem, err := recConv(w, "conv32_down", 7, 3, 32, 2, nn.Valid, nn.ReLU)
	if err != nil {
		return nil, err
	}
	n := &RecognitionNet{stem: stem}
	// The block sequence of FaceRecognitionNet.forwardInput.
	specs := []struct {
		name      string
		cin, cout int
		down      bool
	}{
		{"conv32_1", 32, 32, false},
		{"conv32_2", 32, 32, false},
		{"conv32_3", 32, 32, false},
		{"conv64_down", 32, 64, true},
		{"conv64_1", 64, 64, false},
		{"conv64_2", 64, 64, false},
		{"conv64_3", 64, 64, false},
		{"conv128_down", 64, 128, true},
		{"conv128_1", 128, 128, false},
		{"conv128_2", 128, 128, false},
		{"conv256_down", 128, 256, true},
		{"conv256_1", 256, 256, false},
		{"conv256_2", 256, 256, false},
		{"conv256_down_out", 256, 256, true},
	}
	for _, s := range specs {
		stride, pad := 1, nn.Same
		if s.down {
			stride, pad = 2, nn.Valid
		}
		c1, err := recConv(w, s.name+"/conv1", 3, s.cin, s.cout, stride, pad, nn.ReLU)
		if err != nil {
			return nil, err
		}
		// conv2 has no ReLU of its own: the ReLU after the skip addition is
		// fused into its epilogue together with the skip.
		c2, err := recConv(w, s.name+"/conv2", 3, s.cout, s.cout, 1, nn.Same, nn.ReLU)
		if err != nil {
			return nil, err
		}
		n.blocks = append(n.blocks, recBlock{name: s.name, conv1: c1, conv2: c2, down: s.down})
	}
	fcw, err := w.Get("fc", 256, DescriptorSize)
	if err != nil {
		return nil, err
	}
	if n.fc, err = nn.NewDense(fcw, 256, DescriptorSize, nn.Post{}); err != nil {
		return nil, err
	}
	return n, nil
}

// Descriptor computes the descriptor of img, which should be the aligned
// face crop. Like face-api's toBatchTensor(150, true), a non-square image is
// zero-padded to a centred square and any other size is bilinearly resized
// to 150×150; a 150×150 image is used as is.
func (n *RecognitionNet) Descriptor(img image.Image) ([DescriptorSize]float32, error) {
	if img == nil || img.Bounds().Empty() {
		return [DescriptorSize]float32{}, fmt.Errorf("face: descriptor: empty image: %w", ErrInput)
	}
	return n.DescriptorTensor(rgbTensor(img))
}

// DescriptorTensor is Descriptor for an H×W×3 tensor of RGB values in 0..255.
func (n *RecognitionNet) DescriptorTensor(rgb *nn.Tensor) ([DescriptorSize]float32, error) {
	if rgb == nil || rgb.C != 3 || rgb.H <= 0 || rgb.W <= 0 || len(rgb.Data) != rgb.H*rgb.W*3 {
		return [DescriptorSize]float32{}, fmt.Errorf("face: descriptor: want an HxWx3 RGB tensor, got %v: %w", rgb, ErrInput)
	}
	x := resizePadded(rgb, padToSquare(rgb.H, rgb.W, true), RecognitionInputSize, meanRGBNorm(recognitionMeanRGB))
	return n.forward(x)
}

// DescriptorRGB computes the descriptor of a 150×150 RGB crop given as
// 150*150*3 values in 0..255, row-major HWC (r, g, b per pixel). rgb is not
// modified.
func (n *RecognitionNet) DescriptorRGB(rgb []float32) ([DescriptorSize]float32, error) {
	const size = RecognitionInputSize * RecognitionInputSize * 3
	if len(rgb) != size {
		return [DescriptorSize]float32{}, fmt.Errorf("face: descriptor: %d values, want %d: %w", len(rgb), size, ErrInput)
	}
	ws := getRecWorkspace()
	defer recWorkspaces.Put(ws)
	x := ws.Next(RecognitionInputSize, RecognitionInputSize, 3)
	for i, v := range rgb {
		x.Data[i] = (v - recognitionMeanRGB[i%3]) / 255
	}
	return n.forwardWS(ws, x)
}

// recWorkspaces recycle the activations of forward passes. The shapes never
// change (the input is always 150×150), so this removes ~3 MB of allocation
// and zeroing per face; each pass takes its own workspace, which keeps
// concurrent calls independent.
var recWorkspaces = sync.Pool{New: func() any { return new(nn.Workspace) }}

func getRecWorkspace() *nn.Workspace {
	ws := recWorkspaces.Get().(*nn.Workspace)
	ws.Reset()
	return ws
}

// forward runs the network on a normalised 150×150×3 input.
func (n *RecognitionNet) forward(x *nn.Tensor) ([DescriptorSize]float32, error) {
	ws := getRecWorkspace()
	defer recWorkspaces.Put(ws)
	return n.forwardWS(ws, x)
}

func (n *RecognitionNet) forwardWS(ws *nn.Workspace, x *nn.Tensor) (desc [DescriptorSize]float32, err error) {
	oh, ow := n.stem.OutSize(x.H, x.W)
	out, err := n.stem.ForwardInto(ws.Next(oh, ow, n.stem.Cout), x, nil)
	if err != nil {
		return desc, fmt.Errorf("face: recognition conv32_down: %w", err)
	}
	ph, pw := nn.OutSize(oh, 3, 2, nn.Valid), nn.OutSize(ow, 3, 2, nn.Valid)
	if out, err = nn.MaxPoolInto(ws.Next(ph, pw, out.C), out, 3, 2, nn.Valid); err != nil {
		return desc, fmt.Errorf("face: recognition max pool: %w", err)
	}
	for i := range n.blocks {
		b := &n.blocks[i]
		if out, err = b.forward(ws, out); err != nil {
			return desc, fmt.Errorf("face: recognition %s: %w", b.name, err)
		}
	}
	avg, err := nn.MeanHW(out)
	if err != nil {
		return desc, fmt.Errorf("face: recognition mean: %w", err)
	}
	v, err := n.fc.Forward(avg)
	if err != nil {
		return desc, fmt.Errorf("face: recognition fc: %w", err)
	}
	copy(desc[:], v)
	return desc, nil
}

func (b *recBlock) forward(ws *nn.Workspace, x *nn.Tensor) (*nn.Tensor, error) {
	oh, ow := b.conv1.OutSize(x.H, x.W)
	h, err := b.conv1.ForwardInto(ws.Next(oh, ow, b.conv1.Cout), x, nil)
	if err != nil {
		return nil, err
	}
	oh, ow = b.conv2.OutSize(h.H, h.W)
	cout := b.conv2.Cout
	if !b.down {
		return b.conv2.ForwardInto(ws.Next(oh, ow, cout), h, x)
	}
	ph, pw := nn.OutSize(x.H, 2, 2, nn.Valid), nn.OutSize(x.W, 2, 2, nn.Valid)
	pooled, err := nn.AvgPoolInto(ws.Next(ph, pw, x.C), x, 2, 2, nn.Valid)
	if err != nil {
		return nil, err
	}
	grow := pooled.H != oh || pooled.W != ow
	if grow && (pooled.H != oh+1 || pooled.W != ow+1) {
		return nil, fmt.Errorf("skip %v does not fit conv output %dx%d: %w", pooled, oh, ow, nn.ErrShape)
	}
	// The skip, zero-extended from pooled.C to cout channels (tf.concat
	// with zeros), cut to the conv output's spatial size.
	skip := ws.Next(oh, ow, cout)
	clear(skip.Data)
	for y := range oh {
		for xx := range ow {
			copy(skip.Data[(y*ow+xx)*cout:], pooled.Data[(y*pooled.W+xx)*pooled.C:(y*pooled.W+xx+1)*pooled.C])
		}
	}
	out, err := b.conv2.ForwardInto(ws.Next(oh, ow, cout), h, skip)
	if err != nil || !grow {
		return out, err
	}
	// residualDown appends a zero row and column to the conv output before
	// adding the skip, so the last row and column are ReLU(skip) alone.
	full := ws.Next(pooled.H, pooled.W, cout)
	for y := range pooled.H {
		for xx := range pooled.W {
			dst := full.Data[(y*pooled.W+xx)*cout : (y*pooled.W+xx+1)*cout]
			if y < oh && xx < ow {
				copy(dst, out.Data[(y*ow+xx)*cout:(y*ow+xx+1)*cout])
				continue
			}
			clear(dst)
			for c, v := range pooled.Data[(y*pooled.W+xx)*pooled.C : (y*pooled.W+xx+1)*pooled.C] {
				dst[c] = max(v, 0)
			}
		}
	}
	return full, nil
}
