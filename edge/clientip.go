package edge

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// clientIPHeader is where the edge itself puts the client address it
// trusts; Fiber's c.IP() reads it (Config.ProxyHeader of the Fiber app), so
// every handler and limiter sees the same resolved address. A value sent
// by the client in this header is always overwritten.
const clientIPHeader = "X-Hirebus-Client-Ip"

// resolveClientIP finds the client behind trusted proxies: when the socket
// peer is a trusted proxy, the proxy header's hops are read from the right
// (the nearest first) and the first address that is not a trusted proxy is
// the client. Anything a client writes itself sits to the left of that and
// is ignored. Without a header name or trusted proxies, the peer is the
// client.
func resolveClientIP(peer netip.Addr, header string, trusted []netip.Prefix) netip.Addr {
	peer = peer.Unmap()
	if header == "" || len(trusted) == 0 || !isTrusted(peer, trusted) {
		return peer
	}
	hops := strings.Split(header, ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		a, err := netip.ParseAddr(h)
		if err != nil {
			if ap, perr := netip.ParseAddrPort(h); perr == nil {
				a, err = ap.Addr(), nil
			}
		}
		if err != nil {
			// A hop we cannot read: the last trusted one vouches for
			// nothing further left.
			return client
		}
		a = a.Unmap()
		client = a
		if !isTrusted(a, trusted) {
			return a
		}
	}
	return client
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientIP is the first middleware: it resolves the client address once.
func (s *Server) clientIP(c *fiber.Ctx) error {
	var peer netip.Addr
	if ip := c.Context().RemoteIP(); ip != nil {
		peer, _ = netip.AddrFromSlice(ip)
	}
	var header string
	if s.cfg.ProxyHeader != "" {
		var parts []string
		for _, v := range c.Request().Header.PeekAll(s.cfg.ProxyHeader) {
			parts = append(parts, string(v))
		}
		header = strings.Join(parts, ",")
	}
	c.Request().Header.Set(clientIPHeader, resolveClientIP(peer, header, s.cfg.TrustedProxies).String())
	return c.Next()
}
