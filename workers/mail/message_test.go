package mail

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	gomail "github.com/emersion/go-message/mail"
)

type parsed struct {
	header      gomail.Header
	text, html  string
	attachments map[string]string // filename -> content type
	attData     map[string]string
}

func parse(t *testing.T, raw []byte) parsed {
	t.Helper()
	r, err := gomail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("go-message cannot read the built mail: %v\n%s", err, raw)
	}
	p := parsed{header: r.Header, attachments: map[string]string{}, attData: map[string]string{}}
	for {
		part, err := r.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(part.Body)
		switch h := part.Header.(type) {
		case *gomail.InlineHeader:
			ct, params, _ := h.ContentType()
			if params["charset"] != "utf-8" {
				t.Errorf("%s part has charset %q", ct, params["charset"])
			}
			switch ct {
			case "text/plain":
				p.text = string(body)
			case "text/html":
				p.html = string(body)
			default:
				t.Errorf("unexpected inline part %s", ct)
			}
		case *gomail.AttachmentHeader:
			name, _ := h.Filename()
			ct, _, _ := h.ContentType()
			p.attachments[name] = ct
			p.attData[name] = string(body)
		}
	}
	return p
}

func TestMessageBuild(t *testing.T) {
	date := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
	cases := []struct {
		name        string
		msg         Message
		wantRaw     []string // substrings of the encoded mail
		wantHTML    string
		attachments map[string]string
	}{
		{
			name: "ascii text only",
			msg: Message{From: "hirebus <no-reply@hirebus.local>", To: []string{"ana@example.com"},
				Subject: "Your hirebus verification code", Text: "Your hirebus code is 123456\r\n\r\nIt expires in 10 minutes.\r\n", Date: date},
			wantRaw:  []string{"Subject: Your hirebus verification code", "Content-Type: multipart/alternative", "Date: Wed, 04 Mar 2026 05:06:07 +0000", "@hirebus.local>"},
			wantHTML: "<p>Your hirebus code is 123456</p>\n<p>It expires in 10 minutes.</p>",
		},
		{
			name: "unicode headers are RFC 2047 encoded",
			msg: Message{From: "Équipe hirebus <no-reply@hirebus.local>", To: []string{"José Núñez <jose@example.com>"},
				Subject: "Bienvenue, José — ça marche", Text: "Salut <José> & co", Date: date, MessageID: "op-42@hirebus.local"},
			wantRaw:  []string{"Subject: =?utf-8?", "From: =?utf-8?", "To: =?utf-8?", "Message-Id: <op-42@hirebus.local>"},
			wantHTML: "<p>Salut &lt;José&gt; &amp; co</p>",
		},
		{
			name: "attachments go in multipart/mixed",
			msg: Message{From: "no-reply@hirebus.local", To: []string{"a@example.com", "b@example.com"}, Subject: "Interview",
				Text: "See the invitation.", HTML: "<p><b>See</b> the invitation.</p>", Date: date,
				Attachments: []Attachment{{Filename: "invite.ics", ContentType: "text/calendar; charset=utf-8; method=REQUEST", Data: []byte(ics)}}},
			wantRaw:     []string{"Content-Type: multipart/mixed", "Content-Type: multipart/alternative"},
			wantHTML:    "<p><b>See</b> the invitation.</p>",
			attachments: map[string]string{"invite.ics": "text/calendar"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := tc.msg.Build()
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.wantRaw {
				if !strings.Contains(string(raw), w) {
					t.Errorf("built mail lacks %q:\n%s", w, raw)
				}
			}
			for _, line := range strings.SplitAfter(string(raw), "\r\n") {
				if len(line) > 998+2 {
					t.Errorf("line longer than RFC 5322 allows: %d bytes", len(line))
				}
			}
			p := parse(t, raw)
			if s, _ := p.header.Subject(); s != tc.msg.Subject {
				t.Errorf("subject decodes to %q, want %q", s, tc.msg.Subject)
			}
			from, _ := p.header.AddressList("From")
			to, _ := p.header.AddressList("To")
			if len(from) != 1 || len(to) != len(tc.msg.To) {
				t.Fatalf("from %v to %v", from, to)
			}
			wantFrom, _ := gomail.ParseAddress(tc.msg.From)
			if from[0].Address != wantFrom.Address || from[0].Name != wantFrom.Name {
				t.Errorf("from decodes to %v, want %v", from[0], wantFrom)
			}
			if d, _ := p.header.Date(); !d.Equal(date) {
				t.Errorf("date %v, want %v", d, date)
			}
			id, _ := p.header.MessageID()
			if id == "" || (tc.msg.MessageID != "" && id != tc.msg.MessageID) {
				t.Errorf("message id %q (set %q)", id, tc.msg.MessageID)
			}
			if strings.ReplaceAll(p.text, "\r\n", "\n") != strings.ReplaceAll(tc.msg.Text, "\r\n", "\n") {
				t.Errorf("text part %q, want %q", p.text, tc.msg.Text)
			}
			if !strings.Contains(strings.ReplaceAll(p.html, "\r\n", "\n"), tc.wantHTML) {
				t.Errorf("html part %q lacks %q", p.html, tc.wantHTML)
			}
			if len(p.attachments) != len(tc.attachments) {
				t.Fatalf("attachments %v, want %v", p.attachments, tc.attachments)
			}
			for name, ct := range tc.attachments {
				if p.attachments[name] != ct {
					t.Errorf("attachment %s: %q, want %q", name, p.attachments[name], ct)
				}
				if name == "invite.ics" && p.attData[name] != ics {
					t.Errorf("attachment %s content %q", name, p.attData[name])
				}
			}
		})
	}
}

func TestMessageBuildRefusesBadInput(t *testing.T) {
	cases := []struct {
		name string
		msg  Message
	}{
		{"no sender", Message{To: []string{"a@example.com"}, Text: "x"}},
		{"no recipient", Message{From: "a@example.com", Text: "x"}},
		{"no text", Message{From: "a@example.com", To: []string{"b@example.com"}}},
		{"bad recipient", Message{From: "a@example.com", To: []string{"not an address"}, Text: "x"}},
		{"header injection", Message{From: "a@example.com", To: []string{"b@example.com\r\nBcc: c@example.com"}, Text: "x"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.msg.Build(); !errors.Is(err, ErrBadMessage) {
				t.Fatalf("Build err = %v, want ErrBadMessage", err)
			}
		})
	}
}

func TestMessageIDsAreUnique(t *testing.T) {
	m := Message{From: "no-reply@hirebus.local", To: []string{"a@example.com"}, Text: "x"}
	seen := map[string]bool{}
	for range 50 {
		raw, err := m.Build()
		if err != nil {
			t.Fatal(err)
		}
		h := parse(t, raw).header
		id, _ := h.MessageID()
		if seen[id] || !strings.HasSuffix(id, "@hirebus.local") {
			t.Fatalf("message id %q repeated or not on the sender's domain", id)
		}
		seen[id] = true
	}
}
