// Package index is the face vector index: enrolled 128-d face descriptors and
// exact nearest-user search by Euclidean (L2) distance, the metric face-api's
// recognition net is trained for.
//
// One interface, two implementations:
//   - Embedded (default): descriptors persisted in MySQL table face_embeddings
//     and held in memory as one contiguous float32 array that is searched
//     exhaustively; replicas stay in sync by applying Change events.
//   - Pinecone (sub-package face/index/pinecone, so only the binary that
//     selects it links its client): a managed index (metric euclidean,
//     dimension 128), one namespace per deployment, user id in the vector
//     metadata and id prefix.
//
// Both return the same thing from Search: the k nearest *users*, each with the
// distance of that user's closest enrolled descriptor, nearest first. The
// decision (accept, refuse, duplicate) is face/match's job, not the index's.
package index

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/hirebus/hirebus/face/match"
)

// Dim is the descriptor length of face-api's FaceRecognitionNet.
const Dim = match.Dim

// DefaultModel names the descriptors produced by the port of face-api's
// recognition net (a dlib-style ResNet-34); it equals face.ModelID, repeated
// here so the index does not import the pipeline. Descriptors of different
// models are never compared.
const DefaultModel = "face-api@1.7.15/face_recognition_model"

// Source says why a descriptor was stored; it matches the SQL enum.
type Source string

// The sources of enrolled descriptors.
const (
	SourceEnroll Source = "enroll"
	SourceReset  Source = "reset"
)

// Entry is one enrolled descriptor.
type Entry struct {
	// EmbeddingID is assigned by the index when zero (Upsert, ReplaceUser
	// fill it in place).
	EmbeddingID uint64    `json:"embedding_id"`
	UserID      uint64    `json:"user_id"`
	Model       string    `json:"model"` // empty means the index's model
	Vector      []float32 `json:"vector"`
	Quality     float32   `json:"quality"` // detector score of the source image
	Source      Source    `json:"source"`  // empty means SourceEnroll
}

// Match is one user found by Search. The type is declared in face/match (the
// rules that judge matches), so the rules need nothing from the index.
type Match = match.Candidate

// ChangeKind says what happened to a user's enrolled set.
type ChangeKind string

// The kinds of Change.
const (
	ChangeReplaced ChangeKind = "replaced" // enrol, reset or upsert
	ChangeDeleted  ChangeKind = "deleted"  // face data or user removed
)

// Change tells other replicas that a user's enrolled set changed. It carries
// no vectors on purpose: a replica re-reads the user's rows from the system of
// record, so events applied late, twice or out of order still converge on
// the stored state.
type Change struct {
	Kind   ChangeKind `json:"kind"`
	UserID uint64     `json:"user_id"`
	OpID   string     `json:"op_id,omitempty"`
}

// Index stores enrolled descriptors and finds the nearest users.
type Index interface {
	// Upsert adds descriptors, or replaces those whose EmbeddingID exists.
	// Zero EmbeddingIDs are assigned and written back into entries.
	Upsert(ctx context.Context, entries []Entry) error
	// ReplaceUser atomically replaces every descriptor of userID with
	// entries (first enrolment and reset-face). opID is the command id: if it
	// was applied before, nothing changes and applied is false.
	ReplaceUser(ctx context.Context, userID uint64, opID string, entries []Entry) (applied bool, err error)
	// DeleteUser removes every descriptor of userID (no error if none).
	DeleteUser(ctx context.Context, userID uint64) error
	// UserEntries returns userID's descriptors (for 1:1 verification).
	UserEntries(ctx context.Context, userID uint64) ([]Entry, error)
	// Search returns up to k users nearest to vec, one Match per user (its
	// closest descriptor), by increasing distance.
	Search(ctx context.Context, vec []float32, k int) ([]Match, error)
	// Len is the number of stored descriptors.
	Len(ctx context.Context) (int, error)
	// ApplyChange brings this replica up to date after another replica
	// changed a user. It is idempotent.
	ApplyChange(ctx context.Context, c Change) error
	// Close releases connections (not the caller's *sql.DB).
	Close() error
}

// Errors callers can test with errors.Is.
var (
	ErrDimension = errors.New("index: descriptor must have 128 finite values")
	ErrModel     = errors.New("index: descriptor model differs from the index model")
	ErrInvalid   = errors.New("index: invalid argument")
)

// MaxK bounds Search's k: Identify needs two users, duplicate checks a few;
// a huge k would only burn memory.
const MaxK = 1000

// checkVector rejects vectors that would poison distances (NaN, ±Inf) or
// have the wrong length.
func checkVector(v []float32) error {
	if len(v) != Dim {
		return fmt.Errorf("%w (got %d values)", ErrDimension, len(v))
	}
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return ErrDimension
		}
	}
	return nil
}

func checkK(k int) error {
	if k < 1 || k > MaxK {
		return fmt.Errorf("%w: k=%d outside 1..%d", ErrInvalid, k, MaxK)
	}
	return nil
}

// normalize validates e against the index model and fills defaults.
func normalize(e *Entry, model string) error {
	if err := checkVector(e.Vector); err != nil {
		return err
	}
	if e.UserID == 0 {
		return fmt.Errorf("%w: user id 0", ErrInvalid)
	}
	if e.Model == "" {
		e.Model = model
	}
	if e.Model != model {
		return fmt.Errorf("%w: %q, index holds %q", ErrModel, e.Model, model)
	}
	switch e.Source {
	case "":
		e.Source = SourceEnroll
	case SourceEnroll, SourceReset:
	default:
		return fmt.Errorf("%w: source %q", ErrInvalid, e.Source)
	}
	if math.IsNaN(float64(e.Quality)) || math.IsInf(float64(e.Quality), 0) {
		return fmt.Errorf("%w: quality not finite", ErrInvalid)
	}
	return nil
}

// EncodeDescriptor packs a descriptor as 128 little-endian float32 (the
// face_embeddings.descriptor column).
func EncodeDescriptor(v []float32) ([]byte, error) {
	if err := checkVector(v); err != nil {
		return nil, err
	}
	b := make([]byte, 4*Dim)
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b, nil
}

// DecodeDescriptor is the inverse of EncodeDescriptor.
func DecodeDescriptor(b []byte) ([]float32, error) {
	if len(b) != 4*Dim {
		return nil, fmt.Errorf("%w: blob of %d bytes", ErrDimension, len(b))
	}
	v := make([]float32, Dim)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	if err := checkVector(v); err != nil {
		return nil, err
	}
	return v, nil
}

// L2 is the Euclidean distance between two descriptors of equal length.
func L2(a, b []float32) float32 {
	var s float32
	b = b[:len(a)]
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return float32(math.Sqrt(float64(s)))
}
