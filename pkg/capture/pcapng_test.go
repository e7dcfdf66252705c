package capture

import (
	"encoding/binary"
	"strings"
	"testing"
)

// ngBuilder writes little-endian pcapng blocks.
type ngBuilder struct{ b []byte }

func (w *ngBuilder) block(typ uint32, body []byte) *ngBuilder {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	w.b = binary.LittleEndian.AppendUint32(w.b, typ)
	w.b = binary.LittleEndian.AppendUint32(w.b, n)
	w.b = append(w.b, body...)
	w.b = binary.LittleEndian.AppendUint32(w.b, n)
	return w
}

func opt(code uint16, v []byte) []byte {
	o := binary.LittleEndian.AppendUint16(nil, code)
	o = binary.LittleEndian.AppendUint16(o, uint16(len(v)))
	o = append(o, v...)
	for len(o)%4 != 0 {
		o = append(o, 0)
	}
	return o
}

func shb(opts ...[]byte) []byte {
	b := []byte{0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	for _, o := range opts {
		b = append(b, o...)
	}
	return b
}

func idb(lt uint16, snap uint32, opts ...[]byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, lt)
	b = append(b, 0, 0)
	b = binary.LittleEndian.AppendUint32(b, snap)
	for _, o := range opts {
		b = append(b, o...)
	}
	return b
}

func epb(ifid uint32, ts uint64, data []byte, wire uint32) []byte {
	b := binary.LittleEndian.AppendUint32(nil, ifid)
	b = binary.LittleEndian.AppendUint32(b, uint32(ts>>32))
	b = binary.LittleEndian.AppendUint32(b, uint32(ts))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	b = binary.LittleEndian.AppendUint32(b, wire)
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return append(b, opt(1, []byte("a comment"))...)
}

func TestPcapngBlocks(t *testing.T) {
	off := binary.LittleEndian.AppendUint64(nil, 100) // if_tsoffset: +100 s
	w := (&ngBuilder{}).
		block(ngSHB, shb(opt(4, []byte("test")))).
		block(ngIDB, idb(1, 0, opt(9, []byte{0x80 | 20}))).            // 2^-20 s units
		block(ngIDB, idb(101, 1500, opt(9, []byte{3}), opt(14, off))). // ms, +100 s
		block(5, []byte("interface statistics, skipped")).
		block(ngEPB, epb(0, 3<<20|1<<19, []byte{1, 2, 3, 4, 5}, 60)). // 3.5 s
		block(ngEPB, epb(1, 2500, []byte{0x45, 0, 0}, 3)).            // 2.5 s + 100 s
		block(ngSPB, append(binary.LittleEndian.AppendUint32(nil, 7), 9, 9, 9, 9, 9, 9, 9, 0))
	src, err := newBytesSource(w.b, "built.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	if in := src.Info(); in.LinkType != 1 || !in.Pcapng {
		t.Errorf("info %+v", in)
	}
	pkts, data, err := readAll(t, src, 8)
	if err != nil {
		t.Fatal(err)
	}
	want := []Pkt{
		{TS: 3500000000, CapLen: 5, WireLen: 60, LinkType: 1},
		{TS: 102500000000, CapLen: 3, WireLen: 3, LinkType: 101},
		{TS: 102500000000, CapLen: 7, WireLen: 7, LinkType: 1}, // SPB: iface 0, last time seen
	}
	if len(pkts) != len(want) {
		t.Fatalf("%d packets, want %d", len(pkts), len(want))
	}
	for i := range want {
		p := pkts[i]
		p.Off = 0
		if p != want[i] {
			t.Errorf("packet %d = %+v, want %+v", i, p, want[i])
		}
	}
	if string(data[0]) != "\x01\x02\x03\x04\x05" || string(data[2]) != "\x09\x09\x09\x09\x09\x09\x09" {
		t.Errorf("data %q", data)
	}

	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"shb option too long", (&ngBuilder{}).block(ngSHB, shb(append(opt(2, []byte("abcd")), 3, 0, 0xff, 0))).b,
			"block 1 (byte offset 0): section header block option 3 has length 255, longer than the 0 bytes left"},
		{"unknown interface", (&ngBuilder{}).block(ngSHB, shb()).block(ngIDB, idb(1, 0)).block(ngEPB, epb(1, 0, []byte{1}, 1)).b,
			"block 3 (byte offset 48): packet for interface 1, but only 1 interfaces are described"},
		{"caplen past block", func() []byte {
			w := (&ngBuilder{}).block(ngSHB, shb()).block(ngIDB, idb(1, 0)).block(ngEPB, epb(0, 0, []byte{1}, 1))
			binary.LittleEndian.PutUint32(w.b[48+20:], 1000)
			return w.b
		}(), "block 3 (byte offset 48): captured length 1000 exceeds the 20 bytes of its block"},
		{"bad block length", func() []byte {
			w := (&ngBuilder{}).block(ngSHB, shb()).block(ngIDB, idb(1, 0)).block(ngEPB, epb(0, 0, []byte{1}, 1))
			binary.LittleEndian.PutUint32(w.b[48+4:], 0x7ffffff0)
			return w.b
		}(), "block 3 (byte offset 48): block of type 0x6 has an invalid total length 2147483632"},
	} {
		src, err := newBytesSource(tc.file, "x.pcapng")
		if err == nil {
			_, _, err = readAll(t, src, 8)
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
