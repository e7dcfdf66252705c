// Command genlabels writes macRecorder's vendor label table from the IEEE
// Registration Authority's public assignment lists as Debian's ieee-data
// package ships them (/usr/share/ieee-data/oui.txt, mam.txt, oui36.txt,
// iab.txt):
//
//	go run ./pkg/plugins/macrecorder/genlabels /usr/share/ieee-data | gzip -9n > pkg/plugins/macrecorder/macLabels.tsv.gz
//
// Output lines are "PREFIX<TAB>BITS<TAB>LABEL": the assigned prefix in
// hex, its length in bits (24, 28 or 36) and the short label T2 prints:
// the organisation name with its words run together, each all-capital
// word of three or more letters written as a capitalised word ("CISCO
// SYSTEMS" -> "CiscoSystems"), cut to 9 characters, then "," and the
// registry's country code ("CiscoSyst,US"). A few group addresses that
// are no assignment get T2's names (see groupLabels).
package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
)

// groupLabels are T2's labels for group addresses, as its outputs show.
var groupLabels = []struct{ prefix, bits, label string }{
	{"01005E", "24", "IPv4Multi"},
	{"3333", "16", "IPv6Multi"},
	{"01000CCCCCCC", "48", "CDP"},
	{"FFFFFFFFFFFF", "48", "Broadcast"},
}

type entry struct {
	prefix string
	bits   int
	label  string
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: genlabels IEEE-DATA-DIR")
		os.Exit(2)
	}
	var all []entry
	for _, f := range []struct {
		name string
		bits int
	}{{"oui.txt", 24}, {"mam.txt", 28}, {"oui36.txt", 36}, {"iab.txt", 36}} {
		es, err := read(filepath.Join(os.Args[1], f.name), f.bits)
		if err != nil {
			fmt.Fprintln(os.Stderr, "genlabels:", err)
			os.Exit(1)
		}
		all = append(all, es...)
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].bits != all[j].bits {
			return all[i].bits < all[j].bits
		}
		return all[i].prefix < all[j].prefix
	})
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "# macRecorder vendor labels from the IEEE registries (Debian ieee-data), made by genlabels")
	for _, g := range groupLabels {
		fmt.Fprintf(w, "%s\t%s\t%s\n", g.prefix, g.bits, g.label)
	}
	seen := map[string]bool{}
	for _, e := range all {
		k := fmt.Sprint(e.prefix, e.bits)
		if seen[k] {
			continue
		}
		seen[k] = true
		fmt.Fprintf(w, "%s\t%d\t%s\n", e.prefix, e.bits, e.label)
	}
	w.Flush()
}

// read parses an IEEE .txt list: a block per assignment starting with
// "PREFIX (base 16) NAME", then address lines, the last one the country.
func read(path string, bits int) ([]entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []entry
	var cur *entry
	var name, last, hex24 string
	flush := func() {
		if cur != nil {
			cur.label = Label(name, last)
			out = append(out, *cur)
		}
		cur = nil
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.Index(line, "(hex)"); i > 0 {
			hex24 = strings.ReplaceAll(strings.TrimSpace(line[:i]), "-", "")
			continue
		}
		if i := strings.Index(line, "(base 16)"); i > 0 {
			flush()
			p := strings.TrimSpace(line[:i])
			// MA-M/MA-S blocks give the low part as a range
			// ("B00000-BFFFFF") after the 24-bit "(hex)" line.
			if lo, _, ok := strings.Cut(p, "-"); ok {
				p = hex24 + lo
			}
			p = strings.ToUpper(p)
			digits := bits / 4
			if len(p) >= digits {
				p = p[:digits]
			}
			cur = &entry{prefix: p, bits: bits}
			name = strings.TrimSpace(line[i+len("(base 16)"):])
			last = ""
			continue
		}
		if cur != nil && line != "" {
			last = line
		}
	}
	flush()
	return out, sc.Err()
}

// Label is the short label of organisation name with country code cc.
func Label(name, cc string) string {
	var b strings.Builder
	word := func(w string) {
		letters, upper := 0, true
		for _, r := range w {
			if unicode.IsLetter(r) {
				letters++
				if !unicode.IsUpper(r) {
					upper = false
				}
			}
		}
		if upper && letters >= 3 {
			rs := []rune(strings.ToLower(w))
			rs[0] = unicode.ToUpper(rs[0])
			w = string(rs)
		}
		b.WriteString(w)
	}
	start := -1
	for i, r := range name + " " {
		keep := unicode.IsLetter(r) || unicode.IsDigit(r)
		if keep && start < 0 {
			start = i
		}
		if !keep && start >= 0 {
			word(name[start:i])
			start = -1
		}
		if r == '\'' || r == '&' || r == '+' {
			b.WriteRune(r)
		}
	}
	s := []rune(b.String())
	if len(s) > 9 {
		s = s[:9]
	}
	label := string(s)
	if len(cc) == 2 && strings.ToUpper(cc) == cc {
		label += "," + cc
	}
	return label
}
