package mail

import (
	"text/template"

	"github.com/hirebus/hirebus/events"
)

// accountTemplates are the security notices sent after a change to how the
// person signs in (cmd.mail.notify with an events.MailTemplate* of
// events/account.go). They say what changed and what to do if it was not
// them; they never carry a link that signs in.
var accountTemplates = map[string]struct{ subject, body *template.Template }{
	events.MailTemplatePasswordChanged: {
		template.Must(template.New("s").Parse(`Your hirebus password was changed`)),
		template.Must(template.New("b").Parse("Hello {{.name}},\r\n\r\n" +
			"The password of your hirebus account was just changed, and every other session was signed out. " +
			"Face sign-in was switched off as well; set it up again from Home if you use it.\r\n\r\n" +
			"If this was not you, reset your password now with \"Forgot password?\" on the sign-in page, and tell your administrator.\r\n")),
	},
	events.MailTemplateFaceChanged: {
		template.Must(template.New("s").Parse(`Your hirebus face sign-in was changed`)),
		template.Must(template.New("b").Parse("Hello {{.name}},\r\n\r\n" +
			"New photos for face sign-in were just saved for your hirebus account; the previous ones no longer sign you in.\r\n\r\n" +
			"If this was not you, reset your password now with \"Forgot password?\" on the sign-in page: that also removes the face data.\r\n")),
	},
	events.MailTemplateFaceDeleted: {
		template.Must(template.New("s").Parse(`Your hirebus face data was deleted`)),
		template.Must(template.New("b").Parse("Hello {{.name}},\r\n\r\n" +
			"As you asked, the face data of your hirebus account was deleted and face sign-in is off. " +
			"You can set it up again from Home at any time.\r\n\r\n" +
			"If this was not you, reset your password now with \"Forgot password?\" on the sign-in page.\r\n")),
	},
}
