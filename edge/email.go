package edge

import (
	"strings"

	"golang.org/x/net/idna"
)

// E-mail addresses are account keys, so two spellings must never meet in
// one row (issue 7: `v@exämple.com` matched `v@example.com` under an
// accent-insensitive collation). The rule, applied before any lookup or
// insert and documented in docs/security.md:
//
//   - local part: ASCII only — letters, digits and !#$%&'*+/=?^_`{|}~.-
//     (RFC 5322 dot-atom; no quoted strings, no leading, trailing or double
//     dots), at most 64 bytes, lowercased;
//   - domain: converted with IDNA 2008 (UTS #46 lookup profile) to its ASCII
//     (punycode) form, lowercased, at least two labels; so `exämple.com` is
//     stored as `xn--exmple-cua.com`, a different key from `example.com`;
//   - the whole address at most 254 bytes.
//
// The columns holding addresses compare bytes (utf8mb4_bin, migration 00005),
// so the normalised form is the only thing that can match.
var emailProfile = idna.New(
	idna.MapForLookup(),
	idna.BidiRule(),
	idna.Transitional(false),
	idna.StrictDomainName(true),
	idna.ValidateLabels(true),
	idna.VerifyDNSLength(true),
)

const localSpecials = "!#$%&'*+/=?^_`{|}~-"

func validLocal(l string) bool {
	if l == "" || len(l) > 64 || l[0] == '.' || l[len(l)-1] == '.' || strings.Contains(l, "..") {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.':
		case strings.IndexByte(localSpecials, c) >= 0:
		default:
			return false
		}
	}
	return true
}

// canonicalEmail applies the rule above; ok is false for anything that is
// not an address under it.
func canonicalEmail(s string) (string, bool) {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", false
	}
	local, domain := s[:at], s[at+1:]
	if !validLocal(local) {
		return "", false
	}
	ascii, err := emailProfile.ToASCII(domain)
	if err != nil || !strings.Contains(ascii, ".") || strings.HasSuffix(ascii, ".") {
		return "", false
	}
	out := strings.ToLower(local) + "@" + strings.ToLower(ascii)
	if len(out) > 254 {
		return "", false
	}
	return out, true
}

func normalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", badRequest("missing_email", "email is required")
	}
	if len(s) > 254 {
		return "", badRequest("bad_email", "email is longer than 254 characters")
	}
	out, ok := canonicalEmail(s)
	if !ok {
		return "", badRequest("bad_email", "email is not a valid address (ASCII local part; international domains are accepted)")
	}
	return out, nil
}
