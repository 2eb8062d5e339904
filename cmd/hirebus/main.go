// Command hirebus is the one binary of the platform: `hirebus all` runs an
// embedded NATS server, the edge and every worker in one process; the other
// sub-commands run one role each, or a tool (migrate, face, sandbox,
// problems) that needs no running platform.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/hirebus/hirebus/sandbox/local"
)

func main() {
	local.MaybeRunInit() // the sandbox re-executes this binary as its init; must come first
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "hirebus:", err)
		os.Exit(1)
	}
}
