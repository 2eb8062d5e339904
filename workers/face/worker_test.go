package face_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/face/index"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/store"
	faceworker "github.com/hirebus/hirebus/workers/face"
	"github.com/hirebus/hirebus/workers/face/facetest"
	"github.com/jmoiron/sqlx"
)

var (
	pipeOnce sync.Once
	pipe     *face.Pipeline
	pipeErr  error
)

func pipeline(t *testing.T) *face.Pipeline {
	t.Helper()
	pipeOnce.Do(func() { pipe, pipeErr = face.Load(testutil.ModelsDir(t)) })
	if pipeErr != nil {
		t.Fatal(pipeErr)
	}
	return pipe
}

// addUser inserts an account straight into MySQL (no mail round trip).
func addUser(t *testing.T, p *platformtest.Platform, name string) uint64 {
	t.Helper()
	res, err := p.DB.Exec(`INSERT INTO users (username, email, password_hash) VALUES (?, ?, 'x')`, name, name+"@example.com")
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return uint64(id)
}

func newWorker(t *testing.T, p *platformtest.Platform) *faceworker.Worker {
	t.Helper()
	w, err := faceworker.New(faceworker.Config{}, faceworker.Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log, Embedder: pipeline(t)})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestNewWithoutModels: a worker without models refuses to start with one
// line that says what to do.
func TestNewWithoutModels(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	_, err := faceworker.New(faceworker.Config{ModelsDir: t.TempDir()}, faceworker.Deps{DB: p.DB, JS: p.JS, Relay: p.Relay})
	if !errors.Is(err, face.ErrModelsMissing) {
		t.Fatalf("err = %v, want ErrModelsMissing", err)
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "make models") {
		t.Fatalf("message %q: want one line naming `make models`", msg)
	}
}

