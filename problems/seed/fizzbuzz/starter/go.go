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
	// read n and print 1..n with Fizz / Buzz / FizzBuzz substitutions
	_, _ = in, fmt.Fprint
}
