// Package tcpflags is the tcpFlags plugin (T2 number 130): per flow it
// summarises the IP header (TTL, IP ID steps, ToS, flags, options,
// checksums, fragments) and, for TCP, the header flags and anomalies,
// SEQ/ACK accounting, window sizes, options (MSS, window scale,
// timestamps, MPTCP), a JA4T fingerprint, the sender's clock tick and
// boot time, and trip/round-trip estimates. It runs on every IP flow; only
// the TCP columns stay 0 for other protocols.
//
// The columns, bits and report lines are T2 0.9.3's
// (testdata/t2-outputs/plugin-tcpFlags.md). Two T2 bugs are fixed, see
// docs/differences-from-t2.md: tcpJA4T keeps the '_' between the option
// kinds and the MSS, and tcpJA4T's scale part and tcpWS come from the
// flow's own window-scale bit, not from all flows written before it.
package tcpflags

import (
	_ "embed"
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/ipproto"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/prefetch"
	"github.com/t2go/t2go/pkg/record"
)

//go:embed tcpFlags.toml
var embedded []byte

// registration is this plugin as registered: its name and number come
// from the header of tcpFlags.toml.
var registration = plugin.Register(plugin.Descriptor{Defaults: embedded, Version: "0.9.3",
	New: func() plugin.Plugin { return &TCPFlags{} }})

var (
	_ plugin.Initer         = (*TCPFlags)(nil)
	_ plugin.FlowColumns    = (*TCPFlags)(nil)
	_ plugin.NewFlowHandler = (*TCPFlags)(nil)
	_ plugin.Layer4Handler  = (*TCPFlags)(nil)
	_ plugin.Preparer       = (*TCPFlags)(nil)
	_ plugin.FlowTerminator = (*TCPFlags)(nil)
	_ plugin.Prefetcher     = (*TCPFlags)(nil)
	_ plugin.Reporter       = (*TCPFlags)(nil)
	_ plugin.Monitor        = (*TCPFlags)(nil)

	_ plugin.ConcurrentTerminator = (*TCPFlags)(nil)
)

// tcpFStat bits.
const (
	statIntDisOK  uint16 = 0x0001 // a packet was seen: compare with the previous one
	statTmInit    uint16 = 0x0002 // TCP timestamp option initialised
	statTmDec     uint16 = 0x0004 // TSval went backwards
	statOptCorrpt uint16 = 0x0008 // TCP options corrupt or not captured
	statWinInit   uint16 = 0x0010 // window tracking initialised
	statWinUpd    uint16 = 0x0020 // window update
	statWin0Prb   uint16 = 0x0040 // zero-window probe
	statWin0Ack   uint16 = 0x0080 // zero-window probe ACK
	statZWin      uint16 = 0x0100 // window below WINMIN
	statWSUsed    uint16 = 0x0200 // window scaling in use
	statWinFull   uint16 = 0x0400 // bytes in flight >= peer window
	statWinUp     uint16 = 0x0800 // last window change was upwards
	statL4ChkOpen uint16 = 0x1000 // L4 checksum of a fragmented datagram open
	statSACK      uint16 = 0x4000 // SACK option seen
	statMPTCP     uint16 = 0x8000 // MPTCP option seen

	// the bits a packet starts from (the rest is per packet, ORed in)
	statCarry = statIntDisOK | statTmInit | statWinInit | statWinUp | statMPTCP | statWSUsed
)

// ipFlags bits.
const (
	ipOptCorrpt  uint16 = 0x0001
	ipIDRollOver uint16 = 0x0004
	ipFragBlwMin uint16 = 0x0008
	ipFragOutRng uint16 = 0x0010
	ipFragBits   uint16 = 0x00e0 // reserved, DF, MF as in the IPv4 header byte
	ipFragNxtPos uint16 = 0x0100
	ipFragSeqErr uint16 = 0x0200
	ipL3ChkErr   uint16 = 0x0400
	ipL4ChkErr   uint16 = 0x0800
	ipSnapHLen   uint16 = 0x1000
	ipUDPLen     uint16 = 0x2000
	ipSameTime   uint16 = 0x4000
	ipTimeBack   uint16 = 0x8000
)

// TCP header flags and tcpFlags combination bits.
const (
	fFIN = 0x01
	fSYN = 0x02
	fRST = 0x04
	fPSH = 0x08
	fACK = 0x10
	fURG = 0x20

	fSynFinRst = fSYN | fFIN | fRST
	fARSF      = fACK | fRST | fSYN | fFIN

	cFinAck    uint16 = 0x0100
	cSynAck    uint16 = 0x0200
	cRstAck    uint16 = 0x0400
	cNull      uint16 = 0x0800
	cSynFin    uint16 = 0x1000
	cSynFinRst uint16 = 0x2000
	cRstFin    uint16 = 0x4000
	cXmas      uint16 = 0x8000
	cScanFlags uint16 = 0xf800
)

// tcpAnomaly bits.
const (
	aSynRetry  uint16 = 0x0001
	aSeqTRetry uint16 = 0x0002
	aSeqFRetry uint16 = 0x0004
	aDupAck    uint16 = 0x0008
	aKeepAlive uint16 = 0x0010
	aKeepAck   uint16 = 0x0020
	aSeqOutOrd uint16 = 0x0040
	aSeqMess   uint16 = 0x0080
	aAckUnseen uint16 = 0x0100
	aPktNCap   uint16 = 0x0200
	aScan      uint16 = 0x1000
	aScanSucc  uint16 = 0x2000
	aSynL7     uint16 = 0x4000

	aCounted = 0x003f // bits dropped once a scan was detected
)

// States of the handshake timer.
const (
	rttNoSyn  uint8 = 0x00
	rttSynSt  uint8 = 0x01
	rttSynAck uint8 = 0x02
	rttAck    uint8 = 0x04
	rttStop   uint8 = 0x80
)

const (
	retryFactor = 1.5    // timeout retransmission: gap > factor × summed ACK delays
	fragMin     = 48     // smallest sane IP length of a fragment with MF
	fragMax     = 0x1fff // largest fragment offset in 8-byte units
	scanPMax    = 4      // a flow with SYN/FIN/scan flags and fewer packets is a scan
	optTimeBit  = 0x00000100
	maxJA4TOpts = 40
)

