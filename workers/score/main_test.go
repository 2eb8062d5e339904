package score

import (
	"os"
	"testing"

	"github.com/hirebus/hirebus/sandbox/local"
)

func TestMain(m *testing.M) {
	local.MaybeRunInit()
	os.Exit(m.Run())
}
