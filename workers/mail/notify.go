package mail

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"text/template"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/outbox"
	"github.com/jmoiron/sqlx"
)

// notifyTemplates are the hiring mails (cmd.mail.notify), by template name:
// a subject and a plain-text body over MailNotify.Data.
var notifyTemplates = map[string]struct{ subject, body *template.Template }{
	events.MailTemplateInvitation: {
		template.Must(template.New("s").Parse(`You are invited to join {{.company}} on hirebus`)),
		template.Must(template.New("b").Parse("You are invited to join {{.company}} on hirebus as {{.role}}.\r\n\r\n" +
			"Open {{.link}} while signed in with this address, or join with this code: {{.token}}\r\n\r\n" +
			"The invitation works once and expires on {{.expires}}. If you did not expect it, ignore this mail.\r\n")),
	},
	events.MailTemplateAssessment: {
		template.Must(template.New("s").Parse(`{{.company}} invites you to an assessment: {{.title}}`)),
		template.Must(template.New("b").Parse("Hello {{.name}},\r\n\r\n" +
			"{{.company}} invites you to the assessment {{.title}} for {{.job}}: {{.duration}} minutes{{.window}}.\r\n\r\n" +
			"The clock starts when you press Start and is kept by the server; your answers are saved as you go and submitted when time runs out.\r\n\r\n" +
			"Open {{.link}} while signed in to read the rules and start.\r\n")),
	},
	events.MailTemplateStatus: {
		template.Must(template.New("s").Parse(`{{.job}} at {{.company}}: {{if eq .status "interview"}}interview{{else if eq .status "offer"}}an offer for you{{else}}update on your application{{end}}`)),
		template.Must(template.New("b").Parse("Hello {{.name}},\r\n\r\n" +
			"{{if eq .status \"interview\"}}{{.company}} would like to interview you for {{.job}}.{{else if eq .status \"offer\"}}{{.company}} has made you an offer for {{.job}}.{{else}}{{.company}} has decided not to go further with your application for {{.job}}.{{end}}\r\n" +
			"{{if .note}}\r\n{{.note}}\r\n{{end}}\r\nSee your applications on hirebus for details.\r\n")),
	},
	events.MailTemplateInterview: {
		template.Must(template.New("s").Parse(`{{if eq .action "cancelled"}}Cancelled: {{else if eq .action "rescheduled"}}Moved: {{end}}interview for {{.job}} at {{.company}}`)),
		template.Must(template.New("b").Parse("Hello {{.name}},\r\n\r\n" +
			"{{if eq .action \"cancelled\"}}The interview for {{.job}} at {{.company}} on {{.when}} is cancelled.{{else if eq .action \"rescheduled\"}}The interview for {{.job}} at {{.company}} has moved to {{.when}}.{{else}}You are invited to {{if eq .kind \"ai\"}}an AI interview{{else}}a video interview{{end}} for {{.job}} at {{.company}} on {{.when}}.{{end}}\r\n" +
			"{{if ne .action \"cancelled\"}}\r\nJoin from hirebus up to 10 minutes before the start: {{.link}}\r\n{{end}}" +
			"\r\nThe attached invite.ics updates your calendar.\r\n")),
	},
}

// renderNotify fills a hiring mail template.
func renderNotify(p events.MailNotify) (subject, body string, err error) {
	t, ok := notifyTemplates[p.Template]
	if !ok {
		t, ok = accountTemplates[p.Template] // account.go
	}
	if !ok || !strings.Contains(p.To, "@") {
		return "", "", events.Permanent(fmt.Errorf("mail: bad notify payload (template %q)", p.Template))
	}
	var s, b bytes.Buffer
	if err := t.subject.Execute(&s, p.Data); err != nil {
		return "", "", events.Permanent(fmt.Errorf("mail: render subject: %w", err))
	}
	if err := t.body.Execute(&b, p.Data); err != nil {
		return "", "", events.Permanent(fmt.Errorf("mail: render body: %w", err))
	}
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s.String()), b.String(), nil
}

// notifyMail sends one templated hiring mail; a redelivered command whose
// mail already left is only acknowledged.
func (w *Worker) notifyMail(ctx context.Context, env events.Envelope) error {
	var p events.MailNotify
	if err := env.Decode(&p); err != nil {
		return err
	}
	subject, body, err := renderNotify(p)
	if err != nil {
		return err
	}
	done, err := ops.Processed(ctx, w.deps.DB, env.ID)
	if err != nil || done {
		return err
	}
	// A redelivery that sends again repeats the same message (same Message-ID).
	m := Message{From: w.cfg.From, To: []string{p.To}, Subject: subject, Text: body, MessageID: MessageID(env.ID)}
	for _, a := range p.Attachments {
		m.Attachments = append(m.Attachments, Attachment{Filename: a.Filename, ContentType: a.ContentType, Data: a.Data})
	}
	if err := w.sendMessage(ctx, m); err != nil {
		return err
	}
	return w.deps.Relay.Tx(ctx, func(tx *sqlx.Tx, _ *outbox.Batch) error {
		_, err := ops.Claim(ctx, tx, env.ID, events.RoleMail)
		return err
	})
}
