package capture

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzReadFile feeds arbitrary bytes as a capture file: no panic, every
// Read makes progress, packets lie inside the batch buffer, the record
// limits hold, and reading directly gives what buffered reading gives.
func FuzzReadFile(f *testing.F) {
	for _, name := range []string{"nsec-bigendian-tcp.pcap", "pcapng-2-interfaces-ns-us.pcapng", "qinq-8021ad.pcap", "malformed-timestamp-invalid-usec.pcap"} {
		d, err := os.ReadFile(filepath.Join(pcapDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(d)
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	d, _ := os.ReadFile(filepath.Join(pcapDir, "linktype-ipv4.pcap"))
	w.Write(d)
	w.Close()
	f.Add(gz.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		compareDirect(t, "fuzz", data, 8, 4096, nil)
		src, err := newBytesSource(data, "fuzz")
		if err != nil {
			var fe *FileError
			var fme *FormatError
			if !errors.As(err, &fe) && !errors.As(err, &fme) {
				t.Fatalf("open: unexpected error type %T: %v", err, err)
			}
			return
		}
		defer src.Close()
		var b Batch
		// Each Read consumes at least one record (>= 8 bytes of the
		// decompressed stream) or ends; gzip may expand, so allow for it.
		maxReads := len(data)*64 + 16
		for i := 0; ; i++ {
			if i > maxReads {
				t.Fatalf("%d Reads without the end of a %d-byte input", i, len(data))
			}
			b.Reset()
			err := src.Read(&b, 8)
			for j, p := range b.Pkts {
				if int(p.Off)+int(p.CapLen) > len(b.Buf) || p.CapLen > maxBlock {
					t.Fatalf("packet %d outside the buffer: %+v, buffer %d", j, p, len(b.Buf))
				}
			}
			if err == io.EOF {
				return
			}
			if err != nil {
				var fme *FormatError
				var fe *FileError
				if !errors.As(err, &fme) && !errors.As(err, &fe) {
					t.Fatalf("unexpected error type %T: %v", err, err)
				}
				if b2 := (Batch{}); src.Read(&b2, 8) != io.EOF {
					t.Fatal("Read after a FormatError on a single file is not io.EOF")
				}
				return
			}
			if len(b.Pkts) == 0 {
				t.Fatal("Read returned no packets and no error on a file")
			}
		}
	})
}
