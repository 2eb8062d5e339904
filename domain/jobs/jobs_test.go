package jobs_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/domaintest"
	"github.com/hirebus/hirebus/domain/jobs"
	"github.com/hirebus/hirebus/events"
)

type world struct {
	e                         *domaintest.Env
	co                        *company.Service
	svc                       *jobs.Service
	owner, rec, viewer, other company.Actor
	cand, cand2               company.Actor
	acme, globex              company.Company
}

func setup(t *testing.T) *world {
	e := domaintest.Start(t)
	ctx := context.Background()
	w := &world{e: e, co: &company.Service{DB: e.DB, Relay: e.Relay}, svc: &jobs.Service{DB: e.DB, Relay: e.Relay}}
	w.owner, w.rec, w.viewer = e.User(t, "owner", "recruiter"), e.User(t, "rec", "recruiter"), e.User(t, "viewer", "recruiter")
	w.other = e.User(t, "other", "recruiter")
	w.cand, w.cand2 = e.User(t, "cand", "candidate"), e.User(t, "cand2", "candidate")
	var err error
	if w.acme, err = w.co.Create(ctx, w.owner, "Acme", ""); err != nil {
		t.Fatal(err)
	}
	if w.globex, err = w.co.Create(ctx, w.other, "Globex", ""); err != nil {
		t.Fatal(err)
	}
	for _, m := range []struct {
		a    company.Actor
		role string
	}{{w.rec, "recruiter"}, {w.viewer, "viewer"}} {
		if _, err := e.DB.Exec(`INSERT INTO company_members (company_id, user_id, member_role) VALUES (?, ?, ?)`, w.acme.ID, m.a.UserID, m.role); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

func ptr[T any](v T) *T { return &v }

func (w *world) job(t *testing.T, title, status string, skills ...string) jobs.Job {
	t.Helper()
	j, err := w.svc.CreateJob(context.Background(), w.rec, jobs.JobInput{CompanyID: &w.acme.ID, Title: ptr(title),
		Description: ptr("We build **" + title + "** things."), Status: ptr(status), Skills: &skills, Remote: ptr("remote")})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func TestJobValidation(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	base := func() jobs.JobInput {
		return jobs.JobInput{CompanyID: &w.acme.ID, Title: ptr("Go engineer"), Description: ptr("Build things")}
	}
	cases := []struct {
		name  string
		mod   func(*jobs.JobInput)
		field string
	}{
		{"no company", func(in *jobs.JobInput) { in.CompanyID = nil }, "company_id"},
		{"empty title", func(in *jobs.JobInput) { in.Title = ptr(" ") }, "title"},
		{"long title", func(in *jobs.JobInput) { in.Title = ptr(strings.Repeat("x", 201)) }, "title"},
		{"no description", func(in *jobs.JobInput) { in.Description = ptr("") }, "description"},
		{"bad remote", func(in *jobs.JobInput) { in.Remote = ptr("moon") }, "remote"},
		{"bad type", func(in *jobs.JobInput) { in.EmploymentType = ptr("gig") }, "employment_type"},
		{"bad status", func(in *jobs.JobInput) { in.Status = ptr("archived") }, "status"},
		{"min > max", func(in *jobs.JobInput) {
			in.SalaryMin, in.SalaryMax, in.Currency = jobs.Some[uint64](10), jobs.Some[uint64](5), jobs.Some("EUR")
		}, "salary"},
		{"salary without currency", func(in *jobs.JobInput) { in.SalaryMin = jobs.Some[uint64](10) }, "currency"},
		{"lowercase currency", func(in *jobs.JobInput) { in.SalaryMin, in.Currency = jobs.Some[uint64](10), jobs.Some("eur") }, "currency"},
		{"unknown currency", func(in *jobs.JobInput) { in.SalaryMin, in.Currency = jobs.Some[uint64](10), jobs.Some("XYZ") }, "currency"},
		{"bad skill", func(in *jobs.JobInput) { in.Skills = &[]string{"a,b"} }, "skills"},
		{"too many skills", func(in *jobs.JobInput) {
			s := make([]string, 21)
			for i := range s {
				s[i] = fmt.Sprint("s", i)
			}
			in.Skills = &s
		}, "skills"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := base()
			tc.mod(&in)
			_, err := w.svc.CreateJob(ctx, w.rec, in)
			var fe *jobs.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !errors.Is(err, jobs.ErrInvalid) {
				t.Fatalf("got %v, want invalid %s", err, tc.field)
			}
		})
	}
	for _, tc := range []struct {
		name string
		a    company.Actor
		want error
	}{{"viewer", w.viewer, jobs.ErrForbidden}, {"other company", w.other, jobs.ErrNotFound}, {"candidate", w.cand, jobs.ErrNotFound}} {
		t.Run("create by "+tc.name, func(t *testing.T) {
			if _, err := w.svc.CreateJob(ctx, tc.a, base()); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestJobLifecycleSearchAndVersions(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	goJob := w.job(t, "Go backend engineer", "open", "go", "mysql")
	_ = w.job(t, "Rust systems engineer", "open", "rust")
	draft := w.job(t, "Secret Go role", "draft", "go")
	if !strings.Contains(goJob.DescriptionHTML, "<strong>") {
		t.Fatalf("markdown not rendered: %q", goJob.DescriptionHTML)
	}
	x, err := w.svc.CreateJob(ctx, w.rec, jobs.JobInput{CompanyID: &w.acme.ID, Title: ptr("XSS"), Description: ptr("<script>alert(1)</script>[x](javascript:alert(1))")})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(x.DescriptionHTML, "<script") || strings.Contains(x.DescriptionHTML, "javascript:") {
		t.Fatalf("unsanitized: %q", x.DescriptionHTML)
	}
	anon := company.Actor{}
	for _, tc := range []struct {
		name string
		a    company.Actor
		f    jobs.JobFilter
		want []string
		err  error
	}{
		{"all open newest first", anon, jobs.JobFilter{}, []string{"XSS", "Rust systems engineer", "Go backend engineer"}, nil},
		{"text", anon, jobs.JobFilter{Q: "backend"}, []string{"Go backend engineer"}, nil},
		{"text prefix", anon, jobs.JobFilter{Q: "engin"}, []string{"Rust systems engineer", "Go backend engineer"}, nil},
		{"skill", anon, jobs.JobFilter{Skill: "go"}, []string{"Go backend engineer"}, nil},
		{"skill + remote", anon, jobs.JobFilter{Skill: "rust", Remote: "remote"}, []string{"Rust systems engineer"}, nil},
		{"type", anon, jobs.JobFilter{EmploymentType: "contract"}, []string{}, nil},
		{"member drafts", w.viewer, jobs.JobFilter{CompanyID: w.acme.ID, Status: "draft"}, []string{"Secret Go role"}, nil},
		{"outsider drafts", w.other, jobs.JobFilter{CompanyID: w.acme.ID, Status: "draft"}, nil, jobs.ErrNotFound},
		{"bad remote", anon, jobs.JobFilter{Remote: "moon"}, nil, jobs.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := w.svc.ListJobs(ctx, tc.a, tc.f)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err %v, want %v", err, tc.err)
			}
			if tc.err != nil {
				return
			}
			var got []string
			for _, j := range p.Items {
				got = append(got, j.Title)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	// Cursor pagination walks every open job once.
	seen := map[uint64]bool{}
	f := jobs.JobFilter{Limit: 1}
	for i := 0; i < 10; i++ {
		p, err := w.svc.ListJobs(ctx, anon, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range p.Items {
			seen[j.ID] = true
		}
		if p.NextCursor == "" {
			break
		}
		fmt.Sscan(p.NextCursor, &f.Before)
	}
	if len(seen) != 3 {
		t.Fatalf("pagination saw %d jobs", len(seen))
	}
	if _, err := w.svc.GetJob(ctx, anon, draft.ID); !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("anonymous reads draft: %v", err)
	}
	if _, err := w.svc.GetJob(ctx, w.viewer, draft.ID); err != nil {
		t.Fatalf("member reads draft: %v", err)
	}

	// Versions: a stale write loses.
	up, err := w.svc.UpdateJob(ctx, w.rec, goJob.ID, jobs.JobInput{Location: ptr("Berlin")}, goJob.Version)
	if err != nil || up.Version != goJob.Version+1 || up.Location != "Berlin" || up.Title != goJob.Title {
		t.Fatalf("update: %+v %v", up, err)
	}
	if _, err := w.svc.UpdateJob(ctx, w.rec, goJob.ID, jobs.JobInput{Location: ptr("Paris")}, goJob.Version); !errors.Is(err, jobs.ErrStale) {
		t.Fatalf("stale update: %v", err)
	}
	if _, err := w.svc.UpdateJob(ctx, w.other, goJob.ID, jobs.JobInput{Location: ptr("Paris")}, up.Version); !errors.Is(err, jobs.ErrNotFound) {
		t.Fatalf("other company's update: %v", err)
	}
	if _, err := w.svc.UpdateJob(ctx, w.rec, goJob.ID, jobs.JobInput{SalaryMin: jobs.Some[uint64](9), SalaryMax: jobs.Some[uint64](1), Currency: jobs.Some("EUR")}, up.Version); !errors.Is(err, jobs.ErrInvalid) {
		t.Fatalf("invalid update: %v", err)
	}

	// Delete: removed without applications, closed with them.
	if _, removed, err := w.svc.CloseJob(ctx, w.rec, draft.ID); err != nil || !removed {
		t.Fatalf("delete unused job: %v %v", removed, err)
	}
	if _, err := w.svc.Apply(ctx, w.cand, goJob.ID, "hi", nil); err != nil {
		t.Fatal(err)
	}
	closed, removed, err := w.svc.CloseJob(ctx, w.rec, goJob.ID)
	if err != nil || removed || closed.Status != "closed" {
		t.Fatalf("close used job: %+v %v %v", closed, removed, err)
	}
	if _, err := w.svc.Apply(ctx, w.cand2, goJob.ID, "", nil); !errors.Is(err, jobs.ErrJobClosed) {
		t.Fatalf("apply to closed job: %v", err)
	}
	var actions []string
	if err := w.e.DB.Select(&actions, `SELECT action FROM audit_log WHERE company_id = ? AND action LIKE 'job.%' ORDER BY id`, w.acme.ID); err != nil {
		t.Fatal(err)
	}
	if strings.Join(actions, ",") != "job.create,job.create,job.create,job.create,job.update,job.delete,job.close" {
		t.Fatalf("audit: %v", actions)
	}
}

func TestTransitionsTable(t *testing.T) {
	cases := []struct {
		from        string
		byCandidate bool
		want        string
	}{
		{"applied", false, "screening,rejected"},
		{"screening", false, "assessment,rejected"},
		{"assessment", false, "interview,rejected"},
		{"interview", false, "offer,rejected"},
		{"offer", false, "hired,rejected"},
		{"hired", false, ""},
		{"rejected", false, ""},
		{"withdrawn", false, ""},
		{"applied", true, "withdrawn"},
		{"offer", true, "withdrawn"},
		{"hired", true, ""},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.from, tc.byCandidate), func(t *testing.T) {
			if got := strings.Join(jobs.AllowedNext(tc.from, tc.byCandidate), ","); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestApplicationsPipeline(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	j := w.job(t, "Go engineer", "open", "go")
	pushes := w.e.Subscribe(t, events.UserSubject(w.cand.UserID, events.EvtNotification))
	if _, err := w.svc.Apply(ctx, w.rec, j.ID, "", nil); !errors.Is(err, jobs.ErrForbidden) {
		t.Fatalf("recruiter applies: %v", err)
	}
	app, err := w.svc.Apply(ctx, w.cand, j.ID, "Hello", &jobs.Resume{Key: "k1", Name: "cv.pdf", Size: 10})
	if err != nil || app.Status != "applied" || strings.Join(app.AllowedNext, ",") != "withdrawn" {
		t.Fatalf("apply: %+v %v", app, err)
	}
	if _, err := w.svc.Apply(ctx, w.cand, j.ID, "again", nil); !errors.Is(err, jobs.ErrDuplicate) {
		t.Fatalf("second application: %v", err)
	}
	// Reads: the candidate and the company; nobody else.
	for _, tc := range []struct {
		name string
		a    company.Actor
		want error
	}{{"candidate", w.cand, nil}, {"viewer", w.viewer, nil}, {"owner", w.owner, nil},
		{"other candidate", w.cand2, jobs.ErrNotFound}, {"other company", w.other, jobs.ErrNotFound}, {"anonymous", company.Actor{}, jobs.ErrNotFound}} {
		t.Run("read by "+tc.name, func(t *testing.T) {
			if _, err := w.svc.GetApplication(ctx, tc.a, app.ID); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if _, err := w.svc.ResumeOf(ctx, tc.a, app.ID); !errors.Is(err, tc.want) {
				t.Fatalf("resume: got %v, want %v", err, tc.want)
			}
		})
	}
	// Status changes.
	for _, tc := range []struct {
		name string
		a    company.Actor
		to   string
		want error
	}{
		{"viewer cannot move", w.viewer, "screening", jobs.ErrForbidden},
		{"other company", w.other, "screening", jobs.ErrNotFound},
		{"other candidate", w.cand2, "withdrawn", jobs.ErrNotFound},
		{"skip a stage", w.rec, "interview", jobs.ErrTransition},
		{"recruiter cannot withdraw", w.rec, "withdrawn", jobs.ErrTransition},
		{"candidate cannot advance", w.cand, "screening", jobs.ErrTransition},
		{"unknown status", w.rec, "promoted", jobs.ErrInvalid},
		{"screening", w.rec, "screening", nil},
		{"assessment", w.owner, "assessment", nil},
		{"interview", w.rec, "interview", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := w.svc.SetStatus(ctx, tc.a, app.ID, tc.to, "note "+tc.name, 0)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	_, err = w.svc.SetStatus(ctx, w.rec, app.ID, "hired", "", 0)
	var te *jobs.TransitionError
	if !errors.As(err, &te) || strings.Join(te.Allowed, ",") != "offer,rejected" {
		t.Fatalf("transition error: %v", err)
	}
	cur, _ := w.svc.GetApplication(ctx, w.rec, app.ID)
	if _, err := w.svc.SetStatus(ctx, w.rec, app.ID, "offer", "", cur.Version-1); !errors.Is(err, jobs.ErrStale) {
		t.Fatalf("stale version: %v", err)
	}
	if _, err := w.svc.SetStatus(ctx, w.cand, app.ID, "withdrawn", "moving on", cur.Version); err != nil {
		t.Fatalf("withdraw: %v", err)
	}
	hist, err := w.svc.History(ctx, w.cand, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, h := range hist {
		steps = append(steps, h.To)
	}
	if strings.Join(steps, ",") != "applied,screening,assessment,interview,withdrawn" || hist[1].Note != "note screening" || hist[1].ActorID != w.rec.UserID {
		t.Fatalf("history: %+v", hist)
	}
	// The candidate was told about each of the 3 recruiter moves: rows and events agree.
	if n := w.e.Count(t, `SELECT COUNT(*) FROM notifications WHERE user_id = ? AND kind = 'application.status'`, w.cand.UserID); n != 3 {
		t.Fatalf("notification rows: %d", n)
	}
	var got []events.Envelope
	deadline := time.Now().Add(5 * time.Second)
	for len(got) < 3 && time.Now().Before(deadline) {
		got = append(got, pushes(500*time.Millisecond)...)
	}
	if len(got) != 3 {
		t.Fatalf("notification events: %d", len(got))
	}
	var n events.Notification
	_ = json.Unmarshal(got[0].Payload, &n)
	if n.ID == 0 || n.Kind != "application.status" {
		t.Fatalf("event payload: %s", got[0].Payload)
	}
	// Mail only for interview (of screening, assessment, interview).
	if c := w.e.Commands(t, events.CmdMailNotify); c != 1 {
		t.Fatalf("status mails: %d", c)
	}
	if c := w.e.Count(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'application.status' AND company_id = ?`, w.acme.ID); c != 3 {
		t.Fatalf("status audit rows: %d", c)
	}
	// Lists: the candidate sees theirs; members their company's; filters apply.
	for _, tc := range []struct {
		name    string
		a       company.Actor
		company uint64
		f       jobs.AppFilter
		want    int
		err     error
	}{
		{"candidate", w.cand, 0, jobs.AppFilter{}, 1, nil},
		{"other candidate", w.cand2, 0, jobs.AppFilter{}, 0, nil},
		{"member all companies", w.viewer, 0, jobs.AppFilter{}, 1, nil},
		{"member by status", w.rec, w.acme.ID, jobs.AppFilter{Status: "withdrawn"}, 1, nil},
		{"member other status", w.rec, w.acme.ID, jobs.AppFilter{Status: "applied"}, 0, nil},
		{"member by job", w.rec, w.acme.ID, jobs.AppFilter{JobID: j.ID}, 1, nil},
		{"other company", w.other, 0, jobs.AppFilter{}, 0, nil},
		{"other company names acme", w.other, w.acme.ID, jobs.AppFilter{}, 0, jobs.ErrNotFound},
		{"bad status", w.rec, 0, jobs.AppFilter{Status: "x"}, 0, jobs.ErrInvalid},
	} {
		t.Run("list "+tc.name, func(t *testing.T) {
			p, err := w.svc.ListApplications(ctx, tc.a, tc.company, tc.f)
			if !errors.Is(err, tc.err) || (err == nil && len(p.Items) != tc.want) {
				t.Fatalf("got %d items, %v; want %d, %v", len(p.Items), err, tc.want, tc.err)
			}
		})
	}
}

// TestConcurrentStatusChange: two recruiters move the same application at
// once; exactly one wins, the other gets a transition or version conflict.
func TestConcurrentStatusChange(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	j := w.job(t, "Go engineer", "open")
	app, err := w.svc.Apply(ctx, w.cand, j.ID, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for round, to := range []string{"screening", "rejected"} {
		cur, _ := w.svc.GetApplication(ctx, w.rec, app.ID)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, a := range []company.Actor{w.rec, w.owner} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				version := 0
				if round == 1 {
					version = cur.Version
				}
				_, errs[i] = w.svc.SetStatus(ctx, a, app.ID, to, "", version)
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case errors.Is(err, jobs.ErrTransition), errors.Is(err, jobs.ErrStale):
			default:
				t.Fatalf("unexpected error: %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("round %d: %d winners (%v)", round, wins, errs)
		}
	}
	if n := w.e.Count(t, `SELECT COUNT(*) FROM application_history WHERE application_id = ?`, app.ID); n != 3 {
		t.Fatalf("history rows: %d", n)
	}
}

func TestExplainUsesIndexes(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	for i := 0; i < 30; i++ {
		w.job(t, fmt.Sprintf("Go engineer %d", i), "open", "go")
	}
	search, board, err := w.svc.Explain(ctx, jobs.JobFilter{Q: "engineer", Remote: "remote", EmploymentType: "full_time"}, w.acme.ID, "applied")
	if err != nil {
		t.Fatal(err)
	}
	if !planUses(search, "jobs", "ft_jobs_text") {
		t.Fatalf("search plan does not use the FULLTEXT index: %v", search)
	}
	if !planUses(board, "applications", "ix_app_board") {
		t.Fatalf("board plan does not use ix_app_board: %v", board)
	}
}

func planUses(plan []map[string]any, table, key string) bool {
	for _, r := range plan {
		if fmt.Sprint(r["table"]) == "a" && table == "applications" || fmt.Sprint(r["table"]) == "j" && table == "jobs" {
			if fmt.Sprint(r["key"]) == key {
				return true
			}
		}
	}
	return false
}

func TestShortWordSearch(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	goJob := w.job(t, "Go backend engineer", "open", "go")
	w.job(t, "Google ads manager", "open", "ads")
	w.job(t, "Senior ML engineer", "open", "python")
	for _, tc := range []struct{ q, want string }{
		{"go", "Go backend engineer"},
		{"Go engineer", "Go backend engineer"},
		{"ml", "Senior ML engineer"},
		{"googl", "Google ads manager"},
		{"m_", ""},
	} {
		t.Run(tc.q, func(t *testing.T) {
			p, err := w.svc.ListJobs(ctx, company.Actor{}, jobs.JobFilter{Q: tc.q})
			if tc.want == "" {
				if err != nil || len(p.Items) != 0 {
					t.Fatalf("%q: %+v %v", tc.q, p.Items, err)
				}
				return
			}
			if err != nil || len(p.Items) != 1 || p.Items[0].Title != tc.want {
				t.Fatalf("%q: %+v %v", tc.q, p.Items, err)
			}
		})
	}
	// The filter words inside the FULLTEXT index follow updates.
	if _, err := w.svc.UpdateJob(ctx, w.rec, goJob.ID, jobs.JobInput{Remote: ptr("hybrid"), EmploymentType: ptr("contract")}, goJob.Version); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		f    jobs.JobFilter
		want int
	}{
		{jobs.JobFilter{Q: "backend", Remote: "hybrid", EmploymentType: "contract"}, 1},
		{jobs.JobFilter{Q: "backend", Remote: "remote"}, 0},
		{jobs.JobFilter{Q: "backend", CompanyID: w.acme.ID}, 1},
		{jobs.JobFilter{Q: "backend", CompanyID: w.globex.ID}, 0},
	} {
		p, err := w.svc.ListJobs(ctx, company.Actor{}, tc.f)
		if err != nil || len(p.Items) != tc.want {
			t.Fatalf("%+v: %d items, %v", tc.f, len(p.Items), err)
		}
	}
	if _, err := w.svc.UpdateJob(ctx, w.rec, goJob.ID, jobs.JobInput{Status: ptr("closed")}, goJob.Version+1); err != nil {
		t.Fatal(err)
	}
	if p, _ := w.svc.ListJobs(ctx, w.rec, jobs.JobFilter{Q: "backend", CompanyID: w.acme.ID, Status: "closed"}); len(p.Items) != 1 {
		t.Fatalf("closed job not found by a member: %+v", p.Items)
	}
}

// TestFacetsGoAndSQLAgree: the facets written by the service equal the SQL
// expression bulk loads use.
func TestFacetsGoAndSQLAgree(t *testing.T) {
	w := setup(t)
	j, err := w.svc.CreateJob(context.Background(), w.rec, jobs.JobInput{CompanyID: &w.acme.ID, Title: ptr("T"), Description: ptr("D"),
		Remote: ptr("hybrid"), EmploymentType: ptr("part_time"), Status: ptr("draft")})
	if err != nil {
		t.Fatal(err)
	}
	var stored, computed string
	if err := w.e.DB.QueryRow(`SELECT facets, `+jobs.FacetsExpr+` FROM jobs WHERE id = ?`, j.ID).Scan(&stored, &computed); err != nil {
		t.Fatal(err)
	}
	if stored != computed || !strings.Contains(stored, "xfdraftrhybridtparttime") {
		t.Fatalf("stored %q, SQL %q", stored, computed)
	}
}

// TestBoardAllowedNext: the board offers moves to recruiters, none to viewers.
func TestBoardAllowedNext(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	j := w.job(t, "Go engineer", "open")
	if _, err := w.svc.Apply(ctx, w.cand, j.ID, "", nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		a    company.Actor
		want string
	}{{"recruiter", w.rec, "screening,rejected"}, {"viewer", w.viewer, ""}, {"candidate", w.cand, "withdrawn"}} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := w.svc.ListApplications(ctx, tc.a, 0, jobs.AppFilter{})
			if err != nil || len(p.Items) != 1 {
				t.Fatalf("%+v %v", p, err)
			}
			if got := strings.Join(p.Items[0].AllowedNext, ","); got != tc.want {
				t.Fatalf("allowed %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSalaryCanBeCleared: null in a partial update clears a salary; a field
// left out is kept.
func TestSalaryCanBeCleared(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	j, err := w.svc.CreateJob(ctx, w.rec, jobs.JobInput{CompanyID: &w.acme.ID, Title: ptr("Paid"), Description: ptr("D"),
		SalaryMin: jobs.Some[uint64](100), SalaryMax: jobs.Some[uint64](200), Currency: jobs.Some("EUR")})
	if err != nil {
		t.Fatal(err)
	}
	var in jobs.JobInput
	if err := json.Unmarshal([]byte(`{"salary_max": null}`), &in); err != nil {
		t.Fatal(err)
	}
	up, err := w.svc.UpdateJob(ctx, w.rec, j.ID, in, j.Version)
	if err != nil || up.SalaryMax != nil || up.SalaryMin == nil || *up.SalaryMin != 100 || up.Currency == nil {
		t.Fatalf("clear max: %+v %v", up, err)
	}
	in = jobs.JobInput{}
	if err := json.Unmarshal([]byte(`{"salary_min": null, "currency": null}`), &in); err != nil {
		t.Fatal(err)
	}
	if up, err = w.svc.UpdateJob(ctx, w.rec, j.ID, in, up.Version); err != nil || up.SalaryMin != nil || up.Currency != nil {
		t.Fatalf("clear all: %+v %v", up, err)
	}
	in = jobs.JobInput{}
	if err := json.Unmarshal([]byte(`{"salary_min": -1}`), &in); err == nil {
		t.Fatal("negative salary decoded")
	}
}
