package score_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/domain/score"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// TestNormalizeDropsCommentsAndNames: renaming identifiers, reformatting
// and comments do not change the normalised tokens.
func TestNormalizeDropsCommentsAndNames(t *testing.T) {
	cases := []struct{ name, a, b string }{
		{"rename", "x := a + b", "total := left + right"},
		{"comments", "x = 1 // one\n/* two */ y = 2", "x = 1\ny = 2"},
		{"python comment", "x = 1  # one\n", "x = 1\n"},
		{"strings", `print("hello")`, `print('bye')`},
		{"whitespace", "if(a){b();}", "if ( a ) {\n\tb ( ) ;\n}"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, b := strings.Join(score.Normalize(c.a), " "), strings.Join(score.Normalize(c.b), " ")
			if a != b {
				t.Fatalf("%q -> %q\n%q -> %q", c.a, a, c.b, b)
			}
		})
	}
	if a, b := strings.Join(score.Normalize("a + b"), " "), strings.Join(score.Normalize("a - b"), " "); a == b {
		t.Fatal("operators must stay")
	}
}

// TestSimilarityFixtures runs winnowing over testdata/similarity: each
// problem's original (a_orig) and its copied, renamed and reordered
// variants are plagiarised pairs; the independent solutions (b, c) of the
// same problem and every pair across problems are unrelated. It prints
// precision and recall at score.PeerThreshold and fails below 0.9 / 0.9.
func TestSimilarityFixtures(t *testing.T) {
	dir := filepath.Join("testdata", "similarity")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	type doc struct {
		name, problem, family string
		fp                    []uint64
	}
	var docs []doc
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		base := strings.TrimSuffix(e.Name(), filepath.Ext(e.Name()))
		parts := strings.SplitN(base, "_", 3)
		docs = append(docs, doc{name: e.Name(), problem: parts[0], family: parts[0] + "_" + parts[1], fp: score.Fingerprints(string(b))})
	}
	var tp, fp, fn, tn int
	var lines []string
	for i := range docs {
		for j := i + 1; j < len(docs); j++ {
			a, b := docs[i], docs[j]
			copied := a.family == b.family && strings.HasSuffix(a.family, "_a")
			sim, shared := score.Overlap(a.fp, b.fp)
			flagged := sim >= score.PeerThreshold
			switch {
			case copied && flagged:
				tp++
			case copied:
				fn++
			case flagged:
				fp++
			default:
				tn++
			}
			if a.problem == b.problem {
				lines = append(lines, fmt.Sprintf("%-24s %-24s copied=%-5v sim=%.2f shared=%d", a.name, b.name, copied, sim, shared))
			}
		}
	}
	sort.Strings(lines)
	for _, l := range lines {
		t.Log(l)
	}
	precision := float64(tp) / float64(max(tp+fp, 1))
	recall := float64(tp) / float64(max(tp+fn, 1))
	t.Logf("winnowing k=%d w=%d threshold %.2f: %d copied pairs, %d unrelated pairs; TP %d FP %d FN %d TN %d; precision %.3f recall %.3f",
		score.WinnowK, score.WinnowW, score.PeerThreshold, tp+fn, fp+tn, tp, fp, fn, tn, precision, recall)
	fmt.Printf("similarity fixtures: precision %.3f recall %.3f (TP %d FP %d FN %d TN %d)\n", precision, recall, tp, fp, fn, tn)
	if tp+fn < 9 || fp+tn < 50 {
		t.Fatalf("fixtures missing: %d copied, %d unrelated pairs", tp+fn, fp+tn)
	}
	if precision < 0.9 || recall < 0.9 {
		t.Fatalf("precision %.3f recall %.3f, want both >= 0.9", precision, recall)
	}
}

// cohort makes n answers: mutations of a few base programs with shuffled
// lines, so the sets have realistic sizes and partial overlaps.
func cohort(tb testing.TB, n int) (probe []uint64, others [][]uint64) {
	dir := filepath.Join("testdata", "similarity")
	ents, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	var srcs []string
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			tb.Fatal(err)
		}
		srcs = append(srcs, string(b))
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < n; i++ {
		lines := strings.Split(srcs[r.IntN(len(srcs))]+"\n"+srcs[r.IntN(len(srcs))], "\n")
		r.Shuffle(len(lines), func(a, b int) {
			if r.IntN(4) == 0 {
				lines[a], lines[b] = lines[b], lines[a]
			}
		})
		others = append(others, score.Fingerprints(strings.Join(lines, "\n")))
	}
	return score.Fingerprints(srcs[0] + "\n" + srcs[1]), others
}

// BenchmarkSimilarity1000: one submission against 1,000 others of the same
// question (issue 13: ≤ 50 ms).
func BenchmarkSimilarity1000(b *testing.B) {
	probe, others := cohort(b, 1000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = score.MostSimilar(probe, others, score.PeerThreshold)
	}
}

// BenchmarkFingerprintAndCompare1000 includes fingerprinting the new
// submission (the others' fingerprints are stored).
func BenchmarkFingerprintAndCompare1000(b *testing.B) {
	_, others := cohort(b, 1000)
	src, err := os.ReadFile(filepath.Join("testdata", "similarity", "grid_a_orig.cpp"))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = score.MostSimilar(score.Fingerprints(string(src)), others, score.PeerThreshold)
	}
}

// BenchmarkSimilarity1000Stored is the worker's path: read the 1,000 other
// answers' fingerprints of the question from MySQL, then compare.
func BenchmarkSimilarity1000Stored(b *testing.B) {
	e := domaintest.Start(b)
	ctx := context.Background()
	probe, others := cohort(b, 1000)
	if err := store.InTx(ctx, e.DB, func(tx *sqlx.Tx) error {
		for i, h := range others {
			if err := score.SaveFingerprint(ctx, tx, score.Fingerprint{AttemptID: uint64(i + 1), QuestionID: 1, AssessmentID: 1, CandidateID: uint64(i + 1),
				Language: "go", Hashes: h}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fps, err := score.FingerprintsOf(ctx, e.DB, 1, 1)
		if err != nil || len(fps) != 1000 {
			b.Fatalf("%d %v", len(fps), err)
		}
		sets := make([][]uint64, len(fps))
		for j, f := range fps {
			sets[j] = f.Hashes
		}
		_ = score.MostSimilar(probe, sets, score.PeerThreshold)
	}
}
