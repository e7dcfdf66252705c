package capture

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/packet"
)

const pcapDir = "../../testdata/pcaps"

type manifestRow struct {
	file            string
	format          string
	packets         int
	bytes           int64
	firstTS, lastTS string
}

func readManifest(t testing.TB) []manifestRow {
	t.Helper()
	f, err := os.Open(filepath.Join(pcapDir, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []manifestRow
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		if len(c) < 11 || strings.HasPrefix(c[0], "malformed-") {
			continue
		}
		n, err1 := strconv.Atoi(c[7])
		by, err2 := strconv.ParseInt(c[8], 10, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("manifest row %q: bad counts", c[0])
		}
		rows = append(rows, manifestRow{c[0], c[6], n, by, c[9], c[10]})
	}
	return rows
}

// readAll drains src and returns its packets (copied) and the final error.
func readAll(t testing.TB, src Source, max int) ([]Pkt, [][]byte, error) {
	t.Helper()
	var b Batch
	var pkts []Pkt
	var data [][]byte
	for i := 0; ; i++ {
		if i > 1e7 {
			t.Fatal("source never ends")
		}
		b.Reset()
		err := src.Read(&b, max)
		if pkts, data = collect(&b, pkts, data); err != nil {
			return pkts, data, endErr(err)
		}
	}
}

// collect appends b's packets (their data copied) to pkts and data.
func collect(b *Batch, pkts []Pkt, data [][]byte) ([]Pkt, [][]byte) {
	for j := range b.Pkts {
		pkts = append(pkts, b.Pkts[j])
		data = append(data, append([]byte(nil), b.Data(j)...))
	}
	return pkts, data
}

// endErr is the error a drained source ends with: nil at io.EOF.
func endErr(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}

// tsString prints ts like the manifest: sec.usec for us files, sec.nsec for ns.
func tsString(ts packet.Time, nsec bool) string {
	s := ts.String()
	if !nsec {
		s = s[:len(s)-3]
	}
	return s
}

func TestReadManifestFiles(t *testing.T) {
	for _, row := range readManifest(t) {
		t.Run(row.file, func(t *testing.T) {
			src, err := OpenFile(filepath.Join(pcapDir, row.file), Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			pkts, _, err := readAll(t, src, 64)
			if err != nil {
				t.Fatal(err)
			}
			if len(pkts) != row.packets {
				t.Fatalf("%d packets, manifest says %d", len(pkts), row.packets)
			}
			var wire int64
			for _, p := range pkts {
				wire += int64(p.WireLen)
			}
			if wire != row.bytes {
				t.Errorf("%d wire bytes, manifest says %d", wire, row.bytes)
			}
			// The manifest (capinfos) gives the earliest and latest times.
			first, last := pkts[0].TS, pkts[0].TS
			for _, p := range pkts {
				first, last = min(first, p.TS), max(last, p.TS)
			}
			if got := tsString(first, len(row.firstTS) > 17); got != row.firstTS {
				t.Errorf("first ts %s, manifest %s", got, row.firstTS)
			}
			if got := tsString(last, len(row.lastTS) > 17); got != row.lastTS {
				t.Errorf("last ts %s, manifest %s", got, row.lastTS)
			}
			info := src.Info()
			if info.Pcapng != strings.HasPrefix(row.format, "pcapng") {
				t.Errorf("Pcapng = %v for format %s", info.Pcapng, row.format)
			}
			if info.Kind != KindFile || info.Files != 1 || info.FileIndex != 1 {
				t.Errorf("info %+v", info)
			}
		})
	}
}

func TestHeaderErrors(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.pcap")
	os.WriteFile(empty, nil, 0o644)
	text := filepath.Join(dir, "text.pcap")
	os.WriteFile(text, []byte("hello, this is not a capture file\n"), 0o644)
	short := filepath.Join(dir, "short.pcap")
	os.WriteFile(short, []byte{0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0}, 0o644)
	missing := filepath.Join(dir, "missing.pcap")
	for _, tc := range []struct {
		path   string
		reason error
		want   string
	}{
		{empty, ErrEmpty, "PCAP file '" + empty + "' is empty"},
		{text, ErrNotCapture, "File '" + text + "' is not a valid PCAP/PCAP-NG file"},
		{missing, ErrOpen, "Failed to open file '" + missing + "' for reading: No such file or directory"},
		{dir, ErrOpen, "Failed to open file '" + dir + "' for reading: Is a directory"},
	} {
		_, err := OpenFile(tc.path, Options{})
		if err == nil || err.Error() != tc.want || !errors.Is(err, tc.reason) {
			t.Errorf("OpenFile(%s) = %v, want %q", tc.path, err, tc.want)
		}
	}
	_, err := OpenFile(short, Options{})
	var fe *FormatError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "24-byte pcap file header") {
		t.Errorf("short header: %v", err)
	}
}
