package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/hirebus/hirebus/edge"
	"github.com/hirebus/hirebus/face/match"
)

// Config is everything hirebus reads from the environment, parsed once here.
type Config struct {
	HTTPAddr   string // HIREBUS_HTTP_ADDR
	MySQLDSN   string // HIREBUS_MYSQL_DSN
	NATSURL    string // HIREBUS_NATS_URL (empty in `all` = embedded server)
	DataDir    string // HIREBUS_DATA_DIR
	SMTPAddr   string // HIREBUS_SMTP_ADDR (empty in `all` = development mailbox)
	SMTPFrom   string // HIREBUS_SMTP_FROM
	SMTPTLS    bool   // HIREBUS_SMTP_STARTTLS
	JWTKeyFile string // HIREBUS_JWT_KEY_FILE (default <data>/jwt.key, generated if absent)
	OTPKeyFile string // HIREBUS_OTP_KEY_FILE (default <data>/otp.key, generated if absent): mail workers derive codes from it
	Dev        bool   // HIREBUS_DEV=1
	ModelsDir  string // HIREBUS_MODELS_DIR
	Sandbox    string // HIREBUS_SANDBOX: local | docker
	LogLevel   string // HIREBUS_LOG_LEVEL: debug | info | warn | error
	LogFormat  string // HIREBUS_LOG_FORMAT: text | json
	NATSListen string // HIREBUS_NATS_LISTEN: optional host:port for the embedded server in `all`

	PineconeAPIKey    string // HIREBUS_PINECONE_API_KEY
	PineconeIndexHost string // HIREBUS_PINECONE_INDEX_HOST
	PineconeNamespace string // HIREBUS_PINECONE_NAMESPACE

	WorkerConcurrency int // HIREBUS_WORKER_CONCURRENCY (0 = per-worker default)

	DockerHost         string // DOCKER_HOST for HIREBUS_SANDBOX=docker (empty = the default socket)
	SandboxImagePrefix string // HIREBUS_SANDBOX_IMAGE_PREFIX (default hirebus/sandbox-)
	SandboxImageTag    string // HIREBUS_SANDBOX_IMAGE_TAG (default latest)
	SandboxRuntime     string // HIREBUS_SANDBOX_RUNTIME, e.g. runsc (empty = daemon default)
	SandboxPool        int    // HIREBUS_SANDBOX_POOL warm containers per language (default 0)
	CodeMaxQueue       int    // HIREBUS_CODE_MAX_QUEUE code commands waiting before 503 (default 256)
	ProxyHeader        string // HIREBUS_PROXY_HEADER, e.g. X-Forwarded-For, only behind a trusted proxy
	NATSReplicas       int    // HIREBUS_NATS_REPLICAS stream replicas (1, or 3 on the compose cluster)

	// Security (issue 7).
	TrustedProxies   []netip.Prefix // HIREBUS_TRUSTED_PROXIES: comma-separated CIDRs or addresses whose HIREBUS_PROXY_HEADER is believed
	FaceLoginRequire string         // HIREBUS_FACE_LOGIN_REQUIRE: none | username | password (default none)
	FaceMaxPixels    int            // HIREBUS_FACE_MAX_PIXELS: largest face image, width×height (default 4000000)
	MetricsAddr      string         // HIREBUS_METRICS_ADDR: internal listener for /metrics (default 127.0.0.1:9090; "off" = none)
	WSPerUser        int            // HIREBUS_WS_PER_USER: open WebSockets per user per edge (default 8)
	RegisterPerMin   int            // HIREBUS_REGISTER_PER_MIN: register calls per client IP per minute (default 10)
	ResetFacePerHour int            // HIREBUS_RESET_FACE_PER_HOUR: reset-face calls per user per hour (default 5)
	FramePerMin      int            // HIREBUS_FRAME_PER_MIN: proctor frames per user per minute (default 60)
	WSReplayPerMin   int            // HIREBUS_WS_REPLAY_PER_MIN: WebSocket replays per user per minute (default 20)
	CodeMaxPerUser   int            // HIREBUS_CODE_MAX_PER_USER: code jobs one user may have waiting or running (default 4)
	CodeRunPerUser   int            // HIREBUS_CODE_RUNNING_PER_USER: one user's jobs running at once per code worker (default half the slots)
	CORSOrigins      []string       // HIREBUS_CORS_ORIGINS: comma list of origins allowed to call the API from a browser (empty = same origin only)

	ICEServers string // HIREBUS_ICE_SERVERS: STUN/TURN servers for interview rooms (JSON array or comma list of stun: URLs; empty = none)
	LLMBaseURL string // HIREBUS_LLM_BASE_URL: OpenAI-compatible API of the AI interviewer (empty = question bank)
	LLMAPIKey  string // HIREBUS_LLM_API_KEY
	LLMModel   string // HIREBUS_LLM_MODEL

	ProctorKeepFrames bool          // HIREBUS_PROCTOR_KEEP_FRAMES=1: keep webcam frames in the JetStream object store
	ProctorRetention  time.Duration // HIREBUS_PROCTOR_RETENTION: proctoring data is deleted after this (default 90d)

	// Face sign-in decisions (defaults: match.DefaultThresholds, calibrated
	// in docs/face-thresholds.md).
	FaceMinScore   float64 // HIREBUS_FACE_MIN_SCORE similarity (1 − mean distance) a sign-in needs
	FaceRatio      float64 // HIREBUS_FACE_RATIO_THRESHOLD distance to the user / to the closest other user must be below
	FaceCohortSize int     // HIREBUS_FACE_COHORT_SIZE nearest other users compared with
	FaceLiveness   string  // HIREBUS_FACE_LIVENESS: required | off

	OTLPEndpoint string  // HIREBUS_OTLP_ENDPOINT, e.g. http://otel-collector:4318 (empty = no export)
	TraceRatio   float64 // HIREBUS_TRACE_RATIO, sampled share of new traces (default 0.1)
}

