package edge

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"
)

type levelRecorder struct {
	mu     sync.Mutex
	levels []slog.Level
}

func (r *levelRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *levelRecorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	r.levels = append(r.levels, rec.Level)
	r.mu.Unlock()
	return nil
}
func (r *levelRecorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *levelRecorder) WithGroup(string) slog.Handler      { return r }

// TestExpected503LoggedAsWarning: a 503 (database or bus down, queue full)
// is expected and answered with Retry-After; it is logged at WARN, real
// failures (500) at ERROR (issue 7).
func TestExpected503LoggedAsWarning(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want slog.Level
	}{
		{Errorf(503, "queue_full", "busy"), slog.LevelWarn},
		{errors.New("boom"), slog.LevelError},
	} {
		rec := &levelRecorder{}
		s := &Server{log: slog.New(rec)}
		app := fiber.New(fiber.Config{ErrorHandler: s.errorHandler})
		app.Get("/x", func(*fiber.Ctx) error { return tc.err })
		resp, err := app.Test(httptest.NewRequest("GET", "/x", nil))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if len(rec.levels) != 1 || rec.levels[0] != tc.want {
			t.Fatalf("%v: logged at %v, want %v", tc.err, rec.levels, tc.want)
		}
	}
}
