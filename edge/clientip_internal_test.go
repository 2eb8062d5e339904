package edge

import (
	"net/netip"
	"testing"
)

func TestResolveClientIP(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")}
	for _, tc := range []struct {
		peer, header, want string
		trusted            []netip.Prefix
	}{
		{"203.0.113.9", "1.2.3.4", "203.0.113.9", trusted},         // peer not a proxy: header ignored
		{"10.0.0.1", "1.2.3.4", "1.2.3.4", trusted},                // one trusted hop
		{"10.0.0.1", "6.6.6.6, 1.2.3.4", "1.2.3.4", trusted},       // the client's own entry is ignored
		{"10.0.0.1", "1.2.3.4, 10.0.0.7", "1.2.3.4", trusted},      // two proxies
		{"10.0.0.1", "10.0.0.9, 10.0.0.7", "10.0.0.9", trusted},    // all trusted: the left-most
		{"10.0.0.1", "garbage, 1.2.3.4", "1.2.3.4", trusted},       // unreadable hops left of the client do not matter
		{"10.0.0.1", "1.2.3.4, garbage", "10.0.0.1", trusted},      // an unreadable hop stops the walk
		{"fd00::1", "2001:db8::5", "2001:db8::5", trusted},         // IPv6
		{"10.0.0.1", "[2001:db8::5]:4711", "2001:db8::5", trusted}, // with a port
		{"::ffff:10.0.0.1", "1.2.3.4", "1.2.3.4", trusted},         // IPv4-mapped peer
		{"10.0.0.1", "1.2.3.4", "10.0.0.1", nil},                   // no trusted proxies: never the header
		{"10.0.0.1", "", "10.0.0.1", trusted},                      // no header
	} {
		got := resolveClientIP(netip.MustParseAddr(tc.peer), tc.header, tc.trusted)
		if got.String() != tc.want {
			t.Errorf("peer %s header %q: %s, want %s", tc.peer, tc.header, got, tc.want)
		}
	}
}

func TestIPKey(t *testing.T) {
	for in, want := range map[string]string{
		"203.0.113.9":           "203.0.113.9",
		"::ffff:203.0.113.9":    "203.0.113.9",
		"2001:db8:1:2:3:4:5:6":  "2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1":  "2001:db8:1:2::/64",
		"not an address at all": "not an address at all",
	} {
		if got := ipKey(in); got != want {
			t.Errorf("ipKey(%q) = %q, want %q", in, got, want)
		}
	}
}
