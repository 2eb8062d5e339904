package face

import (
	"fmt"

	"github.com/hirebus/hirebus/face/nn"
)

// Model names as shipped in @vladmandic/face-api's model/ directory.
const (
	tinyModel      = "tiny_face_detector_model"
	ssdModel       = "ssd_mobilenetv1_model"
	landmarksModel = "face_landmark_68_model"
)

// weightLoader collects the first error so the layer constructors below
// read as a straight transcription of the TypeScript parameter maps.
type weightLoader struct {
	w   *nn.Weights
	err error
}

func (l *weightLoader) get(name string, shape ...int) []float32 {
	if l.err != nil {
		return nil
	}
	d, err := l.w.Get(name, shape...)
	if err != nil {
		l.err = err
	}
	return d
}

func (l *weightLoader) check(err error) {
	if l.err == nil && err != nil {
		l.err = err
	}
}

func (l *weightLoader) conv(filter []float32, kh, kw, cin, cout, stride int, pad nn.Padding, post nn.Post) *nn.Conv2D {
	if l.err != nil {
		return nil
	}
	c, err := nn.NewConv2D(filter, kh, kw, cin, cout, stride, pad, post)
	l.check(err)
	return c
}

func (l *weightLoader) sep(prefix string, cin, cout, stride int, act nn.Activation, alpha float32) *nn.SeparableConv2D {
	dw := l.get(prefix+"/depthwise_filter", 3, 3, cin, 1)
	pw := l.get(prefix+"/pointwise_filter", 1, 1, cin, cout)
	bias := l.get(prefix+"/bias", cout)
	if l.err != nil {
		return nil
	}
	// tf.separableConv2d with 'same' padding at stride 1 pads one cell on
	// every side, which is what TinyYolov2's explicit tf.pad + 'valid' does.
	s, err := nn.NewSeparableConv2D(dw, 3, 3, cin, pw, cout, stride, nn.Same, nn.Post{Shift: bias, Act: act, Alpha: alpha})
	l.check(err)
	return s
}

// ---------------------------------------------------------------------------
// TinyFaceDetector (tinyYolov2/TinyYolov2Base.ts runMobilenet with
// isFirstLayerConv2d and 7 filter sizes: conv6/conv7 absent).

// leakyAlpha is float32(0.1) as the TypeScript's tf.scalar(0.10000000149011612).
const leakyAlpha = 0.1

type tinyNet struct {
	conv0 *nn.Conv2D
	sep   [5]*nn.SeparableConv2D
	conv8 *nn.Conv2D
}

func newTinyNet(w *nn.Weights) (*tinyNet, error) {
	l := &weightLoader{w: w}
	n := &tinyNet{}
	n.conv0 = l.conv(l.get("conv0/filters", 3, 3, 3, 16), 3, 3, 3, 16, 1, nn.Valid,
		nn.Post{Shift: l.get("conv0/bias", 16), Act: nn.Leaky, Alpha: leakyAlpha})
	sizes := []int{16, 32, 64, 128, 256, 512}
	for i := range n.sep {
		n.sep[i] = l.sep(fmt.Sprintf("conv%d", i+1), sizes[i], sizes[i+1], 1, nn.Leaky, leakyAlpha)
	}
	n.conv8 = l.conv(l.get("conv8/filters", 1, 1, 512, 25), 1, 1, 512, 25, 1, nn.Valid,
		nn.Post{Shift: l.get("conv8/bias", 25)})
	if l.err != nil {
		return nil, fmt.Errorf("face: tiny face detector: %w", l.err)
	}
	return n, nil
}

func (n *tinyNet) forward(x *nn.Tensor) (*nn.Tensor, error) {
	out, err := n.conv0.Forward(x, nil)
	if err != nil {
		return nil, err
	}
	for _, s := range n.sep {
		if out, err = nn.MaxPool(out, 2, 2, nn.Same); err != nil {
			return nil, err
		}
		if out, err = s.Forward(out, nil); err != nil {
			return nil, err
		}
	}
	if out, err = nn.MaxPool(out, 2, 1, nn.Same); err != nil {
		return nil, err
	}
	return n.conv8.Forward(out, nil)
}

// ---------------------------------------------------------------------------
// SSD MobileNet v1 (ssdMobilenetv1/*.ts).

const ssdBatchNormEps = 0.0010000000474974513

