package engine

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"sync"

	"github.com/t2go/t2go/pkg/prefetch"
)

// hugeOnce: the heap is one per process, however many engines run.
var hugeOnce sync.Once

// hugeMin is the smallest mapping worth a huge-page hint: the plugins'
// per-flow arrays are megabytes each for the default table size.
const hugeMin = 8 << 20

// useHugePages gives the huge-page hint (prefetch.HugePages) to the
// process's large anonymous read-write mappings: the Go heap's arenas,
// where the plugins allocated their per-flow state in Init. Those arrays
// are read at random, one slot per packet and plugin, like the flow table
// (which flow.NewTable advises itself); pages not touched yet (most of
// them, fresh from the kernel) become huge when first written. Pages
// already written stay as they are.
func useHugePages() {
	hugeOnce.Do(func() {
		f, err := os.Open("/proc/self/maps")
		if err != nil {
			return
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			lo, hi, ok := anonRW(sc.Bytes())
			if !ok || hi-lo < hugeMin {
				continue
			}
			prefetch.HugeRange(lo, hi-lo)
		}
	})
}

// anonRW parses one line of /proc/self/maps ("start-end perms offset dev
// inode [path]") and returns the range of an anonymous private read-write
// mapping.
func anonRW(line []byte) (lo, hi uintptr, ok bool) {
	f := bytes.Fields(line)
	if len(f) != 5 || string(f[1]) != "rw-p" {
		return 0, 0, false
	}
	a, b, found := bytes.Cut(f[0], []byte{'-'})
	if !found {
		return 0, 0, false
	}
	l, err1 := strconv.ParseUint(string(a), 16, 64)
	h, err2 := strconv.ParseUint(string(b), 16, 64)
	if err1 != nil || err2 != nil || h <= l {
		return 0, 0, false
	}
	return uintptr(l), uintptr(h), true
}
