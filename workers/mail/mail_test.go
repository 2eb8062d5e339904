package mail_test

import (
	"context"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/mailbox"
)

// TestKilledWorkerRedelivery kills a mail worker in the middle of a send-otp
// command (code stored, mail not yet sent). Another replica gets the command
// after AckWait and completes it; the effect (one code row, one mail, one
// completed op) happens once.
func TestKilledWorkerRedelivery(t *testing.T) {
	policy := &events.ConsumerPolicy{AckWait: time.Second, MaxDeliver: 5, Backoff: []time.Duration{100 * time.Millisecond}, MaxAckPending: 8}
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	reached := make(chan struct{}, 1)
	kill := p.StartMailWorker(t, policy, func(ctx context.Context, _ events.Envelope) error {
		reached <- struct{}{}
		<-ctx.Done() // hang until killed, like a process stuck mid-command
		return ctx.Err()
	})
	email := "crash@example.com"
	r := p.Do("POST", "/api/auth/send-otp", "", map[string]string{"email": email, "purpose": "register"})
	if r.Status != 202 {
		t.Fatalf("send-otp: %d %s", r.Status, r.Body)
	}
	opID := r.Map(t)["op_id"].(string)
	select {
	case <-reached:
	case <-time.After(10 * time.Second):
		t.Fatal("first worker never got the command")
	}
	kill()
	if n := len(p.Mailbox.List()); n != 0 {
		t.Fatalf("mail sent before the crash point: %d", n)
	}

	p.StartMailWorker(t, policy, nil)
	op := p.WaitOp("", opID, 15*time.Second)
	if op["status"] != "done" {
		t.Fatalf("op after redelivery: %v", op)
	}
	var rows, processed int
	if err := p.DB.Get(&rows, `SELECT COUNT(*) FROM otp_codes WHERE email = ?`, email); err != nil {
		t.Fatal(err)
	}
	if err := p.DB.Get(&processed, `SELECT COUNT(*) FROM processed_commands`); err != nil {
		t.Fatal(err)
	}
	mails := 0
	for _, m := range p.Mailbox.List() {
		if strings.EqualFold(m.To[0], email) {
			mails++
		}
	}
	if rows != 1 || mails != 1 || processed != 1 {
		t.Fatalf("effect not exactly once: otp rows %d, mails %d, processed %d", rows, mails, processed)
	}
}

// TestDuplicateDeliveryAfterCommit hands the same command to a worker twice,
// as JetStream does when an ack is lost after the effect committed.
func TestDuplicateDeliveryAfterCommit(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	u := p.Register("dup", "candidate")
	var opID string
	if err := p.DB.Get(&opID, `SELECT id FROM operations WHERE type = 'welcome' AND user_id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	p.WaitOp(u.Token, opID, 10*time.Second)
	// Re-publish the stored command under the same message id after the
	// dedup window would have let it through: the worker must not re-send.
	env, err := events.NewEnvelope("welcome", opID, u.ID, events.Welcome{UserID: u.ID, Email: u.Email, Username: u.Username})
	if err != nil {
		t.Fatal(err)
	}
	var cmdID string
	if err := p.DB.Get(&cmdID, `SELECT command_id FROM processed_commands ORDER BY processed_at DESC LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	env.ID = cmdID
	pub := events.NewPublisher(p.JS)
	// Purge dedup state by publishing with a different Nats-Msg-Id but the same envelope id.
	data, h, _ := events.Encode(context.Background(), env)
	if err := pub.PublishRaw(context.Background(), events.CmdMailWelcome, "redelivery-"+cmdID, data, h); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 10*time.Second, func() bool {
		c, err := p.JS.Consumer(context.Background(), events.StreamCommands, events.ConsumerName(events.RoleMail))
		if err != nil {
			return false
		}
		ci, err := c.Info(context.Background())
		return err == nil && ci.NumPending == 0 && ci.NumAckPending == 0
	}, "duplicate not consumed")
	welcomes := 0
	for _, m := range p.Mailbox.List() {
		if m.Subject == "Welcome to hirebus" {
			welcomes++
		}
	}
	if welcomes != 1 {
		t.Fatalf("welcome mails: %d, want 1", welcomes)
	}
}

