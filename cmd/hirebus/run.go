package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hirebus/hirebus/domain/interview"
	"github.com/hirebus/hirebus/edge"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/logging"
	"github.com/hirebus/hirebus/mailbox"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/schema"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"
)

const usage = `usage:
  hirebus all                          embedded NATS + edge + every worker (local default)
  hirebus edge                         the HTTP/WebSocket edge (needs HIREBUS_NATS_URL)
  hirebus worker face|mail|code|assess|proctor|score  one worker role (needs HIREBUS_NATS_URL)
  hirebus migrate                      create the database if missing and apply migrations
  hirebus dlq list|show|replay         inspect and replay dead-lettered commands (needs HIREBUS_NATS_URL)
  hirebus face detect|embed|compare    run the face pipeline on image files
  hirebus face eval [--json] DIR       calibrate the face sign-in rule on DIR/<person>/<photo>
  hirebus sandbox run --lang LANG ...  run a program in the sandbox
  hirebus problems load DIR            load coding problems into MySQL`

// run dispatches the sub-command.
func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	cfg, err := LoadConfig(os.Getenv)
	if err != nil {
		return err
	}
	log, err := newLogger(cfg.LogLevel, cfg.LogFormat)
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	switch args[0] {
	case "all":
		return runPlatform(ctx, cfg, log, "all", allWorkers())
	case "edge":
		return runPlatform(ctx, cfg, log, "edge", nil)
	case "worker":
		if len(args) != 2 {
			return errors.New("usage: hirebus worker face|mail|code|assess|proctor|score")
		}
		if _, ok := workerFactories[args[1]]; !ok {
			return fmt.Errorf("unknown worker %q (have: %s)", args[1], strings.Join(allWorkers(), ", "))
		}
		return runPlatform(ctx, cfg, log, "worker", []string{args[1]})
	case "migrate":
		if err := cfg.Validate("migrate"); err != nil {
			return err
		}
		db, err := openDB(ctx, cfg, true)
		if err != nil {
			return err
		}
		defer db.Close()
		return afterMigrate(ctx, db)
	case "dlq":
		return runDLQ(ctx, cfg, log, args[1:], os.Stdout)
	case "help", "-h", "--help":
		fmt.Println(usage)
		return nil
	}
	if tool, ok := tools[args[0]]; ok {
		return tool(ctx, cfg, args[1:])
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

// newLogger logs text or JSON to stderr; records logged with a context
// carry its trace and span ids (internal/logging).
func newLogger(level, format string) (*slog.Logger, error) {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return logging.New(os.Stderr, format, l)
}

// Deps are the shared connections handed to every component.
type Deps struct {
	DB      *sqlx.DB
	NC      *nats.Conn
	JS      jetstream.JetStream
	Relay   *outbox.Relay
	Log     *slog.Logger
	Mailbox *mailbox.Mailbox
}

// worker is what every worker package's New returns.
type worker interface {
	Run(ctx context.Context) error
}

// runPlatform wires one process: MySQL, NATS (embedded in `all`), streams,
// the outbox relay, then the edge and/or workers, until ctx ends.
func runPlatform(ctx context.Context, cfg Config, log *slog.Logger, mode string, roles []string) error {
	// Config.
	if err := cfg.Validate(mode); err != nil {
		return err
	}
	stopTelemetry, err := setupTelemetry(ctx, cfg, "hirebus-"+mode)
	if err != nil {
		return err
	}
	defer stopTelemetry()
	var jwtKey []byte
	if mode != "worker" {
		var err error
		if jwtKey, err = cfg.JWTKey(); err != nil {
			return err
		}
	}

	// MySQL: `all` creates and migrates the database; other roles expect it.
	db, err := openDB(ctx, cfg, mode == "all")
	if err != nil {
		return err
	}
	defer db.Close()
	if mode == "all" {
		if err := afterMigrate(ctx, db); err != nil {
			return err
		}
	}

	// NATS: embedded with JetStream in `all`, external otherwise.
	nc, shutdownNATS, err := connectNATS(cfg, log, mode == "all")
	if err != nil {
		return err
	}
	defer shutdownNATS()
	js, err := jetstream.New(nc)
	if err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	sctx, cancel := context.WithTimeout(ctx, events.SetupDeadline)
	err = events.EnsureStreams(sctx, js, events.StreamConfig{Replicas: cfg.NATSReplicas})
	cancel()
	if err != nil {
		return err
	}

	// Development mailbox when no SMTP server is configured in `all`.
	var mb *mailbox.Mailbox
	if mode == "all" && cfg.SMTPAddr == "" {
		if mb, err = mailbox.Start(); err != nil {
			return err
		}
		defer mb.Close()
		log.Info("development mailbox", "smtp", mb.Addr(), "list", "GET /dev/mailbox (HIREBUS_DEV=1)")
	}

	relay := outbox.New(db, events.NewPublisher(js), outbox.Config{}, log)
	deps := Deps{DB: db, NC: nc, JS: js, Relay: relay, Log: log, Mailbox: mb}

	// Components.
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return relay.Run(gctx) })
	if cfg.MetricsAddr != "off" {
		g.Go(func() error { return serveMetrics(gctx, cfg.MetricsAddr, log) })
	}
	for _, role := range roles {
		w, err := workerFactories[role](gctx, cfg, deps)
		if err != nil {
			return fmt.Errorf("worker %s: %w", role, err)
		}
		g.Go(func() error {
			if err := w.Run(gctx); err != nil {
				return fmt.Errorf("worker %s: %w", role, err)
			}
			return nil
		})
		log.Info("worker started", "role", role)
	}
	if mode != "worker" {
		ice, err := edge.ParseICEServers(cfg.ICEServers)
		if err != nil {
			return fmt.Errorf("HIREBUS_ICE_SERVERS: %w", err)
		}
		srv, err := edge.New(edge.Config{Addr: cfg.HTTPAddr, JWTKey: jwtKey, Dev: cfg.Dev, ProxyHeader: cfg.ProxyHeader, FaceLiveness: cfg.FaceLiveness,
			TrustedProxies: cfg.TrustedProxies, FaceLoginRequire: cfg.FaceLoginRequire, MaxImagePixels: cfg.FaceMaxPixels,
			WSPerUser: cfg.WSPerUser, RegisterPerMin: cfg.RegisterPerMin, ResetFacePerHour: cfg.ResetFacePerHour,
			FramePerMin: cfg.FramePerMin, WSReplayPerMin: cfg.WSReplayPerMin,
			Code: edge.CodeConfig{MaxQueue: cfg.CodeMaxQueue, MaxPerUser: cfg.CodeMaxPerUser}, CORSOrigins: cfg.CORSOrigins, ObjectReplicas: cfg.NATSReplicas,
			ICEServers: ice, LLM: interview.LLMConfig{BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey, Model: cfg.LLMModel},
			ProctorKeepFrames: cfg.ProctorKeepFrames, ProctorRetention: cfg.ProctorRetention},
			edge.Deps{DB: db, NC: nc, JS: js, Relay: relay, Log: log, Mailbox: mb})
		if err != nil {
			return err
		}
		g.Go(func() error { return srv.Run(gctx) })
		log.Info("hirebus edge", "url", "http://"+displayAddr(cfg.HTTPAddr), "mode", mode)
	}
	return g.Wait()
}

