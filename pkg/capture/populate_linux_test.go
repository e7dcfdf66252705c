package capture

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// mappedRSS is the resident size, in bytes, of the mapping that starts
// at addr (from /proc/self/smaps).
func mappedRSS(t *testing.T, addr uintptr) int {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	defer f.Close()
	start := fmt.Sprintf("%x-", addr)
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, "-") && !strings.HasSuffix(strings.Fields(line)[0], ":") {
			in = strings.HasPrefix(line, start)
			continue
		}
		if in && strings.HasPrefix(line, "Rss:") {
			kb, err := strconv.Atoi(strings.Fields(line)[1])
			if err != nil {
				t.Fatalf("smaps: %q", line)
			}
			return kb << 10
		}
	}
	t.Fatalf("mapping at %#x not in smaps", addr)
	return 0
}

// ahead maps a step of the file beyond the read position on its own
// goroutine, and not the whole file.
func TestMappingPopulatesAhead(t *testing.T) {
	name := filepath.Join(t.TempDir(), "big.pcap")
	size := 4 * populateStep
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := mapFile(f, int64(size), name)
	if m == nil {
		t.Skip("cannot map the file here")
	}
	defer m.unmap()
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(m.data)))
	if rss := mappedRSS(t, addr); rss >= populateStep/2 {
		t.Skipf("mapping resident before any read (%d bytes)", rss)
	}
	m.ahead(0)
	m.pop.Wait()
	rss := mappedRSS(t, addr)
	if rss < populateStep*3/4 {
		t.Fatalf("after ahead(0): %d bytes resident, want about %d", rss, populateStep)
	}
	if rss > 2*populateStep {
		t.Fatalf("after ahead(0): %d bytes resident, more than a step (%d)", rss, populateStep)
	}
	// Reading on past half of the step maps the next one, from a
	// position that is not page aligned.
	m.ahead(populateStep/2 + 3)
	m.pop.Wait()
	if rss := mappedRSS(t, addr); rss < populateStep*7/4 {
		t.Fatalf("after ahead(step/2): %d bytes resident, want about %d", rss, 2*populateStep)
	}
	if m.data[12345] != byte(12345%256) {
		t.Fatal("mapping reads wrong data")
	}
}
