package faults

import (
	"os"
	"testing"

	"github.com/hirebus/hirebus/internal/testutil"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testutil.RemoveBinaries()
	os.Exit(code)
}
