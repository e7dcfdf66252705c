package report

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Combine says how the values a plugin prints (report lines, machine
// report columns) add up when several capture workers each ran an
// instance of it over their share of the packets.
type Combine int

const (
	// CombineSum: counts add up, values printed in hexadecimal (flag
	// sets) are ORed, and percentages add up (plugins compute them
	// against the run's totals, Writer.C, so the workers' shares add to
	// the whole). The default.
	CombineSum Combine = iota
	// CombineMax: a line or column holds an extreme ("biggest flow
	// talker", "max(b/s)"): of each line the worker with the largest first
	// value is kept whole; a column keeps its largest value.
	CombineMax
)

// Line is one plugin report line held back by a collecting Writer
// (Writer.Collect): the arguments of Writer.Plugin.
type Line struct {
	Name, Format string
	Args         []any
}

// numArg: a count as Num, NumUnit or T2's bit rates render it,
// "4239 (4.24 K)", "1026 b/s (1.03 Kb/s)", "1026 (1.03 Kb/s)", "12".
var numArg = regexp.MustCompile(`^([0-9]+)( [a-zA-Z/]+)?( \([0-9]+\.[0-9]+ [KMGTPE]([a-zA-Z/]*)\))?$`)

// pctArg: a share as Pct renders it, " [12.34%]".
var pctArg = regexp.MustCompile(`^ \[([0-9]+\.[0-9]+)%\]$`)

// CombineLines merges the report lines of several workers (lines[w] holds
// worker w's lines of one plugin) into the lines one instance seeing every
// packet prints. Lines match by plugin, format and their words (string
// arguments that are not numbers; with CombineMax, not addresses either);
// a line only some workers print is kept, in the order first seen.
func CombineLines(rule Combine, lines [][]Line) []Line {
	var keys []string
	merged := map[string]Line{}
	best := map[string]float64{}
	for _, ws := range lines {
		for _, l := range ws {
			k := lineKey(rule, l)
			old, seen := merged[k]
			if !seen {
				keys = append(keys, k)
				l.Args = append([]any(nil), l.Args...)
				merged[k], best[k] = l, firstValue(l)
				continue
			}
			if rule == CombineMax {
				if v := firstValue(l); v > best[k] {
					merged[k], best[k] = l, v
				}
				continue
			}
			verbs := formatVerbs(old.Format)
			for i := range old.Args {
				if i < len(l.Args) {
					old.Args[i] = addArg(old.Args[i], l.Args[i], i < len(verbs) && (verbs[i] == 'x' || verbs[i] == 'X'))
				}
			}
			merged[k] = old
		}
	}
	out := make([]Line, 0, len(keys))
	for _, k := range keys {
		out = append(out, merged[k])
	}
	return out
}

func lineKey(rule Combine, l Line) string {
	k := l.Name + "\x00" + l.Format
	for _, a := range l.Args {
		s, ok := a.(string)
		if !ok || numArg.MatchString(s) || pctArg.MatchString(s) {
			continue
		}
		if rule == CombineMax && strings.ContainsAny(s, ".:") {
			continue // an address: the line of the largest value wins
		}
		k += "\x00" + s
	}
	return k
}

// firstValue is the line's first numeric argument.
func firstValue(l Line) float64 {
	for _, a := range l.Args {
		if v, ok := argValue(a); ok {
			return v
		}
	}
	return 0
}

func argValue(a any) (float64, bool) {
	switch v := a.(type) {
	case string:
		if m := numArg.FindStringSubmatch(v); m != nil {
			f, _ := strconv.ParseFloat(m[1], 64)
			return f, true
		}
		return 0, false
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		f, _ := strconv.ParseFloat(fmt.Sprint(v), 64)
		return f, true
	}
	return 0, false
}

// formatVerbs returns the verb letter of each argument of format.
func formatVerbs(format string) []byte {
	var out []byte
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0123456789.", format[i]) >= 0 {
			i++
		}
		if i < len(format) && format[i] != '%' {
			out = append(out, format[i])
		}
	}
	return out
}

