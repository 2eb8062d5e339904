package edge

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/store"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// APIError is an error with a public status, code and message; Err (if any)
// is logged but never shown to clients.
type APIError struct {
	Status  int
	Code    string
	Message string
	Details map[string]any // extra public fields beside code and message
	Err     error
}

func (e *APIError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *APIError) Unwrap() error { return e.Err }

// Errorf builds a public error.
func Errorf(status int, code, format string, args ...any) *APIError {
	return &APIError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func badRequest(code, msg string) *APIError { return &APIError{Status: 400, Code: code, Message: msg} }

var errUnauthorized = &APIError{Status: 401, Code: "unauthorized", Message: "missing, invalid or revoked token"}

type errorBody struct {
	Error map[string]any `json:"error"` // code, message and any details
}

// errorHandler is the one place where errors become HTTP responses.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	apiErr := s.classify(err)
	switch {
	case apiErr.Status == http.StatusServiceUnavailable:
		// Expected while MySQL or NATS is down or a queue is full: the
		// client is told to retry; not a bug to page anyone about.
		s.log.WarnContext(c.UserContext(), "request refused: dependency unavailable", "method", c.Method(), "path", c.Path(), "status", apiErr.Status, "err", err)
	case apiErr.Status >= 500:
		s.log.ErrorContext(c.UserContext(), "request failed", "method", c.Method(), "path", c.Path(), "status", apiErr.Status, "err", err)
	}
	body := errorBody{Error: make(map[string]any, 2+len(apiErr.Details))}
	for k, v := range apiErr.Details {
		body.Error[k] = v
	}
	body.Error["code"] = apiErr.Code
	body.Error["message"] = apiErr.Message
	if apiErr.Status == http.StatusServiceUnavailable {
		c.Set(fiber.HeaderRetryAfter, "5")
	}
	if apiErr.Status == http.StatusTooManyRequests && len(c.Response().Header.Peek(fiber.HeaderRetryAfter)) == 0 {
		// Every 429 says when to come back (issue 7).
		wait := time.Minute
		var ra retryAfter
		if errors.As(err, &ra) && time.Duration(ra) > 0 {
			wait = time.Duration(ra)
		}
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(max(1, int(wait.Round(time.Second)/time.Second))))
	}
	return c.Status(apiErr.Status).JSON(body)
}

func (s *Server) classify(err error) *APIError {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr
	}
	// A domain package's refusal (events.Error, a FieldError, a clash...):
	// its declared code, public message and extra fields, with the status
	// of the code's class — the same mapping as opFailed, for every domain.
	var pub events.Public
	if errors.As(err, &pub) {
		code, msg, details := pub.Public()
		return &APIError{Status: statusOf(code), Code: string(code), Message: msg, Details: details, Err: err}
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		switch fe.Code {
		case fiber.StatusRequestEntityTooLarge:
			return Errorf(413, "body_too_large", "request body is larger than %d bytes", s.cfg.BodyLimit)
		case fiber.StatusNotFound:
			return Errorf(404, "not_found", "no such route")
		case fiber.StatusMethodNotAllowed:
			return Errorf(405, "method_not_allowed", "method not allowed")
		}
		if fe.Code >= 400 && fe.Code < 500 {
			return Errorf(fe.Code, "bad_request", "%s", fe.Message)
		}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return Errorf(404, "not_found", "not found")
	case errors.Is(err, store.ErrDuplicate):
		return Errorf(409, "conflict", "already exists")
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, store.ErrConflict):
		return &APIError{Status: 503, Code: "unavailable", Message: "the database is unavailable; try again shortly", Err: err}
	case errors.Is(err, nats.ErrConnectionClosed), errors.Is(err, nats.ErrNoResponders), errors.Is(err, jetstream.ErrNoStreamResponse), errors.Is(err, nats.ErrTimeout):
		return &APIError{Status: 503, Code: "unavailable", Message: "the message bus is unavailable; try again shortly", Err: err}
	}
	if isDBDown(err) {
		return &APIError{Status: 503, Code: "unavailable", Message: "the database is unavailable; try again shortly", Err: err}
	}
	return &APIError{Status: 500, Code: "internal", Message: "internal error", Err: err}
}

func isDBDown(err error) bool {
	return errors.Is(store.Translate(err), store.ErrUnavailable)
}

// classStatus is the one mapping from a bus error class to an HTTP status:
// a new domain adds codes (with their class) in package events, never a
// mapping here.
var classStatus = map[events.Class]int{
	events.ClassBadInput:     http.StatusBadRequest,
	events.ClassTooLarge:     http.StatusRequestEntityTooLarge,
	events.ClassUnauthorized: http.StatusUnauthorized,
	events.ClassForbidden:    http.StatusForbidden,
	events.ClassNotFound:     http.StatusNotFound,
	events.ClassStale:        http.StatusPreconditionFailed,
	events.ClassConflict:     http.StatusConflict,
	events.ClassRejected:     http.StatusUnprocessableEntity,
	events.ClassTooMany:      http.StatusTooManyRequests,
	events.ClassUnavailable:  http.StatusServiceUnavailable,
	events.ClassInternal:     http.StatusInternalServerError,
}

// statusOf is the HTTP status of a bus error code, by its class.
func statusOf(code events.Code) int {
	if st, ok := classStatus[code.Class()]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// opFailed turns a failed operation into its HTTP error: the worker's code
// and message, with the status of the code's class. fallback stands in when
// the operation carries no error.
func opFailed(oc events.OpCompleted, fallback events.Code, fallbackMsg string) error {
	code, msg := fallback, fallbackMsg
	if oc.Error != nil {
		code, msg = oc.Error.Code, oc.Error.Message
	}
	return Errorf(statusOf(code), string(code), "%s", msg)
}
