package edge

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hirebus/hirebus/domain/assess"
	"github.com/hirebus/hirebus/domain/company"
	"github.com/hirebus/hirebus/domain/interview"
	"github.com/hirebus/hirebus/domain/jobs"
	"github.com/hirebus/hirebus/domain/proctor"
	"github.com/hirebus/hirebus/events"
)

// TestOpFailedStatuses pins the HTTP answer of every code a worker reports
// (the statuses the code and face handlers gave before codes had classes),
// and that every class has a status.
func TestOpFailedStatuses(t *testing.T) {
	cases := []struct {
		code events.Code
		want int
	}{
		{events.CodeUnknownLanguage, 400}, {events.CodeEmptySource, 400}, {events.CodeBadLimit, 400},
		{events.CodeLimitTooHigh, 400}, {events.CodeBadCommand, 400}, {events.CodeBadInput, 400},
		{events.CodeSourceTooLarge, 413}, {events.CodeProblemNotFound, 404},
		{events.CodeInternal, 503}, {events.CodeNoTests, 503},
		{events.CodeImageTooLarge, 413}, {events.CodeNotImage, 400}, {events.CodeTruncatedImage, 400},
		{events.CodeUnsupported, 400}, {events.CodeBadBase64, 400}, {events.CodeFaceBadRequest, 400},
		{events.CodeNoFace, 422}, {events.CodeMultipleFaces, 422}, {events.CodeFaceTooSmall, 422},
		{events.CodeLowQualityFace, 422}, {events.CodeTooFewImages, 422}, {events.CodeTooManyImages, 422},
		{events.CodeInconsistent, 422}, {events.CodeDuplicateFace, 422}, {events.CodeNoSuchUser, 422},
		{events.CodeNotEnrolled, 422}, {events.CodeFaceUnavailable, 422}, {events.CodeFaceFailed, 422},
		{events.Code("undeclared"), 500},
	}
	for _, tc := range cases {
		t.Run(string(tc.code), func(t *testing.T) {
			err := opFailed(events.OpCompleted{Status: "failed", Error: &events.OpError{Code: tc.code, Message: "m"}}, events.CodeInternal, "x")
			var ae *APIError
			if !errors.As(err, &ae) || ae.Status != tc.want || ae.Code != string(tc.code) || ae.Message != "m" {
				t.Fatalf("opFailed = %#v; want status %d code %s message m", err, tc.want, tc.code)
			}
		})
	}
	t.Run("no error uses the fallback", func(t *testing.T) {
		err := opFailed(events.OpCompleted{Status: "failed"}, events.CodeFaceFailed, "the face check failed")
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != 422 || ae.Code != "face_failed" || ae.Message != "the face check failed" {
			t.Fatalf("opFailed = %#v", err)
		}
	})
	for _, class := range []events.Class{events.ClassBadInput, events.ClassTooLarge, events.ClassUnauthorized,
		events.ClassNotFound, events.ClassForbidden, events.ClassStale, events.ClassConflict, events.ClassRejected, events.ClassTooMany,
		events.ClassUnavailable, events.ClassInternal} {
		if _, ok := classStatus[class]; !ok {
			t.Errorf("class %q has no HTTP status", class)
		}
	}
	for code := range events.Codes() {
		if _, ok := classStatus[code.Class()]; !ok {
			t.Errorf("code %q: class %q has no HTTP status", code, code.Class())
		}
	}
}

// TestDomainErrorsMappedOnce pins the HTTP answer of the domain packages'
// refusals, which classify maps by their code's class (the statuses the
// per-package mappers gave before), with their extra fields.
func TestDomainErrorsMappedOnce(t *testing.T) {
	s := &Server{}
	cases := []struct {
		name    string
		err     error
		status  int
		code    string
		details string
	}{
		{"not found, wrapped", fmt.Errorf("get: %w", assess.ErrNotFound), 404, "not_found", ""},
		{"another company", company.ErrNotFound, 404, "not_found", ""},
		{"forbidden", jobs.ErrForbidden, 403, "forbidden", ""},
		{"stale", jobs.ErrStale, 412, "version_mismatch", ""},
		{"state", assess.ErrClosed, 409, "attempt_closed", ""},
		{"consent", assess.ErrConsent, 400, "consent_required", ""},
		{"liveness", assess.ErrLivenessRequired, 403, "liveness_required", ""},
		{"invitation", company.ErrInviteInvalid, 404, "invitation_invalid", ""},
		{"field", &jobs.FieldError{Scope: "jobs", Field: "title", Message: "required"}, 400, "invalid_title", ""},
		{"indexed field", &proctor.FieldError{Scope: "proctor", Field: "rules[2].op", Message: "bad"}, 400, "invalid_rules_2.op", ""},
		{"transition", &jobs.TransitionError{From: "hired", To: "applied", Allowed: []string{}}, 409, "transition_not_allowed", "allowed"},
		{"clash", &interview.ClashError{}, 409, "interview_clash", "clashes"},
		{"anything else", errors.New("boom"), 500, "internal", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ae := s.classify(tc.err)
			if ae.Status != tc.status || ae.Code != tc.code {
				t.Fatalf("classify(%v) = %d %s; want %d %s", tc.err, ae.Status, ae.Code, tc.status, tc.code)
			}
			if tc.details != "" {
				if _, ok := ae.Details[tc.details]; !ok {
					t.Fatalf("details %v lack %q", ae.Details, tc.details)
				}
			}
			if strings.Contains(ae.Message, "jobs:") || strings.Contains(ae.Message, "assess:") {
				t.Fatalf("public message %q carries the package prefix", ae.Message)
			}
		})
	}
}
