package face

import (
	"math"
	"sort"

	"github.com/hirebus/hirebus/face/nn"
)

// detection is one detector hit: score and box in image pixels.
type detection struct {
	score float64
	box   Box
}

// tinyAnchors and tinyMeanRGB are tinyFaceDetector/const.ts.
var tinyAnchors = [5][2]float64{
	{1.603231, 2.094468},
	{6.041143, 7.080126},
	{2.882459, 3.518061},
	{4.266906, 5.178857},
	{9.041765, 10.66308},
}

var tinyMeanRGB = [3]float32{117.001, 114.697, 97.404}

const tinyIoUThreshold = 0.4

// detectTiny runs TinyYolov2Base.detect: the image zero-padded at the
// bottom/right to a square, resized to inputSize, mean-subtracted and /255;
// then sigmoid scores, anchor box decoding with the padding correction and
// NMS at IoU 0.4.
func (n *tinyNet) detect(img pixels, inputSize int, scoreThreshold float64) ([]detection, error) {
	iw, ih := img.size()
	x := resizeFrom(img, padToSquare(ih, iw, false), inputSize, meanRGBNorm(tinyMeanRGB))
	out, err := n.forward(x)
	if err != nil {
		return nil, err
	}
	rw, rh := reshapedDims(iw, ih, inputSize)
	cfx := float64(inputSize) / rw
	cfy := float64(inputSize) / rh
	cells := out.H
	nc := float64(cells)
	var rel []Box
	var scores []float64
	for row := 0; row < cells; row++ {
		for col := 0; col < out.W; col++ {
			base := (row*out.W + col) * out.C
			for a := 0; a < len(tinyAnchors); a++ {
				v := out.Data[base+a*5 : base+a*5+5]
				score := sigmoid(float64(v[4]))
				if score <= scoreThreshold {
					continue
				}
				ctX := (float64(col) + sigmoid(float64(v[0]))) / nc * cfx
				ctY := (float64(row) + sigmoid(float64(v[1]))) / nc * cfy
				w := math.Exp(float64(v[2])) * tinyAnchors[a][0] / nc * cfx
				h := math.Exp(float64(v[3])) * tinyAnchors[a][1] / nc * cfy
				rel = append(rel, Box{X: ctX - w/2, Y: ctY - h/2, Width: w, Height: h})
				scores = append(scores, score)
			}
		}
	}
	scaled := make([]Box, len(rel))
	for i, b := range rel {
		s := float64(inputSize)
		scaled[i] = Box{X: b.X * s, Y: b.Y * s, Width: b.Width * s, Height: b.Height * s}
	}
	var dets []detection
	for _, i := range nmsGreedy(scaled, scores, tinyIoUThreshold) {
		b := rel[i]
		W, H := float64(iw), float64(ih)
		dets = append(dets, detection{score: scores[i], box: Box{X: b.X * W, Y: b.Y * H, Width: b.Width * W, Height: b.Height * H}})
	}
	return dets, nil
}

const (
	ssdInputSize    = 512
	ssdIoUThreshold = 0.5
	ssdMaxResults   = 100
)

// detectSSD runs SsdMobilenetv1.locateFaces: the image zero-padded at the
// bottom/right to a square, resized to 512, scaled to [-1, 1]; boxes decoded
// against the anchors (variances 10, 10, 5, 5), NMS at IoU 0.5 over the
// candidates above minConfidence, boxes clipped to [0, 1] and corrected for
// the padding.
func (n *ssdNet) detect(img pixels, minConfidence float64) ([]detection, error) {
	iw, ih := img.size()
	x := resizeFrom(img, padToSquare(ih, iw, false), ssdInputSize, func(v float32, _ int) float32 {
		return v/127.5 - 1
	})
	enc, logits, err := n.forward(x)
	if err != nil {
		return nil, err
	}
	num := len(logits)
	boxes := make([][4]float64, num)
	scores := make([]float64, num)
	for i := 0; i < num; i++ {
		a := n.anchors[4*i : 4*i+4]
		e := enc[4*i : 4*i+4]
		// outputLayer.ts decodeBoxesLayer, in float32 like tfjs.
		s0 := a[2] - a[0]
		s1 := a[3] - a[1]
		c0 := a[0] + s0/2
		c1 := a[1] + s1/2
		half0 := float32(math.Exp(float64(e[2]/5))) * s0 / 2
		mid0 := e[0]/10*s0 + c0
		half1 := float32(math.Exp(float64(e[3]/5))) * s1 / 2
		mid1 := e[1]/10*s1 + c1
		boxes[i] = [4]float64{float64(mid0 - half0), float64(mid1 - half1), float64(mid0 + half0), float64(mid1 + half1)}
		scores[i] = float64(nn.Sigmoid(logits[i]))
	}
	picked := ssdNMS(boxes, scores, ssdMaxResults, ssdIoUThreshold, minConfidence)
	rw, rh := reshapedDims(iw, ih, ssdInputSize)
	padX := float64(ssdInputSize) / rw
	padY := float64(ssdInputSize) / rh
	W, H := float64(iw), float64(ih)
	dets := make([]detection, 0, len(picked))
	for _, i := range picked {
		b := boxes[i]
		top := math.Max(0, b[0]) * padY
		bottom := math.Min(1, b[2]) * padY
		left := math.Max(0, b[1]) * padX
		right := math.Min(1, b[3]) * padX
		dets = append(dets, detection{score: scores[i], box: Box{X: left * W, Y: top * H, Width: (right - left) * W, Height: (bottom - top) * H}})
	}
	return dets, nil
}

