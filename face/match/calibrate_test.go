package match_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/face/eval"
	"github.com/hirebus/hirebus/face/match"
	"github.com/hirebus/hirebus/internal/testutil"
)

var (
	labelledOnce sync.Once
	labelled     map[face.DetectorKind][]match.Labelled
	labelledErr  error
)

// labelledFaces embeds shared/testdata/faces-labelled once per test binary.
func labelledFaces(t *testing.T, det face.DetectorKind) []match.Labelled {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the face models")
	}
	dir := filepath.Join(testutil.SharedDir(), "testdata", "faces-labelled")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("labelled faces not found: %v", err)
	}
	models := testutil.ModelsDir(t)
	labelledOnce.Do(func() {
		p, err := face.Load(models)
		if err != nil {
			labelledErr = err
			return
		}
		labelled = map[face.DetectorKind][]match.Labelled{}
		for _, d := range []face.DetectorKind{face.DetectorTiny, face.DetectorSSD} {
			s, _, err := eval.Load(context.Background(), p, dir, eval.Options{Detector: d})
			if err != nil {
				labelledErr = err
				return
			}
			labelled[d] = s
		}
	})
	if labelledErr != nil {
		t.Fatal(labelledErr)
	}
	return labelled[det]
}

// TestCalibrate prints and pins the calibration on the labelled photos
// (the figures of docs/face-thresholds.md): pair FAR/FRR per threshold,
// EER, FRR at FAR ≤ 0.1 % and ≤ 1 %, and the 1:1 sign-in simulation of
// the configured adaptive rule against the old fixed threshold.
func TestCalibrate(t *testing.T) {
	for _, tc := range []struct {
		det                       face.DetectorKind
		photos, genuine, impostor int
		loginGenuine, loginImp    int
		adaptiveFR, adaptiveFA    int
		fixedFR, fixedFA          int
		pairFRR042, frrAtFAR01    int // genuine pairs refused at 0.42 and at FAR ≤ 0.1 %
	}{
		// tiny is the sign-in detector; SSD for comparison (the issue's
		// 57 % at 0.42 is SSD's 37/65).
		{face.DetectorTiny, 36, 65, 565, 36, 252, 0, 0, 22, 0, 43, 0},
		{face.DetectorSSD, 36, 65, 565, 36, 252, 1, 0, 17, 0, 37, 0},
	} {
		t.Run(string(tc.det), func(t *testing.T) {
			samples := labelledFaces(t, tc.det)
			c := match.Calibrate(samples, match.DefaultThresholds())
			var sb testWriter
			sb.t = t
			_ = c.WriteText(&sb)
			if c.Photos != tc.photos || c.GenuinePairs != tc.genuine || c.ImpostorPairs != tc.impostor {
				t.Errorf("photos/genuine/impostor = %d/%d/%d, want %d/%d/%d", c.Photos, c.GenuinePairs, c.ImpostorPairs, tc.photos, tc.genuine, tc.impostor)
			}
			if c.EER != 0 {
				t.Errorf("EER %v, want 0 (the pairs separate)", c.EER)
			}
			for _, pt := range c.Curve {
				if pt.Threshold == 0.42 && (pt.FRR.K != tc.pairFRR042 || pt.FAR.K != 0) {
					t.Errorf("pairs at 0.42: FRR %v FAR %v, want %d genuine refused, 0 impostors", pt.FRR, pt.FAR, tc.pairFRR042)
				}
			}
			if c.AtFAR01.FRR.K != tc.frrAtFAR01 || c.AtFAR01.FAR.K != 0 || c.AtFAR1.FAR.Rate > 0.01 {
				t.Errorf("FRR at FAR ≤ 0.1 %%: %+v; at ≤ 1 %%: %+v", c.AtFAR01, c.AtFAR1)
			}
			l := c.Login
			if l.GenuineAttempts != tc.loginGenuine || l.ImpostorAttempts != tc.loginImp {
				t.Errorf("login attempts %d genuine / %d impostor, want %d / %d", l.GenuineAttempts, l.ImpostorAttempts, tc.loginGenuine, tc.loginImp)
			}
			if l.FRR.K != tc.adaptiveFR || l.FAR.K != tc.adaptiveFA {
				t.Errorf("adaptive rule: %d false rejects, %d false accepts; want %d, %d", l.FRR.K, l.FAR.K, tc.adaptiveFR, tc.adaptiveFA)
			}
			if c.Fixed.FRR.K != tc.fixedFR || c.Fixed.FAR.K != tc.fixedFA {
				t.Errorf("fixed 0.42: %d false rejects, %d false accepts; want %d, %d", c.Fixed.FRR.K, c.Fixed.FAR.K, tc.fixedFR, tc.fixedFA)
			}
		})
	}
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func TestCalibrateStatistics(t *testing.T) {
	t.Run("wilson", func(t *testing.T) {
		for _, tc := range []struct {
			k, n   int
			lo, hi float64
		}{
			{0, 36, 0, 0.0964},
			{1, 36, 0.0049, 0.1417},
			{0, 565, 0, 0.00675},
			{22, 36, 0.4486, 0.7522},
			{5, 5, 0.5655, 1},
		} {
			r := match.NewRate(tc.k, tc.n)
			if math.Abs(r.Lo-tc.lo) > 1e-4 || math.Abs(r.Hi-tc.hi) > 1e-4 {
				t.Errorf("%d/%d: [%.5f, %.5f], want [%.5f, %.5f]", tc.k, tc.n, r.Lo, r.Hi, tc.lo, tc.hi)
			}
		}
		if r := match.NewRate(0, 0); r != (match.Rate{}) {
			t.Errorf("0/0 = %+v", r)
		}
	})
	t.Run("pairs", func(t *testing.T) {
		p := match.Pairs{Genuine: []float64{0.2, 0.3, 0.5, 0.6}, Impostor: []float64{0.4, 0.7, 0.8, 0.9}}
		at := p.At(0.5)
		if at.FAR.K != 1 || at.FRR.K != 2 {
			t.Errorf("at 0.5: FAR %v FRR %v", at.FAR, at.FRR)
		}
		eer, pt := p.EER()
		if eer != 0.25 || pt.FAR.K != 1 || pt.FRR.K != 1 {
			t.Errorf("EER %v at %+v, want 0.25 with one error each side", eer, pt)
		}
		if z := p.AtFAR(0); z.Threshold != 0.4 || z.FAR.K != 0 || z.FRR.K != 2 {
			t.Errorf("FAR 0 point %+v", z)
		}
	})
	t.Run("login simulation", func(t *testing.T) {
		// Two people of two photos and a one-photo look-alike of a: every
		// photo probes every person with two photos (c cannot be enrolled).
		v := func(x float32) []float32 { d := make([]float32, 128); d[0] = x; return d }
		s := []match.Labelled{
			{Person: "a", File: "a1", Descriptor: v(0)}, {Person: "a", File: "a2", Descriptor: v(0.1)},
			{Person: "b", File: "b1", Descriptor: v(1)}, {Person: "b", File: "b2", Descriptor: v(1.1)},
			{Person: "c", File: "c1", Descriptor: v(0.3)},
		}
		rep := match.EvaluateLogin(s, "fixed", match.FixedRule(0.42))
		if rep.GenuineAttempts != 4 || rep.ImpostorAttempts != 6 || len(rep.Accepted) != 1 || rep.FRR.K != 0 || rep.FAR.K != 1 || rep.Accepted[0] != "c1 → a" {
			t.Fatalf("fixed: %+v", rep)
		}
	})
}
