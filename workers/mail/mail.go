// Package mail is the mail worker: it makes one-time codes, stores their
// hashes and mails them, and sends account mails. Each send is tied to the
// command id so a redelivered command never issues a second code.
package mail

import (
	"bytes"
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/otp"
	"github.com/hirebus/hirebus/outbox"
	"github.com/jmoiron/sqlx"
	"github.com/nats-io/nats.go/jetstream"
)

// Config of the mail worker.
type Config struct {
	SMTPAddr    string        // host:port of the SMTP server
	From        string        // envelope and header sender
	OTPTTL      time.Duration // code lifetime (default 10m)
	MaxAttempts int           // wrong tries before a code is dead (default 5)
	Concurrency int           // commands at once in this process (default 4)
	SendTimeout time.Duration // one SMTP conversation (default 15s)
	StartTLS    bool          // upgrade the connection with STARTTLS (production relays)
	// CodeKey is the server secret one-time codes are derived from (with the
	// command id), so every replica mails the same code for one command.
	// Every mail worker of a deployment must share it.
	CodeKey []byte
	// Policy overrides the role's delivery policy from events.Policies
	// (tests use a short AckWait to show redelivery quickly).
	Policy *events.ConsumerPolicy
}

// Validate checks the config after defaults.
func (c *Config) Validate() error {
	if c.OTPTTL == 0 {
		c.OTPTTL = 10 * time.Minute
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = 5
	}
	if c.Concurrency == 0 {
		c.Concurrency = 4
	}
	if c.SendTimeout == 0 {
		c.SendTimeout = 15 * time.Second
	}
	if c.From == "" {
		c.From = "hirebus <no-reply@hirebus.local>"
	}
	if _, err := parseAddress(c.From); err != nil {
		return fmt.Errorf("mail: sender: %w", err)
	}
	if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
		return fmt.Errorf("mail: SMTP address %q is not host:port", c.SMTPAddr)
	}
	if len(c.CodeKey) < otp.MinKeyLen {
		return fmt.Errorf("mail: code key must be at least %d bytes", otp.MinKeyLen)
	}
	return nil
}

// Deps are the shared connections.
type Deps struct {
	DB    *sqlx.DB
	JS    jetstream.JetStream
	Relay *outbox.Relay
	Log   *slog.Logger
	// BeforeSend, when set, runs after the code is stored and before the mail
	// leaves; tests use it to crash the worker mid-command.
	BeforeSend func(ctx context.Context, env events.Envelope) error
	// AfterSend, when set, runs after the SMTP server accepted the mail and
	// before it is marked sent; tests use it to crash in that window.
	AfterSend func(ctx context.Context, env events.Envelope) error
}

// Worker consumes cmd.mail.*.
type Worker struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
}

// New validates cfg and builds the worker.
func New(cfg Config, deps Deps) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	return &Worker{cfg: cfg, deps: deps, log: deps.Log.With("worker", events.RoleMail)}, nil
}

// Run consumes until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	w.log.InfoContext(ctx, "mail worker running", "smtp", w.cfg.SMTPAddr)
	return events.Consume(ctx, w.deps.JS, events.ConsumeConfig{
		Role: events.RoleMail, Concurrency: w.cfg.Concurrency, Logger: w.log, Policy: w.cfg.Policy,
	}, w.Handle)
}

// Handle processes one command (exported for tests of redelivery).
func (w *Worker) Handle(ctx context.Context, env events.Envelope, meta events.Meta) error {
	switch meta.Subject {
	case events.CmdMailSendOTP:
		return w.sendOTP(ctx, env)
	case events.CmdMailWelcome:
		return w.welcome(ctx, env)
	case events.CmdMailNotify:
		return w.notifyMail(ctx, env)
	default:
		return events.Permanent(fmt.Errorf("mail: unknown command %s", meta.Subject))
	}
}

func (w *Worker) sendOTP(ctx context.Context, env events.Envelope) error {
	var p events.SendOTP
	if err := env.Decode(&p); err != nil {
		return err
	}
	if !otp.ValidPurpose(p.Purpose) || !strings.Contains(p.Email, "@") {
		return events.Permanent(fmt.Errorf("mail: bad send_otp payload"))
	}
	// A code that already left for this command is final.
	sentAt, err := otp.SentAt(ctx, w.deps.DB, env.ID)
	if err == nil && sentAt.Valid {
		return w.completeOTP(ctx, env, p, sentAt.Time.Add(w.cfg.OTPTTL))
	}
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("mail: read otp: %w", err)
	}

	// The code is a function of the command: a redelivery (e.g. after a
	// crash between the SMTP server's 250 and the sent mark) mails the very
	// code the first delivery may already have mailed, and the row the first
	// delivery stored (hash, expiry, attempts) is kept as it is.
	code, err := otp.Derive(w.cfg.CodeKey, env.ID)
	if err != nil {
		return events.Permanent(err)
	}
	_, salt, err := otp.Generate()
	if err != nil {
		return err
	}
	hash := otp.Hash(code, salt[:])
	expires := time.Now().UTC().Add(w.cfg.OTPTTL)
	stored, err := otp.Store(ctx, w.deps.DB, otp.Code{CommandID: env.ID, Email: p.Email, Purpose: p.Purpose,
		Hash: hash[:], Salt: salt[:], MaxAttempts: w.cfg.MaxAttempts, ExpiresAt: expires})
	if err != nil {
		return fmt.Errorf("mail: store otp: %w", err)
	}
	expires = stored
	if w.deps.BeforeSend != nil {
		if err := w.deps.BeforeSend(ctx, env); err != nil {
			return err
		}
	}
	subject := "Your hirebus verification code"
	if p.Purpose == otp.PurposeReset {
		subject = "Your hirebus password reset code"
	}
	body := fmt.Sprintf("Your hirebus code is %s\r\n\r\nIt expires in %d minutes and works once. If you did not ask for it, ignore this mail.\r\n", code, int(w.cfg.OTPTTL.Minutes()))
	if err := w.send(ctx, env.ID, p.Email, subject, body); err != nil {
		return err
	}
	if w.deps.AfterSend != nil {
		if err := w.deps.AfterSend(ctx, env); err != nil {
			return err
		}
	}
	if err := otp.MarkSent(ctx, w.deps.DB, env.ID); err != nil {
		return fmt.Errorf("mail: mark sent: %w", err)
	}
	return w.completeOTP(ctx, env, p, expires)
}

