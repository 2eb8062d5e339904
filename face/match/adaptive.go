package match

import "math"

// Decision is the outcome of the adaptive 1:1 rule (Decide).
type Decision struct {
	Accepted bool   `json:"accepted"`
	Reason   Reason `json:"reason"`
	// Distance is the mean distance from the probe frames to the user's
	// enrolled descriptors; Score is 1 − Distance.
	Distance float32 `json:"distance"`
	Score    float32 `json:"score"`
	// Cohort is the same mean distance to the closest other enrolled user
	// (the prior ImpostorMedian when there is nobody to compare with) and
	// Ratio is Distance / Cohort.
	Cohort     float32 `json:"cohort"`
	Ratio      float32 `json:"ratio"`
	CohortSize int     `json:"cohort_size"`
}

// SetDistance is the mean L2 distance over every pair of a probe frame and
// an enrolled descriptor: several frames average out one frame's noise the
// same way several enrolment images do. +Inf when either side is empty or
// any descriptor cannot be compared.
func SetDistance(probes, set [][]float32) float32 {
	if len(probes) == 0 || len(set) == 0 {
		return float32(math.Inf(1))
	}
	var sum float64
	for _, p := range probes {
		sum += float64(MeanDistance(p, set))
	}
	return float32(sum / float64(len(probes)))
}

// Decide is the adaptive 1:1 sign-in rule: probes (the good frames of one
// sign-in) against the claimed user's enrolled set, normalised by a cohort
// of other enrolled users (each a set of descriptors; the caller passes the
// nearest few, th.CohortSize is how many it should fetch).
//
// It accepts when
//   - the probe is close to the user in absolute terms: Score = 1 − mean
//     distance ≥ th.MinScore, and
//   - it is clearly closer to the user than to anybody else: mean distance /
//     (mean distance to the closest cohort user) < th.Ratio.
//
// The ratio is the cohort normalisation: a face that lives in a dense
// neighbourhood of look-alikes (a small cohort distance) needs a
// proportionally stronger match, while a face far from everyone may use
// the looser absolute bound that real second photos of one person need.
// With no cohort (an almost empty deployment) the prior th.ImpostorMedian
// stands in for it.
func Decide(probes, enrolled [][]float32, cohort [][][]float32, th Thresholds) Decision {
	d := SetDistance(probes, enrolled)
	dec := Decision{Distance: d, Score: 1 - d, Reason: NoMatch}
	if math.IsInf(float64(d), 1) {
		dec.Score = 0
		return dec
	}
	c := float32(math.Inf(1))
	for _, set := range cohort {
		if len(set) == 0 {
			continue
		}
		dec.CohortSize++
		c = min(c, SetDistance(probes, set))
	}
	if dec.CohortSize == 0 {
		c = th.ImpostorMedian
	}
	dec.Cohort = c
	if c > 0 && !math.IsInf(float64(c), 1) {
		dec.Ratio = d / c
	} else if c <= 0 {
		dec.Ratio = float32(math.Inf(1)) // a cohort user identical to the probe
	}
	switch {
	case !(dec.Score >= th.MinScore):
		dec.Reason = NoMatch
	case !(dec.Ratio < th.Ratio):
		dec.Reason = Ambiguous
	default:
		dec.Accepted, dec.Reason = true, Accepted
	}
	return dec
}

// Spread summarises one user's enrolment: the mean and the largest
// distance between two of its descriptors (how much the person's photos
// vary). Kept with the enrolment result and shown by the evaluation.
func Spread(set [][]float32) (mean, maxPair float32) {
	var sum float64
	n := 0
	for i := range set {
		for j := i + 1; j < len(set); j++ {
			d := Distance(set[i], set[j])
			sum += float64(d)
			n++
			maxPair = max(maxPair, d)
		}
	}
	if n == 0 {
		return 0, 0
	}
	return float32(sum / float64(n)), maxPair
}