func displayAddr(a string) string {
	if strings.HasPrefix(a, ":") {
		return "localhost" + a
	}
	return a
}

func openDB(ctx context.Context, cfg Config, migrate bool) (*sqlx.DB, error) {
	if migrate {
		if err := schema.EnsureDatabase(ctx, cfg.MySQLDSN); err != nil {
			return nil, fmt.Errorf("mysql at %s: %w", redactDSN(cfg.MySQLDSN), err)
		}
	}
	db, err := store.Open(ctx, store.Config{DSN: cfg.MySQLDSN})
	if err != nil {
		return nil, fmt.Errorf("mysql at %s: %w", redactDSN(cfg.MySQLDSN), err)
	}
	if migrate {
		if err := schema.Migrate(ctx, db.DB); err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

func redactDSN(dsn string) string {
	if at := strings.LastIndex(dsn, "@"); at >= 0 {
		if colon := strings.Index(dsn[:at], ":"); colon >= 0 {
			return dsn[:colon] + ":***" + dsn[at:]
		}
	}
	return dsn
}

// connectNATS starts the embedded server (in-process connection; it listens
// on a port only when HIREBUS_NATS_LISTEN asks, so it never collides with a
// NATS already on 4222) or connects to HIREBUS_NATS_URL.
func connectNATS(cfg Config, log *slog.Logger, embedded bool) (*nats.Conn, func(), error) {
	opts := []nats.Option{
		nats.Name("hirebus"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		// Fail publishes at once while disconnected: the outbox keeps them.
		nats.ReconnectBufSize(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { log.Warn("nats disconnected", "err", err) }),
		nats.ReconnectHandler(func(*nats.Conn) { log.Info("nats reconnected") }),
	}
	if !embedded || cfg.NATSURL != "" {
		nc, err := nats.Connect(cfg.NATSURL, opts...)
		if err != nil {
			return nil, nil, fmt.Errorf("nats at %s: %w", cfg.NATSURL, err)
		}
		return nc, func() { _ = nc.Drain() }, nil
	}
	sopts := &server.Options{
		ServerName: "hirebus-embedded",
		JetStream:  true,
		StoreDir:   filepath.Join(cfg.DataDir, "nats"),
		DontListen: true,
		NoSigs:     true,
		NoLog:      true,
		// Enrolment sends several photos in one command (nats.conf: max_payload 8MB).
		MaxPayload: 8 << 20,
	}
	if cfg.NATSListen != "" {
		host, port, err := splitHostPort(cfg.NATSListen)
		if err != nil {
			return nil, nil, fmt.Errorf("HIREBUS_NATS_LISTEN: %w", err)
		}
		sopts.DontListen, sopts.Host, sopts.Port = false, host, port
	}
	srv, err := server.NewServer(sopts)
	if err != nil {
		return nil, nil, fmt.Errorf("embedded nats: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(15 * time.Second) {
		srv.Shutdown()
		return nil, nil, errors.New("embedded nats: not ready after 15s")
	}
	log.Info("embedded NATS with JetStream", "store", sopts.StoreDir, "listen", cfg.NATSListen)
	nc, err := nats.Connect("", append(opts, nats.InProcessServer(srv))...)
	if err != nil {
		srv.Shutdown()
		return nil, nil, fmt.Errorf("embedded nats connect: %w", err)
	}
	return nc, func() {
		_ = nc.Drain()
		srv.Shutdown()
		srv.WaitForShutdown()
	}, nil
}
