package faults

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Proc is one process of the deployment under test, started from its
// command line and killed with SIGKILL (its whole process group: the code
// worker's sandboxes die with it).
type Proc struct {
	Name string
	URL  string // edges: http://host:port
	args []string
	env  []string
	log  string
	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// Start launches the process (again, after Kill).
func (p *Proc) Start(t testing.TB) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(p.args[0], p.args[1:]...)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", p.Name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); f.Close(); close(done) }()
	p.cmd, p.done = cmd, done
}

// Kill sends SIGKILL to the process group and waits for the process.
func (p *Proc) Kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
	p.cmd = nil
}

// Pid is the process id (0 when not running).
func (p *Proc) Pid() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// Alive reports whether the process is running.
func (p *Proc) Alive() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Log is the tail of the process's output.
func (p *Proc) Log() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Node is one nats-server of the cluster.
type Node struct {
	*Proc
	ServerName string
	ClientURL  string
}

// Harness is a running deployment: a 3-node JetStream cluster, MySQL
// reached through a proxy the harness can cut, an SMTP inbox, edges and
// workers as separate processes.
type Harness struct {
	T      testing.TB
	Dir    string
	Bin    string
	Nodes  []*Node
	Edges  []*Proc
	Procs  map[string]*Proc
	Proxy  *testutil.Proxy
	DB     *sqlx.DB
	NC     *nats.Conn
	JS     jetstream.JetStream
	Inbox  *Inbox
	RunID  string
	env    []string
	client *http.Client

	retryMu      sync.Mutex
	retryReasons map[string]int // why clients retried (status or transport error)
}

// natsServerBinary is HIREBUS_NATS_SERVER, the installed nats-server, or
// one built from the nats-server module hirebus embeds.
func natsServerBinary(t testing.TB, dir string) string {
	t.Helper()
	if p := os.Getenv("HIREBUS_NATS_SERVER"); p != "" {
		return p
	}
	if p, err := exec.LookPath("nats-server"); err == nil {
		return p
	}
	out := filepath.Join(dir, "nats-server")
	cmd := exec.Command("go", "build", "-o", out, "github.com/nats-io/nats-server/v2")
	cmd.Dir = testutil.RepoRoot()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build nats-server: %v\n%s", err, b)
	}
	return out
}

// Options size a deployment.
type Options struct {
	Edges       int
	MailWorkers int
	CodeWorkers int
	Env         []string // extra environment of every hirebus process
}

