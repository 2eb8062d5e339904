package match

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// Labelled is one photo's descriptor with the person it shows.
type Labelled struct {
	Person     string       `json:"person"`
	File       string       `json:"file"`
	Descriptor []float32    `json:"-"`
	Landmarks  [][2]float64 `json:"-"`
}

// Rate is K events out of N trials with a 95 % Wilson score interval: on
// the small samples calibration has, "0 of 36" is not "0 %".
type Rate struct {
	K    int     `json:"k"`
	N    int     `json:"n"`
	Rate float64 `json:"rate"`
	Lo   float64 `json:"ci95_lo"`
	Hi   float64 `json:"ci95_hi"`
}

// NewRate computes K/N and its 95 % Wilson interval (all zero when N is 0).
func NewRate(k, n int) Rate {
	r := Rate{K: k, N: n}
	if n == 0 {
		return r
	}
	const z = 1.959963984540054
	p := float64(k) / float64(n)
	nn := float64(n)
	den := 1 + z*z/nn
	centre := (p + z*z/(2*nn)) / den
	half := z * math.Sqrt(p*(1-p)/nn+z*z/(4*nn*nn)) / den
	r.Rate, r.Lo, r.Hi = p, max(0, centre-half), min(1, centre+half)
	if k == 0 {
		r.Lo = 0
	}
	if k == n {
		r.Hi = 1
	}
	return r
}

func (r Rate) String() string {
	return fmt.Sprintf("%d/%d = %.2f %% [%.2f, %.2f]", r.K, r.N, 100*r.Rate, 100*r.Lo, 100*r.Hi)
}

// Point is FAR and FRR of "same person when distance < Threshold" over
// pairs of photos.
type Point struct {
	Threshold float64 `json:"threshold"`
	FAR       Rate    `json:"far"`
	FRR       Rate    `json:"frr"`
}

// Pairs are the distances of every pair of labelled photos.
type Pairs struct {
	Genuine  []float64 // same person, ascending
	Impostor []float64 // different people, ascending
}

// PairDistances compares every pair of samples.
func PairDistances(samples []Labelled) Pairs {
	var p Pairs
	for i := range samples {
		for j := i + 1; j < len(samples); j++ {
			d := float64(Distance(samples[i].Descriptor, samples[j].Descriptor))
			if samples[i].Person == samples[j].Person {
				p.Genuine = append(p.Genuine, d)
			} else {
				p.Impostor = append(p.Impostor, d)
			}
		}
	}
	slices.Sort(p.Genuine)
	slices.Sort(p.Impostor)
	return p
}

// At is FAR (impostor pairs below t) and FRR (genuine pairs at or above t).
func (p Pairs) At(t float64) Point {
	far, _ := slices.BinarySearch(p.Impostor, t) // count < t
	below, _ := slices.BinarySearch(p.Genuine, t)
	return Point{Threshold: t, FAR: NewRate(far, len(p.Impostor)), FRR: NewRate(len(p.Genuine)-below, len(p.Genuine))}
}

// EER is the equal error rate: at the threshold where FAR and FRR are
// closest (among every observed distance), their mean.
func (p Pairs) EER() (eer float64, at Point) {
	best := math.Inf(1)
	cands := append(append([]float64{}, p.Genuine...), p.Impostor...)
	for _, d := range cands {
		for _, t := range []float64{d, math.Nextafter(d, math.Inf(1))} {
			pt := p.At(t)
			if gap := math.Abs(pt.FAR.Rate - pt.FRR.Rate); gap < best || (gap == best && pt.FAR.Rate < at.FAR.Rate) {
				best, at = gap, pt
			}
		}
	}
	return (at.FAR.Rate + at.FRR.Rate) / 2, at
}

// AtFAR is the operating point with the largest threshold whose FAR is at
// most maxFAR (the lowest FRR such a threshold allows).
func (p Pairs) AtFAR(maxFAR float64) Point {
	k := int(math.Floor(maxFAR * float64(len(p.Impostor))))
	// Accepting k impostor pairs at most: the threshold is the (k+1)-th
	// smallest impostor distance (strict <).
	t := math.Inf(1)
	if k < len(p.Impostor) {
		t = p.Impostor[k]
	}
	return p.At(t)
}

