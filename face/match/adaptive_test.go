package match_test

import (
	"math"
	"testing"

	"github.com/hirebus/hirebus/face/match"
)

func TestDecide(t *testing.T) {
	th := match.DefaultThresholds() // score ≥ 0.45 (distance ≤ 0.55), ratio < 0.85
	probe := [][]float32{vec(0, 1)}
	user := [][]float32{vec(0, 1.5)} // distance 0.5
	far := [][]float32{vec(1, 1)}    // distance √2
	cases := []struct {
		name   string
		probes [][]float32
		user   [][]float32
		cohort [][][]float32
		ok     bool
		reason match.Reason
	}{
		{"close, nobody else near", probe, user, [][][]float32{far}, true, match.Accepted},
		// A look-alike at 0.55 makes 0.5 not clearly closer (ratio 0.91).
		{"close, but a look-alike nearly as close", probe, user, [][][]float32{far, {vec(0, 0.45)}}, false, match.Ambiguous},
		{"the same distance needs a far neighbourhood", probe, user, [][][]float32{{vec(0, 0.4)}}, true, match.Accepted},
		{"too far in absolute terms, even alone", probe, [][]float32{vec(0, 1.6)}, [][][]float32{far}, false, match.NoMatch},
		// Without a cohort the prior impostor median (0.71) stands in: 0.5
		// / 0.71 = 0.70 passes, 0.62 is refused by the score anyway.
		{"no cohort", probe, user, nil, true, match.Accepted},
		{"empty cohort sets are ignored", probe, user, [][][]float32{{}, nil}, true, match.Accepted},
		{"several frames average", [][]float32{vec(0, 1), vec(0, 1.2)}, [][]float32{vec(0, 1.55)}, [][][]float32{far}, true, match.Accepted},
		{"nothing enrolled", probe, nil, nil, false, match.NoMatch},
		{"no frames", nil, user, nil, false, match.NoMatch},
		{"a cohort user identical to the probe", probe, user, [][][]float32{{vec(0, 1)}}, false, match.Ambiguous},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := match.Decide(c.probes, c.user, c.cohort, th)
			if d.Accepted != c.ok || d.Reason != c.reason {
				t.Fatalf("Decide = %+v; want accepted %v, %s", d, c.ok, c.reason)
			}
		})
	}
	d := match.Decide(probe, user, [][][]float32{far, {vec(0, 0.45)}}, th)
	if math.Abs(float64(d.Distance)-0.5) > 1e-6 || math.Abs(float64(d.Cohort)-0.55) > 1e-6 || d.CohortSize != 2 || math.Abs(float64(d.Ratio)-0.5/0.55) > 1e-6 {
		t.Errorf("numbers %+v", d)
	}
}

func TestSpread(t *testing.T) {
	mean, maxPair := match.Spread([][]float32{vec(0, 0), vec(0, 0.2), vec(0, 0.6)})
	if math.Abs(float64(mean)-0.4) > 1e-6 || math.Abs(float64(maxPair)-0.6) > 1e-6 {
		t.Errorf("spread %v %v", mean, maxPair)
	}
	if m, x := match.Spread([][]float32{vec(0, 1)}); m != 0 || x != 0 {
		t.Errorf("one descriptor: %v %v", m, x)
	}
}