// Start brings a deployment up and tears it down at cleanup.
func Start(t testing.TB, opt Options) *Harness {
	t.Helper()
	testutil.SkipShort(t, "the hirebus binary, nats-server processes and MariaDB")
	h := &Harness{T: t, Dir: t.TempDir(), Procs: map[string]*Proc{}, RunID: randHex(4),
		client: &http.Client{Timeout: 10 * time.Second}}
	h.Bin = testutil.HirebusBinary(t)
	t.Cleanup(func() {
		for _, p := range h.Procs {
			p.Kill()
		}
		if t.Failed() || os.Getenv("HIREBUS_FAULTS_LOGS") == "1" {
			for name, p := range h.Procs {
				t.Logf("--- %s log tail:\n%s", name, p.Log())
			}
		}
	})

	// NATS: three servers joined by routes.
	natsBin := natsServerBinary(t, h.Dir)
	ports := testutil.FreePorts(t, 6)
	var routes []string
	for i := range 3 {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", ports[3+i]))
	}
	var urls []string
	for i := range 3 {
		name := fmt.Sprintf("n%d", i)
		store := filepath.Join(h.Dir, name)
		conf := filepath.Join(h.Dir, name+".conf")
		cfg := fmt.Sprintf(`server_name: %s
listen: 127.0.0.1:%d
max_payload: 8MB
jetstream { store_dir: %q }
cluster { name: hbfaults, listen: 127.0.0.1:%d, routes: [%s] }
`, name, ports[i], store, ports[3+i], strings.Join(routes, ", "))
		if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		n := &Node{Proc: h.newProc(name, []string{natsBin, "-c", conf}, os.Environ()), ServerName: name,
			ClientURL: fmt.Sprintf("nats://127.0.0.1:%d", ports[i])}
		h.Nodes = append(h.Nodes, n)
		urls = append(urls, n.ClientURL)
	}
	for _, n := range h.Nodes {
		n.Start(t)
	}

	// MySQL: a fresh database, migrated by the binary, reached through a proxy.
	direct := testutil.MySQL(t)
	proxied, proxy := testutil.ProxiedDSN(t, direct)
	h.Proxy = proxy
	db, err := store.Open(context.Background(), store.Config{DSN: direct})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h.DB = db

	h.Inbox = StartInbox(t)

	data := filepath.Join(h.Dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	// Every process of a deployment shares the keys.
	for _, k := range []string{"jwt.key", "otp.key"} {
		if err := os.WriteFile(filepath.Join(data, k), []byte(randHex(48)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var base []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "HIREBUS_") {
			base = append(base, kv)
		}
	}
	h.env = append(base,
		"HIREBUS_MYSQL_DSN="+proxied,
		"HIREBUS_NATS_URL="+strings.Join(urls, ","),
		"HIREBUS_NATS_REPLICAS=3",
		"HIREBUS_DATA_DIR="+data,
		"HIREBUS_SMTP_ADDR="+h.Inbox.Addr(),
		"HIREBUS_PROXY_HEADER=X-Forwarded-For", // the clients stand for many users behind a proxy
		"HIREBUS_TRUSTED_PROXIES=127.0.0.1/32",
		"HIREBUS_LOG_LEVEL=info",
	)
	h.env = append(h.env, opt.Env...)
	mig := exec.Command(h.Bin, "migrate")
	mig.Env = append(append([]string{}, base...), "HIREBUS_MYSQL_DSN="+direct, "HIREBUS_DATA_DIR="+data)
	if out, err := mig.CombinedOutput(); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out)
	}

	// Every role starts at the same instant: setup must cope.
	hports := testutil.FreePorts(t, opt.Edges)
	for i := range opt.Edges {
		e := h.newProc(fmt.Sprintf("edge%d", i), []string{h.Bin, "edge"}, withEnv(h.env, fmt.Sprintf("HIREBUS_HTTP_ADDR=127.0.0.1:%d", hports[i])))
		e.URL = fmt.Sprintf("http://127.0.0.1:%d", hports[i])
		h.Edges = append(h.Edges, e)
	}
	for i := range opt.MailWorkers {
		h.newProc(fmt.Sprintf("mail%d", i), []string{h.Bin, "worker", "mail"}, h.env)
	}
	for i := range opt.CodeWorkers {
		h.newProc(fmt.Sprintf("code%d", i), []string{h.Bin, "worker", "code"}, withEnv(h.env, "HIREBUS_WORKER_CONCURRENCY=2"))
	}
	for name, p := range h.Procs {
		if !strings.HasPrefix(name, "n") {
			p.Start(t)
		}
	}
	nc, err := nats.Connect(strings.Join(urls, ","), nats.MaxReconnects(-1), nats.ReconnectWait(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	h.NC = nc
	if h.JS, err = jetstream.New(nc); err != nil {
		t.Fatal(err)
	}
	for _, e := range h.Edges {
		h.WaitReady(e, 90*time.Second)
	}
	return h
}

func (h *Harness) newProc(name string, args, env []string) *Proc {
	p := &Proc{Name: name, args: args, env: env, log: filepath.Join(h.Dir, name+".log")}
	h.Procs[name] = p
	return p
}

// WaitReady polls an edge's /ready.
func (h *Harness) WaitReady(e *Proc, timeout time.Duration) time.Duration {
	h.T.Helper()
	start := time.Now()
	for time.Since(start) < timeout {
		if !e.Alive() {
			h.T.Fatalf("%s exited:\n%s", e.Name, e.Log())
		}
		resp, err := h.client.Get(e.URL + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return time.Since(start)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	h.T.Fatalf("%s not ready after %s:\n%s", e.Name, timeout, e.Log())
	return 0
}

// Leader is the node leading stream name.
func (h *Harness) Leader(name string) *Node {
	h.T.Helper()
	var leader string
	testutil.Eventually(h.T, 30*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		st, err := h.JS.Stream(ctx, name)
		if err != nil {
			return false
		}
		info := st.CachedInfo()
		if info.Cluster == nil || info.Cluster.Leader == "" {
			return false
		}
		leader = info.Cluster.Leader
		return true
	}, "no leader for %s", name)
	for _, n := range h.Nodes {
		if n.ServerName == leader {
			return n
		}
	}
	h.T.Fatalf("leader %q of %s is not one of ours", leader, name)
	return nil
}

// DBNow is MySQL's clock (the one operations.updated_at uses).
func (h *Harness) DBNow() time.Time {
	var now time.Time
	if err := h.DB.Get(&now, `SELECT UTC_TIMESTAMP(3)`); err != nil {
		h.T.Fatal(err)
	}
	return now
}

// --- the client -------------------------------------------------------------

// Cmd is one command a client got accepted.
type Cmd struct {
	Kind     string // otp | execute
	Key      string
	Email    string
	OpID     string
	Attempts int
}

// errGaveUp is a request no edge accepted before the client's deadline.
var errGaveUp = errors.New("no edge accepted the request")

// post sends one command like a careful client: with an Idempotency-Key,
// retried on any edge while edges are down or answer 5xx/409, until
// deadline. It returns the accepted op id.
func (h *Harness) post(ctx context.Context, path, token, key, ip string, body any, start int) (string, int, error) {
	data, _ := json.Marshal(body)
	attempts := 0
	for i := start; ; i++ {
		e := h.Edges[i%len(h.Edges)]
		attempts++
		req, _ := http.NewRequestWithContext(ctx, "POST", e.URL+path, bytes.NewReader(data))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		req.Header.Set("X-Forwarded-For", ip)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := h.client.Do(req)
		if err != nil {
			h.noteRetry("transport: " + strings.SplitN(err.Error(), ": ", 3)[len(strings.SplitN(err.Error(), ": ", 3))-1])
		}
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 || resp.StatusCode == 202 || resp.StatusCode == 201 {
				var out struct {
					OpID string `json:"op_id"`
				}
				if json.Unmarshal(b, &out) == nil && out.OpID != "" {
					return out.OpID, attempts, nil
				}
				return "", attempts, fmt.Errorf("%s: answer without op_id: %s", path, b)
			}
			if resp.StatusCode < 500 && resp.StatusCode != 409 && resp.StatusCode != 429 {
				return "", attempts, fmt.Errorf("%s: %d %s", path, resp.StatusCode, b)
			}
			if resp.StatusCode == 429 {
				// Refused for now (e.g. the user's code jobs are all
				// queued while the code worker restarts): come back
				// when told, with the same key.
				wait := time.Second
				if ra, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && ra > 0 {
					wait = min(time.Duration(ra)*time.Second, 5*time.Second)
				}
				h.noteRetry("429")
				select {
				case <-ctx.Done():
					return "", attempts, errGaveUp
				case <-time.After(wait):
				}
				i-- // the same edge again
				continue
			}
			var e struct {
				Error struct{ Code string }
			}
			_ = json.Unmarshal(b, &e)
			h.noteRetry(fmt.Sprintf("%d %s", resp.StatusCode, e.Error.Code))
		}
		select {
		case <-ctx.Done():
			return "", attempts, errGaveUp
		case <-time.After(150 * time.Millisecond):
		}
	}
}

func (h *Harness) noteRetry(why string) {
	h.retryMu.Lock()
	defer h.retryMu.Unlock()
	if h.retryReasons == nil {
		h.retryReasons = map[string]int{}
	}
	h.retryReasons[why]++
}

// RetryReasons returns and resets why clients retried.
func (h *Harness) RetryReasons() map[string]int {
	h.retryMu.Lock()
	defer h.retryMu.Unlock()
	r := h.retryReasons
	h.retryReasons = nil
	return r
}

// SendOTP asks for a code for a fresh address; n makes it unique.
func (h *Harness) SendOTP(ctx context.Context, n int) (*Cmd, error) {
	c := &Cmd{Kind: "otp", Key: fmt.Sprintf("otp-%s-%d", h.RunID, n), Email: fmt.Sprintf("f%d-%s@example.com", n, h.RunID)}
	var err error
	c.OpID, c.Attempts, err = h.post(ctx, "/api/auth/send-otp", "", c.Key, fakeIP(n),
		map[string]string{"email": c.Email, "purpose": "register"}, n)
	return c, err
}

// Execute runs a tiny program for the user behind token.
func (h *Harness) Execute(ctx context.Context, token string, n int) (*Cmd, error) {
	c := &Cmd{Kind: "execute", Key: fmt.Sprintf("exec-%s-%d", h.RunID, n)}
	var err error
	c.OpID, c.Attempts, err = h.post(ctx, "/api/code/execute", token, c.Key, fakeIP(n),
		map[string]string{"language": "python", "source": fmt.Sprintf("print(%d)", n)}, n)
	return c, err
}

// Register signs a user up through the edges (send-otp, mail, verify,
// register) and returns the token.
func (h *Harness) Register(name string) string {
	h.T.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	email := name + "-" + h.RunID + "@example.com"
	// Each user comes from its own address, as real sign-ups do: per-address
	// limits must not see one client.
	ip := "10.255." + strconv.Itoa(int(crc32.ChecksumIEEE([]byte(name))%250)) + "." + strconv.Itoa(len(name))
	if _, _, err := h.post(ctx, "/api/auth/send-otp", "", "reg-otp-"+name+h.RunID, ip, map[string]string{"email": email, "purpose": "register"}, 0); err != nil {
		h.T.Fatal(err)
	}
	code := h.Inbox.WaitCode(h.T, email, 30*time.Second)
	send := func(path string, v any) *http.Response {
		b, _ := json.Marshal(v)
		req, _ := http.NewRequest("POST", h.Edges[0].URL+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", ip)
		resp, err := h.client.Do(req)
		if err != nil {
			h.T.Fatal(err)
		}
		return resp
	}
	resp := send("/api/auth/verify-otp", map[string]string{"email": email, "otp": code, "purpose": "register"})
	resp.Body.Close()
	resp = send("/api/auth/register", map[string]string{"username": name + h.RunID, "email": email, "password": "s3cret-pass", "role": "candidate"})
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		h.T.Fatalf("register: %d %v", resp.StatusCode, err)
	}
	return out.Token
}

// withEnv copies env and adds kv (never sharing env's array).
func withEnv(env []string, kv ...string) []string {
	return append(append(make([]string, 0, len(env)+len(kv)), env...), kv...)
}

func fakeIP(n int) string { return fmt.Sprintf("10.%d.%d.%d", (n>>16)&255, (n>>8)&255, n&255) }

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// --- verdicts ---------------------------------------------------------------

// Result is one scenario's line of the report.
type Result struct {
	Scenario        string
	Accepted        int
	CompletedOnce   int
	Failed          int
	Lost            int
	Duplicated      int
	Stuck           int
	RepeatedMails   int           // the same message mailed again by a redelivery
	GaveUp          int           // requests no edge accepted before the client's deadline
	Retries         int           // client attempts beyond the first
	RecoverInFlight time.Duration // worst accept-to-done latency of commands from the fault on
	RecoverFresh    time.Duration // a fresh command sent at the fault: accept-to-done
}

// Header is the report's table header.
const Header = "| scenario | accepted | completed once | failed | lost | duplicated | stuck | repeated mails | client retries | gave up | worst latency from the fault | fresh command at the fault |\n|---|---|---|---|---|---|---|---|---|---|---|---|"

func (r Result) String() string {
	return fmt.Sprintf("| %s | %d | %d | %d | %d | %d | %d | %d | %d | %d | %s | %s |", r.Scenario, r.Accepted, r.CompletedOnce, r.Failed,
		r.Lost, r.Duplicated, r.Stuck, r.RepeatedMails, r.Retries, r.GaveUp, r.RecoverInFlight.Round(100*time.Millisecond), r.RecoverFresh.Round(100*time.Millisecond))
}

// Verify waits up to settle for every accepted command to finish, then
// judges each: completed once (done, and for a code: one code mailed, as
// one message), duplicated (a second, different effect), lost (done
// without its effect, or no operation), stuck (still pending).
func (h *Harness) Verify(name string, cmds []*Cmd, settle time.Duration, faultAt time.Time) Result {
	h.T.Helper()
	r := Result{Scenario: name, Accepted: len(cmds)}
	ids := make([]string, 0, len(cmds))
	for _, c := range cmds {
		ids = append(ids, c.OpID)
		r.Retries += c.Attempts - 1
	}
	var status map[string]string
	deadline := time.Now().Add(settle)
	for {
		status = h.opStatus(ids)
		pending := 0
		for _, id := range ids {
			if s := status[id]; s == "" || s == "pending" {
				pending++
			}
		}
		if pending == 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	// Mails go out before their operation completes, so they are all in.
	for _, c := range cmds {
		switch status[c.OpID] {
		case "":
			r.Lost++
			continue
		case "pending":
			r.Stuck++
			continue
		case "failed":
			r.Failed++
			continue
		}
		if c.Kind != "otp" {
			r.CompletedOnce++
			continue
		}
		msgs, codes, mails := h.Inbox.For(c.Email)
		switch {
		case mails == 0:
			r.Lost++
		case msgs > 1 || codes > 1:
			r.Duplicated++
		default:
			r.CompletedOnce++
			r.RepeatedMails += mails - 1
		}
	}
	if !faultAt.IsZero() && len(ids) > 0 {
		// The slowest command accepted from a second before the fault on:
		// how long the fault held work up, from the user's side.
		q, args, err := sqlx.In(`SELECT COALESCE(MAX(TIMESTAMPDIFF(MICROSECOND, created_at, updated_at)), 0) FROM operations
			WHERE id IN (?) AND created_at >= ? - INTERVAL 1 SECOND AND status <> 'pending'`, ids, faultAt)
		var us int64
		if err == nil {
			err = h.DB.Get(&us, q, args...)
		}
		if err != nil {
			h.T.Errorf("recovery time: %v", err)
		}
		r.RecoverInFlight = time.Duration(us) * time.Microsecond
	}
	return r
}

func (h *Harness) opStatus(ids []string) map[string]string {
	out := map[string]string{}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		q, args, err := sqlx.In(`SELECT id, status FROM operations WHERE id IN (?)`, chunk)
		if err != nil {
			h.T.Fatal(err)
		}
		var rows []struct {
			ID     string `db:"id"`
			Status string `db:"status"`
		}
		if err := h.DB.Select(&rows, h.DB.Rebind(q), args...); err != nil {
			h.T.Logf("op status: %v", err)
			continue
		}
		for _, r := range rows {
			out[r.ID] = r.Status
		}
	}
	return out
}

// Probe measures how long after a fault a fresh command completes end to
// end (accepted by an edge, done by a worker).
func (h *Harness) Probe(n int, timeout time.Duration) time.Duration {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	c, err := h.SendOTP(ctx, n)
	if err != nil {
		return timeout
	}
	for time.Since(start) < timeout {
		if s := h.opStatus([]string{c.OpID})[c.OpID]; s == "done" || s == "failed" {
			return time.Since(start)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return timeout
}

// Load sends commands (send) at rate per second for dur through the edges,
// calling fault (if any) at faultAfter; it returns what was accepted and
// the fault time on MySQL's clock.
func (h *Harness) Load(send func(ctx context.Context, n int) (*Cmd, error), first, rate int, dur, faultAfter time.Duration, fault func()) (cmds []*Cmd, gaveUp int, faultAt time.Time) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	start := time.Now()
	faulted := fault == nil
	n := first
	for time.Since(start) < dur {
		<-tick.C
		if !faulted && time.Since(start) >= faultAfter {
			faulted = true
			faultAt = h.DBNow()
			fault()
		}
		n++
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			// A client gives up after a minute without any edge accepting.
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			c, err := send(ctx, n)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				gaveUp++
				if !errors.Is(err, errGaveUp) {
					h.T.Logf("command %d: %v", n, err)
				}
				return
			}
			cmds = append(cmds, c)
		}(n)
	}
	wg.Wait()
	return cmds, gaveUp, faultAt
}

// CommandsInFlight is the CMD stream's message count (sanity for reports).
func (h *Harness) CommandsInFlight() uint64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := h.JS.Stream(ctx, events.StreamCommands)
	if err != nil {
		return 0
	}
	info, err := st.Info(ctx)
	if err != nil {
		return 0
	}
	return info.State.Msgs
}
