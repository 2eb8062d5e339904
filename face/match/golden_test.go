package match_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"testing"

	_ "github.com/go-sql-driver/mysql"

	"github.com/hirebus/hirebus/face/index"
	"github.com/hirebus/hirebus/face/index/indextest"
	"github.com/hirebus/hirebus/face/match"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/schema"
)

// impostorDistances returns the 231 distances between the 22 golden faces'
// pipeline descriptors (all different people, per the data's README).
func impostorDistances(faces []indextest.GoldenFace) []float32 {
	var ds []float32
	for i := range faces {
		for j := i + 1; j < len(faces); j++ {
			ds = append(ds, match.Distance(faces[i].Descriptor, faces[j].Descriptor))
		}
	}
	slices.Sort(ds)
	return ds
}

func far(ds []float32, th float32) (n int, rate float64) {
	for _, d := range ds {
		if d < th {
			n++
		}
	}
	return n, float64(n) / float64(len(ds))
}

// TestGoldenImpostors pins the measurements docs/face-thresholds.md quotes,
// so the document and the data cannot drift apart, and checks the defaults
// against the requirement: false accepts ≤ 1% of impostor pairs.
func TestGoldenImpostors(t *testing.T) {
	faces := indextest.Golden(t)
	ds := impostorDistances(faces)
	th := match.DefaultThresholds()
	if len(ds) != 231 {
		t.Fatalf("%d impostor pairs, want 231", len(ds))
	}
	checks := []struct {
		name      string
		got, want float64
		tol       float64
	}{
		{"closest impostor pair", float64(ds[0]), 0.4390, 5e-4},
		{"second closest", float64(ds[1]), 0.4858, 5e-4},
		{"median", float64(quantile(ds, 0.5)), 0.7115, 5e-3},
		{"pairs under 0.6 (README: 19)", float64(must(far(ds, 0.6))), 19, 0},
		{"pairs under 0.5", float64(must(far(ds, 0.5))), 3, 0},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if math.Abs(c.got-c.want) > c.tol {
				t.Fatalf("%s = %.4f; docs say %.4f", c.name, c.got, c.want)
			}
		})
	}
	for _, x := range []float32{0.35, 0.40, 0.42, 0.45, 0.50, 0.55, 0.60} {
		n, r := far(ds, x)
		t.Logf("threshold %.2f: %3d/231 impostor pairs accepted (FAR %.2f%%)", x, n, 100*r)
	}
	for name, v := range map[string]float32{"verify": th.Verify, "identify": th.Identify, "duplicate": th.Duplicate, "enroll spread": th.EnrollSpread} {
		if _, r := far(ds, v); r > 0.01 {
			t.Errorf("%s threshold %.2f accepts %.2f%% of impostor pairs; limit 1%%", name, v, 100*r)
		}
	}
	// Leave-one-out 1:N: each face probes the other 21; any accept is wrong.
	type nn struct{ d1, d2 float32 }
	var loo []nn
	for i := range faces {
		var ds []float32
		for j := range faces {
			if j != i {
				ds = append(ds, match.Distance(faces[i].Descriptor, faces[j].Descriptor))
			}
		}
		slices.Sort(ds)
		loo = append(loo, nn{ds[0], ds[1]})
	}
	for _, x := range []float32{0.38, 0.42, 0.45, 0.50, 0.55, 0.60} {
		row := ""
		for _, m := range []float32{0, 0.04, 0.08, 0.10} {
			n := 0
			for _, p := range loo {
				if p.d1 < x && p.d2-p.d1 >= m {
					n++
				}
			}
			row += fmt.Sprintf("  margin %.2f: %2d/22", m, n)
		}
		t.Logf("leave-one-out identify, threshold %.2f:%s", x, row)
	}
	// Every enrolment of three different golden people must be refused.
	n := 0
	for i := range faces {
		for j := i + 1; j < len(faces); j++ {
			for k := j + 1; k < len(faces); k++ {
				n++
				set := [][]float32{faces[i].Descriptor, faces[j].Descriptor, faces[k].Descriptor}
				if _, _, err := match.CheckEnrollment(set, th); err == nil {
					t.Fatalf("enrolment of %s, %s, %s (three people) accepted", faces[i].Name, faces[j].Name, faces[k].Name)
				}
			}
		}
	}
	t.Logf("%d three-person enrolments refused", n)
}

func must(n int, _ float64) int { return n }

