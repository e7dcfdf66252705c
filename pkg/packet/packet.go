package packet

import (
	"sync"
	"unsafe"
)

// Limits of the per-packet arrays. They bound the work the dissector does
// on hostile input and keep Packet a fixed-size value.
const (
	MaxVLAN    = 3   // VLAN tags remembered (more are counted, not stored)
	MaxMPLS    = 3   // MPLS labels remembered
	MaxHdrDesc = 128 // bytes of the header description ("eth:ipv4:tcp")
)

// Encapsulation markers counted by the end report (Number of LLC/GRE/...
// packets). They are not flowStat bits.
const (
	EncLLC uint16 = 1 << iota
	EncGRE
	EncTeredo
	EncAYIYA
	EncLAPD
	EncDTLS
)

// Packet is one captured packet and what the dissector learned about it.
// All slices point into the capture buffer and are valid only while the
// packet is being processed.
type Packet struct {
	// Capture metadata.
	Num      uint64 // 1-based packet number in the run
	TS       Time   // capture timestamp
	CapLen   uint32 // captured bytes
	WireLen  uint32 // original length on the wire
	LinkType uint16 // DLT/LINKTYPE of the interface
	Raw      []byte // the captured bytes (len == CapLen)

	// Dissection summary.
	Status  uint64 // flowStat bits raised by this packet
	Enc     uint16 // Enc* markers
	NumHdrs uint16 // number of headers in HdrDesc ("eth:ipv4:tcp" = 3)
	HdrLen  uint8  // bytes used in HdrDesc
	chain   uint8  // number of the HdrChain HdrDesc was set to, 0: none (in a padding hole)
	HdrID   uint16 // number of (NumHdrs, HdrDesc) in the run's DescIDs; 0: none
	hdrLast uint8  // start of the last name in HdrDesc
	hdrNLen uint8  // length of the last name (without a {n} suffix)
	hdrRep  uint8  // how often the last name repeated

	// Layer 2 (outermost Ethernet, if any).
	HasMAC  bool
	SrcMAC  [6]byte
	DstMAC  [6]byte
	EthType uint16 // innermost ethertype (0x0800 IPv4, 0x86dd IPv6, 0x0806 ARP, ...)
	NumVLAN uint8  // VLAN tags seen (may exceed MaxVLAN)
	VLAN    [MaxVLAN]uint16
	NumMPLS uint8
	MPLS    [MaxMPLS]uint32 // raw 32-bit MPLS headers
	L2Len   uint32          // bytes of the layer-2 framing bandwidth counts (see package decode)

	// Layer 3 (innermost IP header used for the flow).
	L3Off      int32 // offset of the innermost IP header in Raw, -1 if none
	IPVer      uint8 // 4 or 6; 0 when the packet has no usable IP header
	SrcIP      [16]byte
	DstIP      [16]byte // IPv4 addresses use the first 4 bytes
	IPHdrLen   uint16   // IPv4 IHL*4, IPv6 40 + extension headers
	L3Len      uint32   // IP length from the header (IPv4 total length, IPv6 payload + 40)
	OuterL3Len uint32   // IP length bandwidth counts: the outermost IP header (see package decode)
	IPID       uint32
	TTL        uint8
	IsFrag     bool   // this packet is an IP fragment (first or later)
	FragOff    uint16 // fragment offset in bytes
	MoreFrag   bool
	FragID     uint32

	// Layer 4.
	L4Off    int32 // offset of the L4 header in Raw, -1 if none or not first fragment
	L4Proto  uint8
	SrcPort  uint16
	DstPort  uint16
	L4HdrLen uint16
	TCPFlags uint8
	TCPSeq   uint32
	TCPAck   uint32
	TCPWin   uint16
	UDPLen   uint16 // UDP length field (first fragment only)
	ICMPType uint8
	ICMPCode uint8
	SCTPTag  uint32

	// Lengths as T2 reports them in packet mode.
	SnapL3Len uint32 // captured bytes from the L3 header on
	SnapL4Len uint32 // captured bytes from the L4 header on
	SnapL7Len uint32 // captured bytes of the payload
	L7Len     uint32 // payload length according to the headers
	PadLen    uint32 // Ethernet padding bytes
	L7Off     int32  // offset of the payload in Raw, -1 if none
	Payload   []byte // captured payload bytes

	// L2Only is set when the packet has no IP layer and is handled as a
	// layer-2 flow (ARP, LLC, ...).
	L2Only bool

	// Prep holds values the plugins' Prepare hooks computed from the
	// packet's bytes on the reader goroutine (plugin.Preparer).
	Prep Prepared

	// The header description text, last: per packet only the dissector
	// writes it and HdrID stands for it, so the fields above, which the
	// flow code reads, stay on fewer cache lines.
	HdrDesc [MaxHdrDesc]byte
}

