// Package match turns face descriptor distances into decisions: 1:1
// verification, 1:N identification, enrolment consistency, duplicate faces
// and proctoring mismatches. It holds no state; the numbers come from
// Thresholds, whose defaults were measured on the golden photos
// (docs/face-thresholds.md).
//
// The model (face-api's dlib-style ResNet-34) is known to put some different
// people close together — 19 of the 231 pairs of different people in the
// golden photos are under the customary 0.6 — so every rule here prefers
// refusing to guessing: a refused face login falls back to the username (1:1)
// or the password.
package match

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
)

// Dim is the length of a face descriptor (face-api's recognition net).
const Dim = 128

// Candidate is one enrolled user near a probe descriptor: what an index
// search returns (face/index.Match is this type) and what the rules below
// judge. Declared here so the rules import no index.
type Candidate struct {
	UserID      uint64  `json:"user_id"`
	EmbeddingID uint64  `json:"embedding_id"` // the user's closest descriptor
	Distance    float32 `json:"distance"`     // Euclidean (L2), not squared
}

// Thresholds are Euclidean (L2) distances between 128-d descriptors.
type Thresholds struct {
	// Verify: a 1:1 login is accepted when the probe's distance to the
	// closest of the user's enrolled descriptors is below this.
	Verify float32 `json:"verify"`
	// Identify: a 1:N login is accepted only when the nearest user is below
	// this (stricter than Verify: the probe was compared with everyone) ...
	Identify float32 `json:"identify"`
	// Margin: ... and the runner-up user is at least Margin farther away.
	Margin float32 `json:"margin"`
	// EnrollSpread bounds the largest pairwise distance between the
	// descriptors of one enrolment: all images must show one person.
	EnrollSpread float32 `json:"enroll_spread"`
	// MinEnrollImages is the fewest images an enrolment may have.
	MinEnrollImages int `json:"min_enroll_images"`
	// Duplicate: an enrolment image within this distance of another user
	// votes for that user; a majority of votes for one user is a duplicate.
	Duplicate float32 `json:"duplicate"`
	// Mismatch: a proctoring frame whose face is at least this far from the
	// candidate's enrolled set is reported as a different person.
	Mismatch float32 `json:"mismatch"`
	// ImpostorMedian is where mismatch confidence reaches 1: the median
	// distance between different people (0.711 on the golden photos).
	ImpostorMedian float32 `json:"impostor_median"`

	// The adaptive 1:1 sign-in rule (Decide), calibrated on real genuine
	// pairs (docs/face-thresholds.md):
	// MinScore is the least similarity (1 − mean distance to the user's
	// enrolled set) a sign-in needs (HIREBUS_FACE_MIN_SCORE).
	MinScore float32 `json:"min_score"`
	// Ratio: the mean distance to the user divided by the mean distance to
	// the closest other enrolled user must be below this
	// (HIREBUS_FACE_RATIO_THRESHOLD).
	Ratio float32 `json:"ratio"`
	// CohortSize is how many of the nearest other users form the cohort
	// (HIREBUS_FACE_COHORT_SIZE).
	CohortSize int `json:"cohort_size"`
}

// DefaultThresholds are the values measured in docs/face-thresholds.md:
// on the golden photos they accept no pair of different people (the closest
// such pair is 0.439 apart) and keep re-captures of one face (≈0.005–0.2)
// well inside.
func DefaultThresholds() Thresholds {
	return Thresholds{
		Verify:          0.42,
		Identify:        0.38,
		Margin:          0.08,
		EnrollSpread:    0.42,
		MinEnrollImages: 3,
		Duplicate:       0.40,
		Mismatch:        0.55,
		ImpostorMedian:  0.71,
		MinScore:        0.45,
		Ratio:           0.85,
		CohortSize:      5,
	}
}

// ErrThresholds reports an inconsistent Thresholds value.
var ErrThresholds = errors.New("match: invalid thresholds")

