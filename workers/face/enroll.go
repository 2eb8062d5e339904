package face

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/hirebus/hirebus/domain/users"
	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/face/index"
	"github.com/hirebus/hirebus/face/match"
	"github.com/hirebus/hirebus/outbox"
	"github.com/hirebus/hirebus/store"
	"github.com/jmoiron/sqlx"
)

// EnrollResult is the result of a face_enroll operation.
type EnrollResult struct {
	UserID   uint64  `json:"user_id"`
	Images   int     `json:"images"`   // images sent
	Enrolled int     `json:"enrolled"` // descriptors stored
	Spread   float32 `json:"spread"`   // largest distance between two enrolled images
	// SpreadMean is the mean distance between two enrolled images: how much
	// this person's captures vary (the set a sign-in is compared with).
	SpreadMean float32 `json:"spread_mean"`
	Source     string  `json:"source"`
}

// enrollLock serialises the duplicate check and the index write of every
// enrolment in the deployment (MySQL named lock), so two accounts enrolling
// the same face at the same moment cannot both pass the check.
const enrollLock = "hirebus.face.enroll"

func (w *Worker) enroll(ctx context.Context, env events.Envelope) error {
	var p events.FaceEnroll
	if err := env.Decode(&p); err != nil {
		return w.malformed(ctx, env, err)
	}
	uid := p.UserID
	if uid == 0 {
		return w.malformed(ctx, env, errors.New("face worker: enroll without user id"))
	}
	if done, err := w.done(ctx, env); done || err != nil {
		return err
	}
	source := index.SourceEnroll
	switch p.Source {
	case "", "register":
	case "reset":
		source = index.SourceReset
	default:
		return w.fail(ctx, env, uid, CodeBadCommand, fmt.Sprintf("source %q must be register or reset", p.Source))
	}
	th := w.cfg.Thresholds
	switch n := len(p.Images); {
	case n < th.MinEnrollImages:
		return w.fail(ctx, env, uid, CodeTooFewImages, fmt.Sprintf("send at least %d images (got %d)", th.MinEnrollImages, n))
	case n > w.cfg.MaxEnrollImages:
		return w.fail(ctx, env, uid, CodeTooManyImages, fmt.Sprintf("send at most %d images (got %d)", w.cfg.MaxEnrollImages, n))
	}

	// Check every image, telling the user about each as it is done.
	var (
		descs   [][]float32
		entries []index.Entry
		used    []int // image index of each descriptor
		quality []float64
		refused []string
	)
	for i, img := range p.Images {
		a, err := w.analyse(img)
		if err != nil {
			return err
		}
		f, rej := a.face, a.rej
		pr := events.FaceEnrollProgress{OpID: env.CorrelationID, Index: i, Total: len(p.Images), OK: rej == nil, Score: f.Score}
		if f.Score > 0 {
			b := boxOf(f.Box)
			pr.Box = &b
		}
		if rej != nil {
			pr.Reason, pr.Detail = string(rej.Code), rej.Reason
			refused = append(refused, fmt.Sprintf("image %d: %s", i+1, rej.Reason))
		} else {
			descs = append(descs, f.Descriptor)
			used = append(used, i)
			quality = append(quality, f.Score*min(1, a.q.Sharpness/(3*w.cfg.MinSharpness)))
			entries = append(entries, index.Entry{UserID: uid, Model: w.emb.ModelID(), Vector: f.Descriptor, Quality: float32(f.Score), Source: source})
		}
		if err := w.progress(ctx, uid, pr); err != nil {
			return err
		}
	}
	if len(descs) < th.MinEnrollImages {
		return w.fail(ctx, env, uid, CodeTooFewImages, fmt.Sprintf("%d of %d images show one clear face, need %d (%s)",
			len(descs), len(p.Images), th.MinEnrollImages, strings.Join(refused, "; ")))
	}
	if len(descs) > w.cfg.MaxEnrollKeep {
		descs, entries, used = best(w.cfg.MaxEnrollKeep, quality, descs, entries, used)
	}
	spread, worst, err := match.CheckEnrollment(descs, th)
	if errors.Is(err, match.ErrInconsistent) {
		return w.fail(ctx, env, uid, CodeInconsistent, fmt.Sprintf("images %d and %d do not look like the same person; retake them", used[worst[0]]+1, used[worst[1]]+1))
	}
	if err != nil {
		return w.fail(ctx, env, uid, CodeBadCommand, err.Error())
	}

	// Duplicate check and index write under the deployment-wide lock.
	unlock, err := w.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	dup, err := w.duplicate(ctx, uid, descs)
	if err != nil {
		return err
	}
	if dup != nil {
		w.log.WarnContext(ctx, "enrolment refused: face belongs to another user", "user", uid, "other", dup.UserID, "votes", dup.Votes, "distance", dup.Distance)
		// The other account is not named: that would let anyone with a
		// photo find out who is registered.
		return w.fail(ctx, env, uid, CodeDuplicate, "this face is already enrolled for another account")
	}
	spreadMean, _ := match.Spread(descs)
	res := EnrollResult{UserID: uid, Images: len(p.Images), Enrolled: len(entries), Spread: spread, SpreadMean: spreadMean, Source: p.Source}
	return w.store(ctx, env, uid, entries, res)
}

