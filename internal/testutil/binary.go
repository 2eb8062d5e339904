package testutil

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// HirebusBinary builds cmd/hirebus once per test binary and returns its
// path: tests that run the platform as separate processes (the fault suite,
// the proctoring benchmark's worker processes) start it like an operator.
func HirebusBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "hirebus-test-bin")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "hirebus")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/hirebus")
		cmd.Dir = RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/hirebus: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// RemoveBinaries deletes what HirebusBinary built; a TestMain calls it after
// m.Run.
func RemoveBinaries() {
	if binPath != "" {
		_ = os.RemoveAll(filepath.Dir(binPath))
	}
}
