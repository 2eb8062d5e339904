package edge

import (
	"context"
	"net/netip"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/ratelimit"
)

// Rate limits go through one ratelimit.Limiter shared by every edge (MySQL
// by default), so N edges do not mean N times the limit. A refusal is 429
// with Retry-After in seconds.

// tooMany is the 429 answer with its Retry-After header.
func tooMany(c *fiber.Ctx, what string, retry time.Duration) error {
	secs := int(retry.Round(time.Second) / time.Second)
	if secs < 1 {
		secs = 1
	}
	c.Set(fiber.HeaderRetryAfter, strconv.Itoa(secs))
	return Errorf(429, "too_many_requests", "too many %s requests; retry in %d s", what, secs)
}

// allow charges one event of the named limit for subject.
func (s *Server) allow(ctx context.Context, name, subject string, r ratelimit.Rate) (ratelimit.Decision, error) {
	if r.Off() {
		return ratelimit.Decision{OK: true}, nil
	}
	return s.limiter.Allow(ctx, name+":"+subject, r)
}

// limitIP is middleware limiting a route per client address.
func (s *Server) limitIP(name, what string, r ratelimit.Rate) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if r.Off() {
			return c.Next()
		}
		d, err := s.allow(c.UserContext(), name, ipKey(c.IP()), r)
		if err != nil {
			return err
		}
		if !d.OK {
			return tooMany(c, what, d.RetryAfter)
		}
		return c.Next()
	}
}

// limitUser is middleware limiting a route per authenticated user; it must
// run after requireAuth.
func (s *Server) limitUser(name, what string, r ratelimit.Rate) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p, ok := principal(c)
		if !ok || r.Off() {
			return c.Next()
		}
		d, err := s.allow(c.UserContext(), name, strconv.FormatUint(p.UserID, 10), r)
		if err != nil {
			return err
		}
		if !d.OK {
			return tooMany(c, what, d.RetryAfter)
		}
		return c.Next()
	}
}

// routeLimit is a named per-client-address limit used as route middleware
// (s.loginLimit.middleware): password and face sign-in share "login-ip",
// they guess the same accounts; face detection has "face-detect-ip".
type routeLimit struct {
	handler fiber.Handler
}

func (l *routeLimit) middleware(c *fiber.Ctx) error { return l.handler(c) }

func (s *Server) newRouteLimit(name, what string, r ratelimit.Rate) *routeLimit {
	return &routeLimit{handler: s.limitIP(name, what, r)}
}

// ipKey is the rate-limit subject of a client address: IPv6 clients are
// limited per /64, the block one subscriber usually gets, so rotating
// addresses inside it gains nothing.
func ipKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is6() {
		return netip.PrefixFrom(a, 64).Masked().String()
	}
	return a.String()
}
