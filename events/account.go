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