// addArg combines two values of one argument position.
func addArg(a, b any, hex bool) any {
	switch x := a.(type) {
	case string:
		y, _ := b.(string)
		if m, n := numArg.FindStringSubmatch(x), numArg.FindStringSubmatch(y); m != nil && n != nil {
			u, _ := strconv.ParseUint(m[1], 10, 64)
			v, _ := strconv.ParseUint(n[1], 10, 64)
			unit := m[2]
			sufUnit := m[4]
			if m[3] == "" {
				sufUnit = n[4]
			}
			if m[3] == "" && n[3] == "" {
				sufUnit = strings.TrimPrefix(unit, " ")
			}
			s := strconv.AppendUint(nil, u+v, 10)
			s = append(s, unit...)
			return string(AppendSuffix(s, u+v, sufUnit))
		}
		if m, n := pctArg.FindStringSubmatch(x), pctArg.FindStringSubmatch(y); m != nil && n != nil {
			u, _ := strconv.ParseFloat(m[1], 64)
			v, _ := strconv.ParseFloat(n[1], 64)
			return " [" + strconv.FormatFloat(u+v, 'f', 2, 64) + "%]"
		}
		return x
	case uint64:
		return addOr(x, b, hex)
	case uint32:
		return addOr(x, b, hex)
	case uint16:
		return addOr(x, b, hex)
	case uint8:
		return addOr(x, b, hex)
	case int:
		return addOr(x, b, hex)
	case int64:
		return addOr(x, b, hex)
	case float64:
		y, _ := b.(float64)
		return x + y
	}
	return a
}

// CombineFields merges one plugin's machine-report values of several
// workers (rows[w] are worker w's fields, as rendered): numbers add up
// (hexadecimal ones are ORed) or, with CombineMax, the largest is kept;
// other text is the first worker's.
func CombineFields(rule Combine, rows [][]string) []string {
	if len(rows) == 0 {
		return nil
	}
	out := append([]string(nil), rows[0]...)
	for _, r := range rows[1:] {
		for i := range out {
			if i < len(r) {
				out[i] = combineField(rule, out[i], r[i])
			}
		}
	}
	return out
}

func combineField(rule Combine, a, b string) string {
	if strings.HasPrefix(a, "0x") && strings.HasPrefix(b, "0x") {
		u, e1 := strconv.ParseUint(a[2:], 16, 64)
		v, e2 := strconv.ParseUint(b[2:], 16, 64)
		if e1 != nil || e2 != nil {
			return a
		}
		s := strconv.FormatUint(u|v, 16)
		for len(s) < len(a)-2 {
			s = "0" + s
		}
		return "0x" + s
	}
	if u, err := strconv.ParseUint(a, 10, 64); err == nil {
		v, err := strconv.ParseUint(b, 10, 64)
		if err != nil {
			return a
		}
		if rule == CombineMax {
			return strconv.FormatUint(max(u, v), 10)
		}
		return strconv.FormatUint(u+v, 10)
	}
	u, e1 := strconv.ParseFloat(a, 64)
	v, e2 := strconv.ParseFloat(b, 64)
	if e1 != nil || e2 != nil {
		return a
	}
	prec := 0
	if i := strings.IndexByte(a, '.'); i >= 0 {
		prec = len(a) - i - 1
	}
	if rule == CombineMax {
		return strconv.FormatFloat(max(u, v), 'f', prec, 64)
	}
	return strconv.FormatFloat(u+v, 'f', prec, 64)
}

// addOr combines two integer arguments of one report line: ORed when the
// line prints them in hex (flag sets), else added. b of another type
// counts as 0.
func addOr[T uint64 | uint32 | uint16 | uint8 | int | int64](x T, b any, hex bool) T {
	y, _ := b.(T)
	if hex {
		return x | y
	}
	return x + y
}
