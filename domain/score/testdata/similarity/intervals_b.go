package main

import (
	"fmt"
	"sort"
)

func main() {
	var n int
	if _, err := fmt.Scan(&n); err != nil {
		return
	}
	starts := make([][2]int, 0, n)
	for i := 0; i < n; i++ {
		var a, b int
		fmt.Scan(&a, &b)
		starts = append(starts, [2]int{a, b})
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i][0] < starts[j][0] })
	result := [][2]int{}
	curA, curB := 0, 0
	open := false
	for _, p := range starts {
		switch {
		case !open:
			curA, curB, open = p[0], p[1], true
		case p[0] > curB:
			result = append(result, [2]int{curA, curB})
			curA, curB = p[0], p[1]
		case p[1] > curB:
			curB = p[1]
		}
	}
	if open {
		result = append(result, [2]int{curA, curB})
	}
	fmt.Println(len(result))
	for _, p := range result {
		fmt.Printf("%d %d\n", p[0], p[1])
	}
}