func (w *Worker) completeOTP(ctx context.Context, env events.Envelope, p events.SendOTP, expires time.Time) error {
	return w.deps.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		fresh, err := ops.Claim(ctx, tx, env.ID, events.RoleMail)
		if err != nil || !fresh {
			return err
		}
		sent := events.OTPSent{Email: p.Email, Purpose: p.Purpose, ExpiresAt: expires.Format(time.RFC3339)}
		ev, err := events.NewEnvelope(events.EvtOTPSent, env.CorrelationID, env.ActorUserID, sent)
		if err != nil {
			return err
		}
		if err := out.Add(events.UserSubject(env.ActorUserID, events.EvtOTPSent), ev); err != nil {
			return err
		}
		return ops.Complete(ctx, tx, out, env.CorrelationID, events.OpSendOTP, env.ActorUserID, sent)
	})
}

func (w *Worker) welcome(ctx context.Context, env events.Envelope) error {
	var p events.Welcome
	if err := env.Decode(&p); err != nil {
		return err
	}
	done, err := ops.Processed(ctx, w.deps.DB, env.ID)
	if err != nil {
		return err
	}
	if !done {
		body := fmt.Sprintf("Welcome to hirebus, %s!\r\n\r\nYour account is ready.\r\n", p.Username)
		if err := w.send(ctx, env.ID, p.Email, "Welcome to hirebus", body); err != nil {
			return err
		}
		if w.deps.AfterSend != nil {
			if err := w.deps.AfterSend(ctx, env); err != nil {
				return err
			}
		}
	}
	return w.deps.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		fresh, err := ops.Claim(ctx, tx, env.ID, events.RoleMail)
		if err != nil || !fresh {
			return err
		}
		return ops.Complete(ctx, tx, out, env.CorrelationID, events.OpWelcome, p.UserID, map[string]any{"mailed": true})
	})
}

// send delivers one mail (body as plain text, with an HTML alternative; see
// message.go); connection problems are temporary. The Message-ID is derived
// from the command id, so a mail repeated by a redelivery is the same message
// (and the same text) as the first one.
func (w *Worker) send(ctx context.Context, commandID, to, subject, body string) error {
	return w.sendMessage(ctx, Message{From: w.cfg.From, To: []string{to}, Subject: subject, Text: body, MessageID: MessageID(commandID)})
}

// sendMessage delivers one built mail; connection problems are temporary,
// a message that cannot be built or is refused (5xx) is permanent.
func (w *Worker) sendMessage(ctx context.Context, m Message) error {
	raw, err := m.Build()
	if err != nil {
		return events.Permanent(err)
	}
	from, err := m.EnvelopeFrom()
	if err != nil {
		return events.Permanent(err)
	}
	rcpts, err := m.Recipients()
	if err != nil {
		return events.Permanent(err)
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.SendTimeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", w.cfg.SMTPAddr)
	if err != nil {
		return fmt.Errorf("mail: dial smtp: %w", err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	var c *smtp.Client
	if w.cfg.StartTLS {
		host, _, _ := net.SplitHostPort(w.cfg.SMTPAddr)
		if c, err = smtp.NewClientStartTLS(conn, &tls.Config{ServerName: host}); err != nil {
			conn.Close()
			return fmt.Errorf("mail: starttls: %w", err)
		}
	} else {
		c = smtp.NewClient(conn)
	}
	defer c.Close()
	if err := c.Hello("hirebus"); err != nil {
		return fmt.Errorf("mail: hello: %w", err)
	}
	if err := c.SendMail(from, rcpts, bytes.NewReader(raw)); err != nil {
		var se *smtp.SMTPError
		if errors.As(err, &se) && se.Code >= 500 && se.Code < 600 {
			return events.Permanent(fmt.Errorf("mail: rejected: %w", err))
		}
		return fmt.Errorf("mail: send: %w", err)
	}
	return c.Quit()
}

// MessageID is the Message-ID (without angle brackets) of the mail a
// command sends: the same for every delivery of the command.
func MessageID(commandID string) string { return commandID + "@hirebus" }
