// Package icmpdecode is the icmpDecode plugin (T2 number 140): per-flow
// ICMP/ICMPv6 status, type and code bit fields, echo success ratio and
// the flow an ICMP error refers to; echo counts in the end report and a
// per type/code histogram in PREFIX_icmpStats.txt.
package icmpdecode

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/binary"
	"fmt"
	"os"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/ipproto"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

//go:embed icmpDecode.toml
var embedded []byte

var registration = plugin.Register(plugin.Descriptor{Defaults: embedded, Version: "0.9.3",
	New: func() plugin.Plugin { return &ICMPDecode{} }})

var (
	_ plugin.Initer         = (*ICMPDecode)(nil)
	_ plugin.FlowColumns    = (*ICMPDecode)(nil)
	_ plugin.NewFlowHandler = (*ICMPDecode)(nil)
	_ plugin.Layer4Handler  = (*ICMPDecode)(nil)
	_ plugin.FlowTerminator = (*ICMPDecode)(nil)
	_ plugin.Reporter       = (*ICMPDecode)(nil)
	_ plugin.Finisher       = (*ICMPDecode)(nil)

	_ plugin.ConcurrentTerminator = (*ICMPDecode)(nil)
)

// icmpStat bits.
const (
	statICMP    uint8 = 0x01
	statWang    uint8 = 0x10 // Microsoft bandwidth test echo request
	statSeqJump uint8 = 0x20 // echo sequence did not increase by 1
	statLoki    uint8 = 0x40 // LOKI covert channel sequence
	statSSH     uint8 = 0x80 // "OpenSSH" in an echo payload
)

type state struct {
	stat           uint8
	count          uint8 // wraps at 256, as T2's
	typH, typL     uint32
	codes          uint16
	tmGtw          uint32
	echoReq        uint32
	echoRep        uint32
	lastSeq        uint16
	seen           bool // an echo packet was seen (lastSeq valid)
	loki           bool
	parent         uint64
	parentSearched bool
}

// ICMPDecode is the plugin instance.
type ICMPDecode struct {
	fdcorr, parent, statFile bool
	noCode, suffix, prefix   string
	table                    *flow.Table
	c                        *counters.Counters
	// st is the state of ICMP flows (f.Key.Proto ICMP or ICMPv6, the
	// protocol of all their packets), cleared in their OnNewFlow: the
	// other flows (nearly all of them) never touch it, their columns
	// come from the flow key alone.
	st []state

	aggStat          uint8
	req4, rep4       uint64
	req6, rep6       uint64
	v4Types, v6Types [256][256]uint64 // by type and code (code < 256)
}

// Init reads the settings.
func (d *ICMPDecode) Init(env *plugin.Env) error {
	d.fdcorr = env.Settings.Bool("ICMP_FDCORR")
	d.parent = env.Settings.Bool("ICMP_PARENT")
	d.statFile = env.Settings.Bool("ICMP_STATFILE")
	d.noCode = env.Settings.String("ICMP_NOCODE")
	d.suffix = env.Settings.String("ICMP_SUFFIX")
	d.prefix = env.Prefix
	d.table = env.Table
	d.c = env.Counters
	if env.Table != nil {
		d.st = make([]state, env.Table.Capacity())
		flow.PerSlot(env.Table, d.st)
	}
	return nil
}

// Columns are T2's six flow columns.
func (d *ICMPDecode) Columns() []record.Column {
	c := []record.Column{
		{Name: "icmpStat", Type: "H8", Desc: "ICMP status"},
		{Name: "icmpTCcnt", Type: "U8", Desc: "ICMP type code count"},
		{Name: "icmpBFTypH_TypL_Code", Type: "H32_H32_H16", Desc: "ICMP Aggregated type H (IPv6>128, IPv4>31), L (<32) & code bit field"},
		{Name: "icmpTmGtw", Type: "H32", Desc: "ICMP time/gateway"},
		{Name: "icmpEchoSuccRatio", Type: "F", Desc: "ICMP Echo reply/request success ratio"},
	}
	if d.parent {
		c = append(c, record.Column{Name: "icmpPFindex", Type: "U64", Desc: "ICMP parent flowIndex"})
	}
	return c
}

