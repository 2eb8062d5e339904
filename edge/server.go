// Package edge is hirebus's HTTP and WebSocket front door: it authenticates,
// validates, reads MySQL, turns work into commands on the bus (through the
// outbox) and pushes results to browsers. It does no heavy work itself.
package edge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/domain/interview"
	"github.com/hirebus/hirebus/domain/reports"
	"github.com/hirebus/hirebus/mailbox"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/ratelimit"
	"github.com/jmoiron/sqlx"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Config of an edge process.
type Config struct {
	Addr         string
	JWTKey       []byte
	TokenTTL     time.Duration // session and token lifetime (default 24h)
	Dev          bool          // enables /dev/mailbox
	BodyLimit    int           // bytes (default 16 MiB: enrolment sends several photos)
	WaitTimeout  time.Duration // how long synchronous endpoints wait for a worker (default 8s)
	OTPPerEmail  int           // send-otp per email per OTPWindow (default 3)
	OTPPerIP     int           // send-otp per client IP per OTPWindow (default 20)
	OTPWindow    time.Duration // default 10m
	SessionCache time.Duration // how long a session check is trusted before re-reading MySQL (default 60s)
	ProxyHeader  string        // e.g. X-Forwarded-For, read only from TrustedProxies; empty = socket address
	PasswordCost int           // bcrypt cost (default 12; tests use bcrypt.MinCost)
	LoginPerMin  int           // password and face login attempts per client IP per minute (default 30; -1 = off)
	FacePerMin   int           // face detection calls per client IP per minute (default 60; -1 = off)
	// RegisterPerMin bounds register calls per client IP per minute
	// (default 10; -1 = off).
	RegisterPerMin int
	// ResetFacePerHour bounds reset-face calls per user per hour (default 5; -1 = off).
	ResetFacePerHour int
	// FramePerMin bounds proctor frames per user per minute (default 60; -1 = off).
	FramePerMin int
	// WSPerUser caps one user's open WebSockets on one edge (default 8).
	WSPerUser int
	// WSReplayPerMin bounds WebSocket replays (?last_seq) per user per minute
	// (default 20; -1 = off).
	WSReplayPerMin int
	// LoginBackoffFree is how many failed logins of one account cost nothing;
	// after that each failure doubles the wait from 1s up to LoginBackoffMax
	// (defaults 5 and 60s; Free -1 = off).
	LoginBackoffFree int
	LoginBackoffMax  time.Duration
	// FaceLoginRequire is what face sign-in needs besides the face: "none"
	// (face alone may identify the account), "username" or "password"
	// (HIREBUS_FACE_LOGIN_REQUIRE; default none).
	FaceLoginRequire string
	// TrustedProxies are the addresses whose ProxyHeader is believed; the
	// client is the right-most address of the header not in this list.
	// Empty with ProxyHeader set: the header is ignored.
	TrustedProxies []netip.Prefix
	// MaxImagePixels caps the pixels of one face image, read from the image
	// header before any decoding (default 4,000,000).
	MaxImagePixels int
	Code           CodeConfig // the coding API (queue bound, limit ceilings)
	CORSOrigins    []string   // origins allowed to call the API from a browser (empty = same origin only)
	// ProctorKeepFrames keeps proctoring frames in the PROCTOR_FRAMES object
	// store; they expire after ProctorRetention (default 90 days).
	ProctorKeepFrames bool
	ProctorRetention  time.Duration
	// ProctorLogPerMin bounds POST /api/proctor/log per user (default 240; -1 = off).
	ProctorLogPerMin int
	// ObjectReplicas is the replica count of the résumé object store (default 1).
	ObjectReplicas int
	// ICEServers are handed to browsers joining an interview room
	// (HIREBUS_ICE_SERVERS; none = host candidates only).
	ICEServers []ICEServer
	// RoomTokenTTL is the lifetime of an interview room token (default 5m).
	RoomTokenTTL time.Duration
	// Room limits per connection: largest message (default 64 KiB: an SDP
	// offer with candidates) and messages per second (default 20, bursts of 60).
	RoomMaxMessage int
	RoomMsgPerSec  int
	// LLM is the OpenAI-compatible API of the AI interviewer (empty
	// BaseURL or Model: the question bank per skill).
	LLM interview.LLMConfig
	// FaceLiveness: "required" refuses a face sign-in without a passed
	// liveness challenge; "off" (the zero value's default) does not check.
	// The binary defaults to required (HIREBUS_FACE_LIVENESS).
	FaceLiveness string
	// FaceRegisterWait bounds how long a registration with face images
	// waits for the enrolment before it is refused (default 20s).
	FaceRegisterWait time.Duration
}

