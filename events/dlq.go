package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// DeadLetterEntry is one message of the DLQ stream.
type DeadLetterEntry struct {
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	DeadLetter
}

// ErrNoDeadLetter is returned for a DLQ sequence that holds no message.
var ErrNoDeadLetter = errors.New("events: no dead letter with that sequence")

// ListDeadLetters returns up to limit dead letters, oldest first.
func ListDeadLetters(ctx context.Context, js jetstream.JetStream, limit int) ([]DeadLetterEntry, error) {
	st, err := js.Stream(ctx, StreamDeadLetter)
	if err != nil {
		return nil, fmt.Errorf("events: dlq: %w", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("events: dlq info: %w", err)
	}
	out := []DeadLetterEntry{}
	if info.State.Msgs == 0 {
		return out, nil
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && len(out) < limit; seq++ {
		e, err := GetDeadLetter(ctx, js, seq)
		if errors.Is(err, ErrNoDeadLetter) {
			continue // deleted (replayed) or interior gap
		}
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

// GetDeadLetter reads one dead letter by its DLQ stream sequence.
func GetDeadLetter(ctx context.Context, js jetstream.JetStream, seq uint64) (DeadLetterEntry, error) {
	st, err := js.Stream(ctx, StreamDeadLetter)
	if err != nil {
		return DeadLetterEntry{}, fmt.Errorf("events: dlq: %w", err)
	}
	m, err := st.GetMsg(ctx, seq)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return DeadLetterEntry{}, ErrNoDeadLetter
	}
	if err != nil {
		return DeadLetterEntry{}, fmt.Errorf("events: dlq get %d: %w", seq, err)
	}
	var env Envelope
	if err := json.Unmarshal(m.Data, &env); err != nil {
		return DeadLetterEntry{}, fmt.Errorf("events: dlq %d: undecodable: %w", seq, err)
	}
	e := DeadLetterEntry{Seq: m.Sequence, Time: m.Time}
	if err := json.Unmarshal(env.Payload, &e.DeadLetter); err != nil {
		return DeadLetterEntry{}, fmt.Errorf("events: dlq %d: undecodable dead letter: %w", seq, err)
	}
	return e, nil
}

// ReplayDeadLetter publishes the dead-lettered command again on its original
// subject (the worker sees the same envelope id, so an effect an earlier
// delivery committed is not repeated) and then removes it from the DLQ.
// Replaying one entry twice within the dedup window publishes it once.
func ReplayDeadLetter(ctx context.Context, js jetstream.JetStream, seq uint64) (DeadLetterEntry, error) {
	e, err := GetDeadLetter(ctx, js, seq)
	if err != nil {
		return e, err
	}
	if e.Envelope.Type == "malformed" || e.Subject == "" {
		return e, fmt.Errorf("events: dlq %d: a malformed message cannot be replayed", seq)
	}
	data, h, err := Encode(ctx, e.Envelope)
	if err != nil {
		return e, err
	}
	h.Set("Hirebus-Replayed-From", strconv.FormatUint(seq, 10))
	msg := &nats.Msg{Subject: e.Subject, Data: data, Header: h}
	if _, err := js.PublishMsg(ctx, msg, jetstream.WithMsgID("dlq-replay-"+strconv.FormatUint(seq, 10)+"-"+e.Envelope.ID)); err != nil {
		return e, fmt.Errorf("events: dlq replay %d: %w", seq, err)
	}
	st, err := js.Stream(ctx, StreamDeadLetter)
	if err != nil {
		return e, fmt.Errorf("events: dlq: %w", err)
	}
	if err := st.DeleteMsg(ctx, seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return e, fmt.Errorf("events: dlq delete %d after replay: %w", seq, err)
	}
	return e, nil
}
