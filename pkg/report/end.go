package report

import (
	"strconv"
	"strings"
	"time"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/packet"
)

var (
	lineEq    = strings.Repeat("=", 80)
	lineDash  = strings.Repeat("-", 80)
	lineTilde = strings.Repeat("~", 80)
)

// flowStat / globalWarn bits the reports test (docs/flowstat.md).
const (
	fsL2NoEth      = 1 << 1
	fsL2Flow       = 1 << 2
	fsL2LLDP       = 1 << 5
	fsL2ARP        = 1 << 6
	fsL2RARP       = 1 << 7
	fsL2VLAN       = 1 << 8
	fsL2MPLSUcast  = 1 << 9
	fsL2MPLSMcast  = 1 << 10
	fsL2L2TP       = 1 << 11
	fsL2GRE        = 1 << 12
	fsL2PPP        = 1 << 13
	fsL2IPv4       = 1 << 14
	fsL2IPv6       = 1 << 15
	fsL3IPvX       = 1 << 16
	fsL3IPIP       = 1 << 17
	fsL3EthIPF     = 1 << 18
	fsL3Teredo     = 1 << 19
	fsL3AYIYA      = 1 << 20
	fsL3GTP        = 1 << 21
	fsL3VXLAN      = 1 << 22
	fsL3CAPWAP     = 1 << 23
	fsL4SCTP       = 1 << 24
	fsL4UPnP       = 1 << 25
	fsL2ERSPAN     = 1 << 26
	fsL2WCCP       = 1 << 27
	fsL7SIPRTP     = 1 << 28
	fsL3GENEVE     = 1 << 29
	fsL3IPsecAH    = 1 << 30
	fsL3IPsecESP   = 1 << 31
	fsL2SnapLen    = 1 << 32
	fsL3SnapLen    = 1 << 33
	fsL3HdrShort   = 1 << 34
	fsL4HdrShort   = 1 << 35
	fsIPv4Frag     = 1 << 36
	fsFragHdSeqErr = 1 << 38
	fsFragPending  = 1 << 39
	fsStopDissect  = 1 << 43
	fsDupIPID      = 1 << 44
	fsIPv4HLShort  = 1 << 46
	fsIPPLMismatch = 1 << 47
	fsHdrOverrun   = 1 << 48
	fsAlarm        = 1 << 49
	fsLandAttack   = 1 << 50
	fsTimeJump     = 1 << 51
	fsTorAddr      = 1 << 56
	fsVLAN0        = 1 << 57
	fsIPv4Pkt      = 1 << 58
	fsIPv6Pkt      = 1 << 59
	fsLAPDFlow     = 1 << 60
	fsL7DTLS       = 1 << 61
	fsPcapSnapped  = 1 << 63
)

// cum returns the cumulative counters (header statistics, globalWarn,
// progress): Total when the analyzer set it, else C.
func (s *State) cum() *counters.Counters {
	if s.Total != nil {
		return s.Total
	}
	return s.C
}

func (s *State) counters() *counters.Counters {
	if s.C != nil {
		return s.C
	}
	if s.Total != nil {
		return s.Total
	}
	return counters.New()
}

// noPacket reports whether the run has not seen a single packet.
func (s *State) noPacket() bool { return s.cum() == nil || s.cum().Packets == 0 }

// elapsed is the wall clock since just before the packet loop.
func (s *State) elapsed() packet.Time {
	now := s.now()
	if s.Start.IsZero() || now.Before(s.Start) {
		return 0
	}
	return packet.Time(now.Sub(s.Start))
}

// span returns end-start, or 0 when no packet was seen or the clock went
// backwards, so that no report prints a wrapped duration (the sane
// empty-capture report of docs/differences-from-t2.md).
func (s *State) span(start packet.Time) packet.Time {
	if s.noPacket() || s.ActTime < start {
		return 0
	}
	return s.ActTime - start
}

// WriteRunEnd writes the end-of-run lines: "Dump stop",
// "Total dump duration" and "Finished processing. Elapsed time".
//
// With no packet at all T2 0.9.3 prints "Dump stop : 0.000000000 sec
// (Thu 01 Jan 1970 ...)" and a duration of decades (0 minus the start
// time). For a sane empty-capture report (docs/differences-from-t2.md) we omit the
// Dump stop line, as there is no last packet, and print a duration of 0.
func WriteRunEnd(w *Writer, s *State) {
	if !s.noPacket() {
		w.Line("Dump stop : " + Date(s.ActTime, true))
	}
	w.Line("Total dump duration: " + Duration(s.span(s.FirstPacket)))
	w.Line("Finished processing. Elapsed time: " + Duration(s.elapsed()))
}

