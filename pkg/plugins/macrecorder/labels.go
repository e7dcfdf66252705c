package macrecorder

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// labelData is made by genlabels (this folder) from the IEEE registries.
//
//go:embed macLabels.tsv.gz
var labelData []byte

// labels maps an address prefix to its short vendor label.
type labels struct {
	byPrefix map[uint64]int32 // bits<<48 | prefix -> index in names
	names    [][]byte
	bits     []uint8 // prefix lengths present, longest first
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
	l := &labels{byPrefix: map[uint64]int32{}}
	index := map[string]int32{}
	seenBits := map[uint8]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 3 {
			return nil, fmt.Errorf("label table line %d: want 3 fields", n)
		}
		p, err1 := strconv.ParseUint(f[0], 16, 64)
		b, err2 := strconv.ParseUint(f[1], 10, 8)
		if err1 != nil || err2 != nil || len(f[0])*4 != int(b) || b > 48 {
			return nil, fmt.Errorf("label table line %d: bad prefix", n)
		}
		i, ok := index[f[2]]
		if !ok {
			i = int32(len(l.names))
			l.names = append(l.names, []byte(f[2]))
			index[f[2]] = i
		}
		k := b<<48 | p
		if _, dup := l.byPrefix[k]; !dup {
			l.byPrefix[k] = i
		}
		seenBits[uint8(b)] = true
	}
	for b := 48; b > 0; b-- {
		if seenBits[uint8(b)] {
			l.bits = append(l.bits, uint8(b))
		}
	}
	return l, sc.Err()
}

// lookup returns the label of m: the longest matching prefix.
func (l *labels) lookup(m [6]byte) []byte {
	v := uint64(m[0])<<40 | uint64(m[1])<<32 | uint64(m[2])<<24 | uint64(m[3])<<16 | uint64(m[4])<<8 | uint64(m[5])
	if v == 0 || l == nil {
		return unknownLabel
	}
	for _, b := range l.bits {
		if i, ok := l.byPrefix[uint64(b)<<48|v>>(48-uint64(b))]; ok {
			return l.names[i]
		}
	}
	return unknownLabel
}

// records is the number of prefixes in the table.
func (l *labels) records() int { return len(l.byPrefix) }