// store commits an accepted enrolment. With the embedded index
// (ReplaceUserTx) the descriptors, users.face_enrolled, the idempotency
// claim, the operation result and the index-change event are one MySQL
// transaction; this
// replica's memory is refreshed after commit and the others follow the
// event. Other indexes (Pinecone) cannot join a MySQL transaction: their
// write is keyed by the command id, so a redelivery after it committed (but
// before the transaction) changes nothing and the operation still completes
// exactly once.
func (w *Worker) store(ctx context.Context, env events.Envelope, uid uint64, entries []index.Entry, res EnrollResult) error {
	mark := func(tx *sqlx.Tx, out *outbox.Batch) error {
		// The account row is locked first: a registration that gave up
		// removes it under the same lock, and then nothing is enrolled.
		err := users.Lock(ctx, tx, uid)
		if errors.Is(err, users.ErrNotFound) {
			return index.ErrNoUser
		}
		if err != nil {
			return fmt.Errorf("face worker: lock account: %w", err)
		}
		if err := users.SetFaceEnrolled(ctx, tx, uid, true); err != nil {
			return fmt.Errorf("face worker: mark enrolled: %w", err)
		}
		if res.Source == "reset" {
			// Replaced faces are announced to the owner by mail, in case a
			// stolen session did it (the first enrolment comes with the
			// registration the person just made).
			if err := faceChangedMail(ctx, tx, out, uid); err != nil {
				return err
			}
		}
		return publishIndexChange(out, index.ChangeReplaced, uid, env.CorrelationID)
	}
	emb, embedded := w.idx.(*index.Embedded)
	if !embedded {
		if _, err := w.idx.ReplaceUser(ctx, uid, env.ID, entries); err != nil {
			if errors.Is(err, index.ErrNoUser) {
				return w.fail(ctx, env, uid, CodeNoUser, "the account no longer exists")
			}
			return fmt.Errorf("face worker: store descriptors: %w", err)
		}
		err := w.complete(ctx, env, uid, res, mark)
		if errors.Is(err, index.ErrNoUser) {
			// The account went away while the vectors were written (an
			// all-or-nothing registration that timed out): take them back,
			// or they would vote as a duplicate against the next try.
			if derr := w.idx.DeleteUser(ctx, uid); derr != nil {
				return fmt.Errorf("face worker: remove descriptors of a removed account: %w", derr)
			}
			return w.fail(ctx, env, uid, CodeNoUser, "the account no longer exists")
		}
		return err
	}
	err := w.complete(ctx, env, uid, res, func(tx *sqlx.Tx, out *outbox.Batch) error {
		if _, err := emb.ReplaceUserTx(ctx, tx.Tx, uid, env.ID, entries); err != nil {
			return err
		}
		return mark(tx, out)
	})
	if errors.Is(err, index.ErrNoUser) {
		return w.fail(ctx, env, uid, CodeNoUser, "the account no longer exists")
	}
	if err != nil {
		return err
	}
	if err := emb.ApplyChange(ctx, index.Change{Kind: index.ChangeReplaced, UserID: uid, OpID: env.CorrelationID}); err != nil {
		// Committed; the index event (to every replica, this one too)
		// and the periodic resync repair this replica's memory.
		w.log.WarnContext(ctx, "enrolled descriptors not yet in memory", "user", uid, "err", err)
	}
	return nil
}

// progress pushes one image's verdict to the user's WebSockets.
func (w *Worker) progress(ctx context.Context, uid uint64, pr events.FaceEnrollProgress) error {
	env, err := events.NewEnvelope(events.EvtFaceEnrollProgress, pr.OpID, uid, pr)
	if err != nil {
		return err
	}
	err = w.deps.Relay.Tx(ctx, func(_ *sqlx.Tx, out *outbox.Batch) error {
		return out.Add(events.UserSubject(uid, events.EvtFaceEnrollProgress), env)
	})
	if err != nil {
		return fmt.Errorf("face worker: enroll progress: %w", err)
	}
	return nil
}

// lock takes the enrolment lock on a dedicated connection; unlock releases
// it (and closing the connection would too, should the release fail).
func (w *Worker) lock(ctx context.Context) (unlock func(), err error) {
	conn, err := w.deps.DB.Connx(ctx)
	if err != nil {
		return nil, fmt.Errorf("face worker: enroll lock: %w", store.Translate(err))
	}
	var got sql.NullInt64
	if err := conn.GetContext(ctx, &got, `SELECT GET_LOCK(?, 20)`, enrollLock); err != nil {
		conn.Close()
		return nil, fmt.Errorf("face worker: enroll lock: %w", store.Translate(err))
	}
	if !got.Valid || got.Int64 != 1 {
		conn.Close()
		return nil, errors.New("face worker: enroll lock: busy for 20s")
	}
	return func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `DO RELEASE_LOCK(?)`, enrollLock)
		conn.Close()
	}, nil
}