// WriteEnd writes the end report (monitoring=false), from
// "Finished unloading flow memory" through the globalWarn lines. All
// numbers come from s.C, which the analyzer fills with absolute counters;
// header statistics and globalWarn from s.Total (s.C when nil). s.Now is
// the wall clock of the call. w.C is set to s.C before s.Plugins runs,
// for the plugins' percentages.
func WriteEnd(w *Writer, s *State) {
	w.Line("Finished unloading flow memory. Time: " + Duration(s.elapsed()))
	writeInputEnd(w, s)
	writeBody(w, s, false)
}

// writeInputEnd is the end report's input block: the progress percentage
// for files, the libpcap counters for live captures.
func writeInputEnd(w *Writer, s *State) {
	if s.Input.Kind == InputLive {
		writePcapStats(w, &s.Input)
		return
	}
	if s.Input.TotalSize > 0 {
		w.Line("Percentage completed: " + strconv.FormatFloat(100*s.progress(), 'f', 2, 64) + "%")
	}
}

// progress is the fraction of the input read so far: pcap file header
// (24 bytes) per file, record header (16 bytes) per packet plus captured
// bytes, over the total input size; 1 when the size is unknown. The
// ratio is taken in single precision as T2 does, so the percentage and
// the remaining time match T2's to the last digit.
func (s *State) progress() float64 {
	if s.Input.TotalSize <= 0 {
		return 1
	}
	return float64(float32(s.bytesSoFar()) / float32(s.Input.TotalSize))
}

// bytesSoFar estimates the input bytes read so far. T2 prints it from a
// single-precision value (rounded to ~7 digits); we print it exactly.
func (s *State) bytesSoFar() uint64 {
	n := s.Input.Files
	if n < 1 {
		n = 1
	}
	t := s.cum()
	if t == nil {
		return 24 * uint64(n)
	}
	return 24*uint64(n) + t.BytesProcessed + 16*t.Packets
}

// writePcapStats writes the libpcap counters, each when non-zero, as a
// share of all packets libpcap saw.
func writePcapStats(w *Writer, in *Input) {
	if !in.HasStats {
		return
	}
	all := float64(in.Received) + float64(in.Dropped) + float64(in.IfDropped)
	if in.Received > 0 {
		w.Line("Number of packets received: " + strconv.FormatUint(in.Received, 10) + Pct(float64(in.Received), all))
	}
	if in.Dropped > 0 {
		w.Line("Number of packets dropped by the kernel: " + strconv.FormatUint(in.Dropped, 10) + Pct(float64(in.Dropped), all))
	}
	if in.IfDropped > 0 {
		w.Line("Number of packets dropped by the interface: " + strconv.FormatUint(in.IfDropped, 10) + Pct(float64(in.IfDropped), all))
	}
}

// num writes "label: N (suffix)" when v > 0.
func num(w *Writer, label string, v uint64) {
	if v > 0 {
		w.Line(label + ": " + Num(v))
	}
}

// pct writes "label: N (suffix) [p%]" when v > 0.
func pct(w *Writer, label string, v, base uint64) {
	if v > 0 {
		w.Line(label + ": " + Num(v) + Pct(float64(v), float64(base)))
	}
}

