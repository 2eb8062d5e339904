package edge_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/hirebus/hirebus/edge"
	"github.com/hirebus/hirebus/face"
	"github.com/hirebus/hirebus/internal/platformtest"
	faceworker "github.com/hirebus/hirebus/workers/face"
	"github.com/hirebus/hirebus/workers/face/facetest"
)

// scripted is an Embedder for liveness tests: a frame's pixel (0,0) says
// which pose the single face in it has (what a person does on camera,
// which no photo in the test data shows): red = yaw + 100 in degrees,
// green = eye aspect ratio × 100, blue = person.
type scripted struct{}

func (scripted) ModelID() string { return face.ModelID }

func (s scripted) Detect(img image.Image, o face.Options) ([]face.Face, error) {
	return s.Embed(img, o)
}

func (scripted) Embed(img image.Image, _ face.Options) ([]face.Face, error) {
	r, g, b, _ := img.At(0, 0).RGBA()
	yaw, ear, person := float64(r>>8)-100, float64(g>>8)/100, float64(b>>8)
	desc := make([]float32, 128)
	desc[int(person)%128] = 1
	desc[(int(person)+1)%128] = float32(math.Abs(yaw)) / 400 // turned frames drift a little
	box := face.Box{X: 40, Y: 40, Width: 120, Height: 120}
	pts := make([][2]float64, 68)
	at := func(i int, x, y float64) { pts[i] = [2]float64{box.X + x*box.Width, box.Y + y*box.Height} }
	for i := 0; i <= 16; i++ {
		a := math.Pi * float64(i) / 16
		at(i, 0.5-0.5*math.Cos(a), 0.4+0.6*math.Sin(a))
	}
	nx := 0.5 + 0.5*math.Tan(yaw*math.Pi/180)
	for i := 27; i <= 35; i++ {
		at(i, nx, 0.3+float64(i-27)*0.03)
	}
	at(30, nx, 0.4+0.385*0.6)
	eye := func(o int, cx float64) {
		h := ear * 0.2
		at(o, cx-0.1, 0.4)
		at(o+1, cx-0.04, 0.4-h/2)
		at(o+2, cx+0.04, 0.4-h/2)
		at(o+3, cx+0.1, 0.4)
		at(o+4, cx+0.04, 0.4+h/2)
		at(o+5, cx-0.04, 0.4+h/2)
	}
	eye(36, 0.3)
	eye(42, 0.7)
	for i := 48; i < 68; i++ {
		at(i, 0.5, 0.8)
	}
	return []face.Face{{Score: 0.95, Box: box, Landmarks: pts, Descriptor: desc}}, nil
}

