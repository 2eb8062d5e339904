package score

import (
	"testing"
	"time"

	"github.com/hirebus/hirebus/domain/score"
	"github.com/hirebus/hirebus/events"
)

// TestBehaviourSignals: which proctoring timelines give which signals.
func TestBehaviourSignals(t *testing.T) {
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	ev := func(min int, kind string, d events.ProctorData) events.ProctorLogEntry {
		at := start.Add(time.Duration(min) * time.Minute)
		return events.ProctorLogEntry{ID: uint64(min + 1), Kind: kind, At: &at, Created: at, Data: &d}
	}
	typing := func(min, chars int) events.ProctorLogEntry {
		return ev(min, events.SigKeystrokes, events.ProctorData{Chars: chars, DurationMS: 60000})
	}
	cases := []struct {
		name   string
		chars  int
		submit int // minutes after the start
		evs    []events.ProctorLogEntry
		want   []string
	}{
		{"steady typing", 1200, 30, []events.ProctorLogEntry{typing(1, 300), typing(5, 300), typing(10, 300), typing(20, 300)}, nil},
		{"small paste", 1200, 30, []events.ProctorLogEntry{typing(1, 300), ev(2, events.SigPaste, events.ProctorData{Length: 50, Target: "code"}), typing(10, 450), typing(12, 450)}, nil},
		{"large paste into code", 1200, 30, []events.ProctorLogEntry{typing(1, 300), ev(3, events.SigPaste, events.ProctorData{Length: 900, Target: "code"})},
			[]string{score.SignalLargePaste}},
		{"paste elsewhere is not an answer", 1200, 30, []events.ProctorLogEntry{typing(1, 600), typing(2, 600), ev(3, events.SigPaste, events.ProctorData{Length: 900, Target: "other"})}, nil},
		{"burst", 1200, 30, []events.ProctorLogEntry{typing(1, 600), ev(4, events.SigKeystrokes, events.ProctorData{Chars: 120, DurationMS: 4000})},
			[]string{score.SignalTypingCadence}},
		{"late first keystroke, big answer", 3000, 27, []events.ProctorLogEntry{typing(25, 200)}, []string{score.SignalFirstKeystroke}},
		{"late first keystroke, answer pasted", 3000, 27, []events.ProctorLogEntry{typing(25, 200), ev(26, events.SigPaste, events.ProctorData{Length: 2800, Target: "code"})},
			[]string{score.SignalLargePaste}},
		{"no timeline", 3000, 27, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := BehaviourSignals(Behaviour{StartedAt: start, SubmittedAt: start.Add(time.Duration(c.submit) * time.Minute), AnswerChars: c.chars, Events: c.evs})
			if len(got) != len(c.want) {
				t.Fatalf("%d signals %+v, want %v", len(got), got, c.want)
			}
			for i, s := range got {
				if s.Kind != c.want[i] || s.Confidence <= 0 || s.Confidence > 1 || len(s.Evidence) == 0 {
					t.Fatalf("signal %d: %+v, want %s", i, s, c.want[i])
				}
			}
		})
	}
}