// state is one flow's tcpFlags state, in its slot of TCPFlags.st. It is
// 256 bytes (TestStateSize), so that each slot of the (page-aligned)
// slice takes exactly 4 cache lines, grouped by the packets that use
// them; the rarely enabled flag counters live in TCPFlags.flgCnt.
type state struct {
	// cache line 0: what every IP packet updates (also the peer's RTT
	// fields), so that a UDP packet touches one line of each direction
	lastPkt  packet.Time
	pktCnt   float32
	rttTrip  float32
	rttMin   float32
	rttMax   float32
	rttAvg   float32
	rttJit   float32
	totL4Len uint32
	stat     uint16
	ipID     uint16
	ipMinID  uint16
	ipMaxID  uint16
	ipFlags  uint16
	nxtFrag  uint16
	l4HdrSum uint16
	l4CalSum uint16
	ttl      uint8
	minTTL   uint8
	maxTTL   uint8
	ttlChg   uint8
	tos      uint8
	rttFlag  uint8
	scanPkts uint8
	flagsL   uint8 // last packet's header flags
	ws       uint8
	mpF      uint8

	// cache lines 1 and 2: the TCP packets' header, window and SEQ/ACK
	// analysis
	seqBytes   int64
	ackBytes   int64
	mLen       int64  // payload bytes of the TCP packets
	seqN       uint32 // next expected sequence number
	seqT       uint32 // last sequence number
	ackT       uint32 // last acknowledgement number
	seqMax     uint32
	winLst     uint32
	winTLen    uint32 // bytes in flight
	winTLenMax uint32
	winInit    uint32
	winAvg     float32
	winMinCnt  uint32
	pktvCnt    uint32
	winMin     uint32
	winMax     uint32
	tcpOpts    uint32
	wUp, wDwn  uint16
	wChg       uint16
	pSeqCnt    uint16
	seqFault   uint16
	pAckCnt    uint16
	ackFault   uint16
	statLst    uint16
	anomaly    uint16
	anomalyLst uint16
	flags      uint16 // tcpFlags column
	mss        uint16
	optCnt     uint16
	optPktCnt  uint16
	ja4Cnt     uint16
	_          [16]byte // to 256 bytes: a slot is 4 whole cache lines

	// cache line 3: options, timestamps, MPTCP and what only the flow
	// record reads
	tmFirst      packet.Time // first packet with a TSval not going back
	tmLast       packet.Time // last packet with a timestamp option
	tmS, tmER    uint32
	tmSI, tmSLst uint32
	seqI         uint32
	ackI         uint32 // -s with SPKTMD_SEQACKREL: base of the relative ACKs
	ip6HHOpts    uint32
	ip6DOpts     uint32
	ipOpts       uint32
	mpTBF        uint16
	ip6HHCnt     uint16
	ip6DCnt      uint16
	ipOptCnt     uint16
	ipCpCl       uint8
	mpAID        uint8
	mpDSSF       uint8
}

// flagCounts are the 16 counters of tcpCntF_S_R_P_A_U_E_C_FA_SA_RA_N_SF_SFR_RF_X.
type flagCounts [16]uint16

// settings are the plugin's defines (tcpFlags.toml).
type settings struct {
	ipTos        int
	rtt          bool
	ipChecksum   int
	windowSize   bool
	winMin       uint32
	seqAck       bool
	fragAnalyze  bool
	natBtEst     bool
	scanDetector bool
	mptcp        bool
	ja4t         bool
	ja4tMax      int
	flagCount    bool
	seqAckRel    bool // -s: SEQ/ACK relative to the first ones
	seqAckHex    bool // -s: SEQ/ACK in hex
}

// totals are the run's counters behind the report lines.
type totals struct {
	scans, succScans, seqRetry, synRetry uint64
}

// plus is a + b.
func (a totals) plus(b totals) totals {
	return totals{a.scans + b.scans, a.succScans + b.succScans, a.seqRetry + b.seqRetry, a.synRetry + b.synRetry}
}

// TCPFlags is the plugin instance.
type TCPFlags struct {
	cfg      settings
	table    *flow.Table
	counters *counters.Counters
	st       []state
	ja4      []uint8      // JA4TOPTMX option kinds per slot
	flgCnt   []flagCounts // per slot, with TCPFLGCNT only
	flgNone  flagCounts   // counted into (and never read) without TCPFLGCNT

	winMinCnt, tcpPktvCnt, mpPkts uint64
	// The counters are kept in two parts: pktTot is counted by OnLayer4,
	// termTot (scans and succScans) by OnFlowTerminate, which may run on
	// another goroutine (ConcurrentTerminate); the reports add them.
	pktTot           totals
	monSnap, repSnap totals

	blockTCP *record.Block // writeTCP for a zero state (with these settings)

	pktMode    bool    // -s: note each packet's values
	walkOpts   bool    // tests: always walk the TCP options (tcpOptions), not their summary
	pkt        pktVals // the current packet's, for WritePacket
	numPktCols int

	// What OnFlowTerminate writes for every flow, in cache lines of
	// its own: on the retire goroutine, its writes would otherwise take
	// from the packet goroutine's core the line of the fields OnLayer4
	// reads or writes for every packet (false sharing).
	_       [64]byte
	termTot totals
	// ORed over the written flows
	aggIPFlags, aggStat, aggFlags, aggAnomaly, aggMPTBF uint16
	aggToS, aggMPF                                      uint8
	ja4buf                                              []byte
	_                                                   [64]byte
}

// Init reads the settings and sizes the per-flow state.
func (t *TCPFlags) Init(env *plugin.Env) error {
	cfg, err := readSettings(env.Settings.Int)
	if err != nil {
		return err
	}
	t.cfg = cfg
	t.table = env.Table
	t.counters = env.Counters
	n := 0
	if env.Table != nil {
		n = env.Table.Capacity()
	}
	t.st = make([]state, n)
	flow.PerSlot(env.Table, t.st)
	if cfg.ja4t {
		t.ja4 = make([]uint8, n*cfg.ja4tMax)
		flow.PerSlot(env.Table, t.ja4)
	}
	if cfg.flagCount {
		t.flgCnt = make([]flagCounts, n)
		flow.PerSlot(env.Table, t.flgCnt)
	}
	t.ja4buf = make([]byte, 0, 16+4*maxJA4TOpts+16)
	t.blockTCP = t.newBlockTCP()
	t.pktMode = env.PacketMode
	t.numPktCols = len(t.PacketColumns())
	return nil
}

// readSettings reads the defines through get. The configuration already
// checked them against the ranges of tcpFlags.toml; the bounds here guard
// the arrays they size.
func readSettings(get func(key string) int64) (settings, error) {
	var s settings
	var err error
	val := func(key string, lo, hi int64) int64 {
		v := get(key)
		if (v < lo || v > hi) && err == nil {
			err = fmt.Errorf("%s: %s = %d is out of range [%d - %d]", registration.Name, key, v, lo, hi)
		}
		return v
	}
	on := func(key string) bool { return val(key, 0, 1) != 0 }
	s.ipTos = int(val("IPTOS", 0, 2))
	s.rtt = on("RTT_ESTIMATE")
	s.ipChecksum = int(val("IPCHECKSUM", 0, 2))
	s.windowSize = on("WINDOWSIZE")
	s.winMin = uint32(val("WINMIN", 0, 65535))
	s.seqAck = on("SEQ_ACK_NUM")
	s.fragAnalyze = on("FRAG_ANALYZE")
	s.natBtEst = on("NAT_BT_EST")
	s.scanDetector = on("SCAN_DETECTOR")
	s.mptcp = on("MPTCP")
	s.ja4t = on("TCPJA4T")
	s.ja4tMax = int(val("JA4TOPTMX", 1, maxJA4TOpts))
	s.flagCount = val("TCPFLGCNT", 0, 1) != 0
	s.seqAckRel = val("SPKTMD_SEQACKREL", 0, 1) != 0
	s.seqAckHex = val("SPKTMD_SEQACKHEX", 0, 1) != 0
	return s, err
}

