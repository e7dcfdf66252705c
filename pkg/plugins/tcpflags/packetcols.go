package tcpflags

import (
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/ipproto"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
)

var _ plugin.PacketColumns = (*TCPFlags)(nil)

// pktVals are the current packet's values for the packet file (-s),
// noted by OnLayer4 and written by WritePacket right after.
type pktVals struct {
	num                    uint64 // packet number these values belong to
	tos                    uint8
	ttl                    uint8
	ipID                   uint16
	ipIDDiff               int32
	fragOff                uint16
	ipHdrSum, ipCalSum     uint16
	l4HdrSum, l4CalSum     uint16
	ipFlags                uint16
	hhOff, hhLen           int // IPv6 hop-by-hop options (bytes at hhOff)
	dOff, dLen             int // IPv6 destination options
	optOff, optLen         int // IPv4 options
	tcp                    bool
	seq, ack, seqMax       uint32
	sd, ad                 int32
	seqDiff, ackDiff       int32
	seqFlowLen, ackFlowLen int64
	mLen                   int64
	bFlgt                  uint32
	stat, flags, anomaly   uint16
	win                    uint32
	wsc                    uint16
	mss                    uint16
	tmS, tmER              uint32
	mpTyp                  uint16
	mpF, mpAID, mpDSSF     uint8
	tcpOptOff, tcpOptLen   int
}

// PacketColumns implements plugin.PacketColumns.
func (t *TCPFlags) PacketColumns() []string {
	c := make([]string, 0, 41)
	switch t.cfg.ipTos {
	case 2:
		c = append(c, "ipToSPrec_ecn")
	case 1:
		c = append(c, "ipToSDscp_ecn")
	default:
		c = append(c, "ipToS")
	}
	c = append(c, "ipID", "ipIDDiff", "ipFrag", "ipTTL", "ipHdrChkSum", "ipCalChkSum", "l4HdrChkSum",
		"l4CalChkSum", "ipFlags", "ip6HHOptLen", "ip6HHOpts", "ip6DOptLen", "ip6DOpts", "ipOptLen", "ipOpts")
	if t.cfg.seqAck {
		c = append(c, "seq", "ack", "seqMax", "seqDiff", "ackDiff", "seqLen", "ackLen", "seqFlowLen",
			"ackFlowLen", "tcpMLen", "tcpBFlgt")
	}
	c = append(c, "tcpFStat", "tcpFlags", "tcpAnomaly", "tcpWin", "tcpWS", "tcpMSS")
	if t.cfg.natBtEst {
		c = append(c, "tcpTmS", "tcpTmER")
	}
	if t.cfg.mptcp {
		c = append(c, "tcpMPTyp", "tcpMPF", "tcpMPAID", "tcpMPDSSF")
	}
	return append(c, "tcpOptLen", "tcpOpts")
}

// WritePacket implements plugin.PacketColumns: the IP values of this
// packet, the TCP ones for TCP packets (first fragments), all empty for
// layer-2 packets.
func (t *TCPFlags) WritePacket(p *packet.Packet, f *flow.Flow, w *record.Writer) {
	v := &t.pkt
	if p.IPVer == 0 || v.num != p.Num {
		for range t.numPktCols {
			w.Empty()
		}
		return
	}
	switch t.cfg.ipTos {
	case 2:
		w.U64(uint64(precedence(v.tos)))
		w.Under()
		w.AppendU64(uint64(v.tos & 0x03))
	case 1:
		w.U64(uint64(v.tos >> 2))
		w.Under()
		w.AppendU64(uint64(v.tos & 0x03))
	default:
		w.H8(v.tos)
	}
	w.U64(uint64(v.ipID))
	w.I64(int64(v.ipIDDiff))
	w.H16(v.fragOff)
	w.U64(uint64(v.ttl))
	w.H16(v.ipHdrSum)
	w.H16(v.ipCalSum)
	w.H16(v.l4HdrSum)
	w.H16(v.l4CalSum)
	w.H16(v.ipFlags)
	b := p.Raw
	if p.IPVer == ipproto.V6 {
		optBytes(w, b, v.hhOff, v.hhLen)
		optBytes(w, b, v.dOff, v.dLen)
		optBytes(w, b, 0, 0)
	} else {
		optBytes(w, b, 0, 0)
		optBytes(w, b, 0, 0)
		optBytes(w, b, v.optOff, v.optLen)
	}
	if !v.tcp {
		if t.cfg.seqAck {
			for range 11 {
				w.Empty()
			}
		}
		w.Field()
		w.RawString("0x0000")
		n := 5
		if t.cfg.natBtEst {
			n += 2
		}
		if t.cfg.mptcp {
			n += 4
		}
		for range n {
			w.Empty()
		}
		w.U64(0)
		w.Empty()
		return
	}
	if t.cfg.seqAck {
		seq, ack, seqMax := v.seq, v.ack, v.seqMax
		if t.cfg.seqAckRel {
			s := &t.st[f.Slot]
			seq, ack, seqMax = seq-s.seqI, ack-s.ackI, seqMax-s.seqI
		}
		for _, x := range [3]uint32{seq, ack, seqMax} {
			if t.cfg.seqAckHex {
				w.H32(x)
			} else {
				w.U64(uint64(x))
			}
		}
		w.I64(int64(v.sd))
		w.I64(int64(v.ad))
		w.U64(uint64(uint32(v.seqDiff)))
		w.U64(uint64(uint32(v.ackDiff)))
		w.I64(v.seqFlowLen)
		w.I64(v.ackFlowLen)
		w.I64(v.mLen)
		w.U64(uint64(v.bFlgt))
	}
	w.H16(v.stat)
	w.H16(v.flags)
	w.H16(v.anomaly)
	w.U64(uint64(v.win))
	w.U64(uint64(v.wsc))
	w.U64(uint64(v.mss))
	if t.cfg.natBtEst {
		w.U64(uint64(v.tmS))
		w.U64(uint64(v.tmER))
	}
	if t.cfg.mptcp {
		w.U64(uint64(v.mpTyp))
		w.H8(v.mpF)
		w.U64(uint64(v.mpAID))
		w.H8(v.mpDSSF)
	}
	w.I64(int64(v.tcpOptLen))
	w.Field()
	for i := 0; i < v.tcpOptLen; i++ {
		if i > 0 {
			w.Semi()
		}
		w.AppendHex(uint64(byteAt(b, v.tcpOptOff+i)), 2)
	}
}

// optBytes writes an option length and the option bytes (0x..;0x..).
func optBytes(w *record.Writer, b []byte, off, n int) {
	w.I64(int64(n))
	w.Field()
	for i := 0; i < n; i++ {
		if i > 0 {
			w.Semi()
		}
		w.AppendHex(uint64(byteAt(b, off+i)), 2)
	}
}
