// Package face is the face worker: it consumes cmd.face.* commands and runs
// the pure-Go face pipeline (package face) for enrolment, face login
// (1:1 verify and 1:N identify), face detection and proctoring frame checks.
//
// Decisions come from face/match (thresholds measured on the golden photos),
// descriptors live in a face/index Index. With the embedded index every
// replica holds all descriptors in memory; after an enrolment changes the
// system of record (MySQL) the worker publishes evt.sys.face.index_changed
// through the outbox, and every replica re-reads that user.
//
// Bad images are the user's problem, not the system's: they end the
// operation as failed with a public reason code (not_image, no_face,
// multiple_faces, ...) and the command is acked, never retried. Only
// infrastructure errors (MySQL, NATS) are retried by the consume loop.
package face

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/face/index"
	"github.com/hirebus/hirebus/face/match"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/outbox"
	"github.com/jmoiron/sqlx"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"
)

// Config tunes the face worker. Zero values take the defaults of Validate.
type Config struct {
	// ModelsDir holds the face-api models (`make models`); used when
	// Deps.Embedder is nil.
	ModelsDir string
	// Concurrency is the number of commands handled at once by this
	// process (default 2). Face nets are CPU-bound and already spread one
	// inference over every core, so more only adds queueing inside the
	// process; scale with replicas instead.
	Concurrency int
	// Thresholds are the match decisions (default match.DefaultThresholds).
	Thresholds match.Thresholds
	// MaxImageBytes bounds one decoded image (default 4 MiB).
	MaxImageBytes int
	// MaxEnrollImages bounds the images of one enrolment (default 10).
	MaxEnrollImages int
	// MaxEnrollKeep is how many of an enrolment's good images are kept, the
	// best first (default 5).
	MaxEnrollKeep int
	// MinFaceScore is the detector threshold for counting a face (default 0.5).
	MinFaceScore float64
	// MinEnrollScore is the detector score an enrolment or login face must
	// reach (default 0.6): a blurry or half-hidden face makes a poor reference.
	MinEnrollScore float64
	// MinFaceSize is the smallest box side, in pixels, of an enrolment or
	// login face (default 64): smaller faces give unreliable descriptors.
	MinFaceSize float64
	// Quality gates of enrolment and sign-in frames (face.Quality):
	// MinBrightness / MaxBrightness bound the face's mean luma (default 50
	// and 225), MinSharpness its variance of the Laplacian (default 100: a
	// 480-px webcam frame measures ≈640, ≈150 after a 5×5 box blur, ≈80
	// after 7×7),
	// MaxYaw / MaxPitch the head's rotation in degrees (default 40 and 30).
	MinBrightness, MaxBrightness float64
	MinSharpness                 float64
	MaxYaw, MaxPitch             float64
	// MaxLoginFrames bounds the frames of one sign-in (default 5).
	MaxLoginFrames int
	// ResyncInterval reloads the whole embedded index from MySQL
	// periodically, a safety net for missed index events (default 10m).
	ResyncInterval time.Duration
	// Policy overrides the face role's delivery policy (tests).
	Policy *events.ConsumerPolicy
}

