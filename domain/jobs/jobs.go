// Package jobs owns jobs, job_skills, applications and application_history:
// the postings of a company, the candidates' applications to them, and the
// pipeline an application moves through. Its rules live here: field
// validation, the table of allowed status transitions, optimistic versions
// for concurrent edits, and the access decision for every object (through
// company.Authorize; an object of another company is ErrNotFound). Every
// recruiter write records an audit row, and every status change a history
// row, a notification and (for the transitions that matter) a mail, all in
// the transaction of the write.
package jobs

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/hirebus/hirebus/events"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hirebus/hirebus/domain/audit"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
)

// Sentinel errors; the edge maps them to HTTP once.
var (
	ErrNotFound   = events.NewError("jobs", events.CodeNotFound, "not found")
	ErrForbidden  = events.NewError("jobs", events.CodeForbidden, "your role does not allow this")
	ErrInvalid    = events.NewError("jobs", events.CodeInvalid, "invalid input")
	ErrStale      = events.NewError("jobs", events.CodeVersionMismatch, "the object changed since you read it; reload and retry")
	ErrDuplicate  = events.NewError("jobs", events.CodeAlreadyApplied, "you already applied to this job")
	ErrJobClosed  = events.NewError("jobs", events.CodeJobClosed, "the job is not open for applications")
	ErrTransition = events.NewError("jobs", events.CodeTransition, "status transition not allowed")
)

// FieldError is a validation failure of one field (public code
// invalid_<field>); it matches ErrInvalid.
type FieldError = events.FieldError

func invalid(field, format string, args ...any) error {
	return &FieldError{Scope: "jobs", Field: field, Message: fmt.Sprintf(format, args...), Of: ErrInvalid}
}

// Enumerations of a job.
var (
	JobStatuses     = []string{"draft", "open", "closed"}
	RemoteKinds     = []string{"onsite", "hybrid", "remote"}
	EmploymentTypes = []string{"full_time", "part_time", "contract", "internship", "temporary"}
)

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// Limits of job fields.
const (
	MaxTitle       = 200
	MaxDescription = 20000
	MaxLocation    = 128
	MaxSkills      = 20
	MaxSkill       = 48
	MaxSalary      = 1_000_000_000
)

var (
	currencyRE = regexp.MustCompile(`^[A-Z]{3}$`)
	skillRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9+#. -]*$`)
)

// Job is a posting.
type Job struct {
	ID              uint64    `json:"id" db:"id"`
	CompanyID       uint64    `json:"company_id" db:"company_id"`
	CompanyName     string    `json:"company_name" db:"company_name"`
	Title           string    `json:"title" db:"title"`
	Description     string    `json:"description" db:"description"`
	DescriptionHTML string    `json:"description_html,omitempty" db:"-"`
	Location        string    `json:"location" db:"location"`
	Remote          string    `json:"remote" db:"remote"`
	EmploymentType  string    `json:"employment_type" db:"employment_type"`
	SalaryMin       *uint64   `json:"salary_min" db:"salary_min"`
	SalaryMax       *uint64   `json:"salary_max" db:"salary_max"`
	Currency        *string   `json:"currency" db:"currency"`
	SkillsText      string    `json:"-" db:"skills"`
	Skills          []string  `json:"skills" db:"-"`
	Status          string    `json:"status" db:"status"`
	Version         int       `json:"version" db:"version"`
	CreatedBy       uint64    `json:"created_by" db:"created_by"`
	CreatedAt       time.Time `json:"created_at" db:"created_at"`
	UpdatedAt       time.Time `json:"updated_at" db:"updated_at"`
}

func (j *Job) fill() {
	j.Skills = splitSkills(j.SkillsText)
}

