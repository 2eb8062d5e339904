package edge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/hirebus/hirebus/internal/logging"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// TestLogLinesCarryTraceID: a line logged inside a request (by a handler
// and by the error handler) carries the trace and span ids of the request's
// span, and the span is named by the route template, not the raw path.
func TestLogLinesCarryTraceID(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	otel.SetTracerProvider(tp)

	var buf bytes.Buffer
	log, err := logging.New(&buf, logging.FormatJSON, slog.LevelDebug)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{log: log}
	app := fiber.New(fiber.Config{ErrorHandler: s.errorHandler, DisableStartupMessage: true})
	app.Use(s.recoverer, s.metrics)
	app.Get("/api/things/:id", func(c *fiber.Ctx) error {
		s.log.InfoContext(c.UserContext(), "handling", "id", c.Params("id"))
		return errors.New("boom")
	})
	res, err := app.Test(httptest.NewRequest("GET", "/api/things/12345", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 500 {
		t.Fatalf("status %d", res.StatusCode)
	}

	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans", len(spans))
	}
	sp := spans[0]
	if sp.Name() != "GET /api/things/:id" {
		t.Fatalf("span named %q, want the route template", sp.Name())
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want the handler's and the error handler's lines, got %d:\n%s", len(lines), buf.String())
	}
	for _, l := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatal(err)
		}
		if m["trace_id"] != sp.SpanContext().TraceID().String() || m["span_id"] != sp.SpanContext().SpanID().String() {
			t.Errorf("line %q lacks the request's trace %s / span %s", l, sp.SpanContext().TraceID(), sp.SpanContext().SpanID())
		}
	}
}