// Prepared is the packet's area for values computed ahead by
// plugin.Preparer hooks, so that they need no allocation. Each field
// belongs to one plugin (named below); Flags says which values are set
// (Reset clears them). A plugin that needs another value adds its own
// field and flag here.
type Prepared struct {
	// tcpFlags' layer-4 checksum sum (Flags&PrepL4Sum): the folded
	// one's-complement sum of a first fragment's (or unfragmented
	// packet's) layer-4 bytes, checksum field left out; for an
	// unfragmented packet whose sum covers the pseudo header, with it.
	L4Sum uint16
	Flags uint8 // Prep* bits

	// tcpFlags' header facts (Flags&PrepHdr): what it reads from the IP,
	// layer-4 and TCP headers, so that the packet goroutine need not.
	Hdr HdrFacts
}

// HdrFacts are tcpFlags' per-packet header values (Prepared.Hdr), all
// from the packet's bytes alone; tcpFlags fills and reads them (one
// function computes them with Prepare or without).
type HdrFacts struct {
	Seq, Ack     uint32   // TCP sequence and acknowledgement numbers
	Opt1, Opt2   uint32   // option type bits: IPv4 or IPv6 hop-by-hop; IPv6 destination
	TCPOpts      uint32   // TCP option kind bits
	TSVal, TSEcr uint32   // the TCP timestamp option's values
	Cnt1, Cnt2   uint16   // option counts, as Opt1, Opt2
	IPFlags      uint16   // tcpFlags' ipFlags the headers alone raise
	FragField    uint16   // the fragment field as on the wire (0: none)
	L4HdrSum     uint16   // layer-4 checksum field
	L4HdrLen     uint16   // layer-4 header length for the checksum
	Win          uint16   // TCP window field
	MSS          uint16   // the last TCP MSS option's value
	CpCl         uint8    // IPv4 option copy/class bits
	ToS          uint8    // IPv4 ToS, IPv6 traffic class
	TCPHdr       uint8    // TCP header flags byte
	L4Pos        uint8    // 16-bit word of the layer-4 checksum field
	Bits         uint8    // tcpFlags' bits (which values are set; the IPv4 header checksum's verdict)
	OptCnt       uint8    // TCP options walked
	MPOff        uint8    // offset of the MPTCP option in the TCP options
	OptBits      uint8    // tcpFlags' bits (which TCP options were seen)
	WS           uint8    // the last TCP window scale option's shift
	Kinds        [7]uint8 // the first TCP option kinds walked, in order
}

// Prepared.Flags bits.
const (
	PrepL3Chk uint8 = 1 << iota // Prep.Hdr.Bits holds the IPv4 header checksum's verdict
	PrepL4Sum                   // Prep.L4Sum is set
	PrepHdr                     // Prep.Hdr is set
)

// Reset clears the dissection fields before a new packet is decoded.
// The header description's bytes past HdrLen (0 now) are left as they
// are: nothing reads them, and the packets of a batch are written by one
// core and read by another, so each line not written counts. The bytes
// before HdrDesc are cleared as three runs of plain bytes around the
// two slices, which are assigned (Raw and Payload are the only fields
// with pointers: TestResetLayout).
func (p *Packet) Reset() {
	raw := p.Raw
	base := unsafe.Pointer(p)
	clear((*[rawOff]byte)(base)[:])
	clear((*[payloadOff - rawEnd]byte)(unsafe.Add(base, rawEnd))[:])
	clear((*[hdrDescOff - payloadEnd]byte)(unsafe.Add(base, payloadEnd))[:])
	p.Payload = nil
	p.Raw = raw[:0]
	p.L3Off, p.L4Off, p.L7Off = -1, -1, -1
}

// The layout Reset relies on: Raw, then Payload, then HdrDesc, which is
// last.
const (
	rawOff     = unsafe.Offsetof(Packet{}.Raw)
	rawEnd     = rawOff + unsafe.Sizeof(Packet{}.Raw)
	payloadOff = unsafe.Offsetof(Packet{}.Payload)
	payloadEnd = payloadOff + unsafe.Sizeof(Packet{}.Payload)
	hdrDescOff = unsafe.Offsetof(Packet{}.HdrDesc)
)