func isICMP(proto uint8) bool { return proto == ipproto.ICMP || proto == ipproto.ICMPv6 }

// OnNewFlow clears the slot's state and applies the direction
// correction: an ICMP flow without opposite is a request (bit 0 clear)
// only when its first packet is an echo request. T2 does this for every
// other ICMP message too (a TTL-exceeded flow becomes a reply flow).
func (d *ICMPDecode) OnNewFlow(p *packet.Packet, f *flow.Flow) {
	if !isICMP(f.Key.Proto) {
		return
	}
	d.st[f.Slot] = state{}
	if !d.fdcorr || !isICMP(p.L4Proto) || f.Opposite != flow.None || p.L4Off < 0 {
		return
	}
	if (p.IPVer == 4 && p.ICMPType == 8) || (p.IPVer == 6 && p.ICMPType == 128) {
		f.Status &^= packet.L3FlowInvert
	} else {
		f.Status |= packet.L3FlowInvert
	}
}

// OnLayer4 inspects the first fragment of each ICMP packet.
func (d *ICMPDecode) OnLayer4(p *packet.Packet, f *flow.Flow) {
	if !isICMP(p.L4Proto) || !isICMP(f.Key.Proto) || p.L4Off < 0 {
		return
	}
	s := &d.st[f.Slot]
	s.stat |= statICMP
	s.count++
	t, code := p.ICMPType, p.ICMPCode
	hdr := p.Raw[p.L4Off:]
	v6 := p.IPVer == 6
	if v6 {
		if t < 32 {
			s.typL |= 1 << t
		} else if t >= 128 && t < 160 {
			s.typH |= 1 << (t - 128)
		}
		d.v6Types[t][code]++
	} else {
		if t < 32 {
			s.typL |= 1 << t
		} else {
			s.typH |= 1 << (t % 32)
		}
		d.v4Types[t][code]++
	}
	if code < 16 {
		s.codes |= 1 << code
	}
	req := (!v6 && t == 8) || (v6 && t == 128)
	rep := (!v6 && t == 0) || (v6 && t == 129)
	switch {
	case req || rep:
		if req {
			s.echoReq++
			if v6 {
				d.req6++
			} else {
				d.req4++
			}
		} else {
			s.echoRep++
			if v6 {
				d.rep6++
			} else {
				d.rep4++
			}
		}
		if len(hdr) >= 8 {
			seq := binary.BigEndian.Uint16(hdr[6:8])
			if !s.seen {
				s.loki = seq == 0xf001
			} else {
				if seq != s.lastSeq+1 {
					s.stat |= statSeqJump
				}
				if seq != 0xf001 {
					s.loki = false
				}
			}
			s.seen, s.lastSeq = true, seq
			body := hdr[8:]
			if req && len(body) >= 11 && string(body[6:11]) == "WANG2" {
				s.stat |= statWang
			}
			if len(body) > 40 && bytes.Contains(body[40:], []byte("OpenSSH")) {
				s.stat |= statSSH
			}
		}
	case !v6 && (t == 13 || t == 14):
		if len(hdr) >= 8 {
			s.tmGtw = binary.LittleEndian.Uint32(hdr[4:8])
		}
	}
	if d.parent && !s.parentSearched && isError(v6, t) {
		s.parentSearched = true
		s.parent = d.findParent(p, f, hdr)
	}
}

// isError tells whether an ICMP type quotes the packet it answers.
func isError(v6 bool, t uint8) bool {
	if v6 {
		return t >= 1 && t <= 4
	}
	return t == 3 || t == 4 || t == 5 || t == 11
}

