package events

// Hiring-domain vocabulary: the mail command the domain packages send for
// invitations and application status changes, and the payload of the
// `notification` event pushed to a user over /ws.

// CmdMailNotify asks the mail worker to send one templated mail.
const CmdMailNotify = "cmd.mail.notify"

// Mail templates the mail worker knows (MailNotify.Template).
const (
	MailTemplateInvitation = "invitation"
	MailTemplateStatus     = "application_status"
)

// MailNotify is one templated mail; Data fills the template's fields.
type MailNotify struct {
	To       string            `json:"to"`
	Template string            `json:"template"`
	Data     map[string]string `json:"data"`
	// Attachments go with the mail (e.g. an interview's .ics).
	Attachments []MailAttachment `json:"attachments,omitempty"`
}

// MailAttachment is one file of a MailNotify (Data is base64 in JSON).
type MailAttachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// Notification is the payload of a `notification` event: the stored row as
// the recipient sees it in GET /api/notifications.
type Notification struct {
	ID        uint64         `json:"id"`
	Kind      string         `json:"kind"`
	Title     string         `json:"title"`
	Body      string         `json:"body"`
	Data      map[string]any `json:"data,omitempty"`
	CreatedAt string         `json:"created_at"`
}
