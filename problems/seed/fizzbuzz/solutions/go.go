package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
)

func main() {
	var n int
	if _, err := fmt.Scan(&n); err != nil {
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	for i := 1; i <= n; i++ {
		switch {
		case i%15 == 0:
			w.WriteString("FizzBuzz\n")
		case i%3 == 0:
			w.WriteString("Fizz\n")
		case i%5 == 0:
			w.WriteString("Buzz\n")
		default:
			w.WriteString(strconv.Itoa(i) + "\n")
		}
	}
}