// LoginReport is FAR and FRR of a 1:1 sign-in rule simulated on labelled
// photos: each photo in turn is the probe of every person; the claimed
// person is enrolled from their other photos, and the cohort is everybody
// else except the probe's own person (an impostor who is not enrolled:
// the harder case for the cohort rule).
type LoginReport struct {
	Rule             string     `json:"rule"`
	GenuineAttempts  int        `json:"genuine_attempts"`
	ImpostorAttempts int        `json:"impostor_attempts"`
	FAR              Rate       `json:"far"`
	FRR              Rate       `json:"frr"`
	Rejected         []string   `json:"rejected_genuine,omitempty"`  // probe file → claimed person
	Accepted         []string   `json:"accepted_impostor,omitempty"` // probe file → claimed person
	Decisions        []Decision `json:"-"`
}

// Decider is a 1:1 rule under evaluation.
type Decider func(probes, enrolled [][]float32, cohort [][][]float32) Decision

// AdaptiveRule is Decide with th (the configured sign-in rule).
func AdaptiveRule(th Thresholds) Decider {
	return func(probes, enrolled [][]float32, cohort [][][]float32) Decision {
		return Decide(probes, enrolled, cohort, th)
	}
}

// FixedRule is the old rule: mean distance below a fixed threshold.
func FixedRule(t float32) Decider {
	return func(probes, enrolled [][]float32, _ [][][]float32) Decision {
		d := SetDistance(probes, enrolled)
		return Decision{Accepted: d < t, Distance: d, Score: 1 - d}
	}
}

// EvaluateLogin simulates 1:1 sign-ins (see LoginReport) with rule.
// Persons with fewer than two photos are never claimed (they could not be
// enrolled from other photos): they are only impostors and cohort.
func EvaluateLogin(samples []Labelled, name string, rule Decider) LoginReport {
	people := map[string][]int{}
	var order []string
	for i, s := range samples {
		if _, ok := people[s.Person]; !ok {
			order = append(order, s.Person)
		}
		people[s.Person] = append(people[s.Person], i)
	}
	slices.Sort(order)
	without := func(person string, skip int) [][]float32 {
		var set [][]float32
		for _, i := range people[person] {
			if i != skip {
				set = append(set, samples[i].Descriptor)
			}
		}
		return set
	}
	rep := LoginReport{Rule: name}
	var fa, fr int
	for _, claimed := range order {
		if len(people[claimed]) < 2 {
			continue
		}
		for pi, probe := range samples {
			enrolled := without(claimed, pi)
			if len(enrolled) == 0 {
				continue
			}
			var cohort [][][]float32
			for _, other := range order {
				if other != claimed && other != probe.Person {
					cohort = append(cohort, without(other, pi))
				}
			}
			dec := rule([][]float32{probe.Descriptor}, enrolled, cohort)
			rep.Decisions = append(rep.Decisions, dec)
			if probe.Person == claimed {
				rep.GenuineAttempts++
				if !dec.Accepted {
					fr++
					rep.Rejected = append(rep.Rejected, probe.File+" → "+claimed)
				}
			} else {
				rep.ImpostorAttempts++
				if dec.Accepted {
					fa++
					rep.Accepted = append(rep.Accepted, probe.File+" → "+claimed)
				}
			}
		}
	}
	rep.FAR, rep.FRR = NewRate(fa, rep.ImpostorAttempts), NewRate(fr, rep.GenuineAttempts)
	return rep
}

// Calibration is the whole evaluation of labelled photos.
type Calibration struct {
	People        int         `json:"people"`
	Photos        int         `json:"photos"` // with a face
	GenuinePairs  int         `json:"genuine_pairs"`
	ImpostorPairs int         `json:"impostor_pairs"`
	EER           float64     `json:"eer"`
	EERThreshold  float64     `json:"eer_threshold"`
	Curve         []Point     `json:"curve"`
	AtFAR01       Point       `json:"frr_at_far_0.1pct"`
	AtFAR1        Point       `json:"frr_at_far_1pct"`
	GenuineMax    float64     `json:"genuine_max"`
	ImpostorMin   float64     `json:"impostor_min"`
	Rule          string      `json:"rule"`
	FAR           float64     `json:"far"` // of the configured login rule (Login has counts and intervals)
	FRR           float64     `json:"frr"`
	Login         LoginReport `json:"login"`
	Fixed         LoginReport `json:"fixed_threshold_login"`
	Thresholds    Thresholds  `json:"thresholds"`
	// Spreads are each person's photo spread (Spread over all photos).
	Spreads []PersonSpread `json:"spreads"`
}