// LoadConfig reads the environment through getenv and applies defaults.
func LoadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		HTTPAddr:           or(getenv("HIREBUS_HTTP_ADDR"), ":8080"),
		MySQLDSN:           or(getenv("HIREBUS_MYSQL_DSN"), "root@tcp(127.0.0.1:3306)/hirebus?parseTime=true"),
		NATSURL:            getenv("HIREBUS_NATS_URL"),
		DataDir:            or(getenv("HIREBUS_DATA_DIR"), "./data"),
		SMTPAddr:           getenv("HIREBUS_SMTP_ADDR"),
		SMTPFrom:           or(getenv("HIREBUS_SMTP_FROM"), "hirebus <no-reply@hirebus.local>"),
		JWTKeyFile:         getenv("HIREBUS_JWT_KEY_FILE"),
		OTPKeyFile:         getenv("HIREBUS_OTP_KEY_FILE"),
		ModelsDir:          or(getenv("HIREBUS_MODELS_DIR"), "./models"),
		Sandbox:            or(getenv("HIREBUS_SANDBOX"), "local"),
		LogLevel:           or(getenv("HIREBUS_LOG_LEVEL"), "info"),
		LogFormat:          or(getenv("HIREBUS_LOG_FORMAT"), "text"),
		NATSListen:         getenv("HIREBUS_NATS_LISTEN"),
		PineconeAPIKey:     getenv("HIREBUS_PINECONE_API_KEY"),
		PineconeIndexHost:  getenv("HIREBUS_PINECONE_INDEX_HOST"),
		PineconeNamespace:  or(getenv("HIREBUS_PINECONE_NAMESPACE"), "hirebus"),
		OTLPEndpoint:       getenv("HIREBUS_OTLP_ENDPOINT"),
		DockerHost:         getenv("DOCKER_HOST"),
		SandboxImagePrefix: getenv("HIREBUS_SANDBOX_IMAGE_PREFIX"),
		SandboxImageTag:    getenv("HIREBUS_SANDBOX_IMAGE_TAG"),
		SandboxRuntime:     getenv("HIREBUS_SANDBOX_RUNTIME"),
		ProxyHeader:        getenv("HIREBUS_PROXY_HEADER"),
		ICEServers:         getenv("HIREBUS_ICE_SERVERS"),
		LLMBaseURL:         getenv("HIREBUS_LLM_BASE_URL"),
		LLMAPIKey:          getenv("HIREBUS_LLM_API_KEY"),
		LLMModel:           getenv("HIREBUS_LLM_MODEL"),
		FaceLoginRequire:   or(getenv("HIREBUS_FACE_LOGIN_REQUIRE"), "none"),
		MetricsAddr:        or(getenv("HIREBUS_METRICS_ADDR"), "127.0.0.1:9090"),
		FaceMaxPixels:      4_000_000,
		WSPerUser:          8,
		RegisterPerMin:     10,
		ResetFacePerHour:   5,
		FramePerMin:        60,
		WSReplayPerMin:     20,
		CodeMaxPerUser:     4,
		NATSReplicas:       1,
		TraceRatio:         0.1,
		FaceLiveness:       or(getenv("HIREBUS_FACE_LIVENESS"), "required"),
	}
	def := match.DefaultThresholds()
	c.FaceMinScore, c.FaceRatio, c.FaceCohortSize = float64(def.MinScore), float64(def.Ratio), def.CohortSize
	if v := getenv("HIREBUS_FACE_MIN_SCORE"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || !(r > 0 && r < 1) {
			return c, fmt.Errorf("HIREBUS_FACE_MIN_SCORE=%q: want a number between 0 and 1 (exclusive)", v)
		}
		c.FaceMinScore = r
	}
	if v := getenv("HIREBUS_FACE_RATIO_THRESHOLD"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || !(r > 0 && r <= 1) {
			return c, fmt.Errorf("HIREBUS_FACE_RATIO_THRESHOLD=%q: want a number in (0, 1]", v)
		}
		c.FaceRatio = r
	}
	if v := getenv("HIREBUS_TRACE_RATIO"); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 || r > 1 {
			return c, fmt.Errorf("HIREBUS_TRACE_RATIO=%q: want a number from 0 to 1", v)
		}
		c.TraceRatio = r
	}
	var err error
	if c.Dev, err = parseBool("HIREBUS_DEV", getenv("HIREBUS_DEV")); err != nil {
		return c, err
	}
	if c.SMTPTLS, err = parseBool("HIREBUS_SMTP_STARTTLS", getenv("HIREBUS_SMTP_STARTTLS")); err != nil {
		return c, err
	}
	if c.ProctorKeepFrames, err = parseBool("HIREBUS_PROCTOR_KEEP_FRAMES", getenv("HIREBUS_PROCTOR_KEEP_FRAMES")); err != nil {
		return c, err
	}
	c.ProctorRetention = 90 * 24 * time.Hour
	if v := getenv("HIREBUS_PROCTOR_RETENTION"); v != "" {
		if c.ProctorRetention, err = parseDays(v); err != nil {
			return c, fmt.Errorf("HIREBUS_PROCTOR_RETENTION=%q: want a duration like 90d, 720h or 30m", v)
		}
	}
	for _, iv := range []struct {
		name     string
		dst      *int
		min, max int
	}{
		{"HIREBUS_SANDBOX_POOL", &c.SandboxPool, 0, 64},
		{"HIREBUS_CODE_MAX_QUEUE", &c.CodeMaxQueue, 1, 1_000_000},
		{"HIREBUS_NATS_REPLICAS", &c.NATSReplicas, 1, 5},
		{"HIREBUS_FACE_MAX_PIXELS", &c.FaceMaxPixels, 10_000, 40_000_000},
		{"HIREBUS_WS_PER_USER", &c.WSPerUser, 1, 1000},
		{"HIREBUS_REGISTER_PER_MIN", &c.RegisterPerMin, 1, 100_000},
		{"HIREBUS_RESET_FACE_PER_HOUR", &c.ResetFacePerHour, 1, 100_000},
		{"HIREBUS_FRAME_PER_MIN", &c.FramePerMin, 1, 100_000},
		{"HIREBUS_WS_REPLAY_PER_MIN", &c.WSReplayPerMin, 1, 100_000},
		{"HIREBUS_CODE_MAX_PER_USER", &c.CodeMaxPerUser, 1, 10_000},
		{"HIREBUS_CODE_RUNNING_PER_USER", &c.CodeRunPerUser, 1, 256},
		{"HIREBUS_FACE_COHORT_SIZE", &c.FaceCohortSize, 1, 50},
	} {
		if v := getenv(iv.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < iv.min || n > iv.max {
				return c, fmt.Errorf("%s=%q: want a number from %d to %d", iv.name, v, iv.min, iv.max)
			}
			*iv.dst = n
		}
	}
	if v := getenv("HIREBUS_WORKER_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 256 {
			return c, fmt.Errorf("HIREBUS_WORKER_CONCURRENCY=%q: want a number from 1 to 256", v)
		}
		c.WorkerConcurrency = n
	}
	if v := getenv("HIREBUS_TRUSTED_PROXIES"); v != "" {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			pfx, err := netip.ParsePrefix(part)
			if err != nil {
				a, aerr := netip.ParseAddr(part)
				if aerr != nil {
					return c, fmt.Errorf("HIREBUS_TRUSTED_PROXIES: %q is neither a CIDR nor an address", part)
				}
				pfx = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
			}
			c.TrustedProxies = append(c.TrustedProxies, pfx.Masked())
		}
	}
	for _, o := range strings.Split(getenv("HIREBUS_CORS_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o != "" {
			c.CORSOrigins = append(c.CORSOrigins, strings.TrimSuffix(o, "/"))
		}
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		// Checked here, not in Validate: the logger is built before the mode is known.
		return c, fmt.Errorf("HIREBUS_LOG_FORMAT=%q: want text or json", c.LogFormat)
	}
	if c.JWTKeyFile == "" {
		c.JWTKeyFile = filepath.Join(c.DataDir, "jwt.key")
	}
	if c.OTPKeyFile == "" {
		c.OTPKeyFile = filepath.Join(c.DataDir, "otp.key")
	}
	return c, nil
}

