package capture

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMalformed pins down the decision for each damaged test capture.
func TestMalformed(t *testing.T) {
	for _, tc := range []struct {
		file    string
		openErr string // OpenFile fails with a *FormatError containing this
		packets int
		readErr string // Read ends with a *FormatError containing this
		warn    string // exactly one warning containing this
	}{
		// Packet content is hostile but the pcap framing is fine: wire
		// length 262144 above a 98-byte capture is what snaplen does.
		{file: "malformed-gre-heapoverflow.pcap", packets: 2},
		// usec >= 1e6 is odd, not damage: delivered as is, warned once.
		{file: "malformed-timestamp-invalid-usec.pcap", packets: 3, warn: "microsecond field 1000000 is not below 1000000"},
		// A 524501-byte record in a 239-byte file: a corrupt length, stop.
		{file: "malformed-cut-short-null.pcap", packets: 0, readErr: "record 1 (byte offset 24): captured length 524501 exceeds the maximum of 262144"},
		// The SHB's first option claims more bytes than the block holds.
		{file: "malformed-pcapng-shb-option-too-long.pcapng", openErr: "block 1 (byte offset 0): a section header block: trailing length 808464432 differs from the leading length 52"},
		// A truncated IPv6 header is the dissector's business.
		{file: "malformed-ipv6-39-byte-header.pcap", packets: 1},
	} {
		t.Run(tc.file, func(t *testing.T) {
			var warns []string
			path := filepath.Join(pcapDir, tc.file)
			src, err := OpenFile(path, Options{Warn: func(m string) { warns = append(warns, m) }})
			if tc.openErr != "" {
				var fe *FormatError
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.openErr) || !strings.Contains(err.Error(), path) {
					t.Fatalf("OpenFile error %v, want a FormatError with %q", err, tc.openErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			pkts, _, err := readAll(t, src, 16)
			if len(pkts) != tc.packets {
				t.Errorf("%d packets, want %d", len(pkts), tc.packets)
			}
			if tc.readErr == "" && err != nil {
				t.Errorf("unexpected error %v", err)
			}
			if tc.readErr != "" {
				var fe *FormatError
				if !errors.As(err, &fe) || !strings.Contains(err.Error(), tc.readErr) || !strings.Contains(err.Error(), path) {
					t.Errorf("Read error %v, want a FormatError with %q", err, tc.readErr)
				}
			}
			if tc.warn == "" && len(warns) > 0 || tc.warn != "" && (len(warns) != 1 || !strings.Contains(warns[0], tc.warn)) {
				t.Errorf("warnings %q, want one with %q", warns, tc.warn)
			}
		})
	}
}

// TestCutShort truncates a good capture at every interesting point: the
// packets before the cut come out, then one FormatError; never a panic.
func TestCutShort(t *testing.T) {
	for _, name := range []string{"nsec-bigendian-tcp.pcap", "pcapng-2-interfaces-ns-us.pcapng"} {
		full, err := os.ReadFile(filepath.Join(pcapDir, name))
		if err != nil {
			t.Fatal(err)
		}
		whole := countPackets(t, full)
		prevN := -1
		for cut := 1; cut < len(full); cut++ {
			src, err := newBytesSource(full[:cut], "cut")
			if err != nil {
				continue // header damaged: reported by OpenFile
			}
			pkts, _, err := readAll(t, src, 4)
			var fe *FormatError
			// A cut on a record boundary is a clean, shorter file.
			if err != nil && !errors.As(err, &fe) {
				t.Fatalf("%s cut at %d: error %v is not a FormatError", name, cut, err)
			}
			if len(pkts) < prevN || len(pkts) >= whole {
				t.Fatalf("%s cut at %d: %d packets (previous cut %d, whole file %d)", name, cut, len(pkts), prevN, whole)
			}
			prevN = len(pkts)
			if cut == len(full)-1 && (fe == nil || !strings.Contains(err.Error(), "cut short") || len(pkts) != whole-1) {
				t.Errorf("%s minus one byte: %d packets, error %v", name, len(pkts), err)
			}
		}
	}
}

func countPackets(t *testing.T, data []byte) int {
	src, err := newBytesSource(data, "full")
	if err != nil {
		t.Fatal(err)
	}
	pkts, _, err := readAll(t, src, 4)
	if err != nil {
		t.Fatal(err)
	}
	return len(pkts)
}

// TestCraftedDamage reads the crafted files of testdata/ (made with a few
// lines of Python from the layouts in the comments):
//   - cut-inside-record-3.pcap: the first 230 bytes of
//     nsec-bigendian-tcp.pcap, i.e. record 3 (at byte 204, 66 data bytes)
//     keeps 10 of its data bytes;
//   - cut-inside-block-4.pcapng: SHB, IDB, two 92-byte EPBs of 60 data
//     bytes, cut 20 bytes into the second EPB's data (block 4, byte 140);
//   - 5000-interfaces.pcapng.gz: SHB, 5000 IDBs and one EPB, gzip'd (326
//     bytes). pcapng has no limit, but reading 10 M such IDBs took 2.1 GB.
func TestCraftedDamage(t *testing.T) {
	for _, tc := range []struct {
		file    string
		packets int
		err     string // the whole FormatError text after the file name
	}{
		{"cut-inside-record-3.pcap", 2, "is damaged at record 3 (byte offset 204): file ends inside packet data (10 of 66 bytes): cut short"},
		{"cut-inside-block-4.pcapng", 1, "is damaged at block 4 (byte offset 140): file ends inside packet data (20 of 60 bytes): cut short"},
		{"5000-interfaces.pcapng.gz", 0, "is damaged at block 4098 (uncompressed byte offset 81948): more than 4096 interface description blocks in one section"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", tc.file)
			want := "File '" + path + "' " + tc.err
			src, err := OpenFile(path, Options{})
			if err != nil {
				if tc.packets != 0 || err.Error() != want {
					t.Fatalf("OpenFile: %v\nwant %s", err, want)
				}
				return
			}
			defer src.Close()
			pkts, _, err := readAll(t, src, 16)
			if len(pkts) != tc.packets {
				t.Errorf("%d packets, want %d", len(pkts), tc.packets)
			}
			var fe *FormatError
			if !errors.As(err, &fe) || err.Error() != want {
				t.Errorf("error %v\nwant %s", err, want)
			}
		})
	}
}
