package faults

import (
	"bytes"
	"io"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Inbox is an SMTP server that keeps, per recipient, every message id and
// code it received, without a size cap (a fault run mails thousands).
type Inbox struct {
	ln  net.Listener
	srv *smtp.Server
	mu  sync.Mutex
	to  map[string]*box
}

type box struct {
	mails int
	ids   map[string]bool
	codes map[string]bool
}

var codeRE = regexp.MustCompile(`code is (\d{6})`)

// StartInbox listens on a free loopback port until the test ends.
func StartInbox(t testing.TB) *Inbox {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	in := &Inbox{ln: ln, to: map[string]*box{}}
	in.srv = smtp.NewServer(inboxBackend{in})
	in.srv.Domain = "localhost"
	in.srv.AllowInsecureAuth = true
	in.srv.ReadTimeout = 30 * time.Second
	in.srv.WriteTimeout = 30 * time.Second
	go func() { _ = in.srv.Serve(ln) }()
	t.Cleanup(func() { in.srv.Close() })
	return in
}

// Addr is host:port.
func (in *Inbox) Addr() string { return in.ln.Addr().String() }

// For returns, for one recipient, the distinct message ids, distinct codes
// and the number of mails received.
func (in *Inbox) For(to string) (ids, codes, mails int) {
	in.mu.Lock()
	defer in.mu.Unlock()
	b := in.to[strings.ToLower(to)]
	if b == nil {
		return 0, 0, 0
	}
	return len(b.ids), len(b.codes), b.mails
}

// WaitCode waits for a code mailed to to.
func (in *Inbox) WaitCode(t testing.TB, to string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		in.mu.Lock()
		if b := in.to[strings.ToLower(to)]; b != nil {
			for c := range b.codes {
				in.mu.Unlock()
				return c
			}
		}
		in.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no code mailed to %s", to)
	return ""
}

type inboxBackend struct{ in *Inbox }

func (b inboxBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &inboxSession{in: b.in}, nil
}

type inboxSession struct {
	in *Inbox
	to []string
}

func (s *inboxSession) Reset()                               { s.to = nil }
func (s *inboxSession) Logout() error                        { return nil }
func (s *inboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *inboxSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *inboxSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	var id, body string
	if m, err := mail.ReadMessage(bytes.NewReader(raw)); err == nil {
		id = m.Header.Get("Message-Id")
		b, _ := io.ReadAll(m.Body)
		body = string(b)
	}
	s.in.mu.Lock()
	defer s.in.mu.Unlock()
	for _, to := range s.to {
		to = strings.ToLower(to)
		b := s.in.to[to]
		if b == nil {
			b = &box{ids: map[string]bool{}, codes: map[string]bool{}}
			s.in.to[to] = b
		}
		b.mails++
		b.ids[id] = true
		if m := codeRE.FindStringSubmatch(body); m != nil {
			b.codes[m[1]] = true
		}
	}
	return nil
}
