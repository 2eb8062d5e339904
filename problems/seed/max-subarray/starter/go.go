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
	// read n and n integers; print the largest contiguous subarray sum (use 64-bit integers)
	_, _ = in, fmt.Fprint
}
