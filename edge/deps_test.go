package edge_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestEdgeLinksNoHeavyDependencies keeps the edge thin: it checks images
// with face/imaging and languages with sandbox/spec, and must never link the
// face nets, the Pinecone client or gRPC (which came in through face/index).
// (protobuf itself is allowed: the Prometheus client needs it.)
func TestEdgeLinksNoHeavyDependencies(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found: cannot list the edge's dependencies")
	}
	out, err := exec.Command(goBin, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{
		"github.com/hirebus/hirebus/face/nn",
		"github.com/hirebus/hirebus/face",
		"github.com/hirebus/hirebus/face/index",
		"github.com/hirebus/hirebus/face/index/pinecone",
		"github.com/hirebus/hirebus/sandbox/local",
		"github.com/hirebus/hirebus/sandbox/docker",
	}
	var bad []string
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if dep == f {
				bad = append(bad, dep)
			}
		}
		if strings.Contains(dep, "pinecone") || strings.HasPrefix(dep, "google.golang.org/grpc") {
			bad = append(bad, dep)
		}
	}
	if len(bad) > 0 {
		t.Fatalf("the edge links %d forbidden packages: %s", len(bad), strings.Join(bad, ", "))
	}
}