// Validate checks the config for a run mode ("all", "edge", "worker", "migrate").
func (c Config) Validate(mode string) error {
	if _, err := mysql.ParseDSN(c.MySQLDSN); err != nil {
		return fmt.Errorf("HIREBUS_MYSQL_DSN: %v", err)
	}
	if cfg, _ := mysql.ParseDSN(c.MySQLDSN); cfg.DBName == "" {
		return errors.New("HIREBUS_MYSQL_DSN must name a database, e.g. root@tcp(127.0.0.1:3306)/hirebus")
	}
	if mode == "edge" || mode == "all" {
		if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
			return fmt.Errorf("HIREBUS_HTTP_ADDR=%q: want host:port or :port", c.HTTPAddr)
		}
	}
	if (mode == "edge" || mode == "worker") && c.NATSURL == "" {
		return fmt.Errorf("HIREBUS_NATS_URL is required for `hirebus %s` (only `hirebus all` embeds a server)", mode)
	}
	if c.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			return fmt.Errorf("HIREBUS_SMTP_ADDR=%q: want host:port", c.SMTPAddr)
		}
	}
	if c.Sandbox != "local" && c.Sandbox != "docker" {
		return fmt.Errorf("HIREBUS_SANDBOX=%q: want local or docker", c.Sandbox)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("HIREBUS_LOG_LEVEL=%q: want debug, info, warn or error", c.LogLevel)
	}
	if c.ProxyHeader != "" && len(c.TrustedProxies) == 0 {
		return errors.New("HIREBUS_PROXY_HEADER needs HIREBUS_TRUSTED_PROXIES (the proxies' addresses): otherwise any client could choose its address")
	}
	switch c.FaceLoginRequire {
	case "none", "username", "password":
	default:
		return fmt.Errorf("HIREBUS_FACE_LOGIN_REQUIRE=%q: want none, username or password", c.FaceLoginRequire)
	}
	if c.MetricsAddr != "off" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return fmt.Errorf("HIREBUS_METRICS_ADDR=%q: want host:port or off", c.MetricsAddr)
		}
		if (mode == "edge" || mode == "all") && c.MetricsAddr == c.HTTPAddr {
			return errors.New("HIREBUS_METRICS_ADDR must differ from HIREBUS_HTTP_ADDR: metrics are not for the public API port")
		}
	}
	for _, o := range c.CORSOrigins {
		u, err := url.Parse(o)
		if o == "*" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
			return fmt.Errorf("HIREBUS_CORS_ORIGINS: %q is not an origin like https://app.example.com or http://localhost:5173", o)
		}
	}
	if _, err := edge.ParseICEServers(c.ICEServers); err != nil {
		return fmt.Errorf("HIREBUS_ICE_SERVERS: %v", err)
	}
	if c.LLMBaseURL != "" || c.LLMModel != "" {
		u, err := url.Parse(c.LLMBaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("HIREBUS_LLM_BASE_URL=%q: want an http(s) URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1", c.LLMBaseURL)
		}
		if c.LLMModel == "" {
			return errors.New("HIREBUS_LLM_MODEL is required with HIREBUS_LLM_BASE_URL")
		}
	}
	if c.ProctorRetention < time.Hour || c.ProctorRetention > 10*365*24*time.Hour {
		return fmt.Errorf("HIREBUS_PROCTOR_RETENTION=%s: want from 1h to 3650d", c.ProctorRetention)
	}
	if (c.PineconeAPIKey == "") != (c.PineconeIndexHost == "") {
		return errors.New("HIREBUS_PINECONE_API_KEY and HIREBUS_PINECONE_INDEX_HOST go together")
	}
	if c.FaceLiveness != "required" && c.FaceLiveness != "off" {
		return fmt.Errorf("HIREBUS_FACE_LIVENESS=%q: want required or off", c.FaceLiveness)
	}
	if err := c.FaceThresholds().Validate(); err != nil {
		return fmt.Errorf("HIREBUS_FACE_*: %v", err)
	}
	return nil
}

