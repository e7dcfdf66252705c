package capture

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
)

// newDirectBytesSource is newBytesSource reading a plain pcap directly
// (reader.nextDirect) from src, which wraps data; other formats are read
// as newBytesSource does.
func newDirectBytesSource(data []byte, name string, maxBytes int, wrap func(io.Reader) io.Reader) (Source, error) {
	br := bytes.NewReader(data)
	var src io.Reader = br
	if wrap != nil {
		src = wrap(br)
	}
	r, err := newReader(src, name, nil)
	if err != nil {
		return nil, err
	}
	if !r.ng && r.gz == nil {
		r.startDirect(src)
	}
	fs := &fileSource{o: Options{MaxBytes: maxBytes}, info: Info{Kind: KindFile, Name: name, FileCount: 1, TotalSize: int64(len(data))}}
	fs.setFile(&openedFile{r: r, size: int64(len(data)), name: name})
	fs.nextFile = func() (*openedFile, error) { return nil, io.EOF }
	return fs, nil
}

// stream is what a source delivered: every packet (its offset left out)
// and its bytes, then the final error's text.
func stream(t testing.TB, src Source, max int) string {
	t.Helper()
	pkts, data, err := readAll(t, src, max)
	var sb strings.Builder
	for i, p := range pkts {
		p.Off = 0
		fmt.Fprintf(&sb, "%+v %x\n", p, data[i])
	}
	fmt.Fprintf(&sb, "end: %v\n", err)
	return sb.String()
}

// compareDirect checks that reading data directly (with batches of up to
// max packets and maxBytes bytes, through wrap) delivers what the
// buffered reader does.
func compareDirect(t *testing.T, name string, data []byte, max, maxBytes int, wrap func(io.Reader) io.Reader) {
	t.Helper()
	bsrc, berr := newBytesSource(data, name)
	dsrc, derr := newDirectBytesSource(data, name, maxBytes, wrap)
	if (berr == nil) != (derr == nil) {
		t.Fatalf("%s: open: buffered %v, direct %v", name, berr, derr)
	}
	if berr != nil {
		return
	}
	want := stream(t, bsrc, 64)
	if got := stream(t, dsrc, max); got != want {
		t.Fatalf("%s (max %d, %d bytes): direct reading differs from buffered:\n%s\nwant\n%s", name, max, maxBytes, firstDiff(got, want), firstDiff(want, got))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range al {
		if i >= len(bl) || al[i] != bl[i] {
			return fmt.Sprintf("line %d: %.300s", i+1, al[i])
		}
	}
	return "(prefix)"
}

// Every plain pcap of testdata reads the same directly as buffered, with
// small and large batches and budgets, and through readers that return
// a byte at a time, half of what was asked for, or data with io.EOF.
func TestDirectEqualsBuffered(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(pcapDir, "*.pcap"))
	more, _ := filepath.Glob("testdata/*.pcap")
	files = append(files, more...)
	if len(files) < 20 {
		t.Fatalf("only %d test captures", len(files))
	}
	wraps := []func(io.Reader) io.Reader{nil, iotest.HalfReader, iotest.DataErrReader, iotest.OneByteReader}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, c := range []struct{ max, bytes int }{{1, 1 << 20}, {3, 200}, {256, 4096}, {2048, 1 << 20}, {7, 64 << 10}} {
			w := wraps[i%len(wraps)]
			if i%len(wraps) == 3 && len(data) > 64<<10 {
				w = nil // a byte at a time: small files only
			}
			compareDirect(t, filepath.Base(f), data, c.max, c.bytes, w)
		}
	}
}

// A capture cut at every byte reads the same directly as buffered: the
// same packets, then the same FormatError.
func TestDirectCutShort(t *testing.T) {
	for _, name := range []string{"nsec-bigendian-tcp.pcap", "malformed-timestamp-invalid-usec.pcap", "linktype-ipv4.pcap"} {
		full, err := os.ReadFile(filepath.Join(pcapDir, name))
		if err != nil {
			t.Fatal(err)
		}
		for cut := 1; cut <= len(full); cut++ {
			compareDirect(t, fmt.Sprintf("%s cut at %d", name, cut), full[:cut], 2+cut%5, 256+cut%1000, nil)
		}
	}
}

