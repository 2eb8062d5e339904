package events

// Typed outcomes across the bus. A worker that fails an operation reports a
// Code; every Code has a Class, and the edge maps classes (never codes) to
// HTTP statuses in one place (edge/errors.go). A new domain adds its codes
// here, one line each with their class, and needs no new mapping.

// Class is the kind of a failure: whose fault it is and what the client can
// do about it.
type Class string

// The classes. The edge answers each with one HTTP status (in brackets).
const (
	// ClassBadInput: the request is malformed or invalid; fix it (400).
	ClassBadInput Class = "bad_input"
	// ClassTooLarge: the request is over a size limit (413).
	ClassTooLarge Class = "too_large"
	// ClassUnauthorized: no valid credentials (401).
	ClassUnauthorized Class = "unauthorized"
	// ClassForbidden: the caller may see the object but their role does
	// not allow this (403).
	ClassForbidden Class = "forbidden"
	// ClassNotFound: the object named does not exist, or is not the
	// caller's to see (404).
	ClassNotFound Class = "not_found"
	// ClassConflict: the object's state does not allow this (409).
	ClassConflict Class = "conflict"
	// ClassStale: the object changed since the version the caller sent;
	// reload and retry (412).
	ClassStale Class = "stale"
	// ClassRejected: well-formed input the domain refuses, such as a photo
	// without a face; the client shows the reason (422).
	ClassRejected Class = "rejected"
	// ClassTooMany: a rate or quota was exceeded; slow down (429).
	ClassTooMany Class = "too_many"
	// ClassUnavailable: a temporary failure on our side; try again (503).
	ClassUnavailable Class = "unavailable"
	// ClassInternal: a bug or an unknown code (500).
	ClassInternal Class = "internal"
)

// Code is the public error code of a failed operation ({"code","message"}
// in OpError and in the HTTP error body). Every code is declared below as a
// constant and listed with its class in classOf.
type Code string

// Class is the code's class; a code nobody declared is ClassInternal.
func (c Code) Class() Class {
	if cl, ok := classOfCode(c); ok {
		return cl
	}
	return ClassInternal
}

// Known reports whether c is declared in this package.
func (c Code) Known() bool {
	_, ok := classOf[c]
	return ok
}

// Codes returns every declared code with its class (for documentation and
// tests).
func Codes() map[Code]Class {
	out := make(map[Code]Class, len(classOf))
	for k, v := range classOf {
		out[k] = v
	}
	return out
}

// Codes shared by every worker.
const (
	// CodeBadCommand: the command could not be decoded or names objects that
	// do not exist; the edge validates the same, so it signals a bug or a
	// forged command.
	CodeBadCommand Code = "bad_command"
	// CodeBadInput: a field of the command is invalid.
	CodeBadInput Code = "bad_input"
	// CodeInternal: the work failed on our side; the message says to try
	// again, hence unavailable rather than a 500.
	CodeInternal Code = "internal"
)

// Codes of the code worker (code.execute, code.submit).
const (
	CodeUnknownLanguage Code = "unknown_language"
	CodeEmptySource     Code = "empty_source"
	CodeSourceTooLarge  Code = "source_too_large"
	CodeBadLimit        Code = "bad_limit"
	CodeLimitTooHigh    Code = "limit_too_high"
	CodeProblemNotFound Code = "problem_not_found"
	// CodeNoTests: the problem cannot be graded until tests are added.
	CodeNoTests Code = "no_tests"
)

// Codes of the face worker: refused images and faces (shown per image by
// clients) and refused enrolments and logins.
const (
	CodeNotImage        Code = "not_image"
	CodeTruncatedImage  Code = "truncated_image"
	CodeImageTooLarge   Code = "image_too_large"
	CodeUnsupported     Code = "unsupported_image"
	CodeBadBase64       Code = "bad_base64"
	CodeFaceBadRequest  Code = "bad_request"
	CodeNoFace          Code = "no_face"
	CodeMultipleFaces   Code = "multiple_faces"
	CodeFaceTooSmall    Code = "face_too_small"
	CodeLowQualityFace  Code = "low_quality_face"
	CodeTooFewImages    Code = "too_few_images"
	CodeTooManyImages   Code = "too_many_images"
	CodeInconsistent    Code = "inconsistent_faces"
	CodeDuplicateFace   Code = "duplicate_face"
	CodeNoSuchUser      Code = "no_such_user"
	CodeNotEnrolled     Code = "not_enrolled"
	CodeFaceUnavailable Code = "face_unavailable"
	// CodeFaceFailed stands in when a failed face operation carries no error.
	CodeFaceFailed Code = "face_failed"
	// Quality gates of sign-in and enrolment frames (the message says what
	// to change: "more light", "hold still", ...).
	CodeTooDark   Code = "too_dark"
	CodeTooBright Code = "too_bright"
	CodeBlurred   Code = "blurred"
	CodeOffAngle  Code = "off_angle"
	// CodeTooManyFrames: a sign-in sent more frames than the worker takes.
	CodeTooManyFrames Code = "too_many_frames"
)

