package events_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hirebus/hirebus/events"
	"github.com/hirebus/hirebus/internal/logging"
	"github.com/hirebus/hirebus/internal/testutil"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCommandLogsCarryTheProducersTrace: the trace of the request that
// published a command reaches the handler's context and the consume loop's
// log lines about that command.
func TestCommandLogsCarryTheProducersTrace(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.TraceContext{})

	js := setup(t)
	var buf syncBuffer
	log, err := logging.New(&buf, logging.FormatJSON, slog.LevelDebug)
	if err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	var handlerTrace atomic.Value
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	p := fastPolicy
	go func() {
		done <- events.Consume(ctx, js, events.ConsumeConfig{Role: events.RoleMail, Concurrency: 1, Grace: time.Second, Policy: &p, Logger: log},
			func(ctx context.Context, env events.Envelope, meta events.Meta) error {
				handlerTrace.Store(trace.SpanContextFromContext(ctx).TraceID().String())
				if calls.Add(1) == 1 {
					return errors.New("smtp down")
				}
				return nil
			})
	}()
	t.Cleanup(func() { cancel(); <-done })

	rctx, span := tp.Tracer("test").Start(context.Background(), "POST /api/auth/send-otp")
	want := span.SpanContext().TraceID().String()
	env, err := events.NewEnvelope("test", events.NewID(), 7, map[string]string{"k": "v"})
	if err != nil {
		t.Fatal(err)
	}
	if err := events.NewPublisher(js).Publish(rctx, events.CmdMailSendOTP, env); err != nil {
		t.Fatal(err)
	}
	span.End()

	testutil.Eventually(t, 10*time.Second, func() bool { return calls.Load() >= 2 }, "command handled twice")
	if got, _ := handlerTrace.Load().(string); got != want {
		t.Fatalf("handler ran in trace %s, want the producer's %s", got, want)
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil || m["msg"] != "command failed; will retry" {
			continue
		}
		found = true
		if m["trace_id"] != want {
			t.Fatalf("retry line %s lacks the producer's trace %s", line, want)
		}
	}
	if !found {
		t.Fatalf("no retry line logged:\n%s", buf.String())
	}
}