// Validate applies defaults and checks ranges.
func (c *Config) Validate() error {
	if c.Concurrency == 0 {
		c.Concurrency = 2
	}
	if c.Thresholds == (match.Thresholds{}) {
		c.Thresholds = match.DefaultThresholds()
	}
	if c.MaxImageBytes == 0 {
		c.MaxImageBytes = 4 << 20
	}
	if c.MaxEnrollImages == 0 {
		c.MaxEnrollImages = 10
	}
	if c.MaxEnrollKeep == 0 {
		c.MaxEnrollKeep = 5
	}
	if c.MinFaceScore == 0 {
		c.MinFaceScore = 0.5
	}
	if c.MinEnrollScore == 0 {
		c.MinEnrollScore = 0.6
	}
	if c.MinFaceSize == 0 {
		c.MinFaceSize = 64
	}
	if c.MinBrightness == 0 {
		c.MinBrightness = 50
	}
	if c.MaxBrightness == 0 {
		c.MaxBrightness = 225
	}
	if c.MinSharpness == 0 {
		c.MinSharpness = 100
	}
	if c.MaxYaw == 0 {
		c.MaxYaw = 40
	}
	if c.MaxPitch == 0 {
		c.MaxPitch = 30
	}
	if c.MaxLoginFrames == 0 {
		c.MaxLoginFrames = 5
	}
	if c.ResyncInterval == 0 {
		c.ResyncInterval = 10 * time.Minute
	}
	switch {
	case c.Concurrency < 1 || c.Concurrency > 64:
		return fmt.Errorf("face worker: concurrency %d outside 1..64", c.Concurrency)
	case c.MaxImageBytes < 1024:
		return fmt.Errorf("face worker: max image bytes %d too small", c.MaxImageBytes)
	case c.MinFaceScore <= 0 || c.MinFaceScore >= 1 || c.MinEnrollScore < c.MinFaceScore || c.MinEnrollScore >= 1:
		return fmt.Errorf("face worker: scores must satisfy 0 < min face score ≤ min enroll score < 1")
	case !(c.MinBrightness >= 0 && c.MinBrightness < c.MaxBrightness && c.MaxBrightness <= 255):
		return fmt.Errorf("face worker: brightness bounds must satisfy 0 ≤ min < max ≤ 255")
	case c.MinSharpness < 0 || c.MaxYaw <= 0 || c.MaxYaw > 90 || c.MaxPitch <= 0 || c.MaxPitch > 90:
		return fmt.Errorf("face worker: sharpness ≥ 0 and yaw/pitch bounds in (0, 90] required")
	case c.MaxLoginFrames < 1 || c.MaxLoginFrames > 10:
		return fmt.Errorf("face worker: max login frames %d outside 1..10", c.MaxLoginFrames)
	case c.MaxEnrollKeep < c.Thresholds.MinEnrollImages || c.MaxEnrollKeep > c.MaxEnrollImages:
		return fmt.Errorf("face worker: max enroll keep %d outside %d..%d", c.MaxEnrollKeep, c.Thresholds.MinEnrollImages, c.MaxEnrollImages)
	case c.MaxEnrollImages < c.Thresholds.MinEnrollImages:
		return fmt.Errorf("face worker: max enroll images %d below the minimum %d", c.MaxEnrollImages, c.Thresholds.MinEnrollImages)
	}
	if err := c.Thresholds.Validate(); err != nil {
		return fmt.Errorf("face worker: %w", err)
	}
	return nil
}

// Embedder is what the worker needs from a face model: descriptors for
// enrolment, login and proctoring, and (optionally cheaper) detection.
// *face.Pipeline implements it; a stronger model can replace it as long as
// its ModelID differs, so stored descriptors are never compared across
// models.
type Embedder interface {
	face.Embedder
	Detect(img image.Image, opts face.Options) ([]face.Face, error)
}

// Deps are the shared connections and the replaceable parts.
type Deps struct {
	DB    *sqlx.DB
	JS    jetstream.JetStream
	Relay *outbox.Relay
	Log   *slog.Logger
	// Embedder defaults to face.Load(cfg.ModelsDir).
	Embedder Embedder
	// Index defaults to the embedded MySQL-backed index for the
	// embedder's model.
	Index index.Index
}

// Worker consumes cmd.face.*.
type Worker struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
	emb  Embedder
	idx  index.Index
}

// New validates cfg and loads the models. Without models it fails with the
// one-line error of face.Load (wrapping face.ErrModelsMissing).
func New(cfg Config, deps Deps) (*Worker, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.DB == nil || deps.JS == nil || deps.Relay == nil {
		return nil, errors.New("face worker: DB, JetStream and outbox relay are required")
	}
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	w := &Worker{cfg: cfg, deps: deps, log: deps.Log.With("worker", events.RoleFace), emb: deps.Embedder, idx: deps.Index}
	if w.emb == nil {
		p, err := face.Load(cfg.ModelsDir)
		if err != nil {
			return nil, err
		}
		w.emb = p
	}
	if w.idx == nil {
		e, err := index.NewEmbedded(deps.DB.DB, index.EmbeddedConfig{Model: w.emb.ModelID()})
		if err != nil {
			return nil, fmt.Errorf("face worker: %w", err)
		}
		w.idx = e
	}
	if m, ok := w.idx.(interface{ Model() string }); ok && m.Model() != w.emb.ModelID() {
		return nil, fmt.Errorf("face worker: index holds %q descriptors but the embedder makes %q", m.Model(), w.emb.ModelID())
	}
	return w, nil
}

// Index is the worker's vector index (tests seed it directly).
func (w *Worker) Index() index.Index { return w.idx }

// loader is the embedded index's full reload.
type loader interface {
	Load(ctx context.Context) error
}

