package tcpflags

import (
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
)

// tcp handles the TCP part of a packet whose IP part OnLayer4 did: flags,
// options, window and SEQ/ACK analysis. x holds its header facts, stat holds this packet's
// tcpFStat bits so far, gap the time since the flow's previous packet
// (secs(gap) in seconds).
func (t *TCPFlags) tcp(p *packet.Packet, f *flow.Flow, s, o *state, x *packet.HdrFacts, stat uint16, gap packet.Time, l4, l3HdrLen int, l4HdrLen, l4Len uint16) {
	cfg := &t.cfg
	b := p.Raw
	hdr := x.TCPHdr
	flags := uint16(hdr)
	var anomaly uint16
	l7Len := uint16(p.L7Len)
	cnt := t.counts(f.Slot)

	switch hdr & 0x3f {
	case 0:
		flags |= cNull
		anomaly |= aScan
		cnt[11]++
	case fFIN | fPSH | fURG:
		flags |= cXmas
		anomaly |= aScan
		cnt[15]++
	}
	if cfg.flagCount {
		for i := 0; i < 8; i++ {
			if cnt[i] < 0xffff && hdr&(1<<i) != 0 {
				cnt[i]++
			}
		}
	}

	switch hdr & fARSF {
	case fSYN:
		if s.rttFlag == rttSynSt {
			if secs(gap) > 0.9 {
				t.pktTot.synRetry++
				anomaly |= aSynRetry
			} else {
				anomaly |= aScan
				t.pktTot.scans++
			}
		}
		if l7Len != 0 {
			anomaly |= aSynL7
		}
		s.rttFlag = rttSynSt
	case fSYN | fACK:
		flags |= cSynAck
		s.rttFlag = rttSynAck
		cnt[9]++
	case fACK:
		if s.rttFlag == rttSynAck {
			s.rttFlag = rttAck
		}
		if o == nil {
			break
		}
		if cfg.rtt && (o.rttFlag == rttNoSyn || o.rttFlag == rttSynAck) {
			o.rttFlag = rttAck
		}
		if cfg.seqAck {
			o.winTLen = 0
			s.winTLen += uint32(l7Len)
			s.winTLenMax = max(s.winTLen, s.winTLenMax)
		}
	case fFIN | fACK:
		flags |= cFinAck
		s.rttFlag = rttStop
		cnt[8]++
	case fRST | fACK:
		flags |= cRstAck
		s.rttFlag = rttStop
		cnt[10]++
	case fSYN | fFIN:
		flags |= cSynFin
		s.rttFlag = rttStop
		cnt[12]++
	case fSYN | fFIN | fRST:
		flags |= cSynFinRst
		s.rttFlag = rttStop
		cnt[13]++
	case fRST | fFIN:
		flags |= cRstFin
		s.rttFlag = rttStop
		cnt[14]++
	default:
		s.rttFlag = rttStop
	}

	if optLen := int(l4HdrLen) - 20; optLen > 0 {
		if tcpOptsSnapped(p, l3HdrLen, l4HdrLen, l4Len) {
			stat |= statOptCorrpt
		} else {
			s.optPktCnt++
			if x.Bits&hOpts != 0 && x.OptBits&oMulti == 0 && !t.walkOpts &&
				(hdr&fSYN == 0 || !cfg.ja4t || int(x.OptCnt) <= len(x.Kinds)) {
				stat = t.tcpOptsFrom(p, f.Slot, s, o, x, b, l4+20, stat)
			} else {
				stat = t.tcpOptions(p, f.Slot, s, o, b, l4+20, optLen, flags, stat)
			}
		}
	}

	win := uint32(x.Win)
	var wsc uint32
	if stat&statWSUsed != 0 {
		wsc = 1 << s.ws
		win *= wsc
	}

	if cfg.windowSize {
		t.tcpPktvCnt++
		s.pktvCnt++
		if cfg.winMin > 0 && hdr&fSynFinRst == 0 && win < cfg.winMin {
			t.winMinCnt++
			s.winMinCnt++
			stat |= statZWin
		}
		if stat&statWinInit == 0 {
			s.winMin, s.winMax, s.winInit, s.winLst, s.winAvg = win, win, win, win, float32(win)
			stat |= statWinInit
		}
		s.winAvg = float32(float64(s.winAvg)*0.7 + float64(float32(win))*0.3)
		if stat&statWinUp == 0 {
			if win <= s.winLst {
				if win < s.winLst {
					s.wDwn++
					s.winMin = min(win, s.winMin)
				}
			} else {
				s.wChg++
				s.wUp++
				s.winMax = max(win, s.winMax)
				stat |= statWinUp
			}
		} else {
			if win >= s.winLst {
				if win > s.winLst {
					s.wUp++
					s.winMax = max(win, s.winMax)
				}
			} else {
				s.wChg++
				s.wDwn++
				s.winMin = min(win, s.winMin)
				stat &^= statWinUp
			}
		}
	}

	seq, ack := x.Seq, x.Ack
	if cfg.seqAck {
		stat, anomaly = t.seqAck(s, o, stat, anomaly, hdr, seq, ack, win, wsc, l7Len, gap)
	}
	if t.pktMode {
		v := &t.pkt
		v.tcp = true
		v.seq, v.ack, v.seqMax = seq, ack, s.seqMax
		v.seqFlowLen, v.ackFlowLen, v.mLen, v.bFlgt = s.seqBytes, s.ackBytes, s.mLen, s.winTLen
		v.stat, v.flags, v.anomaly = stat, flags, anomaly
		v.win, v.wsc, v.mss, v.tmS, v.tmER = win, uint16(wsc), s.mss, s.tmS, s.tmER
		v.tcpOptOff, v.tcpOptLen = l4+20, int(l4HdrLen)-20
	}

	s.seqT = seq
	s.seqN = seq + uint32(l7Len)
	if hdr&fSynFinRst != 0 {
		s.seqN++
	} else if stat&statWin0Prb != 0 {
		s.seqN--
	}
	s.ackT = ack
	s.seqMax = max(s.seqN, s.seqMax)
	if cfg.windowSize {
		s.winLst = win
	}
	s.flagsL = hdr
	s.flags |= flags
	s.anomaly |= anomaly
	s.anomalyLst = anomaly
	stat |= statIntDisOK
	s.stat |= stat
	s.statLst = stat

	if cfg.fragAnalyze && o != nil && t.table != nil && hdr&(fRST|fFIN) != 0 {
		if t.table.Flow(f.Opposite).Status&packet.IPv4FragPending != 0 {
			o.ipFlags |= ipFragSeqErr
		}
	}
	if cfg.scanDetector && s.scanPkts < scanPMax+2 {
		s.scanPkts++
	}
}

