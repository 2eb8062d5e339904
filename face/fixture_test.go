package face

import (
	"os"
	"path/filepath"
	"testing"
)

// readFixture reads one of the image fixtures kept beside the decoder
// (face/imaging/testdata/images).
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("imaging", "testdata", "images", name))
	if err != nil {
		t.Fatalf("read fixture: %v", err)
	}
	return b
}