// Codes of the domain packages' rules (events.Error; the hiring domain:
// companies, jobs and applications, assessments, interviews, proctoring).
const (
	CodeNotFound           Code = "not_found" // the object does not exist or is another company's
	CodeForbidden          Code = "forbidden" // a member whose role does not allow this
	CodeInvalid            Code = "invalid"
	CodeVersionMismatch    Code = "version_mismatch"
	CodeCompanyExists      Code = "company_exists"
	CodeLastOwner          Code = "last_owner"
	CodeAlreadyMember      Code = "already_member"
	CodeInvitationInvalid  Code = "invitation_invalid"
	CodeInvitationEmail    Code = "invitation_email_mismatch"
	CodeAlreadyApplied     Code = "already_applied"
	CodeJobClosed          Code = "job_closed"
	CodeTransition         Code = "transition_not_allowed"
	CodeConsentRequired    Code = "consent_required"
	CodeLivenessRequired   Code = "liveness_required"
	CodeAssessmentStarted  Code = "assessment_started"
	CodeAlreadyStarted     Code = "already_started"
	CodeOutsideWindow      Code = "outside_window"
	CodeAttemptClosed      Code = "attempt_closed"
	CodeNotStarted         Code = "not_started"
	CodeAlreadyInvited     Code = "already_invited"
	CodeNotSubmitted       Code = "not_submitted"
	CodeNotGraded          Code = "not_graded"
	CodeApplicationClosed  Code = "application_closed"
	CodeProblemExists      Code = "problem_exists"
	CodeNotManual          Code = "not_manual"
	CodeInterviewClash     Code = "interview_clash"
	CodeInterviewCancelled Code = "interview_cancelled"
	CodeRoomNotOpen        Code = "room_not_open"
)

// classOf gives every code its class. Adding a code: a constant above and
// one line here.
var classOf = map[Code]Class{
	CodeBadCommand:      ClassBadInput,
	CodeBadInput:        ClassBadInput,
	CodeInternal:        ClassUnavailable,
	CodeUnknownLanguage: ClassBadInput,
	CodeEmptySource:     ClassBadInput,
	CodeSourceTooLarge:  ClassTooLarge,
	CodeBadLimit:        ClassBadInput,
	CodeLimitTooHigh:    ClassBadInput,
	CodeProblemNotFound: ClassNotFound,
	CodeNoTests:         ClassUnavailable,
	CodeNotImage:        ClassBadInput,
	CodeTruncatedImage:  ClassBadInput,
	CodeImageTooLarge:   ClassTooLarge,
	CodeUnsupported:     ClassBadInput,
	CodeBadBase64:       ClassBadInput,
	CodeFaceBadRequest:  ClassBadInput,
	CodeNoFace:          ClassRejected,
	CodeMultipleFaces:   ClassRejected,
	CodeFaceTooSmall:    ClassRejected,
	CodeLowQualityFace:  ClassRejected,
	CodeTooFewImages:    ClassRejected,
	CodeTooManyImages:   ClassRejected,
	CodeInconsistent:    ClassRejected,
	CodeDuplicateFace:   ClassRejected,
	CodeNoSuchUser:      ClassRejected,
	CodeNotEnrolled:     ClassRejected,
	CodeFaceUnavailable: ClassRejected,
	CodeFaceFailed:      ClassRejected,
	CodeTooDark:         ClassRejected,
	CodeTooBright:       ClassRejected,
	CodeBlurred:         ClassRejected,
	CodeOffAngle:        ClassRejected,
	CodeTooManyFrames:   ClassBadInput,

	CodeNotFound:           ClassNotFound,
	CodeForbidden:          ClassForbidden,
	CodeInvalid:            ClassBadInput,
	CodeVersionMismatch:    ClassStale,
	CodeCompanyExists:      ClassConflict,
	CodeLastOwner:          ClassConflict,
	CodeAlreadyMember:      ClassConflict,
	CodeInvitationInvalid:  ClassNotFound,
	CodeInvitationEmail:    ClassForbidden,
	CodeAlreadyApplied:     ClassConflict,
	CodeJobClosed:          ClassConflict,
	CodeTransition:         ClassConflict,
	CodeConsentRequired:    ClassBadInput,
	CodeLivenessRequired:   ClassForbidden,
	CodeAssessmentStarted:  ClassConflict,
	CodeAlreadyStarted:     ClassConflict,
	CodeOutsideWindow:      ClassConflict,
	CodeAttemptClosed:      ClassConflict,
	CodeNotStarted:         ClassConflict,
	CodeAlreadyInvited:     ClassConflict,
	CodeNotSubmitted:       ClassConflict,
	CodeNotGraded:          ClassConflict,
	CodeApplicationClosed:  ClassConflict,
	CodeProblemExists:      ClassConflict,
	CodeNotManual:          ClassConflict,
	CodeInterviewClash:     ClassConflict,
	CodeInterviewCancelled: ClassConflict,
	CodeRoomNotOpen:        ClassConflict,
	// score.go
	CodeAttemptNotGraded: ClassConflict,
	// reports.go
	CodeReportAttemptNotFound: ClassNotFound,
	CodeReportNotSubmitted:    ClassConflict,
	CodeReportNotGenerated:    ClassNotFound,
	CodeResultsNotReleased:    ClassForbidden,
}
