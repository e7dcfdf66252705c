// Package connstat is the connStat plugin (T2 number 500): capture-wide
// counters of live connections per host, host pair and (host, server
// port), written for each flow as they are when the flow is written.
package connstat

import (
	_ "embed"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

//go:embed connStat.toml
var embedded []byte

var registration = plugin.Register(plugin.Descriptor{Defaults: embedded, Version: "0.9.3",
	New: func() plugin.Plugin { return &ConnStat{} }})

var (
	_ plugin.Initer         = (*ConnStat)(nil)
	_ plugin.FlowColumns    = (*ConnStat)(nil)
	_ plugin.NewFlowHandler = (*ConnStat)(nil)
	_ plugin.Layer4Handler  = (*ConnStat)(nil)
	_ plugin.FlowTerminator = (*ConnStat)(nil)
	_ plugin.Reporter       = (*ConnStat)(nil)
)

type ip struct {
	a   [16]byte
	ver uint8
}

type pairKey struct{ s, d ip }

type portKey struct {
	s    ip
	port uint16
}

// hostEntry is one IP of the source table: its distinct destinations and
// the packets and bytes it sent.
type hostEntry struct {
	conn        uint32
	pkts, bytes uint64
}

// hostTable is the source (or destination) table. Its entries sit in
// slots handed out as T2's hash table does (fresh slots in order, freed
// slots reused last-freed first), so that an IP removed and inserted
// again in the same slot keeps its packet and byte counts, as in T2; an
// entry in a slot of another IP starts from zero (T2 inherits the other
// IP's counts there, a decided fix).
type hostTable struct {
	index map[ip]int32
	slots []hostEntry
	owner []ip
	gen   []uint32 // bumped when a slot's entry is removed
	free  []int32
}

func newHostTable(n int) hostTable {
	return hostTable{index: make(map[ip]int32, n), slots: make([]hostEntry, 0, n),
		owner: make([]ip, 0, n), gen: make([]uint32, 0, n), free: make([]int32, 0, n)}
}

func (t *hostTable) get(k ip) *hostEntry {
	if i, ok := t.index[k]; ok {
		return &t.slots[i]
	}
	return nil
}

// lookup returns k's slot, or -1.
func (t *hostTable) lookup(k ip) int32 {
	if i, ok := t.index[k]; ok {
		return i
	}
	return -1
}

// insert adds k with zero connections.
func (t *hostTable) insert(k ip) *hostEntry { return &t.slots[t.insertSlot(k)] }

func (t *hostTable) insertSlot(k ip) int32 {
	var i int32
	if n := len(t.free); n > 0 {
		i = t.free[n-1]
		t.free = t.free[:n-1]
		if t.owner[i] != k {
			t.slots[i] = hostEntry{}
			t.owner[i] = k
		}
		t.slots[i].conn = 0
	} else {
		i = int32(len(t.slots))
		t.slots = append(t.slots, hostEntry{})
		t.owner = append(t.owner, k)
		t.gen = append(t.gen, 0)
	}
	t.index[k] = i
	return i
}

func (t *hostTable) remove(k ip) {
	if i, ok := t.index[k]; ok {
		delete(t.index, k)
		t.gen[i]++
		t.free = append(t.free, i)
	}
}

type norm struct {
	s, d ip
	port uint16
	ok   bool
	// own is the source-table slot of the flow's own source IP, valid
	// while the slot's generation is ownGen (saves a map lookup per
	// packet).
	own    int32
	ownGen uint32
}

// ConnStat is the plugin instance.
type ConnStat struct {
	hsdrm, sdipMax, pbn bool
	c                   *counters.Counters

	src, dst hostTable
	pairs    map[pairKey]uint32
	ports    map[portKey]uint32
	flows    []norm // per flow slot: its normalised key at creation

	newSrc, newDst, creations uint64
	maxPair, maxPort          uint32
	maxSrc, maxDst            uint32
	maxSrcIP, maxDstIP        ip
	talkP, talkB              uint64
	talkPIP, talkBIP          ip
}

// Init reads the settings and sizes the tables from the flow table.
func (c *ConnStat) Init(env *plugin.Env) error {
	c.hsdrm = env.Settings.Bool("CS_HSDRM")
	c.sdipMax = env.Settings.Bool("CS_SDIPMAX")
	c.pbn = env.Settings.Bool("CS_PBNMAX")
	c.c = env.Counters
	n := 1024
	if env.Table != nil {
		n = env.Table.Capacity()
	}
	c.src, c.dst = newHostTable(n), newHostTable(n)
	c.pairs = make(map[pairKey]uint32, n)
	c.ports = make(map[portKey]uint32, n)
	c.flows = make([]norm, n)
	return nil
}

// Columns are T2's eight columns (CS_PBNMAX=0 drops the last two).
func (c *ConnStat) Columns() []record.Column {
	cols := []record.Column{
		{Name: "connSip", Type: "U32", Desc: "Number of unique source IPs"},
		{Name: "connDip", Type: "U32", Desc: "Number of unique destination IPs"},
		{Name: "connSipDip", Type: "U32", Desc: "Number of connections between source and destination IP"},
		{Name: "connSipDprt", Type: "U32", Desc: "Number of connections between source IP and destination port"},
		{Name: "connF", Type: "F", Desc: "The 'f' number: connSipDprt / connSip [EXPERIMENTAL]"},
		{Name: "connG", Type: "F", Desc: "The 'g' number: connSipDprt / connSipDip [EXPERIMENTAL]"},
	}
	if c.pbn {
		cols = append(cols,
			record.Column{Name: "connNumPCnt", Type: "U64", Desc: "Number of unique IP's source packet count"},
			record.Column{Name: "connNumBCnt", Type: "U64", Desc: "Number of unique IP's source byte count"})
	}
	return cols
}

func srcOf(f *flow.Flow) ip { return ip{f.Key.SrcIP, f.Key.IPVer} }
func dstOf(f *flow.Flow) ip { return ip{f.Key.DstIP, f.Key.IPVer} }

// OnNewFlow adds the flow to the pair, host and port tables, normalised
// to the direction of the flow that opened the connection.
func (c *ConnStat) OnNewFlow(p *packet.Packet, f *flow.Flow) {
	n := &c.flows[f.Slot]
	*n = norm{}
	if p.IPVer == 0 {
		return
	}
	n.ok = true
	n.own = -1
	n.s, n.d, n.port = srcOf(f), dstOf(f), f.Key.DstPort
	if f.IsInverted() {
		n.s, n.d, n.port = dstOf(f), srcOf(f), f.Key.SrcPort
	}
	c.creations++
	pk := pairKey{n.s, n.d}
	if v, ok := c.pairs[pk]; ok {
		c.pairs[pk] = v + 1
		c.maxPair = max(c.maxPair, v+1)
	} else {
		c.pairs[pk] = 1
		c.maxPair = max(c.maxPair, 1)
		se := c.src.get(n.s)
		if se == nil {
			se = c.src.insert(n.s)
			c.newSrc++
		}
		se.conn++
		if se.conn > c.maxSrc {
			c.maxSrc, c.maxSrcIP = se.conn, n.s
		}
		de := c.dst.get(n.d)
		if de == nil {
			de = c.dst.insert(n.d)
			c.newDst++
		}
		de.conn++
		if de.conn > c.maxDst {
			c.maxDst, c.maxDstIP = de.conn, n.d
		}
	}
	rk := portKey{n.s, n.port}
	v := c.ports[rk] + 1
	c.ports[rk] = v
	c.maxPort = max(c.maxPort, v)
}

// OnLayer4 counts the packet for the flow's own source IP.
func (c *ConnStat) OnLayer4(p *packet.Packet, f *flow.Flow) {
	n := &c.flows[f.Slot]
	if !c.pbn || !n.ok {
		return
	}
	t := &c.src
	if n.own < 0 || t.gen[n.own] != n.ownGen {
		k := srcOf(f)
		n.own = t.lookup(k)
		if n.own < 0 {
			n.own = t.insertSlot(k)
		}
		n.ownGen = t.gen[n.own]
	}
	e := &t.slots[n.own]
	e.pkts++
	e.bytes += uint64(p.L7Len)
}

// OnFlowTerminate writes the counters as they are now, then removes the
// flow's contributions (CS_HSDRM).
func (c *ConnStat) OnFlowTerminate(f *flow.Flow, w *record.Writer) {
	n := &c.flows[f.Slot]
	if !n.ok {
		for i := 0; i < 6; i++ {
			w.U64(0)
		}
		if c.pbn {
			w.U64(0)
			w.U64(0)
		}
		return
	}
	var sConn, dConn uint32
	if e := c.src.get(n.s); e != nil {
		sConn = e.conn
	}
	if e := c.dst.get(n.d); e != nil {
		dConn = e.conn
	}
	connSip, connDip := sConn, dConn
	if f.IsInverted() {
		connSip, connDip = dConn, sConn
	}
	pk := pairKey{n.s, n.d}
	rk := portKey{n.s, n.port}
	pair, port := c.pairs[pk], c.ports[rk]
	w.U64(uint64(connSip))
	w.U64(uint64(connDip))
	w.U64(uint64(pair))
	w.U64(uint64(port))
	w.F32(ratio(port, connSip))
	w.F32(ratio(port, pair))
	if c.pbn {
		var pk, by uint64
		own := srcOf(f)
		if e := c.src.get(own); e != nil {
			pk, by = e.pkts, e.bytes
		}
		w.U64(pk)
		w.U64(by)
		if pk > c.talkP {
			c.talkP, c.talkPIP = pk, own
		}
		if by > c.talkB {
			c.talkB, c.talkBIP = by, own
		}
	}
	n.ok = false
	if !c.hsdrm {
		return
	}
	if port <= 1 {
		delete(c.ports, rk)
	} else {
		c.ports[rk] = port - 1
	}
	if pair > 1 {
		c.pairs[pk] = pair - 1
		return
	}
	delete(c.pairs, pk)
	if e := c.src.get(n.s); e != nil {
		if e.conn <= 1 {
			e.conn = 0
			c.src.remove(n.s)
		} else {
			e.conn--
		}
	}
	if e := c.dst.get(n.d); e != nil {
		if e.conn <= 1 {
			e.conn = 0
			c.dst.remove(n.d)
		} else {
			e.conn--
		}
	}
}

func ratio(a, b uint32) float32 {
	if b == 0 {
		return 0
	}
	return float32(a) / float32(b)
}

func (k ip) String() string { return string(record.AppendIP(nil, k.ver, &k.a)) }

// Report prints the maxima and the biggest talkers.
func (c *ConnStat) Report(r *report.Writer) {
	name := registration.Name
	if c.newSrc > 0 {
		r.Plugin(name, "Number of unique source IPs: %s", report.Num(c.newSrc))
	}
	if c.newDst > 0 {
		r.Plugin(name, "Number of unique destination IPs: %s", report.Num(c.newDst))
	}
	pairs := uint64(c.maxPair)
	if !c.sdipMax {
		pairs = c.creations
	}
	if pairs > 0 {
		r.Plugin(name, "Number of unique source/destination IPs connections: %s", report.Num(pairs))
	}
	if c.maxPort > 0 {
		r.Plugin(name, "Max unique number of source IP / destination port connections: %s", report.Num(uint64(c.maxPort)))
	}
	if c.newSrc > 0 && c.maxPort > 0 {
		r.Plugin(name, "IP connF=connSipDprt/connSip: %f", float64(c.maxPort)/float64(c.newSrc))
	}
	if pairs > 0 && c.maxPort > 0 {
		r.Plugin(name, "IP connG=connSipDprt/connSipDip: %f", float64(c.maxPort)/float64(pairs))
	}
	if c.maxSrc > 0 {
		r.Plugin(name, "Source IP with max connections: %s: %d connections", c.maxSrcIP, c.maxSrc)
	}
	if c.maxDst > 0 {
		r.Plugin(name, "Destination IP with max connections: %s: %d connections", c.maxDstIP, c.maxDst)
	}
	if !c.pbn {
		return
	}
	var pkts, bytes float64
	if k := c.c; k != nil {
		pkts, bytes = float64(k.Packets), float64(k.ABytes+k.BBytes)
	}
	if c.talkP > 0 {
		r.Plugin(name, "Biggest L3 talker: %s: %s%s packets", c.talkPIP, report.Num(c.talkP), report.Pct(float64(c.talkP), pkts))
	}
	if c.talkB > 0 {
		r.Plugin(name, "Biggest L3 talker: %s: %s%s bytes", c.talkBIP, report.Num(c.talkB), report.Pct(float64(c.talkB), bytes))
	}
}
