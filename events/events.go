// Package events is hirebus's bus vocabulary: every stream, subject, consumer
// name and payload type lives here, together with the one publish helper and
// the one consume loop every worker uses. Nothing else in the code base spells
// a subject string.
//
// Three JetStream streams:
//   - CMD (work queue, subjects cmd.<worker>.<verb>): commands the edge
//     accepted; each worker role has one durable pull consumer filtered to its
//     own subjects, so a command is processed by exactly one replica.
//   - EVT (limits, subjects evt.>): results and facts. Events for a user are
//     published on evt.u.<userID>.<type>, so an edge can replay what one user
//     missed with a filtered consumer; system-wide facts use evt.sys.<type>.
//   - DLQ (limits, subjects dlq.>): commands that failed permanently or ran out
//     of deliveries, kept for inspection and replay.
package events

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Stream names.
const (
	StreamCommands   = "CMD"
	StreamEvents     = "EVT"
	StreamDeadLetter = "DLQ"
)

// Worker roles; each is one durable consumer on CMD.
const (
	RoleMail    = "mail"
	RoleFace    = "face"
	RoleCode    = "code"
	RoleScore   = "score"
	RoleProctor = "proctor"
	// RoleAssess runs the assessment deadline sweeper (domain/assess); it
	// consumes no commands.
	RoleAssess = "assess"
)

// Command subjects.
const (
	CmdMailSendOTP     = "cmd.mail.send_otp"
	CmdMailWelcome     = "cmd.mail.welcome"
	CmdFaceEnroll      = "cmd.face.enroll"
	CmdFaceIdentify    = "cmd.face.identify"
	CmdFaceDetect      = "cmd.face.detect"
	CmdFaceFrameCheck  = "cmd.face.frame_check"
	CmdFaceDeleteUser  = "cmd.face.delete_user"
	CmdCodeExecute     = "cmd.code.execute"
	CmdCodeSubmit      = "cmd.code.submit"
	CmdSessionsCleanup = "cmd.mail.sessions_cleanup"
)

// Event types (the part of an event subject after the addressee).
const (
	EvtOpCompleted        = "op.completed"
	EvtOpProgress         = "op.progress"
	EvtOTPSent            = "otp.sent"
	EvtNotification       = "notification"
	EvtSessionRevoked     = "session.revoked"
	EvtFaceIndexChanged   = "face.index_changed"
	EvtFaceEnrollProgress = "face.enroll.progress"
	EvtFaceAbsent         = "face.absent"
	EvtFaceMultiple       = "face.multiple"
	EvtFaceMismatch       = "face.mismatch"
	EvtCodeTest           = "code.test"
)

// Operation types (operations.type, op.completed's op_type and the envelope
// type of their commands). The values are stored; never change one.
const (
	OpSendOTP        = "send_otp"
	OpWelcome        = "welcome"
	OpFaceEnroll     = "face_enroll"
	OpFaceIdentify   = "face_identify"
	OpFaceDetect     = "face_detect"
	OpFaceFrameCheck = "face_frame_check"
	OpCodeExecute    = "code.execute"
	OpCodeSubmit     = "code.submit"
	// OpForgotPassword is a forgot-password mail; GET /api/ops/:id never
	// shows it (whether one exists would tell who is registered).
	OpForgotPassword = "forgot_password"
	// OpFaceDelete removes a user's face enrolment (password reset).
	OpFaceDelete = "face_delete"
)

// Subject filters.
const (
	SubjectAllCommands   = "cmd.>"
	SubjectAllEvents     = "evt.>"
	SubjectUserEvents    = "evt.u.>"
	SubjectSystemEvents  = "evt.sys.>"
	SubjectAllDeadLetter = "dlq.>"
)

// RoleSubject is the filter a worker role consumes.
func RoleSubject(role string) string { return "cmd." + role + ".>" }

// ConsumerName is the durable consumer of a role; all replicas share it.
func ConsumerName(role string) string { return "worker-" + role }

// UserSubject is where an event for one user is published. User 0 stands for
// "no account yet" (e.g. an OTP before registration); its events are still
// seen by the edge that waits for the operation.
func UserSubject(userID uint64, typ string) string {
	return "evt.u." + strconv.FormatUint(userID, 10) + "." + typ
}

// UserFilter selects every event addressed to one user.
func UserFilter(userID uint64) string {
	return "evt.u." + strconv.FormatUint(userID, 10) + ".>"
}

// SystemSubject is where a system-wide fact is published.
func SystemSubject(typ string) string { return "evt.sys." + typ }

// DeadLetterSubject keeps the original subject after the dlq. prefix.
func DeadLetterSubject(orig string) string { return "dlq." + orig }

// ParseUserSubject splits evt.u.<id>.<type>.
func ParseUserSubject(subject string) (userID uint64, typ string, ok bool) {
	rest, found := strings.CutPrefix(subject, "evt.u.")
	if !found {
		return 0, "", false
	}
	idStr, typ, found := strings.Cut(rest, ".")
	if !found {
		return 0, "", false
	}
	id, err := strconv.ParseUint(idStr, 10, 64)
	if err != nil {
		return 0, "", false
	}
	return id, typ, true
}

// Envelope wraps every message on the bus.
type Envelope struct {
	ID            string          `json:"id"`
	Type          string          `json:"type"`
	CorrelationID string          `json:"correlation_id,omitempty"`
	ActorUserID   uint64          `json:"actor_user_id,omitempty"`
	Time          time.Time       `json:"time"`
	Payload       json.RawMessage `json:"payload"`
}

// NewID returns a UUIDv7: time-ordered (good for indexes and logs) with 74
// random bits (unguessable enough for operation ids shown to clients).
func NewID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

// NewEnvelope builds an envelope with a fresh id around payload.
func NewEnvelope(typ, correlationID string, actor uint64, payload any) (Envelope, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return Envelope{}, fmt.Errorf("events: marshal %s payload: %w", typ, err)
	}
	return Envelope{
		ID:            NewID(),
		Type:          typ,
		CorrelationID: correlationID,
		ActorUserID:   actor,
		Time:          time.Now().UTC(),
		Payload:       raw,
	}, nil
}

// Decode unmarshals the payload into v.
func (e Envelope) Decode(v any) error {
	if err := json.Unmarshal(e.Payload, v); err != nil {
		return Permanent(fmt.Errorf("events: decode %s payload: %w", e.Type, err))
	}
	return nil
}
