package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var envName = regexp.MustCompile("`((?:HIREBUS_|DOCKER_)[A-Z0-9_]+)`")

// documentedEnv returns the variables named in the first column of the
// markdown table under the heading that starts with section.
func documentedEnv(t *testing.T, file, section string) []string {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	in := false
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "#") {
			in = strings.HasPrefix(strings.TrimLeft(line, "# "), section)
			continue
		}
		if !in || !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.SplitN(line, "|", 3)[1]
		for _, m := range envName.FindAllStringSubmatch(first, -1) {
			names = append(names, m[1])
		}
	}
	if len(names) == 0 {
		t.Fatalf("%s: no configuration table under %q", file, section)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// parsedEnv returns every variable LoadConfig reads.
func parsedEnv(t *testing.T) []string {
	t.Helper()
	var names []string
	if _, err := LoadConfig(func(k string) string { names = append(names, k); return "" }); err != nil {
		t.Fatal(err)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func diff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// TestConfigDocumented fails when the README's configuration table and the
// variables LoadConfig parses differ, in either direction, and when the
// operations guide documents a variable nothing reads.
func TestConfigDocumented(t *testing.T) {
	parsed := parsedEnv(t)
	root := filepath.Join("..", "..")
	readme := documentedEnv(t, filepath.Join(root, "README.md"), "Configuration")
	if missing := diff(parsed, readme); len(missing) > 0 {
		t.Errorf("parsed in cmd/hirebus/config.go but not in README.md's configuration table: %v", missing)
	}
	if stale := diff(readme, parsed); len(stale) > 0 {
		t.Errorf("in README.md's configuration table but not parsed by LoadConfig: %v", stale)
	}
	ops := documentedEnv(t, filepath.Join(root, "docs", "operations.md"), "Configuration")
	if stale := diff(ops, parsed); len(stale) > 0 {
		t.Errorf("in docs/operations.md's configuration table but not parsed by LoadConfig: %v", stale)
	}
}
