package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
)

func main() {
	r := bufio.NewReader(os.Stdin)
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	merged := merge(readIntervals(r))
	fmt.Fprintln(w, len(merged))
	for _, x := range merged {
		fmt.Fprintln(w, x.lo, x.hi)
	}
}

func merge(xs []interval) []interval {
	sort.Slice(xs, func(i, j int) bool {
		if xs[i].lo != xs[j].lo {
			return xs[i].lo < xs[j].lo
		}
		return xs[i].hi < xs[j].hi
	})
	var res []interval
	for _, x := range xs {
		if len(res) > 0 && x.lo <= res[len(res)-1].hi {
			if x.hi > res[len(res)-1].hi {
				res[len(res)-1].hi = x.hi
			}
			continue
		}
		res = append(res, x)
	}
	return res
}

type interval struct{ lo, hi int }

func readIntervals(r *bufio.Reader) []interval {
	var n int
	fmt.Fscan(r, &n)
	out := make([]interval, n)
	for i := range out {
		fmt.Fscan(r, &out[i].lo, &out[i].hi)
	}
	return out
}
