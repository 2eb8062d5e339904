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
	// read n, q, the n values and q queries l r; print for each query how many values lie in [l, r]
	_, _ = in, fmt.Fprint
}
