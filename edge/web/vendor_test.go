package web_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"os"
	"strings"
	"testing"

	"github.com/hirebus/hirebus/edge/web"
)

// The vendored libraries are committed (go:embed needs them on a clean
// clone); vendor.sha256, written by scripts/vendor-web.sh after it checked
// the registry's sha512 integrity, pins every byte. A hand edit of a vendored
// file, a file added without the script, or a listed file gone missing fails
// here.
func TestVendoredFilesMatchChecksums(t *testing.T) {
	f, err := os.Open("vendor.sha256")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	listed := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			t.Fatalf("vendor.sha256: bad line %q", sc.Text())
		}
		want, name := fields[0], fields[1]
		listed[name] = true
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatalf("listed in vendor.sha256 but not readable: %v", err)
			}
			sum := sha256.Sum256(data)
			if got := hex.EncodeToString(sum[:]); got != want {
				t.Errorf("sha256 %s, vendor.sha256 pins %s: re-run scripts/vendor-web.sh instead of editing", got, want)
			}
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"vendor", "testdata/vendor"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if name := dir + "/" + e.Name(); !listed[name] {
				t.Errorf("%s is not in vendor.sha256 (add it through scripts/vendor-web.sh)", name)
			}
		}
	}
	// What the binary serves is what was checked.
	embedded, err := fs.Glob(web.FS, "vendor/*.js")
	if err != nil {
		t.Fatal(err)
	}
	if len(embedded) == 0 {
		t.Fatal("no vendored script is embedded")
	}
	for _, name := range embedded {
		if !listed[name] {
			t.Errorf("embedded %s is not in vendor.sha256", name)
		}
	}
}
