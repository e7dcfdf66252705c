// Package ipfix encodes finished flows as IPFIX (RFC 7011) or NetFlow v9
// (RFC 3954) messages and sends them over UDP to a collector such as
// nfcapd. It knows nothing of the analyzer: a Record is one flow (or one
// biflow, RFC 5103) with the information elements of RFC 7012 that a
// collector needs to account traffic.
package ipfix

import (
	"encoding/binary"
	"fmt"
	"time"
)

// Format selects the wire format.
type Format uint8

// The wire formats.
const (
	IPFIX    Format = 10 // RFC 7011
	NetFlow9 Format = 9  // RFC 3954
)

func (f Format) String() string {
	if f == NetFlow9 {
		return "NetFlow v9"
	}
	return "IPFIX"
}

// Flow end reasons (IPFIX IE 136, RFC 7012 section 5.11.3).
const (
	EndIdle     uint8 = 1 // idle timeout
	EndActive   uint8 = 2 // active timeout
	EndDetected uint8 = 3 // end of flow detected (TCP FIN/RST)
	EndForced   uint8 = 4 // forced end (end of capture, shutdown)
	EndLack     uint8 = 5 // lack of resources (flow table full)
)

// Record is one exported flow. Addresses of IPv4 flows use the first 4
// bytes of Src and Dst. Times are milliseconds since the Unix epoch.
type Record struct {
	IPv6             bool
	Src, Dst         [16]byte
	SrcPort, DstPort uint16
	Proto            uint8
	TCPFlags         uint8
	VLAN             uint16
	Packets, Octets  uint64
	Start, End       int64
	EndReason        uint8

	// The reverse direction of a biflow (used only when the encoder
	// exports biflows).
	RevPackets, RevOctets uint64
	RevTCPFlags           uint8
}

// Information element numbers (RFC 7012; NetFlow v9 uses the same numbers
// for these fields, except for the switched times).
const (
	ieOctetDelta    = 1
	iePacketDelta   = 2
	ieProtocol      = 4
	ieTCPFlags      = 6
	ieSrcPort       = 7
	ieSrcIPv4       = 8
	ieDstPort       = 11
	ieDstIPv4       = 12
	ieLastSwitched  = 21 // NetFlow v9: sysUptime ms of the last packet
	ieFirstSwitched = 22 // NetFlow v9: sysUptime ms of the first packet
	ieSrcIPv6       = 27
	ieDstIPv6       = 28
	ieVLAN          = 58
	ieEndReason     = 136
	ieStartMillis   = 152
	ieEndMillis     = 153

	// reversePEN is the enterprise number of RFC 5103's reverse
	// information elements.
	reversePEN = 29305
)

type field struct {
	id, length uint16
	reverse    bool
}

// Template IDs: IPv4, IPv6, and the biflow variants.
const (
	tmplIPv4   uint16 = 256
	tmplIPv6   uint16 = 257
	tmplIPv4Bi uint16 = 258
	tmplIPv6Bi uint16 = 259
)

func templateFields(format Format, v6, bi bool) []field {
	src, dst, alen := uint16(ieSrcIPv4), uint16(ieDstIPv4), uint16(4)
	if v6 {
		src, dst, alen = ieSrcIPv6, ieDstIPv6, 16
	}
	fs := []field{
		{id: src, length: alen}, {id: dst, length: alen},
		{id: ieSrcPort, length: 2}, {id: ieDstPort, length: 2},
		{id: ieProtocol, length: 1},
	}
	if format == NetFlow9 {
		return append(fs,
			field{id: ieTCPFlags, length: 1}, field{id: ieVLAN, length: 2},
			field{id: iePacketDelta, length: 8}, field{id: ieOctetDelta, length: 8},
			field{id: ieFirstSwitched, length: 4}, field{id: ieLastSwitched, length: 4})
	}
	if bi {
		// The reverse flags come before the forward ones: template order
		// is free, and nfcapd stores both in one field, the later winning.
		fs = append(fs, field{id: ieTCPFlags, length: 2, reverse: true})
	}
	fs = append(fs,
		field{id: ieTCPFlags, length: 2}, field{id: ieVLAN, length: 2},
		field{id: iePacketDelta, length: 8}, field{id: ieOctetDelta, length: 8},
		field{id: ieStartMillis, length: 8}, field{id: ieEndMillis, length: 8},
		field{id: ieEndReason, length: 1})
	if bi {
		fs = append(fs,
			field{id: iePacketDelta, length: 8, reverse: true},
			field{id: ieOctetDelta, length: 8, reverse: true})
	}
	return fs
}