// PersonSpread is how much one person's photos vary.
type PersonSpread struct {
	Person string  `json:"person"`
	Photos int     `json:"photos"`
	Mean   float32 `json:"mean"`
	Max    float32 `json:"max"`
}

// CurveThresholds are the distances the FAR/FRR table is printed at.
var CurveThresholds = []float64{0.35, 0.40, 0.42, 0.45, 0.48, 0.50, 0.52, 0.55, 0.58, 0.60, 0.65}

// Calibrate computes every figure of the evaluation for th.
func Calibrate(samples []Labelled, th Thresholds) Calibration {
	p := PairDistances(samples)
	people := map[string]bool{}
	for _, s := range samples {
		people[s.Person] = true
	}
	c := Calibration{People: len(people), Photos: len(samples), GenuinePairs: len(p.Genuine), ImpostorPairs: len(p.Impostor), Thresholds: th}
	var at Point
	c.EER, at = p.EER()
	c.EERThreshold = at.Threshold
	for _, t := range CurveThresholds {
		c.Curve = append(c.Curve, p.At(t))
	}
	c.AtFAR01, c.AtFAR1 = p.AtFAR(0.001), p.AtFAR(0.01)
	if n := len(p.Genuine); n > 0 {
		c.GenuineMax = p.Genuine[n-1]
	}
	if len(p.Impostor) > 0 {
		c.ImpostorMin = p.Impostor[0]
	}
	byPerson := map[string][][]float32{}
	for _, s := range samples {
		byPerson[s.Person] = append(byPerson[s.Person], s.Descriptor)
	}
	for person, set := range byPerson {
		m, x := Spread(set)
		c.Spreads = append(c.Spreads, PersonSpread{Person: person, Photos: len(set), Mean: m, Max: x})
	}
	slices.SortFunc(c.Spreads, func(a, b PersonSpread) int { return strings.Compare(a.Person, b.Person) })
	c.Rule = fmt.Sprintf("adaptive: score ≥ %.2f and ratio < %.2f (cohort of %d)", th.MinScore, th.Ratio, th.CohortSize)
	c.Login = EvaluateLogin(samples, c.Rule, AdaptiveRule(th))
	c.FAR, c.FRR = c.Login.FAR.Rate, c.Login.FRR.Rate
	c.Fixed = EvaluateLogin(samples, fmt.Sprintf("fixed: mean distance < %.2f", th.Verify), FixedRule(th.Verify))
	return c
}

// WriteText prints the calibration as a human-readable report.
func (c Calibration) WriteText(w io.Writer) error {
	pf := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	pf("people %d, photos with a face %d\n", c.People, c.Photos)
	pf("genuine pairs %d, impostor pairs %d\n", c.GenuinePairs, c.ImpostorPairs)
	pf("genuine max %.4f, impostor min %.4f\n", c.GenuineMax, c.ImpostorMin)
	pf("EER %.2f %% at %.4f\n", 100*c.EER, c.EERThreshold)
	for _, sp := range c.Spreads {
		pf("spread %-12s %d photos: mean %.3f, max %.3f\n", sp.Person, sp.Photos, sp.Mean, sp.Max)
	}
	pf("%-9s  %-28s  %-28s\n", "threshold", "FAR (impostor pairs)", "FRR (genuine pairs)")
	for _, p := range c.Curve {
		pf("%-9.2f  %-28s  %-28s\n", p.Threshold, p.FAR, p.FRR)
	}
	pf("FAR ≤ 0.1 %%: threshold %.4f, FRR %s\n", c.AtFAR01.Threshold, c.AtFAR01.FRR)
	pf("FAR ≤ 1 %%:   threshold %.4f, FRR %s\n", c.AtFAR1.Threshold, c.AtFAR1.FRR)
	for _, l := range []LoginReport{c.Login, c.Fixed} {
		pf("login rule %s: %d genuine, %d impostor attempts; FAR %s, FRR %s\n", l.Rule, l.GenuineAttempts, l.ImpostorAttempts, l.FAR, l.FRR)
		for _, r := range l.Accepted {
			pf("  false accept: %s\n", r)
		}
		if len(l.Rejected) <= 12 {
			for _, r := range l.Rejected {
				pf("  false reject: %s\n", r)
			}
		}
	}
	return nil
}
