package edge_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/platformtest"
	"github.com/hirebus/hirebus/ops"
	"github.com/hirebus/hirebus/outbox"
	"github.com/jmoiron/sqlx"
	"github.com/valyala/fasthttp"
)

// BenchmarkMe measures authenticated GET /api/user/me throughput over real
// HTTP (keep-alive), client and server on the same machine.
func BenchmarkMe(b *testing.B) {
	p := platformtest.Start(b, platformtest.Options{})
	u := p.Register("bench", "candidate")
	client := &fasthttp.Client{MaxConnsPerHost: 512}
	url := p.URL + "/api/user/me"
	b.SetParallelism(8)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		req := fasthttp.AcquireRequest()
		resp := fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.SetRequestURI(url)
		req.Header.Set("Authorization", "Bearer "+u.Token)
		for pb.Next() {
			if err := client.Do(req, resp); err != nil || resp.StatusCode() != 200 {
				b.Errorf("me: %v %d", err, resp.StatusCode())
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}

// BenchmarkPushLatency measures command publish → worker (commit + outbox)
// → event → edge → WebSocket push, the path every asynchronous result takes.
func BenchmarkPushLatency(b *testing.B) {
	p := platformtest.Start(b, platformtest.Options{})
	u := p.Register("pusher", "candidate")
	ws := platformtest.DialWS(b, p.URL, u.Token, -1)
	policy := events.ConsumerPolicy{AckWait: 10 * time.Second, MaxDeliver: 3, Backoff: []time.Duration{time.Second}, MaxAckPending: 64}
	const role = "bench"
	p.Go(func(ctx context.Context) error {
		return events.Consume(ctx, p.JS, events.ConsumeConfig{Role: role, Concurrency: 4, Policy: &policy, Logger: platformtest.Logger()},
			func(ctx context.Context, env events.Envelope, _ events.Meta) error {
				return p.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
					if fresh, err := ops.Claim(ctx, tx, env.ID, role); err != nil || !fresh {
						return err
					}
					return ops.Complete(ctx, tx, out, env.CorrelationID, "echo", env.ActorUserID, map[string]bool{"ok": true})
				})
			})
	})
	lat := make([]time.Duration, 0, b.N)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		opID := events.NewID()
		env, _ := events.NewEnvelope("echo", opID, u.ID, map[string]int{"i": i})
		start := time.Now()
		err := p.Relay.Tx(ctx, func(tx *sqlx.Tx, out *outbox.Batch) error {
			if err := ops.Create(ctx, tx, opID, "echo", u.ID); err != nil {
				return err
			}
			return out.Add("cmd."+role+".echo", env)
		})
		if err != nil {
			b.Fatal(err)
		}
		ws.WaitFor(10*time.Second, func(m platformtest.Push) bool { return m.Type == events.EvtOpCompleted && m.OpID == opID })
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
