package mail

// Building mails. Every mail hirebus sends is assembled here with
// github.com/emersion/go-message (the same author's companion to go-smtp),
// so headers are RFC 2047 encoded, each mail has a Date and a Message-ID,
// and the body is multipart/alternative (plain text and HTML). Attachments
// (an invitation's .ics, a report's PDF) put the alternatives inside
// multipart/mixed. Templates build a Message and call Build; nothing writes
// MIME by hand.

import (
	"bytes"
	"errors"
	"fmt"
	"html"
	"io"
	"strings"
	"time"

	gomail "github.com/emersion/go-message/mail"
)

// Message is one outgoing mail.
type Message struct {
	// From is the sender, "Name <addr>" or a bare address.
	From string
	// To are the recipients, each "Name <addr>" or a bare address.
	To []string
	// Subject may hold any Unicode; it is encoded as RFC 2047 when needed.
	Subject string
	// Text is the plain-text body (required).
	Text string
	// HTML is the HTML body; empty means Text, escaped, in paragraphs.
	HTML string
	// Attachments follow the body (e.g. an invitation's .ics).
	Attachments []Attachment
	// Date is the Date header (zero: now).
	Date time.Time
	// MessageID is the Message-ID without angle brackets (empty: a random
	// id on the sender's domain). A caller that may send the same mail
	// twice (a redelivered command) passes a stable one.
	MessageID string
}

// Attachment is one file attached to a Message.
type Attachment struct {
	// Filename is shown to the recipient (any Unicode).
	Filename string
	// ContentType is the media type with parameters, e.g.
	// "text/calendar; charset=utf-8; method=REQUEST".
	ContentType string
	Data        []byte
}

// ErrBadMessage reports a Message that cannot be built (no sender, no
// recipient, no text, an unparsable address).
var ErrBadMessage = errors.New("mail: bad message")

// EnvelopeFrom is the bare address of the sender, for SMTP's MAIL FROM.
func (m Message) EnvelopeFrom() (string, error) {
	a, err := parseAddress(m.From)
	if err != nil {
		return "", err
	}
	return a.Address, nil
}

// Recipients are the bare addresses of To, for SMTP's RCPT TO.
func (m Message) Recipients() ([]string, error) {
	out := make([]string, 0, len(m.To))
	for _, t := range m.To {
		a, err := parseAddress(t)
		if err != nil {
			return nil, err
		}
		out = append(out, a.Address)
	}
	return out, nil
}

func parseAddress(s string) (*gomail.Address, error) {
	a, err := gomail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("%w: address %q: %v", ErrBadMessage, s, err)
	}
	return a, nil
}

// Build renders the message as RFC 5322 bytes, ready for SMTP DATA.
func (m Message) Build() ([]byte, error) {
	if m.From == "" || len(m.To) == 0 || m.Text == "" {
		return nil, fmt.Errorf("%w: from, to and text are required", ErrBadMessage)
	}
	from, err := parseAddress(m.From)
	if err != nil {
		return nil, err
	}
	to := make([]*gomail.Address, 0, len(m.To))
	for _, t := range m.To {
		a, err := parseAddress(t)
		if err != nil {
			return nil, err
		}
		to = append(to, a)
	}
	var h gomail.Header
	h.SetAddressList("From", []*gomail.Address{from})
	h.SetAddressList("To", to)
	h.SetSubject(m.Subject)
	date := m.Date
	if date.IsZero() {
		date = time.Now()
	}
	h.SetDate(date.UTC())
	if m.MessageID != "" {
		h.SetMessageID(m.MessageID)
	} else if err := h.GenerateMessageIDWithHostname(domainOf(from.Address)); err != nil {
		return nil, fmt.Errorf("mail: message id: %w", err)
	}
	htmlBody := m.HTML
	if htmlBody == "" {
		htmlBody = textToHTML(m.Text)
	}

	var buf bytes.Buffer
	if len(m.Attachments) == 0 {
		iw, err := gomail.CreateInlineWriter(&buf, h)
		if err != nil {
			return nil, fmt.Errorf("mail: build: %w", err)
		}
		if err := writeAlternatives(iw, m.Text, htmlBody); err != nil {
			return nil, err
		}
		if err := iw.Close(); err != nil {
			return nil, fmt.Errorf("mail: build: %w", err)
		}
		return buf.Bytes(), nil
	}
	mw, err := gomail.CreateWriter(&buf, h)
	if err != nil {
		return nil, fmt.Errorf("mail: build: %w", err)
	}
	iw, err := mw.CreateInline()
	if err != nil {
		return nil, fmt.Errorf("mail: build: %w", err)
	}
	if err := writeAlternatives(iw, m.Text, htmlBody); err != nil {
		return nil, err
	}
	if err := iw.Close(); err != nil {
		return nil, fmt.Errorf("mail: build: %w", err)
	}
	for _, a := range m.Attachments {
		var ah gomail.AttachmentHeader
		ct := a.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		ah.Set("Content-Type", ct)
		ah.SetFilename(a.Filename)
		w, err := mw.CreateAttachment(ah)
		if err != nil {
			return nil, fmt.Errorf("mail: attachment %q: %w", a.Filename, err)
		}
		if _, err := w.Write(a.Data); err != nil {
			return nil, fmt.Errorf("mail: attachment %q: %w", a.Filename, err)
		}
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("mail: attachment %q: %w", a.Filename, err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("mail: build: %w", err)
	}
	return buf.Bytes(), nil
}

// writeAlternatives writes the plain-text part, then the HTML part (mail
// readers show the last alternative they understand).
func writeAlternatives(iw *gomail.InlineWriter, text, htmlBody string) error {
	for _, p := range []struct{ ct, body string }{
		{"text/plain; charset=utf-8", text},
		{"text/html; charset=utf-8", htmlBody},
	} {
		var ih gomail.InlineHeader
		ih.Set("Content-Type", p.ct)
		w, err := iw.CreatePart(ih)
		if err != nil {
			return fmt.Errorf("mail: build: %w", err)
		}
		if _, err := io.WriteString(w, p.body); err != nil {
			return fmt.Errorf("mail: build: %w", err)
		}
		if err := w.Close(); err != nil {
			return fmt.Errorf("mail: build: %w", err)
		}
	}
	return nil
}

// textToHTML renders plain text as escaped HTML paragraphs (blank lines
// separate paragraphs, single line breaks stay).
func textToHTML(text string) string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><body>\n")
	for _, para := range strings.Split(strings.TrimSpace(text), "\n\n") {
		if para = strings.TrimSpace(para); para == "" {
			continue
		}
		lines := strings.Split(para, "\n")
		for i, l := range lines {
			lines[i] = html.EscapeString(l)
		}
		b.WriteString("<p>" + strings.Join(lines, "<br>\n") + "</p>\n")
	}
	b.WriteString("</body></html>\n")
	return b.String()
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 && i < len(addr)-1 {
		return addr[i+1:]
	}
	return "hirebus.local"
}
