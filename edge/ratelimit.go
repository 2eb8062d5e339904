package edge

import (
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/time/rate"
)

// ipLimiter is a per-client token bucket for expensive or guessable
// endpoints (password and face login, face detection). It is per edge
// process: with N edges the effective limit is N times higher, which is
// acceptable for slowing down guessing and CPU abuse; shared quotas (OTP
// mails) are counted in MySQL instead.
type ipLimiter struct {
	name    string
	perMin  int
	mu      sync.Mutex
	buckets map[string]*bucket
	lastGC  time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newIPLimiter(name string, perMinute int) *ipLimiter {
	return &ipLimiter{name: name, perMin: perMinute, buckets: map[string]*bucket{}, lastGC: time.Now()}
}

func (l *ipLimiter) allow(key string) bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastGC) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > 2*time.Minute {
				delete(l.buckets, k)
			}
		}
		l.lastGC = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(float64(l.perMin)/60), l.perMin)}
		l.buckets[key] = b
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// middleware answers 429 when the caller's bucket is empty.
func (l *ipLimiter) middleware(c *fiber.Ctx) error {
	if l.perMin > 0 && !l.allow(c.IP()) {
		c.Set(fiber.HeaderRetryAfter, "10")
		return Errorf(429, "too_many_requests", "too many %s requests from this address; wait a little", l.name)
	}
	return c.Next()
}