// Records bigger than the batch buffer (a snaplen above libpcap's
// maximum allows them) are read whole into a grown buffer; a record
// claiming more than the limit ends the file as buffered reading does.
func TestDirectBigRecords(t *testing.T) {
	var b bytes.Buffer
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 4<<20)
	binary.LittleEndian.PutUint32(hdr[20:], 1)
	b.Write(hdr)
	rec := make([]byte, 16)
	for i, size := range []int{60, 3 << 20, 100, 300 << 10, 70 << 10, 1 << 20, 40, 5 << 20} {
		binary.LittleEndian.PutUint32(rec[0:], uint32(1700000000+i))
		binary.LittleEndian.PutUint32(rec[8:], uint32(size))
		binary.LittleEndian.PutUint32(rec[12:], uint32(size))
		b.Write(rec)
		b.Write(bytes.Repeat([]byte{byte(i + 1)}, min(size, 1<<20)))
		if size > 1<<20 && size < 4<<20 {
			b.Write(bytes.Repeat([]byte{byte(i + 1)}, size-(1<<20)))
		}
	}
	data := b.Bytes()
	for _, c := range []struct{ max, bytes int }{{1, 64 << 10}, {4, 64 << 10}, {2048, 1 << 20}} {
		compareDirect(t, "big records", data, c.max, c.bytes, nil)
	}
	src, _ := newDirectBytesSource(data, "x", 64<<10, nil)
	pkts, _, err := readAll(t, src, 4)
	if len(pkts) != 7 || err == nil || !strings.Contains(err.Error(), "exceeds the maximum") {
		t.Fatalf("%d packets, %v; want 7 and the record limit", len(pkts), err)
	}
}

