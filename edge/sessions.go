package edge

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/hirebus/hirebus/domain/users"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/otp"
	"github.com/hirebus/hirebus/outbox"
	"github.com/jmoiron/sqlx"
)

// Principal is the authenticated caller.
type Principal struct {
	UserID    uint64
	Role      string
	SessionID string
}

type claims struct {
	Role string `json:"role"`
	SID  string `json:"sid"`
	jwt.RegisteredClaims
}

const issuer = "hirebus"

func (s *Server) issueToken(userID uint64, role, sid string, exp time.Time) (string, error) {
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{
		Role: role, SID: sid,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   strconv.FormatUint(userID, 10),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        sid,
		},
	})
	signed, err := tok.SignedString(s.cfg.JWTKey)
	if err != nil {
		return "", fmt.Errorf("edge: sign token: %w", err)
	}
	return signed, nil
}

var jwtParser = jwt.NewParser(jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(issuer), jwt.WithExpirationRequired(), jwt.WithLeeway(5*time.Second))

// authenticate checks a token's signature, expiry and session.
func (s *Server) authenticate(ctx context.Context, raw string) (Principal, error) {
	var cl claims
	_, err := jwtParser.ParseWithClaims(raw, &cl, func(*jwt.Token) (any, error) { return s.cfg.JWTKey, nil })
	if err != nil {
		return Principal{}, errUnauthorized
	}
	uid, err := strconv.ParseUint(cl.Subject, 10, 64)
	if err != nil || cl.SID == "" {
		return Principal{}, errUnauthorized
	}
	ok, err := s.sessions.valid(ctx, cl.SID, uid)
	if err != nil {
		return Principal{}, err
	}
	if !ok {
		return Principal{}, errUnauthorized
	}
	return Principal{UserID: uid, Role: cl.Role, SessionID: cl.SID}, nil
}

// sessionCache remembers session validity so an authenticated request does
// not hit MySQL; revocations arrive over the bus (evt.sys.session.revoked) and
// apply at once on every edge, and entries are re-read after refresh anyway.
type sessionCache struct {
	db      *sqlx.DB
	refresh time.Duration
	mu      sync.RWMutex
	m       map[string]sessionEntry
}

type sessionEntry struct {
	userID   uint64
	expires  time.Time
	revoked  bool
	loadedAt time.Time
}

func newSessionCache(db *sqlx.DB, refresh time.Duration) *sessionCache {
	return &sessionCache{db: db, refresh: refresh, m: map[string]sessionEntry{}}
}

func (c *sessionCache) valid(ctx context.Context, sid string, uid uint64) (bool, error) {
	now := time.Now()
	c.mu.RLock()
	e, ok := c.m[sid]
	c.mu.RUnlock()
	if ok && now.Sub(e.loadedAt) < c.refresh {
		return !e.revoked && e.userID == uid && now.Before(e.expires), nil
	}
	row, err := users.GetSession(ctx, c.db, sid)
	if errors.Is(err, users.ErrNotFound) {
		c.put(sid, sessionEntry{revoked: true, expires: now.Add(time.Hour), loadedAt: now})
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("edge: load session: %w", err)
	}
	e = sessionEntry{userID: row.UserID, expires: row.ExpiresAt, revoked: row.RevokedAt.Valid, loadedAt: now}
	c.put(sid, e)
	return !e.revoked && e.userID == uid && now.Before(e.expires), nil
}

func (c *sessionCache) put(sid string, e sessionEntry) {
	c.mu.Lock()
	if len(c.m) > 200_000 {
		c.m = map[string]sessionEntry{} // bounded memory; entries reload on demand
	}
	c.m[sid] = e
	c.mu.Unlock()
}

// revoke applies a revocation seen on the bus.
func (c *sessionCache) revoke(sid string) {
	c.put(sid, sessionEntry{revoked: true, expires: time.Now().Add(time.Hour), loadedAt: time.Now().Add(24 * time.Hour)})
}

func deviceHash(userAgent, ip string) []byte {
	h := sha256.Sum256([]byte(userAgent + "\x00" + ip))
	return h[:]
}

// createSession stores a session row and returns its id and expiry.
func (s *Server) createSession(ctx context.Context, tx *sqlx.Tx, userID uint64, method, userAgent, ip string) (string, time.Time, error) {
	sid := events.NewID()
	exp := time.Now().UTC().Add(s.cfg.TokenTTL)
	userAgent = cleanUserAgent(userAgent)
	err := users.CreateSession(ctx, tx, users.NewSession{ID: sid, UserID: userID, DeviceHash: deviceHash(userAgent, ip),
		UserAgent: userAgent, Method: method, ExpiresAt: exp})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("edge: create session: %w", err)
	}
	return sid, exp, nil
}

// revokeSessions revokes the given session (or all of a user's sessions when
// sid is empty) and broadcasts it through the outbox.
func (s *Server) revokeSessions(ctx context.Context, userID uint64, sid string) error {
	return s.deps.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		var ids []string
		if sid != "" {
			ids = []string{sid}
		} else {
			var err error
			if ids, err = users.ActiveSessions(ctx, tx, userID); err != nil {
				return fmt.Errorf("edge: list sessions: %w", err)
			}
		}
		for _, id := range ids {
			if err := users.RevokeSession(ctx, tx, id); err != nil {
				return fmt.Errorf("edge: revoke session: %w", err)
			}
			env, err := events.NewEnvelope(events.EvtSessionRevoked, "", userID, events.SessionRevoked{SessionID: id, UserID: userID})
			if err != nil {
				return err
			}
			if err := out.Add(events.SystemSubject(events.EvtSessionRevoked), env); err != nil {
				return err
			}
		}
		return nil
	})
}

// cleanupSessions deletes long-expired sessions and spent codes.
func (s *Server) cleanupSessions(ctx context.Context) (int64, error) {
	total, err := users.PurgeSessions(ctx, s.deps.DB)
	if err != nil {
		return total, fmt.Errorf("edge: cleanup: %w", err)
	}
	n, err := otp.Purge(ctx, s.deps.DB)
	total += n
	if err != nil {
		return total, fmt.Errorf("edge: cleanup: %w", err)
	}
	return total, nil
}

// maxUserAgent is the size of user_sessions.user_agent.
const maxUserAgent = 512

// cleanUserAgent makes a client's User-Agent safe to store: every byte that
// is not printable ASCII (invalid UTF-8, control characters, any non-ASCII
// character) becomes '?', and the result is cut to maxUserAgent. User
// agents are ASCII in practice; anything else is noise or an attack (a
// byte cut in the middle of a character used to fail the insert: 500).
func cleanUserAgent(ua string) string {
	n := min(len(ua), maxUserAgent)
	b := make([]byte, n)
	for i := 0; i < n; i++ {
		c := ua[i]
		if c < 0x20 || c > 0x7e {
			c = '?'
		}
		b[i] = c
	}
	return string(b)
}
