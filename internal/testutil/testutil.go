// Package testutil gives tests real, isolated infrastructure: a fresh MariaDB
// database per test, an embedded JetStream server on a free port, and the
// locations of the repository and of the shared read-only test data.
//
// Tests never share state through these helpers: every call creates new names,
// and everything is removed by t.Cleanup.
//
// Fast path: under `go test -short` (make test-short) every helper that needs
// heavy infrastructure (MariaDB, the embedded JetStream server, the face
// models and golden data) skips its test with the reason, so the pure unit
// tests run alone in seconds. Without -short a MariaDB that cannot be reached
// also skips with the reason, unless HIREBUS_TEST_REQUIRE_INFRA=1 (set by
// make test and CI) turns the skip into a failure: the full suite never
// passes by skipping.
package testutil

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// RequireInfraEnv names the variable that makes missing infrastructure a
// test failure instead of a skip (make test and CI set it to 1).
const RequireInfraEnv = "HIREBUS_TEST_REQUIRE_INFRA"

// SkipShort skips t under -short: it needs what is named by what (MariaDB,
// NATS, the face models, ...), which the fast path does not start.
func SkipShort(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("needs %s: skipped under -short (run make test for the full suite)", what)
	}
}

// missing skips t with reason, or fails it when HIREBUS_TEST_REQUIRE_INFRA=1.
func missing(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv(RequireInfraEnv) == "1" {
		t.Fatalf("%s (%s=1: required)", reason, RequireInfraEnv)
	}
	t.Skip(reason)
}

var (
	mysqlOnce sync.Once
	mysqlErr  error
)

// RequireMySQL skips t (see missing) when the test MariaDB cannot be
// reached or -short is set; MySQL calls it, so most tests need not.
func RequireMySQL(t testing.TB) {
	t.Helper()
	SkipShort(t, "MariaDB")
	mysqlOnce.Do(func() {
		db, err := sql.Open("mysql", MySQLBaseDSN())
		if err != nil {
			mysqlErr = err
			return
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		mysqlErr = db.PingContext(ctx)
	})
	if mysqlErr != nil {
		missing(t, fmt.Sprintf("needs MariaDB, which is not reachable at %s: %v (start it or set HIREBUS_TEST_MYSQL_DSN)",
			redact(MySQLBaseDSN()), mysqlErr))
	}
}

func redact(dsn string) string {
	if at := strings.LastIndex(dsn, "@"); at >= 0 {
		if colon := strings.Index(dsn[:at], ":"); colon >= 0 {
			return dsn[:colon] + ":***" + dsn[at:]
		}
	}
	return dsn
}

// RepoRoot is the directory holding go.mod.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// SharedDir is the read-only shared data folder laid beside the clone
// (../shared), or HIREBUS_SHARED_DIR when set.
func SharedDir() string {
	if d := os.Getenv("HIREBUS_SHARED_DIR"); d != "" {
		return d
	}
	return filepath.Join(RepoRoot(), "..", "shared")
}

// FacesDir is shared/testdata/faces; the test fails if it is missing because
// the golden checks must not silently pass without their data.
func FacesDir(t testing.TB) string {
	t.Helper()
	SkipShort(t, "the shared face test data")
	d := filepath.Join(SharedDir(), "testdata", "faces")
	if _, err := os.Stat(filepath.Join(d, "golden.json")); err != nil {
		t.Fatalf("face test data not found at %s (set HIREBUS_SHARED_DIR): %v", d, err)
	}
	return d
}

// ModelsDir is where `make models` unpacks the face-api weights
// (HIREBUS_MODELS_DIR, default <repo>/models). Missing models fail the test:
// `make test` fetches them first.
func ModelsDir(t testing.TB) string {
	t.Helper()
	SkipShort(t, "the face models")
	d := os.Getenv("HIREBUS_MODELS_DIR")
	if d == "" {
		d = filepath.Join(RepoRoot(), "models")
	}
	if _, err := os.Stat(filepath.Join(d, "face_recognition_model-weights_manifest.json")); err != nil {
		t.Fatalf("face models not found in %s: run `make models` first (%v)", d, err)
	}
	return d
}

// RandomName returns prefix_<12 hex chars>, safe for database and stream names.
func RandomName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "_" + hex.EncodeToString(b[:])
}