func recordLen(fs []field) int {
	n := 0
	for _, f := range fs {
		n += int(f.length)
	}
	return n
}

// Encoder builds messages. It is not safe for concurrent use; the
// Exporter owns one.
type Encoder struct {
	format Format
	domain uint32
	biflow bool
	mtu    int

	tmpl [4][]field // by template ID - 256
	rlen [4]int

	seq     uint32 // IPFIX: data records sent; NetFlow v9: messages sent
	base    int64  // NetFlow v9: the "boot" time, ms since the epoch
	hasBase bool

	buf     []byte // message being built
	setOff  int    // offset of the open set header, or -1
	setID   uint16
	records int   // data records in buf
	count   int   // NetFlow v9: records (template and data) in buf
	maxEnd  int64 // latest record end in buf (NetFlow v9 header time)
}

// NewEncoder returns an encoder of format for observation domain (source
// ID) domain whose messages are at most mtu bytes. biflow exports each
// record with its reverse counters (IPFIX only).
func NewEncoder(format Format, domain uint32, mtu int, biflow bool) (*Encoder, error) {
	if format != IPFIX && format != NetFlow9 {
		return nil, fmt.Errorf("unknown export format %d", format)
	}
	if biflow && format != IPFIX {
		return nil, fmt.Errorf("biflow records need IPFIX, not %s", format)
	}
	if mtu < 256 || mtu > 65507 {
		return nil, fmt.Errorf("message size %d out of range [256 - 65507]", mtu)
	}
	e := &Encoder{format: format, domain: domain, mtu: mtu, biflow: biflow, setOff: -1}
	for i, t := range []struct{ v6, bi bool }{{false, false}, {true, false}, {false, true}, {true, true}} {
		e.tmpl[i] = templateFields(format, t.v6, t.bi)
		e.rlen[i] = recordLen(e.tmpl[i])
	}
	e.buf = make([]byte, 0, mtu)
	return e, nil
}

func (e *Encoder) headerLen() int {
	if e.format == NetFlow9 {
		return 20
	}
	return 16
}

func (e *Encoder) templateIDs() []uint16 {
	if e.biflow {
		return []uint16{tmplIPv4Bi, tmplIPv6Bi}
	}
	return []uint16{tmplIPv4, tmplIPv6}
}

// Pending reports whether a message has been started and not yet taken.
func (e *Encoder) Pending() bool { return len(e.buf) > 0 }

// Records returns the number of data records in the pending message.
func (e *Encoder) Records() int { return e.records }

func (e *Encoder) start() {
	if len(e.buf) == 0 {
		e.buf = e.buf[:e.headerLen()]
		e.setOff = -1
		e.records, e.count, e.maxEnd = 0, 0, 0
	}
}

func (e *Encoder) closeSet() {
	if e.setOff < 0 {
		return
	}
	if e.format == NetFlow9 {
		for (len(e.buf)-e.setOff)%4 != 0 {
			e.buf = append(e.buf, 0)
		}
	}
	binary.BigEndian.PutUint16(e.buf[e.setOff+2:], uint16(len(e.buf)-e.setOff))
	e.setOff = -1
}

func (e *Encoder) openSet(id uint16) {
	e.closeSet()
	e.setOff = len(e.buf)
	e.setID = id
	e.buf = append(e.buf, byte(id>>8), byte(id), 0, 0)
}

// AddTemplates appends the template set to the pending message; call it
// on an empty message (the first one and each refresh).
func (e *Encoder) AddTemplates() {
	e.start()
	setID := uint16(2)
	if e.format == NetFlow9 {
		setID = 0
	}
	e.openSet(setID)
	for _, id := range e.templateIDs() {
		fs := e.tmpl[id-256]
		e.buf = binary.BigEndian.AppendUint16(e.buf, id)
		e.buf = binary.BigEndian.AppendUint16(e.buf, uint16(len(fs)))
		for _, f := range fs {
			if f.reverse {
				e.buf = binary.BigEndian.AppendUint16(e.buf, f.id|0x8000)
				e.buf = binary.BigEndian.AppendUint16(e.buf, f.length)
				e.buf = binary.BigEndian.AppendUint32(e.buf, reversePEN)
				continue
			}
			e.buf = binary.BigEndian.AppendUint16(e.buf, f.id)
			e.buf = binary.BigEndian.AppendUint16(e.buf, f.length)
		}
		e.count++
	}
	e.closeSet()
}

