package problems

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/hirebus/hirebus/judge"
)

// Upsert validates ps and writes them in one transaction, keyed by slug:
// an existing problem keeps its id (so submissions stay attached) and gets
// the new content and tests. Running it twice with the same input changes
// nothing visible. The IDs of ps are set on success.
func Upsert(ctx context.Context, db *sqlx.DB, ps []Problem) error {
	for i := range ps {
		if err := ps[i].Validate(); err != nil {
			return fmt.Errorf("problems: upsert: %w", err)
		}
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("problems: upsert: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	for i := range ps {
		if err := upsertOne(ctx, tx, &ps[i]); err != nil {
			return fmt.Errorf("problems: upsert %q: %w", ps[i].Slug, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("problems: upsert: commit: %w", err)
	}
	return nil
}

func upsertOne(ctx context.Context, tx *sqlx.Tx, p *Problem) error {
	examples, err := json.Marshal(p.Examples)
	if err != nil {
		return fmt.Errorf("encode examples: %w", err)
	}
	starter := p.Starter
	if starter == nil {
		starter = map[string]string{}
	}
	starterJSON, err := json.Marshal(starter)
	if err != nil {
		return fmt.Errorf("encode starter: %w", err)
	}
	c := p.Comparison.Normalize()
	_, err = tx.ExecContext(ctx, `
INSERT INTO coding_problems
  (slug, title, statement, difficulty, time_limit_ms, memory_limit_kb,
   comparison_mode, abs_epsilon, rel_epsilon, examples, starter_code)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON DUPLICATE KEY UPDATE
  title = VALUES(title), statement = VALUES(statement), difficulty = VALUES(difficulty),
  time_limit_ms = VALUES(time_limit_ms), memory_limit_kb = VALUES(memory_limit_kb),
  comparison_mode = VALUES(comparison_mode), abs_epsilon = VALUES(abs_epsilon),
  rel_epsilon = VALUES(rel_epsilon), examples = VALUES(examples), starter_code = VALUES(starter_code)`,
		p.Slug, p.Title, p.Statement, string(p.Difficulty), p.TimeLimitMS, p.MemoryLimitKB,
		string(c.Mode), c.AbsEpsilon, c.RelEpsilon, examples, starterJSON)
	if err != nil {
		return fmt.Errorf("write problem: %w", err)
	}
	// Read the id back instead of trusting LAST_INSERT_ID, which is not
	// reported when ON DUPLICATE KEY UPDATE changes nothing.
	if err := tx.GetContext(ctx, &p.ID, `SELECT id FROM coding_problems WHERE slug = ?`, p.Slug); err != nil {
		return fmt.Errorf("read id: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM coding_problem_tests WHERE problem_id = ?`, p.ID); err != nil {
		return fmt.Errorf("clear tests: %w", err)
	}
	// One row per statement: a large test alone can approach
	// max_allowed_packet, so tests are not batched.
	for i, tc := range p.Tests {
		if _, err := tx.ExecContext(ctx,
			`INSERT INTO coding_problem_tests (problem_id, ordinal, name, input, output) VALUES (?, ?, ?, ?, ?)`,
			p.ID, i+1, tc.Name, []byte(tc.Input), []byte(tc.Output)); err != nil {
			return fmt.Errorf("write test %d: %w", i+1, err)
		}
	}
	return nil
}

// problemRow is a coding_problems row plus its test count.
type problemRow struct {
	ID            int64     `db:"id"`
	Slug          string    `db:"slug"`
	Title         string    `db:"title"`
	Statement     string    `db:"statement"`
	Difficulty    string    `db:"difficulty"`
	TimeLimitMS   int       `db:"time_limit_ms"`
	MemoryLimitKB int       `db:"memory_limit_kb"`
	Mode          string    `db:"comparison_mode"`
	AbsEpsilon    float64   `db:"abs_epsilon"`
	RelEpsilon    float64   `db:"rel_epsilon"`
	Examples      []byte    `db:"examples"`
	Starter       []byte    `db:"starter_code"`
	TestCount     int       `db:"test_count"`
	CreatedAt     time.Time `db:"created_at"`
	UpdatedAt     time.Time `db:"updated_at"`
}

// selectProblems never names coding_problem_tests columns other than the
// count: the public read path cannot leak hidden tests.
const selectProblems = `
SELECT p.id, p.slug, p.title, p.statement, p.difficulty, p.time_limit_ms, p.memory_limit_kb,
       p.comparison_mode, p.abs_epsilon, p.rel_epsilon, p.examples, p.starter_code,
       (SELECT COUNT(*) FROM coding_problem_tests t WHERE t.problem_id = p.id) AS test_count,
       p.created_at, p.updated_at
FROM coding_problems p`

func (r *problemRow) public() (PublicProblem, error) {
	pp := PublicProblem{
		ID:            r.ID,
		Slug:          r.Slug,
		Title:         r.Title,
		Statement:     r.Statement,
		Difficulty:    Difficulty(r.Difficulty),
		TimeLimitMS:   r.TimeLimitMS,
		MemoryLimitKB: r.MemoryLimitKB,
		Comparison:    judge.Comparison{Mode: judge.Mode(r.Mode), AbsEpsilon: r.AbsEpsilon, RelEpsilon: r.RelEpsilon},
		TestCount:     r.TestCount,
		CreatedAt:     r.CreatedAt,
		UpdatedAt:     r.UpdatedAt,
	}
	if err := json.Unmarshal(r.Examples, &pp.Examples); err != nil {
		return PublicProblem{}, fmt.Errorf("decode examples of %q: %w", r.Slug, err)
	}
	if err := json.Unmarshal(r.Starter, &pp.Starter); err != nil {
		return PublicProblem{}, fmt.Errorf("decode starter code of %q: %w", r.Slug, err)
	}
	if pp.Examples == nil {
		pp.Examples = []Example{}
	}
	if pp.Starter == nil {
		pp.Starter = map[string]string{}
	}
	return pp, nil
}

func getPublic(ctx context.Context, db sqlx.QueryerContext, where string, arg any) (*PublicProblem, error) {
	var r problemRow
	err := sqlx.GetContext(ctx, db, &r, selectProblems+" WHERE "+where, arg)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	pp, err := r.public()
	if err != nil {
		return nil, err
	}
	return &pp, nil
}

// Get returns the public view of the seed problem with id, or ErrNotFound
// (also for a company's own problem: those are not public).
func Get(ctx context.Context, db *sqlx.DB, id int64) (*PublicProblem, error) {
	pp, err := getPublic(ctx, db, "p.company_id IS NULL AND p.id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("problems: get %d: %w", id, err)
	}
	return pp, nil
}

// GetBySlug returns the public view of the problem with slug, or ErrNotFound.
func GetBySlug(ctx context.Context, db *sqlx.DB, slug string) (*PublicProblem, error) {
	pp, err := getPublic(ctx, db, "p.company_id IS NULL AND p.slug = ?", slug)
	if err != nil {
		return nil, fmt.Errorf("problems: get %q: %w", slug, err)
	}
	return pp, nil
}

// List returns the public views of all problems, easiest first and then by
// title (the order a candidate practises in; ids only follow load order).
func List(ctx context.Context, db *sqlx.DB) ([]PublicProblem, error) {
	var rows []problemRow
	if err := db.SelectContext(ctx, &rows, selectProblems+" WHERE p.company_id IS NULL ORDER BY FIELD(p.difficulty, 'easy', 'medium', 'hard'), p.title, p.id"); err != nil {
		return nil, fmt.Errorf("problems: list: %w", err)
	}
	out := make([]PublicProblem, 0, len(rows))
	for i := range rows {
		pp, err := rows[i].public()
		if err != nil {
			return nil, fmt.Errorf("problems: list: %w", err)
		}
		out = append(out, pp)
	}
	return out, nil
}

// ForGrading returns the full problem with its hidden tests, for the code
// worker only.
func ForGrading(ctx context.Context, db *sqlx.DB, id int64) (*Problem, error) {
	pp, err := getPublic(ctx, db, "p.id = ?", id)
	if err != nil {
		return nil, fmt.Errorf("problems: load %d for grading: %w", id, err)
	}
	var tests []struct {
		Name   string `db:"name"`
		Input  []byte `db:"input"`
		Output []byte `db:"output"`
	}
	if err := db.SelectContext(ctx, &tests,
		`SELECT name, input, output FROM coding_problem_tests WHERE problem_id = ? ORDER BY ordinal`, id); err != nil {
		return nil, fmt.Errorf("problems: load tests of %d: %w", id, err)
	}
	p := &Problem{
		ID:            pp.ID,
		Slug:          pp.Slug,
		Title:         pp.Title,
		Statement:     pp.Statement,
		Difficulty:    pp.Difficulty,
		TimeLimitMS:   pp.TimeLimitMS,
		MemoryLimitKB: pp.MemoryLimitKB,
		Comparison:    pp.Comparison,
		Examples:      pp.Examples,
		Starter:       pp.Starter,
		CreatedAt:     pp.CreatedAt,
		UpdatedAt:     pp.UpdatedAt,
		Tests:         make([]judge.TestCase, len(tests)),
	}
	for i, t := range tests {
		p.Tests[i] = judge.TestCase{Name: t.Name, Input: string(t.Input), Output: string(t.Output)}
	}
	p.MarkVisibleTests()
	return p, nil
}
