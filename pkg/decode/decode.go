package decode

import (
	"encoding/binary"

	"github.com/t2go/t2go/pkg/packet"
)

// Link types (LINKTYPE_* / DLT_* values as stored in capture files).
const (
	LinkNull        = 0
	LinkEthernet    = 1
	LinkPPP         = 9
	LinkRaw12       = 12 // DLT_RAW on most systems (LOOP on OpenBSD)
	LinkRaw14       = 14 // DLT_RAW on OpenBSD
	LinkPPPSerial   = 50
	LinkRaw         = 101
	LinkCHDLC       = 104
	LinkIEEE80211   = 105
	LinkLoop        = 108
	LinkLinuxSLL    = 113
	LinkRadiotap    = 127
	LinkPPPWithDir  = 204
	LinkIPv4        = 228
	LinkIPv6        = 229
	LinkLinuxSLL2   = 276
	maxTunnelDepth  = 8  // nested encapsulations followed before giving up
	maxIPv6ExtHdrs  = 16 // IPv6 extension headers followed per IP header
	maxMPLSLabels   = 64 // MPLS labels scanned before giving up
	minRawLen       = 64 // T2 counts Ethernet padding only for frames up to this wire length
	teredoPort      = 3544
	vxlanPort       = 4789
	vxlanOldPort    = 8472 // Linux's VXLAN port before IANA assigned 4789
	vxlanGPEPort    = 4790
	genevePort      = 6081
	l2tpPort        = 1701
	upnpPort        = 1900
	ipsecNATTPort   = 4500
	ethTypeTEB      = 0x6558 // transparent Ethernet bridging (Ethernet in GRE)
	ethTypeJumboLLC = 0x8870
	ethTypeERSPAN2  = 0x88be // ERSPAN type II (and I)
	ethTypeERSPAN3  = 0x22eb
	ethTypeWCCP     = 0x883e
	ethTypePPP      = 0x880b // PPP in enhanced GRE (PPTP)
	ethTypeAARP     = 0x80f3
	ethTypeSlow     = 0x8809 // IEEE 802.3 slow protocols (LACP, marker, OAM)
	// PPP protocol numbers.
	pppIPv4       = 0x0021
	pppIPv6       = 0x0057
	pppMPLS       = 0x0281
	pppMPLSMC     = 0x0283
	pppCompressed = 0x00fd
)

// Options holds the T2 compile-time switches the dissector honours. The
// zero value gives T2's defaults.
type Options struct {
	// NoL2Flows disables the layer-2 flow dispatch of non-IP packets
	// (T2's ETH_ACTIVATE=0): such packets then get no L2Only/L2Flow.
	NoL2Flows bool
}

// Decoder dissects packets. It holds no per-packet state, so one Decoder
// may be shared; Decode itself does not allocate.
type Decoder struct {
	opt Options
}

// New returns a Decoder using the given options.
func New(o Options) *Decoder { return &Decoder{opt: o} }

// Supported reports whether Decode understands the link type.
func (d *Decoder) Supported(linkType uint16) bool {
	switch linkType {
	case LinkNull, LinkEthernet, LinkPPP, LinkRaw12, LinkRaw14, LinkPPPSerial,
		LinkRaw, LinkCHDLC, LinkIEEE80211, LinkLoop, LinkLinuxSLL, LinkRadiotap,
		LinkPPPWithDir, LinkIPv4, LinkIPv6, LinkLinuxSLL2:
		return true
	}
	return false
}

// state is the dissection context of one packet. It lives on the stack
// of Decode.
type state struct {
	p     *packet.Packet
	b     []byte // captured bytes
	end   int    // end of the usable bytes; shrinks to the IP length (drops padding)
	wire  int    // original length on the wire (at least len(b))
	depth int    // tunnel nesting
	nIP   int    // IP headers whose lengths were taken so far
	ipTry int    // IP headers started (also the unusable ones)
	l2off bool   // L2Len already recorded
	// l2start is where the layer-2 framing that bandwidth counts starts:
	// 0, or an Ethernet header inside a tunnel.
	l2start int
	// inFrag: an enclosing IP header is a first fragment, so the packets
	// inside it continue in later fragments.
	inFrag bool
	opt    *Options
}

