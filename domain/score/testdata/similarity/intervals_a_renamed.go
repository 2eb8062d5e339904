package main

import (
	"bufio"
	"fmt"
	"os"
	"sort"
)

type span struct{ start, end int }

func load(in *bufio.Reader) []span {
	var count int
	fmt.Fscan(in, &count)
	spans := make([]span, count)
	for k := range spans {
		fmt.Fscan(in, &spans[k].start, &spans[k].end)
	}
	return spans
}

func combine(all []span) []span {
	sort.Slice(all, func(a, b int) bool {
		if all[a].start != all[b].start {
			return all[a].start < all[b].start
		}
		return all[a].end < all[b].end
	})
	var acc []span
	for _, s := range all {
		if len(acc) > 0 && s.start <= acc[len(acc)-1].end {
			if s.end > acc[len(acc)-1].end {
				acc[len(acc)-1].end = s.end
			}
			continue
		}
		acc = append(acc, s)
	}
	return acc
}

func main() {
	in := bufio.NewReader(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	joined := combine(load(in))
	fmt.Fprintln(out, len(joined))
	for _, s := range joined {
		fmt.Fprintln(out, s.start, s.end)
	}
}
