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
	// read one line and print its whitespace-separated words in reverse order
	_, _ = in, fmt.Fprint
}
