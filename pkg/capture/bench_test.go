package capture

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// loopReader serves a pcap header once, then the records of the file over
// and over: an endless capture for steady-state measurements.
type loopReader struct {
	hdr, body []byte
	pos       int
}

func (l *loopReader) Read(p []byte) (int, error) {
	if len(l.hdr) > 0 {
		n := copy(p, l.hdr)
		l.hdr = l.hdr[n:]
		return n, nil
	}
	n := 0
	for n < len(p) {
		c := copy(p[n:], l.body[l.pos:])
		n += c
		if l.pos += c; l.pos == len(l.body) {
			l.pos = 0
		}
	}
	return n, nil
}

func benchSource(b *testing.B, file, filter string) Source {
	data, err := os.ReadFile(filepath.Join(pcapDir, file))
	if err != nil {
		b.Fatal(err)
	}
	r, err := newReader(&loopReader{hdr: data[:24], body: data[24:]}, file, nil)
	if err != nil {
		b.Fatal(err)
	}
	s := &fileSource{o: Options{BPF: filter}, filter: newFilterSet(filter), info: Info{Kind: KindFile}}
	s.setFile(&openedFile{r: r, name: file})
	s.nextFile = func() (*openedFile, error) { return nil, io.EOF }
	return s
}

// benchDirectSource is benchSource reading the records directly
// (reader.nextDirect) instead of through the read buffer.
func benchDirectSource(b *testing.B, file string) Source {
	data, err := os.ReadFile(filepath.Join(pcapDir, file))
	if err != nil {
		b.Fatal(err)
	}
	loop := &loopReader{hdr: data[:24], body: data[24:]}
	r, err := newReader(loop, file, nil)
	if err != nil {
		b.Fatal(err)
	}
	r.startDirect(loop)
	s := &fileSource{o: Options{}, info: Info{Kind: KindFile}}
	s.setFile(&openedFile{r: r, name: file})
	s.nextFile = func() (*openedFile, error) { return nil, io.EOF }
	return s
}

func runBatches(b *testing.B, src Source) {
	var bt Batch
	// Warm up: the batch buffer reaches its steady size.
	for range 4 {
		bt.Reset()
		src.Read(&bt, 256)
	}
	b.ReportAllocs()
	b.ResetTimer()
	pkts := 0
	for b.Loop() {
		bt.Reset()
		if err := src.Read(&bt, 256); err != nil {
			b.Fatal(err)
		}
		pkts += len(bt.Pkts)
	}
	b.ReportMetric(float64(pkts)/b.Elapsed().Seconds(), "packets/s")
	b.ReportMetric(float64(pkts)/float64(b.N), "packets/op")
}

// BenchmarkReadPcap reads batches of up to 256 packets from an endless
// replay of http-web-browsing.pcap (mean 807 bytes per packet): the
// steady-state cost of the pcap reader, 0 allocs/op.
func BenchmarkReadPcap(b *testing.B) {
	runBatches(b, benchSource(b, "http-web-browsing.pcap", ""))
}

// BenchmarkReadPcapDirect is BenchmarkReadPcap reading the records
// directly into the batch (the mode of plain pcap files).
func BenchmarkReadPcapDirect(b *testing.B) {
	runBatches(b, benchDirectSource(b, "http-web-browsing.pcap"))
}

// BenchmarkReadModes reads a 64 MiB pcap file (in the page cache) in
// each of the three modes, 2048 packets per batch over 4 batches in
// turn as the engine does: one op is the whole file.
func BenchmarkReadModes(b *testing.B) {
	p := filepath.Join(b.TempDir(), "modes.pcap")
	if err := os.WriteFile(p, pcapBytes(200000, 320), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, m := range []struct {
		name string
		env  string
	}{{"direct", ""}, {"mapped", "T2_MMAP"}, {"buffered", "T2_NO_MMAP"}} {
		b.Run(m.name, func(b *testing.B) {
			if m.env != "" {
				b.Setenv(m.env, "1")
			}
			bs := make([]Batch, 4)
			for i := range bs {
				bs[i].Buf = make([]byte, 0, defaultMaxBytes+65536)
			}
			b.SetBytes(200000 * 336)
			for b.Loop() {
				src, err := OpenFile(p, Options{})
				if err != nil {
					b.Fatal(err)
				}
				for i := 0; ; i++ {
					bt := &bs[i%4]
					bt.Reset()
					err := src.Read(bt, 2048)
					for j := range bt.Pkts {
						_ = bt.Data(j)[0]
					}
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				src.Close()
			}
		})
	}
}

// BenchmarkReadPcapBPF is the same with a file BPF filter matching ~all
// TCP packets (libpcap's pcap_offline_filter per packet).
func BenchmarkReadPcapBPF(b *testing.B) {
	runBatches(b, benchSource(b, "http-web-browsing.pcap", "tcp"))
}

// BenchmarkReadFiles reads whole files from disk (page cache) through
// OpenFile: one op is one file, so allocs/op are the per-open costs.
func BenchmarkReadFiles(b *testing.B) {
	for _, f := range []string{"http-web-browsing.pcap", "pcapng-11-interfaces.pcapng", "tls-fragmented-handshake.pcap.gz"} {
		b.Run(f, func(b *testing.B) {
			var bt Batch
			pkts := 0
			b.ReportAllocs()
			for b.Loop() {
				src, err := OpenFile(filepath.Join(pcapDir, f), Options{})
				if err != nil {
					b.Fatal(err)
				}
				for {
					bt.Reset()
					err := src.Read(&bt, 256)
					pkts += len(bt.Pkts)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
				src.Close()
			}
			b.ReportMetric(float64(pkts)/b.Elapsed().Seconds(), "packets/s")
		})
	}
}
