package score

import (
	"slices"
	"strings"
	"unicode"
)

// Winnowing (Schleimer, Wilkerson, Aiken, "Winnowing: local algorithms for
// document fingerprinting", SIGMOD 2003 — the algorithm behind MOSS) over
// normalised tokens: comments and whitespace are dropped, identifiers
// become one token (so renaming changes nothing), numbers and strings
// another; every run of WinnowK tokens is hashed and, in every window of
// WinnowW consecutive hashes, the minimum is kept. Two answers that share a
// run of at least WinnowK+WinnowW-1 tokens share a fingerprint, whatever
// the order of the functions around it, so copied, renamed and reordered
// code keeps most of its fingerprints while independent solutions of the
// same problem share few.

// Winnowing parameters: k-gram length in tokens and window size.
const (
	WinnowK = 8
	WinnowW = 6
)

// MinFingerprints is the fewest fingerprints an answer needs before its
// similarity means anything (a ten-token answer matches everything).
const MinFingerprints = 8

var keywords = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range strings.Fields(`
		break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var
		auto char double enum extern float int long register short signed sizeof static typedef union unsigned void volatile while do
		bool catch class delete explicit friend inline mutable namespace new operator private protected public template this throw try using virtual
		abstract boolean byte extends final finally implements instanceof native super synchronized throws transient
		and as assert async await def del elif except from global in is lambda nonlocal not or pass raise with yield None True False
		let function of typeof undefined null true false nil print println printf scanf cin cout endl std vector string len append make`) {
		m[k] = true
	}
	return m
}()

// Token classes of normalised code (identifiers, numbers and strings lose
// their text).
const (
	tokIdent  = "\x01id"
	tokNumber = "\x01num"
	tokString = "\x01str"
)

// Normalize returns the normalised token stream of source: comments (//,
// /* */, #) and whitespace dropped, identifiers, numbers and string literals
// replaced by their class; keywords and operators kept.
func Normalize(source string) []string {
	var out []string
	s := source
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '/' && i+1 < len(s) && s[i+1] == '/', c == '#':
			// A line comment (C-like //, Python/shell #; a C preprocessor
			// line is dropped too, which is harmless).
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			end := strings.Index(s[i+2:], "*/")
			if end < 0 {
				i = len(s)
			} else {
				i += end + 4
			}
		case c == '"' || c == '\'' || c == '`':
			// A string literal (Python's triple quotes are two empty
			// strings around a third: still one class of token each).
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' && c != '`' {
					j++
				} else if s[j] == '\n' && c != '`' {
					break
				}
				j++
			}
			i = j + 1
			out = append(out, tokString)
		case c >= '0' && c <= '9':
			j := i
			for j < len(s) && (isWord(s[j]) || s[j] == '.') {
				j++
			}
			i = j
			out = append(out, tokNumber)
		case isWord(c) || c >= 0x80:
			j := i
			for j < len(s) && (isWord(s[j]) || s[j] >= 0x80) {
				j++
			}
			w := s[i:j]
			i = j
			if keywords[w] {
				out = append(out, w)
			} else {
				out = append(out, tokIdent)
			}
		default:
			// Operators and punctuation, one byte each; unicode.IsPunct is
			// not needed: every other byte is its own token.
			if !unicode.IsSpace(rune(c)) {
				out = append(out, s[i:i+1])
			}
			i++
		}
	}
	return out
}

func isWord(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// tokenHash is FNV-1a of one token.
func tokenHash(t string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(t); i++ {
		h ^= uint64(t[i])
		h *= 1099511628211
	}
	return h
}

// Fingerprints returns the winnowed fingerprints of source, sorted and
// distinct.
func Fingerprints(source string) []uint64 {
	toks := Normalize(source)
	if len(toks) < WinnowK {
		return []uint64{}
	}
	th := make([]uint64, len(toks))
	for i, t := range toks {
		th[i] = tokenHash(t)
	}
	// Hash of each k-gram: a polynomial over the token hashes.
	const base = 1000003
	n := len(toks) - WinnowK + 1
	grams := make([]uint64, n)
	for i := 0; i < n; i++ {
		var h uint64
		for _, v := range th[i : i+WinnowK] {
			h = h*base + v
		}
		grams[i] = h ^ (h >> 29)
	}
	var fps []uint64
	if n <= WinnowW {
		fps = append(fps, slices.Min(grams))
	} else {
		last := -1
		for start := 0; start+WinnowW <= n; start++ {
			// The rightmost minimum of the window (the paper's rule: a
			// position is recorded once while it stays the minimum).
			m := start
			for j := start; j < start+WinnowW; j++ {
				if grams[j] <= grams[m] {
					m = j
				}
			}
			if m != last {
				fps = append(fps, grams[m])
				last = m
			}
		}
	}
	slices.Sort(fps)
	return slices.Compact(fps)
}

// Overlap is the similarity of two fingerprint sets (sorted, distinct):
// shared fingerprints over the size of the smaller set, in [0, 1], and the
// number shared. Sets under MinFingerprints give 0.
func Overlap(a, b []uint64) (float64, int) {
	if len(a) < MinFingerprints || len(b) < MinFingerprints {
		return 0, 0
	}
	shared := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			shared++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(shared) / float64(min(len(a), len(b))), shared
}

// Match is one other answer's similarity to a submission.
type Match struct {
	Index      int // in the list compared against
	Similarity float64
	Shared     int
}

// MostSimilar compares fingerprints fp with every set in others and returns
// those at or above threshold, most similar first.
func MostSimilar(fp []uint64, others [][]uint64, threshold float64) []Match {
	var out []Match
	for i, o := range others {
		if sim, shared := Overlap(fp, o); sim >= threshold && shared > 0 {
			out = append(out, Match{Index: i, Similarity: sim, Shared: shared})
		}
	}
	slices.SortFunc(out, func(x, y Match) int {
		switch {
		case x.Similarity > y.Similarity:
			return -1
		case x.Similarity < y.Similarity:
			return 1
		}
		return x.Index - y.Index
	})
	return out
}

// PeerThreshold is the similarity from which two answers are reported as
// a peer_similarity signal (measured on testdata/similarity; see
// TestSimilarityFixtures).
const PeerThreshold = 0.5
