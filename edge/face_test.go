package edge_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hirebus/hirebus/edge"
	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/face/index"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/internal/testutil"
	faceworker "github.com/hirebus/hirebus/workers/face"
	"github.com/hirebus/hirebus/workers/face/facetest"
)

var (
	pipeOnce sync.Once
	pipe     *face.Pipeline
	pipeErr  error
)

// startFaceWorker runs a face worker with the real models on p.
func startFaceWorker(t testing.TB, p *platformtest.Platform) *faceworker.Worker {
	t.Helper()
	pipeOnce.Do(func() { pipe, pipeErr = face.Load(testutil.ModelsDir(t)) })
	if pipeErr != nil {
		t.Fatal(pipeErr)
	}
	w, err := faceworker.New(faceworker.Config{}, faceworker.Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log, Embedder: pipe})
	if err != nil {
		t.Fatal(err)
	}
	p.Go(w.Run)
	return w
}

// registerWithFace walks send-otp → verify → register with images.
func registerWithFace(t *testing.T, p *platformtest.Platform, name string, images []string) (platformtest.User, string, platformtest.Response) {
	t.Helper()
	u := platformtest.User{Username: name, Email: name + "@example.com", Password: "s3cret-pass"}
	start := time.Now()
	if r := p.Do("POST", "/api/auth/send-otp", "", map[string]string{"email": u.Email, "purpose": "register"}); r.Status != 202 {
		t.Fatalf("send-otp: %d %s", r.Status, r.Body)
	}
	code := p.OTPFor(u.Email, start)
	if r := p.Do("POST", "/api/auth/verify-otp", "", map[string]string{"email": u.Email, "otp": code, "purpose": "register"}); r.Status != 200 {
		t.Fatalf("verify-otp: %d %s", r.Status, r.Body)
	}
	r := p.Do("POST", "/api/auth/register", "", map[string]any{"username": name, "email": u.Email, "password": u.Password, "images": images})
	if r.Status != 201 {
		return u, "", r
	}
	var out struct {
		User       struct{ ID uint64 }
		Token      string
		EnrollOpID string `json:"enroll_op_id"`
	}
	r.JSON(t, &out)
	u.ID, u.Token = out.User.ID, out.Token
	return u, out.EnrollOpID, r
}

func shots(t *testing.T, f facetest.Face, idx ...int) []string {
	var out []string
	for _, i := range idx {
		out = append(out, facetest.Base64(t, f, facetest.Shots[i]))
	}
	return out
}

// bombPNG is a valid 1×1 PNG whose header claims width×height.
func bombPNG(t *testing.T, width, height uint32) string {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	b := buf.Bytes()
	// IHDR data starts at 16 (8 signature + 4 length + 4 type).
	binary.BigEndian.PutUint32(b[16:], width)
	binary.BigEndian.PutUint32(b[20:], height)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return base64.StdEncoding.EncodeToString(b)
}

