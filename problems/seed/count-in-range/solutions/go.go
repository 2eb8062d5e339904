package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
)

func main() {
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	var n, q int
	fmt.Fscan(in, &n, &q)
	a := make([]int, n)
	for i := range a {
		fmt.Fscan(in, &a[i])
	}
	sort.Ints(a)
	for ; q > 0; q-- {
		var l, r int
		fmt.Fscan(in, &l, &r)
		lo := sort.SearchInts(a, l)
		hi := sort.SearchInts(a, r+1)
		fmt.Fprintln(out, max(0, hi-lo))
	}
}