func ratio(a, b uint64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// rate writes "label: %.2f (suffix)" of v per second.
func rate(w *Writer, label string, v uint64, f float64) {
	w.Line(label + ": " + Float(float64(v)/f))
}

// bandwidth writes "label: %.0f b/s (suffix b/s)" of bytes*8 per second.
func bandwidth(w *Writer, label string, bytes uint64, f float64) {
	v := float64(bytes) * 8 / f
	b := []byte(label + ": ")
	b = strconv.AppendFloat(b, v, 'f', 0, 64)
	b = append(b, " b/s"...)
	b = appendFloatSuffix(b, v, "b/s")
	w.Line(string(b))
}

// writeBody writes the body of the end-report table;
// usr1 selects the USR1 variant (no pcap bytes, monitoring plugin lines,
// fill size line).
func writeBody(w *Writer, s *State, usr1 bool) {
	c := s.counters()
	t := s.cum()
	if t == nil {
		t = c
	}
	gw := t.GlobalWarn
	w.C = c

	num(w, "Number of processed packets", c.Packets)
	num(w, "Number of processed bytes", c.BytesProcessed)
	num(w, "Number of raw bytes", c.RawBytes)
	num(w, "Number of pad bytes", c.PadBytes)
	if !usr1 && s.Input.Kind != InputLive && s.Input.TotalSize > 0 {
		num(w, "Number of pcap bytes", uint64(s.Input.TotalSize))
	}
	// Unlike T2 0.9.3, the L2 packet count is diffed like every other
	// counter, so it is right in the end report after diff monitoring
	// (docs/differences-from-t2.md: every printed counter is diffed).
	pct(w, "Number of L2 packets", c.L2Packets, c.Packets)
	pct(w, "Number of IPv4 packets", c.V4Packets, c.Packets)
	pct(w, "Number of IPv6 packets", c.V6Packets, c.Packets)
	pct(w, "Number of IPvX packets", c.VxPackets, c.Packets)
	abPkts := c.APackets + c.BPackets
	if abPkts > 0 && c.Packets > abPkts {
		pct(w, "Number of packets without flow", c.Packets-abPkts, c.Packets)
	}
	pct(w, "Number of A packets", c.APackets, abPkts)
	pct(w, "Number of B packets", c.BPackets, abPkts)
	abBytes := c.ABytes + c.BBytes
	pct(w, "Number of A bytes", c.ABytes, abBytes)
	pct(w, "Number of B bytes", c.BBytes, abBytes)
	w.Line("<A packet load>: " + Float(ratio(c.ABytes, c.APackets)))
	w.Line("<B packet load>: " + Float(ratio(c.BBytes, c.BPackets)))

	if s.PluginReport {
		w.Line(lineDash)
		if s.Plugins != nil {
			s.Plugins(w)
		}
	}
	w.Line(lineDash)

	if !s.NoHdrDesc {
		// With no packet T2 prints the neutral minimum 65535; we print 0
		// (docs/differences-from-t2.md: a sane empty-capture report).
		lo, hi := uint64(t.MinHdrs), uint64(t.MaxHdrs)
		if t.HdrPackets == 0 || t.MinHdrs > t.MaxHdrs {
			lo, hi = 0, 0
		}
		w.Linef("Headers count: min: %d, max: %d, avg: %.2f", lo, hi, ratio(t.SumHdrs, t.HdrPackets))
	}
	if gw&fsL2VLAN != 0 {
		w.Linef("Max VLAN header count: %d", t.MaxVLAN)
	}
	if gw&(fsL2MPLSUcast|fsL2MPLSMcast) != 0 {
		w.Linef("Max MPLS header count: %d", t.MaxMPLS)
	}
	// Protocol lines read the full per-protocol arrays of the interval,
	// so every one is diffed, not only the monitored ones
	// (docs/differences-from-t2.md).
	pct(w, "Number of LLC packets", c.LLCPackets, c.Packets)
	pct(w, "Number of ARP packets", c.PktsL2[0x0806], c.Packets)
	pct(w, "Number of RARP packets", c.PktsL2[0x8035], c.Packets)
	pct(w, "Number of GRE packets", c.GREPackets, c.Packets)
	pct(w, "Number of LAPD packets", c.LAPDPackets, c.Packets)
	pct(w, "Number of Teredo packets", c.TeredoPackets, c.Packets)
	pct(w, "Number of AYIYA packets", c.AYIYAPackets, c.Packets)
	pct(w, "Number of IGMP packets", c.PktsL3[2], c.Packets)
	pct(w, "Number of ICMP packets", c.PktsL3[1], c.Packets)
	pct(w, "Number of ICMPv6 packets", c.PktsL3[58], c.Packets)
	pct(w, "Number of TCP packets", c.PktsL3[6], c.Packets)
	pct(w, "Number of TCP bytes", c.BytesL3[6], c.BytesProcessed)
	pct(w, "Number of UDP packets", c.PktsL3[17], c.Packets)
	pct(w, "Number of UDP bytes", c.BytesL3[17], c.BytesProcessed)
	if gw&fsL4SCTP != 0 {
		pct(w, "Number of SCTP packets", c.PktsL3[132], c.Packets)
		pct(w, "Number of SCTP bytes", c.BytesL3[132], c.BytesProcessed)
	}
	pct(w, "Number of DTLS packets", c.DTLSPackets, c.Packets)
	pct(w, "Number of IPv4 fragmented packets", c.FragV4Packets, c.V4Packets)
	pct(w, "Number of IPv6 fragmented packets", c.FragV6Packets, c.V6Packets)
	w.Line(lineTilde)

	start := s.FirstPacket
	if usr1 {
		start = s.IntervalStart
	}
	f := s.span(start).Seconds()

	flows := c.Flows()
	if flows > 0 {
		num(w, "Number of processed      flows", flows)
		pct(w, "Number of processed L2   flows", c.L2Flows, flows)
		pct(w, "Number of processed IPv4 flows", c.V4Flows, flows)
		pct(w, "Number of processed IPv6 flows", c.V6Flows, flows)
		pct(w, "Number of processed A    flows", c.AFlows, flows)
		pct(w, "Number of processed B    flows", c.BFlows, flows)
		// Signed: in a diff report more unanswered flows may be released
		// than A flows were created in the interval.
		req := int64(c.AFlows) - int64(c.CorrReplFlows)
		rep := int64(c.BFlows) + int64(c.CorrReplFlows)
		if req > 0 {
			pct(w, "Number of request        flows", uint64(req), flows)
		}
		if rep > 0 {
			pct(w, "Number of reply          flows", uint64(rep), flows)
		}
		w.Linef("Total   A/B    flow asymmetry: %.2f", (float64(c.AFlows)-float64(c.BFlows))/float64(flows))
		w.Linef("Total req/rply flow asymmetry: %.2f", float64(req-rep)/float64(flows))
		if abPkts > 0 {
			w.Line("Number of processed A+B packets/A+B flows: " + Float(ratio(abPkts, flows)))
		}
		if c.AFlows > 0 {
			w.Line("Number of processed A   packets/A   flows: " + Float(ratio(c.APackets, c.AFlows)))
		}
		if c.BFlows > 0 {
			w.Line("Number of processed   B packets/  B flows: " + Float(ratio(c.BPackets, c.BFlows)))
		}
	}
	if f > 0 {
		rate(w, "Number of processed total packets/s", c.Packets, f)
		if abPkts > 0 {
			rate(w, "Number of processed A+B   packets/s", abPkts, f)
			if c.APackets > 0 {
				rate(w, "Number of processed A     packets/s", c.APackets, f)
			}
			if c.BPackets > 0 {
				rate(w, "Number of processed   B   packets/s", c.BPackets, f)
			}
		}
	}
	w.Line(lineTilde)

	if f > 0 {
		rate(w, "<Number of processed flows/s>", flows, f)
		bandwidth(w, "<Bandwidth>", c.BytesOnWire, f)
		if gw&(fsL2SnapLen|fsL3SnapLen) != 0 {
			bandwidth(w, "<Snapped bandwidth>", c.BytesProcessed, f)
		}
		bandwidth(w, "<Raw bandwidth>", c.RawBytes, f)
	}
	if usr1 {
		w.Line("Fill size of main hash map: " + strconv.Itoa(s.FlowsInMemory) + Pct(float64(s.FlowsInMemory), float64(s.Capacity)))
	}
	if s.MaxFlows > 0 {
		w.Line("Max number of flows in memory: " + Num(uint64(s.MaxFlows)) + Pct(float64(s.MaxFlows), float64(s.Capacity)))
	}
	pct(w, "Number of flows terminated by autopilot", c.RmFlows, flows)
	w.Linef("Memory usage: %.2f GB%s", float64(s.PeakRSSKB)/1e6, Pct(float64(s.PeakRSSKB), float64(s.PhysMemKB)))
	w.Linef("Aggregated flowStat=0x%016x", gw)
	if c.Alarms > 0 {
		w.Warn("%s alarms in %s flows%s", Num(c.Alarms), Num(c.AlarmFlows), Pct(float64(c.AlarmFlows), float64(flows)))
	}
	writeWarnLines(w, gw, s.FragIgnoreTrailing)
}

type warnLine struct {
	bits uint64
	text string
}

// Lines derived from globalWarn, in T2's order (bits: docs/flowstat.md).
var (
	wrnLines = []warnLine{
		{fsL2SnapLen, "L2 header snapped"},
		{fsL3SnapLen, "L3 SnapLength < Length in IP header"},
		{fsL3HdrShort, "L3 header snapped"},
		{fsL4HdrShort, "L4 header snapped"},
		{fsLandAttack, "Land attack"},
		{fsTimeJump, "Timestamp jump, probably due to multi-path packet delay or NTP operation"},
		{fsDupIPID, "Consecutive duplicate IP ID"},
		{fsPcapSnapped, "PCAP packet length > IO_BUFFER_MAX_MTU, caplen reduced"},
		{fsHdrOverrun, "Header description overrun"},
		{fsL3IPvX, "IPvX L3 header bogus packets"},
		{fsIPv4HLShort, "IPv4 header length < 20 bytes"},
		{fsIPPLMismatch, "IPv4/6 payload length > framing length"},
		{fsFragHdSeqErr, "IPv4/6 fragmentation header packet missing"},
		{fsFragPending, "IPv4/6 packet fragmentation sequence not finished"},
	}
	infLines = []warnLine{
		{fsStopDissect, "Stop dissecting: Clipped packet, unhandled protocol or subsequent fragment"},
		{fsL2Flow, "Layer 2 flows"},
		{fsLAPDFlow, "LAPD flows"},
		{fsL2IPv4 | fsIPv4Pkt, "IPv4 flows"},
		{fsL2IPv6 | fsIPv6Pkt, "IPv6 flows"},
		{fsL4SCTP, "SCTP"},
		{fsL2NoEth, "No Ethernet header"},
		{fsL2ARP, "ARP"},
		{fsL2RARP, "RARP"},
		{fsL2LLDP, "LLDP"},
		{fsL3EthIPF, "EtherIP"},
		{fsL2VLAN, "VLAN encapsulation"},
		{fsVLAN0, "VLAN ID 0 (priority tag)"},
		{fsIPv4Frag, "IPv4/6 fragmentation"},
		{fsL3IPIP, "IPv4/6 in IPv4/6"},
		{fsL3VXLAN, "VXLAN encapsulation"},
		{fsL3GENEVE, "GENEVE encapsulation"},
		{fsL2MPLSUcast | fsL2MPLSMcast, "MPLS encapsulation"},
		{fsL2L2TP, "L2TP encapsulation"},
		{fsL2PPP, "PPP/HDLC encapsulation"},
		{fsL2GRE, "GRE encapsulation"},
		{fsL2ERSPAN, "ERSPAN encapsulation"},
		{fsL2WCCP, "WCCP encapsulation"},
		{fsL3AYIYA, "AYIYA tunnel"},
		{fsL3GTP, "GTP tunnel"},
		{fsL3Teredo, "Teredo tunnel"},
		{fsL3CAPWAP, "CAPWAP/LWAPP tunnel"},
		{fsL3IPsecAH, "IPsec AH"},
		{fsL3IPsecESP, "IPsec ESP"},
		{fsL4UPnP, "SSDP/UPnP"},
		{fsL7SIPRTP, "SIP/RTP"},
		{fsL7DTLS, "DTLS"},
		{fsTorAddr, "Tor addresses"},
		{fsAlarm, "IPAlarm"},
	}
)

// writeWarnLines writes the [WRN] then the [INF] lines for the bits set
// in gw.
func writeWarnLines(w *Writer, gw uint64, fragIgnoreTrailing bool) {
	for _, l := range wrnLines {
		if gw&l.bits == 0 {
			continue
		}
		if l.bits == fsFragHdSeqErr && fragIgnoreTrailing {
			w.Warn("%s, trailing packets ignored", l.text)
			continue
		}
		w.Warn("%s", l.text)
	}
	for _, l := range infLines {
		if gw&l.bits != 0 {
			w.Info("%s", l.text)
		}
	}
}

// now returns s.Now, or the current time when the analyzer left it unset.
func (s *State) now() time.Time {
	if s.Now.IsZero() {
		return time.Now()
	}
	return s.Now
}
