package jobs_test

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/domain/jobs"
)

// The sizes; `make bench` uses them. Smaller runs:
// go test -run '^$' -bench Hiring ./domain/jobs -hiring.jobs=20000 -hiring.apps=200000
var (
	benchJobs      = flag.Int("hiring.jobs", 100_000, "jobs seeded for BenchmarkHiring")
	benchApps      = flag.Int("hiring.apps", 1_000_000, "applications seeded for BenchmarkHiring")
	benchCompanies = flag.Int("hiring.companies", 1_000, "companies seeded for BenchmarkHiring")
	benchScan      = flag.Int("hiring.scan", jobs.ScanBudget, "jobs.ScanBudget during BenchmarkHiring (0 = FULLTEXT index only)")
)

// seed fills the hiring tables with MariaDB's sequence engine, in chunks so
// the FULLTEXT index is built incrementally like in production.
func seed(b *testing.B, e *domaintest.Env, nJobs, nApps, nCompanies int) {
	ctx := context.Background()
	conn, err := e.DB.Conn(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	exec := func(q string, args ...any) {
		if _, err := conn.ExecContext(ctx, q, args...); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	exec(`SET SESSION foreign_key_checks = 0, unique_checks = 0`)
	users := nApps/nJobs + 2
	exec(fmt.Sprintf(`INSERT INTO users (username, email, password_hash, role)
		SELECT CONCAT('u', seq), CONCAT('u', seq, '@example.com'), 'x', 'candidate' FROM seq_1_to_%d`, users))
	exec(fmt.Sprintf(`INSERT INTO companies (name) SELECT CONCAT('Company ', seq) FROM seq_1_to_%d`, nCompanies))
	const chunk = 10_000
	for lo := 1; lo <= nJobs; lo += chunk {
		hi := min(lo+chunk-1, nJobs)
		exec(fmt.Sprintf(`INSERT INTO jobs (company_id, title, description, location, remote, employment_type, skills, status, created_by, facets)
			SELECT t.*, %s FROM (SELECT 1 + seq %% %d AS company_id,
				CONCAT(ELT(1 + seq %% 12, 'Go', 'Rust', 'Java', 'Python', 'Frontend', 'Data', 'Platform', 'Mobile', 'Security', 'ML', 'QA', 'SRE'), ' ',
				       ELT(1 + seq %% 5, 'engineer', 'developer', 'lead', 'architect', 'intern'), ' ', seq) AS title,
				CONCAT('We are hiring to build ', ELT(1 + seq %% 7, 'payments', 'search', 'maps', 'streaming', 'billing', 'compilers', 'robots'),
				       ' systems with ', ELT(1 + seq %% 6, 'kubernetes', 'postgres', 'kafka', 'react', 'spark', 'terraform'), '. Ticket ', seq, '.') AS description,
				ELT(1 + seq %% 6, 'Berlin', 'Lisbon', 'Paris', 'London', 'Remote', 'Warsaw') AS location,
				ELT(1 + seq %% 3, 'onsite', 'hybrid', 'remote') AS remote,
				ELT(1 + seq %% 5, 'full_time', 'part_time', 'contract', 'internship', 'temporary') AS employment_type,
				ELT(1 + seq %% 4, 'go,mysql', 'rust,linux', 'java,spring', 'python,django') AS skills,
				IF(seq %% 10 = 7, 'closed', 'open') AS status, 1 AS created_by
			FROM seq_%d_to_%d) t`, jobs.FacetsExpr, nCompanies, lo, hi))
	}
	for lo := 0; lo < nApps; lo += 5 * chunk {
		hi := min(lo+5*chunk-1, nApps-1)
		exec(fmt.Sprintf(`INSERT INTO applications (job_id, company_id, candidate_id, status)
			SELECT 1 + seq %% %d, 1 + (1 + seq %% %d) %% %d, 1 + seq DIV %d,
				ELT(1 + seq %% 8, 'applied', 'screening', 'assessment', 'interview', 'offer', 'hired', 'rejected', 'withdrawn')
			FROM seq_%d_to_%d`, nJobs, nJobs, nCompanies, nJobs, lo, hi))
	}
	exec(`ANALYZE TABLE jobs, applications, job_skills, companies, users`)
}

func p99(d []time.Duration) time.Duration {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return d[len(d)*99/100]
}

// BenchmarkHiring measures, server-side (the domain call the edge makes, SQL
// round trip included), the public job search (text + two filters + a page)
// and a company's applications board page over the seeded tables, reports
// their p99, and fails if the plans stop using the FULLTEXT and board
// indexes.
func BenchmarkHiring(b *testing.B) {
	e := domaintest.Start(b)
	svc := &jobs.Service{DB: e.DB, Relay: e.Relay}
	defer func(v int) { jobs.ScanBudget = v }(jobs.ScanBudget)
	jobs.ScanBudget = *benchScan
	start := time.Now()
	seed(b, e, *benchJobs, *benchApps, *benchCompanies)
	b.Logf("seeded %d jobs, %d applications, %d companies in %s", *benchJobs, *benchApps, *benchCompanies, time.Since(start).Round(time.Millisecond))
	// A recruiter of every company (the board needs a member).
	rec := e.User(b, "benchrec", "recruiter")
	if _, err := e.DB.Exec(`INSERT INTO company_members (company_id, user_id, member_role) SELECT id, ?, 'recruiter' FROM companies`, rec.UserID); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	words := []string{"go", "rust", "java", "python", "data", "platform", "security", "payments", "search", "kafka"}
	remotes := []string{"onsite", "hybrid", "remote"}
	types := []string{"full_time", "part_time", "contract"}
	search := func(i int) jobs.JobFilter {
		return jobs.JobFilter{Q: words[i%len(words)], Remote: remotes[i%3], EmploymentType: types[i%len(types)], Limit: 20}
	}

	plan, board, err := svc.Explain(ctx, search(1), 1, "applied") // "rust": a FULLTEXT word
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("EXPLAIN search: %v", plan)
	b.Logf("EXPLAIN board:  %v", board)
	if !planUses(plan, "jobs", "ft_jobs_text") || !planUses(board, "applications", "ix_app_board") {
		b.Fatalf("plans do not use ft_jobs_text / ix_app_board")
	}

	b.Run("search", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		worst := map[string]time.Duration{}
		b.Cleanup(func() { b.Logf("slowest search per word: %v", worst) })
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			p, err := svc.ListJobs(ctx, company.Actor{}, search(i))
			if d, w := time.Since(t0), words[i%len(words)]; d > worst[w] {
				worst[w] = d
			}
			if err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
			if i == 0 && len(p.Items) == 0 {
				b.Fatal("search found nothing: the seed and the queries disagree")
			}
		}
		b.ReportMetric(float64(p99(lat).Microseconds())/1000, "p99-ms")
	})
	b.Run("board", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		statuses := []string{"applied", "screening", "interview", ""}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			_, err := svc.ListApplications(ctx, rec, uint64(1+i%*benchCompanies), jobs.AppFilter{Status: statuses[i%len(statuses)], Limit: 50})
			if err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		b.ReportMetric(float64(p99(lat).Microseconds())/1000, "p99-ms")
	})
}