// PrefetchSlot implements plugin.Prefetcher: the 4 cache lines of the
// slot's state, which OnFlowTerminate reads whole, and the first of its
// JA4T option kinds.
func (t *TCPFlags) PrefetchSlot(slot int32, b *prefetch.Batch) {
	if int(slot) < len(t.st) {
		p := unsafe.Pointer(&t.st[slot])
		for off := uintptr(0); off < unsafe.Sizeof(state{}); off += 64 {
			b.Add(unsafe.Add(p, off))
		}
		if t.ja4 != nil {
			b.Add(unsafe.Pointer(&t.ja4[int(slot)*t.cfg.ja4tMax]))
		}
	}
}

// counts returns the flag counters of the flow in slot: a scratch array
// when the column is off (counting costs less than testing for it).
func (t *TCPFlags) counts(slot int32) *flagCounts {
	if int(slot) >= len(t.flgCnt) {
		return &t.flgNone
	}
	return &t.flgCnt[slot]
}

// Columns implements plugin.FlowColumns.
func (t *TCPFlags) Columns() []record.Column {
	c := []record.Column{
		{Name: "tcpFStat", Type: "H16", Desc: "tcpFlags status"},
		{Name: "ipMindIPID", Type: "U16", Desc: "IP minimum delta IP ID"},
		{Name: "ipMaxdIPID", Type: "U16", Desc: "IP maximum delta IP ID"},
		{Name: "ipMinTTL", Type: "U8", Desc: "IP minimum TTL"},
		{Name: "ipMaxTTL", Type: "U8", Desc: "IP maximum TTL"},
		{Name: "ipTTLChg", Type: "U8", Desc: "IP TTL change count"},
	}
	switch t.cfg.ipTos {
	case 2:
		c = append(c, record.Column{Name: "ipToSPrec_ecn", Type: "U8_U8", Desc: "IP Type of Service: Precedence and ECN"})
	case 1:
		c = append(c, record.Column{Name: "ipToSDscp_ecn", Type: "U8_U8", Desc: "IP Type of Service: DSCP and ECN decimal"})
	default:
		c = append(c, record.Column{Name: "ipToS", Type: "H8", Desc: "IP Type of Service hex"})
	}
	c = append(c,
		record.Column{Name: "ipFlags", Type: "H16", Desc: "IP aggregated flags"},
		record.Column{Name: "ipOptCnt", Type: "U16", Desc: "IP options count"},
		record.Column{Name: "ipOptCpCl_Num", Type: "H8_H32", Desc: "IP aggregated options, copy-class and number"},
		record.Column{Name: "ip6OptCntHH_D", Type: "U16_U16", Desc: "IPv6 Hop-by-Hop destination option counts"},
		record.Column{Name: "ip6OptHH_D", Type: "H32_H32", Desc: "IPv6 aggregated Hop-by-Hop destination options"},
	)
	if t.cfg.seqAck {
		c = append(c,
			record.Column{Name: "tcpISeqN", Type: "U32", Desc: "TCP initial sequence number"},
			record.Column{Name: "tcpPSeqCnt", Type: "U16", Desc: "TCP packet seq count"},
			record.Column{Name: "tcpSeqSntBytes", Type: "U64", Desc: "TCP sent seq diff bytes"},
			record.Column{Name: "tcpSeqFaultCnt", Type: "U16", Desc: "TCP sequence number fault count"},
			record.Column{Name: "tcpPAckCnt", Type: "U16", Desc: "TCP packet ACK count"},
			record.Column{Name: "tcpFlwLssAckRcvdBytes", Type: "U64", Desc: "TCP flawless ACK received bytes"},
			record.Column{Name: "tcpAckFaultCnt", Type: "U16", Desc: "TCP ACK number fault count"},
			record.Column{Name: "tcpBFlgtMx", Type: "U32", Desc: "TCP Bytes in Flight MAX"},
		)
	}
	if t.cfg.windowSize {
		c = append(c,
			record.Column{Name: "tcpInitWinSz", Type: "U32", Desc: "TCP initial effective window size"},
			record.Column{Name: "tcpAvgWinSz", Type: "F", Desc: "TCP average effective window size"},
			record.Column{Name: "tcpMinWinSz", Type: "U32", Desc: "TCP minimum effective window size"},
			record.Column{Name: "tcpMaxWinSz", Type: "U32", Desc: "TCP maximum effective window size"},
			record.Column{Name: "tcpWinSzDwnCnt", Type: "U16", Desc: "TCP effective window size change down count"},
			record.Column{Name: "tcpWinSzUpCnt", Type: "U16", Desc: "TCP effective window size change up count"},
			record.Column{Name: "tcpWinSzChgDirCnt", Type: "U16", Desc: "TCP effective window size direction change count"},
			record.Column{Name: "tcpWinSzThRt", Type: "F", Desc: "TCP packet count ratio below window size WINMIN threshold"},
		)
	}
	c = append(c,
		record.Column{Name: "tcpFlags", Type: "H16", Desc: "TCP aggregated protocol flags (FIN-ACK, SYN-ACK, RST-ACK, CWR, ECE, URG, ACK, PSH, RST, SYN, FIN)"},
		record.Column{Name: "tcpAnomaly", Type: "H16", Desc: "TCP aggregated header anomaly flags"},
	)
	if t.cfg.flagCount {
		c = append(c, record.Column{Name: "tcpCntF_S_R_P_A_U_E_C_FA_SA_RA_N_SF_SFR_RF_X",
			Type: "U16_U16_U16_U16_U16_U16_U16_U16_U16_U16_U16_U16_U16_U16_U16_U16", Desc: "TCP flags counts"})
	}
	if t.cfg.ja4t {
		c = append(c, record.Column{Name: "tcpJA4T", Type: "SC", Desc: "TCP JA4T/JA4TS fingerprint"})
	}
	c = append(c,
		record.Column{Name: "tcpOptPktCnt", Type: "U16", Desc: "TCP options packet count"},
		record.Column{Name: "tcpOptCnt", Type: "U16", Desc: "TCP options count"},
		record.Column{Name: "tcpOptions", Type: "H32", Desc: "TCP aggregated options"},
		record.Column{Name: "tcpMSS", Type: "U16", Desc: "TCP maximum segment size"},
		record.Column{Name: "tcpWS", Type: "U16", Desc: "TCP window scale"},
	)
	if t.cfg.mptcp {
		c = append(c,
			record.Column{Name: "tcpMPTBF", Type: "H16", Desc: "TCP MPTCP type bitfield"},
			record.Column{Name: "tcpMPF", Type: "H8", Desc: "TCP MPTCP flags"},
			record.Column{Name: "tcpMPAID", Type: "U8", Desc: "TCP MPTCP address ID"},
			record.Column{Name: "tcpMPDSSF", Type: "H8", Desc: "TCP MPTCP DSS flags"},
		)
	}
	if t.cfg.natBtEst {
		c = append(c,
			record.Column{Name: "tcpTmS", Type: "U32", Desc: "TCP time stamp"},
			record.Column{Name: "tcpTmER", Type: "U32", Desc: "TCP time echo reply"},
			record.Column{Name: "tcpEcI", Type: "F", Desc: "TCP estimated counter increment"},
			record.Column{Name: "tcpUtm", Type: "D", Desc: "TCP estimated up time"},
			record.Column{Name: "tcpBtm", Type: "U64.U32", Desc: "TCP estimated boot time"},
		)
	}
	if t.cfg.rtt {
		c = append(c,
			record.Column{Name: "tcpSSASAATrip", Type: "F", Desc: "TCP trip time (A: SYN, SYN-ACK, B: SYN-ACK, ACK)"},
			record.Column{Name: "tcpRTTAckTripMin", Type: "F", Desc: "TCP ACK trip min"},
			record.Column{Name: "tcpRTTAckTripMax", Type: "F", Desc: "TCP ACK trip max"},
			record.Column{Name: "tcpRTTAckTripAvg", Type: "F", Desc: "TCP ACK trip average"},
			record.Column{Name: "tcpRTTAckTripJitAvg", Type: "F", Desc: "TCP ACK trip jitter average"},
			record.Column{Name: "tcpRTTSseqAA", Type: "F", Desc: "TCP round trip time (A: SYN, SYN-ACK, ACK, B: ACK-ACK)"},
			record.Column{Name: "tcpRTTAckJitAvg", Type: "F", Desc: "TCP ACK round trip average jitter"},
		)
	}
	return c
}

