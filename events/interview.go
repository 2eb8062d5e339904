package events

import "strings"

// Interview vocabulary: the mail template of invitations, reschedules and
// cancellations (with their .ics), and the NATS core subjects that carry a
// room's messages between edges.

// MailTemplateInterview is the interview mail (Data: name, job, company,
// when, action = scheduled | rescheduled | cancelled, link).
const MailTemplateInterview = "interview"

// RoomPrefix starts every interview room subject: room.<room id>. These are
// NATS core subjects (not in a stream): a room's live traffic is
// ephemeral; what must last (chat) is stored in MySQL before it is sent.
const RoomPrefix = "room."

// RoomSubject is the subject of one interview room.
func RoomSubject(roomID string) string { return RoomPrefix + roomID }

// ValidRoomID reports whether id can name a room (32 lowercase hex
// characters): anything else never becomes a subject.
func ValidRoomID(id string) bool {
	if len(id) != 32 {
		return false
	}
	return strings.Trim(id, "0123456789abcdef") == ""
}
