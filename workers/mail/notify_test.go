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
		// Account notices (account.go).
		{"password changed", "pat@example.com", events.MailTemplatePasswordChanged,
			map[string]string{"name": "pat"},
			"Your hirebus password was changed", "If this was not you, reset your password"},
		{"face changed", "fay@example.com", events.MailTemplateFaceChanged,
			map[string]string{"name": "fay"},
			"Your hirebus face sign-in was changed", "New photos for face sign-in"},
		{"face deleted", "del@example.com", events.MailTemplateFaceDeleted,
			map[string]string{"name": "del"},
			"Your hirebus face data was deleted", "face data of your hirebus account was deleted"},
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

// TestInterviewMailAttachesCalendar: the interview template renders per
// action and carries its .ics as a text/calendar attachment, once.
func TestInterviewMailAttachesCalendar(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	w, err := mail.New(mail.Config{SMTPAddr: p.Mailbox.Addr(), CodeKey: platformtest.MailCodeKey}, mail.Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log})
	if err != nil {
		t.Fatal(err)
	}
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hirebus//EN\r\nMETHOD:CANCEL\r\nEND:VCALENDAR\r\n"
	for _, tc := range []struct{ action, subject, body string }{
		{"scheduled", "interview for Go engineer at Acme", "You are invited to a video interview"},
		{"rescheduled", "Moved: interview for Go engineer at Acme", "has moved to Tue 1 Dec"},
		{"cancelled", "Cancelled: interview for Go engineer at Acme", "is cancelled"},
	} {
		t.Run(tc.action, func(t *testing.T) {
			to := tc.action + "@example.com"
			env, _ := events.NewEnvelope(events.CmdMailNotify, "", 1, events.MailNotify{To: to, Template: events.MailTemplateInterview,
				Data: map[string]string{"name": "ivy", "job": "Go engineer", "company": "Acme", "when": "Tue 1 Dec 2026 14:00 (UTC+01:00), 45 minutes",
					"action": tc.action, "link": "http://h/interviews.html#interview=1", "kind": "live"},
				Attachments: []events.MailAttachment{{Filename: "invite.ics", ContentType: "text/calendar; charset=utf-8; method=CANCEL", Data: []byte(ics)}}})
			for i := 0; i < 2; i++ {
				if err := w.Handle(context.Background(), env, events.Meta{Subject: events.CmdMailNotify, Delivered: 1}); err != nil {
					t.Fatal(err)
				}
			}
			m, err := p.Mailbox.WaitFor(to, 5*time.Second, func(mailbox.Mail) bool { return true })
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tc.subject || !strings.Contains(m.Body, tc.body) || len(m.Attachments) != 1 || !strings.Contains(m.Attachments[0], "invite.ics") {
				t.Fatalf("mail %q / %q / %v", m.Subject, m.Body, m.Attachments)
			}
			n := 0
			for _, m := range p.Mailbox.List() {
				if m.To[0] == to {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("%d mails to %s: a redelivery sent another", n, to)
			}
		})
	}
}