// OnNewFlow resets the slot (slots are reused) and takes the first
// packet's TTL, IP ID and sequence numbers.
func (t *TCPFlags) OnNewFlow(p *packet.Packet, f *flow.Flow) {
	if int(f.Slot) >= len(t.st) {
		return
	}
	s := &t.st[f.Slot]
	*s = state{lastPkt: p.TS, ipMinID: 0xffff, rttMin: 0xffff}
	if t.flgCnt != nil {
		t.flgCnt[f.Slot] = flagCounts{}
	}
	if f.Status&packet.L2Flow != 0 || p.IPVer == 0 {
		return
	}
	s.ttl, s.minTTL, s.maxTTL = p.TTL, p.TTL, p.TTL
	if p.IPVer == ipproto.V4 {
		s.ipID = uint16(p.IPID)
	}
	if p.L4Proto != ipproto.TCP {
		return
	}
	var seq, ack uint32
	var hdr uint8
	if x := &p.Prep.Hdr; p.Prep.Flags&packet.PrepHdr != 0 && x.Bits&hTCP != 0 {
		seq, ack, hdr = x.Seq, x.Ack, x.TCPHdr
	} else {
		seq, ack, hdr = tcpSeqAck(p.Raw, int(p.L3Off)+int(p.IPHdrLen))
	}
	s.seqI, s.seqT, s.seqN, s.seqMax, s.ackT = seq, seq, seq, seq, ack
	s.ackI = ack
	if f.Opposite != flow.None && int(f.Opposite) < len(t.st) {
		o := &t.st[f.Opposite]
		o.ackI = seq
		s.ackI = o.seqI
	}
	if hdr == fSYN && p.SnapL7Len != 0 {
		s.anomaly |= aSynL7
	}
}

// byteAt returns b[i], 0 outside b (T2 reads such bytes from its packet
// buffer; a capture cut short gives us nothing to read).
func byteAt(b []byte, i int) uint8 {
	if i < 0 || i >= len(b) {
		return 0
	}
	return b[i]
}

// be16 and be32 read a big-endian value at b[i:], bytes outside b as 0
// (byteAt); one bounds test when the value is inside b.
func be16(b []byte, i int) uint16 {
	if i >= 0 && i <= len(b)-2 {
		return binary.BigEndian.Uint16(b[i:])
	}
	return be16Edge(b, i)
}

func be32(b []byte, i int) uint32 {
	if i >= 0 && i <= len(b)-4 {
		return binary.BigEndian.Uint32(b[i:])
	}
	return be32Edge(b, i)
}

// be16Edge and be32Edge are be16 and be32 byte by byte.
func be16Edge(b []byte, i int) uint16 { return uint16(byteAt(b, i))<<8 | uint16(byteAt(b, i+1)) }
func be32Edge(b []byte, i int) uint32 {
	return uint32(be16Edge(b, i))<<16 | uint32(be16Edge(b, i+2))
}

// seconds is t − u in seconds as T2 computes the gap between packets.
func seconds(t, u packet.Time) float32 { return secs(t - u) }

// secs is the duration d in seconds as seconds computes it. It is 0 only
// for d == 0 and negative only for d < 0 (|d| >= 1 ns is far above
// float32's smallest value), so the packet path tests d itself and
// converts only where it compares the seconds.
func secs(d packet.Time) float32 { return float32(float64(d) / 1e9) }

// tripTime is |t − u| as T2 computes packet trip times: the sub-second
// parts go through float32 first, which shows in the 7th digit.
func tripTime(t, u packet.Time) float32 {
	ts, tn := t.Split()
	us, un := u.Split()
	d := float64(ts-us) + float64(float32(tn)-float32(un))/1e9
	return float32(math.Abs(d))
}

// ip6Ext finds the IPv6 extension headers of p: offsets of the hop-by-hop
// and destination option headers and of the fragment header (-1: none).
func ip6Ext(p *packet.Packet) (hh, dst, frag int) {
	hh, dst, frag = -1, -1, -1
	b := p.Raw
	off := int(p.L3Off)
	end := off + int(p.IPHdrLen)
	nh := byteAt(b, off+6)
	for pos := off + 40; pos < end && pos+8 <= len(b); {
		switch nh {
		case ipproto.HopOpts:
			if hh < 0 {
				hh = pos
			}
			nh = b[pos]
			pos += (int(b[pos+1]) + 1) * 8
		case ipproto.DstOpts:
			dst = pos
			nh = b[pos]
			pos += (int(b[pos+1]) + 1) * 8
		case ipproto.Routing:
			nh = b[pos]
			pos += (int(b[pos+1]) + 1) * 8
		case ipproto.Fragment:
			frag = pos
			nh = b[pos]
			pos += 8
		case ipproto.AH:
			nh = b[pos]
			pos += (int(b[pos+1]) + 2) * 4
		default:
			return
		}
	}
	return
}

