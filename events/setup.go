package events

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StreamConfig sizes the streams; zero fields take defaults.
type StreamConfig struct {
	Replicas        int // 1 for a single server, 3 for the compose cluster
	Storage         jetstream.StorageType
	DedupWindow     time.Duration // Nats-Msg-Id dedup horizon (default 10m)
	EventsMaxAge    time.Duration // WebSocket replay window (default 24h)
	DeadLetterAge   time.Duration // how long dead letters are kept (default 14 days)
	CommandsMaxMsgs int64         // queue bound; publishers get an error beyond it (default 100k)
}

func (c StreamConfig) withDefaults() StreamConfig {
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.DedupWindow == 0 {
		c.DedupWindow = 10 * time.Minute
	}
	if c.EventsMaxAge == 0 {
		c.EventsMaxAge = 24 * time.Hour
	}
	if c.DeadLetterAge == 0 {
		c.DeadLetterAge = 14 * 24 * time.Hour
	}
	if c.CommandsMaxMsgs == 0 {
		c.CommandsMaxMsgs = 100_000
	}
	return c
}

// EnsureStreams creates or updates the three streams; every process calls it
// at start so any of them can come up first.
func EnsureStreams(ctx context.Context, js jetstream.JetStream, cfg StreamConfig) error {
	cfg = cfg.withDefaults()
	streams := []jetstream.StreamConfig{
		{
			Name:        StreamCommands,
			Description: "hirebus commands, one consumer per worker role",
			Subjects:    []string{SubjectAllCommands},
			Retention:   jetstream.WorkQueuePolicy,
			Storage:     cfg.Storage,
			Replicas:    cfg.Replicas,
			Duplicates:  cfg.DedupWindow,
			MaxMsgs:     cfg.CommandsMaxMsgs,
			Discard:     jetstream.DiscardNew,
		},
		{
			Name:        StreamEvents,
			Description: "hirebus results and facts; the WebSocket replay window",
			Subjects:    []string{SubjectAllEvents},
			Retention:   jetstream.LimitsPolicy,
			Storage:     cfg.Storage,
			Replicas:    cfg.Replicas,
			Duplicates:  cfg.DedupWindow,
			MaxAge:      cfg.EventsMaxAge,
		},
		{
			Name:        StreamDeadLetter,
			Description: "hirebus commands that failed permanently",
			Subjects:    []string{SubjectAllDeadLetter},
			Retention:   jetstream.LimitsPolicy,
			Storage:     cfg.Storage,
			Replicas:    cfg.Replicas,
			Duplicates:  cfg.DedupWindow,
			MaxAge:      cfg.DeadLetterAge,
		},
	}
	for _, sc := range streams {
		if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("events: ensure stream %s: %w", sc.Name, err)
		}
	}
	return nil
}

// ConsumerPolicy is the delivery contract of one worker role.
type ConsumerPolicy struct {
	AckWait       time.Duration   // how long a replica may hold a message before redelivery
	MaxDeliver    int             // deliveries before a message is dead-lettered
	Backoff       []time.Duration // growing NakWithDelay delays for temporary failures
	MaxAckPending int             // in-flight messages across all replicas
	MaxInProgress time.Duration   // how long a running handler keeps its message with heartbeats (default 10m)
}

// Policies are the explicit delivery settings per role. Face and code work
// is CPU-bound and can take seconds; mail talks to an SMTP server.
var Policies = map[string]ConsumerPolicy{
	RoleMail:  {AckWait: 30 * time.Second, MaxDeliver: 8, Backoff: backoff(500*time.Millisecond, 8), MaxAckPending: 256},
	RoleFace:  {AckWait: 60 * time.Second, MaxDeliver: 5, Backoff: backoff(time.Second, 5), MaxAckPending: 64},
	RoleCode:  {AckWait: 120 * time.Second, MaxDeliver: 3, Backoff: backoff(time.Second, 3), MaxAckPending: 64},
	RoleScore: {AckWait: 60 * time.Second, MaxDeliver: 5, Backoff: backoff(time.Second, 5), MaxAckPending: 64},
	// Proctor: per partition consumer (see ProctorSubject); one message in
	// flight per partition keeps each attempt's commands in order.
	RoleProctor: {AckWait: 30 * time.Second, MaxDeliver: 5, Backoff: backoff(200*time.Millisecond, 5), MaxAckPending: 1},
}

func backoff(first time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	d := first
	for i := range out {
		out[i] = d
		d *= 2
		if d > time.Minute {
			d = time.Minute
		}
	}
	return out
}

// Delay is the NakWithDelay delay after the given number of deliveries.
func (p ConsumerPolicy) Delay(delivered uint64) time.Duration {
	if len(p.Backoff) == 0 {
		return time.Second
	}
	i := int(delivered) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(p.Backoff) {
		i = len(p.Backoff) - 1
	}
	return p.Backoff[i]
}

// EnsureConsumer creates or updates the durable pull consumer of a role.
func EnsureConsumer(ctx context.Context, js jetstream.JetStream, role string, p ConsumerPolicy) (jetstream.Consumer, error) {
	return ensureNamedConsumer(ctx, js, ConsumerName(role), RoleSubject(role), "hirebus "+role+" worker", p)
}

func ensureNamedConsumer(ctx context.Context, js jetstream.JetStream, durable, filter, desc string, p ConsumerPolicy) (jetstream.Consumer, error) {
	c, err := js.CreateOrUpdateConsumer(ctx, StreamCommands, jetstream.ConsumerConfig{
		Durable:       durable,
		Description:   desc,
		FilterSubject: filter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       p.AckWait,
		MaxDeliver:    p.MaxDeliver,
		MaxAckPending: p.MaxAckPending,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("events: ensure consumer %s: %w", durable, err)
	}
	return c, nil
}
