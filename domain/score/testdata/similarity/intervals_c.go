package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// Sweep: +1 at each start, -1 after each end; a merged range closes when
// the depth returns to zero.
func main() {
	sc := bufio.NewScanner(os.Stdin)
	sc.Split(bufio.ScanWords)
	next := func() int {
		sc.Scan()
		v, _ := strconv.Atoi(sc.Text())
		return v
	}
	n := next()
	type ev struct{ at, d int }
	evs := make([]ev, 0, 2*n)
	for ; n > 0; n-- {
		a, b := next(), next()
		evs = append(evs, ev{a, 1}, ev{b, -1})
	}
	for i := 1; i < len(evs); i++ {
		for j := i; j > 0 && (evs[j].at < evs[j-1].at || evs[j].at == evs[j-1].at && evs[j].d > evs[j-1].d); j-- {
			evs[j], evs[j-1] = evs[j-1], evs[j]
		}
	}
	var sb strings.Builder
	depth, start, count := 0, 0, 0
	for _, e := range evs {
		if depth == 0 && e.d == 1 {
			start = e.at
		}
		depth += e.d
		if depth == 0 {
			sb.WriteString(strconv.Itoa(start) + " " + strconv.Itoa(e.at) + "\n")
			count++
		}
	}
	os.Stdout.WriteString(strconv.Itoa(count) + "\n" + sb.String())
}
