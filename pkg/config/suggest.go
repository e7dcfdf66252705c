package config

import (
	"sort"
	"strings"
)

// Suggest returns up to three of candidates that are close to name (by
// edit distance, ignoring case), nearest first.
func Suggest(name string, candidates []string) []string {
	type scored struct {
		s string
		d int
	}
	var out []scored
	ln := strings.ToLower(name)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := editDistance(ln, lc)
		limit := len(name)/3 + 1
		if d <= limit || (len(ln) >= 4 && (strings.Contains(lc, ln) || strings.Contains(ln, lc))) {
			out = append(out, scored{c, d})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].d < out[j].d })
	var names []string
	for i := 0; i < len(out) && i < 3; i++ {
		names = append(names, out[i].s)
	}
	return names
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
