package face

import (
	"errors"
	"fmt"
	"image"
	"math"
	"strings"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/face"
)

// Public reason codes of refused images and faces (declared with their
// class in package events, which the edge maps to HTTP statuses); clients
// show them per image.
const (
	CodeNotImage        = events.CodeNotImage
	CodeTruncated       = events.CodeTruncatedImage
	CodeTooLarge        = events.CodeImageTooLarge
	CodeUnsupported     = events.CodeUnsupported
	CodeBadBase64       = events.CodeBadBase64
	CodeNoFace          = events.CodeNoFace
	CodeMultipleFaces   = events.CodeMultipleFaces
	CodeFaceTooSmall    = events.CodeFaceTooSmall
	CodeLowQuality      = events.CodeLowQualityFace
	CodeTooFewImages    = events.CodeTooFewImages
	CodeTooManyImages   = events.CodeTooManyImages
	CodeInconsistent    = events.CodeInconsistent
	CodeDuplicate       = events.CodeDuplicateFace
	CodeBadCommand      = events.CodeFaceBadRequest
	CodeNoUser          = events.CodeNoSuchUser
	CodeNotEnrolled     = events.CodeNotEnrolled
	CodeFaceUnavailable = events.CodeFaceUnavailable
	CodeTooDark         = events.CodeTooDark
	CodeTooBright       = events.CodeTooBright
	CodeBlurred         = events.CodeBlurred
	CodeOffAngle        = events.CodeOffAngle
	CodeTooManyFrames   = events.CodeTooManyFrames
)

// reject is a refused image with its public code and reason.
type reject struct {
	Code   events.Code
	Reason string
}

func (r *reject) Error() string { return string(r.Code) + ": " + r.Reason }

// ImageErrorCode maps the face package's decode errors to a public code.
func ImageErrorCode(err error) events.Code {
	switch {
	case errors.Is(err, face.ErrTooLarge):
		return CodeTooLarge
	case errors.Is(err, face.ErrTruncated):
		return CodeTruncated
	case errors.Is(err, face.ErrUnsupported):
		return CodeUnsupported
	case errors.Is(err, face.ErrBadEncoding):
		return CodeBadBase64
	default:
		return CodeNotImage
	}
}

// publicReason strips the operation prefixes of a decode error, keeping the
// part a user can act on ("image too large: 20000x20000 exceeds ...").
func publicReason(err error) string {
	s := err.Error()
	for _, p := range []string{"face: decode base64 image: ", "face: decode image: "} {
		s = strings.TrimPrefix(s, p)
	}
	return s
}

// decode turns a base64 string or data URL into an image, refusing huge,
// corrupt or foreign data before any pixel work.
func (w *Worker) decode(s string) (image.Image, *reject) {
	img, err := face.DecodeBase64Image(s, w.cfg.MaxImageBytes)
	if err != nil {
		return nil, &reject{Code: ImageErrorCode(err), Reason: publicReason(err)}
	}
	return img, nil
}

// faces runs the detector (and the descriptor net when embed) on img and
// keeps the faces scoring at least MinFaceScore, most confident first.
func (w *Worker) faces(img image.Image, embed bool, det face.DetectorKind) ([]face.Face, error) {
	opts := face.Options{Detector: det, MinScore: w.cfg.MinFaceScore}
	var fs []face.Face
	var err error
	if embed {
		fs, err = w.emb.Embed(img, opts)
	} else {
		fs, err = w.emb.Detect(img, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("face worker: run pipeline: %w", err)
	}
	return fs, nil
}

// analysed is one frame: its single face (if exactly one was found), the
// face's quality and the gate's verdict (nil: usable for a decision).
type analysed struct {
	face  face.Face
	one   bool
	q     face.Quality
	rej   *reject
	faces int
}

// analyse decodes one frame, finds its faces and gates them.
func (w *Worker) analyse(s string) (analysed, error) {
	img, rej := w.decode(s)
	if rej != nil {
		return analysed{rej: rej}, nil
	}
	fs, err := w.faces(img, true, face.DetectorTiny)
	if err != nil {
		return analysed{}, err
	}
	a := analysed{faces: len(fs)}
	switch {
	case len(fs) == 0:
		a.rej = &reject{CodeNoFace, "no face found in the image; look at the camera"}
		return a, nil
	case len(fs) > 1:
		a.rej = &reject{CodeMultipleFaces, fmt.Sprintf("%d faces in the image; exactly one person must be visible", len(fs))}
		return a, nil
	}
	a.face, a.one = fs[0], true
	a.q = face.MeasureQuality(img, a.face)
	a.rej = w.gate(a.face, a.q)
	return a, nil
}

// Hints for the user, by gate code.
var gateHints = map[events.Code]string{
	CodeNoFace:        "look at the camera",
	CodeMultipleFaces: "only you in the picture",
	CodeFaceTooSmall:  "move closer",
	CodeTooDark:       "more light",
	CodeTooBright:     "less light",
	CodeBlurred:       "hold still",
	CodeOffAngle:      "look straight at the camera",
	CodeLowQuality:    "face the camera in good light",
}

// Hint is what a user should change for a gate code ("" if unknown).
func Hint(code events.Code) string { return gateHints[code] }

// gate applies the quality gates to one face, in the order a user can fix
// them: size, light, sharpness, angle, then the detector's confidence.
func (w *Worker) gate(f face.Face, q face.Quality) *reject {
	c := w.cfg
	switch {
	case q.Size < c.MinFaceSize:
		return &reject{CodeFaceTooSmall, fmt.Sprintf("the face is %.0f px; move closer (at least %.0f px)", q.Size, c.MinFaceSize)}
	case q.Brightness < c.MinBrightness:
		return &reject{CodeTooDark, fmt.Sprintf("the face is too dark (brightness %.0f, need %.0f); more light", q.Brightness, c.MinBrightness)}
	case q.Brightness > c.MaxBrightness:
		return &reject{CodeTooBright, fmt.Sprintf("the face is overexposed (brightness %.0f, at most %.0f); less light", q.Brightness, c.MaxBrightness)}
	case q.Sharpness < c.MinSharpness:
		return &reject{CodeBlurred, fmt.Sprintf("the face is blurred (sharpness %.0f, need %.0f); hold still", q.Sharpness, c.MinSharpness)}
	case math.Abs(q.Yaw) > c.MaxYaw || math.Abs(q.Pitch) > c.MaxPitch:
		return &reject{CodeOffAngle, fmt.Sprintf("the head is turned (yaw %.0f°, pitch %.0f°; at most %.0f° and %.0f°); look straight at the camera", q.Yaw, q.Pitch, c.MaxYaw, c.MaxPitch)}
	case f.Score < c.MinEnrollScore:
		return &reject{CodeLowQuality, fmt.Sprintf("the face is unclear (detector score %.2f, need %.2f); face the camera in good light", f.Score, c.MinEnrollScore)}
	}
	return nil
}

func boxOf(b face.Box) events.FaceBox {
	return events.FaceBox{X: b.X, Y: b.Y, Width: b.Width, Height: b.Height}
}
