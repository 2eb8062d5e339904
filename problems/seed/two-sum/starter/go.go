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
	// read n, t and the n numbers; print the two 0-based positions i < j whose values sum to t
	_, _ = in, fmt.Fprint
}
