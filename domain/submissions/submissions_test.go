package submissions_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/domain/submissions"
	"github.com/hirebus/hirebus/store"
)

func TestLifecycle(t *testing.T) {
	e := domaintest.Start(t)
	ctx := context.Background()
	ann := e.User(t, "ann", "candidate")
	bob := e.User(t, "bob", "candidate")
	var problemID int64
	if err := e.DB.Get(&problemID, `SELECT id FROM coding_problems ORDER BY id LIMIT 1`); err != nil {
		res, err := e.DB.Exec(`INSERT INTO coding_problems (slug, title, statement, time_limit_ms, memory_limit_kb, examples, starter_code)
			VALUES ('p1', 'P1', 'x', 1000, 65536, '[]', '{}')`)
		if err != nil {
			t.Fatalf("problem: %v", err)
		}
		problemID, _ = res.LastInsertId()
	}
	key := "k-1"
	id, err := submissions.Create(ctx, e.DB, submissions.New{OpID: "op-1", UserID: ann.UserID, ProblemID: problemID,
		Language: "python", Source: "print(1)", Total: 3, IdempotencyKey: &key})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := submissions.Create(ctx, e.DB, submissions.New{OpID: "op-2", UserID: ann.UserID, ProblemID: problemID,
		Language: "python", Source: "print(2)", Total: 3, IdempotencyKey: &key}); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("second create with the same key = %v; want ErrDuplicate", err)
	}
	for _, tc := range []struct {
		name string
		user uint64
		key  string
		want error
	}{
		{"own key", ann.UserID, key, nil},
		{"other user's key", bob.UserID, key, submissions.ErrNotFound},
		{"unknown key", ann.UserID, "k-2", submissions.ErrNotFound},
	} {
		t.Run("by key/"+tc.name, func(t *testing.T) {
			k, err := submissions.ByKey(ctx, e.DB, tc.user, tc.key)
			if !errors.Is(err, tc.want) || (err == nil && (k.ID != id || k.OpID != "op-1" || k.Total != 3)) {
				t.Fatalf("ByKey = %+v, %v; want id %d, %v", k, err, id, tc.want)
			}
		})
	}
	if _, err := submissions.Get(ctx, e.DB, id+1000); !errors.Is(err, submissions.ErrNotFound) {
		t.Fatalf("Get(missing) = %v", err)
	}
	if _, err := submissions.ForGrading(ctx, e.DB, id+1000); !errors.Is(err, submissions.ErrNotFound) {
		t.Fatalf("ForGrading(missing) = %v", err)
	}
	if err := submissions.MarkRunning(ctx, e.DB, id); err != nil {
		t.Fatal(err)
	}
	j, err := submissions.ForGrading(ctx, e.DB, id)
	if err != nil || j.Status != "running" || j.UserID != ann.UserID || j.AssessmentID.Valid {
		t.Fatalf("ForGrading = %+v, %v", j, err)
	}
	stored, err := submissions.Finish(ctx, e.DB, id, submissions.Result{Verdict: "AC", Passed: 3, Total: 3, Score: 1,
		Tests: []byte(`[{"index":0,"verdict":"AC"}]`), TimeMS: 12, MemoryKB: 900})
	if err != nil || !stored {
		t.Fatalf("Finish = %v, %v", stored, err)
	}
	for _, tc := range []struct {
		name string
		fn   func() (bool, error)
	}{
		{"finish again", func() (bool, error) { return submissions.Finish(ctx, e.DB, id, submissions.Result{Verdict: "WA"}) }},
		{"fail after done", func() (bool, error) { return submissions.Fail(ctx, e.DB, id, "boom") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if stored, err := tc.fn(); err != nil || stored {
				t.Fatalf("= %v, %v; want false, nil (first result kept)", stored, err)
			}
		})
	}
	v, err := submissions.Get(ctx, e.DB, id)
	if err != nil || v.Status != "done" || v.Verdict == nil || *v.Verdict != "AC" || v.Passed != 3 || v.CompileOutput != nil || v.Source != "print(1)" {
		t.Fatalf("Get = %+v, %v", v, err)
	}
	id2, err := submissions.Create(ctx, e.DB, submissions.New{OpID: "op-3", UserID: ann.UserID, ProblemID: problemID,
		Language: "python", Source: "x", Total: 3})
	if err != nil {
		t.Fatal(err)
	}
	if stored, err := submissions.Fail(ctx, e.DB, id2, "sandbox down"); err != nil || !stored {
		t.Fatalf("Fail = %v, %v", stored, err)
	}
	for _, tc := range []struct {
		name    string
		user    uint64
		problem int64
		want    []uint64
	}{
		{"all of ann's", ann.UserID, 0, []uint64{id2, id}},
		{"one problem", ann.UserID, problemID, []uint64{id2, id}},
		{"other problem", ann.UserID, problemID + 1000, nil},
		{"bob has none", bob.UserID, 0, nil},
	} {
		t.Run("list/"+tc.name, func(t *testing.T) {
			list, err := submissions.List(ctx, e.DB, tc.user, tc.problem)
			if err != nil || len(list) != len(tc.want) {
				t.Fatalf("List = %d rows, %v; want %v", len(list), err, tc.want)
			}
			for i, v := range list {
				if v.ID != tc.want[i] || v.Source != "" || v.Results != nil {
					t.Fatalf("row %d = %+v; want id %d without source or results", i, v, tc.want[i])
				}
			}
		})
	}
}