// Validate checks ranges and the orderings the rules rely on.
func (t Thresholds) Validate() error {
	finite := func(x float32) bool { return x > 0 && x < 2 && !math.IsNaN(float64(x)) }
	switch {
	case !finite(t.Verify) || !finite(t.Identify) || !finite(t.EnrollSpread) || !finite(t.Duplicate) || !finite(t.Mismatch) || !finite(t.ImpostorMedian):
		return fmt.Errorf("%w: distances must lie in (0, 2)", ErrThresholds)
	case !(t.Margin >= 0 && t.Margin < 1):
		return fmt.Errorf("%w: margin %v outside [0, 1)", ErrThresholds, t.Margin)
	case t.Identify > t.Verify:
		return fmt.Errorf("%w: identify (%v) must not be looser than verify (%v)", ErrThresholds, t.Identify, t.Verify)
	case t.Mismatch < t.Verify:
		return fmt.Errorf("%w: mismatch (%v) below verify (%v) would flag faces that log in", ErrThresholds, t.Mismatch, t.Verify)
	case t.ImpostorMedian <= t.Verify:
		return fmt.Errorf("%w: impostor median must exceed verify", ErrThresholds)
	case !(t.MinScore > 0 && t.MinScore < 1):
		return fmt.Errorf("%w: min score %v outside (0, 1)", ErrThresholds, t.MinScore)
	case !(t.Ratio > 0 && t.Ratio <= 1):
		return fmt.Errorf("%w: ratio %v outside (0, 1]", ErrThresholds, t.Ratio)
	case t.CohortSize < 1 || t.CohortSize > 50:
		return fmt.Errorf("%w: cohort size %d outside 1..50", ErrThresholds, t.CohortSize)
	case t.MinEnrollImages < 1 || t.MinEnrollImages > 20:
		return fmt.Errorf("%w: min enroll images %d outside 1..20", ErrThresholds, t.MinEnrollImages)
	}
	return nil
}

// Distance is the L2 distance, +Inf for descriptors that cannot be compared
// (different lengths, empty, non-finite) so they never match.
func Distance(a, b []float32) float32 {
	if len(a) != len(b) || len(a) == 0 {
		return float32(math.Inf(1))
	}
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	if math.IsNaN(s) {
		return float32(math.Inf(1))
	}
	return float32(math.Sqrt(s))
}

// Verify is the 1:1 decision: is probe the person enrolled as enrolled?
// dist is the mean distance from probe to the enrolled descriptors (+Inf if
// none or if any cannot be compared).
//
// Mean, not closest: with several enrolment images the closest one gives an
// impostor one try per image, and probe noise does the rest. Measured on
// re-captures of the golden faces (docs/face-thresholds.md), at 0.42 the
// closest-descriptor rule let 2 of 2730 impostor attempts in, the mean none,
// with the same genuine acceptance (128/130). face-api's FaceMatcher also
// averages. 1:N search still ranks by each user's closest descriptor (that
// is what an index can do); Identify's stricter threshold and margin cover it.
func Verify(probe []float32, enrolled [][]float32, th Thresholds) (ok bool, dist float32) {
	dist = MeanDistance(probe, enrolled)
	return dist < th.Verify, dist
}

// MeanDistance is the mean L2 distance from probe to the descriptors of set,
// +Inf when set is empty or any descriptor cannot be compared.
func MeanDistance(probe []float32, set [][]float32) float32 {
	if len(set) == 0 {
		return float32(math.Inf(1))
	}
	var sum float64
	for _, e := range set {
		sum += float64(Distance(probe, e))
	}
	return float32(sum / float64(len(set)))
}

// Reason explains an Identify decision.
type Reason string

// Identify outcomes.
const (
	Accepted  Reason = "accepted"
	NoMatch   Reason = "no_match"  // nobody close enough (or nobody enrolled)
	Ambiguous Reason = "ambiguous" // close, but a second user is nearly as close
)

// Identify is the 1:N decision over index search results (ideally k ≥ 2;
// per-descriptor results are reduced to per-user minima first). It accepts
// the nearest user only if that user is closer than th.Identify and the
// runner-up user is at least th.Margin farther; otherwise the caller must
// ask for the username.
func Identify(matches []Candidate, th Thresholds) (userID uint64, ok bool, reason Reason) {
	best := map[uint64]float32{}
	for _, m := range matches {
		d := m.Distance
		if math.IsNaN(float64(d)) {
			continue
		}
		if b, seen := best[m.UserID]; !seen || d < b {
			best[m.UserID] = d
		}
	}
	if len(best) == 0 {
		return 0, false, NoMatch
	}
	type ud struct {
		u uint64
		d float32
	}
	users := make([]ud, 0, len(best))
	for u, d := range best {
		users = append(users, ud{u, d})
	}
	slices.SortFunc(users, func(a, b ud) int { return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.u, b.u)) })
	if !(users[0].d < th.Identify) {
		return 0, false, NoMatch
	}
	if len(users) > 1 && users[1].d-users[0].d < th.Margin {
		return 0, false, Ambiguous
	}
	return users[0].u, true, Accepted
}

