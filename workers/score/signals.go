package score

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/hirebus/hirebus/domain/score"
	"github.com/hirebus/hirebus/events"
)

// Signals that an answer may be AI-written or copied, from the proctoring
// timeline (domain/proctor's read API): what was pasted, how fast it was
// typed, and when typing started against how much code came out. Each is
// evidence with a confidence, never a verdict; the thresholds are set where
// ordinary typing does not reach.

// Thresholds of the behavioural signals.
const (
	// LargePasteChars is the smallest single paste reported.
	LargePasteChars = 200
	// BurstCPS is a keystroke rate (characters per second over a batch of
	// at least BurstMinMS) that sustained human typing does not reach
	// (100 wpm ≈ 8 cps).
	BurstCPS   = 15.0
	BurstMinMS = 2000
	// ProducedCPS: final answers larger than the time from the first
	// keystroke to submission could type at this rate.
	ProducedCPS = 10.0
	// ProducedMinChars: answers shorter than this are not judged by rate.
	ProducedMinChars = 300
)

// Behaviour is the proctoring input of the behavioural signals.
type Behaviour struct {
	StartedAt   time.Time
	SubmittedAt time.Time
	AnswerChars int // characters of the final code and text answers
	Events      []events.ProctorLogEntry
}

func evidence(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

func conf(v float64) float64 { return math.Round(clamp01(v)*100) / 100 }

// BehaviourSignals derives the paste, cadence and first-keystroke signals.
func BehaviourSignals(b Behaviour) []score.Signal {
	var out []score.Signal
	var (
		pastes                 []map[string]any
		pastedCode, pastedText int
		largest                int
		typed                  int
		bursts                 []map[string]any
		firstKey               *time.Time
	)
	for _, e := range b.Events {
		if e.Data == nil {
			continue
		}
		at := e.Created
		if e.At != nil {
			at = *e.At
		}
		switch e.Kind {
		case events.SigPaste:
			n := e.Data.Length
			switch e.Data.Target {
			case "code":
				pastedCode += n
			case "text":
				pastedText += n
			}
			if n >= LargePasteChars && (e.Data.Target == "code" || e.Data.Target == "text") {
				pastes = append(pastes, map[string]any{"log_id": e.ID, "seq": e.Seq, "at": at, "chars": n, "target": e.Data.Target})
				largest = max(largest, n)
			}
		case events.SigKeystrokes:
			if e.Data.Chars > 0 {
				typed += e.Data.Chars
				if firstKey == nil {
					t := at
					firstKey = &t
				}
				if e.Data.DurationMS >= BurstMinMS {
					cps := float64(e.Data.Chars) / (float64(e.Data.DurationMS) / 1000)
					if cps >= BurstCPS {
						bursts = append(bursts, map[string]any{"log_id": e.ID, "seq": e.Seq, "at": at, "chars": e.Data.Chars,
							"duration_ms": e.Data.DurationMS, "chars_per_second": math.Round(cps*10) / 10})
					}
				}
			}
		}
	}
	if len(pastes) > 0 && b.AnswerChars > 0 {
		share := float64(pastedCode+pastedText) / float64(b.AnswerChars)
		out = append(out, score.Signal{Kind: score.SignalLargePaste, Confidence: conf(math.Min(1, share)*0.8 + 0.1),
			Evidence: evidence(map[string]any{
				"pastes": pastes, "pasted_chars": pastedCode + pastedText, "pasted_into_code": pastedCode, "pasted_into_text": pastedText,
				"largest_paste": largest, "final_answer_chars": b.AnswerChars, "pasted_share": math.Round(share*100) / 100,
				"description": fmt.Sprintf("%d characters pasted into answers (largest paste %d) against %d characters in the final answers",
					pastedCode+pastedText, largest, b.AnswerChars)})})
	}
	if len(bursts) > 0 {
		out = append(out, score.Signal{Kind: score.SignalTypingCadence, Confidence: conf(0.3 + 0.15*float64(len(bursts))),
			Evidence: evidence(map[string]any{"bursts": bursts, "threshold_cps": BurstCPS, "typed_chars": typed,
				"description": fmt.Sprintf("%d keystroke batch(es) at %.0f+ characters per second, faster than sustained typing", len(bursts), BurstCPS)})})
	}
	if firstKey != nil && b.AnswerChars >= ProducedMinChars && !b.SubmittedAt.IsZero() {
		active := b.SubmittedAt.Sub(*firstKey).Seconds()
		if active < 1 {
			active = 1
		}
		rate := float64(b.AnswerChars-pastedCode-pastedText) / active
		if rate >= ProducedCPS {
			out = append(out, score.Signal{Kind: score.SignalFirstKeystroke, Confidence: conf(0.3 + 0.05*(rate-ProducedCPS)),
				Evidence: evidence(map[string]any{"first_keystroke_at": firstKey, "first_keystroke_after_s": int64(firstKey.Sub(b.StartedAt).Seconds()),
					"submitted_after_s": int64(b.SubmittedAt.Sub(b.StartedAt).Seconds()), "final_answer_chars": b.AnswerChars,
					"pasted_chars": pastedCode + pastedText, "typed_chars": typed, "required_chars_per_second": math.Round(rate*10) / 10,
					"threshold_cps": ProducedCPS,
					"description": fmt.Sprintf("the first keystroke came %s after the start; typing the answers in the time left needs %.1f characters per second",
						firstKey.Sub(b.StartedAt).Round(time.Second), rate)})})
		}
	}
	return out
}

// similarityConfidence maps a winnowing similarity above the threshold to
// a confidence: 0.5 at the threshold, 0.95 at identical fingerprints.
func similarityConfidence(sim float64) float64 {
	t := score.PeerThreshold
	if sim <= t {
		return 0.5
	}
	return conf(0.5 + 0.45*(sim-t)/(1-t))
}
