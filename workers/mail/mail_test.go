package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
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