// findParent looks up the flow of the packet an ICMP error quotes (the
// IP header and first bytes after the 8-byte ICMP header) and returns
// its index, or 0 when the quote is cut or the flow is not in the table.
func (d *ICMPDecode) findParent(p *packet.Packet, f *flow.Flow, hdr []byte) uint64 {
	if d.table == nil || len(hdr) < 8 {
		return 0
	}
	q := hdr[8:]
	k := flow.Key{VLAN: f.Key.VLAN, EthType: f.Key.EthType, IPVer: p.IPVer}
	var l4 []byte
	if p.IPVer == 4 {
		if len(q) < 20 || q[0]>>4 != 4 {
			return 0
		}
		ihl := int(q[0]&0x0f) * 4
		if ihl < 20 || len(q) < ihl {
			return 0
		}
		k.Proto = q[9]
		copy(k.SrcIP[:4], q[12:16])
		copy(k.DstIP[:4], q[16:20])
		l4 = q[ihl:]
	} else {
		if len(q) < 40 || q[0]>>4 != 6 {
			return 0
		}
		k.Proto = q[6]
		copy(k.SrcIP[:], q[8:24])
		copy(k.DstIP[:], q[24:40])
		l4 = q[40:]
	}
	switch k.Proto {
	case ipproto.TCP, ipproto.UDP, ipproto.SCTP, ipproto.UDPLite:
		if len(l4) < 4 {
			return 0
		}
		k.SrcPort = binary.BigEndian.Uint16(l4[0:2])
		k.DstPort = binary.BigEndian.Uint16(l4[2:4])
	}
	if pf := d.table.Lookup(&k); pf != nil {
		return pf.Index
	}
	return 0
}

// ConcurrentTerminate implements plugin.ConcurrentTerminator:
// OnFlowTerminate reads f, the state of f's slot and its opposite's and
// the settings, writes the Loki bit in its own state, and aggStat is
// written by no other hook (Report reads it). The echo counters and type
// histograms, which OnLayer4 updates, are not touched.
func (d *ICMPDecode) ConcurrentTerminate() {}

// OnFlowTerminate writes the columns. The opposite flow's state is still
// there: a pair is written before either slot is reused, and state is
// cleared in OnNewFlow. An opposite flow has the flow's protocol.
func (d *ICMPDecode) OnFlowTerminate(f *flow.Flow, w *record.Writer) {
	if !isICMP(f.Key.Proto) {
		// No ICMP packet in either direction: every column is zero.
		w.AppendBlock(zeroColumns[b2i(d.parent)])
		return
	}
	s := &d.st[f.Slot]
	if s.loki && s.seen {
		s.stat |= statLoki
	}
	if d.aggStat|s.stat != d.aggStat { // no store for every flow (false sharing with the packet goroutine's counters)
		d.aggStat |= s.stat
	}
	w.H8(s.stat)
	w.U64(uint64(s.count))
	w.Field()
	w.AppendHex(uint64(s.typH), 8)
	w.Under()
	w.AppendHex(uint64(s.typL), 8)
	w.Under()
	w.AppendHex(uint64(s.codes), 4)
	w.H32(s.tmGtw)
	var ratio float32
	if f.Opposite != flow.None {
		o := &d.st[f.Opposite]
		if s.echoReq > 0 {
			ratio = float32(o.echoRep) / float32(s.echoReq)
		} else if o.echoRep > 0 {
			ratio = -float32(o.echoRep)
		}
	}
	w.F32(ratio)
	if d.parent {
		w.U64(s.parent)
	}
}

