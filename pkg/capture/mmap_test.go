package capture

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// pcapBytes builds a little-endian microsecond pcap of n packets, packet
// i being size bytes of value byte(i).
func pcapBytes(n, size int) []byte {
	var b bytes.Buffer
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], 1)
	b.Write(hdr)
	b.Write(pcapRecords(0, n, size))
	return b.Bytes()
}

// pcapRecords are records first..first+n-1 of pcapBytes.
func pcapRecords(first, n, size int) []byte {
	var b bytes.Buffer
	rec := make([]byte, 16)
	for i := first; i < first+n; i++ {
		binary.LittleEndian.PutUint32(rec[0:], uint32(1700000000+i))
		binary.LittleEndian.PutUint32(rec[4:], 0)
		binary.LittleEndian.PutUint32(rec[8:], uint32(size))
		binary.LittleEndian.PutUint32(rec[12:], uint32(size))
		b.Write(rec)
		b.Write(bytes.Repeat([]byte{byte(i)}, size))
	}
	return b.Bytes()
}

func writeTemp(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "x.pcap")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readFile reads all of file in the given mode (readBuffered, readDirect
// or readMapped), checking that it is read so.
func readFile(t *testing.T, file string, mode int) ([]Pkt, [][]byte) {
	t.Helper()
	setReadMode(t, mode)
	src, err := OpenFile(file, Options{MaxBytes: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	r := src.(*fileSource).r
	if got := len(src.(*fileSource).maps) == 1; got != (mode == readMapped) || r.direct != (mode == readDirect) {
		t.Fatalf("%s: mapped %v, direct %v, want mode %d", file, got, r.direct, mode)
	}
	pkts, data, err := readAll(t, src, 100)
	if err != nil || len(pkts) == 0 {
		t.Fatalf("%s: %d packets, %v", file, len(pkts), err)
	}
	return pkts, data
}

// setReadMode sets the environment for fileReadMode to choose mode for
// the files opened next in t.
func setReadMode(t *testing.T, mode int) {
	t.Helper()
	t.Setenv("T2_NO_MMAP", "")
	t.Setenv("T2_MMAP", "")
	switch mode {
	case readBuffered:
		t.Setenv("T2_NO_MMAP", "1")
	case readMapped:
		t.Setenv("T2_MMAP", "1")
	}
}

// Mapped, direct and buffered reading deliver the same packets.
func TestMappedReadEqualsRead(t *testing.T) {
	for _, file := range []string{"../../testdata/pcaps/http-web-browsing.pcap", "../../testdata/t2sample/test.pcap"} {
		rp, rd := readFile(t, file, readBuffered)
		for _, mode := range []int{readMapped, readDirect} {
			mp, md := readFile(t, file, mode)
			if len(mp) != len(rp) {
				t.Fatalf("%s: mode %d %d packets, read %d", file, mode, len(mp), len(rp))
			}
			for i := range mp {
				a, b := mp[i], rp[i]
				a.Off, b.Off = 0, 0
				if a != b || !bytes.Equal(md[i], rd[i]) {
					t.Fatalf("%s: mode %d: packet %d differs: %+v vs %+v", file, mode, i+1, mp[i], rp[i])
				}
			}
		}
	}
}

// A file that grows after it was mapped (or while it is read directly)
// is read to its new end.
func TestMappedFileGrows(t *testing.T) {
	for _, mode := range []int{readMapped, readDirect} {
		setReadMode(t, mode)
		testFileGrows(t)
	}
}

func testFileGrows(t *testing.T) {
	p := writeTemp(t, pcapBytes(50, 100))
	src, err := OpenFile(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var b Batch
	if err := src.Read(&b, 10); err != nil || len(b.Pkts) != 10 || b.Mapped == nil {
		t.Fatalf("first batch: %d packets, mapped %v, %v", len(b.Pkts), b.Mapped != nil, err)
	}
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(pcapRecords(50, 30, 100))
	f.Close()
	pkts, data, err := readAll(t, src, 10)
	if err != nil || len(pkts) != 70 {
		t.Fatalf("after growing: %d more packets, %v; want 70", len(pkts), err)
	}
	if last := data[69]; last[0] != 79 {
		t.Fatalf("last packet holds %d, want 79", last[0])
	}
}

// A file cut inside a record is reported as such when mapped or read
// directly too.
func TestMappedFileCutShort(t *testing.T) {
	for _, mode := range []int{readMapped, readDirect} {
		setReadMode(t, mode)
		testFileCutShort(t)
	}
}

func testFileCutShort(t *testing.T) {
	data := pcapBytes(20, 100)
	src, err := OpenFile(writeTemp(t, data[:len(data)-50]), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	pkts, _, err := readAll(t, src, 8)
	var fe *FormatError
	if len(pkts) != 19 || !errors.As(err, &fe) {
		t.Fatalf("%d packets, error %v; want 19 and a FormatError", len(pkts), err)
	}
}

// A mapped file truncated while it is read gives an error, not a crash.
func TestMappedFileTruncatedWhileRead(t *testing.T) {
	setReadMode(t, readMapped)
	p := writeTemp(t, pcapBytes(2000, 1000)) // about 2 MB
	src, err := OpenFile(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var b Batch
	if err := src.Read(&b, 10); err != nil || len(b.Pkts) != 10 {
		t.Fatalf("first batch: %d packets, %v", len(b.Pkts), err)
	}
	if err := os.Truncate(p, 4096); err != nil {
		t.Fatal(err)
	}
	_, _, err = readAll(t, src, 100)
	if !errors.Is(err, errMemoryFault) || !errors.Is(err, ErrRead) {
		t.Fatalf("error %v, want a read error for the memory fault", err)
	}
}

var faultSink byte

// MemoryFault recognises a real fault on a truncated mapping, and only
// that.
func TestMemoryFault(t *testing.T) {
	if MemoryFault("boom") != nil || MemoryFault(errors.New("x")) != nil {
		t.Fatal("a plain panic value taken for a memory fault")
	}
	p := writeTemp(t, pcapBytes(100, 1000))
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := mapFile(f, 100*1016+24, p)
	if m == nil {
		t.Skip("no mappings here")
	}
	defer m.unmap()
	if err := os.Truncate(p, 0); err != nil {
		t.Fatal(err)
	}
	got := func() (err error) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() { err = MemoryFault(recover()) }()
		faultSink = m.data[50000] // a page past the new end
		return nil
	}()
	if !errors.Is(got, errMemoryFault) {
		t.Fatalf("got %v, want the memory-fault error", got)
	}
	// A fault outside every capture mapping is a bug, not a truncated
	// file: MemoryFault leaves it to be re-raised.
	old := m.data
	m.unmap()
	got = func() (err error) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			r := recover()
			if err = MemoryFault(r); err == nil && r != nil {
				err = errors.New("not a capture fault")
			}
		}()
		faultSink = old[50000] // unmapped now
		return nil
	}()
	if got == nil || errors.Is(got, errMemoryFault) {
		t.Fatalf("fault outside the mappings: %v, want it left alone", got)
	}
}
