package connstat

// This file keeps the first, map-based implementation of connStat as a
// reference model: TestMatchesReference drives it and the plugin with the
// same random flows and compares every column and report value.

import (
	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
)

type refIP struct {
	a   [16]byte
	ver uint8
}

type refPairKey struct{ s, d refIP }

type refPortKey struct {
	s    refIP
	port uint16
}

// refHostEntry is one IP of the source table: its distinct destinations and
// the packets and bytes it sent.
type refHostEntry struct {
	conn        uint32
	pkts, bytes uint64
}

// refHostTable is the source (or destination) table. Its entries sit in
// slots handed out as T2's hash table does (fresh slots in order, freed
// slots reused last-freed first), so that an IP removed and inserted
// again in the same slot keeps its packet and byte counts, as in T2; an
// entry in a slot of another IP starts from zero (T2 inherits the other
// IP's counts there, a decided fix).
type refHostTable struct {
	index map[refIP]int32
	slots []refHostEntry
	owner []refIP
	gen   []uint32 // bumped when a slot's entry is removed
	free  []int32
}

func newRefHostTable(n int) refHostTable {
	return refHostTable{index: make(map[refIP]int32, n), slots: make([]refHostEntry, 0, n),
		owner: make([]refIP, 0, n), gen: make([]uint32, 0, n), free: make([]int32, 0, n)}
}

func (t *refHostTable) get(k refIP) *refHostEntry {
	if i, ok := t.index[k]; ok {
		return &t.slots[i]
	}
	return nil
}

// lookup returns k's slot, or -1.
func (t *refHostTable) lookup(k refIP) int32 {
	if i, ok := t.index[k]; ok {
		return i
	}
	return -1
}

// insert adds k with zero connections.
func (t *refHostTable) insert(k refIP) *refHostEntry { return &t.slots[t.insertSlot(k)] }

func (t *refHostTable) insertSlot(k refIP) int32 {
	var i int32
	if n := len(t.free); n > 0 {
		i = t.free[n-1]
		t.free = t.free[:n-1]
		if t.owner[i] != k {
			t.slots[i] = refHostEntry{}
			t.owner[i] = k
		}
		t.slots[i].conn = 0
	} else {
		i = int32(len(t.slots))
		t.slots = append(t.slots, refHostEntry{})
		t.owner = append(t.owner, k)
		t.gen = append(t.gen, 0)
	}
	t.index[k] = i
	return i
}

func (t *refHostTable) remove(k refIP) {
	if i, ok := t.index[k]; ok {
		delete(t.index, k)
		t.gen[i]++
		t.free = append(t.free, i)
	}
}

type refNorm struct {
	s, d refIP
	port uint16
	ok   bool
	// own is the source-table slot of the flow's own source IP, valid
	// while the slot's generation is ownGen (saves a map lookup per
	// packet).
	own    int32
	ownGen uint32
}

// refConnStat is the plugin instance.
type refConnStat struct {
	hsdrm, sdipMax, pbn bool
	c                   *counters.Counters

	src, dst refHostTable
	pairs    map[refPairKey]uint32
	ports    map[refPortKey]uint32
	flows    []refNorm // per flow slot: its refNormalised key at creation

	newSrc, newDst, creations uint64
	maxPair, maxPort          uint32
	maxSrc, maxDst            uint32
	maxSrcIP, maxDstIP        refIP
	talkP, talkB              uint64
	talkPIP, talkBIP          refIP
}

// Init reads the settings and sizes the tables from the flow table.
func (c *refConnStat) Init(env *plugin.Env) error {
	c.hsdrm = env.Settings.Bool("CS_HSDRM")
	c.sdipMax = env.Settings.Bool("CS_SDIPMAX")
	c.pbn = env.Settings.Bool("CS_PBNMAX")
	c.c = env.Counters
	n := 1024
	if env.Table != nil {
		n = env.Table.Capacity()
	}
	c.src, c.dst = newRefHostTable(n), newRefHostTable(n)
	c.pairs = make(map[refPairKey]uint32, n)
	c.ports = make(map[refPortKey]uint32, n)
	c.flows = make([]refNorm, n)
	return nil
}

func refSrcOf(f *flow.Flow) refIP { return refIP{f.Key.SrcIP, f.Key.IPVer} }
func refDstOf(f *flow.Flow) refIP { return refIP{f.Key.DstIP, f.Key.IPVer} }

// OnNewFlow adds the flow to the pair, host and port tables, refNormalised
// to the direction of the flow that opened the connection.
func (c *refConnStat) OnNewFlow(p *packet.Packet, f *flow.Flow) {
	n := &c.flows[f.Slot]
	*n = refNorm{}
	if p.IPVer == 0 {
		return
	}
	n.ok = true
	n.own = -1
	n.s, n.d, n.port = refSrcOf(f), refDstOf(f), f.Key.DstPort
	if f.IsInverted() {
		n.s, n.d, n.port = refDstOf(f), refSrcOf(f), f.Key.SrcPort
	}
	c.creations++
	pk := refPairKey{n.s, n.d}
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
	rk := refPortKey{n.s, n.port}
	v := c.ports[rk] + 1
	c.ports[rk] = v
	c.maxPort = max(c.maxPort, v)
}

// OnLayer4 counts the packet for the flow's own source IP.
func (c *refConnStat) OnLayer4(p *packet.Packet, f *flow.Flow) {
	n := &c.flows[f.Slot]
	if !c.pbn || !n.ok {
		return
	}
	t := &c.src
	if n.own < 0 || t.gen[n.own] != n.ownGen {
		k := refSrcOf(f)
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
func (c *refConnStat) OnFlowTerminate(f *flow.Flow, w *record.Writer) {
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
	pk := refPairKey{n.s, n.d}
	rk := refPortKey{n.s, n.port}
	pair, port := c.pairs[pk], c.ports[rk]
	w.U64(uint64(connSip))
	w.U64(uint64(connDip))
	w.U64(uint64(pair))
	w.U64(uint64(port))
	w.F32(refRatio(port, connSip))
	w.F32(refRatio(port, pair))
	if c.pbn {
		var pk, by uint64
		own := refSrcOf(f)
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

func refRatio(a, b uint32) float32 {
	if b == 0 {
		return 0
	}
	return float32(a) / float32(b)
}