// duplicate asks whether the enrolment's face already belongs to another
// user: each image votes with its nearest users in the index. Rows written
// in the last minutes are also compared straight from MySQL, because this
// replica's in-memory index may not yet have applied another replica's
// enrolment that committed just before we took the lock.
func (w *Worker) duplicate(ctx context.Context, self uint64, descs [][]float32) (*match.Duplicate, error) {
	recent, err := w.recentDescriptors(ctx, self)
	if err != nil {
		return nil, err
	}
	per := make([][]index.Match, len(descs))
	for i, d := range descs {
		ms, err := w.idx.Search(ctx, d, 5)
		if err != nil {
			return nil, fmt.Errorf("face worker: duplicate search: %w", err)
		}
		for _, r := range recent {
			ms = append(ms, index.Match{UserID: r.user, Distance: match.Distance(d, r.vec)})
		}
		per[i] = ms
	}
	if dup, ok := match.CheckDuplicate(per, self, w.cfg.Thresholds); ok {
		return &dup, nil
	}
	return nil, nil
}

type userVec struct {
	user uint64
	vec  []float32
}

func (w *Worker) recentDescriptors(ctx context.Context, self uint64) ([]userVec, error) {
	var rows []struct {
		User uint64 `db:"user_id"`
		Blob []byte `db:"descriptor"`
	}
	err := w.deps.DB.SelectContext(ctx, &rows, `SELECT user_id, descriptor FROM face_embeddings
		WHERE created_at > NOW(3) - INTERVAL 5 MINUTE AND user_id <> ? AND model = ? LIMIT 5000`, self, w.emb.ModelID())
	if err != nil {
		return nil, fmt.Errorf("face worker: recent descriptors: %w", store.Translate(err))
	}
	out := make([]userVec, 0, len(rows))
	for _, r := range rows {
		v, err := index.DecodeDescriptor(r.Blob)
		if err != nil {
			continue // the index skips such rows too
		}
		out = append(out, userVec{r.User, v})
	}
	return out, nil
}

// deleteUser removes a user's face data (account deletion, privacy request).
func (w *Worker) deleteUser(ctx context.Context, env events.Envelope) error {
	var p events.FaceDeleteUser
	if err := env.Decode(&p); err != nil {
		return w.malformed(ctx, env, err)
	}
	if p.UserID == 0 {
		return w.malformed(ctx, env, errors.New("face worker: delete without user id"))
	}
	if done, err := w.done(ctx, env); done || err != nil {
		return err
	}
	if err := w.idx.DeleteUser(ctx, p.UserID); err != nil {
		return fmt.Errorf("face worker: delete user: %w", err)
	}
	return w.complete(ctx, env, env.ActorUserID, map[string]any{"user_id": p.UserID, "deleted": true}, func(tx *sqlx.Tx, out *outbox.Batch) error {
		if err := users.SetFaceEnrolled(ctx, tx, p.UserID, false); err != nil {
			return fmt.Errorf("face worker: mark not enrolled: %w", err)
		}
		return publishIndexChange(out, index.ChangeDeleted, p.UserID, env.CorrelationID)
	})
}

// best keeps the n images of highest quality (detector score, discounted
// for softness), in their original order: a short capture sends more frames
// than an enrolment needs, and the sharpest, clearest ones make the best
// reference.
func best(n int, quality []float64, descs [][]float32, entries []index.Entry, used []int) ([][]float32, []index.Entry, []int) {
	order := make([]int, len(quality))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return quality[order[a]] > quality[order[b]] })
	keep := order[:n]
	sort.Ints(keep)
	var d [][]float32
	var e []index.Entry
	var u []int
	for _, i := range keep {
		d, e, u = append(d, descs[i]), append(e, entries[i]), append(u, used[i])
	}
	return d, e, u
}

// faceChangedMail queues the "your face sign-in was changed" notice
// (events.MailTemplateFaceChanged) in the enrolment's transaction.
func faceChangedMail(ctx context.Context, tx *sqlx.Tx, out *outbox.Batch, uid uint64) error {
	u, err := users.Get(ctx, tx, uid)
	if err != nil {
		return fmt.Errorf("face worker: notice mail: %w", err)
	}
	name := u.FullName
	if name == "" {
		name = u.Username
	}
	env, err := events.NewEnvelope(events.CmdMailNotify, "", uid, events.MailNotify{To: u.Email, Template: events.MailTemplateFaceChanged, Data: map[string]string{"name": name}})
	if err != nil {
		return err
	}
	return out.Add(events.CmdMailNotify, env)
}
