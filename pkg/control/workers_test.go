package control

import (
	"reflect"
	"testing"

	"github.com/t2go/t2go/pkg/report"
)

type mergeState struct {
	name    string
	n       uint64
	hist    []uint64
	arr     [2]int
	f       float64
	shared  *uint64
	on      bool
	nested  struct{ v uint32 }
	aliased []uint64
}

// mergeValue adds a worker's plugin state into worker 0's: counts,
// histograms and nested values add up (or keep the maximum), names,
// switches, pointers and shared slices stay worker 0's.
func TestMergeValue(t *testing.T) {
	shared := uint64(7)
	common := []uint64{1, 1}
	mk := func(n uint64) *mergeState {
		s := &mergeState{name: "w", n: n, hist: []uint64{n, 2 * n}, arr: [2]int{int(n), 1}, f: 0.5, shared: &shared, on: n == 1, aliased: common}
		s.nested.v = uint32(n)
		return s
	}
	for _, tc := range []struct {
		rule report.Combine
		want mergeState
	}{
		{report.CombineSum, mergeState{name: "w", n: 4, hist: []uint64{4, 8}, arr: [2]int{4, 2}, f: 1, shared: &shared, on: true, nested: struct{ v uint32 }{4}, aliased: common}},
		{report.CombineMax, mergeState{name: "w", n: 3, hist: []uint64{3, 6}, arr: [2]int{3, 1}, f: 0.5, shared: &shared, on: true, nested: struct{ v uint32 }{3}, aliased: common}},
	} {
		dst, src := mk(1), mk(3)
		mergeValue(tc.rule, reflect.ValueOf(dst).Elem(), reflect.ValueOf(src).Elem())
		if !reflect.DeepEqual(*dst, tc.want) {
			t.Errorf("rule %d: got %+v, want %+v", tc.rule, *dst, tc.want)
		}
		if shared != 7 || common[0] != 1 {
			t.Errorf("rule %d: shared values changed: %d %v", tc.rule, shared, common)
		}
	}
}
