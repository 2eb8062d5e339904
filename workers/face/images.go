package face

import (
	"errors"
	"fmt"
	"image"
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

// oneFace decodes s and returns its single, clear face with descriptor:
// exactly one face, scoring at least MinEnrollScore, with a box at least
// MinFaceSize on its shorter side. Enrolment and login use it.
func (w *Worker) oneFace(s string) (face.Face, *reject, error) {
	img, rej := w.decode(s)
	if rej != nil {
		return face.Face{}, rej, nil
	}
	fs, err := w.faces(img, true, face.DetectorTiny)
	if err != nil {
		return face.Face{}, nil, err
	}
	switch {
	case len(fs) == 0:
		return face.Face{}, &reject{CodeNoFace, "no face found in the image"}, nil
	case len(fs) > 1:
		return face.Face{}, &reject{CodeMultipleFaces, fmt.Sprintf("%d faces in the image; exactly one person must be visible", len(fs))}, nil
	}
	f := fs[0]
	if side := min(f.Box.Width, f.Box.Height); side < w.cfg.MinFaceSize {
		return f, &reject{CodeFaceTooSmall, fmt.Sprintf("the face is %.0f px; come closer (at least %.0f px)", side, w.cfg.MinFaceSize)}, nil
	}
	if f.Score < w.cfg.MinEnrollScore {
		return f, &reject{CodeLowQuality, fmt.Sprintf("the face is unclear (detector score %.2f, need %.2f); face the camera in good light", f.Score, w.cfg.MinEnrollScore)}, nil
	}
	return f, nil, nil
}

func boxOf(b face.Box) events.FaceBox {
	return events.FaceBox{X: b.X, Y: b.Y, Width: b.Width, Height: b.Height}
}
