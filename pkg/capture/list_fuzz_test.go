package capture

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzOpenList feeds arbitrary bytes as a -R list. '@' in the input
// stands for a folder holding good, damaged, empty and non-capture files,
// so the fuzzer reaches them: OpenList never panics, fails only with one
// line naming the list, and a list that opens is read to its end, each
// error typed and naming a file, and every listed good file contributing
// its packets.
func FuzzOpenList(f *testing.F) {
	dir := f.TempDir()
	files := map[string]string{
		"good.pcap":   "nsec-bigendian-tcp.pcap",
		"good.pcapng": "pcapng-2-interfaces-ns-us.pcapng",
		"bad.pcap":    "malformed-cut-short-null.pcap",
		"bad.pcapng":  "malformed-pcapng-shb-option-too-long.pcapng",
	}
	for name, src := range files {
		d, err := os.ReadFile(filepath.Join(pcapDir, src))
		if err != nil {
			f.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), d, 0o644); err != nil {
			f.Fatal(err)
		}
	}
	cut, err := os.ReadFile(filepath.Join("testdata", "cut-inside-record-3.pcap"))
	if err != nil {
		f.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "cut.pcap"), cut, 0o644)
	os.WriteFile(filepath.Join(dir, "empty.pcap"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "text.txt"), []byte("not a capture\n"), 0o644)
	for _, s := range []string{
		"@good.pcap\n",
		"@good.pcap\r\n@good.pcapng\r\n",
		"# comment\n\n@empty.pcap\n@text.txt\n@missing.pcap\n@good.pcap\n",
		"@cut.pcap\n@good.pcap\n@bad.pcap\n@bad.pcapng\n",
		"@empty.pcap\n",
		"@\n@.\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		list := filepath.Join(t.TempDir(), "list.txt")
		text := strings.ReplaceAll(string(data), "@", dir+"/")
		if err := os.WriteFile(list, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := OpenList(list, Options{Warn: func(string) {}})
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) && !strings.Contains(err.Error(), list) {
				t.Fatalf("OpenList error does not name the list: %v", err)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("OpenList error spans lines: %q", err)
			}
			return
		}
		defer src.Close()
		// Each line naming the good 10-packet pcap adds its 10 packets.
		wantMin := 0
		for _, l := range strings.Split(text, "\n") {
			if strings.TrimRight(l, "\r") == filepath.Join(dir, "good.pcap") {
				wantMin += 10
			}
		}
		pkts := 0
		var b Batch
		for i := 0; ; i++ {
			if i > 1e5 {
				t.Fatal("a list of small files never ends")
			}
			b.Reset()
			err := src.Read(&b, 8)
			for j, p := range b.Pkts {
				if len(b.Data(j)) != int(p.CapLen) {
					t.Fatalf("packet %d: %d bytes for captured length %d", j, len(b.Data(j)), p.CapLen)
				}
			}
			pkts += len(b.Pkts)
			if err == io.EOF {
				if pkts < wantMin {
					t.Fatalf("%d packets, but the list names the 10-packet file %d times", pkts, wantMin/10)
				}
				return
			}
			if err != nil {
				var fme *FormatError
				var fe *FileError
				if !errors.As(err, &fme) && !errors.As(err, &fe) {
					t.Fatalf("unexpected error type %T: %v", err, err)
				}
				if !strings.Contains(err.Error(), dir) {
					t.Fatalf("error names no listed file: %v", err)
				}
			}
		}
	})
}
