package match_test

import (
	"errors"
	"math"
	"testing"

	"github.com/hirebus/hirebus/face/index"
	"github.com/hirebus/hirebus/face/match"
)

// vec returns a descriptor that is zero except value x at position i, so
// distances between test vectors are easy to read.
func vec(i int, x float32) []float32 {
	v := make([]float32, index.Dim)
	v[i] = x
	return v
}

func TestThresholdsValidate(t *testing.T) {
	def := match.DefaultThresholds()
	if err := def.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	cases := []struct {
		name string
		mut  func(*match.Thresholds)
	}{
		{"zero verify", func(th *match.Thresholds) { th.Verify = 0 }},
		{"NaN identify", func(th *match.Thresholds) { th.Identify = float32(math.NaN()) }},
		{"identify looser than verify", func(th *match.Thresholds) { th.Identify = th.Verify + 0.1 }},
		{"negative margin", func(th *match.Thresholds) { th.Margin = -0.1 }},
		{"mismatch below verify", func(th *match.Thresholds) { th.Mismatch = th.Verify - 0.1 }},
		{"no enrolment images", func(th *match.Thresholds) { th.MinEnrollImages = 0 }},
		{"impostor median below verify", func(th *match.Thresholds) { th.ImpostorMedian = th.Verify }},
		{"zero min score", func(th *match.Thresholds) { th.MinScore = 0 }},
		{"min score of one", func(th *match.Thresholds) { th.MinScore = 1 }},
		{"NaN ratio", func(th *match.Thresholds) { th.Ratio = float32(math.NaN()) }},
		{"ratio above one", func(th *match.Thresholds) { th.Ratio = 1.2 }},
		{"no cohort", func(th *match.Thresholds) { th.CohortSize = 0 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			th := def
			c.mut(&th)
			if err := th.Validate(); !errors.Is(err, match.ErrThresholds) {
				t.Fatalf("Validate() = %v; want ErrThresholds", err)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	th := match.DefaultThresholds()
	probe := vec(0, 1)
	nan := vec(0, 1)
	nan[3] = float32(math.NaN())
	cases := []struct {
		name     string
		enrolled [][]float32
		ok       bool
		dist     float32
	}{
		{"identical", [][]float32{vec(0, 1)}, true, 0},
		{"mean of several decides", [][]float32{vec(0, 1.1), vec(0, 1.3), vec(0, 1.5)}, true, 0.3},
		{"one close image is not enough", [][]float32{vec(0, 1.05), vec(0, 1.6), vec(0, 1.7)}, false, 0.45},
		{"just below threshold", [][]float32{vec(0, 1+th.Verify-0.001)}, true, th.Verify - 0.001},
		{"just above threshold refuses", [][]float32{vec(0, 1+th.Verify+0.001)}, false, th.Verify + 0.001},
		{"far", [][]float32{vec(1, 1)}, false, float32(math.Sqrt2)},
		{"nothing enrolled", nil, false, float32(math.Inf(1))},
		{"wrong length", [][]float32{make([]float32, 64)}, false, float32(math.Inf(1))},
		{"NaN enrolled", [][]float32{nan}, false, float32(math.Inf(1))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ok, d := match.Verify(probe, c.enrolled, th)
			if ok != c.ok || math.Abs(float64(d-c.dist)) > 1e-5 && !(math.IsInf(float64(d), 1) && math.IsInf(float64(c.dist), 1)) {
				t.Fatalf("Verify = %v, %v; want %v, %v", ok, d, c.ok, c.dist)
			}
		})
	}
}

func TestIdentify(t *testing.T) {
	th := match.DefaultThresholds()
	m := func(u uint64, d float32) index.Match { return index.Match{UserID: u, EmbeddingID: u * 10, Distance: d} }
	cases := []struct {
		name   string
		in     []index.Match
		user   uint64
		ok     bool
		reason match.Reason
	}{
		{"nobody enrolled", nil, 0, false, match.NoMatch},
		{"single close user", []index.Match{m(7, 0.2)}, 7, true, match.Accepted},
		{"clear margin", []index.Match{m(7, 0.25), m(8, 0.25+th.Margin+0.01)}, 7, true, match.Accepted},
		{"runner-up too close", []index.Match{m(7, 0.25), m(8, 0.25+th.Margin-0.01)}, 0, false, match.Ambiguous},
		{"best not strict enough", []index.Match{m(7, th.Identify+0.001), m(8, 0.9)}, 0, false, match.NoMatch},
		{"unsorted input", []index.Match{m(8, 0.7), m(7, 0.2)}, 7, true, match.Accepted},
		// Several descriptors of one user are not a runner-up.
		{"same user twice", []index.Match{m(7, 0.2), m(7, 0.22), m(9, 0.6)}, 7, true, match.Accepted},
		{"NaN ignored", []index.Match{m(9, float32(math.NaN())), m(7, 0.2)}, 7, true, match.Accepted},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			u, ok, r := match.Identify(c.in, th)
			if u != c.user || ok != c.ok || r != c.reason {
				t.Fatalf("Identify = %d, %v, %s; want %d, %v, %s", u, ok, r, c.user, c.ok, c.reason)
			}
		})
	}
}

func TestCheckEnrollment(t *testing.T) {
	th := match.DefaultThresholds()
	a := vec(0, 1)
	near := vec(0, 1.2)
	nearer := vec(0, 1.1)
	far := vec(0, 1+th.EnrollSpread+0.05)
	cases := []struct {
		name  string
		descs [][]float32
		want  error
		worst [2]int
	}{
		{"two images", [][]float32{a, near}, match.ErrTooFewImages, [2]int{}},
		{"consistent", [][]float32{a, near, nearer}, nil, [2]int{0, 1}},
		{"one stranger", [][]float32{a, nearer, far}, match.ErrInconsistent, [2]int{0, 2}},
		{"short vector", [][]float32{a, near, a[:10]}, match.ErrBadVector, [2]int{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, worst, err := match.CheckEnrollment(c.descs, th)
			if !errors.Is(err, c.want) || (c.want != match.ErrTooFewImages && c.want != match.ErrBadVector && worst != c.worst) {
				t.Fatalf("CheckEnrollment = worst %v, %v; want %v, %v", worst, err, c.worst, c.want)
			}
		})
	}
}

func TestCheckDuplicate(t *testing.T) {
	th := match.DefaultThresholds()
	close := th.Duplicate - 0.05
	far := th.Duplicate + 0.05
	m := func(u uint64, d float32) index.Match { return index.Match{UserID: u, Distance: d} }
	cases := []struct {
		name     string
		perImage [][]index.Match
		self     uint64
		dup      uint64
		ok       bool
	}{
		{"nobody close", [][]index.Match{{m(2, far)}, {m(3, far)}, {m(2, far)}}, 1, 0, false},
		{"one image close is chance", [][]index.Match{{m(2, close)}, {m(2, far)}, {m(3, far)}}, 1, 0, false},
		{"majority close to one user", [][]index.Match{{m(2, close)}, {m(2, close-0.1)}, {m(3, far)}}, 1, 2, true},
		{"votes split between users", [][]index.Match{{m(2, close)}, {m(3, close)}, {m(4, close)}}, 1, 0, false},
		{"own old face on reset", [][]index.Match{{m(1, 0.1)}, {m(1, 0.1)}, {m(1, 0.1)}}, 1, 0, false},
		{"a user counted once per image", [][]index.Match{{m(2, close), m(2, close)}, {m(3, far)}, {m(3, far)}}, 1, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, ok := match.CheckDuplicate(c.perImage, c.self, th)
			if ok != c.ok || d.UserID != c.dup {
				t.Fatalf("CheckDuplicate = %+v, %v; want user %d, %v", d, ok, c.dup, c.ok)
			}
		})
	}
}

