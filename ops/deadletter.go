package ops

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/outbox"
	"github.com/jmoiron/sqlx"
	"github.com/nats-io/nats.go/jetstream"
)

// DeadLetterConsumer is the durable consumer of the dead-letter stream that
// fails the operation of every dead-lettered command (issue 7: such an
// operation used to stay pending forever).
const DeadLetterConsumer = "ops-dead-letters"

// CodeDeadLettered is the public error code of an operation whose command
// was dead-lettered.
const CodeDeadLettered = "dead_lettered"

// FailDeadLetters fails the operations of dead-lettered commands until ctx
// ends. Any number of processes may run it: they share one durable
// consumer, and failing an operation twice changes nothing.
func FailDeadLetters(ctx context.Context, js jetstream.JetStream, relay *outbox.Relay, log *slog.Logger) error {
	for {
		err := failDeadLetters(ctx, js, relay, log)
		if ctx.Err() != nil {
			return nil
		}
		log.WarnContext(ctx, "dead-letter follower stopped; restarting", "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
	}
}

func failDeadLetters(ctx context.Context, js jetstream.JetStream, relay *outbox.Relay, log *slog.Logger) error {
	cons, err := js.CreateOrUpdateConsumer(ctx, events.StreamDeadLetter, jetstream.ConsumerConfig{
		Durable:       DeadLetterConsumer,
		FilterSubject: "dlq.cmd.>",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       30 * time.Second,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return fmt.Errorf("ops: dead-letter consumer: %w", err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		if err := failOne(ctx, relay, m.Data()); err != nil {
			log.WarnContext(ctx, "dead-lettered operation not failed yet", "subject", m.Subject(), "err", err)
			_ = m.NakWithDelay(5 * time.Second)
			return
		}
		_ = m.Ack()
	})
	if err != nil {
		return fmt.Errorf("ops: dead-letter consume: %w", err)
	}
	defer cc.Stop()
	select {
	case <-ctx.Done():
		return nil
	case <-cc.Closed():
		return fmt.Errorf("ops: dead-letter consumer closed")
	}
}

func failOne(ctx context.Context, relay *outbox.Relay, data []byte) error {
	var env events.Envelope
	var dl events.DeadLetter
	if json.Unmarshal(data, &env) != nil || env.Decode(&dl) != nil {
		return nil // not ours to understand; nothing to fail
	}
	opID := dl.Envelope.CorrelationID
	if len(opID) != 36 {
		return nil
	}
	return relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		return Fail(ctx, tx, out, opID, dl.Envelope.Type, dl.Envelope.ActorUserID, CodeDeadLettered,
			"the request could not be processed and was set aside for an operator")
	})
}
