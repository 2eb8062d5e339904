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
	// read T, then T strings; print YES or NO for each depending on whether its brackets balance
	_, _ = in, fmt.Fprint
}