// noisePNG is a valid side×side PNG that does not compress.
func noisePNG(t *testing.T, side int) string {
	m := image.NewRGBA(image.Rect(0, 0, side, side))
	x := uint32(2463534242)
	for i := range m.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		m.Pix[i] = byte(x)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// FuzzFaceImage sends arbitrary bytes as a face image through the edge's
// checks (base64, magic, header, limits): the answer is a 4xx with a code,
// or 202 for an image that passes (the edge does not wait: no worker runs
// here), never a 5xx.
func FuzzFaceImage(f *testing.F) {
	p := platformtest.Start(f, platformtest.Options{NoMailWorker: true, EdgeConfig: func(c *edge.Config) { c.WaitTimeout = time.Millisecond }})
	app := p.Edge.App()
	var jpg, pn bytes.Buffer
	_ = png.Encode(&pn, image.NewGray(image.Rect(0, 0, 8, 8)))
	_ = jpegEncode(&jpg)
	seeds := [][]byte{jpg.Bytes(), pn.Bytes(), []byte("GIF89a"), {0xFF, 0xD8, 0xFF, 0xC0, 0, 0x11}, []byte("\x89PNG\r\n\x1a\n"),
		// A JPEG cut inside its quantisation table.
		[]byte("\xff\xd8\xff\xdb\x00\x84\x00\b\x06\x06\a\x06\x05\b\a\a\a\t\t\b\n\f\x14\r\f\x11\x00?\x00\xf9\xfe\x8a(\xa0\x0f\xff\x1a")}
	for _, seed := range seeds {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, dataURL bool) {
		img := base64.StdEncoding.EncodeToString(data)
		if dataURL {
			img = "data:image/png;base64," + img
		}
		body, _ := json.Marshal(map[string]string{"image": img})
		req := httptest.NewRequest("POST", "/detect_face", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 || (resp.StatusCode != 202 && resp.StatusCode < 400) {
			t.Fatalf("status %d for %d bytes", resp.StatusCode, len(data))
		}
	})
}

// TestFaceAPI walks the face features end to end against real MariaDB,
// JetStream and the face worker with the real models.
func TestFaceAPI(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	startFaceWorker(t, p)
	fs := facetest.Faces(t)
	alice, bob, carol := fs[21], fs[0], fs[17]

	var aliceU platformtest.User
	t.Run("register with images enrols", func(t *testing.T) {
		u, op, r := registerWithFace(t, p, "alice", shots(t, alice, 0, 1, 2))
		if r.Status != 201 || op == "" {
			t.Fatalf("register: %d %s", r.Status, r.Body)
		}
		aliceU = u
		ws := platformtest.DialWS(t, p.URL, u.Token, 0)
		if got := p.WaitOp(u.Token, op, 60*time.Second); got["status"] != "done" {
			t.Fatalf("enroll op: %v", got)
		}
		seen := map[int]bool{}
		for len(seen) < 3 {
			m := ws.WaitFor(20*time.Second, func(m platformtest.Push) bool { return m.Type == "face.enroll.progress" })
			var pr struct {
				Index int
				OK    bool
			}
			if err := json.Unmarshal(m.Data, &pr); err != nil || !pr.OK {
				t.Fatalf("progress: %s", m.Data)
			}
			seen[pr.Index] = true
		}
		if me := p.Do("GET", "/api/user/me", u.Token, nil).Map(t); me["face_enrolled"] != true {
			t.Fatalf("me after enrol: %v", me)
		}
	})
	if aliceU.ID == 0 {
		t.Fatal("alice not enrolled")
	}

	t.Run("face login 1:1 with username", func(t *testing.T) {
		r := p.Do("POST", "/api/auth/face-login", "", map[string]any{"username": "alice", "image": facetest.Base64(t, alice, facetest.Shots[3])})
		if r.Status != 200 {
			t.Fatalf("face-login: %d %s", r.Status, r.Body)
		}
		m := r.Map(t)
		tok, _ := m["token"].(string)
		if m["method"] != "face" || tok == "" {
			t.Fatalf("face-login body: %s", r.Body)
		}
		if me := p.Do("GET", "/api/user/me", tok, nil).Map(t); me["username"] != "alice" {
			t.Fatalf("me with face token: %v", me)
		}
	})
	t.Run("face login 1:N without username", func(t *testing.T) {
		r := p.Do("POST", "/api/auth/face-login", "", map[string]any{"image": facetest.Base64(t, alice, facetest.Shots[4])})
		if r.Status != 200 {
			t.Fatalf("face-login: %d %s", r.Status, r.Body)
		}
		if u := r.Map(t)["user"].(map[string]any); u["username"] != "alice" {
			t.Fatalf("identified %v", u)
		}
	})
	t.Run("other person refused", func(t *testing.T) {
		img := facetest.Base64(t, bob, facetest.Shots[0])
		r := p.Do("POST", "/api/auth/face-login", "", map[string]any{"username": "alice", "image": img})
		if r.Status != 401 || r.ErrorCode() != "face_not_recognized" {
			t.Fatalf("bob as alice: %d %s", r.Status, r.Body)
		}
		r = p.Do("POST", "/api/auth/face-login", "", map[string]any{"image": img})
		if r.Status != 401 || r.ErrorCode() != "username_required" {
			t.Fatalf("bob 1:N: %d %s", r.Status, r.Body)
		}
		r = p.Do("POST", "/api/auth/face-login", "", map[string]any{"username": "nobody", "image": img})
		if r.Status != 401 {
			t.Fatalf("unknown user: %d %s", r.Status, r.Body)
		}
	})

	t.Run("duplicate face refused", func(t *testing.T) {
		b, op, r := registerWithFace(t, p, "bob", shots(t, bob, 0, 1, 2))
		if r.Status != 201 {
			t.Fatalf("register bob: %d %s", r.Status, r.Body)
		}
		if got := p.WaitOp(b.Token, op, 60*time.Second); got["status"] != "done" {
			t.Fatalf("bob enroll: %v", got)
		}
		// Registration is all or nothing: a face that belongs to someone
		// else refuses the whole registration and leaves nothing behind.
		before := rowCounts(t, p)
		_, _, r = registerWithFace(t, p, "mallory", shots(t, alice, 1, 3, 4))
		if r.Status != 422 || r.ErrorCode() != "duplicate_face" {
			t.Fatalf("register mallory with alice's face: %d %s", r.Status, r.Body)
		}
		assertNoAccount(t, p, "mallory", before)
	})

	t.Run("reset-face", func(t *testing.T) {
		// Images without a face: the operation fails with reasons.
		blank := facetest.Blank(t)
		r := p.Do("POST", "/api/auth/reset-face", aliceU.Token, map[string]any{"images": []string{blank, blank, blank}, "password": aliceU.Password})
		if r.Status != 202 {
			t.Fatalf("reset-face: %d %s", r.Status, r.Body)
		}
		got := p.WaitOp(aliceU.Token, r.Map(t)["op_id"].(string), 60*time.Second)
		e, _ := got["error"].(map[string]any)
		if got["status"] != "failed" || e["code"] != "too_few_images" || !strings.Contains(e["message"].(string), "no face") {
			t.Fatalf("reset with blank images: %v", got)
		}
		// A reset with new good images (including grayscale and an
		// EXIF-rotated one) works and the face still logs in.
		imgs := []string{
			facetest.Base64(t, alice, facetest.Shots[0]),
			facetest.Base64(t, alice, facetest.Variant{Gray: true}),
			facetest.Base64(t, alice, facetest.Variant{Rotate: true}),
		}
		r = p.Do("POST", "/api/auth/reset-face", aliceU.Token, map[string]any{"images": imgs, "password": aliceU.Password})
		if r.Status != 202 {
			t.Fatalf("reset-face: %d %s", r.Status, r.Body)
		}
		if got := p.WaitOp(aliceU.Token, r.Map(t)["op_id"].(string), 60*time.Second); got["status"] != "done" {
			t.Fatalf("reset: %v", got)
		}
		r = p.Do("POST", "/api/auth/face-login", "", map[string]any{"username": "alice", "image": facetest.Base64(t, alice, facetest.Shots[2])})
		if r.Status != 200 {
			t.Fatalf("login after reset: %d %s", r.Status, r.Body)
		}
		if r = p.Do("POST", "/api/auth/reset-face", "", map[string]any{"images": imgs}); r.Status != 401 {
			t.Fatalf("reset-face without token: %d", r.Status)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		good := facetest.Base64(t, alice, facetest.Shots[0])
		raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(good, "data:image/jpeg;base64,"))
		truncated := base64.StdEncoding.EncodeToString(raw[:len(raw)/2])
		gif := base64.StdEncoding.EncodeToString([]byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"))
		four := facetest.Group(t, fs[13:17], 900)
		noise := noisePNG(t, 960) // ≈4.9 MiB of base64: three exceed the 8 MiB NATS payload but not the body limit
		cases := []struct {
			name, path string
			body       map[string]any
			status     int
			code       string
		}{
			{"two images", "/api/auth/reset-face", map[string]any{"images": []string{good, good}}, 400, "too_few_images"},
			{"not an image", "/detect_face", map[string]any{"image": base64.StdEncoding.EncodeToString([]byte("hello, not an image at all"))}, 400, "not_image"},
			{"not base64", "/detect_face", map[string]any{"image": "%%%***"}, 400, "bad_base64"},
			{"gif", "/detect_face", map[string]any{"image": gif}, 400, "unsupported_image"},
			{"decompression bomb", "/detect_face", map[string]any{"image": bombPNG(t, 20000, 20000)}, 413, "image_too_large"},
			{"huge base64", "/detect_face", map[string]any{"image": strings.Repeat("A", 6<<20)}, 413, "image_too_large"},
			{"empty image", "/api/auth/face-login", map[string]any{"image": ""}, 400, "missing_image"},
			{"truncated jpeg", "/api/auth/face-login", map[string]any{"image": truncated}, 400, "truncated_image"},
			{"no face", "/api/auth/face-login", map[string]any{"image": facetest.Blank(t)}, 422, "no_face"},
			{"four faces", "/api/auth/face-login", map[string]any{"image": four}, 422, "multiple_faces"},
			{"over the bus limit", "/api/auth/reset-face", map[string]any{"images": []string{noise, noise, noise}}, 413, "images_too_large"},
			{"bad image in register", "/api/auth/register", map[string]any{"username": "zed", "email": "zed@example.com", "password": "s3cret-pass1", "images": []string{good, good, gif}}, 400, "unsupported_image"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := p.Do("POST", c.path, aliceU.Token, c.body)
				if r.Status != c.status || r.ErrorCode() != c.code {
					t.Fatalf("%s: got %d %s, want %d %s", c.path, r.Status, r.Body, c.status, c.code)
				}
			})
		}
	})

	t.Run("detect_face", func(t *testing.T) {
		dir := testutil.FacesDir(t)
		images := filepath.Join(testutil.RepoRoot(), "face", "imaging", "testdata", "images")
		cases := []struct {
			name, path, file string
			want             int
		}{
			{"sample1", "/detect_face", filepath.Join(dir, "sample1.jpg"), 3},
			{"alias", "/api/face/detect", filepath.Join(dir, "sample1.jpg"), 3},
			{"cmyk jpeg", "/detect_face", filepath.Join(images, "cmyk.jpg"), 3},
			{"grayscale jpeg", "/detect_face", filepath.Join(images, "gray.jpg"), 3},
			{"exif rotated", "/detect_face", filepath.Join(images, "rotated6.jpg"), 3},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := p.Do("POST", c.path, "", map[string]any{"image": facetest.FileBase64(t, c.file)})
				if r.Status != 200 {
					t.Fatalf("detect: %d %s", r.Status, r.Body)
				}
				var out struct {
					Count int
					Faces []struct {
						Score float64
						Box   struct{ X, Y, Width, Height float64 }
					}
				}
				r.JSON(t, &out)
				if out.Count != c.want || len(out.Faces) != c.want {
					t.Fatalf("count %d, want %d: %s", out.Count, c.want, r.Body)
				}
				for _, f := range out.Faces {
					if f.Score < 0.5 || f.Box.Width <= 0 || f.Box.Height <= 0 {
						t.Fatalf("bad face %+v", f)
					}
				}
			})
		}
	})

	t.Run("password and face", func(t *testing.T) {
		if _, err := p.DB.Exec(`UPDATE users SET require_face = TRUE WHERE id = ?`, aliceU.ID); err != nil {
			t.Fatal(err)
		}
		defer p.DB.Exec(`UPDATE users SET require_face = FALSE WHERE id = ?`, aliceU.ID)
		img := facetest.Base64(t, alice, facetest.Shots[4])
		if r := p.Do("POST", "/api/auth/face-login", "", map[string]any{"username": "alice", "image": img}); r.Status != 401 || r.ErrorCode() != "password_required" {
			t.Fatalf("without password: %d %s", r.Status, r.Body)
		}
		if r := p.Do("POST", "/api/auth/face-login", "", map[string]any{"image": img}); r.Status != 401 || r.ErrorCode() != "password_required" {
			t.Fatalf("1:N without password: %d %s", r.Status, r.Body)
		}
		if r := p.Do("POST", "/api/auth/face-login", "", map[string]any{"username": "alice", "password": "wrong-pass-1", "image": img}); r.Status != 401 || r.ErrorCode() != "invalid_credentials" {
			t.Fatalf("wrong password: %d %s", r.Status, r.Body)
		}
		r := p.Do("POST", "/api/auth/face-login", "", map[string]any{"username": "alice", "password": aliceU.Password, "image": img})
		if r.Status != 200 || r.Map(t)["method"] != "password+face" {
			t.Fatalf("password+face: %d %s", r.Status, r.Body)
		}
		// Right password, wrong face.
		r = p.Do("POST", "/api/auth/face-login", "", map[string]any{"username": "alice", "password": aliceU.Password, "image": facetest.Base64(t, carol, facetest.Shots[0])})
		if r.Status != 401 {
			t.Fatalf("password with carol's face: %d %s", r.Status, r.Body)
		}
	})

	t.Run("slow answer: 202 then redeem once", func(t *testing.T) {
		_, slowURL := p.StartEdge(t, func(c *edge.Config) { c.WaitTimeout = time.Millisecond })
		r := platformtest.Do(t, "POST", slowURL+"/api/auth/face-login", "", map[string]any{"image": facetest.Base64(t, alice, facetest.Shots[3])})
		if r.Status != 202 {
			t.Fatalf("face-login on a hurried edge: %d %s", r.Status, r.Body)
		}
		opID := r.Map(t)["op_id"].(string)
		op := p.WaitOp("", opID, 60*time.Second)
		if strings.Contains(string(mustJSON(t, op)), "token") {
			t.Fatalf("op result holds a token: %v", op)
		}
		r = platformtest.Do(t, "POST", slowURL+"/api/auth/face-login", "", map[string]any{"op_id": opID})
		if r.Status != 200 || r.Map(t)["user"].(map[string]any)["username"] != "alice" {
			t.Fatalf("redeem: %d %s", r.Status, r.Body)
		}
		r = platformtest.Do(t, "POST", slowURL+"/api/auth/face-login", "", map[string]any{"op_id": opID})
		if r.Status != 409 {
			t.Fatalf("second redeem: %d %s", r.Status, r.Body)
		}
	})

	t.Run("proctor frames", func(t *testing.T) {
		p.StartProctorWorker(t)
		aid, attemptID := activeAttempt(t, p.DB, aliceU.ID)
		ws := platformtest.DialWS(t, p.URL, aliceU.Token, -1)
		cases := []struct {
			name, image, want string
		}{
			{"absent", facetest.Blank(t), "face.absent"},
			{"multiple", facetest.Group(t, fs[19:21], 640), "face.multiple"},
			{"mismatch", facetest.Base64(t, carol, facetest.Shots[0]), "face.mismatch"},
			{"candidate", facetest.Base64(t, alice, facetest.Shots[1]), ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := p.Do("POST", "/api/proctor/frame", aliceU.Token, map[string]any{"attempt_id": attemptID, "image": c.image})
				if r.Status != 202 {
					t.Fatalf("frame: %d %s", r.Status, r.Body)
				}
				opID := r.Map(t)["op_id"].(string)
				op := p.WaitOp(aliceU.Token, opID, 60*time.Second)
				if op["status"] != "done" {
					t.Fatalf("frame op: %v", op)
				}
				if c.want == "" {
					if alerts := op["result"].(map[string]any)["alerts"].([]any); len(alerts) != 0 {
						t.Fatalf("the candidate raised %v", alerts)
					}
					return
				}
				// The proctor worker logs the frame in the attempt's order.
				var n int
				testutil.Eventually(t, 20*time.Second, func() bool {
					return p.DB.Get(&n, `SELECT COUNT(*) FROM proctor_logs WHERE assessment_id = ? AND attempt_id = ? AND kind = ?`, aid, attemptID, c.want) == nil && n == 1
				}, "%d proctor_logs rows of %s", n, c.want)
				m := ws.WaitFor(20*time.Second, func(m platformtest.Push) bool { return m.Type == c.want && m.OpID == opID })
				var a struct {
					Confidence   float64
					AssessmentID uint64 `json:"assessment_id"`
					AttemptID    uint64 `json:"attempt_id"`
				}
				if err := json.Unmarshal(m.Data, &a); err != nil || a.AssessmentID != uint64(aid) || a.AttemptID != attemptID || a.Confidence <= 0 || a.Confidence > 1 {
					t.Fatalf("alert push: %s", m.Data)
				}
			})
		}
		// Someone else's attempt is not found; a closed one is refused.
		bobTok := p.Register("dave", "candidate").Token
		if r := p.Do("POST", "/api/proctor/frame", bobTok, map[string]any{"attempt_id": attemptID, "image": facetest.Blank(t)}); r.Status != 404 {
			t.Fatalf("frame for another's attempt: %d %s", r.Status, r.Body)
		}
		if _, err := p.DB.Exec(`UPDATE assessment_attempts SET deadline = UTC_TIMESTAMP(3) - INTERVAL 1 SECOND WHERE id = ?`, attemptID); err != nil {
			t.Fatal(err)
		}
		if r := p.Do("POST", "/api/proctor/frame", aliceU.Token, map[string]any{"attempt_id": attemptID, "image": facetest.Blank(t)}); r.Status != 409 {
			t.Fatalf("frame after the deadline: %d %s", r.Status, r.Body)
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// BenchmarkFaceLogin is one 1:N face login over HTTP: edge → outbox → NATS
// → face worker (decode, detect, landmarks, descriptor, search) → MySQL →
// event → edge → session. The image is a 256 px webcam-like JPEG.
func BenchmarkFaceLogin(b *testing.B) {
	p := platformtest.Start(b, platformtest.Options{})
	w := startFaceWorker(b, p)
	f := facetest.Faces(b)[21]
	res, err := p.DB.Exec(`INSERT INTO users (username, email, password_hash) VALUES ('bench', 'bench@example.com', 'x')`)
	if err != nil {
		b.Fatal(err)
	}
	uid, _ := res.LastInsertId()
	var entries []index.Entry
	for _, v := range facetest.Shots[:3] {
		img, err := face.DecodeImage(facetest.Image(b, f, v), face.DefaultLimits())
		if err != nil {
			b.Fatal(err)
		}
		fs, err := pipe.Embed(img, face.Options{})
		if err != nil || len(fs) != 1 {
			b.Fatalf("shot: %d faces, %v", len(fs), err)
		}
		entries = append(entries, index.Entry{Vector: fs[0].Descriptor})
	}
	if _, err := w.Index().ReplaceUser(context.Background(), uint64(uid), "bench-op", entries); err != nil {
		b.Fatal(err)
	}
	body := map[string]any{"image": facetest.Base64(b, f, facetest.Shots[3])}
	b.ResetTimer()
	for b.Loop() {
		if r := p.Do("POST", "/api/auth/face-login", "", body); r.Status != 200 {
			b.Fatalf("face-login: %d %s", r.Status, r.Body)
		}
	}
}

// BenchmarkDetectFaceSample1 is POST /detect_face with sample1.jpg
// (1920×1280, 3 faces) end to end.
func BenchmarkDetectFaceSample1(b *testing.B) {
	p := platformtest.Start(b, platformtest.Options{})
	startFaceWorker(b, p)
	body := map[string]any{"image": facetest.FileBase64(b, filepath.Join(testutil.FacesDir(b), "sample1.jpg"))}
	for b.Loop() {
		if r := p.Do("POST", "/detect_face", "", body); r.Status != 200 {
			b.Fatalf("detect: %d %s", r.Status, r.Body)
		}
	}
}

func jpegEncode(w io.Writer) error {
	return jpeg.Encode(w, image.NewRGBA(image.Rect(0, 0, 8, 8)), nil)
}

// rowCounts counts what a registration can leave behind.
func rowCounts(t *testing.T, p *platformtest.Platform) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"users", "face_embeddings", "face_enrollments", "user_sessions"} {
		var n int
		if err := p.DB.Get(&n, `SELECT COUNT(*) FROM `+table); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

// assertNoAccount checks that a refused registration left no user row, no
// face row and no session: the counts are those before it.
func assertNoAccount(t *testing.T, p *platformtest.Platform, username string, before map[string]int) {
	t.Helper()
	var n int
	if err := p.DB.Get(&n, `SELECT COUNT(*) FROM users WHERE username = ?`, username); err != nil || n != 0 {
		t.Fatalf("users rows for %s: %d (%v)", username, n, err)
	}
	if after := rowCounts(t, p); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("rows before %v, after %v", before, after)
	}
}

// TestRegisterFaceAllOrNothing: a registration with images either enrols
// the face or is refused with the reason, leaving no account, face row or
// session; the verified e-mail can be used again.
func TestRegisterFaceAllOrNothing(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	startFaceWorker(t, p)
	fs := facetest.Faces(t)
	t.Run("faces of different people", func(t *testing.T) {
		imgs := []string{facetest.Base64(t, fs[14], facetest.Shots[0]), facetest.Base64(t, fs[14], facetest.Shots[1]), facetest.Base64(t, fs[18], facetest.Shots[0])}
		before := rowCounts(t, p)
		_, _, r := registerWithFace(t, p, "mixed", imgs)
		if r.Status != 422 || r.ErrorCode() != "inconsistent_faces" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		assertNoAccount(t, p, "mixed", before)
	})
	t.Run("no faces", func(t *testing.T) {
		blank := facetest.Blank(t)
		before := rowCounts(t, p)
		_, _, r := registerWithFace(t, p, "blank", []string{blank, blank, blank})
		if r.Status != 422 || r.ErrorCode() != "too_few_images" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		assertNoAccount(t, p, "blank", before)
	})
	t.Run("enrolled at once", func(t *testing.T) {
		u, op, r := registerWithFace(t, p, "whole", shots(t, fs[3], 0, 1, 2))
		if r.Status != 201 || op == "" || u.Token == "" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		if me := p.Do("GET", "/api/user/me", u.Token, nil).Map(t); me["face_enrolled"] != true {
			t.Fatalf("me right after register: %v", me)
		}
		if r := p.Do("POST", "/api/auth/login", "", map[string]string{"username": "whole", "password": u.Password}); r.Status != 200 {
			t.Fatalf("password login: %d %s", r.Status, r.Body)
		}
	})
}

// TestRegisterFaceTimeout: without an answer from the face worker within
// the bounded wait the registration is refused and nothing stays; a late
// enrolment finds no account.
func TestRegisterFaceTimeout(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{EdgeConfig: func(c *edge.Config) { c.FaceRegisterWait = 300 * time.Millisecond }})
	f := facetest.Faces(t)[3]
	before := rowCounts(t, p)
	_, _, r := registerWithFace(t, p, "late", shots(t, f, 0, 1, 2))
	if r.Status != 503 || r.ErrorCode() != "face_check_timeout" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	assertNoAccount(t, p, "late", before)
	// The worker starts late and handles the queued command: no account.
	startFaceWorker(t, p)
	testutil.Eventually(t, 60*time.Second, func() bool {
		var code string
		_ = p.DB.Get(&code, `SELECT COALESCE(JSON_VALUE(error, '$.code'), '') FROM operations WHERE type = 'face_enroll' AND status = 'failed' LIMIT 1`)
		return code == "no_such_user"
	}, "the late enrolment to fail with no_such_user")
	assertNoAccount(t, p, "late", before)
	// The verified e-mail is still good: registering again (through an
	// edge with the default wait) works.
	_, url := p.StartEdge(t, nil)
	u := platformtest.User{Username: "late", Email: "late@example.com", Password: "s3cret-pass"}
	r = platformtest.Do(t, "POST", url+"/api/auth/register", "", map[string]any{"username": u.Username, "email": u.Email, "password": u.Password, "images": shots(t, f, 0, 1, 2)})
	if r.Status != 201 {
		t.Fatalf("register again: %d %s", r.Status, r.Body)
	}
}