// A batch read again without Reset gets more packets appended after the
// ones it holds, as with buffered reading.
func TestDirectReadWithoutReset(t *testing.T) {
	data := pcapBytes(300, 333)
	src, err := newDirectBytesSource(data, "x", 64<<10, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b Batch
	for range 3 {
		if err := src.Read(&b, 7); err != nil {
			t.Fatal(err)
		}
	}
	if len(b.Pkts) != 21 {
		t.Fatalf("%d packets after 3 Reads of 7", len(b.Pkts))
	}
	for i := range b.Pkts {
		if d := b.Data(i); len(d) != 333 || d[0] != byte(i) || d[332] != byte(i) || b.Pkts[i].TS.Sec() != int64(1700000000+i) {
			t.Fatalf("packet %d of the batch: %d bytes of %d", i, len(d), d[0])
		}
	}
	pkts, data2, err := readAll(t, src, 50)
	if err != nil || len(pkts) != 300-21 || data2[0][0] != 21 {
		t.Fatalf("then %d packets, %v; want %d from 21 on", len(pkts), err, 300-21)
	}
}

// A batch holding directly read packets is not given mapped or copied
// packets of the next file of a list, and the other way round.
func TestDirectListMixedModes(t *testing.T) {
	dir := t.TempDir()
	var names []string
	for i, n := range []int{30, 40, 25} {
		p := filepath.Join(dir, fmt.Sprintf("f%d.pcap", i))
		if err := os.WriteFile(p, pcapBytes(n, 90+i), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, p)
	}
	list := filepath.Join(dir, "list")
	os.WriteFile(list, []byte(strings.Join(names, "\n")+"\n"), 0o644)
	for _, mode := range []int{readDirect, readMapped, readBuffered} {
		setReadMode(t, mode)
		src, err := OpenList(list, Options{})
		if err != nil {
			t.Fatal(err)
		}
		pkts, data, err := readAll(t, src, 16)
		src.Close()
		if err != nil || len(pkts) != 95 {
			t.Fatalf("mode %d: %d packets, %v", mode, len(pkts), err)
		}
		for i, p := range pkts {
			f, k := int(p.File), i
			for _, n := range []int{30, 40, 25}[:f] {
				k -= n
			}
			if len(data[i]) != 90+f || data[i][0] != byte(k) {
				t.Fatalf("mode %d: packet %d (file %d): %d bytes of %d", mode, i, f, len(data[i]), data[i][0])
			}
		}
	}
}

// Reading directly allocates nothing once the batches have their
// buffers.
func TestDirectNoAllocs(t *testing.T) {
	data := pcapBytes(3000, 700)
	src, err := newDirectBytesSource(append(data[:24:24], bytes.Repeat(data[24:], 200)...), "x", 1<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	bs := make([]Batch, 4)
	for i := range bs {
		bs[i].Buf = make([]byte, 0, 1<<20+65536)
	}
	i := 0
	read := func() {
		bt := &bs[i%4]
		i++
		bt.Reset()
		if err := src.Read(bt, 2048); err != nil || len(bt.Pkts) == 0 {
			t.Fatalf("%d packets, %v", len(bt.Pkts), err)
		}
	}
	for range 8 {
		read()
	}
	if n := testing.AllocsPerRun(200, read); n != 0 {
		t.Fatalf("%v allocations per batch", n)
	}
}

// readSteps reads src the way the engine's reader goroutine does: each
// batch (of rotating ones) is read in steps of up to step packets,
// Read again without Reset, until it holds max packets or a step comes
// back short. It checks that the packets already in a batch stay where
// they are.
func readSteps(t testing.TB, src Source, step, max int) ([]Pkt, [][]byte, error) {
	t.Helper()
	bs := make([]Batch, 3)
	var pkts []Pkt
	var data [][]byte
	for i := 0; ; i++ {
		if i > 1e7 {
			t.Fatal("source never ends")
		}
		b := &bs[i%len(bs)]
		b.Reset()
		var err error
		var first *byte
		for {
			n := len(b.Pkts)
			err = src.Read(b, min(step, max-n))
			if n > 0 && &b.Data(0)[:1][0] != first {
				t.Fatalf("batch %d: the first packet moved when the batch was read on", i)
			}
			if len(b.Pkts) > 0 && n == 0 {
				first = &b.Data(0)[:1][0]
			}
			if err != nil || len(b.Pkts)-n < min(step, max-n) || len(b.Pkts) >= max {
				break
			}
		}
		if pkts, data = collect(b, pkts, data); err != nil {
			return pkts, data, endErr(err)
		}
	}
}

// Reading each batch in steps (Read again without Reset), as the engine
// does, delivers what buffered reading does, through readers that return
// less than asked for too.
func TestDirectStepsEqualsBuffered(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(pcapDir, "*.pcap"))
	more, _ := filepath.Glob("testdata/*.pcap")
	files = append(files, more...)
	wraps := []func(io.Reader) io.Reader{nil, iotest.HalfReader, iotest.DataErrReader}
	big := pcapBytes(5000, 333)
	cases := []struct{ step, max, bytes int }{{1, 5, 1 << 20}, {3, 10, 300}, {7, 64, 4096}, {256, 2048, 1 << 20}, {100, 1000, 64 << 10}}
	for fi, f := range append(files, "") {
		data := big
		name := "synthetic"
		if f != "" {
			var err error
			if data, err = os.ReadFile(f); err != nil {
				t.Fatal(err)
			}
			name = filepath.Base(f)
		}
		bsrc, berr := newBytesSource(data, name)
		if berr != nil {
			continue
		}
		want := stream(t, bsrc, 64)
		for i, c := range cases {
			dsrc, err := newDirectBytesSource(data, name, c.bytes, wraps[(fi+i)%len(wraps)])
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			pkts, pdata, err := readSteps(t, dsrc, c.step, c.max)
			var sb strings.Builder
			for j, p := range pkts {
				p.Off = 0
				fmt.Fprintf(&sb, "%+v %x\n", p, pdata[j])
			}
			fmt.Fprintf(&sb, "end: %v\n", err)
			if got := sb.String(); got != want {
				t.Fatalf("%s (step %d, max %d, %d bytes): stepped direct reading differs from buffered:\n%s\nwant\n%s", name, c.step, c.max, c.bytes, firstDiff(got, want), firstDiff(want, got))
			}
		}
	}
}

// The bytes read past a batch's last record stay where they are until
// the batch is read on (no copy), or are copied to the start of the
// next batch.
func TestDirectParkInPlace(t *testing.T) {
	data := pcapBytes(400, 333)
	src, err := newDirectBytesSource(data, "x", 1<<20, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := src.(*fileSource).r
	var b, b2 Batch
	if err := src.Read(&b, 5); err != nil {
		t.Fatal(err)
	}
	m := b.Mapped
	if len(r.carry) == 0 || &m[:len(m)+1][len(m)] != &r.carry[0] {
		t.Fatalf("after a Read the %d bytes read ahead are not right past the batch's %d", len(r.carry), len(m))
	}
	next := r.carry[16 : 16+333]
	if err := src.Read(&b, 5); err != nil || len(b.Pkts) != 10 {
		t.Fatalf("%d packets, %v", len(b.Pkts), err)
	}
	if d := b.Data(5); &d[0] != &next[0] {
		t.Fatal("the batch read on does not use the bytes read ahead where they were")
	}
	if err := src.Read(&b2, 5); err != nil || len(b2.Pkts) != 5 {
		t.Fatalf("%d packets, %v", len(b2.Pkts), err)
	}
	if d := b2.Data(0); d[0] != 10 || b2.Pkts[0].Off != 16 {
		t.Fatalf("next batch starts with packet %d at %d", d[0], b2.Pkts[0].Off)
	}
}

// Odd record headers (a fraction of a second or more, a captured length
// above the wire length or the snaplen) read directly give the warnings
// buffered reading gives, at the same records, also in the middle of a
// batch whose other records are plain (directRun leaves them to
// nextDirect).
func TestDirectWarnsAsBuffered(t *testing.T) {
	base := pcapBytes(50, 120)
	binary.LittleEndian.PutUint32(base[16:], 100) // snaplen 100: every record is over it...
	plain := pcapBytes(50, 120)
	odd := func(rec int, field int, v uint32) []byte {
		d := append([]byte(nil), plain...)
		binary.LittleEndian.PutUint32(d[24+rec*(16+120)+field:], v)
		return d
	}
	inputs := map[string][]byte{
		"snaplen": base,
		"usec 7":  odd(7, 4, 1e6),
		"usec 30": odd(30, 4, 3e9),
		"wire 12": odd(12, 12, 60),
		"wire 0":  odd(0, 12, 119),
		"plain":   plain,
	}
	inputs["snaplen at 10"] = func() []byte {
		d := append([]byte(nil), plain[:24]...)
		binary.LittleEndian.PutUint32(d[16:], 110)
		d = append(d, pcapRecords(0, 10, 100)...)
		d = append(d, pcapRecords(10, 5, 120)...)
		return append(d, pcapRecords(15, 10, 100)...)
	}()
	inputs["both 20/21"] = func() []byte {
		d := odd(20, 4, 1e6)
		binary.LittleEndian.PutUint32(d[24+21*(16+120)+12:], 1)
		return d
	}()
	files, _ := filepath.Glob(filepath.Join(pcapDir, "malformed-*.pcap"))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		inputs[filepath.Base(f)] = data
	}
	read := func(data []byte, direct bool, max int) string {
		var sb, warns strings.Builder // (the warnings' texts name their records)
		warn := func(msg string) { fmt.Fprintf(&warns, "warn %s\n", msg) }
		var src io.Reader = bytes.NewReader(data)
		r, err := newReader(src, "x", warn)
		if err != nil {
			return "open: " + err.Error()
		}
		if direct && !r.ng && r.gz == nil {
			r.startDirect(src)
		}
		fs := &fileSource{o: Options{MaxBytes: 1 << 20}, info: Info{Kind: KindFile, Name: "x", FileCount: 1}}
		fs.setFile(&openedFile{r: r, size: int64(len(data)), name: "x"})
		fs.nextFile = func() (*openedFile, error) { return nil, io.EOF }
		var b Batch
		for {
			b.Reset()
			err := fs.Read(&b, max)
			for i, p := range b.Pkts {
				p.Off = 0
				fmt.Fprintf(&sb, "%+v %x\n", p, b.Data(i))
			}
			if err != nil {
				fmt.Fprintf(&sb, "end: %v\n", err)
				return sb.String() + warns.String()
			}
		}
	}
	for name, data := range inputs {
		want := read(data, false, 64)
		for _, max := range []int{1, 5, 2048} {
			if got := read(data, true, max); got != want {
				t.Fatalf("%s (batches of %d): direct\n%s\nbuffered\n%s", name, max, firstDiff(got, want), firstDiff(want, got))
			}
		}
	}
	for _, name := range []string{"usec 7", "snaplen at 10", "wire 12"} {
		if w := read(inputs[name], true, 2048); !strings.Contains(w, "warn ") {
			t.Fatalf("%s: no warning", name)
		}
	}
}
