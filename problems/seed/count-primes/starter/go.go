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
	// read n and print the number of primes <= n (sieve of Eratosthenes)
	_, _ = in, fmt.Fprint
}
