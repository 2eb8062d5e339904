package nn

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hirebus/hirebus/internal/testutil"
)

// TestLoadShippedModels decodes every manifest the face pipeline uses, which
// covers uint8-quantized float32 tensors, plain float32 tensors (in the
// recognition and SSD models) and quantized int32 constants (SSD).
func TestLoadShippedModels(t *testing.T) {
	dir := testutil.ModelsDir(t)
	cases := []struct {
		model   string
		tensors int
		probe   string
		shape   []int
	}{
		{"face_recognition_model", 117, "conv64_1/conv1/conv/filters", []int{3, 3, 64, 64}},
		{"tiny_face_detector_model", 19, "conv0/filters", []int{3, 3, 3, 16}},
		{"ssd_mobilenetv1_model", 151, "Output/extra_dim", []int{1, 5118, 4}},
		{"face_landmark_68_model", 49, "fc/weights", []int{256, 136}},
	}
	for _, c := range cases {
		t.Run(c.model, func(t *testing.T) {
			w, err := LoadWeights(dir, c.model)
			if err != nil {
				t.Fatal(err)
			}
			if n := len(w.Names()); n != c.tensors {
				t.Fatalf("%d tensors, want %d", n, c.tensors)
			}
			data, err := w.Get(c.probe, c.shape...)
			if err != nil {
				t.Fatal(err)
			}
			var nonzero int
			for _, v := range data {
				if v != 0 {
					nonzero++
				}
			}
			if nonzero < len(data)/2 {
				t.Fatalf("%s is mostly zeros (%d of %d non-zero)", c.probe, nonzero, len(data))
			}
		})
	}
	w, err := LoadWeights(dir, "ssd_mobilenetv1_model")
	if err != nil {
		t.Fatal(err)
	}
	// Quantized int32 constant: min 3072 + 1*byte.
	p, ok := w.Param("Prediction/BoxPredictor_0/stack_1/1")
	if !ok || p.DType != "int32" || len(p.Data) != 1 || p.Data[0] < 3072 {
		t.Fatalf("int32 constant decoded as %+v", p)
	}
}

// TestFetchModelsScript checks scripts/fetch-models.sh without the
// network: a complete, verified directory is accepted as is, and a
// tampered file or a tarball with the wrong checksum makes it fail loudly.
func TestFetchModelsScript(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash not available")
	}
	script := filepath.Join(testutil.RepoRoot(), "scripts", "fetch-models.sh")
	src := testutil.ModelsDir(t)
	// A fake npm that "packs" a tarball with the wrong contents, so a
	// re-fetch can be observed failing its checksum without the network.
	bin := t.TempDir()
	fakeNPM := "#!/bin/sh\necho 'not the package' | gzip > vladmandic-face-api-1.7.15.tgz\n"
	if err := os.WriteFile(filepath.Join(bin, "npm"), []byte(fakeNPM), 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, dir string) (string, error) {
		cmd := exec.Command("bash", script, dir)
		cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	copyModels := func(t *testing.T) string {
		dst := t.TempDir()
		entries, err := os.ReadDir(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			in, err := os.Open(filepath.Join(src, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out, err := os.Create(filepath.Join(dst, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(out, in); err != nil {
				t.Fatal(err)
			}
			in.Close()
			if err := out.Close(); err != nil {
				t.Fatal(err)
			}
		}
		return dst
	}
	cases := []struct {
		name    string
		prepare func(t *testing.T) string
		wantErr bool
		want    string
	}{
		{"verified directory is kept", copyModels, false, "checksums verified"},
		{"tampered weights trigger a re-fetch that must verify", func(t *testing.T) string {
			d := copyModels(t)
			f := filepath.Join(d, "face_recognition_model.bin")
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			b[100] ^= 0xff
			if err := os.WriteFile(f, b, 0o644); err != nil {
				t.Fatal(err)
			}
			return d
		}, true, "tarball checksum mismatch"},
		{"empty directory with a bad tarball", func(t *testing.T) string { return t.TempDir() }, true, "tarball checksum mismatch"},
		{"no directory argument", func(t *testing.T) string { return "" }, true, "usage"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := run(t, c.prepare(t))
			if (err != nil) != c.wantErr {
				t.Fatalf("err = %v, want error %v; output:\n%s", err, c.wantErr, out)
			}
			if !strings.Contains(out, c.want) {
				t.Fatalf("output lacks %q:\n%s", c.want, out)
			}
		})
	}
}
