package events

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
)

// Publisher sends envelopes to JetStream with publish deduplication: the
// Nats-Msg-Id header is the envelope id, so a retried publish (e.g. by the
// outbox relay after a crash) is stored once.
type Publisher struct {
	js jetstream.JetStream
}

// NewPublisher wraps a JetStream context.
func NewPublisher(js jetstream.JetStream) *Publisher { return &Publisher{js: js} }

// JetStream exposes the underlying context for setup code.
func (p *Publisher) JetStream() jetstream.JetStream { return p.js }

// Encode turns an envelope into the bytes and headers that go on the wire,
// with the trace context of ctx injected so a command's span continues in the
// worker that handles it.
func Encode(ctx context.Context, env Envelope) ([]byte, nats.Header, error) {
	data, err := json.Marshal(env)
	if err != nil {
		return nil, nil, fmt.Errorf("events: encode %s: %w", env.Type, err)
	}
	h := nats.Header{}
	otel.GetTextMapPropagator().Inject(ctx, propagation.HeaderCarrier(http.Header(h)))
	h.Set("Hirebus-Type", env.Type)
	return data, h, nil
}

// Publish sends env on subject and waits for the stream's acknowledgement.
func (p *Publisher) Publish(ctx context.Context, subject string, env Envelope) error {
	data, h, err := Encode(ctx, env)
	if err != nil {
		return err
	}
	return p.PublishRaw(ctx, subject, env.ID, data, h)
}

// PublishRaw publishes already-encoded data (used by the outbox relay).
func (p *Publisher) PublishRaw(ctx context.Context, subject, msgID string, data []byte, h nats.Header) error {
	msg := &nats.Msg{Subject: subject, Data: data, Header: h}
	if msg.Header == nil {
		msg.Header = nats.Header{}
	}
	if _, err := p.js.PublishMsg(ctx, msg, jetstream.WithMsgID(msgID)); err != nil {
		return fmt.Errorf("events: publish %s: %w", subject, err)
	}
	return nil
}