// tcpOptsSnapped reports whether the capture cut the TCP options of a
// header of l4HdrLen bytes short.
func tcpOptsSnapped(p *packet.Packet, l3HdrLen int, l4HdrLen, l4Len uint16) bool {
	return int(p.SnapL3Len) < l3HdrLen+int(l4HdrLen) && l4Len >= l4HdrLen
}

// tcpOptsFrom does what tcpOptions does from the options' summary x
// (tcpOptFacts) for a packet whose options hold at most one timestamp
// and one MPTCP option (the MPTCP one it reads at off+x.MPOff) and, with
// SYN and JA4T, all of whose option kinds are in x.Kinds.
func (t *TCPFlags) tcpOptsFrom(p *packet.Packet, slot int32, s, o *state, x *packet.HdrFacts, b []byte, off int, stat uint16) uint16 {
	cfg := &t.cfg
	s.optCnt += uint16(x.OptCnt)
	s.tcpOpts |= x.TCPOpts
	ob := x.OptBits
	if hdr := x.TCPHdr; hdr&fSYN != 0 {
		if cfg.ja4t {
			kinds := t.ja4[int(slot)*cfg.ja4tMax : (int(slot)+1)*cfg.ja4tMax]
			for _, k := range x.Kinds[:min(int(x.OptCnt), len(x.Kinds))] {
				if int(s.ja4Cnt) >= len(kinds) {
					break
				}
				kinds[s.ja4Cnt] = k
				s.ja4Cnt++
			}
		}
		if ob&oWS != 0 {
			s.ws = x.WS
			if hdr&(fSYN|fACK) == fSYN|fACK {
				s.stat |= statWSUsed
				if o != nil {
					o.stat |= statWSUsed
				}
			}
		}
	}
	if ob&oMSS != 0 {
		s.mss = x.MSS
	}
	if ob&oSACK != 0 {
		stat |= statSACK
	}
	if ob&oTS != 0 && cfg.natBtEst {
		stat = t.timestamp(p, s, x.TSVal, x.TSEcr, stat)
	}
	if ob&oMPTCP != 0 && cfg.mptcp {
		mp := off + int(x.MPOff)
		t.mptcp(s, b, mp, byteAt(b, mp+1))
		stat |= statMPTCP
	}
	if ob&oCorrupt != 0 {
		stat |= statOptCorrpt
	}
	return stat
}

