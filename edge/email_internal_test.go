package edge

import "testing"

// TestCanonicalEmail pins the address rule of email.go (issue 7).
func TestCanonicalEmail(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"V@Example.COM", "v@example.com", true},
		{"v@exämple.com", "v@xn--exmple-cua.com", true},
		{"v@EXÄMPLE.com", "v@xn--exmple-cua.com", true},
		{"first.last+tag@sub.example.org", "first.last+tag@sub.example.org", true},
		{"vïctim@example.com", "", false},
		{"ｖ@example.com", "", false}, // full-width local part
		{"a..b@example.com", "", false},
		{".a@example.com", "", false},
		{"a.@example.com", "", false},
		{`"quoted"@example.com`, "", false},
		{"Bob <bob@example.com>", "", false},
		{"v@example", "", false},
		{"v@ex ample.com", "", false},
		{"v@-example.com", "", false},
		{"@example.com", "", false},
		{"v@", "", false},
		{"v@example.com.", "", false},
	} {
		got, ok := canonicalEmail(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("canonicalEmail(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