type ssdNet struct {
	conv0     *nn.Conv2D
	dw        [13]*nn.DepthwiseConv2D
	pw        [13]*nn.Conv2D
	pred      [8]*nn.Conv2D
	boxEnc    [6]*nn.Conv2D
	classPred [6]*nn.Conv2D
	anchors   []float32 // 5118×4, [ymin, xmin, ymax, xmax] in relative units
}

func newSSDNet(w *nn.Weights) (*ssdNet, error) {
	l := &weightLoader{w: w}
	n := &ssdNet{}
	relu6 := func(shift []float32) nn.Post { return nn.Post{Shift: shift, Act: nn.ReLU6} }
	n.conv0 = l.conv(l.get("MobilenetV1/Conv2d_0_pointwise/weights", 3, 3, 3, 32), 3, 3, 3, 32, 2, nn.Same,
		relu6(l.get("MobilenetV1/Conv2d_0_pointwise/convolution_bn_offset", 32)))
	chans := []int{32, 64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024}
	for i := 0; i < 13; i++ {
		idx := i + 1
		cin, cout := chans[i], chans[i+1]
		stride := 1
		if idx == 2 || idx == 4 || idx == 6 || idx == 12 {
			stride = 2
		}
		p := fmt.Sprintf("MobilenetV1/Conv2d_%d_depthwise/", idx)
		filt := l.get(p+"depthwise_weights", 3, 3, cin, 1)
		post, err := nn.FoldBatchNorm(nil, l.get(p+"BatchNorm/moving_mean", cin), l.get(p+"BatchNorm/moving_variance", cin),
			l.get(p+"BatchNorm/beta", cin), l.get(p+"BatchNorm/gamma", cin), ssdBatchNormEps, nn.ReLU6)
		if l.err == nil {
			l.check(err)
		}
		if l.err == nil {
			d, err := nn.NewDepthwiseConv2D(filt, 3, 3, cin, stride, nn.Same, post)
			l.check(err)
			n.dw[i] = d
		}
		q := fmt.Sprintf("MobilenetV1/Conv2d_%d_pointwise/", idx)
		n.pw[i] = l.conv(l.get(q+"weights", 1, 1, cin, cout), 1, 1, cin, cout, 1, nn.Same, relu6(l.get(q+"convolution_bn_offset", cout)))
	}
	predShapes := []struct{ k, cin, cout, stride int }{
		{1, 1024, 256, 1}, {3, 256, 512, 2}, {1, 512, 128, 1}, {3, 128, 256, 2},
		{1, 256, 128, 1}, {3, 128, 256, 2}, {1, 256, 64, 1}, {3, 64, 128, 2},
	}
	for i, s := range predShapes {
		q := fmt.Sprintf("Prediction/Conv2d_%d_pointwise/", i)
		n.pred[i] = l.conv(l.get(q+"weights", s.k, s.k, s.cin, s.cout), s.k, s.k, s.cin, s.cout, s.stride, nn.Same,
			relu6(l.get(q+"convolution_bn_offset", s.cout)))
	}
	boxIn := []int{512, 1024, 512, 256, 256, 128}
	for i, cin := range boxIn {
		anchorsPer := 6
		if i == 0 {
			anchorsPer = 3
		}
		q := fmt.Sprintf("Prediction/BoxPredictor_%d/", i)
		n.boxEnc[i] = l.conv(l.get(q+"BoxEncodingPredictor/weights", 1, 1, cin, anchorsPer*4), 1, 1, cin, anchorsPer*4, 1, nn.Same,
			nn.Post{Shift: l.get(q+"BoxEncodingPredictor/biases", anchorsPer*4)})
		n.classPred[i] = l.conv(l.get(q+"ClassPredictor/weights", 1, 1, cin, anchorsPer*3), 1, 1, cin, anchorsPer*3, 1, nn.Same,
			nn.Post{Shift: l.get(q+"ClassPredictor/biases", anchorsPer*3)})
	}
	n.anchors = l.get("Output/extra_dim", 1, 5118, 4)
	if l.err != nil {
		return nil, fmt.Errorf("face: ssd mobilenet v1: %w", l.err)
	}
	return n, nil
}

