// Package capture reads packets from capture files (pcap, pcapng, gzip),
// standard input, lists and numbered file series, and live interfaces,
// and hands them to the analyzer in reusable batches.
package capture

import "github.com/t2go/t2go/pkg/packet"

// Pkt locates one packet inside a Batch buffer.
type Pkt struct {
	TS       packet.Time
	CapLen   uint32
	WireLen  uint32
	Off      uint32 // offset of the data in Batch.Buf
	LinkType uint16 // LINKTYPE_/DLT value of the packet's interface
	File     uint16 // index of the input file (0 for single inputs)
}

// Batch is a set of packets read together. Buffers are reused: a source
// appends into Buf and Pkts after the caller reset them.
type Batch struct {
	Buf  []byte
	Pkts []Pkt
	// Mapped, when not nil, is the memory-mapped capture file from the
	// batch's first record on, or the buffer a plain pcap file was read
	// into directly, record headers and all: the packets' Off count from
	// there, and Buf is not used. A batch holds either such packets or
	// read (copied) ones.
	Mapped []byte

	mapping        *mapping // owner of Mapped
	mapFrom, mapTo int      // the part of the mapping this batch used
	// dr, when not nil, is the directly read file whose bytes Mapped
	// holds (Mapped then shares Buf's memory).
	dr *reader
}

// Data returns the bytes of packet i.
func (b *Batch) Data(i int) []byte {
	p := &b.Pkts[i]
	buf := b.Buf
	if b.Mapped != nil {
		buf = b.Mapped
	}
	return buf[p.Off : p.Off+p.CapLen : p.Off+p.CapLen]
}

// drop removes packet i, the last one, and its bytes.
func (b *Batch) drop(i int) {
	if b.Mapped == nil {
		b.Buf = b.Buf[:b.Pkts[i].Off]
	}
	b.Pkts = b.Pkts[:i]
}

// Reset empties the batch, keeping its memory. The packets' bytes must
// not be used any more: mapped pages only this batch used are dropped.
func (b *Batch) Reset() {
	if b.mapping != nil {
		b.mapping.release(b.mapFrom, b.mapTo)
		b.mapping = nil
	}
	b.Buf = b.Buf[:0]
	b.Pkts = b.Pkts[:0]
	b.Mapped, b.dr = nil, nil
}
