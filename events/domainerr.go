package events

import "strings"

// Domain outcomes. A domain rule that refuses a request (not found, not
// allowed, the wrong state, an invalid field) returns an error carrying a
// declared Code, so its class — and through it the HTTP status — is decided
// here once, exactly as for the errors workers report over the bus. The edge
// then has one mapping for every domain (edge/errors.go domainErr) instead of
// one switch per package.

// Public is an error a caller may see: its code (hence its class), its
// public message and any extra public fields (nil when none).
type Public interface {
	error
	Public() (code Code, message string, details map[string]any)
}

// Error is a domain package's sentinel outcome. Declare it once with
// NewError and compare with errors.Is; wrap it with %w to add context for
// the logs — the public message stays the one declared.
type Error struct {
	Code    Code
	Message string // public: shown to the caller as is
	scope   string // the owning package, for logs
}

// NewError declares a domain outcome of package scope.
func NewError(scope string, code Code, message string) *Error {
	return &Error{Code: code, Message: message, scope: scope}
}

func (e *Error) Error() string { return e.scope + ": " + e.Message }

// Public implements Public.
func (e *Error) Public() (Code, string, map[string]any) { return e.Code, e.Message, nil }

// FieldError is one invalid input field. Its public code is
// "invalid_<field>" (class bad_input), brackets flattened
// ("events[3].type" gives invalid_events_3.type).
type FieldError struct {
	Scope   string
	Field   string
	Message string
	Of      error // the package's "invalid input" sentinel, if it has one: errors.Is(err, Of) holds
}

func (e *FieldError) Error() string { return e.Scope + ": " + e.Field + ": " + e.Message }

// Is matches the package's invalid-input sentinel (Of).
func (e *FieldError) Is(target error) bool { return e.Of != nil && target == e.Of }

// Public implements Public.
func (e *FieldError) Public() (Code, string, map[string]any) {
	return FieldCode(e.Field), e.Message, nil
}

// FieldCode is the public code of an invalid field.
func FieldCode(field string) Code {
	f := strings.NewReplacer("[", "_", "]", "").Replace(field)
	return Code("invalid_" + f)
}

// Class of a code, counting the dynamic invalid_<field> codes as bad input.
func classOfCode(c Code) (Class, bool) {
	if cl, ok := classOf[c]; ok {
		return cl, true
	}
	if strings.HasPrefix(string(c), "invalid_") {
		return ClassBadInput, true
	}
	return "", false
}
