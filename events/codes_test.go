package events_test

import (
	"regexp"
	"testing"

	"github.com/hirebus/hirebus/events"
)

func TestCodesHaveAKnownClass(t *testing.T) {
	classes := map[events.Class]bool{
		events.ClassBadInput: true, events.ClassTooLarge: true, events.ClassUnauthorized: true,
		events.ClassNotFound: true, events.ClassForbidden: true, events.ClassStale: true, events.ClassConflict: true, events.ClassRejected: true,
		events.ClassTooMany: true, events.ClassUnavailable: true, events.ClassInternal: true,
	}
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	codes := events.Codes()
	if len(codes) < 20 {
		t.Fatalf("only %d codes declared", len(codes))
	}
	for code, class := range codes {
		t.Run(string(code), func(t *testing.T) {
			if !snake.MatchString(string(code)) {
				t.Errorf("code %q is not snake_case", code)
			}
			if !classes[class] {
				t.Errorf("code %q has unknown class %q", code, class)
			}
			if !code.Known() || code.Class() != class {
				t.Errorf("code %q: Known %v, Class %q; want true, %q", code, code.Known(), code.Class(), class)
			}
		})
	}
}

func TestUndeclaredCodeIsInternal(t *testing.T) {
	c := events.Code("made_up_by_a_worker")
	if c.Known() || c.Class() != events.ClassInternal {
		t.Fatalf("undeclared code: Known %v, Class %q; want false, internal", c.Known(), c.Class())
	}
}
