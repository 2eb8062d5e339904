package edge

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/hirebus/hirebus/events"
)

func TestOpFilter(t *testing.T) {
	env := func(corr string, seq uint64) events.Envelope {
		raw, _ := json.Marshal(events.CodeTest{Seq: seq})
		return events.Envelope{CorrelationID: corr, Payload: raw}
	}
	f := newOpFilter(2)
	steps := []struct {
		typ  string
		env  events.Envelope
		want bool
	}{
		{events.EvtCodeTest, env("a", 1), true},
		{events.EvtCodeTest, env("a", 2), true},
		{events.EvtCodeTest, env("a", 1), false}, // repeated
		{events.EvtCodeTest, env("a", 0), true},  // unsequenced: cannot tell
		{events.EvtOpCompleted, env("a", 0), true},
		{events.EvtCodeTest, env("a", 3), false},    // after terminal
		{events.EvtOpCompleted, env("a", 0), false}, // second terminal
		{events.EvtOTPSent, env("a", 0), true},      // not a progress push
		{events.EvtCodeTest, env("b", 1), true},
		{events.EvtCodeTest, env("c", 1), true}, // evicts a (size 2)
		{events.EvtCodeTest, env("a", 9), true}, // forgotten: admitted
	}
	for i, s := range steps {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if got := f.admit(s.typ, s.env); got != s.want {
				t.Fatalf("admit(%s, %s) = %v, want %v", s.typ, s.env.CorrelationID, got, s.want)
			}
		})
	}
}