// A user's marks on the problem list: solved once any practice submission
// was accepted, attempted otherwise; assessment answers and other users'
// submissions do not count.
func TestProblemStatuses(t *testing.T) {
	e := domaintest.Start(t)
	ctx := context.Background()
	ann := e.User(t, "ann", "candidate")
	bob := e.User(t, "bob", "candidate")
	problem := func(slug string) int64 {
		res, err := e.DB.Exec(`INSERT INTO coding_problems (slug, title, statement, time_limit_ms, memory_limit_kb, examples, starter_code)
			VALUES (?, ?, 'x', 1000, 65536, '[]', '{}')`, slug, slug)
		if err != nil {
			t.Fatalf("problem: %v", err)
		}
		id, _ := res.LastInsertId()
		return id
	}
	solved, attempted, failed, assessed := problem("st-solved"), problem("st-attempted"), problem("st-failed"), problem("st-assessed")
	n := 0
	submit := func(user uint64, problemID int64, verdict string) uint64 {
		n++
		id, err := submissions.Create(ctx, e.DB, submissions.New{OpID: fmt.Sprintf("st-%d", n), UserID: user, ProblemID: problemID, Language: "python", Source: "x", Total: 1})
		if err != nil {
			t.Fatal(err)
		}
		switch verdict {
		case "":
		case "IE":
			if _, err := submissions.Fail(ctx, e.DB, id, "sandbox down"); err != nil {
				t.Fatal(err)
			}
		default:
			if _, err := submissions.Finish(ctx, e.DB, id, submissions.Result{Verdict: verdict, Total: 1, Tests: []byte(`[]`)}); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	submit(ann.UserID, solved, "WA")
	submit(ann.UserID, solved, "AC")
	submit(ann.UserID, solved, "WA") // a later wrong answer does not unsolve it
	submit(ann.UserID, attempted, "WA")
	submit(ann.UserID, attempted, "") // still grading
	submit(ann.UserID, failed, "IE")
	submit(bob.UserID, attempted, "AC")
	id := submit(ann.UserID, assessed, "AC")
	if _, err := e.DB.Exec(`UPDATE coding_submissions SET assessment_id = 999 WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		user uint64
		want map[int64]string
	}{
		{"ann", ann.UserID, map[int64]string{solved: submissions.Solved, attempted: submissions.Attempted, failed: submissions.Attempted}},
		{"bob", bob.UserID, map[int64]string{attempted: submissions.Solved}},
		{"nobody", bob.UserID + 1000, map[int64]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := submissions.ProblemStatuses(ctx, e.DB, tc.user)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("ProblemStatuses = %v, want %v", got, tc.want)
			}
		})
	}
}
