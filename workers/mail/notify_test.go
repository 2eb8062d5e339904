package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/mailbox"
	"github.com/hirebus/hirebus/workers/mail"
)

// TestNotifyMailTemplates: each hiring template renders its mail, a
// redelivered command sends nothing more, and a bad payload is permanent.
func TestNotifyMailTemplates(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	w, err := mail.New(mail.Config{SMTPAddr: p.Mailbox.Addr(), CodeKey: platformtest.MailCodeKey}, mail.Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	meta := events.Meta{Subject: events.CmdMailNotify, Delivered: 1}
	for _, tc := range []struct {
		name, to, template string
		data               map[string]string
		subject, body      string
	}{
		{"invitation", "inv@example.com", events.MailTemplateInvitation,
			map[string]string{"company": "Acme", "role": "recruiter", "token": "TOKEN123", "link": "http://h/join#TOKEN123", "expires": "2030-01-01"},
			"You are invited to join Acme on hirebus", "join with this code: TOKEN123"},
		{"interview", "ivy@example.com", events.MailTemplateStatus,
			map[string]string{"name": "ivy", "job": "Go engineer", "company": "Acme", "status": "interview", "note": "Tuesday?"},
			"Go engineer at Acme: interview", "would like to interview you for Go engineer"},
		{"offer", "olga@example.com", events.MailTemplateStatus,
			map[string]string{"name": "olga", "job": "Go engineer", "company": "Acme", "status": "offer"},
			"Go engineer at Acme: an offer for you", "has made you an offer"},
		{"rejected", "rex@example.com", events.MailTemplateStatus,
			map[string]string{"name": "rex", "job": "Go engineer", "company": "Acme", "status": "rejected"},
			"Go engineer at Acme: update on your application", "not to go further"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, _ := events.NewEnvelope(events.CmdMailNotify, "", 1, events.MailNotify{To: tc.to, Template: tc.template, Data: tc.data})
			for i := 0; i < 2; i++ { // the second delivery repeats nothing
				if err := w.Handle(ctx, env, meta); err != nil {
					t.Fatal(err)
				}
			}
			m, err := p.Mailbox.WaitFor(tc.to, 5*time.Second, func(mailbox.Mail) bool { return true })
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tc.subject || !strings.Contains(m.Body, tc.body) {
				t.Fatalf("mail %q / %q", m.Subject, m.Body)
			}
			n := 0
			for _, m := range p.Mailbox.List() {
				if m.To[0] == tc.to {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%d mails to %s", n, tc.to)
			}
		})
	}
	env, _ := events.NewEnvelope(events.CmdMailNotify, "", 1, events.MailNotify{To: "x@example.com", Template: "nope"})
	if err := w.Handle(ctx, env, meta); !events.IsPermanent(err) {
		t.Fatalf("unknown template: %v", err)
	}
}