// enrollEnvelope creates the operation and command the edge would.
func enrollEnvelope(t *testing.T, p *platformtest.Platform, uid uint64, images []string) events.Envelope {
	t.Helper()
	opID := events.NewID()
	env, err := events.NewEnvelope("face_enroll", opID, uid, events.FaceEnroll{UserID: uid, Images: images, Source: "register"})
	if err != nil {
		t.Fatal(err)
	}
	err = store.InTx(context.Background(), p.DB, func(tx *sqlx.Tx) error {
		return ops.Create(context.Background(), tx, opID, "face_enroll", uid)
	})
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// TestIndexSyncAcrossReplicas: replica A enrols a face; replica B, whose
// in-memory index was loaded before, identifies it 1:N only because it
// applied A's evt.sys.face.index_changed. A redelivered command changes
// nothing.
func TestIndexSyncAcrossReplicas(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	b := newWorker(t, p)
	p.Go(b.Run)
	f := facetest.Faces(t)[20]
	// B is consuming (so it has loaded its index) once it answers a detect.
	if r := p.Do("POST", "/detect_face", "", map[string]any{"image": facetest.Base64(t, f, facetest.Shots[0])}); r.Status != 200 {
		t.Fatalf("detect on B: %d %s", r.Status, r.Body)
	}
	if n, _ := b.Index().Len(context.Background()); n != 0 {
		t.Fatalf("B starts with %d descriptors", n)
	}

	a := newWorker(t, p) // not consuming: commands are handed to it directly
	u := p.Register("synced", "candidate")
	env := enrollEnvelope(t, p, u.ID, []string{
		facetest.Base64(t, f, facetest.Shots[0]), facetest.Base64(t, f, facetest.Shots[1]), facetest.Base64(t, f, facetest.Shots[2]),
	})
	meta := events.Meta{Subject: events.CmdFaceEnroll, Delivered: 1}
	if err := a.Handle(context.Background(), env, meta); err != nil {
		t.Fatalf("A enroll: %v", err)
	}
	if op := p.WaitOp(u.Token, env.CorrelationID, 10*time.Second); op["status"] != "done" {
		t.Fatalf("enroll op: %v", op)
	}
	testutil.Eventually(t, 10*time.Second, func() bool {
		n, _ := b.Index().Len(context.Background())
		return n == 3
	}, "replica B never applied the index change")

	r := p.Do("POST", "/api/auth/face-login", "", map[string]any{"image": facetest.Base64(t, f, facetest.Shots[3])})
	if r.Status != 200 || r.Map(t)["user"].(map[string]any)["username"] != "synced" {
		t.Fatalf("1:N on B: %d %s", r.Status, r.Body)
	}

	// Redelivery of the committed command: no second enrolment.
	meta.Delivered = 2
	if err := a.Handle(context.Background(), env, meta); err != nil {
		t.Fatalf("redelivered enroll: %v", err)
	}
	var enrolments, rows int
	if err := p.DB.Get(&enrolments, `SELECT COUNT(*) FROM face_enrollments WHERE user_id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := p.DB.Get(&rows, `SELECT COUNT(*) FROM face_embeddings WHERE user_id = ?`, u.ID); err != nil {
		t.Fatal(err)
	}
	if enrolments != 1 || rows != 3 {
		t.Fatalf("after redelivery: %d enrolments, %d descriptors", enrolments, rows)
	}
}

// usableShots are the variants of f that the pipeline sees as one face
// near the centre of the picture, i.e. surely f and not a neighbour.
func usableShots(t *testing.T, f facetest.Face, want int) []string {
	t.Helper()
	var out []string
	variants := append(append([]facetest.Variant{}, facetest.Shots...), facetest.Variant{Margin: 0.7, Width: 320}, facetest.Variant{Margin: 0.35, Width: 200})
	for _, v := range variants {
		if len(out) == want {
			break
		}
		img, err := face.DecodeImage(facetest.Image(t, f, v), face.DefaultLimits())
		if err != nil {
			t.Fatal(err)
		}
		fs, err := pipeline(t).Detect(img, face.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || fs[0].Score < 0.6 {
			continue
		}
		w := float64(img.Bounds().Dx())
		if cx := fs[0].Box.X + fs[0].Box.Width/2; cx < 0.3*w || cx > 0.7*w {
			continue
		}
		out = append(out, facetest.Base64(t, f, v))
	}
	return out
}

// TestGoldenFacesNeverLogInAsAnother enrols every face of the golden
// photos as its own user (straight into the index, with the reference
// descriptor) and tries face login with fresh shots of every face: 1:N may
// find the right user or refuse, never another; 1:1 claiming another user
// is always refused.
func TestGoldenFacesNeverLogInAsAnother(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	w := newWorker(t, p)
	p.Go(w.Run)
	ctx := context.Background()
	fs := facetest.Faces(t)
	users := make([]uint64, len(fs))
	names := map[string]int{}
	for i, f := range fs {
		name := fmt.Sprintf("golden%02d", i)
		res, err := p.DB.Exec(`INSERT INTO users (username, email, password_hash) VALUES (?, ?, 'x')`, name, name+"@example.com")
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		users[i], names[name] = uint64(id), i
		if _, err := w.Index().ReplaceUser(ctx, users[i], events.NewID(), []index.Entry{{Vector: f.Descriptor, Quality: 0.9}}); err != nil {
			t.Fatal(err)
		}
	}
	var tried, accepted, refused int
	for i, f := range fs {
		shots := usableShots(t, f, 2)
		for k, img := range shots {
			t.Run(fmt.Sprintf("face%02d/shot%d", i, k), func(t *testing.T) {
				tried++
				r := p.Do("POST", "/api/auth/face-login", "", map[string]any{"image": img})
				switch r.Status {
				case 200:
					got := r.Map(t)["user"].(map[string]any)["username"].(string)
					if names[got] != i {
						t.Fatalf("face %d logged in as %s (face %d)", i, got, names[got])
					}
					accepted++
				case 401:
					refused++
				default:
					t.Fatalf("1:N: %d %s", r.Status, r.Body)
				}
				if k > 0 {
					return // one 1:1 impostor try per face keeps the test short under -race
				}
				other := fmt.Sprintf("golden%02d", (i+1)%len(fs))
				r = p.Do("POST", "/api/auth/face-login", "", map[string]any{"username": other, "image": img})
				if r.Status != 401 {
					t.Fatalf("face %d claiming %s: %d %s", i, other, r.Status, r.Body)
				}
			})
		}
	}
	t.Logf("golden faces: %d shots, %d logged in as themselves, %d refused (asked for the username), 0 as someone else", tried, accepted, refused)
	if tried < 30 {
		t.Fatalf("only %d usable shots of 22 faces", tried)
	}
}

// opRow reads an operation's status and error code.
func opRow(t *testing.T, p *platformtest.Platform, opID string) (status, code string, result string) {
	t.Helper()
	op, err := ops.Get(context.Background(), p.DB, opID)
	if err != nil {
		t.Fatal(err)
	}
	var e events.OpError
	if len(op.Error) > 0 {
		if err := json.Unmarshal(op.Error, &e); err != nil {
			t.Fatal(err)
		}
	}
	return op.Status, string(e.Code), string(op.Result)
}

// TestEnrollRules drives enrolment commands straight into a worker.
func TestEnrollRules(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	w := newWorker(t, p)
	fs := facetest.Faces(t)
	a, b := fs[14], fs[18]
	shot := func(f facetest.Face, i int) string { return facetest.Base64(t, f, facetest.Shots[i]) }
	blank := facetest.Blank(t)
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = shot(a, i%len(facetest.Shots))
	}
	cases := []struct {
		name     string
		images   []string
		source   string
		status   string
		code     string
		progress int // expected progress events
		refused  int // of which not ok
	}{
		{"three good and a blank", []string{shot(a, 0), blank, shot(a, 1), shot(a, 2)}, "register", "done", "", 4, 1},
		{"two people", []string{shot(a, 0), shot(a, 1), shot(b, 0)}, "register", "failed", "inconsistent_faces", 3, 0},
		{"two good and a blank", []string{shot(a, 0), shot(a, 1), blank}, "reset", "failed", "too_few_images", 3, 1},
		{"eleven images", eleven, "register", "failed", "too_many_images", 0, 0},
		{"unknown source", []string{shot(a, 0), shot(a, 1), shot(a, 2)}, "import", "failed", "bad_request", 0, 0},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			uid := addUser(t, p, fmt.Sprintf("rules%d", i))
			sub, err := p.NC.SubscribeSync(events.UserSubject(uid, events.EvtFaceEnrollProgress))
			if err != nil {
				t.Fatal(err)
			}
			defer sub.Unsubscribe()
			env := enrollEnvelope(t, p, uid, c.images)
			var pl events.FaceEnroll
			_ = env.Decode(&pl)
			pl.Source = c.source
			env, _ = events.NewEnvelope(env.Type, env.CorrelationID, uid, pl)
			if err := w.Handle(context.Background(), env, events.Meta{Subject: events.CmdFaceEnroll, Delivered: 1}); err != nil {
				t.Fatalf("handle: %v", err)
			}
			status, code, _ := opRow(t, p, env.CorrelationID)
			if status != c.status || code != c.code {
				t.Fatalf("op %s/%s, want %s/%s", status, code, c.status, c.code)
			}
			refused := 0
			for n := 0; n < c.progress; n++ {
				m, err := sub.NextMsg(5 * time.Second)
				if err != nil {
					t.Fatalf("progress %d of %d: %v", n+1, c.progress, err)
				}
				var e events.Envelope
				var pr events.FaceEnrollProgress
				if json.Unmarshal(m.Data, &e) != nil || e.Decode(&pr) != nil || pr.Total != len(c.images) {
					t.Fatalf("progress: %s", m.Data)
				}
				if !pr.OK {
					refused++
					if pr.Reason != "no_face" {
						t.Fatalf("refused image reason %q", pr.Reason)
					}
				}
			}
			if refused != c.refused {
				t.Fatalf("%d refused images, want %d", refused, c.refused)
			}
			var enrolled bool
			if err := p.DB.Get(&enrolled, `SELECT face_enrolled FROM users WHERE id = ?`, uid); err != nil {
				t.Fatal(err)
			}
			if enrolled != (c.status == "done") {
				t.Fatalf("face_enrolled = %v", enrolled)
			}
		})
	}
}

// TestFrameCheckIdempotent: a redelivered frame command logs its alert once.
func TestFrameCheckIdempotent(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	w := newWorker(t, p)
	uid := addUser(t, p, "proctored")
	// proctor_logs keeps the ids it is given; the edge checked the attempt.
	aid := int64(4242)
	opID := events.NewID()
	if err := store.InTx(context.Background(), p.DB, func(tx *sqlx.Tx) error {
		return ops.Create(context.Background(), tx, opID, "face_frame_check", uid)
	}); err != nil {
		t.Fatal(err)
	}
	env, _ := events.NewEnvelope("face_frame_check", opID, uid, events.FaceFrameCheck{AssessmentID: uint64(aid), UserID: uid, Image: facetest.Blank(t)})
	for d := uint64(1); d <= 2; d++ {
		if err := w.Handle(context.Background(), env, events.Meta{Subject: events.CmdFaceFrameCheck, Delivered: d}); err != nil {
			t.Fatalf("delivery %d: %v", d, err)
		}
	}
	var n int
	if err := p.DB.Get(&n, `SELECT COUNT(*) FROM proctor_logs WHERE assessment_id = ? AND kind = 'face.absent'`, aid); err != nil {
		t.Fatal(err)
	}
	if status, _, result := opRow(t, p, opID); n != 1 || status != "done" || !strings.Contains(result, "face.absent") {
		t.Fatalf("%d rows, op %s %s", n, status, result)
	}
}

// TestDeleteUser removes a user's face data on every replica.
func TestDeleteUser(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	a, b := newWorker(t, p), newWorker(t, p)
	p.Go(b.Run)
	f := facetest.Faces(t)[17]
	uid := addUser(t, p, "leaving")
	env := enrollEnvelope(t, p, uid, []string{facetest.Base64(t, f, facetest.Shots[0]), facetest.Base64(t, f, facetest.Shots[1]), facetest.Base64(t, f, facetest.Shots[2])})
	if err := a.Handle(context.Background(), env, events.Meta{Subject: events.CmdFaceEnroll, Delivered: 1}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 10*time.Second, func() bool { n, _ := b.Index().Len(context.Background()); return n == 3 }, "B missed the enrolment")
	del, _ := events.NewEnvelope("face_delete_user", "", uid, events.FaceDeleteUser{UserID: uid})
	if err := a.Handle(context.Background(), del, events.Meta{Subject: events.CmdFaceDeleteUser, Delivered: 1}); err != nil {
		t.Fatal(err)
	}
	testutil.Eventually(t, 10*time.Second, func() bool { n, _ := b.Index().Len(context.Background()); return n == 0 }, "B kept deleted descriptors")
	var enrolled bool
	if err := p.DB.Get(&enrolled, `SELECT face_enrolled FROM users WHERE id = ?`, uid); err != nil || enrolled {
		t.Fatalf("face_enrolled = %v (%v)", enrolled, err)
	}
}

// TestEnrollDeletedAccount: an account deleted while its enrolment waited
// ends the operation with a reason instead of retrying forever.
func TestEnrollDeletedAccount(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	w := newWorker(t, p)
	f := facetest.Faces(t)[17]
	uid := addUser(t, p, "gone")
	env := enrollEnvelope(t, p, uid, []string{facetest.Base64(t, f, facetest.Shots[0]), facetest.Base64(t, f, facetest.Shots[1]), facetest.Base64(t, f, facetest.Shots[2])})
	if _, err := p.DB.Exec(`DELETE FROM users WHERE id = ?`, uid); err != nil {
		t.Fatal(err)
	}
	if err := w.Handle(context.Background(), env, events.Meta{Subject: events.CmdFaceEnroll, Delivered: 1}); err != nil {
		t.Fatalf("handle: %v", err)
	}
	if status, code, _ := opRow(t, p, env.CorrelationID); status != "failed" || code != "no_such_user" {
		t.Fatalf("op %s/%s", status, code)
	}
	var rows int
	if err := p.DB.Get(&rows, `SELECT COUNT(*) FROM face_enrollments WHERE user_id = ?`, uid); err != nil || rows != 0 {
		t.Fatalf("%d enrolment rows (%v)", rows, err)
	}
}

// TestMalformedCommand: a payload no retry can fix fails its operation (the
// client stops waiting) and is dead-lettered, not retried.
func TestMalformedCommand(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	w := newWorker(t, p)
	cases := []struct {
		name, subject string
		payload       any
	}{
		{"enroll payload of the wrong shape", events.CmdFaceEnroll, map[string]any{"user_id": "seven"}},
		{"enroll without user", events.CmdFaceEnroll, events.FaceEnroll{Images: []string{"x"}}},
		{"frame without assessment", events.CmdFaceFrameCheck, events.FaceFrameCheck{UserID: 1, Image: "x"}},
		{"identify payload of the wrong shape", events.CmdFaceIdentify, []int{1, 2}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			opID := events.NewID()
			if err := store.InTx(context.Background(), p.DB, func(tx *sqlx.Tx) error {
				return ops.Create(context.Background(), tx, opID, "face_test", 0)
			}); err != nil {
				t.Fatal(err)
			}
			env, err := events.NewEnvelope("face_test", opID, 0, c.payload)
			if err != nil {
				t.Fatal(err)
			}
			err = w.Handle(context.Background(), env, events.Meta{Subject: c.subject, Delivered: 1})
			if !events.IsPermanent(err) {
				t.Fatalf("err = %v, want permanent", err)
			}
			if status, code, _ := opRow(t, p, opID); status != "failed" || code != "bad_request" {
				t.Fatalf("op %s/%s", status, code)
			}
		})
	}
}

// BenchmarkEnrollCommand is one enrolment of three 256 px webcam-like
// images handled by the worker: decode, detect, landmarks and descriptor
// per image, consistency and duplicate checks, the MySQL transaction.
func BenchmarkEnrollCommand(b *testing.B) {
	p := platformtest.Start(b, platformtest.Options{NoMailWorker: true})
	w, err := faceworker.New(faceworker.Config{}, faceworker.Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log, Embedder: benchPipeline(b)})
	if err != nil {
		b.Fatal(err)
	}
	f := facetest.Faces(b)[21]
	images := []string{facetest.Base64(b, f, facetest.Shots[0]), facetest.Base64(b, f, facetest.Shots[1]), facetest.Base64(b, f, facetest.Shots[2])}
	res, err := p.DB.Exec(`INSERT INTO users (username, email, password_hash) VALUES ('bench', 'bench@example.com', 'x')`)
	if err != nil {
		b.Fatal(err)
	}
	id, _ := res.LastInsertId()
	uid := uint64(id)
	for b.Loop() {
		b.StopTimer()
		opID := events.NewID()
		if err := store.InTx(context.Background(), p.DB, func(tx *sqlx.Tx) error {
			return ops.Create(context.Background(), tx, opID, "face_enroll", uid)
		}); err != nil {
			b.Fatal(err)
		}
		env, _ := events.NewEnvelope("face_enroll", opID, uid, events.FaceEnroll{UserID: uid, Images: images, Source: "reset"})
		b.StartTimer()
		if err := w.Handle(context.Background(), env, events.Meta{Subject: events.CmdFaceEnroll, Delivered: 1}); err != nil {
			b.Fatal(err)
		}
	}
}

func benchPipeline(b *testing.B) *face.Pipeline {
	pipeOnce.Do(func() { pipe, pipeErr = face.Load(testutil.ModelsDir(b)) })
	if pipeErr != nil {
		b.Fatal(pipeErr)
	}
	return pipe
}