func goldenIndex(t *testing.T) (*index.Embedded, *sql.DB) {
	t.Helper()
	db, err := sql.Open("mysql", testutil.MySQL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := schema.Migrate(context.Background(), db); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	ix, err := index.NewEmbedded(db, index.EmbeddedConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := ix.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	return ix, db
}

func newUser(t *testing.T, db *sql.DB, name string) uint64 {
	t.Helper()
	res, err := db.Exec(`INSERT INTO users (username, email, password_hash) VALUES (?, ?, '')`, name, name+"@example.test")
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return uint64(id)
}

// TestGoldenNoWrongLogin: every golden face is enrolled as its own user in
// the real embedded index; no face may log in as anybody else, by 1:N
// identify or by 1:N with itself removed (leave-one-out: the impostor
// attempt), nor by 1:1 verification against any other user, and no face is
// flagged as a duplicate of someone else.
func TestGoldenNoWrongLogin(t *testing.T) {
	ctx := context.Background()
	th := match.DefaultThresholds()
	faces := indextest.Golden(t)
	ix, db := goldenIndex(t)
	users := make([]uint64, len(faces))
	ops := 0
	enroll := func(i int) {
		t.Helper()
		ops++ // a new op each time: a replayed op id would rightly be a no-op
		applied, err := ix.ReplaceUser(ctx, users[i], fmt.Sprintf("golden-%d", ops), []index.Entry{{Vector: faces[i].Descriptor, Quality: faces[i].Score}})
		if err != nil || !applied {
			t.Fatalf("enrol %s: applied=%v err=%v", faces[i].Name, applied, err)
		}
	}
	for i := range faces {
		users[i] = newUser(t, db, fmt.Sprintf("golden%d", i))
		enroll(i)
	}
	owner := map[uint64]int{}
	for i, u := range users {
		owner[u] = i
	}

	t.Run("identify with everyone enrolled", func(t *testing.T) {
		for i, f := range faces {
			// The crop descriptor is the same face through a slightly
			// different input (≈0.005 away): a genuine login.
			for _, probe := range [][]float32{f.Descriptor, f.CropDescriptor} {
				ms, err := ix.Search(ctx, probe, 2)
				if err != nil {
					t.Fatal(err)
				}
				u, ok, reason := match.Identify(ms, th)
				if !ok || u != users[i] {
					t.Errorf("%s: identify = user %d ok=%v (%s); want its own user %d", f.Name, u, ok, reason, users[i])
				}
			}
		}
	})

	t.Run("identify leave-one-out never accepts", func(t *testing.T) {
		for i, f := range faces {
			if err := ix.DeleteUser(ctx, users[i]); err != nil {
				t.Fatal(err)
			}
			for _, probe := range [][]float32{f.Descriptor, f.CropDescriptor} {
				ms, err := ix.Search(ctx, probe, 2)
				if err != nil {
					t.Fatal(err)
				}
				if u, ok, _ := match.Identify(ms, th); ok {
					t.Errorf("%s (not enrolled) logged in as %s (distance %.3f)", f.Name, faces[owner[u]].Name, ms[0].Distance)
				}
				// The same probes as duplicate-check votes: a newcomer whose
				// face is nobody's must not be called a duplicate.
				if d, dup := match.CheckDuplicate([][]index.Match{ms, ms, ms}, 0, th); dup {
					t.Errorf("%s flagged as duplicate of %s", f.Name, faces[owner[d.UserID]].Name)
				}
			}
			enroll(i)
		}
	})

	t.Run("verify never accepts another user", func(t *testing.T) {
		accepted := 0
		for j := range faces {
			es, err := ix.UserEntries(ctx, users[j])
			if err != nil || len(es) != 1 {
				t.Fatalf("entries of %d: %v %v", j, es, err)
			}
			enrolled := [][]float32{es[0].Vector}
			for i, f := range faces {
				for _, probe := range [][]float32{f.Descriptor, f.CropDescriptor} {
					ok, d := match.Verify(probe, enrolled, th)
					switch {
					case i == j && !ok:
						t.Errorf("%s refused as itself (distance %.4f)", f.Name, d)
					case i != j && ok:
						t.Errorf("%s accepted as %s (distance %.3f)", f.Name, faces[j].Name, d)
					case ok:
						accepted++
					}
				}
			}
		}
		if accepted != 2*len(faces) {
			t.Fatalf("%d genuine verifications, want %d", accepted, 2*len(faces))
		}
	})

	t.Run("re-enrolling an enrolled face is a duplicate", func(t *testing.T) {
		for i, f := range faces {
			var per [][]index.Match
			for range 3 {
				ms, err := ix.Search(ctx, f.CropDescriptor, 3)
				if err != nil {
					t.Fatal(err)
				}
				per = append(per, ms)
			}
			d, dup := match.CheckDuplicate(per, 0, th)
			if !dup || d.UserID != users[i] {
				t.Errorf("%s enrolled again: duplicate=%v of user %d; want user %d", f.Name, dup, d.UserID, users[i])
			}
		}
	})
}