func TestMismatch(t *testing.T) {
	th := match.DefaultThresholds()
	enrolled := [][]float32{vec(0, 1)}
	cases := []struct {
		name     string
		dist     float32
		mismatch bool
		conf     float32
	}{
		{"same person", 0.1, false, 0},
		{"between verify and mismatch", (th.Verify + th.Mismatch) / 2, false, ((th.Verify+th.Mismatch)/2 - th.Verify) / (th.ImpostorMedian - th.Verify)},
		{"just beyond mismatch", th.Mismatch + 0.001, true, (th.Mismatch + 0.001 - th.Verify) / (th.ImpostorMedian - th.Verify)},
		{"typical stranger", 0.9, true, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mm, d, conf := match.Mismatch(vec(0, 1+c.dist), enrolled, th)
			if mm != c.mismatch || math.Abs(float64(d-c.dist)) > 1e-5 || math.Abs(float64(conf-c.conf)) > 1e-4 {
				t.Fatalf("Mismatch = %v, %v, %v; want %v, %v, %v", mm, d, conf, c.mismatch, c.dist, c.conf)
			}
		})
	}
}

func TestCheckNewEnrollment(t *testing.T) {
	th := match.DefaultThresholds()
	set := [][]float32{vec(0, 1), vec(0, 1.1), vec(0, 1.2)}
	nobody := [][]index.Match{{}, {}, {}}
	other := func(d float32) []index.Match { return []index.Match{{UserID: 9, Distance: d}} }
	cases := []struct {
		name     string
		descs    [][]float32
		perImage [][]index.Match
		want     error
	}{
		{"fresh face", set, nobody, nil},
		{"too few", set[:2], nobody[:2], match.ErrTooFewImages},
		{"inconsistent", [][]float32{vec(0, 1), vec(0, 1.1), vec(1, 1)}, nobody, match.ErrInconsistent},
		{"someone else's face", set, [][]index.Match{other(0.2), other(0.25), other(0.9)}, match.ErrDuplicate},
		{"results missing", set, nobody[:1], match.ErrBadVector},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := match.CheckNewEnrollment(c.descs, c.perImage, 1, th); !errors.Is(err, c.want) {
				t.Fatalf("err = %v; want %v", err, c.want)
			}
		})
	}
}
