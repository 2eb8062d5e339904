// Package imaging decodes the JPEG and PNG images users send (raw bytes,
// base64 or data URLs) and enforces size and pixel limits on the header
// before any pixel is decoded.
//
// It depends on the standard library only, so the edge can check an image
// cheaply without linking the face nets or the vector index; the face
// pipeline (package face) decodes through it too, so both sides agree on
// what an acceptable image is. Error messages keep the "face: decode ..."
// prefix the edge strips when it answers with a 4xx.
package imaging
