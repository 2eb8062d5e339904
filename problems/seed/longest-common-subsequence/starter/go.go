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
	// read strings a and b; print the length of their longest common subsequence (dynamic programming)
	_, _ = in, fmt.Fprint
}