// TestRedeliveryAfterSMTPAcceptedSendsSameCode kills a mail worker after the
// SMTP server answered 250 for a one-time code and before the code was
// marked sent. The redelivery mails again, but the same message with the
// same code, and the code the user already received still verifies.
func TestRedeliveryAfterSMTPAcceptedSendsSameCode(t *testing.T) {
	policy := &events.ConsumerPolicy{AckWait: time.Second, MaxDeliver: 5, Backoff: []time.Duration{100 * time.Millisecond}, MaxAckPending: 8}
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	reached := make(chan struct{}, 1)
	kill := p.StartMailWorkerHooks(t, policy, nil, func(ctx context.Context, _ events.Envelope) error {
		reached <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	})
	email := "after250@example.com"
	r := p.Do("POST", "/api/auth/send-otp", "", map[string]string{"email": email, "purpose": "register"})
	if r.Status != 202 {
		t.Fatalf("send-otp: %d %s", r.Status, r.Body)
	}
	opID := r.Map(t)["op_id"].(string)
	select {
	case <-reached:
	case <-time.After(10 * time.Second):
		t.Fatal("first worker never sent the mail")
	}
	kill()
	first := mailsTo(p, email)
	if len(first) != 1 {
		t.Fatalf("mails before the crash: %d, want 1", len(first))
	}

	p.StartMailWorker(t, policy, nil)
	if op := p.WaitOp("", opID, 15*time.Second); op["status"] != "done" {
		t.Fatalf("op after redelivery: %v", op)
	}
	all := mailsTo(p, email)
	if len(all) != 2 {
		t.Fatalf("mails after redelivery: %d, want 2 (the repeat of the first)", len(all))
	}
	if all[0].Body != all[1].Body || all[0].MessageID != all[1].MessageID || all[0].MessageID == "" {
		t.Fatalf("the redelivery sent a different mail:\n%q %q\n%q %q", all[0].MessageID, all[0].Body, all[1].MessageID, all[1].Body)
	}
	code := codeIn(t, first[0].Body)
	var rows int
	if err := p.DB.Get(&rows, `SELECT COUNT(*) FROM otp_codes WHERE email = ?`, email); err != nil || rows != 1 {
		t.Fatalf("otp rows: %d (%v), want 1", rows, err)
	}
	r = p.Do("POST", "/api/auth/verify-otp", "", map[string]string{"email": email, "otp": code, "purpose": "register"})
	if r.Status != 200 {
		t.Fatalf("the first mailed code no longer verifies: %d %s", r.Status, r.Body)
	}
}

// TestWelcomeRedeliveryAfterSMTPAccepted: the welcome mail repeated by a
// redelivery is the same message (same Message-ID and text), and the
// operation completes once.
func TestWelcomeRedeliveryAfterSMTPAccepted(t *testing.T) {
	policy := &events.ConsumerPolicy{AckWait: time.Second, MaxDeliver: 5, Backoff: []time.Duration{100 * time.Millisecond}, MaxAckPending: 8}
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	var crashed atomic.Bool
	reached := make(chan struct{}, 1)
	kill := p.StartMailWorkerHooks(t, policy, nil, func(ctx context.Context, env events.Envelope) error {
		if env.Type != "welcome" || !crashed.CompareAndSwap(false, true) {
			return nil
		}
		reached <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	})
	done := make(chan platformtest.User, 1)
	go func() { done <- p.Register("welcomed", "candidate") }()
	select {
	case <-reached:
	case <-time.After(20 * time.Second):
		t.Fatal("welcome never sent")
	}
	kill()
	p.StartMailWorker(t, policy, nil)
	u := <-done
	var opID string
	if err := p.DB.Get(&opID, `SELECT id FROM operations WHERE type = 'welcome' AND user_id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	if op := p.WaitOp(u.Token, opID, 15*time.Second); op["status"] != "done" {
		t.Fatalf("welcome op: %v", op)
	}
	var welcomes []mailbox.Mail
	for _, m := range mailsTo(p, u.Email) {
		if m.Subject == "Welcome to hirebus" {
			welcomes = append(welcomes, m)
		}
	}
	if len(welcomes) != 2 || welcomes[0].MessageID != welcomes[1].MessageID || welcomes[0].Body != welcomes[1].Body {
		t.Fatalf("welcome mails: %+v, want the same message twice", welcomes)
	}
}

func mailsTo(p *platformtest.Platform, email string) []mailbox.Mail {
	var out []mailbox.Mail
	for _, m := range p.Mailbox.List() {
		if strings.EqualFold(m.To[0], email) {
			out = append(out, m)
		}
	}
	return out
}

var codeRE = regexp.MustCompile(`code is (\d{6})`)

func codeIn(t *testing.T, body string) string {
	t.Helper()
	m := codeRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no code in %q", body)
	}
	return m[1]
}
