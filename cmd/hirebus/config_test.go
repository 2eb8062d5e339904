package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfig(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		mode    string
		wantErr string
	}{
		{"defaults for all", nil, "all", ""},
		{"edge needs nats url", nil, "edge", "HIREBUS_NATS_URL is required"},
		{"worker needs nats url", nil, "worker", "HIREBUS_NATS_URL is required"},
		{"edge with nats url", map[string]string{"HIREBUS_NATS_URL": "nats://127.0.0.1:4222"}, "edge", ""},
		{"bad dsn", map[string]string{"HIREBUS_MYSQL_DSN": "nonsense"}, "all", "HIREBUS_MYSQL_DSN"},
		{"dsn without database", map[string]string{"HIREBUS_MYSQL_DSN": "root@tcp(127.0.0.1:3306)/"}, "all", "must name a database"},
		{"bad http addr", map[string]string{"HIREBUS_HTTP_ADDR": "8080"}, "all", "HIREBUS_HTTP_ADDR"},
		{"bad smtp addr", map[string]string{"HIREBUS_SMTP_ADDR": "mail"}, "all", "HIREBUS_SMTP_ADDR"},
		{"bad sandbox", map[string]string{"HIREBUS_SANDBOX": "vm"}, "all", "HIREBUS_SANDBOX"},
		{"bad log level", map[string]string{"HIREBUS_LOG_LEVEL": "loud"}, "all", "HIREBUS_LOG_LEVEL"},
		{"bad log format", map[string]string{"HIREBUS_LOG_FORMAT": "xml"}, "all", "HIREBUS_LOG_FORMAT"},
		{"json logs", map[string]string{"HIREBUS_LOG_FORMAT": "json"}, "all", ""},
		{"pinecone half configured", map[string]string{"HIREBUS_PINECONE_API_KEY": "k"}, "all", "go together"},
		{"bad dev flag", map[string]string{"HIREBUS_DEV": "maybe"}, "all", "HIREBUS_DEV"},
		{"bad concurrency", map[string]string{"HIREBUS_WORKER_CONCURRENCY": "0"}, "all", "HIREBUS_WORKER_CONCURRENCY"},
		{"bad pool", map[string]string{"HIREBUS_SANDBOX_POOL": "-1"}, "all", "HIREBUS_SANDBOX_POOL"},
		{"bad queue", map[string]string{"HIREBUS_CODE_MAX_QUEUE": "x"}, "all", "HIREBUS_CODE_MAX_QUEUE"},
		{"bad replicas", map[string]string{"HIREBUS_NATS_REPLICAS": "7"}, "all", "HIREBUS_NATS_REPLICAS"},
		{"cors origins", map[string]string{"HIREBUS_CORS_ORIGINS": "http://localhost:5173, https://app.example.com/"}, "all", ""},
		{"ice servers json", map[string]string{"HIREBUS_ICE_SERVERS": `[{"urls":["turn:turn.example.com:3478"],"username":"u","credential":"p"}]`}, "all", ""},
		{"ice servers list", map[string]string{"HIREBUS_ICE_SERVERS": "stun:stun.example.com:3478, stun:stun2.example.com"}, "all", ""},
		{"ice server not a url", map[string]string{"HIREBUS_ICE_SERVERS": "stun.example.com"}, "all", "HIREBUS_ICE_SERVERS"},
		{"turn without credentials", map[string]string{"HIREBUS_ICE_SERVERS": "turn:turn.example.com"}, "all", "HIREBUS_ICE_SERVERS"},
		{"ice bad json", map[string]string{"HIREBUS_ICE_SERVERS": `[{"url":"stun:x"}]`}, "all", "HIREBUS_ICE_SERVERS"},
		{"llm", map[string]string{"HIREBUS_LLM_BASE_URL": "http://127.0.0.1:8000/v1", "HIREBUS_LLM_MODEL": "m"}, "all", ""},
		{"llm without model", map[string]string{"HIREBUS_LLM_BASE_URL": "http://127.0.0.1:8000/v1"}, "all", "HIREBUS_LLM_MODEL"},
		{"llm bad url", map[string]string{"HIREBUS_LLM_BASE_URL": "localhost:8000", "HIREBUS_LLM_MODEL": "m"}, "all", "HIREBUS_LLM_BASE_URL"},
		{"cors wildcard", map[string]string{"HIREBUS_CORS_ORIGINS": "*"}, "all", "HIREBUS_CORS_ORIGINS"},
		{"cors with path", map[string]string{"HIREBUS_CORS_ORIGINS": "http://localhost:5173/app"}, "all", "HIREBUS_CORS_ORIGINS"},
		{"cors without scheme", map[string]string{"HIREBUS_CORS_ORIGINS": "localhost:5173"}, "all", "HIREBUS_CORS_ORIGINS"},
		{"bad trace ratio", map[string]string{"HIREBUS_TRACE_RATIO": "2"}, "all", "HIREBUS_TRACE_RATIO"},
		{"proctor retention in days", map[string]string{"HIREBUS_PROCTOR_RETENTION": "30d", "HIREBUS_PROCTOR_KEEP_FRAMES": "1"}, "all", ""},
		{"proctor retention as duration", map[string]string{"HIREBUS_PROCTOR_RETENTION": "36h"}, "all", ""},
		{"proctor retention unparsable", map[string]string{"HIREBUS_PROCTOR_RETENTION": "soon"}, "all", "HIREBUS_PROCTOR_RETENTION"},
		{"proctor retention too short", map[string]string{"HIREBUS_PROCTOR_RETENTION": "10m"}, "all", "HIREBUS_PROCTOR_RETENTION"},
		{"proctor retention too long", map[string]string{"HIREBUS_PROCTOR_RETENTION": "4000d"}, "all", "HIREBUS_PROCTOR_RETENTION"},
		{"bad keep frames", map[string]string{"HIREBUS_PROCTOR_KEEP_FRAMES": "perhaps"}, "all", "HIREBUS_PROCTOR_KEEP_FRAMES"},
		{"face thresholds", map[string]string{"HIREBUS_FACE_MIN_SCORE": "0.5", "HIREBUS_FACE_RATIO_THRESHOLD": "0.8", "HIREBUS_FACE_COHORT_SIZE": "8", "HIREBUS_FACE_LIVENESS": "off"}, "all", ""},
		{"bad face min score", map[string]string{"HIREBUS_FACE_MIN_SCORE": "1"}, "all", "HIREBUS_FACE_MIN_SCORE"},
		{"bad face ratio", map[string]string{"HIREBUS_FACE_RATIO_THRESHOLD": "1.5"}, "all", "HIREBUS_FACE_RATIO_THRESHOLD"},
		{"bad face cohort", map[string]string{"HIREBUS_FACE_COHORT_SIZE": "0"}, "all", "HIREBUS_FACE_COHORT_SIZE"},
		{"bad face liveness", map[string]string{"HIREBUS_FACE_LIVENESS": "maybe"}, "all", "HIREBUS_FACE_LIVENESS"},
		{"proxy header without trusted proxies", map[string]string{"HIREBUS_PROXY_HEADER": "X-Forwarded-For"}, "all", "HIREBUS_TRUSTED_PROXIES"},
		{"proxy header with trusted proxies", map[string]string{"HIREBUS_PROXY_HEADER": "X-Forwarded-For", "HIREBUS_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7,fd00::/8"}, "all", ""},
		{"bad trusted proxy", map[string]string{"HIREBUS_TRUSTED_PROXIES": "10.0.0.0/33"}, "all", "HIREBUS_TRUSTED_PROXIES"},
		{"face login requirement", map[string]string{"HIREBUS_FACE_LOGIN_REQUIRE": "password"}, "all", ""},
		{"bad face login requirement", map[string]string{"HIREBUS_FACE_LOGIN_REQUIRE": "smile"}, "all", "HIREBUS_FACE_LOGIN_REQUIRE"},
		{"metrics on the API port", map[string]string{"HIREBUS_METRICS_ADDR": ":8080"}, "all", "HIREBUS_METRICS_ADDR"},
		{"bad metrics addr", map[string]string{"HIREBUS_METRICS_ADDR": "9090"}, "all", "HIREBUS_METRICS_ADDR"},
		{"metrics off", map[string]string{"HIREBUS_METRICS_ADDR": "off"}, "all", ""},
		{"bad max pixels", map[string]string{"HIREBUS_FACE_MAX_PIXELS": "50000000"}, "all", "HIREBUS_FACE_MAX_PIXELS"},
		{"bad ws per user", map[string]string{"HIREBUS_WS_PER_USER": "0"}, "all", "HIREBUS_WS_PER_USER"},
		{"bad register limit", map[string]string{"HIREBUS_REGISTER_PER_MIN": "-1"}, "all", "HIREBUS_REGISTER_PER_MIN"},
		{"bad code per user", map[string]string{"HIREBUS_CODE_MAX_PER_USER": "0"}, "all", "HIREBUS_CODE_MAX_PER_USER"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadConfig(func(k string) string { return tc.env[k] })
			if err == nil {
				err = cfg.Validate(tc.mode)
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want it to mention %q", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("config error spans lines: %q", err)
			}
		})
	}
}

func TestJWTKeyGeneratedOnceAndKept(t *testing.T) {
	dir := t.TempDir()
	cfg, err := LoadConfig(func(k string) string {
		if k == "HIREBUS_DATA_DIR" {
			return dir
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	k1, err := cfg.JWTKey()
	if err != nil {
		t.Fatal(err)
	}
	k2, err := cfg.JWTKey()
	if err != nil || string(k1) != string(k2) || len(k1) < 32 {
		t.Fatalf("key not stable: %v", err)
	}
	st, err := os.Stat(filepath.Join(dir, "jwt.key"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", st.Mode(), err)
	}
	if err := os.WriteFile(filepath.Join(dir, "jwt.key"), []byte("short"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := cfg.JWTKey(); err == nil {
		t.Fatal("short key accepted")
	}
}

// TestMetricsListener: /metrics is served on the internal listener.
func TestMetricsListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runMetrics(ctx, ln, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "go_goroutines") {
		t.Fatalf("metrics: %d %.200s", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