// OnLayer4 updates the flow with one IP packet.
func (t *TCPFlags) OnLayer4(p *packet.Packet, f *flow.Flow) {
	if int(f.Slot) >= len(t.st) || p.L3Off < 0 {
		return
	}
	cfg := &t.cfg
	s := &t.st[f.Slot]
	var o *state
	if f.Opposite != flow.None && int(f.Opposite) < len(t.st) && t.table != nil {
		o = &t.st[f.Opposite]
	}
	if cfg.rtt {
		s.pktCnt++
	}
	b := p.Raw
	l3 := int(p.L3Off)
	l3HdrLen := int(p.IPHdrLen)
	l3Len := uint16(p.L3Len)
	var ipFlags, ipID uint16
	var ipFrag uint16 // T2's fragment field: bit patterns as it reads them
	var more bool     // more fragments follow
	var tos uint8
	stat := s.stat & statCarry
	v := &t.pkt
	if t.pktMode {
		*v = pktVals{num: p.Num}
	}

	x := &p.Prep.Hdr
	var own packet.HdrFacts
	var lay l4Sum // set when Prepare did not run
	if p.Prep.Flags&packet.PrepHdr == 0 {
		hdrFacts(p, &own, &lay)
		x = &own
	}
	ipFlags = x.IPFlags
	ipFrag = fragField(p.IPVer, x.FragField)
	more = x.Bits&hMore != 0
	laterFrag := x.Bits&hLater != 0
	tos = x.ToS
	if t.pktMode {
		t.pktIP(p, x)
	}
	if p.IPVer == ipproto.V6 {
		if x.Cnt1|x.Cnt2 != 0 {
			s.ip6HHOpts |= x.Opt1
			s.ip6HHCnt += x.Cnt1
			s.ip6DOpts |= x.Opt2
			s.ip6DCnt += x.Cnt2
		}
	} else if x.Cnt1 != 0 {
		s.ipCpCl |= x.CpCl
		s.ipOpts |= x.Opt1
		s.ipOptCnt += x.Cnt1
	}
	ttl := p.TTL
	if ttl != s.ttl {
		s.ttlChg++
	}
	s.ttl = ttl
	s.minTTL = min(s.minTTL, ttl)
	s.maxTTL = max(s.maxTTL, ttl)
	s.tos |= tos
	v.tos, v.ttl = tos, ttl

	l4HdrLen := uint16(8)
	l4Len := l3Len - uint16(l3HdrLen)
	l4 := l3 + l3HdrLen

	if p.IPVer == ipproto.V4 {
		ipID = uint16(p.IPID)
		if stat&statIntDisOK != 0 {
			diff := int32(ipID) - int32(s.ipID)
			v.ipIDDiff = diff
			if ipID < s.ipID {
				ipFlags |= ipIDRollOver // every decrease counts as roll-over in T2 0.9.3
			}
			if diff < int32(s.ipMinID) {
				s.ipMinID = uint16(diff)
			}
			if diff > int32(s.ipMaxID) {
				s.ipMaxID = uint16(diff)
			}
		}
		if t.pktMode {
			v.ipID, v.ipHdrSum = ipID, be16(b, l3+10)
		}
		if int(p.SnapL3Len) < l3HdrLen {
			ipFlags |= ipSnapHLen | ipL3ChkErr
		} else if cfg.ipChecksum > 0 {
			if t.pktMode {
				v.ipCalSum = ipv4Sum(b, l3, l3HdrLen)
			}
			if p.Prep.Flags&packet.PrepL3Chk != 0 {
				if x.Bits&hL3Err != 0 {
					ipFlags |= ipL3ChkErr
				}
			} else if be16(b, l3+10) != ipv4Sum(b, l3, l3HdrLen) {
				ipFlags |= ipL3ChkErr
			}
		}
	}

	pseudo := true
	doL4 := true
	withPseudo := false // s.l4CalSum has the pseudo header (Prepare added it)
	if !laterFrag {
		stat |= statL4ChkOpen
		if x.Bits&hChecked != 0 {
			l4HdrLen, pseudo = x.L4HdrLen, x.Bits&hPseudo != 0
			s.l4HdrSum = x.L4HdrSum
			v.l4HdrSum = s.l4HdrSum
			s.totL4Len = 0
			if l4Snapped(p, l3Len, l4Len) {
				ipFlags |= ipSnapHLen | ipL4ChkErr
			} else if cfg.ipChecksum > 1 {
				if p.Prep.Flags&packet.PrepL4Sum != 0 {
					s.l4CalSum = p.Prep.L4Sum
					withPseudo = pseudo && !more
				} else {
					if p.Prep.Flags&packet.PrepHdr != 0 {
						l4Layout(p, b, l4, l4Len, &lay)
					}
					s.l4CalSum = lay.sum(b, l4)
				}
			}
		} else {
			if p.SnapL3Len < uint32(l3Len) {
				ipFlags |= ipSnapHLen | ipL4ChkErr
			}
			stat &^= statL4ChkOpen
			doL4 = false
		}
	}
	if doL4 && cfg.ipChecksum > 1 {
		s.totL4Len += uint32(l4Len)
		if !more {
			if pseudo && !withPseudo {
				n := uint32(l4Len)
				if laterFrag {
					n = s.totL4Len
				}
				s.l4CalSum = pseudoSum(p, n, s.l4CalSum)
			}
			cal := s.l4CalSum
			if cal != 0xffff {
				cal = ^cal
			}
			if s.l4HdrSum != cal {
				ipFlags |= ipL4ChkErr
			}
			v.l4HdrSum, v.l4CalSum = s.l4HdrSum, cal
			stat &^= statL4ChkOpen
		}
	}

	// time since the flow's previous packet
	gap := p.TS - s.lastPkt // secs(gap) is the gap in seconds
	if stat&statIntDisOK != 0 {
		if gap == 0 {
			ipFlags |= ipSameTime
		} else if gap < 0 {
			ipFlags |= ipTimeBack
			f.Status |= packet.TimeJump
			p.Status |= packet.TimeJump
		}
	}
	s.lastPkt = p.TS

	if cfg.fragAnalyze && ipFrag != 0 {
		var units uint16
		if p.IPVer == ipproto.V6 {
			units = swap16(ipFrag) & fragMax
		} else {
			units = ipFrag & fragMax
		}
		if more && l3Len < fragMin {
			ipFlags |= ipFragBlwMin
		}
		if int(units)-int(s.nxtFrag) > 1 {
			ipFlags |= ipFragNxtPos
		}
		s.nxtFrag = units + l4Len>>3
		if s.nxtFrag > fragMax {
			ipFlags |= ipFragOutRng
		}
	}
	s.ipFlags |= ipFlags
	s.ipID = ipID
	v.ipFlags = ipFlags

	if o != nil && cfg.rtt && s.rttFlag != rttStop {
		// o.lastPkt is the opposite flow's last packet time (its
		// flow.Last), in the cache line this block updates anyway
		trip := tripTime(p.TS, o.lastPkt)
		if trip < o.rttMin {
			o.rttMin = trip
		}
		if trip > o.rttMax {
			o.rttMax = trip
		}
		if o.rttFlag&(rttSynSt|rttSynAck) != 0 && o.pktCnt == 1 {
			o.rttTrip, o.rttAvg = trip, trip
		} else {
			d := trip - o.rttAvg
			o.rttAvg += d / s.pktCnt
			o.rttJit += (d*d - o.rttJit) / s.pktCnt
			o.rttFlag = rttAck
		}
	} else if o != nil && !cfg.rtt {
		o.rttFlag = rttNoSyn
	}

	if p.L4Proto != ipproto.TCP || laterFrag {
		if cfg.rtt {
			if s.pktCnt == 1 {
				s.rttFlag = rttSynAck
			} else if s.rttFlag == rttSynAck {
				s.rttFlag = rttAck
			}
		}
		s.stat |= stat | statIntDisOK
		return
	}
	t.tcp(p, f, s, o, x, stat, gap, l4, l3HdrLen, l4HdrLen, l4Len)
}

