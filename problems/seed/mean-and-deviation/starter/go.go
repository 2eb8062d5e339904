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
	// read n and n real numbers; print the mean and the population standard deviation
	_, _ = in, fmt.Fprint
}