// Run follows index changes, loads the index, then consumes commands until
// ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	// Subscribe before loading: a change committed after the load's read is
	// then certainly seen as an event, and one before it is in the load.
	following := make(chan struct{})
	g.Go(func() error { return w.followChanges(gctx, following) })
	select {
	case <-following:
	case <-gctx.Done():
		return g.Wait()
	}
	if l, ok := w.idx.(loader); ok {
		if err := l.Load(gctx); err != nil {
			return fmt.Errorf("face worker: load index: %w", err)
		}
		g.Go(func() error { w.resync(gctx, l); return nil })
	}
	n, _ := w.idx.Len(gctx)
	w.log.InfoContext(ctx, "face worker running", "model", w.emb.ModelID(), "enrolled_descriptors", n, "concurrency", w.cfg.Concurrency)
	g.Go(func() error {
		return events.Consume(gctx, w.deps.JS, events.ConsumeConfig{
			Role: events.RoleFace, Concurrency: w.cfg.Concurrency, Logger: w.log, Policy: w.cfg.Policy,
		}, w.Handle)
	})
	return g.Wait()
}

// Handle processes one command.
func (w *Worker) Handle(ctx context.Context, env events.Envelope, meta events.Meta) error {
	switch meta.Subject {
	case events.CmdFaceEnroll:
		return w.enroll(ctx, env)
	case events.CmdFaceIdentify:
		return w.identify(ctx, env)
	case events.CmdFaceDetect:
		return w.detect(ctx, env)
	case events.CmdFaceFrameCheck:
		return w.frameCheck(ctx, env)
	case events.CmdFaceDeleteUser:
		return w.deleteUser(ctx, env)
	default:
		return events.Permanent(fmt.Errorf("face worker: unknown command %s", meta.Subject))
	}
}

// workerName is recorded in processed_commands.
const workerName = "face"

// done reports whether an earlier delivery already committed env's effect,
// so a redelivery skips the CPU work.
func (w *Worker) done(ctx context.Context, env events.Envelope) (bool, error) {
	ok, err := ops.Processed(ctx, w.deps.DB, env.ID)
	if err != nil {
		return false, fmt.Errorf("face worker: %w", err)
	}
	return ok, nil
}

// complete commits the command's effect (extra), its idempotency claim and
// the operation result in one transaction.
func (w *Worker) complete(ctx context.Context, env events.Envelope, userID uint64, result any, extra func(tx *sqlx.Tx, out *outbox.Batch) error) error {
	err := w.deps.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		fresh, err := ops.Claim(ctx, tx, env.ID, workerName)
		if err != nil || !fresh {
			return err
		}
		if extra != nil {
			if err := extra(tx, out); err != nil {
				return err
			}
		}
		if env.CorrelationID == "" {
			return nil
		}
		return ops.Complete(ctx, tx, out, env.CorrelationID, env.Type, userID, result)
	})
	if err != nil {
		return fmt.Errorf("face worker: complete %s: %w", env.Type, err)
	}
	return nil
}

// fail ends the operation with a public error and acks the command: bad
// input does not get better by retrying.
func (w *Worker) fail(ctx context.Context, env events.Envelope, userID uint64, code events.Code, message string) error {
	w.log.InfoContext(ctx, "face operation refused", "op", env.CorrelationID, "type", env.Type, "code", code, "reason", message)
	err := w.deps.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
		fresh, err := ops.Claim(ctx, tx, env.ID, workerName)
		if err != nil || !fresh || env.CorrelationID == "" {
			return err
		}
		return ops.Fail(ctx, tx, out, env.CorrelationID, env.Type, userID, code, message)
	})
	if err != nil {
		return fmt.Errorf("face worker: fail %s: %w", env.Type, err)
	}
	return nil
}

// malformed handles a command no delivery can process (bad payload): the
// operation fails so the client is not left waiting, and the command is
// dead-lettered for inspection.
func (w *Worker) malformed(ctx context.Context, env events.Envelope, cause error) error {
	if err := w.fail(ctx, env, env.ActorUserID, CodeBadCommand, "the request could not be processed"); err != nil {
		return err
	}
	return events.Permanent(cause)
}

// publishIndexChange queues evt.sys.face.index_changed in tx.
func publishIndexChange(out *outbox.Batch, kind index.ChangeKind, userID uint64, opID string) error {
	env, err := events.NewEnvelope(events.EvtFaceIndexChanged, opID, userID, events.FaceIndexChanged{Kind: string(kind), UserID: userID, OpID: opID})
	if err != nil {
		return err
	}
	return out.Add(events.SystemSubject(events.EvtFaceIndexChanged), env)
}
