// Package face is hirebus's pure-Go face pipeline: image decoding with the
// safety checks the edge relies on, the face detectors (TinyFaceDetector and
// SSD MobileNet v1), FaceLandmark68Net, face-api's dlib-style alignment and
// the 128-d descriptor of FaceRecognitionNet.
//
// # Use
//
//	img, err := face.DecodeBase64Image(body.Image, 8<<20) // or DecodeImage
//	p, err := face.Load(modelsDir)                       // once; safe for concurrent use
//	faces, err := p.Embed(img, face.Options{})          // tiny detector by default
//	d := face.Distance(faces[0].Descriptor, enrolled)
//
// Decoding errors wrap one of ErrNotImage, ErrTooLarge, ErrTruncated,
// ErrUnsupported and ErrBadEncoding, so callers can answer 4xx with a reason.
//
// # Exactness
//
// The networks are ports of @vladmandic/face-api@1.7.15 and load its shipped
// weights (see scripts/fetch-models.sh); the numeric kernels live in face/nn.
// Every step reproduces the TypeScript/tfjs semantics (padding to square,
// tfjs' resizeBilinear without half-pixel centres, box decoding and NMS,
// the landmark padding correction, the floored dlib square), and baseline
// JPEGs are decoded bit-exactly like jpeg-js (jpegdec.go), the decoder the
// goldens in shared/testdata/faces were made with. On those goldens the
// whole pipeline matches to float rounding (descriptor distance ~1e-6).
package face