// MySQLBaseDSN is the server used by tests (HIREBUS_TEST_MYSQL_DSN, default
// the machine's MariaDB as root without password), with no database selected.
func MySQLBaseDSN() string {
	if d := os.Getenv("HIREBUS_TEST_MYSQL_DSN"); d != "" {
		return d
	}
	return "root@tcp(127.0.0.1:3306)/?parseTime=true&multiStatements=true"
}

// MySQL creates a fresh database for this test and returns a DSN selecting it.
// The database is dropped when the test ends.
func MySQL(t testing.TB) string {
	t.Helper()
	RequireMySQL(t)
	base := MySQLBaseDSN()
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		t.Fatalf("testutil: parse dsn: %v", err)
	}
	name := RandomName("hbt_" + sanitize(t.Name()))
	db, err := sql.Open("mysql", base)
	if err != nil {
		t.Fatalf("testutil: open mysql: %v", err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		t.Fatalf("testutil: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("mysql", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec("DROP DATABASE IF EXISTS `" + name + "`")
	})
	cfg.DBName = name
	cfg.ParseTime = true
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	return cfg.FormatDSN()
}

func sanitize(s string) string {
	s = strings.ToLower(s)
	var b strings.Builder
	for _, r := range s {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
		if b.Len() >= 20 {
			break
		}
	}
	return b.String()
}

// NATS starts an embedded JetStream server on a free loopback port with its
// own store directory, and returns its client URL. It is shut down by Cleanup.
func NATS(t testing.TB) string {
	t.Helper()
	SkipShort(t, "an embedded JetStream server")
	srv, err := server.NewServer(&server.Options{
		Host:      "127.0.0.1",
		Port:      server.RANDOM_PORT,
		JetStream: true,
		StoreDir:  t.TempDir(),
		NoLog:     true,
		NoSigs:    true,
		// Same as nats.conf and `hirebus all`: enrolment photos travel in one message.
		MaxPayload: 8 << 20,
	})
	if err != nil {
		t.Fatalf("testutil: nats server: %v", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatalf("testutil: nats server not ready")
	}
	t.Cleanup(srv.Shutdown)
	return srv.ClientURL()
}

// NATSConn connects to url and closes the connection at cleanup.
func NATSConn(t testing.TB, url string) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatalf("testutil: nats connect: %v", err)
	}
	t.Cleanup(nc.Close)
	return nc
}

// Eventually polls cond until it is true or the deadline passes.
func Eventually(t testing.TB, timeout time.Duration, cond func() bool, format string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s: %s", timeout, fmt.Sprintf(format, args...))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Proxy is a TCP forwarder a test can cut and restore, to take a real
// dependency (MariaDB, NATS) "down" without touching the shared server.
type Proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	up     bool
	conns  map[net.Conn]struct{}
}

// NewProxy listens on a free loopback port and forwards to target.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, up: true, conns: map[net.Conn]struct{}{}}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.SetUp(false) })
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetUp cuts (false: closes every connection and refuses new ones) or
// restores the link.
func (p *Proxy) SetUp(up bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.up = up
	if !up {
		for c := range p.conns {
			c.Close()
		}
		p.conns = map[net.Conn]struct{}{}
	}
}

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if !p.up {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.mu.Unlock()
		go p.pipe(c)
	}
}

func (p *Proxy) pipe(c net.Conn) {
	u, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[u] = struct{}{}, struct{}{}
	p.mu.Unlock()
	go func() { _, _ = io.Copy(u, c); u.Close() }()
	_, _ = io.Copy(c, u)
	c.Close()
}

// ProxiedDSN rewrites a DSN to reach MySQL through proxy.
func ProxiedDSN(t testing.TB, dsn string) (string, *Proxy) {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := NewProxy(t, cfg.Addr)
	cfg.Addr = p.Addr()
	cfg.Timeout = 2 * time.Second
	cfg.ReadTimeout = 5 * time.Second
	cfg.WriteTimeout = 5 * time.Second
	return cfg.FormatDSN(), p
}