// forward returns the 5118 raw box encodings (4 each) and class logits of
// class 1 ("face"), in the order tf.concat of the six predictors gives.
func (n *ssdNet) forward(x *nn.Tensor) (boxes, logits []float32, err error) {
	out, err := n.conv0.Forward(x, nil)
	if err != nil {
		return nil, nil, err
	}
	var conv11 *nn.Tensor
	for i := 0; i < 13; i++ {
		if out, err = n.dw[i].Forward(out); err != nil {
			return nil, nil, err
		}
		if out, err = n.pw[i].Forward(out, nil); err != nil {
			return nil, nil, err
		}
		if i+1 == 11 {
			conv11 = out
		}
	}
	feats := []*nn.Tensor{conv11, out}
	p := out
	for i, c := range n.pred {
		if p, err = c.Forward(p, nil); err != nil {
			return nil, nil, err
		}
		if i%2 == 1 {
			feats = append(feats, p)
		}
	}
	for i, f := range feats {
		be, err := n.boxEnc[i].Forward(f, nil)
		if err != nil {
			return nil, nil, err
		}
		cp, err := n.classPred[i].Forward(f, nil)
		if err != nil {
			return nil, nil, err
		}
		// reshape [h*w*anchors, 4] and [h*w*anchors, 3]: HWC order already is.
		boxes = append(boxes, be.Data...)
		for j := 1; j < len(cp.Data); j += 3 {
			logits = append(logits, cp.Data[j])
		}
	}
	if len(boxes) != len(n.anchors) {
		return nil, nil, fmt.Errorf("face: ssd: %d box encodings for %d anchors: %w", len(boxes)/4, len(n.anchors)/4, nn.ErrShape)
	}
	return boxes, logits, nil
}

// ---------------------------------------------------------------------------
// FaceLandmark68Net (faceFeatureExtractor/FaceFeatureExtractor.ts +
// denseBlock4 + faceProcessor fully connected layer).

type denseBlock struct {
	conv0  *nn.Conv2D // first block only
	sep0   *nn.SeparableConv2D
	others [3]*nn.SeparableConv2D
}

type landmarkNet struct {
	blocks [4]denseBlock
	fc     *nn.Dense
}

func newLandmarkNet(w *nn.Weights) (*landmarkNet, error) {
	l := &weightLoader{w: w}
	n := &landmarkNet{}
	chans := []int{3, 32, 64, 128, 256}
	for b := 0; b < 4; b++ {
		cin, cout := chans[b], chans[b+1]
		p := fmt.Sprintf("dense%d/", b)
		if b == 0 {
			n.blocks[b].conv0 = l.conv(l.get(p+"conv0/filters", 3, 3, cin, cout), 3, 3, cin, cout, 2, nn.Same,
				nn.Post{Shift: l.get(p+"conv0/bias", cout), Act: nn.ReLU})
		} else {
			n.blocks[b].sep0 = l.sep(p+"conv0", cin, cout, 2, nn.ReLU, 0)
		}
		for k := 0; k < 3; k++ {
			n.blocks[b].others[k] = l.sep(fmt.Sprintf("%sconv%d", p, k+1), cout, cout, 1, nn.Linear, 0)
		}
	}
	fcw := l.get("fc/weights", 256, 136)
	fcb := l.get("fc/bias", 136)
	if l.err == nil {
		fc, err := nn.NewDense(fcw, 256, 136, nn.Post{Shift: fcb})
		l.check(err)
		n.fc = fc
	}
	if l.err != nil {
		return nil, fmt.Errorf("face: landmark68 net: %w", l.err)
	}
	return n, nil
}

// denseBlock4: out1 = relu(conv0 x); then each following separable conv
// adds the running sum of the previous outputs (ReLU'd for its input):
// relu(out1+out2), relu(out1+out2+out3), relu(out1+...+out4).
func (b *denseBlock) forward(x *nn.Tensor) (*nn.Tensor, error) {
	var out1 *nn.Tensor
	var err error
	if b.conv0 != nil {
		out1, err = b.conv0.Forward(x, nil)
	} else {
		out1, err = b.sep0.Forward(x, nil)
	}
	if err != nil {
		return nil, err
	}
	sum := out1
	in := out1
	for _, s := range b.others {
		if sum, err = s.Forward(in, sum); err != nil {
			return nil, err
		}
		in = sum.Clone()
		nn.Activate(in, nn.ReLU, 0)
	}
	return in, nil
}

// forward returns the 136 raw outputs (x0, y0, x1, y1, ...) relative to the
// 112×112 padded input.
func (n *landmarkNet) forward(x *nn.Tensor) ([]float32, error) {
	out := x
	var err error
	for i := range n.blocks {
		if out, err = n.blocks[i].forward(out); err != nil {
			return nil, err
		}
	}
	if out, err = nn.AvgPool(out, 7, 2, nn.Valid); err != nil {
		return nil, err
	}
	return n.fc.Forward(out.Data)
}
