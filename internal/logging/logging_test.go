package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/hirebus/hirebus/internal/logging"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func TestTraceIDsStamped(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	ctx, span := tp.Tracer("test").Start(context.Background(), "op")
	defer span.End()
	sc := span.SpanContext()

	var buf bytes.Buffer
	log, err := logging.New(&buf, logging.FormatJSON, slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	log = log.With("component", "test").WithGroup("g")
	log.InfoContext(ctx, "inside", "k", 1)
	log.Info("outside")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines: %s", len(lines), buf.String())
	}
	var in, out map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &in); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(lines[1]), &out); err != nil {
		t.Fatal(err)
	}
	// Attributes added by the handler sit in the open group, like the call's.
	g, _ := in["g"].(map[string]any)
	if g == nil || g[logging.TraceIDKey] != sc.TraceID().String() || g[logging.SpanIDKey] != sc.SpanID().String() {
		t.Fatalf("line inside the span lacks its ids: %s", lines[0])
	}
	if strings.Contains(lines[1], logging.TraceIDKey) {
		t.Fatalf("line without a span carries a trace id: %s", lines[1])
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct {
		format string
		want   string
		err    bool
	}{
		{"", `msg=hello`, false}, {"text", `msg=hello`, false}, {"json", `"msg":"hello"`, false}, {"xml", "", true},
	} {
		t.Run(tc.format, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := logging.New(&buf, tc.format, slog.LevelInfo)
			if tc.err {
				if err == nil {
					t.Fatal("accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			log.Info("hello")
			log.Debug("hidden")
			if !strings.Contains(buf.String(), tc.want) || strings.Contains(buf.String(), "hidden") {
				t.Fatalf("output %q", buf.String())
			}
		})
	}
}
