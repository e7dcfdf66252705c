package prefetch

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// HugePages marks the whole huge pages inside the range (VmFlags "hg" in
// /proc/self/smaps), not the partial ones at its ends, and changes no data.
func TestHugePagesAdvisesInnerPages(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("kernel without transparent huge pages")
	}
	buf := make([]byte, 5*hugePage)
	buf[0], buf[len(buf)-1] = 1, 2
	HugeSlice(buf)
	if buf[0] != 1 || buf[len(buf)-1] != 2 {
		t.Fatal("data changed")
	}
	start := uintptr(unsafe.Pointer(&buf[0]))
	inner := (start + hugePage - 1) &^ (hugePage - 1)
	if !advised(t, inner) || !advised(t, inner+3*hugePage-1) {
		t.Error("an inner huge page is not advised")
	}
	if start != inner && advised(t, start) {
		t.Error("the partial huge page at the start is advised")
	}
	hi := (start + uintptr(len(buf))) &^ (hugePage - 1)
	if end := start + uintptr(len(buf)) - 1; end >= hi && advised(t, end) {
		t.Error("the partial huge page at the end is advised")
	}
	HugeSlice([]int(nil)) // nothing to advise
}

// advised reports whether the mapping holding addr has VM_HUGEPAGE.
func advised(t *testing.T, addr uintptr) bool {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		if lo, hi, ok := strings.Cut(strings.Fields(line)[0], "-"); ok && !strings.HasSuffix(line, ":") {
			l, err1 := strconv.ParseUint(lo, 16, 64)
			h, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 == nil && err2 == nil {
				in = uintptr(l) <= addr && addr < uintptr(h)
				continue
			}
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.Contains(line, " hg")
		}
	}
	t.Fatalf("no mapping holds %#x", addr)
	return false
}