// Validate applies defaults and checks the config.
func (c *Config) Validate() error {
	if len(c.JWTKey) < 32 {
		return errors.New("edge: JWT key must be at least 32 bytes")
	}
	if c.Addr == "" {
		c.Addr = ":8080"
	}
	if c.TokenTTL == 0 {
		c.TokenTTL = 24 * time.Hour
	}
	if c.BodyLimit == 0 {
		c.BodyLimit = 16 << 20
	}
	if c.WaitTimeout == 0 {
		c.WaitTimeout = 8 * time.Second
	}
	if c.OTPPerEmail == 0 {
		c.OTPPerEmail = 3
	}
	if c.OTPPerIP == 0 {
		c.OTPPerIP = 20
	}
	if c.OTPWindow == 0 {
		c.OTPWindow = 10 * time.Minute
	}
	if c.SessionCache == 0 {
		c.SessionCache = 60 * time.Second
	}
	if c.LoginPerMin == 0 {
		c.LoginPerMin = 30
	}
	if c.FacePerMin == 0 {
		c.FacePerMin = 60
	}
	if c.ProctorRetention == 0 {
		c.ProctorRetention = 90 * 24 * time.Hour
	}
	if c.ProctorLogPerMin == 0 {
		c.ProctorLogPerMin = 240
	}
	if c.PasswordCost == 0 {
		c.PasswordCost = 12
	}
	if c.RoomTokenTTL == 0 {
		c.RoomTokenTTL = 5 * time.Minute
	}
	if c.RoomMaxMessage == 0 {
		c.RoomMaxMessage = 64 << 10
	}
	if c.RoomMsgPerSec == 0 {
		c.RoomMsgPerSec = 20
	}
	if c.FaceRegisterWait == 0 {
		c.FaceRegisterWait = 20 * time.Second
	}
	if c.FaceLiveness == "" {
		c.FaceLiveness = LivenessOff
	}
	if c.FaceLiveness != LivenessRequired && c.FaceLiveness != LivenessOff {
		return fmt.Errorf("edge: face liveness %q: want required or off", c.FaceLiveness)
	}
	if c.RegisterPerMin == 0 {
		c.RegisterPerMin = 10
	}
	if c.ResetFacePerHour == 0 {
		c.ResetFacePerHour = 5
	}
	if c.FramePerMin == 0 {
		c.FramePerMin = 60
	}
	if c.WSPerUser == 0 {
		c.WSPerUser = 8
	}
	if c.WSPerUser < 0 {
		return errors.New("edge: WebSockets per user must be positive")
	}
	if c.WSReplayPerMin == 0 {
		c.WSReplayPerMin = 20
	}
	if c.LoginBackoffFree == 0 {
		c.LoginBackoffFree = 5
	}
	if c.LoginBackoffMax == 0 {
		c.LoginBackoffMax = time.Minute
	}
	switch c.FaceLoginRequire {
	case "":
		c.FaceLoginRequire = FaceLoginRequireNone
	case FaceLoginRequireNone, FaceLoginRequireUsername, FaceLoginRequirePassword:
	default:
		return fmt.Errorf("edge: face login requirement %q must be none, username or password", c.FaceLoginRequire)
	}
	if c.ProxyHeader != "" && len(c.TrustedProxies) == 0 {
		return errors.New("edge: a proxy header needs the list of trusted proxies (HIREBUS_TRUSTED_PROXIES): otherwise any client could set it")
	}
	if c.MaxImagePixels == 0 {
		c.MaxImagePixels = 4_000_000
	}
	if c.MaxImagePixels < 0 {
		return errors.New("edge: max image pixels must be positive")
	}
	if c.PasswordCost < 4 || c.PasswordCost > 31 {
		return errors.New("edge: bcrypt cost must be between 4 and 31")
	}
	return nil
}

// Deps are the shared connections of the process.
type Deps struct {
	DB      *sqlx.DB
	NC      *nats.Conn
	JS      jetstream.JetStream
	Relay   *outbox.Relay
	Log     *slog.Logger
	Mailbox *mailbox.Mailbox // development mailbox, listed at /dev/mailbox when Dev
	// Limiter is the rate limiter shared by every edge (default: MySQL on DB).
	Limiter ratelimit.Limiter
}

// What face sign-in needs besides the face (Config.FaceLoginRequire).
const (
	FaceLoginRequireNone     = "none"
	FaceLoginRequireUsername = "username"
	FaceLoginRequirePassword = "password"
)