// Decode dissects p.Raw and fills the dissection fields of p, which must
// be freshly Reset (apart from the capture metadata).
func (d *Decoder) Decode(p *packet.Packet) {
	if p.LinkType == LinkEthernet && fast(p) {
		return
	}
	d.general(p)
}

// general is Decode without the fast path: every packet goes through
// the dissectors.
func (d *Decoder) general(p *packet.Packet) {
	b := p.Raw
	if len(b) == 0 {
		return
	}
	// Field by field: a composite literal here is built in a temporary
	// and copied, and the copy's wide loads stall on the narrow stores
	// just made (no store forwarding), about 30 ns per packet.
	var s state
	s.p, s.b, s.end, s.opt = p, b, len(b), &d.opt
	s.wire = max(int(p.WireLen), len(b))
	s.linkLayer(p.LinkType)
	s.finishPayload()
}

func (s *state) be16(i int) uint16 { return binary.BigEndian.Uint16(s.b[i:]) }
func (s *state) be32(i int) uint32 { return binary.BigEndian.Uint32(s.b[i:]) }

// has reports whether n bytes from i are available.
func (s *state) has(i, n int) bool { return i >= 0 && n >= 0 && i <= s.end && s.end-i >= n }

func (s *state) hdr(name string) { s.p.AddHdrNoFold(name) }

// stop marks the packet as not dissected to the end.
func (s *state) stop(bits uint64) { s.p.Status |= bits | packet.StopDissect }

// enter guards tunnel recursion.
func (s *state) enter() bool {
	if s.depth >= maxTunnelDepth {
		s.stop(0)
		return false
	}
	s.depth++
	return true
}

func (s *state) linkLayer(lt uint16) {
	p := s.p
	switch lt {
	case LinkEthernet:
		s.ethernet(0)
	case LinkNull, LinkLoop:
		if !s.linkHeader("null", 4) {
			return
		}
		var fam uint32
		if lt == LinkLoop {
			fam = s.be32(0)
		} else {
			fam = binary.LittleEndian.Uint32(s.b)
			if fam > 30 {
				fam = s.be32(0)
			}
		}
		switch fam {
		case 2: // AF_INET
			s.ipByVersion(4, 4)
		case 10, 23, 24, 26, 28, 30: // AF_INET6: Linux, Windows, Net/OpenBSD, Solaris, FreeBSD, macOS
			s.ipByVersion(4, 6)
		default:
			s.stop(0)
		}
	case LinkRaw, LinkRaw12, LinkRaw14:
		s.hdr("raw")
		p.Status |= packet.L2NoEth
		switch s.b[0] >> 4 {
		case 4:
			s.ipv4(0)
		case 6:
			s.ipv6(0)
		default:
			s.ipvx(0)
		}
	case LinkIPv4, LinkIPv6:
		p.Status |= packet.L2NoEth
		if lt == LinkIPv4 {
			s.ipByVersion(0, 4)
		} else {
			s.ipByVersion(0, 6)
		}
		// T2 names no link layer here but still writes its separator
		// (":ipv4:udp", 2 headers).
		if n := int(p.HdrLen); n < len(p.HdrDesc) {
			copy(p.HdrDesc[1:n+1], p.HdrDesc[:n])
			p.HdrDesc[0] = ':'
			p.HdrLen++
		}
	case LinkLinuxSLL:
		s.hdr("sll")
		if !s.has(0, 16) {
			p.Status |= packet.L2NoEth
			s.stop(packet.L2SnapLength)
			return
		}
		// T2 reads the SLL header like an Ethernet one: bytes 0-5
		// (packet type, ARPHRD type, address length) are the "destination
		// MAC", bytes 6-11 (the first six address bytes) the source, and
		// the layer-2 flows are keyed on them.
		p.HasMAC = true
		copy(p.DstMAC[:], s.b[0:6])
		copy(p.SrcMAC[:], s.b[6:12])
		s.typeField(14)
	case LinkLinuxSLL2:
		if !s.linkHeader("sll2", 20) {
			return
		}
		// SLL2 keeps the protocol in its first two bytes; the rest of
		// the 20-byte header is interface and address information.
		// Protocols below 0x600 (802.2 LLC, Novell 802.3) put the LLC
		// header right after it; llc expects a length field in front.
		if t := s.be16(0); t < 0x600 {
			s.llc(18, uint16(s.wire-20))
		} else {
			s.etherTypeAt(t, 20)
		}
	case LinkPPP, LinkPPPSerial, LinkPPPWithDir:
		off := 0
		if lt == LinkPPPWithDir {
			off = 1
		}
		s.hdr("ppp")
		p.Status |= packet.L2NoEth | packet.L2PPP
		if !s.has(off, 2) {
			s.stop(packet.L2SnapLength)
			return
		}
		if a := s.be16(off); a == 0x0f00 || a == 0x8f00 { // Cisco HDLC framing
			s.hdr("chdlc")
			s.typeField(off + 2)
			return
		}
		s.ppp(off)
	case LinkCHDLC:
		if !s.linkHeader("chdlc", 4) {
			return
		}
		s.typeField(2)
	case LinkRadiotap:
		// T2 does not count radiotap as "no Ethernet header".
		s.hdr("radiotap")
		if !s.has(0, 4) {
			s.stop(packet.L2SnapLength)
			return
		}
		n := int(binary.LittleEndian.Uint16(s.b[2:]))
		if n < 8 || !s.has(0, n) {
			s.stop(packet.L2SnapLength)
			return
		}
		s.ieee80211(n)
	case LinkIEEE80211:
		p.Status |= packet.L2NoEth
		s.ieee80211(0)
	default:
		s.stop(0)
	}
}