func splitSkills(s string) []string {
	out := []string{}
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Nullable is a field of a partial update that may be left out (Set
// false), set to null (Set, Value nil) or set to a value.
type Nullable[T any] struct {
	Set   bool
	Value *T
}

// Some is a set, non-null value.
func Some[T any](v T) Nullable[T] { return Nullable[T]{Set: true, Value: &v} }

// UnmarshalJSON records that the field was sent, null included.
func (n *Nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set, n.Value = true, nil
	if string(b) == "null" {
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	n.Value = &v
	return nil
}

// MarshalJSON writes the value or null.
func (n Nullable[T]) MarshalJSON() ([]byte, error) { return json.Marshal(n.Value) }

// JobInput is a create body or a partial update: left-out fields are left
// alone; salary_min, salary_max and currency may be cleared with null.
type JobInput struct {
	CompanyID      *uint64          `json:"company_id"`
	Title          *string          `json:"title"`
	Description    *string          `json:"description"`
	Location       *string          `json:"location"`
	Remote         *string          `json:"remote"`
	EmploymentType *string          `json:"employment_type"`
	SalaryMin      Nullable[uint64] `json:"salary_min"`
	SalaryMax      Nullable[uint64] `json:"salary_max"`
	Currency       Nullable[string] `json:"currency"`
	Skills         *[]string        `json:"skills"`
	Status         *string          `json:"status"`
	Version        *int             `json:"version"`
}

// apply copies the set fields of in onto j.
func (in JobInput) apply(j *Job) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = strings.TrimSpace(*v)
		}
	}
	set(&j.Title, in.Title)
	if in.Description != nil {
		j.Description = *in.Description
	}
	set(&j.Location, in.Location)
	set(&j.Remote, in.Remote)
	set(&j.EmploymentType, in.EmploymentType)
	set(&j.Status, in.Status)
	if in.SalaryMin.Set {
		j.SalaryMin = in.SalaryMin.Value
	}
	if in.SalaryMax.Set {
		j.SalaryMax = in.SalaryMax.Value
	}
	if in.Currency.Set {
		j.Currency = nil
		if in.Currency.Value != nil {
			if v := strings.TrimSpace(*in.Currency.Value); v != "" {
				j.Currency = &v
			}
		}
	}
	if in.Skills != nil {
		seen := map[string]bool{}
		j.Skills = []string{}
		for _, s := range *in.Skills {
			s = strings.ToLower(strings.TrimSpace(s))
			if !seen[s] {
				seen[s] = true
				j.Skills = append(j.Skills, s)
			}
		}
	}
}

// validate checks a whole job after a create or an update.
func (j *Job) validate() error {
	switch {
	case j.Title == "":
		return invalid("title", "title is required")
	case utf8.RuneCountInString(j.Title) > MaxTitle:
		return invalid("title", "title is longer than %d characters", MaxTitle)
	case strings.TrimSpace(j.Description) == "":
		return invalid("description", "description is required")
	case len(j.Description) > MaxDescription:
		return invalid("description", "description is longer than %d bytes", MaxDescription)
	case utf8.RuneCountInString(j.Location) > MaxLocation:
		return invalid("location", "location is longer than %d characters", MaxLocation)
	case !oneOf(j.Remote, RemoteKinds):
		return invalid("remote", "remote must be one of %s", strings.Join(RemoteKinds, ", "))
	case !oneOf(j.EmploymentType, EmploymentTypes):
		return invalid("employment_type", "employment_type must be one of %s", strings.Join(EmploymentTypes, ", "))
	case !oneOf(j.Status, JobStatuses):
		return invalid("status", "status must be one of %s", strings.Join(JobStatuses, ", "))
	case j.SalaryMin != nil && *j.SalaryMin > MaxSalary, j.SalaryMax != nil && *j.SalaryMax > MaxSalary:
		return invalid("salary", "salary must be at most %d", MaxSalary)
	case j.SalaryMin != nil && j.SalaryMax != nil && *j.SalaryMin > *j.SalaryMax:
		return invalid("salary", "salary_min must not exceed salary_max")
	case j.Currency != nil && !currencyRE.MatchString(*j.Currency):
		return invalid("currency", "currency must be an ISO 4217 code such as EUR")
	case (j.SalaryMin != nil || j.SalaryMax != nil) && j.Currency == nil:
		return invalid("currency", "a salary needs a currency")
	case len(j.Skills) > MaxSkills:
		return invalid("skills", "at most %d skills", MaxSkills)
	}
	if j.Currency != nil && !knownCurrency(*j.Currency) {
		return invalid("currency", "currency %q is not an ISO 4217 code", *j.Currency)
	}
	for _, s := range j.Skills {
		if s == "" || len(s) > MaxSkill || !skillRE.MatchString(s) || strings.Contains(s, ",") {
			return invalid("skills", "each skill is 1 to %d characters of letters, digits, space, + # . -", MaxSkill)
		}
	}
	j.SkillsText = strings.Join(j.Skills, ",")
	return nil
}