// zeroColumns are the columns of a flow of another protocol, without and with icmpPFindex (writeZero).
var zeroColumns = [2]*record.Block{
	record.NewBlock(func(w *record.Writer) { writeZero(w, false) }),
	record.NewBlock(func(w *record.Writer) { writeZero(w, true) }),
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// writeZero writes the columns of a flow without ICMP state in either
// direction: all zero, with the same value types as OnFlowTerminate (a
// JSON sink renders by type).
func writeZero(w *record.Writer, parent bool) {
	w.H8(0)
	w.U64(0)
	w.Field()
	w.AppendHex(0, 8)
	w.Under()
	w.AppendHex(0, 8)
	w.Under()
	w.AppendHex(0, 4)
	w.H32(0)
	w.F32(0)
	if parent {
		w.U64(0)
	}
}

// Report prints the aggregated status and the echo counts.
func (d *ICMPDecode) Report(r *report.Writer) {
	if d.aggStat == 0 {
		return
	}
	name := registration.Name
	r.Plugin(name, "Aggregated icmpStat=0x%02x", d.aggStat)
	c := r.C
	if c == nil {
		c = d.c
	}
	var n4, n6 uint64
	if c != nil {
		n4, n6 = c.PktsL3[ipproto.ICMP], c.PktsL3[ipproto.ICMPv6]
	}
	d.reportBlock(r, "ICMP", d.req4, d.rep4, n4)
	d.reportBlock(r, "ICMPv6", d.req6, d.rep6, n6)
}

func (d *ICMPDecode) reportBlock(r *report.Writer, v string, req, rep, total uint64) {
	if total == 0 {
		return
	}
	name := registration.Name
	if req > 0 {
		r.Plugin(name, "Number of %s echo request packets: %s%s", v, report.Num(req), report.Pct(float64(req), float64(total)))
	}
	if rep > 0 {
		r.Plugin(name, "Number of %s echo reply packets: %s%s", v, report.Num(rep), report.Pct(float64(rep), float64(total)))
	}
	if req > 0 && rep > 0 {
		r.Plugin(name, "%s echo reply / request ratio: %.2f", v, float64(rep)/float64(req))
	}
}

// Finish writes PREFIX_icmpStats.txt.
func (d *ICMPDecode) Finish() error {
	if !d.statFile || d.c == nil {
		return nil
	}
	name := d.prefix + d.suffix
	f, err := os.Create(name)
	if err != nil {
		return fmt.Errorf("icmpDecode: %v", err)
	}
	w := bufio.NewWriter(f)
	d.writeStats(w)
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("icmpDecode: %s: %v", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("icmpDecode: %s: %v", name, err)
	}
	return nil
}

func pct(v, total uint64) float64 {
	if total == 0 {
		return 0
	}
	return 100 * float64(v) / float64(total)
}

func (d *ICMPDecode) writeStats(w *bufio.Writer) {
	c := d.c
	n4, n6 := c.PktsL3[ipproto.ICMP], c.PktsL3[ipproto.ICMPv6]
	fmt.Fprintf(w, "Total number of ICMP packets: %d [%.2f%%]\n", n4+n6, pct(n4+n6, c.Packets))
	if n4+n6 == 0 {
		return
	}
	w.WriteString("\n")
	if n4 > 0 {
		fmt.Fprintf(w, "Number of ICMP packets: %d [%.2f%%]\n", n4, pct(n4, c.Packets))
	}
	if n6 > 0 {
		fmt.Fprintf(w, "Number of ICMPv6 packets: %d [%.2f%%]\n", n6, pct(n6, c.Packets))
	}
	w.WriteString("\n")
	if d.req4 > 0 && d.rep4 > 0 {
		fmt.Fprintf(w, "ICMP echo reply / request ratio: %5.3f\n", float64(d.rep4)/float64(d.req4))
	}
	if d.req6 > 0 && d.rep6 > 0 {
		fmt.Fprintf(w, "ICMPv6 echo reply / request ratio: %5.3f\n", float64(d.rep6)/float64(d.req6))
	}
	w.WriteString("\n")
	row := func(t, code string, n, total uint64) {
		if n > 0 {
			fmt.Fprintf(w, "%s\t%s\t%30d [%6.02f%%]\n", t, code, n, pct(n, total))
		}
	}
	table := func(rows []statRow, counts *[256][256]uint64, total uint64) {
		for _, r := range rows {
			if r.codes == nil {
				var n uint64
				for _, v := range counts[r.typ] {
					n += v
				}
				row(r.name, d.noCode, n, total)
				continue
			}
			for code, cn := range r.codes {
				row(r.name, cn, counts[r.typ][code], total)
			}
		}
	}
	if n4 > 0 {
		w.WriteString("# ICMP Type\tCode\t                       Packets\n")
		table(v4Rows, &d.v4Types, n4)
		w.WriteString("\n")
	}
	if n6 > 0 {
		w.WriteString("# ICMPv6 Type\tCode\t                       Packets\n")
		table(v6Rows, &d.v6Types, n6)
		listed := map[uint8]bool{}
		for _, r := range v6Rows {
			listed[r.typ] = true
		}
		for t := 0; t < 255; t++ {
			if listed[uint8(t)] {
				continue
			}
			if nm, ok := v6Names[uint8(t)]; ok {
				var n uint64
				for _, v := range d.v6Types[t] {
					n += v
				}
				row(nm, d.noCode, n, n6)
				continue
			}
			for code := 0; code < 8; code++ {
				row(fmt.Sprint(t), fmt.Sprint(code), d.v6Types[t][code], n6)
			}
		}
	}
}
