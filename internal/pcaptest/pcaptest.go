// Package pcaptest builds small classic pcap captures for tests: little
// endian, microsecond timestamps, Ethernet frames one second apart from
// 2023-11-14 22:13:20 UTC (1700000000).
package pcaptest

import (
	"bytes"
	"encoding/binary"
)

// Writer collects the capture in memory; the zero value is not ready,
// use NewWriter.
type Writer struct {
	b   bytes.Buffer
	sec uint32
}

// NewWriter starts a capture with its file header.
func NewWriter() *Writer {
	w := &Writer{sec: 1700000000}
	hdr := make([]byte, 24)
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535)
	binary.LittleEndian.PutUint32(hdr[20:], 1) // Ethernet
	w.b.Write(hdr)
	return w
}

// Frame adds one whole frame, a second after the previous one.
func (w *Writer) Frame(data []byte) {
	w.sec++
	rec := make([]byte, 16)
	binary.LittleEndian.PutUint32(rec[0:], w.sec)
	binary.LittleEndian.PutUint32(rec[8:], uint32(len(data)))
	binary.LittleEndian.PutUint32(rec[12:], uint32(len(data)))
	w.b.Write(rec)
	w.b.Write(data)
}

// Bytes returns the capture so far.
func (w *Writer) Bytes() []byte { return w.b.Bytes() }

// SetIPv4Checksum fills in the header checksum of the IPv4 header hdr
// (its checksum field is taken as zero).
func SetIPv4Checksum(hdr []byte) {
	hdr[10], hdr[11] = 0, 0
	var sum uint32
	for i := 0; i+1 < len(hdr); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(hdr[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(hdr[10:], ^uint16(sum))
}
