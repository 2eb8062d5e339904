package face

import (
	"errors"
	"fmt"
	"image"
	"math"

	"github.com/hirebus/hirebus/face/nn"
)

// ErrModelsMissing is returned by Load when the model files are not in the
// models directory; it is the same error value as nn.ErrModelsMissing so
// either can be tested with errors.Is.
var ErrModelsMissing = nn.ErrModelsMissing

// ErrBadOptions reports an invalid Options value.
var ErrBadOptions = errors.New("invalid face options")

// DetectorKind selects the face detector.
type DetectorKind string

// The two detectors of face-api.
const (
	// DetectorTiny is TinyFaceDetector: fast, meant for webcam frames.
	DetectorTiny DetectorKind = "tiny"
	// DetectorSSD is SSD MobileNet v1: slower, finds more (and smaller)
	// faces in large photos.
	DetectorSSD DetectorKind = "ssd"
)

// Options tune one Detect or Embed call. The zero value is the face-api
// default of TinyFaceDetector (inputSize 416, scoreThreshold 0.5).
type Options struct {
	// Detector is DetectorTiny (default) or DetectorSSD.
	Detector DetectorKind
	// MinScore is the detector's score threshold (default 0.5; face-api's
	// scoreThreshold / minConfidence).
	MinScore float64
	// InputSize is the tiny detector's input side, a multiple of 32
	// (default 416). Larger finds smaller faces, at quadratic cost.
	InputSize int
	// MaxFaces keeps only the most prominent faces (0: all).
	MaxFaces int
}

func (o Options) normalized() (Options, error) {
	if o.Detector == "" {
		o.Detector = DetectorTiny
	}
	if o.Detector != DetectorTiny && o.Detector != DetectorSSD {
		return o, fmt.Errorf("%w: detector %q (want tiny or ssd)", ErrBadOptions, o.Detector)
	}
	if o.MinScore == 0 {
		o.MinScore = 0.5
	}
	if o.MinScore <= 0 || o.MinScore >= 1 || math.IsNaN(o.MinScore) {
		return o, fmt.Errorf("%w: min score %v outside (0, 1)", ErrBadOptions, o.MinScore)
	}
	if o.InputSize == 0 {
		o.InputSize = 416
	}
	if o.InputSize%32 != 0 || o.InputSize < 64 || o.InputSize > 1024 {
		return o, fmt.Errorf("%w: input size %d (want a multiple of 32 in [64, 1024])", ErrBadOptions, o.InputSize)
	}
	if o.MaxFaces < 0 {
		return o, fmt.Errorf("%w: max faces %d", ErrBadOptions, o.MaxFaces)
	}
	return o, nil
}

// Face is one detected face in image pixels.
type Face struct {
	// Score is the detector's confidence in [0, 1].
	Score float64 `json:"score"`
	// Box is the detector's box.
	Box Box `json:"box"`
	// Landmarks are the 68 points of FaceLandmark68Net (dlib/iBUG order).
	Landmarks [][2]float64 `json:"landmarks"`
	// Descriptor is the 128-d embedding (Embed only).
	Descriptor []float32 `json:"descriptor,omitempty"`
}

// Embedder turns an image into faces with descriptors. ModelID names the
// embedding space: descriptors of different models must never be compared,
// so stores key them by it and a stronger model can replace this one.
type Embedder interface {
	Embed(img image.Image, opts Options) ([]Face, error)
	ModelID() string
}

// MaxDetections caps the faces one call analyses (face-api's SSD default
// maxResults).
const MaxDetections = 100

// ModelID of Pipeline's descriptors.
const ModelID = "face-api@1.7.15/face_recognition_model"

// Pipeline holds the loaded networks. All of them are immutable after Load,
// so one Pipeline is safe for concurrent use by any number of goroutines.
type Pipeline struct {
	tiny      *tinyNet
	ssd       *ssdNet
	landmarks *landmarkNet
	recog     *RecognitionNet
}

var _ Embedder = (*Pipeline)(nil)

// Load reads the face-api models from modelsDir (as `make models` lays them
// out). Missing files give an error wrapping ErrModelsMissing whose text is
// one line naming the directory and the remedy.
func Load(modelsDir string) (*Pipeline, error) {
	p := &Pipeline{}
	load := func(model string) (*nn.Weights, error) {
		w, err := nn.LoadWeights(modelsDir, model)
		if errors.Is(err, nn.ErrModelsMissing) {
			return nil, fmt.Errorf("face: load models: %w in %s (run `make models` or set HIREBUS_MODELS_DIR)", ErrModelsMissing, modelsDir)
		}
		if err != nil {
			return nil, fmt.Errorf("face: load models: %w", err)
		}
		return w, nil
	}
	w, err := load(tinyModel)
	if err != nil {
		return nil, err
	}
	if p.tiny, err = newTinyNet(w); err != nil {
		return nil, err
	}
	if w, err = load(ssdModel); err != nil {
		return nil, err
	}
	if p.ssd, err = newSSDNet(w); err != nil {
		return nil, err
	}
	if w, err = load(landmarksModel); err != nil {
		return nil, err
	}
	if p.landmarks, err = newLandmarkNet(w); err != nil {
		return nil, err
	}
	if p.recog, err = LoadRecognitionNet(modelsDir); err != nil {
		if errors.Is(err, nn.ErrModelsMissing) {
			return nil, fmt.Errorf("face: load models: %w in %s (run `make models` or set HIREBUS_MODELS_DIR)", ErrModelsMissing, modelsDir)
		}
		return nil, fmt.Errorf("face: load models: %w", err)
	}
	return p, nil
}

