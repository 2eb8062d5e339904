package judge

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Mode selects how a program's output is compared with the expected output.
type Mode string

const (
	// ModeExact requires byte-for-byte equality.
	ModeExact Mode = "exact"
	// ModeTrailingWhitespace ignores spaces, tabs and carriage returns at the
	// end of each line and blank lines at the end of the output. It is the
	// default because candidates routinely print "1 2 3 " or omit the final
	// newline, and failing them for it teaches nothing.
	ModeTrailingWhitespace Mode = "trailing_whitespace"
	// ModeFloat splits both outputs into whitespace-separated tokens; tokens
	// that parse as numbers in the expected output match when within the
	// absolute or the relative epsilon, every other token must be equal.
	ModeFloat Mode = "float"
)

// Default epsilons for ModeFloat when a problem sets neither.
const (
	DefaultAbsEpsilon = 1e-6
	DefaultRelEpsilon = 1e-6
)

// ErrInvalidComparison reports a Comparison that cannot be used.
var ErrInvalidComparison = errors.New("judge: invalid comparison")

// Comparison is a problem's output checker configuration.
type Comparison struct {
	Mode Mode `json:"mode"`
	// AbsEpsilon and RelEpsilon apply to ModeFloat only: a number matches
	// when |got-want| <= AbsEpsilon or |got-want| <= RelEpsilon*|want|.
	AbsEpsilon float64 `json:"abs_epsilon,omitempty"`
	RelEpsilon float64 `json:"rel_epsilon,omitempty"`
}

// Normalize returns c with defaults filled in: the empty mode becomes
// ModeTrailingWhitespace and a float comparison without epsilons gets the
// package defaults.
func (c Comparison) Normalize() Comparison {
	if c.Mode == "" {
		c.Mode = ModeTrailingWhitespace
	}
	if c.Mode == ModeFloat && c.AbsEpsilon == 0 && c.RelEpsilon == 0 {
		c.AbsEpsilon, c.RelEpsilon = DefaultAbsEpsilon, DefaultRelEpsilon
	}
	return c
}

// Validate reports whether c (after Normalize) is usable.
func (c Comparison) Validate() error {
	c = c.Normalize()
	switch c.Mode {
	case ModeExact, ModeTrailingWhitespace:
		if c.AbsEpsilon != 0 || c.RelEpsilon != 0 {
			return fmt.Errorf("%w: epsilons are only meaningful for mode %q", ErrInvalidComparison, ModeFloat)
		}
	case ModeFloat:
		for _, e := range []float64{c.AbsEpsilon, c.RelEpsilon} {
			if e < 0 || math.IsNaN(e) || math.IsInf(e, 0) || e >= 1 {
				return fmt.Errorf("%w: epsilon %v must be in [0, 1)", ErrInvalidComparison, e)
			}
		}
	default:
		return fmt.Errorf("%w: unknown mode %q", ErrInvalidComparison, c.Mode)
	}
	return nil
}

// Compare checks got against want. When they do not match, reason says where
// they first differ without quoting either output, because the expected
// output of a hidden test must not reach the candidate.
func Compare(c Comparison, want, got []byte) (ok bool, reason string) {
	c = c.Normalize()
	switch c.Mode {
	case ModeExact:
		return compareExact(want, got)
	case ModeFloat:
		return compareFloat(c, want, got)
	default:
		return compareTrimmed(want, got)
	}
}

func compareExact(want, got []byte) (bool, string) {
	if bytes.Equal(want, got) {
		return true, ""
	}
	line := 1
	n := min(len(want), len(got))
	for i := 0; i < n; i++ {
		if want[i] != got[i] {
			return false, fmt.Sprintf("line %d: output differs", line)
		}
		if want[i] == '\n' {
			line++
		}
	}
	if len(got) < len(want) {
		return false, fmt.Sprintf("line %d: output ends early", line)
	}
	return false, fmt.Sprintf("line %d: unexpected extra output", line)
}

// lineIter walks lines without copying; the final line need not end in '\n'.
type lineIter struct{ rest []byte }

func (it *lineIter) next() (line []byte, ok bool) {
	if len(it.rest) == 0 {
		return nil, false
	}
	if i := bytes.IndexByte(it.rest, '\n'); i >= 0 {
		line, it.rest = it.rest[:i], it.rest[i+1:]
	} else {
		line, it.rest = it.rest, nil
	}
	return line, true
}

func trimRightSpace(b []byte) []byte {
	return bytes.TrimRight(b, " \t\r\v\f")
}

// trimTrailingBlankLines drops trailing lines that are empty after trimming,
// so "1\n\n \n" and "1" compare equal.
func trimTrailingBlankLines(b []byte) []byte {
	return bytes.TrimRight(b, " \t\r\v\f\n")
}

func compareTrimmed(want, got []byte) (bool, string) {
	w := lineIter{trimTrailingBlankLines(want)}
	g := lineIter{trimTrailingBlankLines(got)}
	for line := 1; ; line++ {
		wl, wok := w.next()
		gl, gok := g.next()
		switch {
		case !wok && !gok:
			return true, ""
		case !gok:
			return false, fmt.Sprintf("line %d: output ends early", line)
		case !wok:
			return false, fmt.Sprintf("line %d: unexpected extra output", line)
		}
		if !bytes.Equal(trimRightSpace(wl), trimRightSpace(gl)) {
			return false, fmt.Sprintf("line %d: output differs", line)
		}
	}
}

// tokenIter walks whitespace-separated tokens without copying.
type tokenIter struct{ rest []byte }

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f'
}

func (it *tokenIter) next() ([]byte, bool) {
	i := 0
	for i < len(it.rest) && isSpace(it.rest[i]) {
		i++
	}
	if i == len(it.rest) {
		it.rest = nil
		return nil, false
	}
	j := i
	for j < len(it.rest) && !isSpace(it.rest[j]) {
		j++
	}
	tok := it.rest[i:j]
	it.rest = it.rest[j:]
	return tok, true
}

func compareFloat(c Comparison, want, got []byte) (bool, string) {
	w, g := tokenIter{want}, tokenIter{got}
	for n := 1; ; n++ {
		wt, wok := w.next()
		gt, gok := g.next()
		switch {
		case !wok && !gok:
			return true, ""
		case !gok:
			return false, fmt.Sprintf("token %d: output ends early", n)
		case !wok:
			return false, fmt.Sprintf("token %d: unexpected extra output", n)
		}
		if bytes.Equal(wt, gt) {
			continue
		}
		wv, werr := strconv.ParseFloat(string(wt), 64)
		if werr != nil {
			return false, fmt.Sprintf("token %d: output differs", n)
		}
		gv, gerr := strconv.ParseFloat(string(gt), 64)
		if gerr != nil {
			return false, fmt.Sprintf("token %d: expected a number", n)
		}
		if !floatsClose(c, wv, gv) {
			return false, fmt.Sprintf("token %d: number outside tolerance", n)
		}
	}
}

func floatsClose(c Comparison, want, got float64) bool {
	switch {
	case math.IsNaN(want) || math.IsNaN(got):
		return math.IsNaN(want) && math.IsNaN(got)
	case math.IsInf(want, 0) || math.IsInf(got, 0):
		return want == got
	}
	d := math.Abs(got - want)
	return d <= c.AbsEpsilon || d <= c.RelEpsilon*math.Abs(want)
}
