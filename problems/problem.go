// Package problems holds the coding problems: their on-disk format, the
// embedded seed set, validation, and MySQL storage.
//
// A problem directory looks like:
//
//	<slug>/problem.json     slug, title, difficulty, limits, comparison, examples
//	<slug>/statement.md     the statement in Markdown
//	<slug>/tests/*.in|*.out hidden tests, graded in file-name order
//	<slug>/starter/<language>.<ext>  starter code, keyed by language name
//	<slug>/solutions/<language>.<ext> reference solutions (tests only)
//
// Go sources there are named go.go.txt: a .go file would turn the directory
// into a Go package of this module.
//
// Hidden tests are only reachable through Problem and ForGrading; everything
// shown to candidates goes through PublicProblem, which has no field for them.
package problems

import (
	"errors"
	"fmt"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/hirebus/hirebus/judge"
)

// Difficulty is a coarse label shown to candidates.
type Difficulty string

// Difficulties.
const (
	Easy   Difficulty = "easy"
	Medium Difficulty = "medium"
	Hard   Difficulty = "hard"
)

// Bounds enforced by Validate. They keep one problem from making a grading
// run unbounded; the worker applies its own configured maxima on top.
const (
	MinTimeLimitMS   = 100
	MaxTimeLimitMS   = 20_000
	MinMemoryLimitKB = 16 * 1024
	MaxMemoryLimitKB = 2 * 1024 * 1024
	MaxTests         = 200
	MaxTestBytes     = 16 << 20 // per input and per output
	MaxStatementLen  = 64 << 10
	MaxStarterLen    = 64 << 10
)

// Errors.
var (
	// ErrInvalid wraps every validation failure.
	ErrInvalid = errors.New("problems: invalid problem")
	// ErrNotFound is returned when no problem has the requested id or slug.
	ErrNotFound = errors.New("problems: not found")
)

// Example is a worked example shown in the statement.
type Example struct {
	Input       string `json:"input"`
	Output      string `json:"output"`
	Explanation string `json:"explanation,omitempty"`
}

// Problem is a complete problem including its hidden tests. Never serialise
// it to a candidate: use Public.
type Problem struct {
	ID            int64             `json:"id,omitempty"`
	Slug          string            `json:"slug"`
	Title         string            `json:"title"`
	Statement     string            `json:"statement"`
	Difficulty    Difficulty        `json:"difficulty"`
	TimeLimitMS   int               `json:"time_limit_ms"`
	MemoryLimitKB int               `json:"memory_limit_kb"`
	Comparison    judge.Comparison  `json:"comparison"`
	Examples      []Example         `json:"examples"`
	Starter       map[string]string `json:"starter,omitempty"`
	// Tests are the hidden test cases. The json tag keeps them out of any
	// accidental marshalling.
	Tests     []judge.TestCase `json:"-"`
	CreatedAt time.Time        `json:"created_at,omitzero"`
	UpdatedAt time.Time        `json:"updated_at,omitzero"`
}

// PublicProblem is what candidates may see: everything except hidden tests,
// of which only the count is given.
type PublicProblem struct {
	ID            int64             `json:"id"`
	Slug          string            `json:"slug"`
	Title         string            `json:"title"`
	Statement     string            `json:"statement"`
	Difficulty    Difficulty        `json:"difficulty"`
	TimeLimitMS   int               `json:"time_limit_ms"`
	MemoryLimitKB int               `json:"memory_limit_kb"`
	Comparison    judge.Comparison  `json:"comparison"`
	Examples      []Example         `json:"examples"`
	Starter       map[string]string `json:"starter"`
	TestCount     int               `json:"test_count"`
	CreatedAt     time.Time         `json:"created_at,omitzero"`
	UpdatedAt     time.Time         `json:"updated_at,omitzero"`
}

// Public returns the candidate-visible view of p.
func (p *Problem) Public() PublicProblem {
	examples := append([]Example(nil), p.Examples...)
	if examples == nil {
		examples = []Example{}
	}
	starter := make(map[string]string, len(p.Starter))
	for k, v := range p.Starter {
		starter[k] = v
	}
	return PublicProblem{
		ID:            p.ID,
		Slug:          p.Slug,
		Title:         p.Title,
		Statement:     p.Statement,
		Difficulty:    p.Difficulty,
		TimeLimitMS:   p.TimeLimitMS,
		MemoryLimitKB: p.MemoryLimitKB,
		Comparison:    p.Comparison.Normalize(),
		Examples:      examples,
		Starter:       starter,
		TestCount:     len(p.Tests),
		CreatedAt:     p.CreatedAt,
		UpdatedAt:     p.UpdatedAt,
	}
}

var slugRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Validate checks p and normalises its comparison. Every error wraps
// ErrInvalid and names the problem and field.
func (p *Problem) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w %q: %s", ErrInvalid, p.Slug, fmt.Sprintf(format, args...))
	}
	if len(p.Slug) == 0 || len(p.Slug) > 64 || !slugRE.MatchString(p.Slug) {
		return bad("slug must be 1-64 chars of lower-case letters, digits and single hyphens")
	}
	if p.Title == "" || utf8.RuneCountInString(p.Title) > 200 || !utf8.ValidString(p.Title) {
		return bad("title must be 1-200 characters of UTF-8")
	}
	if p.Statement == "" || len(p.Statement) > MaxStatementLen || !utf8.ValidString(p.Statement) {
		return bad("statement must be non-empty UTF-8 of at most %d bytes", MaxStatementLen)
	}
	switch p.Difficulty {
	case Easy, Medium, Hard:
	default:
		return bad("difficulty %q is not easy, medium or hard", p.Difficulty)
	}
	if p.TimeLimitMS < MinTimeLimitMS || p.TimeLimitMS > MaxTimeLimitMS {
		return bad("time_limit_ms %d outside [%d, %d]", p.TimeLimitMS, MinTimeLimitMS, MaxTimeLimitMS)
	}
	if p.MemoryLimitKB < MinMemoryLimitKB || p.MemoryLimitKB > MaxMemoryLimitKB {
		return bad("memory_limit_kb %d outside [%d, %d]", p.MemoryLimitKB, MinMemoryLimitKB, MaxMemoryLimitKB)
	}
	if err := p.Comparison.Validate(); err != nil {
		return bad("comparison: %v", err)
	}
	p.Comparison = p.Comparison.Normalize()
	if len(p.Examples) == 0 {
		return bad("at least one example is required")
	}
	for i, e := range p.Examples {
		if !utf8.ValidString(e.Input) || !utf8.ValidString(e.Output) || !utf8.ValidString(e.Explanation) {
			return bad("example %d is not valid UTF-8", i+1)
		}
	}
	if len(p.Tests) == 0 || len(p.Tests) > MaxTests {
		return bad("needs 1-%d hidden tests, has %d", MaxTests, len(p.Tests))
	}
	names := make(map[string]bool, len(p.Tests))
	for i, tc := range p.Tests {
		if len(tc.Input) > MaxTestBytes || len(tc.Output) > MaxTestBytes {
			return bad("test %d (%s) exceeds %d bytes", i+1, tc.Name, MaxTestBytes)
		}
		if len(tc.Name) > 128 {
			return bad("test %d name longer than 128 bytes", i+1)
		}
		if names[tc.Name] {
			return bad("duplicate test name %q", tc.Name)
		}
		names[tc.Name] = true
	}
	for lang, code := range p.Starter {
		if !knownLanguage(lang) {
			return bad("starter code for unknown language %q", lang)
		}
		if len(code) > MaxStarterLen || !utf8.ValidString(code) {
			return bad("starter code for %s must be UTF-8 of at most %d bytes", lang, MaxStarterLen)
		}
	}
	return nil
}

// MarkVisibleTests sets Visible on every test that is one of p's examples:
// the same input (ignoring trailing whitespace) and an expected output the
// problem's comparison accepts as the example's. A candidate already sees
// those in the statement, so a wrong answer on one may show expected and
// actual output; every other test stays hidden. ForGrading calls it.
func (p *Problem) MarkVisibleTests() {
	lines := judge.Comparison{Mode: judge.ModeTrailingWhitespace}
	for i := range p.Tests {
		tc := &p.Tests[i]
		tc.Visible = false
		for _, ex := range p.Examples {
			if ok, _ := judge.Compare(lines, []byte(ex.Input), []byte(tc.Input)); !ok {
				continue
			}
			if ok, _ := judge.Compare(p.Comparison, []byte(ex.Output), []byte(tc.Output)); ok {
				tc.Visible = true
				break
			}
		}
	}
}
