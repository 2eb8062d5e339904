package events

// Account notices (issue 9): mails sent after a change to how someone signs
// in, so a person whose session or password was misused hears of it.
// They go through cmd.mail.notify (MailNotify) like the hiring mails.
const (
	// MailTemplatePasswordChanged: the password was changed (Data: name).
	MailTemplatePasswordChanged = "password_changed"
	// MailTemplateFaceChanged: new face sign-in photos were enrolled
	// (Data: name).
	MailTemplateFaceChanged = "face_changed"
	// MailTemplateFaceDeleted: the person deleted their face data
	// (Data: name).
	MailTemplateFaceDeleted = "face_deleted"
)

// Codes of the privacy notices and consents (domain/consent); their classes
// are listed in classOf (codes.go).
const (
	// CodeUnknownNotice: no privacy notice has this name.
	CodeUnknownNotice Code = "unknown_notice"
	// CodeNoticeChanged: the version accepted is not the current one (the
	// page showed an older text); show the current notice again.
	CodeNoticeChanged Code = "notice_changed"
	// CodeNoConsent: the user has no consent on record.
	CodeNoConsent Code = "no_consent"
)