// Server is one edge process.
type Server struct {
	cfg      Config
	deps     Deps
	log      *slog.Logger
	app      *fiber.App
	sessions *sessionCache
	hub      *hub
	waiters  *waiters
	opFilter *opFilter
	ready    chan struct{}
	readyOne sync.Once

	limiter    ratelimit.Limiter
	backoff    *ratelimit.Backoff
	loginLimit *routeLimit
	faceLimit  *routeLimit
	code       atomic.Pointer[CodeConfig]
	dummyOnce  sync.Once
	dummy      []byte
	hire       *hiring
	iv         *interview.Service
	rooms      *rooms
	asker      interview.Asker
	assess     *assess.Service
	proc       *proctorEdge
	reports    *reports.Service

	// The /ws poller (ws.go, wspoll_linux.go), started with the first
	// connection and stopped at shutdown.
	pollMu   sync.Mutex
	poll     *wsPoller
	pollDone bool
}

var (
	httpRequests = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "hirebus_http_requests_total", Help: "HTTP requests by route and status.",
	}, []string{"route", "status"})
	httpSeconds = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name: "hirebus_http_request_seconds", Help: "HTTP request latency by route.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
	}, []string{"route"})
)

// New builds the edge.
func New(cfg Config, deps Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.DB == nil || deps.JS == nil || deps.NC == nil || deps.Relay == nil {
		return nil, errors.New("edge: DB, NATS, JetStream and outbox relay are required")
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	s := &Server{
		cfg:      cfg,
		deps:     deps,
		log:      deps.Log.With("component", "edge"),
		sessions: newSessionCache(deps.DB, cfg.SessionCache),
		waiters:  newWaiters(),
		opFilter: newOpFilter(opFilterSize),
		ready:    make(chan struct{}),
	}
	s.hub = newHub(s)
	s.SetCodeConfig(cfg.Code)
	s.limiter = deps.Limiter
	if s.limiter == nil {
		s.limiter = ratelimit.NewMySQL(deps.DB)
	}
	s.backoff = &ratelimit.Backoff{DB: deps.DB, Free: cfg.LoginBackoffFree, Max: cfg.LoginBackoffMax}
	s.loginLimit = s.newRouteLimit("login-ip", "login", ratelimit.PerMinute(cfg.LoginPerMin))
	s.faceLimit = s.newRouteLimit("face-detect-ip", "face detection", ratelimit.PerMinute(cfg.FacePerMin))
	s.app = fiber.New(fiber.Config{
		AppName: "hirebus",
		// Release a connection's 4 KiB read buffer when nothing is pending:
		// otherwise every idle keep-alive keeps one (and a hijacked /ws
		// connection would start with one).
		ReduceMemoryUsage:     true,
		BodyLimit:             cfg.BodyLimit,
		ErrorHandler:          s.errorHandler,
		DisableStartupMessage: true,
		ReadTimeout:           30 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           120 * time.Second,
		ProxyHeader:           clientIPHeader, // set by s.clientIP from cfg.ProxyHeader and TrustedProxies
	})
	// A hijacked connection stays open when its handler returns: /ws hands
	// its connection to the poller and returns, so an idle socket keeps no
	// goroutine and fasthttp recycles the upgrade request at once. Every
	// hijack handler therefore closes its connection itself (ws.go,
	// room.go).
	s.app.Server().KeepHijackedConns = true
	s.routes()
	return s, nil
}

// App exposes the Fiber app (tests use app.Test).
func (s *Server) App() *fiber.App { return s.app }

// routes wires every route of the edge, in one place (called by New).
func (s *Server) routes() {
	app := s.app
	app.Use(s.clientIP, s.recoverer, s.metrics)
	if h := corsMiddleware(s.cfg.CORSOrigins); h != nil {
		app.Use(h)
	}
	app.Get("/health", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	app.Get("/ready", s.handleReady)
	// /metrics is not served here: cmd/hirebus serves it on the internal
	// listener HIREBUS_METRICS_ADDR (issue 7).
	app.Get("/docs", s.handleDocs)
	app.Get("/docs/openapi.yaml", s.handleOpenAPI)
	if s.cfg.Dev {
		app.Get("/dev/mailbox", s.handleMailbox)
	}

	api := app.Group("/api")
	auth := api.Group("/auth")
	auth.Post("/send-otp", s.optionalAuth, s.handleSendOTP)
	auth.Post("/verify-otp", s.handleVerifyOTP)
	auth.Post("/register", s.limitIP("register-ip", "register", ratelimit.PerMinute(s.cfg.RegisterPerMin)), s.handleRegister)
	auth.Post("/login", s.loginLimit.middleware, s.handleLogin)
	auth.Post("/logout", s.requireAuth, s.handleLogout)
	auth.Post("/forgot-password", s.handleForgotPassword)
	auth.Post("/reset-password", s.handleResetPassword)
	auth.Post("/verify-token", s.handleVerifyToken)
	api.Get("/user/me", s.requireAuth, s.handleMe)
	api.Get("/ops/:id", s.optionalAuth, s.handleGetOp)
	// Feature route groups: each file's routes, listed here so one read of
	// this function shows every route of the edge.
	s.faceRoutes(app, api)      // face.go
	s.codeRoutes(api)           // code.go
	s.hiringRoutes(api)         // hiring.go
	s.assessRoutes(api)         // assess.go
	s.proctorRoutes(api)        // proctor.go
	s.interviewRoutes(app, api) // interviews.go, room.go
	s.scoreRoutes(api)          // score.go
	s.reportRoutes(api)         // reports.go

	app.Get("/ws", s.wsUpgrade, s.wsHandler())
	s.staticRoutes()
	app.Use(func(c *fiber.Ctx) error { return Errorf(404, "not_found", "no route for %s %s", c.Method(), c.Path()) })
}

func (s *Server) recoverer(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &APIError{Status: 500, Code: "internal", Message: "internal error", Err: fmt.Errorf("panic: %v", r)}
		}
	}()
	return c.Next()
}