// knownCurrency accepts the active ISO 4217 codes in common use for salaries.
func knownCurrency(c string) bool {
	return strings.Contains(" AED ARS AUD BDT BGN BRL CAD CHF CLP CNY COP CZK DKK EGP EUR GBP HKD HUF IDR ILS INR ISK JPY KES KRW MAD MXN MYR NGN NOK NZD PEN PHP PKR PLN QAR RON RSD SAR SEK SGD THB TRY TWD UAH USD UYU VND ZAR ", " "+c+" ")
}

var (
	md       = goldmark.New()
	sanitize = bluemonday.UGCPolicy()
)

// RenderMarkdown turns a job description into sanitized HTML.
func RenderMarkdown(src string) string {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		return sanitize.Sanitize(src)
	}
	return sanitize.Sanitize(buf.String())
}

// FacetsExpr computes jobs.facets from a row: its filter values as words
// the FULLTEXT index holds, so a text search with filters is narrowed inside
// the index instead of row by row. Each combination of status with remote
// and/or type is one word (a frequent word such as "status open" alone
// would make the index read a posting list of almost every job), plus the
// company. Writes compute it in Go (facetsOf) so the row is indexed once;
// FacetsExpr is the same in SQL, for bulk loads.
const FacetsExpr = `CONCAT('xf', status, 'r', remote, 't', REPLACE(employment_type, '_', ''),
	' xf', status, 'r', remote, ' xf', status, 't', REPLACE(employment_type, '_', ''), ' xco', company_id)`

func facetsOf(j *Job) string {
	st, rm, ty := j.Status, j.Remote, strings.ReplaceAll(j.EmploymentType, "_", "")
	return fmt.Sprintf("xf%sr%st%s xf%sr%s xf%st%s xco%d", st, rm, ty, st, rm, st, ty, j.CompanyID)
}

func facetTerms(f JobFilter, statuses []string) []string {
	var t []string
	typ := strings.ReplaceAll(f.EmploymentType, "_", "")
	if len(statuses) == 1 {
		switch st := statuses[0]; {
		case f.Remote != "" && typ != "":
			t = append(t, "+xf"+st+"r"+f.Remote+"t"+typ)
		case f.Remote != "":
			t = append(t, "+xf"+st+"r"+f.Remote)
		case typ != "":
			t = append(t, "+xf"+st+"t"+typ)
		}
	}
	if f.CompanyID != 0 {
		t = append(t, "+xco"+strconv.FormatUint(f.CompanyID, 10))
	}
	return t
}

// Service runs the jobs and applications operations.
type Service struct {
	DB    *sqlx.DB
	Relay *outbox.Relay
}

const jobCols = `j.id, j.company_id, c.name AS company_name, j.title, j.description, j.location, j.remote, j.employment_type,
	j.salary_min, j.salary_max, j.currency, j.skills, j.status, j.version, j.created_by, j.created_at, j.updated_at`

func getJob(ctx context.Context, q sqlx.QueryerContext, id uint64, lock bool) (Job, error) {
	var j Job
	query := `SELECT ` + jobCols + ` FROM jobs j JOIN companies c ON c.id = j.company_id WHERE j.id = ?`
	if lock {
		query += ` FOR UPDATE`
	}
	if err := sqlx.GetContext(ctx, q, &j, query, id); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return j, ErrNotFound
		}
		return j, fmt.Errorf("jobs: get job: %w", store.Translate(err))
	}
	j.fill()
	return j, nil
}

// mapCompanyErr turns the company package's denials into this package's.
func mapCompanyErr(err error) error {
	switch {
	case errors.Is(err, company.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, company.ErrForbidden):
		return ErrForbidden
	}
	return err
}

func authorize(ctx context.Context, q sqlx.QueryerContext, a company.Actor, companyID uint64, perm company.Perm) error {
	_, err := company.Authorize(ctx, q, a, companyID, perm)
	return mapCompanyErr(err)
}

