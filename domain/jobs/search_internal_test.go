package jobs

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/domaintest"
)

// TestScanAndIndexAgree: the bounded newest-first scan and the FULLTEXT
// plan return the same page for the same search, and the scan walks the
// index in order (no filesort, which would make a cut scan wrong).
func TestScanAndIndexAgree(t *testing.T) {
	e := domaintest.Start(t)
	ctx := context.Background()
	owner := e.User(t, "owner", "recruiter")
	co, err := (&company.Service{DB: e.DB, Relay: e.Relay}).Create(ctx, owner, "Acme", "")
	if err != nil {
		t.Fatal(err)
	}
	svc := &Service{DB: e.DB, Relay: e.Relay}
	titles := []string{"Rust engineer", "Trusted advisor", "Go developer", "Python data engineer", "C# developer", "Rustacean lead"}
	for i := 0; i < 60; i++ {
		in := JobInput{CompanyID: &co.ID, Title: ptr(fmt.Sprintf("%s %d", titles[i%len(titles)], i)),
			Description: ptr([]string{"Build payments.", "Kafka pipelines.", "Search at scale."}[i%3]),
			Remote:      ptr(RemoteKinds[i%3]), EmploymentType: ptr(EmploymentTypes[i%2]),
			Skills: &[]string{[]string{"rust", "go", "python"}[i%3]}}
		if _, err := svc.CreateJob(ctx, owner, in); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []JobFilter{
		{Q: "rust"}, {Q: "rustacean"}, {Q: "engineer", Remote: "remote"}, {Q: "kafka", EmploymentType: "part_time"},
		{Q: "c#"}, {Q: "go developer"}, {Q: "payments", Skill: "go"}, {Q: "engineer", Limit: 3}, {Q: "engineer", Limit: 2, Before: 40},
		{Q: "trust"}, {Q: "search", CompanyID: co.ID}, {Q: "engineer", Remote: "onsite", EmploymentType: "full_time"},
		{Q: "developer", Remote: "hybrid", EmploymentType: "part_time", Limit: 1, Before: 50},
	} {
		t.Run(fmt.Sprintf("%+v", f), func(t *testing.T) {
			scanQ, scanArgs := scanSQL(jobCols, f, "open")
			ftQ, ftArgs, err := listSQL(jobCols, f, []string{"open"})
			if err != nil {
				t.Fatal(err)
			}
			ids := func(q string, args []any) string {
				var out []uint64
				if err := e.DB.Select(&out, strings.Replace(q, jobCols, "j.id", 1), args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				return fmt.Sprint(out)
			}
			if a, b := ids(scanQ, scanArgs), ids(ftQ, ftArgs); a != b {
				t.Fatalf("scan %s, index %s", a, b)
			}
			plan, err := explain(ctx, e.DB, scanQ, scanArgs)
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(plan[0]["table"]) != "j" || !strings.HasPrefix(fmt.Sprint(plan[0]["key"]), "ix_jobs_") || strings.Contains(fmt.Sprint(plan), "filesort") {
				t.Fatalf("scan plan: %v", plan)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
