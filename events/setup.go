package events

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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

// SetupDeadline bounds stream and consumer setup when ctx has no deadline of
// its own: long enough for a fresh cluster to elect its meta leader.
const SetupDeadline = 90 * time.Second

// setupAttempt bounds one JetStream API request during setup: a request to a
// cluster without a meta leader gets no reply, and a short attempt lets the
// next one reach the leader once it exists.
const setupAttempt = 3 * time.Second

// retrySetup runs op with short attempts and jittered, growing pauses until
// it succeeds or the deadline (ctx's, or SetupDeadline) passes. Every
// process of a deployment calls setup at start, all at once on a fresh
// cluster: the jitter spreads their requests.
func retrySetup(ctx context.Context, what string, op func(ctx context.Context) error) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, SetupDeadline)
		defer cancel()
	}
	pause := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, setupAttempt)
		err := op(actx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("events: %s: gave up after %d attempts: %w", what, attempt, err)
		}
		// Full jitter in [pause/2, pause).
		d := pause/2 + time.Duration(rand.Int64N(int64(pause/2)+1))
		select {
		case <-ctx.Done():
			return fmt.Errorf("events: %s: gave up after %d attempts: %w", what, attempt, err)
		case <-time.After(d):
		}
		if pause < 2*time.Second {
			pause *= 2
		}
	}
}

// ensureStream creates sc, or updates it when it already exists (another
// process won the race, or an older version made it).
func ensureStream(ctx context.Context, js jetstream.JetStream, sc jetstream.StreamConfig) error {
	_, err := js.CreateStream(ctx, sc)
	if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
		_, err = js.UpdateStream(ctx, sc)
	}
	return err
}

// EnsureStreams creates or updates the three streams; every process calls it
// at start so any of them can come up first, or all at once. It retries until
// ctx's deadline (SetupDeadline when ctx has none).
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
			// Direct gets: ConsumeBySubject asks for the oldest command
			// stored on a subject before handling the next one.
			AllowDirect: true,
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
		if err := retrySetup(ctx, "ensure stream "+sc.Name, func(ctx context.Context) error {
			return ensureStream(ctx, js, sc)
		}); err != nil {
			return err
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

// Policies are the explicit delivery settings per role. AckWait is short on
// purpose: it is how long a command stays with a replica that died, so it
// bounds recovery. Long work (grading, enrolment, an SMTP conversation)
// keeps its message with in-progress heartbeats every AckWait/3 instead
// (see heartbeat in consume.go), up to MaxInProgress.
var Policies = map[string]ConsumerPolicy{
	RoleMail:  {AckWait: 5 * time.Second, MaxDeliver: 8, Backoff: backoff(500*time.Millisecond, 8), MaxAckPending: 256},
	RoleFace:  {AckWait: 10 * time.Second, MaxDeliver: 5, Backoff: backoff(time.Second, 5), MaxAckPending: 64},
	RoleCode:  {AckWait: 4 * time.Second, MaxDeliver: 3, Backoff: backoff(time.Second, 3), MaxAckPending: 64},
	RoleScore: {AckWait: 10 * time.Second, MaxDeliver: 5, Backoff: backoff(time.Second, 5), MaxAckPending: 64},
	// Proctor: one consumer per partition (see ProctorSubject), up to 64
	// commands in flight per partition; ConsumeBySubject keeps each
	// attempt's commands in order.
	RoleProctor: {AckWait: 10 * time.Second, MaxDeliver: 5, Backoff: backoff(200*time.Millisecond, 5), MaxAckPending: 64},
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

// EnsureConsumer creates or updates the durable pull consumer of a role,
// retrying like EnsureStreams.
func EnsureConsumer(ctx context.Context, js jetstream.JetStream, role string, p ConsumerPolicy) (jetstream.Consumer, error) {
	return ensureNamedConsumer(ctx, js, ConsumerName(role), RoleSubject(role), "hirebus "+role+" worker", p)
}

// ensureNamedConsumer creates or updates one durable pull consumer on CMD
// (a role's, or one partition of the proctor role's).
func ensureNamedConsumer(ctx context.Context, js jetstream.JetStream, durable, filter, desc string, p ConsumerPolicy) (jetstream.Consumer, error) {
	cc := jetstream.ConsumerConfig{
		Durable:       durable,
		Description:   desc,
		FilterSubject: filter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       p.AckWait,
		MaxDeliver:    p.MaxDeliver,
		MaxAckPending: p.MaxAckPending,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	var c jetstream.Consumer
	err := retrySetup(ctx, "ensure consumer "+durable, func(ctx context.Context) error {
		var err error
		c, err = js.CreateConsumer(ctx, StreamCommands, cc)
		if errors.Is(err, jetstream.ErrConsumerExists) {
			c, err = js.UpdateConsumer(ctx, StreamCommands, cc)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
