package face

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/jpeg"
	"testing"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/face/match"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/store"
	"github.com/hirebus/hirebus/workers/face/facetest"
	"github.com/jmoiron/sqlx"
)

// blurred re-encodes a face image after a box blur of radius r.
func blurred(t *testing.T, jpg []byte, r int) string {
	t.Helper()
	src, err := jpeg.Decode(bytes.NewReader(jpg))
	if err != nil {
		t.Fatal(err)
	}
	b := src.Bounds()
	out := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			var sr, sg, sb, n uint32
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					px, py := min(max(x+dx, b.Min.X), b.Max.X-1), min(max(y+dy, b.Min.Y), b.Max.Y-1)
					cr, cg, cb, _ := src.At(px, py).RGBA()
					sr, sg, sb, n = sr+cr>>8, sg+cg>>8, sb+cb>>8, n+1
				}
			}
			i := out.PixOffset(x, y)
			out.Pix[i], out.Pix[i+1], out.Pix[i+2], out.Pix[i+3] = uint8(sr/n), uint8(sg/n), uint8(sb/n), 255
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, out, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// TestQualityGates: every gate on real images where one can be made, on
// measured values where not (a turned head needs a photo we do not have).
func TestQualityGates(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the face models")
	}
	p, err := face.Load(testutil.ModelsDir(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	w := &Worker{cfg: cfg, emb: p}
	f := facetest.Faces(t)[0]
	web := facetest.Variant{Width: 480}
	for _, tc := range []struct {
		name, image string
		code        events.Code
	}{
		{"webcam frame", facetest.Base64(t, f, web), ""},
		{"too small", facetest.Base64(t, f, facetest.Variant{Width: 150, Margin: 1}), CodeFaceTooSmall},
		{"too dark", facetest.Base64(t, f, facetest.Variant{Width: 480, Brightness: 0.25}), CodeTooDark},
		{"slightly soft (box blur r=2)", blurred(t, facetest.Image(t, f, web), 2), ""},
		{"blurred (box blur r=3)", blurred(t, facetest.Image(t, f, web), 3), CodeBlurred},
		{"blurred (box blur r=4)", blurred(t, facetest.Image(t, f, web), 4), CodeBlurred},
		{"several faces", facetest.Group(t, facetest.Faces(t)[:2], 640), CodeMultipleFaces},
		{"no face", facetest.Blank(t), CodeNoFace},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := w.analyse(tc.image)
			if err != nil {
				t.Fatal(err)
			}
			var got events.Code
			if a.rej != nil {
				got = a.rej.Code
			}
			t.Logf("quality %+v faces %d", a.q, a.faces)
			if got != tc.code {
				t.Fatalf("code %q (%v), want %q", got, a.rej, tc.code)
			}
			if got != "" && Hint(got) == "" {
				t.Errorf("no hint for %s", got)
			}
		})
	}
	good := face.Quality{Size: 200, Brightness: 130, Sharpness: 500}
	ok := face.Face{Score: 0.9}
	for _, tc := range []struct {
		name string
		edit func(q *face.Quality)
		code events.Code
	}{
		{"good", func(*face.Quality) {}, ""},
		{"small", func(q *face.Quality) { q.Size = 50 }, CodeFaceTooSmall},
		{"dark", func(q *face.Quality) { q.Brightness = 30 }, CodeTooDark},
		{"bright", func(q *face.Quality) { q.Brightness = 240 }, CodeTooBright},
		{"blurred", func(q *face.Quality) { q.Sharpness = 10 }, CodeBlurred},
		{"turned left", func(q *face.Quality) { q.Yaw = 45 }, CodeOffAngle},
		{"turned right", func(q *face.Quality) { q.Yaw = -45 }, CodeOffAngle},
		{"looking down", func(q *face.Quality) { q.Pitch = 35 }, CodeOffAngle},
		{"slightly turned is fine", func(q *face.Quality) { q.Yaw, q.Pitch = 20, -15 }, ""},
	} {
		t.Run("measured/"+tc.name, func(t *testing.T) {
			q := good
			tc.edit(&q)
			var got events.Code
			if r := w.gate(ok, q); r != nil {
				got = r.Code
			}
			if got != tc.code {
				t.Fatalf("code %q, want %q", got, tc.code)
			}
		})
	}
	if r := w.gate(face.Face{Score: 0.55}, good); r == nil || r.Code != CodeLowQuality {
		t.Errorf("low detector score: %v", r)
	}
}

// TestEnrollKeepsBestImages: a capture of more good images than an
// enrolment keeps stores the best MaxEnrollKeep, and the refused ones never.
func TestEnrollKeepsBestImages(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the face models")
	}
	p := platformtest.Start(t, platformtest.Options{NoMailWorker: true})
	pipe, err := face.Load(testutil.ModelsDir(t))
	if err != nil {
		t.Fatal(err)
	}
	w, err := New(Config{}, Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log, Embedder: pipe})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.DB.Exec(`INSERT INTO users (username, email, password_hash) VALUES ('keep', 'keep@example.com', 'x')`)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	uid := uint64(id)
	f := facetest.Faces(t)[21]
	web := facetest.Image(t, f, facetest.Variant{Width: 480})
	images := []string{blurred(t, web, 2)} // soft: passes the gates, but ranks last
	for _, v := range append(facetest.Shots, facetest.Variant{Width: 320, DX: -0.03}, facetest.Variant{Width: 360, DY: 0.03}) {
		images = append(images, facetest.Base64(t, f, v))
	}
	images = append(images, facetest.Blank(t))
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
	if err := w.Handle(context.Background(), env, events.Meta{Subject: events.CmdFaceEnroll, Delivered: 1}); err != nil {
		t.Fatal(err)
	}
	op, err := ops.Get(context.Background(), p.DB, opID)
	if err != nil {
		t.Fatal(err)
	}
	var r EnrollResult
	if op.Status != ops.StatusDone || json.Unmarshal(op.Result, &r) != nil {
		t.Fatalf("enrol: %s %s %s", op.Status, op.Result, op.Error)
	}
	if r.Images != 9 || r.Enrolled != 5 {
		t.Fatalf("result %+v: want 9 images, 5 kept", r)
	}
	var n int
	if err := p.DB.Get(&n, `SELECT COUNT(*) FROM face_embeddings WHERE user_id = ?`, uid); err != nil || n != 5 {
		t.Fatalf("%d rows stored (%v)", n, err)
	}
	// The soft frame is not among them.
	soft, err := w.analyse(images[0])
	if err != nil || soft.rej != nil {
		t.Fatalf("soft frame: %v %v", err, soft.rej)
	}
	stored, err := w.enrolled(context.Background(), uid)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range stored {
		if match.Distance(d, soft.face.Descriptor) < 1e-4 {
			t.Fatal("the softest image was kept")
		}
	}
}
