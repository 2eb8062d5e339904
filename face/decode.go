package face

import (
	"image"

	"github.com/hirebus/hirebus/face/imaging"
)

// Image input is decoded by face/imaging (standard library only, so the
// edge can check images without linking the nets); these names keep the
// face package's API for the pipeline's callers.

// Sentinel errors of image input (see face/imaging).
var (
	ErrNotImage    = imaging.ErrNotImage
	ErrTooLarge    = imaging.ErrTooLarge
	ErrTruncated   = imaging.ErrTruncated
	ErrUnsupported = imaging.ErrUnsupported
	ErrBadEncoding = imaging.ErrBadEncoding
)

// Limits bound what DecodeImage accepts (see imaging.Limits).
type Limits = imaging.Limits

// DefaultLimits: 20 MiB encoded, 40 megapixels, 8000 px per side.
func DefaultLimits() Limits { return imaging.DefaultLimits() }

// DecodeImage is imaging.DecodeImage.
func DecodeImage(data []byte, lim Limits) (image.Image, error) { return imaging.DecodeImage(data, lim) }

// DecodeBase64Image is imaging.DecodeBase64Image.
func DecodeBase64Image(s string, maxBytes int) (image.Image, error) {
	return imaging.DecodeBase64Image(s, maxBytes)
}

// DecodeBase64 is imaging.DecodeBase64.
func DecodeBase64(s string, maxBytes int) ([]byte, error) { return imaging.DecodeBase64(s, maxBytes) }