// Prepare implements plugin.Preparer: on the reader goroutine it reads
// the packet's header facts (hdrFacts: fragment field, ToS, IP options,
// the layer-4 checksum layout, the TCP flags, window, SEQ, ACK and
// options) and checks its checksums (the IPv4 header's verdict; a first
// fragment's layer-4 sum, with the pseudo header when unfragmented) into
// p.Prep, which OnLayer4 then uses. It reads only p and t.cfg, with the functions OnLayer4 calls
// itself when p.Prep is not set (hdrFacts, ipv4Sum, l4Layout, l4Snapped).
func (t *TCPFlags) Prepare(p *packet.Packet) {
	if p.L3Off < 0 {
		return
	}
	x := &p.Prep.Hdr
	var lay l4Sum
	if !plainFacts(p, x, &lay) {
		hdrFacts(p, x, &lay)
	}
	p.Prep.Flags |= packet.PrepHdr
	if t.cfg.ipChecksum == 0 {
		return
	}
	b := p.Raw
	l3 := int(p.L3Off)
	l3HdrLen := int(p.IPHdrLen)
	if p.IPVer == ipproto.V4 && int(p.SnapL3Len) >= l3HdrLen {
		if be16(b, l3+10) != ipv4Sum(b, l3, l3HdrLen) {
			x.Bits |= hL3Err
		}
		p.Prep.Flags |= packet.PrepL3Chk
	}
	if t.cfg.ipChecksum < 2 || x.Bits&(hLater|hChecked) != hChecked {
		return
	}
	l3Len := uint16(p.L3Len)
	l4Len := l3Len - uint16(l3HdrLen)
	l4 := l3 + l3HdrLen
	if !l4Snapped(p, l3Len, l4Len) {
		sum := lay.sum(b, l4)
		if x.Bits&(hMore|hPseudo) == hPseudo {
			// unfragmented: the pseudo header's length is this packet's
			sum = pseudoSum(p, uint32(l4Len), sum)
		}
		p.Prep.L4Sum = sum
		p.Prep.Flags |= packet.PrepL4Sum
	}
}

// HdrFacts.Bits.
const (
	hMore    uint8 = 1 << iota // more fragments follow
	hLater                     // a later fragment (offset > 0)
	hChecked                   // the layer-4 checksum is checked (L4HdrLen, L4Pos, L4HdrSum set)
	hPseudo                    // the layer-4 sum includes the pseudo header
	hTCP                       // TCPHdr, Win, Seq, Ack set (TCP, not a later fragment)
	hOpts                      // the TCP options' summary is set (tcpOptFacts)
	hL3Err                     // the IPv4 header checksum is wrong (Prepare, with packet.PrepL3Chk)
)

// nopNopTS are the first 4 bytes of TCP options NOP, NOP, timestamp
// (kind 8, length 10).
const nopNopTS = 0x0101080a

// HdrFacts.OptBits: what tcpOptFacts saw in the TCP options.
const (
	oMSS     uint8 = 1 << iota // an MSS option (MSS)
	oSACK                      // a SACK option
	oTS                        // a timestamp option (TSVal, TSEcr)
	oMPTCP                     // an MPTCP option (at MPOff)
	oCorrupt                   // an option of length 0 ended the walk
	oMulti                     // more than one timestamp or MPTCP option: walk them (tcpOptions)
	oWS                        // a window scale option (WS)
)

// tcpOptFacts summarises the TCP options (n bytes at off) into x, walking
// them as tcpOptions does.
func tcpOptFacts(b []byte, off, n int, x *packet.HdrFacts) {
	i := 0
	if n >= 12 && x.OptCnt == 0 && off >= 0 && off <= len(b)-12 && binary.BigEndian.Uint32(b[off:]) == nopNopTS {
		// The commonest options (every segment of a Linux connection
		// after the handshake) begin with NOP, NOP, timestamp: what the
		// walk below makes of those 12 bytes, in one step.
		x.Kinds[0], x.Kinds[1], x.Kinds[2] = 1, 1, 8
		x.OptCnt = 3
		x.TCPOpts |= 1<<1 | 1<<8
		x.TSVal, x.TSEcr = binary.BigEndian.Uint32(b[off+4:]), binary.BigEndian.Uint32(b[off+8:])
		x.OptBits |= oTS
		i = 12
	}
	optWalk(b, off, i, n, x)
}

// optWalk is the walk of tcpOptFacts, from option byte i on.
func optWalk(b []byte, off, i, n int, x *packet.HdrFacts) {
	for i < n {
		kind := byteAt(b, off+i)
		if kind == 0 {
			break
		}
		if int(x.OptCnt) < len(x.Kinds) {
			x.Kinds[x.OptCnt] = kind
		}
		x.OptCnt++
		x.TCPOpts |= 1 << min(kind, 31)
		l := byteAt(b, off+i+1)
		if kind > 1 && l == 0 {
			x.OptBits |= oCorrupt
			break
		}
		switch kind {
		case 2:
			x.MSS = be16(b, off+i+2)
			x.OptBits |= oMSS
		case 3:
			x.WS = byteAt(b, off+i+2)
			x.OptBits |= oWS
		case 5:
			x.OptBits |= oSACK
		case 8:
			if x.OptBits&oTS != 0 {
				x.OptBits |= oMulti
			}
			x.TSVal, x.TSEcr = be32(b, off+i+2), be32(b, off+i+6)
			x.OptBits |= oTS
		case 30:
			if x.OptBits&oMPTCP != 0 {
				x.OptBits |= oMulti
			}
			x.MPOff = uint8(i)
			x.OptBits |= oMPTCP
		}
		if kind > 1 {
			i += int(l)
		} else {
			i++
		}
	}
}

