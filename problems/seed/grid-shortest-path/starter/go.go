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
	// read R, C and the grid; breadth-first search from S and print the steps to E or -1
	_, _ = in, fmt.Fprint
}
