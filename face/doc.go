// Package face is hirebus's pure-Go face pipeline: image decoding with the
// safety checks the edge relies on, the face detectors (TinyFaceDetector and
// SSD MobileNet v1), FaceLandmark68Net, face-api's dlib-style alignment and
// the 128-d descriptor of FaceRecognitionNet.
//
// The networks are ports of @vladmandic/face-api@1.7.15 and load its shipped
// weights (see scripts/fetch-models.sh); the numeric kernels live in face/nn.
// Every step reproduces the TypeScript/tfjs semantics (padding to square,
// tfjs' resizeBilinear without half-pixel centres, box decoding and NMS) so
// the results match the reference goldens in shared/testdata/faces.
package face
