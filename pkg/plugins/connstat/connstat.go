// Package connstat is the connStat plugin (T2 number 500): capture-wide
// counters of live connections per host, host pair and (host, server
// port), written for each flow as they are when the flow is written.
package connstat

import (
	_ "embed"
	"encoding/binary"
	"math/bits"
	"unsafe"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/prefetch"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

//go:embed connStat.toml
var embedded []byte

var registration = plugin.Register(plugin.Descriptor{Defaults: embedded, Version: "0.9.3",
	New: func() plugin.Plugin { return &ConnStat{} }})

var (
	_ plugin.Initer               = (*ConnStat)(nil)
	_ plugin.FlowColumns          = (*ConnStat)(nil)
	_ plugin.NewFlowHandler       = (*ConnStat)(nil)
	_ plugin.Layer4Handler        = (*ConnStat)(nil)
	_ plugin.FlowTerminator       = (*ConnStat)(nil)
	_ plugin.FlowReleaser         = (*ConnStat)(nil)
	_ plugin.ConcurrentTerminator = (*ConnStat)(nil)
	_ plugin.Reporter             = (*ConnStat)(nil)
	_ plugin.Prefetcher           = (*ConnStat)(nil)
	_ plugin.ReleasePrefetcher    = (*ConnStat)(nil)
	_ plugin.NewFlowPrefetcher    = (*ConnStat)(nil)
)

type ip struct {
	a   [16]byte
	ver uint8
}

// eq reports whether k is o, field by field: == on the 17-byte struct
// loads it in overlapping 16-byte halves, which stall on store
// forwarding when k was just written field by field.
func (k *ip) eq(o *ip) bool { return k.a == o.a && k.ver == o.ver }

// The three tables (hosts, host pairs, (source host, port)) share one
// scheme, built for this plugin instead of Go maps: the entries live in a
// slice at stable indices (slot 0 is a dummy, so 0 means "none"), freed
// entries are reused last-freed first, and an open-addressing index
// (power-of-two size, linear probing, backward-shift deletion) maps a
// key's hash to its entry. An index cell holds the top 32 bits of the
// hash (the tag) and the entry index: probes compare tags and touch an
// entry only on a tag match, and the table can grow and delete without
// rehashing a key. Every flow looks its pair and port up once, at
// creation, and keeps the entry indices; its release reads them
// directly. An entry can't go away while a flow refers to it: a pair
// entry lives while it counts flows, a host entry while it counts live
// pairs, a port entry while it counts flows (see OnFlowRelease).
type index struct {
	cells []uint64 // tag<<32 | entry; 0 = empty
	shift uint     // 32 - log2(len(cells)): the home cell is tag >> shift
	mask  uint32
	n     int
}

const minIndex = 64

func newIndex(size int) index {
	bits := uint(0)
	for 1<<bits < size {
		bits++
	}
	return index{cells: make([]uint64, 1<<bits), shift: 32 - bits, mask: 1<<bits - 1}
}

func (x *index) home(tag uint32) uint32 { return tag >> x.shift }

// put stores entry e with tag at cell i, found empty by a probe, and
// doubles the index when it is three quarters full.
func (x *index) put(i, tag uint32, e int32) {
	x.cells[i] = uint64(tag)<<32 | uint64(uint32(e))
	x.n++
	if 4*x.n > 3*len(x.cells) {
		old := x.cells
		*x = newIndex(2 * len(old))
		for _, v := range old {
			if v != 0 {
				j := x.home(uint32(v >> 32))
				for x.cells[j] != 0 {
					j = (j + 1) & x.mask
				}
				x.cells[j] = v
				x.n++
			}
		}
	}
}

// del removes entry e (stored with tag) and closes the gap: each later
// cell of the probe run moves back unless its home lies cyclically in
// (gap, cell].
func (x *index) del(tag uint32, e int32) {
	v := uint64(tag)<<32 | uint64(uint32(e))
	i := x.home(tag)
	for x.cells[i] != v {
		i = (i + 1) & x.mask
	}
	for j := i; ; {
		j = (j + 1) & x.mask
		c := x.cells[j]
		if c == 0 {
			break
		}
		h := x.home(uint32(c >> 32))
		if (j-h)&x.mask >= (j-i)&x.mask {
			x.cells[i] = c
			i = j
		}
	}
	x.cells[i] = 0
	x.n--
}

// Hashing: wyhash-style folding of the key's 64-bit words.
const (
	k0 = 0xa0761d6478bd642f
	k1 = 0xe7037ed1a0b428db
	k2 = 0x8ebc6af09c88c6e3
	k3 = 0x589965cc75374cc3
)

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

func words(a *[16]byte) (uint64, uint64) {
	return binary.LittleEndian.Uint64(a[:8]), binary.LittleEndian.Uint64(a[8:])
}

func hashIP(k *ip) uint32 {
	a, b := words(&k.a)
	return uint32(mix(mix(a^k0, b^k1^uint64(k.ver)<<56), k2) >> 32)
}

func hashPair(s, d *ip) uint32 {
	s0, s1 := words(&s.a)
	d0, d1 := words(&d.a)
	return uint32(mix(mix(s0^k0, s1^k1)^uint64(s.ver), mix(d0^k2, d1^k3)^k1) >> 32)
}

// hashPort hashes a port entry's key (the source entry and port) from
// the source IP instead of its entry: the same while the entry lives
// (it outlives its port entries), and known before the pair lookup that
// finds the entry, so OnNewFlow can start loading the port's index cell
// first.
func hashPort(s *ip, port uint16) uint32 {
	a, b := words(&s.a)
	return uint32(mix(mix(a^k2, b^k3^uint64(s.ver)<<56), uint64(port)^k1) >> 32)
}

// hostEntry is one IP of the source (or destination) table: its distinct
// partners (live pairs) and, in the source table, the packets and bytes
// it sent.
// Its key (the IP) is in hostTable.keys: a packet touches only these
// 32 bytes, never two cache lines.
type hostEntry struct {
	pkts, bytes uint64
	conn        uint32
	gen         uint32 // bumped when the entry is removed
	tag         uint32
	_           uint32
}

// hostTable hands out its slots as T2's hash table does (fresh slots in
// order, freed slots reused last-freed first), so that an IP removed and
// inserted again in the same slot keeps its packet and byte counts, as in
// T2; an entry in a slot of another IP starts from zero (T2 inherits the
// other IP's counts there, a decided fix).
type hostTable struct {
	store[hostEntry]
	keys []ip // by entry: the IP whose counts the entry holds (kept when freed)
}

func newHostTable() hostTable {
	return hostTable{store: newStore[hostEntry](), keys: make([]ip, 1, minIndex)}
}

// store keeps a table's entries at fixed positions (position 0 is unused,
// so 0 means none), indexed by x, and hands out freed positions
// last-freed first. The host, pair and port tables differ only in their
// keys.
type store[E any] struct {
	x    index
	ents []E
	free []int32
}

func newStore[E any]() store[E] {
	return store[E]{x: newIndex(minIndex), ents: make([]E, 1, minIndex)}
}

// alloc takes a position for a new entry with tag and indexes it at cell
// i; reused reports a freed position, which still holds its old entry.
func (t *store[E]) alloc(tag, i uint32) (e int32, reused bool) {
	if n := len(t.free); n > 0 {
		e, reused = t.free[n-1], true
		t.free = t.free[:n-1]
	} else {
		e = int32(len(t.ents))
		var zero E
		t.ents = append(t.ents, zero)
	}
	t.x.put(i, tag, e)
	return e, reused
}

// release drops entry e (indexed with tag) and frees its position.
func (t *store[E]) release(e int32, tag uint32) {
	t.x.del(tag, e)
	t.free = append(t.free, e)
}

// find returns k's entry (0 if absent) and the cell where it would go.
func (t *hostTable) find(k *ip, tag uint32) (int32, uint32) {
	for i := t.x.home(tag); ; i = (i + 1) & t.x.mask {
		c := t.x.cells[i]
		if c == 0 {
			return 0, i
		}
		if uint32(c>>32) == tag {
			if e := int32(uint32(c)); t.keys[e].eq(k) {
				return e, i
			}
		}
	}
}

func (t *hostTable) lookup(k *ip) int32 {
	e, _ := t.find(k, hashIP(k))
	return e
}

// insert adds k, absent, at cell i with zero connections.
func (t *hostTable) insert(k *ip, tag, i uint32) int32 {
	e, reused := t.alloc(tag, i)
	if !reused {
		t.keys = append(t.keys, *k)
	}
	h := &t.ents[e]
	if !reused || !t.keys[e].eq(k) {
		h.pkts, h.bytes, t.keys[e] = 0, 0, *k
	}
	h.conn = 0
	h.tag = tag
	return e
}

// get returns k's entry, inserted if absent; added reports the insertion.
func (t *hostTable) get(k *ip) (e int32, added bool) {
	tag := hashIP(k)
	e, i := t.find(k, tag)
	if e != 0 {
		return e, false
	}
	return t.insert(k, tag, i), true
}

func (t *hostTable) remove(e int32) {
	t.ents[e].gen++
	t.release(e, t.ents[e].tag)
}

// pairEntry counts the live flows between two hosts (normalised to the
// direction of the flow that opened the connection) and points to their
// host entries.
//
// 64 bytes: one cache line of the slice (page-aligned once it is big).
type pairEntry struct {
	s, d     ip
	count    uint32
	src, dst int32 // entries in the source and destination tables
	// srcGen is the generation of the source entry, which lives as long
	// as the pair: a new flow of the pair takes it from here instead of
	// loading the entry.
	srcGen uint32
	// lastPort is the port entry of the pair's latest new flow: the next
	// one, usually to the same server port, finds it here when the
	// entry still holds that port and counts flows (no index probe).
	lastPort int32
	// dOwn is the source-table entry of d (0: unknown), valid while its
	// generation is dOwnGen: the reply flows of the pair count their
	// packets there, and find it here instead of by a lookup.
	dOwn    int32
	dOwnGen uint32
}

type pairTable struct{ store[pairEntry] }

func (t *pairTable) find(s, d *ip, tag uint32) (int32, uint32) {
	for i := t.x.home(tag); ; i = (i + 1) & t.x.mask {
		c := t.x.cells[i]
		if c == 0 {
			return 0, i
		}
		if uint32(c>>32) == tag {
			if e := int32(uint32(c)); t.ents[e].s.eq(s) && t.ents[e].d.eq(d) {
				return e, i
			}
		}
	}
}

func (t *pairTable) insert(v pairEntry, tag, i uint32) int32 {
	e, _ := t.alloc(tag, i)
	t.ents[e] = v
	return e
}

// A pair entry has no room for its tag: the flows keep it
// (flowState.pairTag) and the last one's release removes the entry with it.

// portEntry counts the live flows of a (source host, server port): the
// key is the source entry's index and the port, unique while the entry
// lives (its host entry outlives it).
type portEntry struct {
	key   uint64 // source entry << 16 | port
	count uint32
	tag   uint32
}

type portTable struct{ store[portEntry] }

func (t *portTable) find(k uint64, tag uint32) (int32, uint32) {
	for i := t.x.home(tag); ; i = (i + 1) & t.x.mask {
		c := t.x.cells[i]
		if c == 0 {
			return 0, i
		}
		if uint32(c>>32) == tag {
			if e := int32(uint32(c)); t.ents[e].key == k {
				return e, i
			}
		}
	}
}

func (t *portTable) insert(v portEntry, i uint32) int32 {
	e, _ := t.alloc(v.tag, i)
	t.ents[e] = v
	return e
}

func (t *portTable) remove(e int32) { t.release(e, t.ents[e].tag) }

// flowState is a flow's place in the tables, set at its creation.
//
// 32 bytes: two a cache line. Besides the entries the packets use, it
// repeats what the release needs from the pair and port entries before
// it can read them (their host entries and index tags), so that
// PrefetchRelease can request all of it from this line alone.
type flowState struct {
	pair int32 // pair entry; 0: the flow is not counted (no IP)
	port int32 // port entry
	// own is the source-table entry of the flow's own source IP (0:
	// unknown), valid while the entry's generation is ownGen.
	own    int32
	ownGen uint32
	// src, dst are the pair entry's src and dst (fixed for its life);
	// pairTag and portTag the tags the pair and port entries are
	// indexed with.
	src, dst         int32
	pairTag, portTag uint32
}

// flowOut is a released flow's columns, kept by OnFlowRelease in the
// flow's slot for OnFlowTerminate (which may run on another goroutine):
// the counters as they were at the release. pair is 0 when the slot holds
// none (the flow had no entry, was not released yet, or was written).
//
// 32 bytes: two slots a cache line. A slice of its own, apart from
// flowState, which the packet path reads: OnFlowTerminate running on
// another goroutine then reads no line OnLayer4 uses, but for flows
// without an entry (their flowState, 0 in pair).
type flowOut struct {
	connSip, connDip uint32
	pair, port       uint32
	pk, by           uint64 // CS_PBNMAX
}

// ConnStat is the plugin instance.
type ConnStat struct {
	hsdrm, sdipMax, pbn bool
	c                   *counters.Counters

	src, dst hostTable
	pairs    pairTable
	ports    portTable
	flows    []flowState // per flow slot
	outs     []flowOut   // per flow slot, from release to termination
	pf       prefetch.Batch
	pfPair   int32         // the pair entry PrefetchRelease requested last (stage 1)
	zero     *record.Block // the columns of a flow without IP

	newSrc, newDst, creations uint64
	maxPair, maxPort          uint32
	maxSrc, maxDst            uint32
	maxSrcIP, maxDstIP        ip
	talkP, talkB              uint64
	talkPIP, talkBIP          ip
}

// Init reads the settings. The tables start small and double as needed
// (they hold the live hosts and pairs, far fewer than the flow slots).
func (c *ConnStat) Init(env *plugin.Env) error {
	c.hsdrm = env.Settings.Bool("CS_HSDRM")
	c.sdipMax = env.Settings.Bool("CS_SDIPMAX")
	c.pbn = env.Settings.Bool("CS_PBNMAX")
	c.c = env.Counters
	n := 1024
	if env.Table != nil {
		n = env.Table.Capacity()
	}
	c.src, c.dst = newHostTable(), newHostTable()
	c.pairs = pairTable{newStore[pairEntry]()}
	c.ports = portTable{newStore[portEntry]()}
	c.flows = make([]flowState, n)
	flow.PerSlot(env.Table, c.flows)
	c.outs = make([]flowOut, n)
	flow.PerSlot(env.Table, c.outs)
	c.zero = record.NewBlock(func(w *record.Writer) {
		for range 6 {
			w.U64(0)
		}
		if c.pbn {
			w.U64(0)
			w.U64(0)
		}
	})
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

// PrefetchSlot implements plugin.Prefetcher.
func (c *ConnStat) PrefetchSlot(slot int32, b *prefetch.Batch) {
	if uint(slot) < uint(len(c.flows)) {
		b.Add(unsafe.Pointer(&c.flows[slot]))
	}
	if uint(slot) < uint(len(c.outs)) {
		b.Add(unsafe.Pointer(&c.outs[slot])) // the release writes it
	}
}

// PrefetchRelease implements plugin.ReleasePrefetcher: stage 0 requests
// the flow's state and out, stage 1 the entries OnFlowRelease reads and
// the index cells its removals probe (the opposite shares the pair and
// port entries: requested once).
func (c *ConnStat) PrefetchRelease(slot int32, stage int, b *prefetch.Batch) {
	if uint(slot) >= uint(len(c.flows)) || uint(slot) >= uint(len(c.outs)) {
		return
	}
	if stage == 0 {
		c.pfPair = 0
		b.Add(unsafe.Pointer(&c.flows[slot]))
		b.Add(unsafe.Pointer(&c.outs[slot]))
		return
	}
	// A stale or reused slot still holds indices of the tables, which
	// never shrink, and tags, which any index maps to a cell.
	n := &c.flows[slot]
	if n.pair == 0 {
		return
	}
	if n.pair != c.pfPair {
		c.pfPair = n.pair
		b.Add(unsafe.Pointer(&c.pairs.ents[n.pair]))
		b.Add(unsafe.Pointer(&c.ports.ents[n.port]))
		b.Add(unsafe.Pointer(&c.src.ents[n.src]))
		b.Add(unsafe.Pointer(&c.dst.ents[n.dst]))
		if c.hsdrm {
			b.Add(unsafe.Pointer(&c.ports.x.cells[c.ports.x.home(n.portTag)]))
		}
	}
	if c.pbn && n.own != 0 && n.own != n.src {
		b.Add(unsafe.Pointer(&c.src.ents[n.own]))
	}
}

// PrefetchNewFlow implements plugin.NewFlowPrefetcher: a flow that opens
// a connection (no opposite) usually goes to a new port, whose index
// cell is not in cache, and maybe to a new pair.
func (c *ConnStat) PrefetchNewFlow(p *packet.Packet, f *flow.Flow, b *prefetch.Batch) {
	if p.IPVer == 0 || f.IsB {
		return
	}
	s, d, port := &f.Key.SrcIP, &f.Key.DstIP, f.Key.DstPort
	if f.IsInverted() {
		s, d, port = d, s, f.Key.SrcPort
	}
	var si, di ip
	si.a, si.ver = *s, f.Key.IPVer
	di.a, di.ver = *d, f.Key.IPVer
	b.Add(unsafe.Pointer(&c.ports.x.cells[c.ports.x.home(hashPort(&si, port))]))
	b.Add(unsafe.Pointer(&c.pairs.x.cells[c.pairs.x.home(hashPair(&si, &di))]))
}

// OnNewFlow adds the flow to the pair, host and port tables, normalised
// to the direction of the flow that opened the connection.
func (c *ConnStat) OnNewFlow(p *packet.Packet, f *flow.Flow) {
	n := &c.flows[f.Slot]
	*n = flowState{}
	if p.IPVer == 0 {
		return
	}
	inv := f.IsInverted()
	sa, da, port := &f.Key.SrcIP, &f.Key.DstIP, f.Key.DstPort
	if inv {
		sa, da, port = da, sa, f.Key.SrcPort
	}
	// Field by field: copying whole ip values goes through the stack
	// in overlapping 16-byte moves, which stall on store forwarding.
	var s, d ip
	s.a, s.ver = *sa, f.Key.IPVer
	d.a, d.ver = *da, f.Key.IPVer
	c.creations++
	tag := hashPair(&s, &d)
	var pi int32
	var cell uint32
	if f.IsB {
		// The opposite's pair is usually this flow's (a reply has the
		// same pair and port), and its state is in cache (it just saw
		// a packet): no index probe. The check keeps the counts exact
		// whatever a plugin did to the direction bits.
		if o := &c.flows[f.Opposite]; o.pair != 0 && o.pairTag == tag {
			if pe := &c.pairs.ents[o.pair]; pe.s.eq(&s) && pe.d.eq(&d) {
				pi = o.pair
			}
		}
	}
	if pi == 0 {
		pi, cell = c.pairs.find(&s, &d, tag)
	}
	var se int32
	if pi != 0 {
		pe := &c.pairs.ents[pi]
		pe.count++
		c.maxPair = max(c.maxPair, pe.count)
		se = pe.src
	} else {
		c.maxPair = max(c.maxPair, 1)
		var added bool
		se, added = c.src.get(&s)
		if added {
			c.newSrc++
		}
		h := &c.src.ents[se]
		h.conn++
		if h.conn > c.maxSrc {
			c.maxSrc, c.maxSrcIP = h.conn, s
		}
		de, added := c.dst.get(&d)
		if added {
			c.newDst++
		}
		h = &c.dst.ents[de]
		h.conn++
		if h.conn > c.maxDst {
			c.maxDst, c.maxDstIP = h.conn, d
		}
		pi = c.pairs.insert(pairEntry{s: s, d: d, count: 1, src: se, dst: de, srcGen: c.src.ents[se].gen}, tag, cell)
	}
	pe := &c.pairs.ents[pi]
	rk := uint64(uint32(se))<<16 | uint64(port)
	// A live port entry holding rk is rk's entry (keys are unique among
	// live entries; a removed one counts 0).
	ri := pe.lastPort
	if ri == 0 || c.ports.ents[ri].key != rk || c.ports.ents[ri].count == 0 {
		rtag := hashPort(&s, port)
		var cell uint32
		if ri, cell = c.ports.find(rk, rtag); ri == 0 {
			ri = c.ports.insert(portEntry{key: rk, tag: rtag}, cell)
		}
		pe.lastPort = ri
	}
	re := &c.ports.ents[ri]
	re.count++
	c.maxPort = max(c.maxPort, re.count)
	n.pair, n.port = pi, ri
	n.src, n.dst, n.pairTag, n.portTag = se, pe.dst, tag, re.tag
	if inv { // the flow's own source is the pair's d
		n.own, n.ownGen = pe.dOwn, pe.dOwnGen
	} else { // or its s
		n.own, n.ownGen = se, pe.srcGen
	}
}

// ownEntry returns the source-table entry of the flow's own source IP
// (0 if absent); with add, it inserts an absent one.
func (c *ConnStat) ownEntry(n *flowState, f *flow.Flow, add bool) int32 {
	t := &c.src
	if n.own != 0 && t.ents[n.own].gen == n.ownGen {
		return n.own
	}
	k := srcOf(f)
	var e int32
	if add {
		e, _ = t.get(&k)
	} else if e = t.lookup(&k); e == 0 {
		return 0
	}
	n.own, n.ownGen = e, t.ents[e].gen
	if pe := &c.pairs.ents[n.pair]; pe.d.eq(&k) {
		pe.dOwn, pe.dOwnGen = n.own, n.ownGen
	}
	return e
}

// OnLayer4 counts the packet for the flow's own source IP.
func (c *ConnStat) OnLayer4(p *packet.Packet, f *flow.Flow) {
	n := &c.flows[f.Slot]
	if !c.pbn || n.pair == 0 {
		return
	}
	e := n.own
	if e == 0 || c.src.ents[e].gen != n.ownGen {
		e = c.ownEntry(n, f, true)
	}
	h := &c.src.ents[e]
	h.pkts++
	h.bytes += uint64(p.L7Len)
}

// OnFlowRelease implements plugin.FlowReleaser: on the packet goroutine,
// when the flow leaves the table, it keeps the counters as they are now
// in the flow's slot (its out) for OnFlowTerminate to write, then removes
// the flow's contributions (CS_HSDRM). The flows of a pair are released
// in record order, so the second sees the counts after the first's
// removals, as when each record was written in turn.
func (c *ConnStat) OnFlowRelease(f *flow.Flow) {
	n := &c.flows[f.Slot]
	if n.pair == 0 {
		return // no entry: c.outs[f.Slot].pair stays 0 (the zero block)
	}
	pe := &c.pairs.ents[n.pair]
	re := &c.ports.ents[n.port]
	sh, dh := &c.src.ents[n.src], &c.dst.ents[n.dst]
	sConn, dConn := sh.conn, dh.conn
	pair, port := pe.count, re.count
	if c.hsdrm {
		// Start loading the index cells the removals below will probe,
		// so the loads overlap the snapshot's work.
		if port <= 1 {
			c.pf.Add(unsafe.Pointer(&c.ports.x.cells[c.ports.x.home(n.portTag)]))
		}
		if pair <= 1 {
			c.pf.Add(unsafe.Pointer(&c.pairs.x.cells[c.pairs.x.home(n.pairTag)]))
			if sConn <= 1 {
				c.pf.Add(unsafe.Pointer(&c.src.x.cells[c.src.x.home(sh.tag)]))
			}
			if dConn <= 1 {
				c.pf.Add(unsafe.Pointer(&c.dst.x.cells[c.dst.x.home(dh.tag)]))
			}
		}
		c.pf.Flush()
	}
	o := &c.outs[f.Slot]
	o.connSip, o.connDip = sConn, dConn
	if f.IsInverted() {
		o.connSip, o.connDip = dConn, sConn
	}
	o.pair, o.port = pair, port // pair >= 1: the flow counts in it
	if c.pbn {
		o.pk, o.by = 0, 0
		if e := c.ownEntry(n, f, false); e != 0 {
			o.pk, o.by = c.src.ents[e].pkts, c.src.ents[e].bytes
		}
	}
	pi, ri := n.pair, n.port
	n.pair = 0
	if !c.hsdrm {
		return
	}
	// The flow counts once in its port and pair entries; a pair counts
	// once in its two host entries, which go when they count no pair.
	if port <= 1 {
		re.count = 0 // marks the entry removed for pairEntry.lastPort
		c.ports.remove(ri)
	} else {
		re.count = port - 1
	}
	if pair > 1 {
		pe.count = pair - 1
		return
	}
	se, de := n.src, n.dst
	c.pairs.release(pi, n.pairTag) // the entry counts no flow
	if h := &c.src.ents[se]; h.conn <= 1 {
		h.conn = 0
		c.src.remove(se)
	} else {
		h.conn--
	}
	if h := &c.dst.ents[de]; h.conn <= 1 {
		h.conn = 0
		c.dst.remove(de)
	} else {
		h.conn--
	}
}

// ConcurrentTerminate implements plugin.ConcurrentTerminator:
// OnFlowTerminate reads only the flow's slot (its out, and its flowState
// when the out is empty) and writes only the out and the talker
// aggregates, which nothing else writes.
func (c *ConnStat) ConcurrentTerminate() {}

// OnFlowTerminate writes the counters OnFlowRelease kept for the flow,
// and updates the biggest talkers. A caller that did not call
// OnFlowRelease (the engine before its retire goroutine, tests) gets the
// same: a flow still counted (flowState.pair set) is released here first.
func (c *ConnStat) OnFlowTerminate(f *flow.Flow, w *record.Writer) {
	o := &c.outs[f.Slot]
	if o.pair == 0 {
		if c.flows[f.Slot].pair == 0 {
			w.AppendBlock(c.zero)
			return
		}
		c.OnFlowRelease(f)
	}
	connSip, pair, port := o.connSip, o.pair, o.port
	o.pair = 0 // the out is used: the slot's next flow starts unreleased
	w.U64s(uint64(connSip), uint64(o.connDip), uint64(pair), uint64(port))
	w.F32s(ratio(port, connSip), ratio(port, pair))
	if c.pbn {
		pk, by := o.pk, o.by
		w.U64s(pk, by)
		if pk > c.talkP {
			c.talkP, c.talkPIP = pk, srcOf(f)
		}
		if by > c.talkB {
			c.talkB, c.talkBIP = by, srcOf(f)
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
