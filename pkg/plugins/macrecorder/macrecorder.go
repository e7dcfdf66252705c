// Package macrecorder is the macRecorder plugin (T2 number 110): the
// distinct source/destination MAC pairs of each flow with their packet
// counts and vendor labels.
package macrecorder

import (
	_ "embed"
	"fmt"
	"unsafe"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/prefetch"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

//go:embed macRecorder.toml
var embedded []byte

var registration = plugin.Register(plugin.Descriptor{Defaults: embedded, Version: "0.9.3",
	New: func() plugin.Plugin { return &MacRecorder{} }})

var (
	_ plugin.Initer         = (*MacRecorder)(nil)
	_ plugin.FlowColumns    = (*MacRecorder)(nil)
	_ plugin.NewFlowHandler = (*MacRecorder)(nil)
	_ plugin.Layer2Handler  = (*MacRecorder)(nil)
	_ plugin.Layer4Handler  = (*MacRecorder)(nil)
	_ plugin.FlowTerminator = (*MacRecorder)(nil)
	_ plugin.PacketColumns  = (*MacRecorder)(nil)
	_ plugin.Prefetcher     = (*MacRecorder)(nil)
	_ plugin.Reporter       = (*MacRecorder)(nil)

	_ plugin.ConcurrentTerminator = (*MacRecorder)(nil)
)

const statTooMany uint8 = 0x01 // more than MR_MAX_MAC pairs

type pair struct {
	src, dst [6]byte
	n        uint64
}

// slot is a flow's state: the first pair inline (most flows have one),
// further ones in a block of the shared pool (MacRecorder.chunks).
type slot struct {
	first  pair
	npairs uint16
	stat   uint8
	block  int32 // index of the extra pairs' block in pool, -1 none
}

// MacRecorder is the plugin instance.
type MacRecorder struct {
	macFmt int
	npairs bool
	labels bool
	maxMAC int
	lbl    *labels
	st     []slot
	// chunks hold the blocks of maxMAC-1 pairs, blocksPerChunk blocks
	// each, allocated as needed. A slot holds at most one block (freed
	// when the slot's next flow starts), so Init sizes the list of
	// chunks for the table and neither it nor a chunk moves after: a
	// block stays where OnFlowTerminate, also on the engine's retire
	// goroutine, reads it while record takes other blocks.
	chunks  [][]pair
	nblocks int32 // blocks handed out so far
	free    []int32
	aggStat uint8

	// The labels of recently written addresses: one cache for
	// WritePacket (packet goroutine), one for OnFlowTerminate.
	lblCache, termLblCache [lblCacheSize]macLabel

	flows        uint64
	minP, maxP   uint16
	avgP         float64
	multiPairRun bool
}

// Init reads the settings and the label table.
func (m *MacRecorder) Init(env *plugin.Env) error {
	m.macFmt = int(env.Settings.Int("MR_MAC_FMT"))
	m.npairs = env.Settings.Bool("MR_NPAIRS")
	m.labels = env.Settings.Int("MR_MACLBL") == 2
	m.maxMAC = int(env.Settings.Int("MR_MAX_MAC"))
	if m.labels {
		l, err := loadLabels(labelData)
		if err != nil {
			return fmt.Errorf("macRecorder: built-in label table: %v", err)
		}
		m.lbl = l
		// T2 prints the record count with the banner, which VERBOSE=0
		// leaves out.
		if env.Log != nil && (env.Core == nil || env.Core.Int("VERBOSE") > 0) {
			n := uint64(l.records())
			env.Log.Infof("%s: %s short org name records loaded", registration.Name, report.Num(n))
		}
	}
	capacity := 16
	if env.Table != nil {
		capacity = env.Table.Capacity()
	}
	m.st = make([]slot, capacity)
	flow.PerSlot(env.Table, m.st)
	m.chunks = make([][]pair, capacity/blocksPerChunk+1)
	return nil
}

// Columns are T2's four columns.
func (m *MacRecorder) Columns() []record.Column {
	c := []record.Column{{Name: "macStat", Type: "H8", Desc: "macRecorder status"}}
	if m.npairs {
		c = append(c, record.Column{Name: "macPairs", Type: "U32", Desc: "Number of distinct source/destination MAC addresses pairs"})
	}
	t := []string{"H64_H64_U64:R", "MAC_MAC_U64:R", "U64_U64_U64:R"}[m.macFmt]
	c = append(c, record.Column{Name: "srcMac_dstMac_numP", Type: t, Desc: "Source/destination MAC address, number of packets of MAC address combination"})
	if m.labels {
		c = append(c, record.Column{Name: "srcMacLbl_dstMacLbl", Type: "SC_SC:R", Desc: "Source/destination MAC label"})
	}
	return c
}

// PrefetchSlot implements plugin.Prefetcher: the slot's state (32
// bytes, so one cache line), which OnFlowTerminate reads.
func (m *MacRecorder) PrefetchSlot(slot int32, b *prefetch.Batch) {
	if uint(slot) < uint(len(m.st)) {
		b.Add(unsafe.Pointer(&m.st[slot]))
	}
}

// OnNewFlow clears the slot.
func (m *MacRecorder) OnNewFlow(p *packet.Packet, f *flow.Flow) {
	m.release(&m.st[f.Slot])
}

func (m *MacRecorder) release(s *slot) {
	if s.block >= 0 && s.npairs > 1 {
		m.free = append(m.free, s.block)
	}
	*s = slot{block: -1}
}

func (m *MacRecorder) OnLayer2(p *packet.Packet, f *flow.Flow) { m.record(p, f) }
func (m *MacRecorder) OnLayer4(p *packet.Packet, f *flow.Flow) { m.record(p, f) }

// record counts the packet's address pair.
func (m *MacRecorder) record(p *packet.Packet, f *flow.Flow) {
	if !p.HasMAC {
		return
	}
	s := &m.st[f.Slot]
	if s.npairs == 0 {
		s.first = pair{p.SrcMAC, p.DstMAC, 1}
		s.npairs = 1
		s.block = -1
		return
	}
	if s.first.src == p.SrcMAC && s.first.dst == p.DstMAC {
		s.first.n++
		return
	}
	extra := m.extra(s)
	for i := range extra {
		if extra[i].src == p.SrcMAC && extra[i].dst == p.DstMAC {
			extra[i].n++
			return
		}
	}
	if int(s.npairs) >= m.maxMAC {
		s.stat |= statTooMany
		return
	}
	if s.npairs == 1 {
		s.block = m.newBlock()
	}
	m.block(s.block)[s.npairs-1] = pair{p.SrcMAC, p.DstMAC, 1}
	s.npairs++
}

// blocksPerChunk is the number of blocks allocated together.
const blocksPerChunk = 256

// block returns block b's maxMAC-1 pairs.
func (m *MacRecorder) block(b int32) []pair {
	n := m.maxMAC - 1
	i := int(b%blocksPerChunk) * n
	return m.chunks[b/blocksPerChunk][i : i+n : i+n]
}

// extra returns the slot's pairs after the first.
func (m *MacRecorder) extra(s *slot) []pair {
	if s.npairs <= 1 {
		return nil
	}
	return m.block(s.block)[:s.npairs-1]
}

// newBlock takes a free block or a new one (which happens only until the
// blocks cover the most flows with several pairs at once).
func (m *MacRecorder) newBlock() int32 {
	if n := len(m.free); n > 0 {
		b := m.free[n-1]
		m.free = m.free[:n-1]
		return b
	}
	b := m.nblocks
	m.nblocks++
	c := int(b / blocksPerChunk)
	if c >= len(m.chunks) {
		// Only when slots are reused without OnNewFlow (never in a run).
		m.chunks = append(m.chunks, nil)
	}
	if m.chunks[c] == nil {
		m.chunks[c] = make([]pair, blocksPerChunk*(m.maxMAC-1))
	}
	return b
}

func macValue(a [6]byte) uint64 {
	return uint64(a[0])<<40 | uint64(a[1])<<32 | uint64(a[2])<<24 | uint64(a[3])<<16 | uint64(a[4])<<8 | uint64(a[5])
}

func (m *MacRecorder) appendMAC(w *record.Writer, a [6]byte) {
	switch m.macFmt {
	case 1:
		w.AppendMAC(a)
	case 0:
		w.AppendHex(macValue(a), 16)
	default:
		w.AppendU64(macValue(a))
	}
}

const lblCacheSize = 256 // power of two

type macLabel struct {
	key uint64 // address + 1<<48; 0: empty entry
	lbl []byte
}

// label returns the vendor label of a through cache (a capture has few
// distinct addresses; the table look-up is several binary searches).
func (m *MacRecorder) label(cache *[lblCacheSize]macLabel, a [6]byte) []byte {
	v := macValue(a)
	e := &cache[(v*0x9e3779b97f4a7c15)>>56&(lblCacheSize-1)]
	if e.key != v|1<<48 {
		e.key, e.lbl = v|1<<48, m.lbl.lookup(a)
	}
	return e.lbl
}

// ConcurrentTerminate implements plugin.ConcurrentTerminator:
// OnFlowTerminate reads f's slot, its block of pairs (which stays where
// it is: chunks), the settings and the label table built at Init. Its
// label cache is its own, and it writes only aggStat and the pairs
// statistics, which no other hook writes (Report reads them). The block
// goes back to the free list in the OnNewFlow of the slot's next flow,
// on the packet goroutine.
func (m *MacRecorder) ConcurrentTerminate() {}

// OnFlowTerminate writes the pairs in order of first appearance, with
// typed values (a JSON sink renders by type, so no prepared text).
func (m *MacRecorder) OnFlowTerminate(f *flow.Flow, w *record.Writer) {
	s := &m.st[f.Slot]
	if m.aggStat|s.stat != m.aggStat { // no store for every flow (false sharing with the packet goroutine's fields)
		m.aggStat |= s.stat
	}
	if s.npairs > 0 {
		m.stats(s.npairs)
	}
	if w.Disabled {
		return
	}
	w.H8(s.stat)
	if m.npairs {
		w.U64(uint64(s.npairs))
	}
	extra := m.extra(s)
	w.Field()
	for i := 0; i < int(s.npairs); i++ {
		p := m.pairAt(s, extra, i)
		if i > 0 {
			w.Semi()
		}
		m.appendMAC(w, p.src)
		w.Under()
		m.appendMAC(w, p.dst)
		w.Under()
		w.AppendU64(p.n)
	}
	if m.labels {
		w.Field()
		for i := 0; i < int(s.npairs); i++ {
			p := m.pairAt(s, extra, i)
			if i > 0 {
				w.Semi()
			}
			w.AppendStrClass(m.label(&m.termLblCache, p.src))
			w.Under()
			w.AppendStrClass(m.label(&m.termLblCache, p.dst))
		}
	}
}

func (m *MacRecorder) pairAt(s *slot, extra []pair, i int) *pair {
	if i == 0 {
		return &s.first
	}
	return &extra[i-1]
}

// stats keeps T2's pairs-per-flow figures: min, max and a running
// "average" (the first flow's pairs, then 0.7·avg + 0.3·pairs).
func (m *MacRecorder) stats(n uint16) {
	if m.flows == 0 {
		m.minP, m.maxP, m.avgP = n, n, float64(n)
	} else {
		m.minP, m.maxP = min(m.minP, n), max(m.maxP, n)
		m.avgP = 0.7*m.avgP + 0.3*float64(n)
	}
	m.flows++
	if n > 1 {
		m.multiPairRun = true
	}
}

// Report prints the aggregated status and the pairs per flow.
func (m *MacRecorder) Report(r *report.Writer) {
	if m.aggStat != 0 {
		r.Plugin(registration.Name, "Aggregated macStat=0x%02x", m.aggStat)
	}
	if m.multiPairRun {
		r.Plugin(registration.Name, "MAC pairs per flow: min: %d, max: %d, average: %.2f", m.minP, m.maxP, m.avgP)
	}
}

// PacketColumns are the labels of the packet's addresses.
func (m *MacRecorder) PacketColumns() []string {
	if !m.labels {
		return nil
	}
	return []string{"srcMacLbl", "dstMacLbl"}
}

// WritePacket writes the packet's labels (empty without Ethernet).
func (m *MacRecorder) WritePacket(p *packet.Packet, f *flow.Flow, w *record.Writer) {
	if !m.labels {
		return
	}
	if !p.HasMAC {
		w.Empty()
		w.Empty()
		return
	}
	w.StrClass(m.label(&m.lblCache, p.SrcMAC))
	w.StrClass(m.label(&m.lblCache, p.DstMAC))
}