// AddHdr appends one protocol name to the header description. A name
// repeating the previous one is folded into "name{n}" as T2 does
// (T2_HDRDESC_AGGR=1). Names past the buffer set HdrDescOverrun instead
// of growing it.
func (p *Packet) AddHdr(name string) {
	p.chain = 0
	p.NumHdrs++
	if p.hdrRep > 0 && int(p.hdrNLen) == len(name) &&
		string(p.HdrDesc[p.hdrLast:p.hdrLast+p.hdrNLen]) == name {
		p.hdrRep++
		end := int(p.hdrLast) + int(p.hdrNLen)
		var tmp [8]byte
		t := append(tmp[:0], '{')
		t = appendUint(t, uint(p.hdrRep))
		t = append(t, '}')
		if end+len(t) > MaxHdrDesc {
			p.Status |= HdrDescOverrun
			return
		}
		p.HdrLen = uint8(end + copy(p.HdrDesc[end:], t))
		return
	}
	need := len(name)
	if p.HdrLen > 0 {
		need++
	}
	if int(p.HdrLen)+need > MaxHdrDesc {
		p.Status |= HdrDescOverrun
		return
	}
	if p.HdrLen > 0 {
		p.HdrDesc[p.HdrLen] = ':'
		p.HdrLen++
	}
	p.hdrLast = p.HdrLen
	p.hdrNLen = uint8(len(name))
	p.hdrRep = 1
	p.HdrLen += uint8(copy(p.HdrDesc[p.HdrLen:], name))
}

// AddHdrNoFold appends one protocol name like AddHdr but never folds it
// into the previous name: T2 only aggregates repeats within one run of
// VLAN tags or MPLS labels, so an IPv4-in-IPv4 packet stays
// "eth:ipv4:ipv4:udp". A following AddHdr of the same name folds into it.
func (p *Packet) AddHdrNoFold(name string) {
	p.hdrRep = 0
	p.AddHdr(name)
}

func appendUint(b []byte, v uint) []byte {
	var d [20]byte
	i := len(d)
	for {
		i--
		d[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			break
		}
	}
	return append(b, d[i:]...)
}

// HdrDescBytes returns the header description, e.g. "eth:vlan{2}:ipv4:tcp".
func (p *Packet) HdrDescBytes() []byte { return p.HdrDesc[:p.HdrLen] }

// HdrChain is a header description made ahead of time (NewHdrChain) for
// packets that a fast path dissects the same way every time:
// SetHdrChain gives a packet at once what the AddHdrNoFold calls of the
// names would.
type HdrChain struct {
	text            [hdrChainMax]byte // the description, zero-padded
	numHdrs         uint16
	hdrLen          uint8
	last, nlen, rep uint8
	num             uint8 // 1, 2, ...: DescIDs keeps the chains' IDs by number
}

// hdrChainMax bounds the text of a HdrChain: it is stored with one wide
// copy.
const hdrChainMax = 16

// maxHdrChains bounds the number of chains a program makes.
const maxHdrChains = 64

var hdrChains struct {
	sync.Mutex
	n uint8
}

// NewHdrChain returns the chain of AddHdrNoFold(name) for each name; it
// panics when they take more than 16 bytes, or when a program makes more
// than 64 chains (they are meant to be made once, by package
// variables).
func NewHdrChain(names ...string) *HdrChain {
	var p Packet
	for _, n := range names {
		p.AddHdrNoFold(n)
	}
	if p.HdrLen > hdrChainMax {
		panic("packet: header chain too long")
	}
	hdrChains.Lock()
	defer hdrChains.Unlock()
	if hdrChains.n >= maxHdrChains {
		panic("packet: too many header chains")
	}
	hdrChains.n++
	c := &HdrChain{numHdrs: p.NumHdrs, hdrLen: p.HdrLen, last: p.hdrLast, nlen: p.hdrNLen, rep: p.hdrRep, num: hdrChains.n}
	copy(c.text[:], p.HdrDesc[:p.HdrLen])
	return c
}

// SetHdrChain sets the header description of p, which has none yet
// (as after Reset), to c.
func (p *Packet) SetHdrChain(c *HdrChain) {
	*(*[hdrChainMax]byte)(p.HdrDesc[:hdrChainMax]) = c.text
	p.HdrLen = c.hdrLen
	p.NumHdrs = c.numHdrs
	p.hdrLast, p.hdrNLen, p.hdrRep = c.last, c.nlen, c.rep
	p.chain = c.num
}