// pose draws a 200×200 textured frame that scripted reads as one pose.
func pose(t *testing.T, person int, yaw, ear float64) string {
	m := image.NewRGBA(image.Rect(0, 0, 200, 200))
	for y := range 200 {
		for x := range 200 {
			v := uint8(90 + ((x*7+y*13)%5)*20) // sharp, mid-grey texture
			m.Set(x, y, color.RGBA{v, v, v, 255})
		}
	}
	m.Set(0, 0, color.RGBA{uint8(yaw + 100), uint8(ear * 100), uint8(person), 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

// perform is the frames of a person doing steps: facing the camera, then
// each step, back to the front between steps.
func perform(t *testing.T, person int, steps []string) []string {
	frames := []string{pose(t, person, 0, 0.3)}
	for _, s := range steps {
		switch s {
		case "blink":
			frames = append(frames, pose(t, person, 0, 0.05))
		case "turn_left":
			frames = append(frames, pose(t, person, 30, 0.3))
		case "turn_right":
			frames = append(frames, pose(t, person, -30, 0.3))
		}
		frames = append(frames, pose(t, person, 0, 0.3))
	}
	return frames[:min(len(frames), 5)]
}

func challenge(t *testing.T, p *platformtest.Platform) (string, []string) {
	t.Helper()
	r := p.Do("POST", "/api/auth/face-challenge", "", nil)
	if r.Status != 200 {
		t.Fatalf("face-challenge: %d %s", r.Status, r.Body)
	}
	var c struct {
		ID      string    `json:"challenge_id"`
		Steps   []string  `json:"steps"`
		Expires time.Time `json:"expires"`
	}
	r.JSON(t, &c)
	if len(c.ID) != 36 || len(c.Steps) != 2 || time.Until(c.Expires) < 30*time.Second {
		t.Fatalf("challenge %s", r.Body)
	}
	return c.ID, c.Steps
}

// TestFaceLivenessSignIn: with liveness required a face sign-in needs a
// challenge performed on camera; a still picture, a wrong order, a reused
// or unknown challenge do not sign in.
func TestFaceLivenessSignIn(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{EdgeConfig: func(c *edge.Config) { c.FaceLiveness = edge.LivenessRequired }})
	w, err := faceworker.New(faceworker.Config{}, faceworker.Deps{DB: p.DB, JS: p.JS, Relay: p.Relay, Log: p.Log, Embedder: scripted{}})
	if err != nil {
		t.Fatal(err)
	}
	p.Go(w.Run)
	u, op, r := registerWithFace(t, p, "livia", []string{pose(t, 7, 0, 0.3), pose(t, 7, 5, 0.3), pose(t, 7, -5, 0.3)})
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	if op != "" {
		if got := p.WaitOp(u.Token, op, 60*time.Second); got["status"] != "done" {
			t.Fatalf("enroll: %v", got)
		}
	}
	login := func(body map[string]any) platformtest.Response {
		body["username"] = "livia"
		return p.Do("POST", "/api/auth/face-login", "", body)
	}

	t.Run("no challenge", func(t *testing.T) {
		if r := login(map[string]any{"image": pose(t, 7, 0, 0.3)}); r.Status != 401 || r.ErrorCode() != "liveness_required" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("challenge performed", func(t *testing.T) {
		id, steps := challenge(t, p)
		r := login(map[string]any{"images": perform(t, 7, steps), "challenge_id": id})
		if r.Status != 200 || r.Map(t)["token"] == "" {
			t.Fatalf("%v: %d %s", steps, r.Status, r.Body)
		}
		t.Run("challenge used twice", func(t *testing.T) {
			r := login(map[string]any{"images": perform(t, 7, steps), "challenge_id": id})
			if r.Status != 401 || r.ErrorCode() != "challenge_invalid" {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	})
	t.Run("still picture", func(t *testing.T) {
		id, _ := challenge(t, p)
		still := pose(t, 7, 0, 0.3)
		r := login(map[string]any{"images": []string{still, still, still, still, still}, "challenge_id": id})
		if r.Status != 401 || r.ErrorCode() != "liveness_failed" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("steps in the wrong order", func(t *testing.T) {
		id, steps := challenge(t, p)
		r := login(map[string]any{"images": perform(t, 7, []string{steps[1], steps[0]}), "challenge_id": id})
		if r.Status != 401 || r.ErrorCode() != "liveness_failed" {
			t.Fatalf("%v reversed: %d %s", steps, r.Status, r.Body)
		}
	})
	t.Run("another face in a step", func(t *testing.T) {
		id, steps := challenge(t, p)
		frames := perform(t, 7, steps)
		frames[1] = perform(t, 9, steps)[1]
		r := login(map[string]any{"images": frames, "challenge_id": id})
		if r.Status != 401 || r.ErrorCode() != "liveness_failed" || !strings.Contains(errMessage(r), "different face") {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("unknown challenge", func(t *testing.T) {
		r := login(map[string]any{"images": perform(t, 7, []string{"blink"}), "challenge_id": "00000000-0000-0000-0000-000000000000"})
		if r.Status != 401 || r.ErrorCode() != "challenge_invalid" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("bad frames", func(t *testing.T) {
		img := pose(t, 7, 0, 0.3)
		for _, tc := range []struct {
			body map[string]any
			code string
		}{
			{map[string]any{"images": []string{img, img}}, "bad_frames"},
			{map[string]any{"images": []string{img, img, img, img, img, img}}, "bad_frames"},
			{map[string]any{"image": img, "images": []string{img, img, img}}, "bad_request"},
			{map[string]any{"images": []string{img, "nope", img}, "challenge_id": "x"}, "not_image"},
		} {
			if r := login(tc.body); r.Status != 400 || r.ErrorCode() != tc.code {
				t.Errorf("%s: %d %s", tc.code, r.Status, r.Body)
			}
		}
	})
}

// TestFaceSignInFrames: several real frames are decided together; frames
// the gates refuse are named with a hint, and a sign-in whose frames are
// all unusable says what to change.
func TestFaceSignInFrames(t *testing.T) {
	p := platformtest.Start(t, platformtest.Options{})
	startFaceWorker(t, p)
	f := facetest.Faces(t)[21]
	u, op, r := registerWithFace(t, p, "fran", shots(t, f, 0, 1, 2))
	if r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	if got := p.WaitOp(u.Token, op, 60*time.Second); got["status"] != "done" {
		t.Fatalf("enroll: %v", got)
	}
	dark := facetest.Base64(t, f, facetest.Variant{Width: 480, Brightness: 0.25})
	t.Run("good frames with a dark one", func(t *testing.T) {
		r := p.Do("POST", "/api/auth/face-login", "", map[string]any{"username": "fran", "images": []string{shots(t, f, 3)[0], dark, shots(t, f, 4)[0]}})
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		var out struct {
			Frames []struct {
				Index      int
				OK         bool
				Code, Hint string
			}
		}
		r.JSON(t, &out)
		if len(out.Frames) != 3 || !out.Frames[0].OK || out.Frames[1].OK || out.Frames[1].Code != "too_dark" || out.Frames[1].Hint != "more light" || !out.Frames[2].OK {
			t.Fatalf("frames %+v", out.Frames)
		}
	})
	t.Run("all frames too dark", func(t *testing.T) {
		r := p.Do("POST", "/api/auth/face-login", "", map[string]any{"username": "fran", "images": []string{dark, dark, dark}})
		if r.Status != 422 || r.ErrorCode() != "too_dark" || !strings.Contains(errMessage(r), "more light") {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
}

func errMessage(r platformtest.Response) string {
	var e struct {
		Error struct{ Message string }
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Message
}
