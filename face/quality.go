package face

import (
	"image"
	"math"
)

// Quality measures how usable one detected face is for a sign-in decision.
// Descriptors of blurred, tiny, dark or turned faces drift away from the
// person's enrolled set, so the worker gates frames on these numbers before
// comparing anything, and tells the user what to change.
type Quality struct {
	// Size is the shorter side of the detector box, in pixels.
	Size float64 `json:"size"`
	// Brightness is the mean luma (0–255) inside the box.
	Brightness float64 `json:"brightness"`
	// Sharpness is the variance of the Laplacian of the luma inside the box,
	// sampled on a 96×96 grid so it does not grow with the resolution.
	Sharpness float64 `json:"sharpness"`
	// Yaw and Pitch are the head's rotation estimated from the landmarks,
	// in degrees: yaw > 0 when the person turns to their left (the nose
	// moves to the image's right in an unmirrored frame), pitch > 0 when
	// they look down.
	Yaw   float64 `json:"yaw"`
	Pitch float64 `json:"pitch"`
	// EAR is the mean eye aspect ratio of both eyes (≈0.3 open, < 0.2
	// closed).
	EAR float64 `json:"ear"`
}

// gridSide is the sampling grid of Brightness and Sharpness.
const gridSide = 96

// MeasureQuality measures f in img.
func MeasureQuality(img image.Image, f Face) Quality {
	q := Quality{Size: min(f.Box.Width, f.Box.Height)}
	q.Yaw, q.Pitch = HeadPose(f.Landmarks)
	q.EAR = EyeAspectRatio(f.Landmarks)
	b := img.Bounds()
	x0, y0 := max(f.Box.X, float64(b.Min.X)), max(f.Box.Y, float64(b.Min.Y))
	x1, y1 := min(f.Box.Right(), float64(b.Max.X)), min(f.Box.Bottom(), float64(b.Max.Y))
	if x1-x0 < 2 || y1-y0 < 2 {
		return q
	}
	var luma [gridSide][gridSide]float64
	var sum float64
	for j := range gridSide {
		y := int(y0 + (y1-y0)*(float64(j)+0.5)/gridSide)
		for i := range gridSide {
			x := int(x0 + (x1-x0)*(float64(i)+0.5)/gridSide)
			r, g, bl, _ := img.At(x, y).RGBA()
			l := (0.299*float64(r) + 0.587*float64(g) + 0.114*float64(bl)) / 257
			luma[j][i] = l
			sum += l
		}
	}
	q.Brightness = sum / (gridSide * gridSide)
	var s, s2 float64
	n := 0
	for j := 1; j < gridSide-1; j++ {
		for i := 1; i < gridSide-1; i++ {
			lap := luma[j-1][i] + luma[j+1][i] + luma[j][i-1] + luma[j][i+1] - 4*luma[j][i]
			s += lap
			s2 += lap * lap
			n++
		}
	}
	mean := s / float64(n)
	q.Sharpness = s2/float64(n) - mean*mean
	return q
}

// HeadPose estimates yaw and pitch (degrees) from the 68 landmarks: where
// the nose tip sits between the jaw's ends (yaw) and between the eyes and
// the chin (pitch). Coarse, but enough to tell "facing the camera" from
// "turned away" and to check a turn challenge. The nose tip sits about
// as far in front of the head's axis as the jaw is half wide, so its
// offset from the jaw's centre, over the half width, is ≈ tan(yaw). Zero
// without 68 points.
func HeadPose(pts [][2]float64) (yaw, pitch float64) {
	if len(pts) != 68 {
		return 0, 0
	}
	nose := pts[30]
	left, right := pts[0], pts[16] // image left / right jaw ends
	w := right[0] - left[0]
	if w <= 0 {
		return 0, 0
	}
	r := (nose[0]-left[0])/w*2 - 1 // −1 … 1, 0 when centred
	yaw = math.Atan(r) * 180 / math.Pi
	var eyeY float64
	for i := 36; i < 48; i++ {
		eyeY += pts[i][1]
	}
	eyeY /= 12
	h := pts[8][1] - eyeY
	if h <= 0 {
		return yaw, 0
	}
	// The nose tip sits at about 0.385 of the eye–chin height when the face
	// is level (measured on the labelled photos).
	p := ((nose[1]-eyeY)/h - pitchLevel) * 2.5
	pitch = math.Atan(p) * 180 / math.Pi
	return yaw, pitch
}

// pitchLevel is the nose tip's relative height of a level face.
const pitchLevel = 0.385

// EyeAspectRatio is the mean of both eyes' (|p2−p6| + |p3−p5|) / (2|p1−p4|)
// (Soukupová & Čech): about 0.3 for an open eye, near 0 when closed.
func EyeAspectRatio(pts [][2]float64) float64 {
	if len(pts) != 68 {
		return 0
	}
	ear := func(o int) float64 {
		d := func(a, b int) float64 { return math.Hypot(pts[o+a][0]-pts[o+b][0], pts[o+a][1]-pts[o+b][1]) }
		w := d(0, 3)
		if w == 0 {
			return 0
		}
		return (d(1, 5) + d(2, 4)) / (2 * w)
	}
	return (ear(36) + ear(42)) / 2
}