// hdrFacts reads what OnLayer4 needs from p's headers into x (which it
// clears first). Prepare calls it on the reader goroutine, OnLayer4 when
// Prepare did not run: it reads only the packet. It sets lay to the
// layer-4 checksum layout (l4Layout) of a first fragment or unfragmented
// packet.
func hdrFacts(p *packet.Packet, x *packet.HdrFacts, lay *l4Sum) {
	*x = packet.HdrFacts{}
	b := p.Raw
	l3 := int(p.L3Off)
	l3HdrLen := int(p.IPHdrLen)
	l3Len := uint16(p.L3Len)
	snapped := int(p.SnapL3Len) < l3HdrLen || int(l3Len) < l3HdrLen
	var ipFlags uint16
	var more, later bool
	if p.IPVer == ipproto.V6 {
		hh, dst, fr := ip6Ext(p)
		if fr >= 0 {
			x.FragField = be16(b, fr+2)
			// T2 loads the offset field in host (little-endian) order here.
			raw := swap16(x.FragField)
			ipFlags = (raw << 1) & ipFragBits
			more = raw&0x0100 != 0
		}
		later = fragField(p.IPVer, x.FragField)&swap16(0x1fff) != 0
		hhLen, dLen := ip6OptLens(b, hh, dst)
		if hhLen > 0 || dLen > 0 {
			if snapped {
				ipFlags |= ipOptCorrpt
			} else {
				x.Opt1, x.Cnt1 = ip6Options(b, hh+2, hhLen, 0, 0)
				x.Opt2, x.Cnt2 = ip6Options(b, dst+2, dLen, 0, 0)
			}
		}
		x.ToS = uint8(be16(b, l3) >> 4)
	} else {
		x.FragField = be16(b, l3+6)
		ipFlags = uint16(byteAt(b, l3+6)) & ipFragBits
		ipFrag := fragField(p.IPVer, x.FragField)
		more = ipFrag&0x2000 != 0
		later = ipFrag&0x1fff != 0
		if optLen := l3HdrLen - 20; optLen > 0 {
			if snapped {
				ipFlags |= ipOptCorrpt
			} else {
				x.Opt1, x.Cnt1, x.CpCl, ipFlags = ipv4Options(b, l3+20, optLen, ipFlags)
			}
		}
		x.ToS = byteAt(b, l3+1)
	}
	if more {
		x.Bits |= hMore
	}
	if later {
		x.Bits |= hLater
	} else {
		l4Len := l3Len - uint16(l3HdrLen)
		l4 := l3 + l3HdrLen
		l4Layout(p, b, l4, l4Len, lay)
		ipFlags |= lay.ipFlags
		if lay.checked {
			x.Bits |= hChecked
			if lay.pseudo {
				x.Bits |= hPseudo
			}
			x.L4Pos, x.L4HdrLen = uint8(lay.pos), lay.hdrLen
			x.L4HdrSum = be16(b, l4+2*lay.pos)
		}
		if p.L4Proto == ipproto.TCP {
			x.Bits |= hTCP
			x.Seq, x.Ack, x.TCPHdr = tcpSeqAck(b, l4)
			x.Win = be16(b, l4+14)
			if optLen := int(lay.hdrLen) - 20; optLen > 0 && !tcpOptsSnapped(p, l3HdrLen, lay.hdrLen, l4Len) {
				tcpOptFacts(b, l4+20, optLen, x)
				x.Bits |= hOpts
			}
		}
	}
	x.IPFlags = ipFlags
}

// plainFacts is hdrFacts for the commonest packets, in one pass with
// the header bytes' bounds checked once: IPv4 without options and not a
// later fragment, or IPv6 without extension headers, carrying TCP (its
// first 20 bytes captured) or UDP (8). It returns false, having written
// nothing, for any other packet. What it writes is what hdrFacts would
// (TestPlainFactsEqualHdrFacts): its formulas with hdrFacts' branches
// for such packets taken (no options, hence none snapped; no
// extension headers, hence no IPv6 fragment field; l4Layout's TCP or UDP
// case).
func plainFacts(p *packet.Packet, x *packet.HdrFacts, lay *l4Sum) bool {
	b := p.Raw
	l3 := int(p.L3Off)
	hl := int(p.IPHdrLen)
	switch {
	case p.IPVer == ipproto.V4 && hl == 20, p.IPVer == ipproto.V6 && hl == 40:
	default:
		return false
	}
	need := 8
	switch p.L4Proto {
	case ipproto.TCP:
		need = 20
	case ipproto.UDP:
	default:
		return false
	}
	l4 := l3 + hl
	if l3 < 0 || l4+need > len(b) {
		return false
	}
	var ipFlags uint16
	var bits uint8
	var tos uint8
	var ff uint16
	if hl == 20 {
		h := b[l3 : l3+20]
		ff = binary.BigEndian.Uint16(h[6:])
		if ff&0x1fff != 0 {
			return false // a later fragment
		}
		ipFlags = uint16(h[6]) & ipFragBits
		if ff&0x2000 != 0 {
			bits = hMore
		}
		tos = h[1]
	} else {
		tos = uint8(binary.BigEndian.Uint16(b[l3:]) >> 4)
	}
	l4Len := uint16(p.L3Len) - uint16(hl)
	t := b[l4 : l4+need]
	*x = packet.HdrFacts{FragField: ff, ToS: tos}
	if need == 20 {
		*lay = l4Sum{checked: true, pseudo: true, pos: 8, hdrLen: p.L4HdrLen, chkLen: l4Len}
		x.L4HdrSum = binary.BigEndian.Uint16(t[16:])
		x.Seq, x.Ack, x.TCPHdr = binary.BigEndian.Uint32(t[4:]), binary.BigEndian.Uint32(t[8:]), t[13]
		x.Win = binary.BigEndian.Uint16(t[14:])
		bits |= hChecked | hPseudo | hTCP
		if optLen := int(lay.hdrLen) - 20; optLen > 0 && !tcpOptsSnapped(p, hl, lay.hdrLen, l4Len) {
			tcpOptFacts(b, l4+20, optLen, x)
			bits |= hOpts
		}
	} else {
		*lay = l4Sum{checked: true, pseudo: true, pos: 3, hdrLen: 8, chkLen: l4Len}
		if p.SnapL4Len != uint32(binary.BigEndian.Uint16(t[4:])) {
			lay.ipFlags = ipUDPLen
		}
		ipFlags |= lay.ipFlags
		x.L4HdrSum = binary.BigEndian.Uint16(t[6:])
		bits |= hChecked | hPseudo
	}
	x.L4Pos, x.L4HdrLen = uint8(lay.pos), lay.hdrLen
	x.Bits |= bits
	x.IPFlags = ipFlags
	return true
}

// tcpSeqAck reads the SEQ, ACK and header flags of the TCP header at
// b[l4:].
func tcpSeqAck(b []byte, l4 int) (seq, ack uint32, hdr uint8) {
	return be32(b, l4+4), be32(b, l4+8), byteAt(b, l4+13)
}

// fragField is T2's fragment field from the one on the wire: the IPv4
// one with MF and the offset (as ip_off & FRAGIDM_N on a little-endian
// load), the IPv6 one shifted by 3.
func fragField(ver uint8, wire uint16) uint16 {
	if ver == ipproto.V6 {
		return wire >> 3
	}
	return wire & 0x3fff
}