func replaceSkills(ctx context.Context, tx *sqlx.Tx, jobID uint64, skills []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM job_skills WHERE job_id = ?`, jobID); err != nil {
		return fmt.Errorf("jobs: skills: %w", store.Translate(err))
	}
	for _, s := range skills {
		if _, err := tx.ExecContext(ctx, `INSERT INTO job_skills (job_id, skill) VALUES (?, ?)`, jobID, s); err != nil {
			return fmt.Errorf("jobs: skills: %w", store.Translate(err))
		}
	}
	return nil
}

func jobTarget(id uint64) string { return "job:" + strconv.FormatUint(id, 10) }

// CreateJob posts a job for in.CompanyID (recruiters and owners of it).
func (s *Service) CreateJob(ctx context.Context, a company.Actor, in JobInput) (Job, error) {
	if in.CompanyID == nil || *in.CompanyID == 0 {
		return Job{}, invalid("company_id", "company_id is required")
	}
	j := Job{CompanyID: *in.CompanyID, Remote: "onsite", EmploymentType: "full_time", Status: "open", Skills: []string{}}
	in.apply(&j)
	if err := j.validate(); err != nil {
		return Job{}, err
	}
	var out Job
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, _ *outbox.Batch) error {
		if err := authorize(ctx, tx, a, j.CompanyID, company.PermWrite); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO jobs (company_id, title, description, location, remote, employment_type,
			salary_min, salary_max, currency, skills, facets, status, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			j.CompanyID, j.Title, j.Description, j.Location, j.Remote, j.EmploymentType, j.SalaryMin, j.SalaryMax, j.Currency, j.SkillsText, facetsOf(&j), j.Status, a.UserID)
		if err != nil {
			return fmt.Errorf("jobs: create: %w", store.Translate(err))
		}
		id, _ := res.LastInsertId()
		if err := replaceSkills(ctx, tx, uint64(id), j.Skills); err != nil {
			return err
		}
		if out, err = getJob(ctx, tx, uint64(id), false); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: out.CompanyID, Action: "job.create", Target: jobTarget(out.ID),
			After: out, RequestID: a.RequestID, IP: a.IP})
	})
	if err == nil {
		out.DescriptionHTML = RenderMarkdown(out.Description)
	}
	return out, err
}

// GetJob returns a job: open and closed jobs to anyone, drafts to the
// company's members only.
func (s *Service) GetJob(ctx context.Context, a company.Actor, id uint64) (Job, error) {
	j, err := getJob(ctx, s.DB, id, false)
	if err != nil {
		return j, err
	}
	if j.Status == "draft" {
		if err := authorize(ctx, s.DB, a, j.CompanyID, company.PermRead); err != nil {
			return Job{}, ErrNotFound
		}
	}
	j.DescriptionHTML = RenderMarkdown(j.Description)
	return j, nil
}

// UpdateJob applies a partial update when expectVersion matches the job's
// version (0 = the caller sent none: rejected, a PUT must be conditional).
func (s *Service) UpdateJob(ctx context.Context, a company.Actor, id uint64, in JobInput, expectVersion int) (Job, error) {
	if in.CompanyID != nil {
		return Job{}, invalid("company_id", "a job cannot move to another company")
	}
	var out Job
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, _ *outbox.Batch) error {
		cur, err := getJob(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := authorize(ctx, tx, a, cur.CompanyID, company.PermWrite); err != nil {
			return err
		}
		if expectVersion != cur.Version {
			return ErrStale
		}
		next := cur
		in.apply(&next)
		if err := next.validate(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE jobs SET title = ?, description = ?, location = ?, remote = ?, employment_type = ?,
			salary_min = ?, salary_max = ?, currency = ?, skills = ?, facets = ?, status = ?, version = version + 1 WHERE id = ?`,
			next.Title, next.Description, next.Location, next.Remote, next.EmploymentType, next.SalaryMin, next.SalaryMax, next.Currency,
			next.SkillsText, facetsOf(&next), next.Status, id); err != nil {
			return fmt.Errorf("jobs: update: %w", store.Translate(err))
		}
		if in.Skills != nil {
			if err := replaceSkills(ctx, tx, id, next.Skills); err != nil {
				return err
			}
		}
		if out, err = getJob(ctx, tx, id, false); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: cur.CompanyID, Action: "job.update", Target: jobTarget(id),
			Before: cur, After: out, RequestID: a.RequestID, IP: a.IP})
	})
	if err == nil {
		out.DescriptionHTML = RenderMarkdown(out.Description)
	}
	return out, err
}