// ModelID implements Embedder.
func (p *Pipeline) ModelID() string { return ModelID }

// Detect finds faces and their landmarks, most confident first (with
// Options.MaxFaces: the most prominent first). At most MaxDetections faces
// are returned, which bounds the work a crafted image can cause.
func (p *Pipeline) Detect(img image.Image, opts Options) ([]Face, error) {
	faces, _, err := p.run(img, opts, false)
	return faces, err
}

// Embed is Detect plus the 128-d descriptor of every face, computed on the
// dlib-aligned crop as face-api's withFaceDescriptors does.
func (p *Pipeline) Embed(img image.Image, opts Options) ([]Face, error) {
	faces, _, err := p.run(img, opts, true)
	return faces, err
}

// faceDetail carries intermediate geometry for tests.
type faceDetail struct {
	aligned Box
}

func (p *Pipeline) run(img image.Image, opts Options, embed bool) ([]Face, []faceDetail, error) {
	opts, err := opts.normalized()
	if err != nil {
		return nil, nil, fmt.Errorf("face: detect: %w", err)
	}
	if img == nil || img.Bounds().Empty() {
		return nil, nil, fmt.Errorf("face: detect: %w: empty image", ErrNotImage)
	}
	t := asPixels(img)
	var dets []detection
	if opts.Detector == DetectorSSD {
		dets, err = p.ssd.detect(t, opts.MinScore)
	} else {
		dets, err = p.tiny.detect(t, opts.InputSize, opts.MinScore)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("face: detect: %w", err)
	}
	if len(dets) > MaxDetections {
		dets = dets[:MaxDetections] // detectors return them by score
	}
	if opts.MaxFaces > 0 && len(dets) > opts.MaxFaces {
		dets = mostProminentDetections(dets, opts.MaxFaces)
	}
	faces := make([]Face, 0, len(dets))
	details := make([]faceDetail, 0, len(dets))
	for _, d := range dets {
		if !finite(d.score, d.box.X, d.box.Y, d.box.Width, d.box.Height) {
			continue // a degenerate decode must not reach JSON or the crops
		}
		pts, cw, ch, err := p.landmarks.landmarks(t, d.box)
		if err != nil {
			return nil, nil, fmt.Errorf("face: landmarks: %w", err)
		}
		if pts == nil {
			continue // box entirely outside the image
		}
		f := Face{Score: d.score, Box: d.box, Landmarks: pts}
		aligned := AlignDlib(pts, cw, ch)
		if embed {
			f.Descriptor, err = p.descriptor(t, aligned)
			if err != nil {
				return nil, nil, fmt.Errorf("face: descriptor: %w", err)
			}
		}
		faces = append(faces, f)
		details = append(details, faceDetail{aligned: aligned})
	}
	return faces, details, nil
}

// descriptor runs the recognition net on the aligned box as
// extractFaceTensors + FaceRecognitionNet do: the box clipped to the image
// and floored, then (inside DescriptorTensor) padded to a centred square
// and resized to 150 with tfjs' bilinear resize, values not rounded.
func (p *Pipeline) descriptor(img pixels, aligned Box) ([]float32, error) {
	iw, ih := img.size()
	x, y, w, h := clipFloor(aligned, iw, ih)
	if w <= 0 || h <= 0 {
		// face-api returns a zero descriptor for an empty crop.
		return make([]float32, DescriptorSize), nil
	}
	d, err := p.recog.DescriptorTensor(img.crop(x, y, w, h))
	if err != nil {
		return nil, err
	}
	return d[:], nil
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// prominence orders faces for "the most prominent face": the largest box,
// ties broken by score.
func prominence(b Box, score float64) float64 { return b.Area() + score }

func mostProminentDetections(d []detection, n int) []detection {
	out := append([]detection(nil), d...)
	// Partial selection; n is tiny.
	for i := 0; i < n; i++ {
		best := i
		for j := i + 1; j < len(out); j++ {
			if prominence(out[j].box, out[j].score) > prominence(out[best].box, out[best].score) {
				best = j
			}
		}
		out[i], out[best] = out[best], out[i]
	}
	return out[:n]
}

// MostProminent returns the index of the face with the largest box (ties:
// higher score), or -1 for none.
func MostProminent(faces []Face) int {
	best := -1
	for i, f := range faces {
		if best < 0 || prominence(f.Box, f.Score) > prominence(faces[best].Box, faces[best].Score) {
			best = i
		}
	}
	return best
}

// Distance is the Euclidean (L2) distance between two descriptors; it is
// +Inf when their lengths differ, so a mismatch never looks like a match.
func Distance(a, b []float32) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return math.Inf(1)
	}
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return math.Sqrt(s)
}
