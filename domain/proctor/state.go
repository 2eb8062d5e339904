package proctor

import (
	"github.com/hirebus/hirebus/events"
)

// State is what Apply keeps per attempt between commands (stored as JSON in
// proctor_attempts.counters): the counters the rules read, the deductions of
// the rules that fired, and the open intervals.
type State struct {
	Counters    map[string]float64 `json:"counters"`
	Fired       map[string]int     `json:"fired"`         // rule id -> deduction
	HiddenSince int64              `json:"hidden_since"`  // unix ms of an open tab_hidden (0 = none)
	OfflineFrom int64              `json:"offline_since"` // unix ms of an open offline
	// MaxSeq is the highest browser seq logged for the attempt (nil: not
	// known yet, for rows stored before it was kept); see freshInputs.
	MaxSeq *uint64 `json:"max_seq,omitempty"`
}

func (s *State) init() {
	if s.Counters == nil {
		s.Counters = map[string]float64{}
	}
	if s.Fired == nil {
		s.Fired = map[string]int{}
	}
}

// CountSignal updates the counters with one browser signal.
func (s *State) CountSignal(ev events.ProctorSignal) {
	s.init()
	c := s.Counters
	d := ev.Data
	at := ev.At.UnixMilli()
	switch ev.Type {
	case events.SigTabHidden:
		c[MTabHiddenCount]++
		s.HiddenSince = at
	case events.SigTabVisible:
		ms := d.DurationMS
		if ms <= 0 && s.HiddenSince > 0 && at > s.HiddenSince {
			ms = at - s.HiddenSince
		}
		if ms > 0 {
			c[MTabHiddenMS] += float64(ms)
		}
		s.HiddenSince = 0
	case events.SigWindowBlur:
		c[MBlurCount]++
	case events.SigFullscreenExit:
		c[MFullscreenExits]++
	case events.SigCopy, events.SigCut:
		c[MCopyCount]++
	case events.SigPaste:
		c[MPasteMax] = max(c[MPasteMax], float64(d.Length))
		if d.Target == "code" {
			c[MPasteCodeMax] = max(c[MPasteCodeMax], float64(d.Length))
		}
	case events.SigContextMenu:
		c[MContextMenuCount]++
	case events.SigDevtools:
		c[MDevtoolsCount]++
	case events.SigScreens:
		c[MScreensMax] = max(c[MScreensMax], float64(d.Count))
	case events.SigIdle:
		c[MIdleMaxMS] = max(c[MIdleMaxMS], float64(d.DurationMS))
	case events.SigOffline:
		c[MOfflineCount]++
	case events.SigKeystrokes:
		if d.DurationMS >= 250 && d.Chars > 0 { // shorter bursts say nothing about cadence
			c[MKeystrokeMaxCPS] = max(c[MKeystrokeMaxCPS], float64(d.Chars)*1000/float64(d.DurationMS))
		}
	}
}

// CountFrame updates the counters with one frame check and returns the log
// kind of the frame.
func (s *State) CountFrame(f events.ProctorFrame) string {
	s.init()
	c := s.Counters
	c[MFramesChecked]++
	kind := events.FrameChecked
	for _, a := range f.Alerts {
		switch a {
		case events.EvtFaceAbsent:
			c[MFramesAbsent]++
		case events.EvtFaceMultiple:
			c[MFacesMultiple]++
		case events.EvtFaceMismatch:
			c[MFaceMismatch]++
		}
		kind = a
	}
	return kind
}