func (e *Encoder) tmplFor(r *Record) uint16 {
	id := tmplIPv4
	if r.IPv6 {
		id = tmplIPv6
	}
	if e.biflow {
		id += 2
	}
	return id
}

// Fits reports whether r still fits into the pending message.
func (e *Encoder) Fits(r *Record) bool {
	if len(e.buf) == 0 {
		return true
	}
	id := e.tmplFor(r)
	need := e.rlen[id-256]
	if e.setOff < 0 || e.setID != id {
		need += 4 + 3 // set header and worst-case padding of the set before
	}
	return len(e.buf)+need+3 <= e.mtu
}

// Add appends r to the pending message; the caller checks Fits first.
func (e *Encoder) Add(r *Record) {
	e.start()
	if e.format == NetFlow9 && !e.hasBase {
		// Switched times are milliseconds since the exporter's "boot";
		// put it just before the first flow so 32 bits last 49 days.
		e.base, e.hasBase = r.Start-1000, true
	}
	id := e.tmplFor(r)
	if e.setOff < 0 || e.setID != id {
		e.openSet(id)
	}
	alen := 4
	if r.IPv6 {
		alen = 16
	}
	b := e.buf
	b = append(b, r.Src[:alen]...)
	b = append(b, r.Dst[:alen]...)
	b = binary.BigEndian.AppendUint16(b, r.SrcPort)
	b = binary.BigEndian.AppendUint16(b, r.DstPort)
	b = append(b, r.Proto)
	if e.format == NetFlow9 {
		b = append(b, r.TCPFlags)
		b = binary.BigEndian.AppendUint16(b, r.VLAN)
		b = binary.BigEndian.AppendUint64(b, r.Packets)
		b = binary.BigEndian.AppendUint64(b, r.Octets)
		b = binary.BigEndian.AppendUint32(b, uint32(r.Start-e.base))
		b = binary.BigEndian.AppendUint32(b, uint32(r.End-e.base))
	} else {
		if e.biflow {
			b = binary.BigEndian.AppendUint16(b, uint16(r.RevTCPFlags))
		}
		b = binary.BigEndian.AppendUint16(b, uint16(r.TCPFlags))
		b = binary.BigEndian.AppendUint16(b, r.VLAN)
		b = binary.BigEndian.AppendUint64(b, r.Packets)
		b = binary.BigEndian.AppendUint64(b, r.Octets)
		b = binary.BigEndian.AppendUint64(b, uint64(r.Start))
		b = binary.BigEndian.AppendUint64(b, uint64(r.End))
		b = append(b, r.EndReason)
		if e.biflow {
			b = binary.BigEndian.AppendUint64(b, r.RevPackets)
			b = binary.BigEndian.AppendUint64(b, r.RevOctets)
		}
	}
	e.buf = b
	e.records++
	e.count++
	if r.End > e.maxEnd {
		e.maxEnd = r.End
	}
}

// Take finishes the pending message (export time now) and returns it;
// the bytes are valid until the next call of any method. The sequence
// number advances by the message's data records (IPFIX) or by one
// (NetFlow v9), as each format defines it.
func (e *Encoder) Take(now time.Time) []byte {
	if len(e.buf) == 0 {
		return nil
	}
	e.closeSet()
	b := e.buf
	if e.format == NetFlow9 {
		// The header time is the latest flow end of the message (the flows
		// are in capture time), and sysUptime counts from base.
		secs := now.Unix()
		if e.hasBase {
			secs = e.maxEnd/1000 + 1
			if e.maxEnd == 0 {
				secs = e.base/1000 + 1
			}
		}
		binary.BigEndian.PutUint16(b[0:], 9)
		binary.BigEndian.PutUint16(b[2:], uint16(e.count))
		binary.BigEndian.PutUint32(b[4:], uint32(secs*1000-e.base))
		binary.BigEndian.PutUint32(b[8:], uint32(secs))
		binary.BigEndian.PutUint32(b[12:], e.seq)
		binary.BigEndian.PutUint32(b[16:], e.domain)
		e.seq++
	} else {
		binary.BigEndian.PutUint16(b[0:], 10)
		binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
		binary.BigEndian.PutUint32(b[4:], uint32(now.Unix()))
		binary.BigEndian.PutUint32(b[8:], e.seq)
		binary.BigEndian.PutUint32(b[12:], e.domain)
		e.seq += uint32(e.records)
	}
	e.buf = e.buf[:0]
	e.setOff = -1
	return b
}