// Enrolment errors; wrapped with details, test with errors.Is.
var (
	ErrTooFewImages = errors.New("match: too few face images")
	ErrInconsistent = errors.New("match: the face images do not show the same person")
	ErrBadVector    = errors.New("match: invalid descriptor")
	ErrDuplicate    = errors.New("match: this face is already enrolled by another user")
)

// CheckEnrollment verifies that descs (one per enrolment image) are enough
// and agree: every pair must be closer than th.EnrollSpread. maxPair is the
// largest pairwise distance (useful for the UI: "retake image i").
func CheckEnrollment(descs [][]float32, th Thresholds) (maxPair float32, worst [2]int, err error) {
	if len(descs) < th.MinEnrollImages {
		return 0, worst, fmt.Errorf("%w: %d, need %d", ErrTooFewImages, len(descs), th.MinEnrollImages)
	}
	for i, d := range descs {
		if len(d) != Dim {
			return 0, worst, fmt.Errorf("%w: image %d has %d values", ErrBadVector, i, len(d))
		}
	}
	for i := range descs {
		for j := i + 1; j < len(descs); j++ {
			d := Distance(descs[i], descs[j])
			if math.IsInf(float64(d), 1) {
				return 0, worst, fmt.Errorf("%w: image %d or %d", ErrBadVector, i, j)
			}
			if d > maxPair {
				maxPair, worst = d, [2]int{i, j}
			}
		}
	}
	if !(maxPair < th.EnrollSpread) {
		return maxPair, worst, fmt.Errorf("%w: images %d and %d are %.3f apart (limit %.3f)", ErrInconsistent, worst[0], worst[1], maxPair, th.EnrollSpread)
	}
	return maxPair, worst, nil
}

// Duplicate describes an enrolment whose face already belongs to someone.
type Duplicate struct {
	UserID   uint64  `json:"user_id"`
	Votes    int     `json:"votes"`    // enrolment images within th.Duplicate of UserID
	Distance float32 `json:"distance"` // the closest of them
}

// CheckDuplicate decides whether an enrolment's face belongs to another
// user. perImage[i] are the index search results for enrolment image i
// (k of a few); self is the enrolling user, whose own (old) descriptors are
// ignored so a reset never conflicts with itself.
//
// One image close to somebody is not enough — with many users, some stranger
// is always near one image — so a user must collect the votes of more than
// half of the images.
func CheckDuplicate(perImage [][]Candidate, self uint64, th Thresholds) (Duplicate, bool) {
	votes := map[uint64]int{}
	closest := map[uint64]float32{}
	for _, ms := range perImage {
		seen := map[uint64]bool{}
		for _, m := range ms {
			if m.UserID == self || seen[m.UserID] || !(m.Distance < th.Duplicate) {
				continue
			}
			seen[m.UserID] = true
			votes[m.UserID]++
			if c, ok := closest[m.UserID]; !ok || m.Distance < c {
				closest[m.UserID] = m.Distance
			}
		}
	}
	var best Duplicate
	for u, v := range votes {
		d := Duplicate{UserID: u, Votes: v, Distance: closest[u]}
		if v > best.Votes || (v == best.Votes && d.Distance < best.Distance) {
			best = d
		}
	}
	if best.Votes*2 > len(perImage) {
		return best, true
	}
	return Duplicate{}, false
}

// CheckNewEnrollment runs both enrolment checks — enough consistent images,
// then no other user's face — and returns nil or an error wrapping
// ErrTooFewImages, ErrInconsistent, ErrBadVector or ErrDuplicate (the
// caller maps them to 4xx; the duplicate's user id is deliberately not in
// the message, which reaches the applicant).
func CheckNewEnrollment(descs [][]float32, perImage [][]Candidate, self uint64, th Thresholds) error {
	if _, _, err := CheckEnrollment(descs, th); err != nil {
		return err
	}
	if len(perImage) != len(descs) {
		return fmt.Errorf("%w: %d search results for %d images", ErrBadVector, len(perImage), len(descs))
	}
	if _, dup := CheckDuplicate(perImage, self, th); dup {
		return ErrDuplicate
	}
	return nil
}

// Mismatch is the proctoring decision for one frame's face against the
// candidate's enrolled descriptors: a different person when the mean
// distance (as in Verify) is at least th.Mismatch. confidence grows
// linearly from 0 at th.Verify (a face that would log in) to 1 at the median
// distance between different people.
func Mismatch(probe []float32, enrolled [][]float32, th Thresholds) (mismatch bool, dist, confidence float32) {
	_, dist = Verify(probe, enrolled, th)
	c := (dist - th.Verify) / (th.ImpostorMedian - th.Verify)
	confidence = min(max(c, 0), 1)
	return dist >= th.Mismatch, dist, confidence
}