// ip6OptLens are the option bytes of the IPv6 hop-by-hop and destination
// headers at hh and dst (0 for a header at -1).
func ip6OptLens(b []byte, hh, dst int) (hhLen, dLen int) {
	if hh >= 0 {
		hhLen = (int(byteAt(b, hh+1))+1)<<3 - 2
	}
	if dst >= 0 {
		dLen = (int(byteAt(b, dst+1))+1)<<3 - 2
	}
	return
}

// pktIP notes the packet's IP option and fragment values for -s.
func (t *TCPFlags) pktIP(p *packet.Packet, x *packet.HdrFacts) {
	v := &t.pkt
	v.fragOff = x.FragField
	l3 := int(p.L3Off)
	if p.IPVer == ipproto.V6 {
		hh, dst, _ := ip6Ext(p)
		hhLen, dLen := ip6OptLens(p.Raw, hh, dst)
		v.hhOff, v.hhLen, v.dOff, v.dLen = hh+2, hhLen, dst+2, dLen
	} else {
		v.optOff, v.optLen = l3+20, int(p.IPHdrLen)-20
	}
}

// ipv4Sum is the computed checksum of the IPv4 header of n bytes at
// b[l3:] (its checksum field left out). A 20-byte header inside b, the
// usual one, is summed as its 32-bit words, the checksum's half of the
// third left out: an exact sum, so 0 only when all bytes summed are, as
// checksum gives it.
func ipv4Sum(b []byte, l3, n int) uint16 {
	if n == 20 && l3 >= 0 && l3 <= len(b)-20 {
		h := b[l3 : l3+20]
		acc := uint64(binary.BigEndian.Uint32(h)) + uint64(binary.BigEndian.Uint32(h[4:])) +
			uint64(binary.BigEndian.Uint16(h[8:])) + uint64(binary.BigEndian.Uint32(h[12:])) +
			uint64(binary.BigEndian.Uint32(h[16:]))
		return ^fold64(acc)
	}
	return ^checksum(b, l3, n, 5, 0)
}

// l4Sum says how T2 checks the layer-4 checksum of a first fragment or
// unfragmented packet.
type l4Sum struct {
	checked bool   // the protocol's checksum is checked
	pseudo  bool   // the sum includes the pseudo header
	pos     int    // 16-bit word of the checksum field (left out of the sum)
	hdrLen  uint16 // layer-4 header length
	chkLen  uint16 // bytes summed
	ipFlags uint16 // ipFlags the layout raises (ipUDPLen)
}

// l4Layout sets x to the checksum layout of p's layer-4 header at b[l4:]
// (l4Len bytes by the IP header), by protocol. It reads only the packet,
// so Prepare and OnLayer4 share it.
func l4Layout(p *packet.Packet, b []byte, l4 int, l4Len uint16, x *l4Sum) {
	*x = l4Sum{checked: true, pseudo: true, hdrLen: 8, chkLen: l4Len}
	switch p.L4Proto {
	case ipproto.ICMP, ipproto.IGMP:
		x.pos, x.pseudo = 1, false
	case ipproto.ICMPv6:
		x.pos, x.hdrLen = 1, 4
	case ipproto.TCP:
		x.pos, x.hdrLen = 8, p.L4HdrLen
	case ipproto.UDPLite, ipproto.UDP:
		ulen := be16(b, l4+4)
		if p.L4Proto == ipproto.UDPLite {
			if ulen >= 8 && ulen <= l4Len {
				x.chkLen = ulen
			} else {
				x.ipFlags |= ipUDPLen
			}
		}
		if p.SnapL4Len != uint32(ulen) {
			x.ipFlags |= ipUDPLen
		}
		x.pos = 3
	case ipproto.GRE:
		if byteAt(b, l4)&0x80 != 0 {
			x.pos = 2
		} else {
			x.hdrLen = 4
		}
	case ipproto.OSPF:
		x.pos = 6
		if byteAt(b, l4) == 2 {
			x.hdrLen, x.pseudo = 24, false
		} else {
			x.hdrLen = 16
		}
	default:
		x.checked = false
	}
}

// sum is the layer-4 sum over the packet's bytes at b[l4:] (without the
// pseudo header).
func (x *l4Sum) sum(b []byte, l4 int) uint16 { return checksum(b, l4, int(x.chkLen), x.pos, 0) }

// l4Snapped reports whether the capture cut the IP datagram or its layer-4
// part short (then the layer-4 checksum is not computed).
func l4Snapped(p *packet.Packet, l3Len, l4Len uint16) bool {
	return p.SnapL3Len < uint32(l3Len) || p.SnapL4Len < uint32(l4Len)
}

func swap16(v uint16) uint16 { return v<<8 | v>>8 }

// ip6Options walks the options of an IPv6 hop-by-hop or destination
// header (n bytes at off) until a Pad1, adding each type's bit.
func ip6Options(b []byte, off, n int, bits uint32, cnt uint16) (uint32, uint16) {
	for i := 0; i < n; {
		typ := byteAt(b, off+i)
		if typ == 0 {
			break
		}
		bits |= 1 << (typ & 0x1f)
		cnt++
		i += int(byteAt(b, off+i+1)) + 2
	}
	return bits, cnt
}

// ipv4Options walks the IPv4 options (n bytes at off): their type bits,
// count and copy/class bits, and ipFlags with ipOptCorrpt added if they
// are corrupt.
func ipv4Options(b []byte, off, n int, ipFlags uint16) (opts uint32, cnt uint16, cpcl uint8, flags uint16) {
	for i := 0; i < n; {
		typ := byteAt(b, off+i)
		if typ == 0 {
			break
		}
		cpcl |= typ & 0xe0
		opts |= 1 << (typ & 0x1f)
		cnt++
		l := byteAt(b, off+i+1)
		if typ > 1 && l == 0 {
			return opts, cnt, cpcl, ipFlags | ipOptCorrpt
		}
		if typ > 1 {
			i += int(l)
		} else {
			i++
		}
	}
	return opts, cnt, cpcl, ipFlags
}

// pseudoSum adds the IPv4/IPv6 pseudo header (addresses, protocol, L4
// length n) to sum.
func pseudoSum(p *packet.Packet, n uint32, sum uint16) uint16 {
	// the addresses' 16-bit words summed as 32-bit ones: 2^16 ≡ 1 modulo
	// 0xffff, and the exact sum is 0 only when all words are
	acc := uint64(sum) + uint64(p.L4Proto) + uint64(n&0xffff)
	src, dst := &p.SrcIP, &p.DstIP
	acc += uint64(binary.BigEndian.Uint32(src[0:])) + uint64(binary.BigEndian.Uint32(dst[0:]))
	if p.IPVer == ipproto.V6 {
		acc += uint64(n >> 16)
		acc += uint64(binary.BigEndian.Uint32(src[4:])) + uint64(binary.BigEndian.Uint32(dst[4:]))
		acc += uint64(binary.BigEndian.Uint32(src[8:])) + uint64(binary.BigEndian.Uint32(dst[8:]))
		acc += uint64(binary.BigEndian.Uint32(src[12:])) + uint64(binary.BigEndian.Uint32(dst[12:]))
	}
	return fold64(acc)
}