// timestamp records one timestamp option (TSval, TSecr).
func (t *TCPFlags) timestamp(p *packet.Packet, s *state, tsVal, tsEcr uint32, stat uint16) uint16 {
	s.tmS, s.tmER = tsVal, tsEcr
	s.tmLast = p.TS
	if s.tmS < s.tmSLst {
		stat |= statTmDec
	} else {
		s.tmSLst = s.tmS
		if stat&statTmInit == 0 {
			s.tmSI = s.tmS
			s.tmFirst = p.TS
			stat |= statTmInit
		}
	}
	return stat
}

// tcpOptions walks the TCP options (n bytes at off) of a packet with
// header flags (and combination bits) flags, returning the packet's
// tcpFStat bits.
func (t *TCPFlags) tcpOptions(p *packet.Packet, slot int32, s, o *state, b []byte, off, n int, flags, stat uint16) uint16 {
	cfg := &t.cfg
	for i := 0; i < n; {
		kind := byteAt(b, off+i)
		if kind == 0 {
			break
		}
		s.optCnt++
		if cfg.ja4t && int(s.ja4Cnt) < cfg.ja4tMax && flags&fSYN != 0 {
			t.ja4[int(slot)*cfg.ja4tMax+int(s.ja4Cnt)] = kind
			s.ja4Cnt++
		}
		if kind < 31 {
			s.tcpOpts |= 1 << kind
		} else {
			s.tcpOpts |= 1 << 31
		}
		l := byteAt(b, off+i+1)
		if kind > 1 && l == 0 {
			return stat | statOptCorrpt
		}
		switch kind {
		case 2:
			s.mss = be16(b, off+i+2)
		case 5:
			stat |= statSACK
		case 3:
			if flags&fSYN != 0 {
				s.ws = byteAt(b, off+i+2)
				if flags&(fSYN|fACK) == fSYN|fACK {
					s.stat |= statWSUsed
					if o != nil {
						o.stat |= statWSUsed
					}
				}
			}
		case 8:
			if cfg.natBtEst {
				stat = t.timestamp(p, s, be32(b, off+i+2), be32(b, off+i+6), stat)
			}
		case 30:
			if cfg.mptcp {
				t.mptcp(s, b, off+i, l)
				stat |= statMPTCP
			}
		}
		if kind > 1 {
			i += int(l)
		} else {
			i++
		}
	}
	return stat
}

// MPTCP option subtypes.
const (
	mpCapable = 0x0
	mpJoin    = 0x1
	mpDSS     = 0x2
	mpAddAddr = 0x3
	mpRemAddr = 0x4
	mpPrio    = 0x5
)

// mptcp records one MPTCP option (kind 30, length l) at off.
func (t *TCPFlags) mptcp(s *state, b []byte, off int, l uint8) {
	st := byteAt(b, off+2) >> 4
	s.mpTBF |= 1 << st
	v := &t.pkt // this packet's values (for -s)
	v.mpTyp = uint16(st)
	switch st {
	case mpCapable:
		v.mpF = byteAt(b, off+3)
		s.mpF |= v.mpF
	case mpJoin, mpPrio:
		if l <= 16 {
			v.mpF, v.mpAID = byteAt(b, off+2)&0x0f, byteAt(b, off+3)
			s.mpF |= v.mpF
			s.mpAID = v.mpAID
		}
	case mpDSS:
		v.mpDSSF = byteAt(b, off+3) & 0x1f
		s.mpDSSF |= v.mpDSSF
	case mpAddAddr, mpRemAddr:
		v.mpAID = byteAt(b, off+3)
		s.mpAID = v.mpAID
	}
	t.mpPkts++
}

