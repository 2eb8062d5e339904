package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hirebus/hirebus/internal/testutil"
)

func TestFaceEvalCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the face models")
	}
	cfg, err := LoadConfig(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.ModelsDir = testutil.ModelsDir(t)
	dir := filepath.Join(testutil.SharedDir(), "testdata", "faces-labelled")
	var out bytes.Buffer
	if err := runFaceEval(context.Background(), cfg, []string{dir, "--json"}, &out); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, out.String())
	}
	for k, want := range map[string]float64{"genuine_pairs": 65, "impostor_pairs": 565, "eer": 0, "far": 0, "frr": 0} {
		if v, ok := got[k].(float64); !ok || v != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
	for _, bad := range [][]string{{}, {"--json"}, {dir, dir}, {"--detector", "x", dir}, {filepath.Join(dir, "README.md")}} {
		if err := runFaceEval(context.Background(), cfg, bad, &out); err == nil || !strings.Contains(err.Error(), "face eval") {
			t.Errorf("%q: error %v", bad, err)
		}
	}
}
