// Command hirebus-sandbox-init is the init process of the local sandbox,
// as a small binary of its own. The runner re-executes the hirebus binary
// when this one is absent, but hirebus runs hundreds of package
// initialisers (~7 ms) before main on every start, which is most of a
// sandbox's overhead; this binary starts in about a millisecond.
//
// `make build` places it next to bin/hirebus, where local.New finds it.
// It is never run by hand.
package main

import (
	"fmt"
	"os"

	"github.com/hirebus/hirebus/sandbox/local"
)

func main() {
	local.MaybeRunInit() // exits when started by the runner
	fmt.Fprintln(os.Stderr, "hirebus-sandbox-init: started by the hirebus sandbox runner, not by hand")
	os.Exit(2)
}