// FaceThresholds are the face decisions: match.DefaultThresholds with the
// HIREBUS_FACE_* overrides.
func (c Config) FaceThresholds() match.Thresholds {
	th := match.DefaultThresholds()
	th.MinScore, th.Ratio, th.CohortSize = float32(c.FaceMinScore), float32(c.FaceRatio), c.FaceCohortSize
	return th
}

// JWTKey reads the signing key, generating one on first run so no secret is
// ever hard-coded; every edge of a deployment must share the file.
func (c Config) JWTKey() ([]byte, error) { return readKey("jwt key", c.JWTKeyFile) }

// OTPKey reads the secret one-time codes are derived from (generated on
// first run like the JWT key); every mail worker must share the file.
func (c Config) OTPKey() ([]byte, error) { return readKey("otp key", c.OTPKeyFile) }

func readKey(what, path string) ([]byte, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := writeNewKey(path); err != nil {
			return nil, err
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: read %s: %w", what, path, err)
	}
	key := []byte(strings.TrimSpace(string(b)))
	if len(key) < 32 {
		return nil, fmt.Errorf("%s: %s holds fewer than 32 bytes", what, path)
	}
	return key, nil
}

// writeNewKey creates the key file exclusively, so two processes starting at
// once end up with the same key.
func writeNewKey(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("jwt key: %w", err)
	}
	var k [48]byte
	if _, err := rand.Read(k[:]); err != nil {
		return fmt.Errorf("jwt key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("jwt key: create %s: %w", path, err)
	}
	_, err = f.WriteString(hex.EncodeToString(k[:]) + "\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("jwt key: write %s: %w", path, err)
	}
	return nil
}

// parseDays is time.ParseDuration that also takes whole days ("90d").
func parseDays(v string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		d, err := strconv.Atoi(n)
		if err != nil || d < 0 {
			return 0, errors.New("bad days")
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	return time.ParseDuration(v)
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func parseBool(name, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "", "0", "false", "no":
		return false, nil
	case "1", "true", "yes":
		return true, nil
	}
	return false, fmt.Errorf("%s=%q: want 1 or 0", name, v)
}
