// Package logging builds the process's slog logger: text or JSON on a
// writer, with a handler that stamps every record logged with a context
// (slog's *Context calls) with the trace and span ids of the span in that
// context, so a log line can be found from its trace and the other way round.
// Code that logs in a request or a command handler therefore uses
// InfoContext/WarnContext/ErrorContext/DebugContext with the request's or
// handler's context.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// Formats of New.
const (
	FormatText = "text"
	FormatJSON = "json"
)

// Keys of the attributes the handler adds.
const (
	TraceIDKey = "trace_id"
	SpanIDKey  = "span_id"
)

// New returns a logger writing format ("text", the default, or "json") at
// level to w, stamping trace ids.
func New(w io.Writer, format string, level slog.Level) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch format {
	case FormatText, "":
		h = slog.NewTextHandler(w, opts)
	case FormatJSON:
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("logging: format %q: want text or json", format)
	}
	return slog.New(NewTraceHandler(h)), nil
}

// TraceHandler adds trace_id and span_id to records whose context holds a
// valid span context; everything else passes through unchanged.
type TraceHandler struct{ inner slog.Handler }

// NewTraceHandler wraps inner.
func NewTraceHandler(inner slog.Handler) *TraceHandler { return &TraceHandler{inner: inner} }

// Enabled implements slog.Handler.
func (h *TraceHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

// Handle implements slog.Handler.
func (h *TraceHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil {
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			r = r.Clone()
			r.AddAttrs(slog.String(TraceIDKey, sc.TraceID().String()), slog.String(SpanIDKey, sc.SpanID().String()))
		}
	}
	return h.inner.Handle(ctx, r)
}

// WithAttrs implements slog.Handler.
func (h *TraceHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &TraceHandler{inner: h.inner.WithAttrs(as)}
}

// WithGroup implements slog.Handler.
func (h *TraceHandler) WithGroup(name string) slog.Handler {
	return &TraceHandler{inner: h.inner.WithGroup(name)}
}
