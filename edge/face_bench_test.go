package edge_test

import (
	"sort"
	"testing"
	"time"

	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/workers/face/facetest"
)

// BenchmarkFaceSignIn measures a whole face sign-in as the page does it,
// over real HTTP against MariaDB, JetStream and the face worker with the
// real models: POST /api/auth/face-challenge, then POST
// /api/auth/face-login with 5 webcam-sized (480 px) frames, the challenge
// id and the username — 5 × (decode, detect, landmarks, descriptor,
// quality gates), the challenge check, the adaptive 1:1 decision with its
// cohort and the session. Still frames cannot pass the challenge, so the
// edge runs with liveness "off" here (the worker still checks it; the
// edge's own part is one comparison). One sign-in at a time; p50/p99 of
// the two requests together.
func BenchmarkFaceSignIn(b *testing.B) {
	p := platformtest.Start(b, platformtest.Options{})
	startFaceWorker(b, p)
	fs := facetest.Faces(b)
	// A few enrolled users, so the decision has a cohort.
	for i, f := range []facetest.Face{fs[21], fs[0], fs[3], fs[17]} {
		name := []string{"bench", "benchb", "benchc", "benchd"}[i]
		email := name + "@example.com"
		start := time.Now()
		if r := p.Do("POST", "/api/auth/send-otp", "", map[string]string{"email": email, "purpose": "register"}); r.Status != 202 {
			b.Fatalf("send-otp: %d %s", r.Status, r.Body)
		}
		if r := p.Do("POST", "/api/auth/verify-otp", "", map[string]string{"email": email, "otp": p.OTPFor(email, start), "purpose": "register"}); r.Status != 200 {
			b.Fatalf("verify-otp: %d %s", r.Status, r.Body)
		}
		imgs := []string{facetest.Base64(b, f, facetest.Shots[0]), facetest.Base64(b, f, facetest.Shots[1]), facetest.Base64(b, f, facetest.Shots[2])}
		if r := p.Do("POST", "/api/auth/register", "", map[string]any{"username": name, "email": email, "password": "s3cret-pass", "images": imgs}); r.Status != 201 {
			b.Fatalf("register %s: %d %s", name, r.Status, r.Body)
		}
	}
	f := fs[21]
	var frames []string
	for _, v := range []facetest.Variant{{Width: 480}, {Width: 480, DX: 0.02}, {Width: 480, Brightness: 0.95}, {Width: 480, DY: 0.02}, {Width: 480, Margin: 0.5}} {
		frames = append(frames, facetest.Base64(b, f, v))
	}
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		r := p.Do("POST", "/api/auth/face-challenge", "", nil)
		if r.Status != 200 {
			b.Fatalf("challenge: %d %s", r.Status, r.Body)
		}
		id, _ := r.Map(b)["challenge_id"].(string)
		r = p.Do("POST", "/api/auth/face-login", "", map[string]any{"username": "bench", "images": frames, "challenge_id": id})
		if r.Status != 200 {
			b.Fatalf("face-login: %d %s", r.Status, r.Body)
		}
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
