package tcpflags

import (
	"math"
	"strconv"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

// ConcurrentTerminate implements plugin.ConcurrentTerminator:
// OnFlowTerminate reads f, the state of f's slot and its opposite's (its
// st entries; ja4 and flgCnt of f's slot), the settings and the blocks
// built at Init. It writes f's state, the scan-success bit into the
// opposite's state (read only by the opposite's OnFlowTerminate, after
// it on the same goroutine; no packet hook touches a released flow's
// slot), the agg* aggregates and termTot, which no other hook writes,
// and ja4buf, which only it uses. The counters OnLayer4 updates (pktTot,
// winMinCnt, tcpPktvCnt, mpPkts) and the flgNone scratch are not
// touched.
func (t *TCPFlags) ConcurrentTerminate() {}

// noCounts are the flag counts of a flow without a slot (never written).
var noCounts flagCounts

// OnFlowTerminate runs the end-of-flow scan verdict and writes the
// columns.
func (t *TCPFlags) OnFlowTerminate(f *flow.Flow, w *record.Writer) {
	cfg := &t.cfg
	var s *state
	var zero state
	if int(f.Slot) < len(t.st) {
		s = &t.st[f.Slot]
	} else {
		zero = state{ipMinID: 0xffff, rttMin: 0xffff}
		s = &zero
	}
	var o *state
	if f.Opposite != flow.None && int(f.Opposite) < len(t.st) {
		o = &t.st[f.Opposite]
	}
	t.aggIPFlags |= s.ipFlags
	t.aggToS |= s.tos
	t.aggStat |= s.stat
	t.aggFlags |= s.flags
	t.aggAnomaly |= s.anomaly

	if cfg.scanDetector && s.anomaly&aSynRetry == 0 && s.flags&(fSYN|fFIN|cScanFlags) != 0 {
		if s.scanPkts < scanPMax && s.anomaly&(aScan|aScanSucc) == 0 {
			s.anomaly |= aScan
			t.termTot.scans++
		}
		if o != nil {
			mine := s.anomaly&aScan != 0 && s.anomaly&aScanSucc == 0
			theirs := o.anomaly&aScan != 0 && o.anomaly&aScanSucc == 0 && s.scanPkts < scanPMax && o.scanPkts < scanPMax
			if mine || theirs {
				s.anomaly |= aScanSucc
				o.anomaly |= aScanSucc
				t.termTot.succScans++
			}
		}
	}
	if cfg.fragAnalyze && f.Status&packet.IPv4FragErr != 0 {
		s.ipFlags |= ipFragSeqErr
	}
	if w.Disabled {
		t.aggMPTBF |= s.mpTBF
		t.aggMPF |= s.mpF
		return
	}

	w.H16(s.stat)
	w.U64s(uint64(s.ipMinID), uint64(s.ipMaxID), uint64(s.minTTL), uint64(s.maxTTL), uint64(s.ttlChg))
	switch cfg.ipTos {
	case 2:
		w.U64(uint64(precedence(s.tos)))
		w.Under()
		w.AppendU64(uint64(s.tos & 0x03))
	case 1:
		w.U64(uint64(s.tos >> 2))
		w.Under()
		w.AppendU64(uint64(s.tos & 0x03))
	default:
		w.H8(s.tos)
	}
	w.H16(s.ipFlags)
	if cfg.mptcp {
		t.aggMPTBF |= s.mpTBF
		t.aggMPF |= s.mpF
	}
	// not t.counts: its scratch for a flow without a slot is OnLayer4's
	c := &noCounts
	if int(f.Slot) < len(t.flgCnt) {
		c = &t.flgCnt[f.Slot]
	}
	if t.zeroTCP(s, c) {
		w.AppendBlock(t.blockTCP)
	} else {
		t.writeTCP(w, f.Slot, s, c)
	}
	if cfg.rtt {
		var rtt, jit float32
		if o != nil {
			if f.IsInverted() {
				rtt = s.rttAvg + o.rttAvg
				jit = float32(math.Sqrt(float64(s.rttJit + o.rttJit)))
			} else {
				rtt = s.rttTrip + o.rttTrip
			}
		}
		if zeroRTT(s, rtt, jit) {
			w.AppendBlock(blockRTT)
		} else {
			writeRTT(w, s, rtt, jit)
		}
	}
}

// zeroTCP reports whether writeTCP writes for s and c what it writes
// for a zero state (t.blockTCP): no IP options and nothing TCP, as in
// every flow of another protocol.
func (t *TCPFlags) zeroTCP(s *state, c *flagCounts) bool {
	cfg := &t.cfg
	return s.flags == 0 && s.anomaly == 0 && zeroIPOpts(s) && zeroTCPOpts(s) &&
		(!cfg.seqAck || zeroSeqAck(s)) && (!cfg.windowSize || zeroWindow(s)) &&
		(!cfg.flagCount || *c == flagCounts{}) && (!cfg.ja4t || zeroJA4T(s)) &&
		(!cfg.mptcp || zeroMPTCP(s)) && (!cfg.natBtEst || zeroNATBt(s))
}

// writeTCP writes the columns from ipOptCnt to tcpBtm (those the
// settings enable) of the flow in slot, with state s and flag counts c.
// A group all zero in most flows with TCP is appended as its block.
func (t *TCPFlags) writeTCP(w *record.Writer, slot int32, s *state, c *flagCounts) {
	cfg := &t.cfg
	if zeroIPOpts(s) {
		w.AppendBlock(blockIPOpts)
	} else {
		writeIPOpts(w, s)
	}
	if cfg.seqAck && zeroSeqAck(s) {
		w.AppendBlock(blockSeqAck)
	} else if cfg.seqAck {
		writeSeqAck(w, s)
	}
	if cfg.windowSize && zeroWindow(s) {
		w.AppendBlock(blockWindow)
	} else if cfg.windowSize {
		writeWindow(w, s)
	}
	w.H16(s.flags)
	w.H16(s.anomaly)
	if cfg.flagCount {
		if *c == (flagCounts{}) {
			w.AppendBlock(blockFlagCounts)
		} else {
			writeFlagCounts(w, c)
		}
	}
	if cfg.ja4t {
		w.StrClass(t.ja4t(slot, s, s.stat&statWSUsed != 0))
	}
	if zeroTCPOpts(s) {
		w.AppendBlock(blockTCPOpts)
	} else {
		writeTCPOpts(w, s)
	}
	if cfg.mptcp {
		if zeroMPTCP(s) {
			w.AppendBlock(blockMPTCP)
		} else {
			writeMPTCP(w, s)
		}
	}
	if cfg.natBtEst && zeroNATBt(s) {
		w.AppendBlock(blockNATBt)
	} else if cfg.natBtEst {
		writeNATBt(w, s)
	}
}

// newBlockTCP records writeTCP for a zero state.
func (t *TCPFlags) newBlockTCP() *record.Block {
	return record.NewBlock(func(w *record.Writer) { t.writeTCP(w, 0, &state{}, &flagCounts{}) })
}

// zeroJA4T: ja4t writes "0_00_00_00" (the window, the kinds, the MSS
// and, without the window scale bit, the scale).
func zeroJA4T(s *state) bool {
	return s.winInit == 0 && s.ja4Cnt == 0 && s.mss == 0 && s.stat&statWSUsed == 0
}

// zeroRTT: the trip and round-trip columns of a flow whose peer sent
// nothing after it (the initial minimum 0xffff, all else +0).
func zeroRTT(s *state, rtt, jit float32) bool {
	return math.Float32bits(s.rttTrip)|math.Float32bits(s.rttMax)|math.Float32bits(s.rttAvg)|
		math.Float32bits(s.rttJit)|math.Float32bits(rtt)|math.Float32bits(jit) == 0 && s.rttMin == 0xffff
}

func writeRTT(w *record.Writer, s *state, rtt, jit float32) {
	w.F32s(s.rttTrip, s.rttMin, s.rttMax, s.rttAvg, float32(math.Sqrt(float64(s.rttJit))), rtt, jit)
}

// Column groups that are all zero in most flows (no IP options, no
// MPTCP, no TCP timestamps; a non-TCP flow has no SEQ/ACK, window, flag
// or option values) are appended as a record.Block recorded from their
// write function with a zero state: the same typed ops as the individual
// calls (jsonSink renders by type). Each zeroX reports whether writeX
// would write exactly what it writes for a zero state
// (TestZeroGroupsExact checks each state byte).
var (
	blockIPOpts     = zeroBlock(writeIPOpts)
	blockSeqAck     = zeroBlock(writeSeqAck)
	blockWindow     = zeroBlock(writeWindow)
	blockTCPOpts    = zeroBlock(writeTCPOpts)
	blockMPTCP      = zeroBlock(writeMPTCP)
	blockNATBt      = zeroBlock(writeNATBt)
	blockFlagCounts = record.NewBlock(func(w *record.Writer) { writeFlagCounts(w, &flagCounts{}) })
	blockRTT        = record.NewBlock(func(w *record.Writer) { writeRTT(w, &state{rttMin: 0xffff}, 0, 0) })
)

func zeroBlock(write func(*record.Writer, *state)) *record.Block {
	return record.NewBlock(func(w *record.Writer) { write(w, &state{}) })
}

func zeroIPOpts(s *state) bool {
	return s.ipOptCnt == 0 && s.ipCpCl == 0 && s.ipOpts == 0 && s.ip6HHCnt == 0 && s.ip6DCnt == 0 &&
		s.ip6HHOpts == 0 && s.ip6DOpts == 0
}

func writeIPOpts(w *record.Writer, s *state) {
	w.U64(uint64(s.ipOptCnt))
	w.H8(s.ipCpCl)
	w.Under()
	w.AppendHex(uint64(s.ipOpts), 8)
	w.U64(uint64(s.ip6HHCnt))
	w.Under()
	w.AppendU64(uint64(s.ip6DCnt))
	w.H32(s.ip6HHOpts)
	w.Under()
	w.AppendHex(uint64(s.ip6DOpts), 8)
}

func zeroSeqAck(s *state) bool {
	return s.seqI == 0 && s.pSeqCnt == 0 && s.seqBytes == 0 && s.seqFault == 0 && s.pAckCnt == 0 &&
		s.ackBytes == 0 && s.ackFault == 0 && s.winTLenMax == 0
}

func writeSeqAck(w *record.Writer, s *state) {
	w.U64s(uint64(s.seqI), uint64(s.pSeqCnt), uint64(s.seqBytes), uint64(s.seqFault),
		uint64(s.pAckCnt), uint64(s.ackBytes), uint64(s.ackFault), uint64(s.winTLenMax))
}

// zeroWindow: the average must be +0 (-0 is written as -0), the ratio
// winMinCnt/pktvCnt is +0 when either is 0.
func zeroWindow(s *state) bool {
	return s.winInit == 0 && math.Float32bits(s.winAvg) == 0 && s.winMin == 0 && s.winMax == 0 &&
		s.wDwn == 0 && s.wUp == 0 && s.wChg == 0 && (s.pktvCnt == 0 || s.winMinCnt == 0)
}

func writeWindow(w *record.Writer, s *state) {
	w.U64(uint64(s.winInit))
	w.F32(s.winAvg)
	w.U64s(uint64(s.winMin), uint64(s.winMax), uint64(s.wDwn), uint64(s.wUp), uint64(s.wChg))
	var r float32
	if s.pktvCnt != 0 {
		r = float32(s.winMinCnt) / float32(s.pktvCnt)
	}
	w.F32(r)
}

func writeFlagCounts(w *record.Writer, c *flagCounts) {
	for i, n := range c {
		if i == 0 {
			w.U64(uint64(n))
		} else {
			w.Under()
			w.AppendU64(uint64(n))
		}
	}
}

// windowScale is the tcpWS column: the scale factor when the window
// scale option was seen, else 0 (also a shift of 16 or more).
func windowScale(s *state) uint64 {
	if s.stat&statWSUsed != 0 {
		return uint64(uint16(1) << s.ws)
	}
	return 0
}

func zeroTCPOpts(s *state) bool {
	return s.optPktCnt == 0 && s.optCnt == 0 && s.tcpOpts == 0 && s.mss == 0 && windowScale(s) == 0
}

func writeTCPOpts(w *record.Writer, s *state) {
	w.U64s(uint64(s.optPktCnt), uint64(s.optCnt))
	w.H32(s.tcpOpts)
	w.U64s(uint64(s.mss), windowScale(s))
}

func zeroMPTCP(s *state) bool {
	return s.mpTBF == 0 && s.mpF == 0 && s.mpAID == 0 && s.mpDSSF == 0
}

func writeMPTCP(w *record.Writer, s *state) {
	w.H16(s.mpTBF)
	w.H8(s.mpF)
	w.U64(uint64(s.mpAID))
	w.H8(s.mpDSSF)
}

// zeroNATBt: clock gives 0, 0 without the timestamp option bit (and a
// tick above 0 with it); the boot time is then tmLast.
func zeroNATBt(s *state) bool {
	return s.tmS == 0 && s.tmER == 0 && s.tcpOpts&optTimeBit == 0 && s.tmLast == 0
}

func writeNATBt(w *record.Writer, s *state) {
	w.U64s(uint64(s.tmS), uint64(s.tmER))
	tick, up := clock(s)
	w.F32(tick)
	w.F64(up)
	// boot time: the last timestamped packet minus the up-time
	// (seconds and truncated sub-seconds, as T2's timeval does)
	upSec := uint64(up)
	upNs := uint32((up - float64(upSec)) * 1e9)
	w.Time(s.tmLast - packet.Time(upSec*1e9+uint64(upNs)))
}

// precedence is the IP precedence (top 3 bits) of a ToS byte.
func precedence(tos uint8) uint8 { return tos >> 5 }

// clock estimates the sender's timestamp tick and up-time (seconds).
func clock(s *state) (float32, float64) {
	if s.tcpOpts&optTimeBit == 0 {
		return 0, 0
	}
	var tick float32
	if n := s.tmS - s.tmSI; n != 0 {
		tick = seconds(s.tmLast, s.tmFirst) / float32(n)
		switch {
		case tick < 0.002:
			tick = 0.001 // Cisco, Windows
		case tick < 0.005:
			tick = 0.004 // Linux
		case tick < 0.02:
			tick = 0.01 // Linux
		case tick < 0.7:
			tick = 0.1 // Solaris, OpenBSD
		default:
			tick = 1
		}
	} else {
		switch {
		case s.minTTL >= 128:
			tick = 0.1
		case s.minTTL >= 64:
			tick = 0.004
		case s.minTTL > 32:
			tick = 0.01
		default:
			tick = 0.001
		}
	}
	return tick, float64(s.tmS) * float64(tick)
}

// ja4t renders the JA4T fingerprint window_options_MSS_scale of the flow
// in slot, its scale part from the flow's own window-scale bit.
func (t *TCPFlags) ja4t(slot int32, s *state, wsUsed bool) []byte {
	b := record.AppendUint(t.ja4buf[:0], uint64(s.winInit))
	b = append(b, '_')
	if s.ja4Cnt == 0 {
		b = append(b, "00"...)
	} else {
		kinds := t.ja4[int(slot)*t.cfg.ja4tMax:]
		for i := 0; i < int(s.ja4Cnt); i++ {
			if i > 0 {
				b = append(b, '-')
			}
			b = record.AppendUint(b, uint64(kinds[i]))
		}
	}
	b = append(b, '_')
	if s.mss < 10 {
		b = append(b, '0')
	}
	b = record.AppendUint(b, uint64(s.mss))
	b = append(b, '_')
	if wsUsed {
		b = record.AppendUint(b, uint64(s.ws))
	} else {
		b = append(b, "00"...)
	}
	t.ja4buf = b
	return b
}

// Report writes the end-report lines.
func (t *TCPFlags) Report(r *report.Writer) {
	t.aggregateLines(r)
	tot := t.totals()
	if tot.scans != 0 || tot.succScans != 0 {
		r.Plugin(registration.Name, "Number of TCP scans attempted, successful: %s, %s%s", report.Num(tot.scans),
			report.Num(tot.succScans), pct(tot.succScans, tot.scans))
	}
	if tot.seqRetry != 0 || tot.synRetry != 0 {
		r.Plugin(registration.Name, "Number of TCP SYN retries, seq retries: %s, %s", report.Num(tot.synRetry), report.Num(tot.seqRetry))
	}
	if t.winMinCnt != 0 && t.tcpPktvCnt != 0 {
		r.Plugin(registration.Name, "Number WinSz below %d: %s%s", t.cfg.winMin, report.Num(t.winMinCnt), pct(t.winMinCnt, t.tcpPktvCnt))
	}
	if t.cfg.mptcp && t.mpPkts != 0 {
		r.Plugin(registration.Name, "Aggregated MPTCP subtypes: tcpMPTBF=0x%04x", t.aggMPTBF)
		r.Plugin(registration.Name, "Aggregated MPTCP flags: tcpMPF=0x%02x", t.aggMPF)
		var pkts uint64
		if t.counters != nil {
			pkts = t.counters.Packets
		}
		r.Plugin(registration.Name, "Number of MPTCP packets: %s%s", report.Num(t.mpPkts), pct(t.mpPkts, pkts))
	}
}

// totals are the run's counters so far (the engine finishes pending
// terminations before any report).
func (t *TCPFlags) totals() totals { return t.pktTot.plus(t.termTot) }

// pct renders " [p%]" of a/b as T2 does, also when b is 0 (nan).
func pct(a, b uint64) string {
	return " [" + strconv.FormatFloat(100*float64(a)/float64(b), 'f', 2, 64) + "%]"
}

func (t *TCPFlags) aggregateLines(r *report.Writer) {
	if t.aggIPFlags != 0 {
		r.Plugin(registration.Name, "Aggregated ipFlags=0x%04x", t.aggIPFlags)
	}
	if t.aggStat != 0 {
		r.Plugin(registration.Name, "Aggregated tcpFStat=0x%04x", t.aggStat)
	}
	if t.aggFlags != 0 {
		r.Plugin(registration.Name, "Aggregated tcpFlags=0x%04x", t.aggFlags)
	}
	if t.aggAnomaly != 0 {
		r.Plugin(registration.Name, "Aggregated tcpAnomaly=0x%04x", t.aggAnomaly)
	}
	if t.aggToS != 0 {
		r.Plugin(registration.Name, "Aggregated ipToS=0x%02x", t.aggToS)
	}
}

// MonitorColumns implements plugin.Monitor.
func (t *TCPFlags) MonitorColumns() []string {
	return []string{"ipFlags", "tcpFStat", "tcpFlags", "tcpAnomaly", "tcpScan", "tcpSuccScan", "tcpSynRetries", "tcpSeqRetries"}
}

// MonitorValues implements plugin.Monitor: the aggregates, then the
// counters (their change since the previous call in diff mode).
func (t *TCPFlags) MonitorValues(w *record.Writer, diff bool) {
	for _, v := range []uint16{t.aggIPFlags, t.aggStat, t.aggFlags, t.aggAnomaly} {
		w.Field()
		w.RawString("0x")
		w.RawString(strconv.FormatUint(uint64(v), 16))
	}
	d := t.totals()
	if diff {
		tot := d
		d = tot.minus(t.monSnap)
		t.monSnap = tot
	}
	w.U64(d.scans)
	w.U64(d.succScans)
	w.U64(d.synRetry)
	w.U64(d.seqRetry)
}

func (a totals) minus(b totals) totals {
	return totals{a.scans - b.scans, a.succScans - b.succScans, a.seqRetry - b.seqRetry, a.synRetry - b.synRetry}
}

// MonitorReport implements plugin.Monitor: the USR1 report lines.
func (t *TCPFlags) MonitorReport(r *report.Writer, diff bool) {
	t.aggregateLines(r)
	d := t.totals()
	if diff {
		tot := d
		d = tot.minus(t.repSnap)
		t.repSnap = tot
	}
	if d.succScans != 0 {
		r.Plugin(registration.Name, "Number of TCP scans attempted, successful: %s, %s%s", report.Num(d.scans),
			report.Num(d.succScans), pct(d.succScans, d.scans))
	}
	if d.synRetry != 0 {
		r.Plugin(registration.Name, "Number of TCP SYN retries, seq retries: %s, %s", report.Num(d.synRetry), report.Num(d.seqRetry))
	}
}
