package macrecorder

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
)

// labelData is made by genlabels (this folder) from the IEEE registries.
//
//go:embed macLabels.tsv.gz
var labelData []byte

// labels maps an address prefix to its short vendor label. Keys are
// bits<<48 | prefix, sorted, with the label of each key in names (slices
// of the one decompressed table).
type labels struct {
	keys  []uint64
	names [][]byte
	bits  []uint8 // prefix lengths present, longest first
}

// unknownLabel is printed for addresses without a label.
var unknownLabel = []byte("-")

func loadLabels(gz []byte) (*labels, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, err
	}
	n := bytes.Count(data, []byte("\n"))
	l := &labels{keys: make([]uint64, 0, n), names: make([][]byte, 0, n)}
	var seenBits [49]bool
	for ln := 1; len(data) > 0; ln++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		t1 := bytes.IndexByte(line, '\t')
		t2 := -1
		if t1 >= 0 {
			t2 = bytes.IndexByte(line[t1+1:], '\t')
		}
		if t1 <= 0 || t2 <= 0 {
			return nil, fmt.Errorf("label table line %d: want 3 fields", ln)
		}
		hex, bitsF, name := line[:t1], line[t1+1:t1+1+t2], line[t1+2+t2:]
		p, err1 := strconv.ParseUint(string(hex), 16, 64)
		b, err2 := strconv.ParseUint(string(bitsF), 10, 8)
		if err1 != nil || err2 != nil || len(hex)*4 != int(b) || b > 48 || len(name) == 0 {
			return nil, fmt.Errorf("label table line %d: bad prefix", ln)
		}
		l.keys = append(l.keys, b<<48|p)
		l.names = append(l.names, name)
		seenBits[b] = true
	}
	sort.Stable(byKey{l})
	// The first line of a key wins (the generator writes each once).
	w := 0
	for i := range l.keys {
		if w > 0 && l.keys[w-1] == l.keys[i] {
			continue
		}
		l.keys[w], l.names[w] = l.keys[i], l.names[i]
		w++
	}
	l.keys, l.names = l.keys[:w], l.names[:w]
	for b := 48; b > 0; b-- {
		if seenBits[b] {
			l.bits = append(l.bits, uint8(b))
		}
	}
	return l, nil
}

type byKey struct{ l *labels }

func (s byKey) Len() int           { return len(s.l.keys) }
func (s byKey) Less(i, j int) bool { return s.l.keys[i] < s.l.keys[j] }
func (s byKey) Swap(i, j int) {
	s.l.keys[i], s.l.keys[j] = s.l.keys[j], s.l.keys[i]
	s.l.names[i], s.l.names[j] = s.l.names[j], s.l.names[i]
}

// lookup returns the label of m: the longest matching prefix.
func (l *labels) lookup(m [6]byte) []byte {
	v := uint64(m[0])<<40 | uint64(m[1])<<32 | uint64(m[2])<<24 | uint64(m[3])<<16 | uint64(m[4])<<8 | uint64(m[5])
	if v == 0 || l == nil {
		return unknownLabel
	}
	for _, b := range l.bits {
		k := uint64(b)<<48 | v>>(48-uint64(b))
		if i, ok := slices.BinarySearch(l.keys, k); ok {
			return l.names[i]
		}
	}
	return unknownLabel
}

// records is the number of prefixes in the table.
func (l *labels) records() int { return len(l.keys) }
