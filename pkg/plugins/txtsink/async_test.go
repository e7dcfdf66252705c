package txtsink

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/outfile"
)

// writeAsync writes lines (and one line longer than two chunks) through
// an asyncFile over an older, longer file in dir (which the writer
// truncates) and returns what was written, the file's content and the
// bytes the writer wrote with direct I/O.
func writeAsync(t *testing.T, dir string) (want, got string, direct int64) {
	t.Helper()
	name := filepath.Join(dir, "flows.txt")
	if err := os.WriteFile(name, bytes.Repeat([]byte("old\n"), 3<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := outfile.CreateKeep(name)
	if err != nil {
		t.Fatal(err)
	}
	a := newAsyncFile(f, true)
	var w strings.Builder
	put := func(l string) {
		if err := a.writeLine([]byte(l)); err != nil {
			t.Fatal(err)
		}
		w.WriteString(l + "\n")
	}
	for i := 0; i < 30000; i++ {
		put("A\t" + strconv.Itoa(i) + "\t" + strings.Repeat("y", i%97))
	}
	put(strings.Repeat("z", 2*chunkSize+123)) // one line over more than two chunks
	for i := 0; i < 1000; i++ {
		put("B\t" + strconv.Itoa(i))
	}
	block := []byte(strings.Repeat("many\tlines\n", 50000)) // WriteFlows' text
	if err := a.write(block); err != nil {
		t.Fatal(err)
	}
	w.Write(block)
	if err := a.close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return w.String(), string(b), a.directBytes
}

// directSupported reports whether dir's file system takes O_DIRECT writes
// of aligned chunks.
func directSupported(t *testing.T, dir string) bool {
	f, err := os.Create(filepath.Join(dir, "probe"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if setDirect(f, true) != nil {
		return false
	}
	_, err = f.Write(alignedChunk()[:directAlign])
	return err == nil
}

// TestAsyncFileDirect checks that the flow file holds exactly what was
// written, with direct I/O (where the file system takes it) and without
// (T2_NO_DIRECT), across chunk boundaries, lines longer than a chunk and
// the file's unaligned end.
func TestAsyncFileDirect(t *testing.T) {
	dir := t.TempDir()
	want, got, direct := writeAsync(t, dir)
	if got != want {
		t.Fatalf("direct: file has %d bytes, want %d (or different bytes)", len(got), len(want))
	}
	if directSupported(t, t.TempDir()) {
		if full := int64(len(want)) &^ (directAlign - 1); direct != full {
			t.Errorf("direct I/O wrote %d bytes, want every whole block (%d of %d)", direct, full, len(want))
		}
	} else {
		t.Logf("%s refuses direct I/O: checked the page-cache path only", dir)
	}

	t.Setenv("T2_NO_DIRECT", "1")
	want2, got2, direct2 := writeAsync(t, t.TempDir())
	if got2 != want2 || want2 != want {
		t.Fatalf("T2_NO_DIRECT: file has %d bytes, want %d", len(got2), len(want2))
	}
	if direct2 != 0 {
		t.Errorf("T2_NO_DIRECT: %d bytes written with direct I/O, want 0", direct2)
	}
}

// TestAsyncFileDirectRefused checks the fallback: a direct write the
// kernel refuses with EINVAL (here memory that is not aligned, as a file
// system without direct I/O would refuse any) is written through the
// page cache instead, and direct I/O stays off for the file.
func TestAsyncFileDirectRefused(t *testing.T) {
	dir := t.TempDir()
	if !directSupported(t, dir) {
		t.Skipf("%s refuses direct I/O", dir)
	}
	name := filepath.Join(dir, "flows.txt")
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a := &asyncFile{f: f, direct: setDirect(f, true) == nil}
	if !a.direct {
		t.Fatal("cannot turn direct I/O on")
	}
	buf := make([]byte, 3*directAlign+1)
	for i := range buf {
		buf[i] = byte('a' + i%26)
	}
	b := buf[1:] // 3 blocks, memory off by one byte from any alignment
	if err := a.writeOut(b); err != nil {
		t.Fatalf("writeOut: %v", err)
	}
	if a.direct || a.directBytes != 0 {
		t.Errorf("after a refused direct write: direct %v, %d direct bytes; want off, 0", a.direct, a.directBytes)
	}
	if err := a.writeOut(alignedChunk()[:directAlign]); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if want := append(append([]byte{}, b...), make([]byte, directAlign)...); !bytes.Equal(got, want) {
		t.Errorf("file has %d bytes, want %d", len(got), len(want))
	}
}
