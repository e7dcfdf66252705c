package report

import (
	"fmt"
	"reflect"
	"testing"
)

func renderLines(ls []Line) []string {
	var out []string
	for _, l := range ls {
		out = append(out, l.Name+": "+fmt.Sprintf(l.Format, l.Args...))
	}
	return out
}

func TestCombineLines(t *testing.T) {
	tests := []struct {
		name string
		rule Combine
		in   [][]Line
		want []string
	}{
		{"counts, suffixes and shares add up", CombineSum, [][]Line{
			{{"ftpDecode", "Number of FTP control packets: %s%s", []any{Num(600), Pct(600, 2000)}}},
			{{"ftpDecode", "Number of FTP control packets: %s%s", []any{Num(700), Pct(700, 2000)}}},
		}, []string{"ftpDecode: Number of FTP control packets: 1300 (1.30 K) [65.00%]"}},
		{"hexadecimal flags are ORed", CombineSum, [][]Line{
			{{"tcpStates", "Aggregated tcpStatesAFlags=0x%02x", []any{uint8(0x41)}}},
			{{"tcpStates", "Aggregated tcpStatesAFlags=0x%02x", []any{uint8(0x12)}}},
		}, []string{"tcpStates: Aggregated tcpStatesAFlags=0x53"}},
		{"a line of one worker only is kept in order", CombineSum, [][]Line{
			{{"x", "a: %d", []any{1}}},
			{{"x", "a: %d", []any{2}}, {"x", "b: %d", []any{5}}},
		}, []string{"x: a: 3", "x: b: 5"}},
		{"words tell lines apart", CombineSum, [][]Line{
			{{"x", "%s: %d", []any{"tcp", 1}}},
			{{"x", "%s: %d", []any{"udp", 2}}, {"x", "%s: %d", []any{"tcp", 4}}},
		}, []string{"x: tcp: 5", "x: udp: 2"}},
		{"bit rates keep their unit", CombineSum, [][]Line{
			{{"x", "rate: %s", []any{"600"}}},
			{{"x", "rate: %s", []any{"1026 (1.03 Kb/s)"}}},
		}, []string{"x: rate: 1626 (1.63 Kb/s)"}},
		{"the worker with the biggest talker wins", CombineMax, [][]Line{
			{{"basicStats", "Biggest %s flow talker: %s: %s%s packets", []any{"L3", "10.0.0.1", Num(50), Pct(50, 100)}},
				{"basicStats", "Biggest %s flow talker: %s: %s%s packets", []any{"L2", "00:11:22:33:44:55", Num(3), Pct(3, 100)}}},
			{{"basicStats", "Biggest %s flow talker: %s: %s%s packets", []any{"L3", "10.0.0.9", Num(1200), Pct(1200, 100)}}},
		}, []string{"basicStats: Biggest L3 flow talker: 10.0.0.9: 1200 (1.20 K) [1200.00%] packets",
			"basicStats: Biggest L2 flow talker: 00:11:22:33:44:55: 3 [3.00%] packets"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := renderLines(CombineLines(tc.rule, tc.in)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestCombineFields(t *testing.T) {
	tests := []struct {
		rule Combine
		in   [][]string
		want []string
	}{
		{CombineSum, [][]string{{"3", "0x0001", "1.50", "x"}, {"4", "0x0010", "2.25", "y"}}, []string{"7", "0x0011", "3.75", "x"}},
		{CombineMax, [][]string{{"3", "1.5"}, {"9", "0.5"}}, []string{"9", "1.5"}},
		{CombineSum, [][]string{{"1"}, nil}, []string{"1"}},
	}
	for _, tc := range tests {
		if got := CombineFields(tc.rule, tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: got %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestWriterCollect(t *testing.T) {
	var got []Line
	w := &Writer{Collect: func(l Line) { got = append(got, l) }}
	w.Plugin("p", "n=%d", 3)
	if len(got) != 1 || got[0].Name != "p" || got[0].Args[0] != 3 || w.Err != nil {
		t.Errorf("collected %+v", got)
	}
}