var tracer = otel.Tracer("hirebus/edge")

// metrics opens the request's span (its context is the request's: log with
// s.log.*Context(c.UserContext(), ...) to stamp the trace id) and counts the
// request by route. Spans are named by the route template ("GET
// /api/ops/:id"), never the raw path, so ids do not end up in span names.
func (s *Server) metrics(c *fiber.Ctx) error {
	start := time.Now()
	ctx, span := tracer.Start(c.UserContext(), c.Method(), trace.WithSpanKind(trace.SpanKindServer))
	c.SetUserContext(ctx)
	err := c.Next()
	// The matched route is known only after the handlers ran.
	route := c.Route().Path
	span.SetName(c.Method() + " " + route)
	span.SetAttributes(attribute.String("http.route", route))
	span.End()
	status := c.Response().StatusCode()
	if err != nil {
		status = s.classify(err).Status
	}
	httpRequests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	httpSeconds.WithLabelValues(route).Observe(time.Since(start).Seconds())
	return err
}

func (s *Server) handleReady(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 2*time.Second)
	defer cancel()
	checks := fiber.Map{"mysql": "ok", "nats": "ok"}
	ok := true
	if err := s.deps.DB.PingContext(ctx); err != nil {
		checks["mysql"] = "unreachable"
		ok = false
	}
	if !s.deps.NC.IsConnected() {
		checks["nats"] = "unreachable"
		ok = false
	}
	select {
	case <-s.ready:
	default:
		checks["events"] = "starting"
		ok = false
	}
	if !ok {
		return c.Status(503).JSON(fiber.Map{"status": "unavailable", "checks": checks})
	}
	return c.JSON(fiber.Map{"status": "ready", "checks": checks})
}

func (s *Server) handleMailbox(c *fiber.Ctx) error {
	if s.deps.Mailbox == nil {
		return Errorf(404, "not_found", "no development mailbox: HIREBUS_SMTP_ADDR points to a real SMTP server")
	}
	return c.JSON(s.deps.Mailbox.List())
}

// Serve runs the edge on ln until ctx ends: the event fan-in, the session
// janitor and the HTTP server.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	go func() { errc <- s.runEvents(ctx) }()
	go s.janitor(ctx)
	go func() { _ = ops.FailDeadLetters(ctx, s.deps.JS, s.deps.Relay, s.log) }()
	go func() { errc <- s.app.Listener(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		if err != nil {
			cancel()
			_ = s.app.ShutdownWithTimeout(5 * time.Second)
			return err
		}
	}
	s.hub.closeAll(5 * time.Second)
	s.closePoller()
	s.rooms.closeAll()
	return s.app.ShutdownWithTimeout(10 * time.Second)
}

// Run listens on cfg.Addr.
func (s *Server) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("edge: listen %s: %w", s.cfg.Addr, err)
	}
	s.log.Info("edge listening", "addr", ln.Addr().String())
	return s.Serve(ctx, ln)
}

// WaitReady blocks until the event fan-in is consuming (tests, `all`).
func (s *Server) WaitReady(ctx context.Context) error {
	select {
	case <-s.ready:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Server) janitor(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if _, err := s.cleanupIdempotency(ctx); err != nil {
			s.log.WarnContext(ctx, "idempotency key cleanup failed", "err", err)
		}
		if n, err := s.cleanupSessions(ctx); err != nil {
			s.log.WarnContext(ctx, "session cleanup failed", "err", err)
		} else if n > 0 {
			s.log.InfoContext(ctx, "expired sessions and codes removed", "rows", n)
		}
		if _, err := ratelimit.Cleanup(ctx, s.deps.DB); err != nil {
			s.log.WarnContext(ctx, "rate-limit cleanup failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
