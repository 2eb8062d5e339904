// Package mailbox is the development mail server: a real SMTP listener on
// loopback that keeps received mails in memory. `hirebus all` starts it when
// no HIREBUS_SMTP_ADDR is configured (the edge lists it at /dev/mailbox with
// HIREBUS_DEV=1) and tests read one-time codes from it, so the mail worker
// always speaks real SMTP.
package mailbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-smtp"
)

// Mail is one received message, decoded: the subject without RFC 2047
// encoding, Body the plain-text part (or the whole message when it cannot
// be parsed), HTML the HTML alternative, Attachments the attached files'
// names.
type Mail struct {
	From        string    `json:"from"`
	To          []string  `json:"to"`
	Subject     string    `json:"subject"`
	MessageID   string    `json:"message_id,omitempty"`
	Body        string    `json:"body"`
	HTML        string    `json:"html,omitempty"`
	Attachments []string  `json:"attachments,omitempty"`
	Time        time.Time `json:"time"`
}

// Mailbox is an in-memory SMTP server.
type Mailbox struct {
	srv    *smtp.Server
	ln     net.Listener
	mu     sync.Mutex
	mails  []Mail
	max    int
	notify chan struct{}
}

// Start listens on a free loopback port.
func Start() (*Mailbox, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("mailbox: listen: %w", err)
	}
	m := &Mailbox{ln: ln, max: 1000, notify: make(chan struct{})}
	s := smtp.NewServer(backend{m})
	s.Domain = "localhost"
	s.MaxMessageBytes = 1 << 20
	s.MaxRecipients = 10
	s.ReadTimeout = 30 * time.Second
	s.WriteTimeout = 30 * time.Second
	s.AllowInsecureAuth = true
	m.srv = s
	go func() { _ = s.Serve(ln) }()
	return m, nil
}

// Addr is host:port for HIREBUS_SMTP_ADDR.
func (m *Mailbox) Addr() string { return m.ln.Addr().String() }

// Close stops the server.
func (m *Mailbox) Close() error { return m.srv.Close() }

// List returns a copy of the received mails, oldest first.
func (m *Mailbox) List() []Mail {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Mail(nil), m.mails...)
}

// WaitFor blocks until a mail to addr arrives whose body matches, or timeout.
func (m *Mailbox) WaitFor(to string, timeout time.Duration, match func(Mail) bool) (Mail, error) {
	deadline := time.After(timeout)
	for {
		m.mu.Lock()
		for i := len(m.mails) - 1; i >= 0; i-- {
			ml := m.mails[i]
			for _, t := range ml.To {
				if strings.EqualFold(t, to) && (match == nil || match(ml)) {
					m.mu.Unlock()
					return ml, nil
				}
			}
		}
		ch := m.notify
		m.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			return Mail{}, errors.New("mailbox: no matching mail before timeout")
		}
	}
}

func (m *Mailbox) add(ml Mail) {
	m.mu.Lock()
	m.mails = append(m.mails, ml)
	if len(m.mails) > m.max {
		m.mails = m.mails[len(m.mails)-m.max:]
	}
	close(m.notify)
	m.notify = make(chan struct{})
	m.mu.Unlock()
}

type backend struct{ m *Mailbox }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{m: b.m}, nil }

type session struct {
	m    *Mailbox
	from string
	to   []string
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ml := Mail{From: s.from, To: append([]string(nil), s.to...), Time: time.Now().UTC()}
	if err := decode(raw, &ml); err != nil {
		ml.Body = string(raw)
	}
	s.m.add(ml)
	return nil
}

// decode reads a MIME mail with go-message: headers decoded, the text and
// HTML alternatives and the attachments' names.
func decode(raw []byte, ml *Mail) error {
	r, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) {
		return err
	}
	defer r.Close()
	ml.Subject, _ = r.Header.Subject()
	ml.MessageID, _ = r.Header.MessageID()
	for {
		p, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil && !message.IsUnknownCharset(err) {
			return err
		}
		body, err := io.ReadAll(p.Body)
		if err != nil {
			return err
		}
		switch h := p.Header.(type) {
		case *mail.InlineHeader:
			ct, _, _ := h.ContentType()
			switch {
			case ct == "text/html" && ml.HTML == "":
				ml.HTML = string(body)
			case (ct == "text/plain" || ct == "") && ml.Body == "":
				ml.Body = string(body)
			}
		case *mail.AttachmentHeader:
			name, _ := h.Filename()
			ml.Attachments = append(ml.Attachments, name)
		}
	}
}