// ssdNMS is ssdMobilenetv1/nonMaxSuppression.ts: candidates above the score
// threshold by descending score, each kept unless it overlaps a kept box by
// more than iouThreshold.
func ssdNMS(boxes [][4]float64, scores []float64, maxOut int, iouThreshold, scoreThreshold float64) []int {
	var cand []int
	for i, s := range scores {
		if s > scoreThreshold {
			cand = append(cand, i)
		}
	}
	sort.SliceStable(cand, func(a, b int) bool { return scores[cand[a]] > scores[cand[b]] })
	maxOut = min(maxOut, len(boxes))
	var sel []int
	for _, c := range cand {
		if len(sel) >= maxOut {
			break
		}
		keep := true
		for j := len(sel) - 1; j >= 0; j-- {
			if ssdIoU(boxes[c], boxes[sel[j]]) > iouThreshold {
				keep = false
				break
			}
		}
		if keep {
			sel = append(sel, c)
		}
	}
	return sel
}

func ssdIoU(a, b [4]float64) float64 {
	ymin1, xmin1 := math.Min(a[0], a[2]), math.Min(a[1], a[3])
	ymax1, xmax1 := math.Max(a[0], a[2]), math.Max(a[1], a[3])
	ymin2, xmin2 := math.Min(b[0], b[2]), math.Min(b[1], b[3])
	ymax2, xmax2 := math.Max(b[0], b[2]), math.Max(b[1], b[3])
	area1 := (ymax1 - ymin1) * (xmax1 - xmin1)
	area2 := (ymax2 - ymin2) * (xmax2 - xmin2)
	if area1 <= 0 || area2 <= 0 {
		return 0
	}
	ih := math.Max(math.Min(ymax1, ymax2)-math.Max(ymin1, ymin2), 0)
	iw := math.Max(math.Min(xmax1, xmax2)-math.Max(xmin1, xmin2), 0)
	inter := ih * iw
	return inter / (area1 + area2 - inter)
}

var landmarkMeanRGB = [3]float32{122.782, 117.001, 104.298}

// landmarks runs FaceLandmark68Net on the detection's region exactly as
// DetectAllFaceLandmarksTask does: the box clipped and floored, the crop
// padded to a centred square and resized to 112; the outputs are mapped
// back through the padding to the crop and shifted by the (unfloored)
// detection box. It returns nil when the box lies outside the image.
func (n *landmarkNet) landmarks(img pixels, det Box) ([][2]float64, int, int, error) {
	iw, ih := img.size()
	cx, cy, cw, ch := clipFloor(det, iw, ih)
	if cw <= 0 || ch <= 0 {
		return nil, 0, 0, nil
	}
	face := img.crop(cx, cy, cw, ch)
	x := resizePadded(face, padToSquare(ch, cw, true), 112, meanRGBNorm(landmarkMeanRGB))
	out, err := n.forward(x)
	if err != nil {
		return nil, 0, 0, err
	}
	// FaceLandmark68NetBase.postProcess, in float32 like the tensors.
	scale := float32(112) / float32(max(cw, ch))
	sw, sh := float32(cw)*scale, float32(ch)*scale
	var padX, padY float32
	if sw < sh {
		padX = float32(math.Abs(float64(sw-sh))) / 2
	}
	if sh < sw {
		padY = float32(math.Abs(float64(sw-sh))) / 2
	}
	pts := make([][2]float64, 68)
	for i := range pts {
		rx := (out[2*i]*112 - padX) / sw
		ry := (out[2*i+1]*112 - padY) / sh
		pts[i] = [2]float64{float64(rx)*float64(cw) + det.X, float64(ry)*float64(ch) + det.Y}
	}
	return pts, cw, ch, nil
}