// linkHeader records a non-Ethernet link header of at least n bytes at
// the start of the packet; false (the packet marked as cut short) when
// fewer were captured.
func (s *state) linkHeader(name string, n int) bool {
	s.hdr(name)
	s.p.Status |= packet.L2NoEth
	if !s.has(0, n) {
		s.stop(packet.L2SnapLength)
		return false
	}
	return true
}

// ipByVersion dissects an IP header expected to be of version want at off.
func (s *state) ipByVersion(off int, want uint8) {
	if !s.has(off, 1) {
		s.ipTry++
		if want == 4 {
			s.hdr("ipv4")
			s.p.Status |= packet.FSIPv4Pkt
		} else {
			s.hdr("ipv6")
			s.p.Status |= packet.FSIPv6Pkt
		}
		s.stop(packet.L3HdrShrtLen)
		return
	}
	if s.b[off]>>4 != want {
		s.ipvx(off)
		return
	}
	if want == 4 {
		s.ipv4(off)
	} else {
		s.ipv6(off)
	}
}

// ipvx marks an IP header with a bogus version.
func (s *state) ipvx(off int) {
	s.ipTry++
	s.hdr("ipvx")
	s.p.Status |= packet.L3IPVX
	s.p.L3Off = int32(off)
	if s.nIP == 0 && s.p.HasMAC && !s.opt.NoL2Flows {
		// Behind MAC addresses the packet becomes a layer-2 flow packet,
		// as any other frame without a usable IP header (T2 does not
		// count that as stopping early).
		s.l2Dispatch(off, -1)
		return
	}
	s.stop(0)
}

// recordL2 remembers the size of the layer-2 framing in front of the IP
// header at off: from the start of the packet, or from the Ethernet
// header a tunnel carries (see innerEthernet).
func (s *state) recordL2(off int) {
	if !s.l2off {
		s.l2off = true
		s.p.L2Len = uint32(off - s.l2start)
	}
}

// finishPayload sets the payload slice from L7Off and SnapL7Len.
func (s *state) finishPayload() {
	p := s.p
	if p.L7Off < 0 || int(p.L7Off) > len(s.b) {
		p.L7Off = -1
		return
	}
	end := int(p.L7Off) + int(p.SnapL7Len)
	if end > len(s.b) {
		end = len(s.b)
	}
	p.Payload = s.b[p.L7Off:end]
}
