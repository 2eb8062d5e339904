package face

import (
	"math"
	"sort"
)

// Box is an axis-aligned rectangle in image pixels.
type Box struct {
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
}

// Right is X+Width.
func (b Box) Right() float64 { return b.X + b.Width }

// Bottom is Y+Height.
func (b Box) Bottom() float64 { return b.Y + b.Height }

// Area is Width×Height.
func (b Box) Area() float64 { return b.Width * b.Height }

// IoU is the intersection over union of a and b (0 when either is empty).
func IoU(a, b Box) float64 {
	w := math.Max(0, math.Min(a.Right(), b.Right())-math.Max(a.X, b.X))
	h := math.Max(0, math.Min(a.Bottom(), b.Bottom())-math.Max(a.Y, b.Y))
	inter := w * h
	union := a.Area() + b.Area() - inter
	if union <= 0 {
		return 0
	}
	return inter / union
}

// jsRound is JavaScript's Math.round (halves round up).
func jsRound(x float64) float64 { return math.Floor(x + 0.5) }

// reshapedDims is face-api's computeReshapedDimensions: the size of the
// image scaled so its longer side is inputSize, rounded.
func reshapedDims(w, h, inputSize int) (float64, float64) {
	scale := float64(inputSize) / float64(max(w, h))
	return jsRound(float64(w) * scale), jsRound(float64(h) * scale)
}

// clipFloor is Box.clipAtImageBorders followed by its floor(): the integer
// region tf.slice3d cuts for a box.
func clipFloor(b Box, imgW, imgH int) (x, y, w, h int) {
	cx := math.Max(b.X, 0)
	cy := math.Max(b.Y, 0)
	cw := math.Min(b.Right()-cx, float64(imgW)-cx)
	ch := math.Min(b.Bottom()-cy, float64(imgH)-cy)
	return int(math.Floor(cx)), int(math.Floor(cy)), int(math.Floor(cw)), int(math.Floor(ch))
}

// nmsGreedy is face-api's ops/nonMaxSuppression (used by the tiny
// detector): repeatedly take the best remaining box and drop every other
// box overlapping it by more than iouThreshold.
func nmsGreedy(boxes []Box, scores []float64, iouThreshold float64) []int {
	order := make([]int, len(scores))
	for i := range order {
		order[i] = i
	}
	// Ascending and popped from the end, like the TypeScript, so ties pick
	// the same box.
	sort.SliceStable(order, func(a, b int) bool { return scores[order[a]] < scores[order[b]] })
	var pick []int
	for len(order) > 0 {
		cur := order[len(order)-1]
		order = order[:len(order)-1]
		pick = append(pick, cur)
		kept := order[:0]
		for _, idx := range order {
			if IoU(boxes[cur], boxes[idx]) <= iouThreshold {
				kept = append(kept, idx)
			}
		}
		order = kept
	}
	return pick
}

// point is an (x, y) image coordinate.
type point struct{ x, y float64 }

func centre(pts [][2]float64) point {
	var sx, sy float64
	for _, p := range pts {
		sx += p[0]
		sy += p[1]
	}
	n := float64(len(pts))
	return point{sx / n, sy / n}
}

// AlignDlib is face-api's FaceLandmarks68.align(null, {useDlibAlignment:
// true}): a square of side floor(mean eye-to-mouth distance / 0.45) placed
// around the centre of the eyes and mouth. cropW and cropH are the size of
// the region the landmarks were predicted in (face-api caps the box with
// them). The result has integer coordinates.
func AlignDlib(landmarks [][2]float64, cropW, cropH int) Box {
	if len(landmarks) != 68 {
		return Box{}
	}
	le := centre(landmarks[36:42])
	re := centre(landmarks[42:48])
	mo := centre(landmarks[48:68])
	dist := func(p point) float64 { return math.Hypot(mo.x-p.x, mo.y-p.y) }
	eyeToMouth := (dist(le) + dist(re)) / 2
	size := math.Floor(eyeToMouth / 0.45)
	ref := point{(le.x + re.x + mo.x) / 3, (le.y + re.y + mo.y) / 3}
	x := math.Floor(math.Max(0, ref.x-0.5*size))
	y := math.Floor(math.Max(0, ref.y-0.43*size))
	return Box{X: x, Y: y, Width: math.Min(size, float64(cropW)+x), Height: math.Min(size, float64(cropH)+y)}
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