// seqAck is the SEQ/ACK analysis: keep-alives, zero-window probes,
// duplicate ACKs, retransmissions, out-of-order and unseen segments, and
// the byte counters.
func (t *TCPFlags) seqAck(s, o *state, stat, anomaly uint16, hdr uint8, seq, ack, win, wsc uint32, l7Len uint16, gap packet.Time) (uint16, uint16) {
	if o != nil && hdr&fSynFinRst == 0 {
		if o.winLst == 0 && l7Len == 1 {
			stat |= statWin0Prb
		} else if o.statLst&statWin0Prb != 0 && win == 0 && l7Len == 0 {
			stat |= statWin0Ack
		}
	}
	probe := stat&(statWin0Prb|statWin0Ack) != 0
	if hdr&fACK != 0 && !probe {
		if l7Len <= 1 && hdr&fSynFinRst == 0 {
			if seq == s.seqMax-1 {
				anomaly |= aKeepAlive
			} else if o != nil && o.seqN == ack-1 {
				anomaly |= aKeepAck
			}
		}
		if s.ackT == ack && anomaly&(aKeepAlive|aKeepAck) == 0 {
			if stat&statIntDisOK != 0 && hdr&fSynFinRst == 0 && l7Len == 0 {
				if s.winLst == win || (stat&statWSUsed != 0 && s.winLst*wsc == win) {
					anomaly |= aDupAck
					s.ackFault++
				} else if seq == s.seqN {
					stat |= statWinUpd
				}
			}
			if hdr&fSynFinRst == 0 && seq < s.seqMax {
				anomaly |= aSeqOutOrd
			} else if seq < s.seqN {
				var retry bool
				if t.cfg.rtt {
					retry = o != nil && float64(secs(gap)) > float64(o.rttAvg+s.rttAvg)*retryFactor
				} else {
					retry = secs(gap) > 1.0
				}
				if retry && s.winLst == win {
					anomaly |= aSeqTRetry
					t.pktTot.seqRetry++
					s.seqFault++
				}
			}
			if o != nil && o.anomalyLst&aDupAck != 0 && seq == o.ackT {
				if (l7Len > 0 || hdr&(fSYN|fFIN) != 0) && seq < s.seqN {
					anomaly |= aSeqFRetry
					t.pktTot.seqRetry++
					s.seqFault++
				}
			}
			if o != nil && o.ackT > seq {
				anomaly |= aSeqMess
			}
		}
		if seq == s.seqN {
			s.pSeqCnt++
		}
		if o != nil && o.seqMax < ack {
			anomaly |= aAckUnseen
			s.ackFault++
		}
		if s.flagsL&fSynFinRst == 0 && seq > s.seqMax {
			anomaly |= aPktNCap
		}
		if s.seqT != 0 {
			sd := int32(seq - s.seqT)
			var d int32
			if sd > 0 {
				d = sd
			}
			if s.flagsL&fSynFinRst != 0 && sd == 1 {
				d = 0
			}
			s.seqBytes += int64(d)
			t.pkt.sd, t.pkt.seqDiff = sd, d
		}
		if s.ackT != 0 {
			ad := int32(ack - s.ackT)
			var d int32
			if ad > 0 {
				d = ad
			}
			if (s.flagsL&fSynFinRst != 0 || (o != nil && o.flagsL&fSynFinRst != 0)) && ad == 1 {
				d = 0
			}
			s.ackBytes += int64(d)
			t.pkt.ad, t.pkt.ackDiff = ad, d
		}
		s.pAckCnt++
	}
	s.mLen += int64(l7Len)
	if o != nil && !probe && s.winTLen >= o.winLst {
		if o.flagsL&fRST == 0 && s.flags&fSYN != 0 {
			stat |= statWinFull
		}
	}
	if anomaly&aScan != 0 || s.anomaly&aScan != 0 {
		anomaly &^= aCounted
	}
	return stat, anomaly
}