// CloseJob closes a job, and removes it when nobody applied; it reports
// whether the row was removed.
func (s *Service) CloseJob(ctx context.Context, a company.Actor, id uint64) (Job, bool, error) {
	var out Job
	var removed bool
	err := s.Relay.Tx(ctx, func(tx *sqlx.Tx, _ *outbox.Batch) error {
		cur, err := getJob(ctx, tx, id, true)
		if err != nil {
			return err
		}
		if err := authorize(ctx, tx, a, cur.CompanyID, company.PermWrite); err != nil {
			return err
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT COUNT(*) FROM applications WHERE job_id = ?`, id); err != nil {
			return fmt.Errorf("jobs: count applications: %w", store.Translate(err))
		}
		action := "job.close"
		if n == 0 {
			removed, action = true, "job.delete"
			if _, err := tx.ExecContext(ctx, `DELETE FROM jobs WHERE id = ?`, id); err != nil {
				return fmt.Errorf("jobs: delete: %w", store.Translate(err))
			}
			out = cur
			out.Status = "closed"
		} else {
			closed := cur
			closed.Status = "closed"
			if _, err := tx.ExecContext(ctx, `UPDATE jobs SET status = 'closed', version = version + 1, facets = ? WHERE id = ?`, facetsOf(&closed), id); err != nil {
				return fmt.Errorf("jobs: close: %w", store.Translate(err))
			}
			if out, err = getJob(ctx, tx, id, false); err != nil {
				return err
			}
		}
		var after any = out
		if removed {
			after = nil
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, CompanyID: cur.CompanyID, Action: action, Target: jobTarget(id),
			Before: cur, After: after, RequestID: a.RequestID, IP: a.IP})
	})
	return out, removed, err
}

// JobFilter selects a page of jobs.
type JobFilter struct {
	Q              string
	CompanyID      uint64
	Location       string
	Remote         string
	EmploymentType string
	Skill          string
	Status         string // members of CompanyID only: draft | open | closed | all (default open)
	Before         uint64 // cursor: jobs with a smaller id
	Limit          int
}

// JobPage is one page of jobs, newest first.
type JobPage struct {
	Items      []Job  `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// ValidateFilter checks the filter's enumerations.
func ValidateFilter(f JobFilter) error {
	switch {
	case len(f.Q) > 200:
		return invalid("q", "q is longer than 200 characters")
	case f.Remote != "" && !oneOf(f.Remote, RemoteKinds):
		return invalid("remote", "remote must be one of %s", strings.Join(RemoteKinds, ", "))
	case f.EmploymentType != "" && !oneOf(f.EmploymentType, EmploymentTypes):
		return invalid("type", "type must be one of %s", strings.Join(EmploymentTypes, ", "))
	case f.Status != "" && f.Status != "all" && !oneOf(f.Status, JobStatuses):
		return invalid("status", "status must be draft, open, closed or all")
	case len(f.Location) > MaxLocation, len(f.Skill) > MaxSkill:
		return invalid("filter", "filter value too long")
	case f.Limit < 0 || f.Limit > 100:
		return invalid("limit", "limit must be from 1 to 100")
	}
	return nil
}

// minFTToken is InnoDB's default innodb_ft_min_token_size: shorter words
// are not in the FULLTEXT index.
const minFTToken = 3

// searchTerms splits free text into the words a search must all match,
// with the boolean-mode operators stripped: long ones for the FULLTEXT
// index (as prefixes), short ones (e.g. "go", "ml") matched in the title or
// the skills instead, since the index does not hold them.
func searchTerms(q string) (fulltext string, short []string) {
	var terms []string
	for _, w := range strings.FieldsFunc(strings.ToLower(q), func(r rune) bool {
		return !(r == '_' || r == '#' || r == '+' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r > 127)
	}) {
		w = strings.Trim(w, "+#")
		switch {
		case w == "":
		case utf8.RuneCountInString(w) < minFTToken:
			short = append(short, w)
		default:
			terms = append(terms, "+"+w+"*")
		}
	}
	return strings.Join(terms, " "), short
}

// ListJobs is the job board: open jobs for everyone; a member filtering by
// their company may also see its drafts and closed jobs.
func (s *Service) ListJobs(ctx context.Context, a company.Actor, f JobFilter) (JobPage, error) {
	if err := ValidateFilter(f); err != nil {
		return JobPage{}, err
	}
	if f.Limit == 0 {
		f.Limit = 20
	}
	statuses := []string{"open"}
	if f.Status != "" && f.Status != "open" {
		if f.CompanyID == 0 {
			return JobPage{}, invalid("status", "status other than open needs a company filter")
		}
		if err := authorize(ctx, s.DB, a, f.CompanyID, company.PermRead); err != nil {
			return JobPage{}, err
		}
		if f.Status == "all" {
			statuses = JobStatuses
		} else {
			statuses = []string{f.Status}
		}
	}
	page := JobPage{Items: []Job{}}
	bq, _ := searchTerms(f.Q)
	if bq != "" && len(statuses) == 1 && ScanBudget > 0 {
		// Words found in many jobs make the FULLTEXT plan read long posting
		// lists; scanning newest first stops after one page. Try the scan
		// within a budget of rows; a page it cannot fill goes to the index.
		query, args := scanSQL(jobCols, f, statuses[0])
		if err := s.DB.SelectContext(ctx, &page.Items, query, args...); err != nil {
			return page, fmt.Errorf("jobs: list: %w", store.Translate(err))
		}
		if len(page.Items) <= f.Limit {
			page.Items = page.Items[:0]
		}
	}
	if len(page.Items) == 0 {
		query, args, err := listSQL(jobCols, f, statuses)
		if err != nil {
			return JobPage{}, err
		}
		if err := s.DB.SelectContext(ctx, &page.Items, query, args...); err != nil {
			return page, fmt.Errorf("jobs: list: %w", store.Translate(err))
		}
	}
	if len(page.Items) > f.Limit {
		page.Items = page.Items[:f.Limit]
		page.NextCursor = strconv.FormatUint(page.Items[f.Limit-1].ID, 10)
	}
	for i := range page.Items {
		page.Items[i].fill()
	}
	return page, nil
}

// ScanBudget is how many rows the newest-first scan of a text search may
// examine before the search falls back to the FULLTEXT index.
// A benchmark may set it to 0 to measure the index alone.
var ScanBudget = 1000

// wordRE turns a search word into the prefix-of-a-word pattern the FULLTEXT
// query matches ("rust" matches "Rust" and "rustacean", not "trust").
func wordRE(w string) string {
	var b strings.Builder
	b.WriteString(`[[:<:]]`)
	for _, r := range w {
		if r == '+' || r == '#' || r == '.' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// scanSQL is the text search as an ordered walk of a jobs index, newest
// first, testing each job's text, cut after ScanBudget rows (MariaDB's
// LIMIT … ROWS EXAMINED): its answer is exact when it fills the page.
func scanSQL(cols string, f JobFilter, status string) (string, []any) {
	var sb strings.Builder
	var args []any
	// Both filters: walk (status, remote, type, id), newest first, so only
	// rows of that combination are examined; otherwise (status, id).
	index := "ix_jobs_status_id"
	if f.Remote != "" && f.EmploymentType != "" {
		index = "ix_jobs_browse"
	}
	sb.WriteString(`SELECT STRAIGHT_JOIN ` + cols + ` FROM jobs j FORCE INDEX (` + index + `) JOIN companies c ON c.id = j.company_id`)
	if f.Skill != "" {
		sb.WriteString(` JOIN job_skills s ON s.job_id = j.id AND s.skill = ?`)
		args = append(args, strings.ToLower(strings.TrimSpace(f.Skill)))
	}
	sb.WriteString(` WHERE j.status = ?`)
	args = append(args, status)
	long, short := searchTerms(f.Q)
	for _, t := range strings.Fields(long) {
		sb.WriteString(` AND CONCAT_WS(' ', j.title, j.description, j.skills) REGEXP ?`)
		args = append(args, wordRE(strings.TrimSuffix(strings.TrimPrefix(t, "+"), "*")))
	}
	for _, w := range short {
		sb.WriteString(` AND (FIND_IN_SET(?, j.skills) > 0 OR CONCAT(' ', j.title, ' ') LIKE ?)`)
		args = append(args, w, "% "+likeEscape(w)+" %")
	}
	for _, c := range []struct {
		col string
		v   any
		set bool
	}{{"j.company_id", f.CompanyID, f.CompanyID != 0}, {"j.location", f.Location, f.Location != ""},
		{"j.remote", f.Remote, f.Remote != ""}, {"j.employment_type", f.EmploymentType, f.EmploymentType != ""}, {"j.id <", f.Before, f.Before != 0}} {
		if c.set {
			if strings.HasSuffix(c.col, "<") {
				sb.WriteString(` AND ` + c.col + ` ?`)
			} else {
				sb.WriteString(` AND ` + c.col + ` = ?`)
			}
			args = append(args, c.v)
		}
	}
	limit := f.Limit
	if limit == 0 {
		limit = 20
	}
	sb.WriteString(` ORDER BY j.id DESC LIMIT ? ROWS EXAMINED ?`)
	args = append(args, limit+1, ScanBudget)
	return sb.String(), args
}

func listSQL(cols string, f JobFilter, statuses []string) (string, []any, error) {
	var (
		sb   strings.Builder
		args []any
	)
	sb.WriteString(`SELECT ` + cols + ` FROM jobs j JOIN companies c ON c.id = j.company_id`)
	if f.Skill != "" {
		sb.WriteString(` JOIN job_skills s ON s.job_id = j.id AND s.skill = ?`)
		args = append(args, strings.ToLower(strings.TrimSpace(f.Skill)))
	}
	q, qargs, err := sqlx.In(` WHERE j.status IN (?)`, statuses)
	if err != nil {
		return "", nil, err
	}
	sb.WriteString(q)
	args = append(args, qargs...)
	bq, short := searchTerms(f.Q)
	if bq != "" {
		sb.WriteString(` AND MATCH(j.title, j.description, j.skills, j.facets) AGAINST (? IN BOOLEAN MODE)`)
		args = append(args, strings.Join(append([]string{bq}, facetTerms(f, statuses)...), " "))
	}
	for _, w := range short {
		sb.WriteString(` AND (FIND_IN_SET(?, j.skills) > 0 OR CONCAT(' ', j.title, ' ') LIKE ?)`)
		args = append(args, w, "% "+likeEscape(w)+" %")
	}
	if f.CompanyID != 0 {
		sb.WriteString(` AND j.company_id = ?`)
		args = append(args, f.CompanyID)
	}
	if f.Location != "" {
		sb.WriteString(` AND j.location = ?`)
		args = append(args, f.Location)
	}
	if f.Remote != "" {
		sb.WriteString(` AND j.remote = ?`)
		args = append(args, f.Remote)
	}
	if f.EmploymentType != "" {
		sb.WriteString(` AND j.employment_type = ?`)
		args = append(args, f.EmploymentType)
	}
	if f.Before != 0 {
		sb.WriteString(` AND j.id < ?`)
		args = append(args, f.Before)
	}
	limit := f.Limit
	if limit == 0 {
		limit = 20
	}
	sb.WriteString(` ORDER BY j.id DESC LIMIT ?`)
	args = append(args, limit+1)
	return sb.String(), args, nil
}

// Explain returns the EXPLAIN rows (table, type, key, rows, Extra) of the
// public job search for f and of a company's applications board page, so
// benchmarks and tests can show which indexes the plans use.
func (s *Service) Explain(ctx context.Context, f JobFilter, boardCompany uint64, boardStatus string) (search, board []map[string]any, err error) {
	q, args, err := listSQL(jobCols, f, []string{"open"})
	if err != nil {
		return nil, nil, err
	}
	if search, err = explain(ctx, s.DB, q, args); err != nil {
		return nil, nil, err
	}
	sq, sargs := scanSQL(jobCols, f, "open")
	scan, err := explain(ctx, s.DB, sq, sargs)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range scan {
		r["plan"] = "scan"
	}
	search = append(search, scan...)
	bq, bargs := boardSQL(AppFilter{CompanyIDs: []uint64{boardCompany}, Status: boardStatus, Limit: 50})
	board, err = explain(ctx, s.DB, bq, bargs)
	return search, board, err
}

func explain(ctx context.Context, db *sqlx.DB, q string, args []any) ([]map[string]any, error) {
	rows, err := db.QueryxContext(ctx, "EXPLAIN "+q, args...)
	if err != nil {
		return nil, fmt.Errorf("jobs: explain: %w", store.Translate(err))
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		m := map[string]any{}
		if err := rows.MapScan(m); err != nil {
			return nil, err
		}
		for k, v := range m {
			if b, ok := v.([]byte); ok {
				m[k] = string(b)
			}
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// likeEscape makes a word match itself in a LIKE pattern.
func likeEscape(w string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(w)
}
