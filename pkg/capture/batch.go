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
}

// Data returns the bytes of packet i.
func (b *Batch) Data(i int) []byte {
	p := &b.Pkts[i]
	return b.Buf[p.Off : p.Off+p.CapLen : p.Off+p.CapLen]
}

// Reset empties the batch, keeping its memory.
func (b *Batch) Reset() { b.Buf = b.Buf[:0]; b.Pkts = b.Pkts[:0] }
