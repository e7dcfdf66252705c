package engine

import (
	"fmt"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/record"
)

// releasePair writes f and its opposite (the flow without bit 0 first, as
// T2's dir A/B order) and removes both from the table. With a retire
// goroutine (retire.go) the records are built there, later.
func (e *Engine) releasePair(f *flow.Flow) {
	var o *flow.Flow
	if f.Opposite != flow.None {
		o = e.table.Flow(f.Opposite)
		// The tail f's removal was prepared when it became the tail;
		// o's is loaded while the records are rendered.
		e.table.PrefetchRemove(o)
	}
	first, second := f, o
	if o != nil && f.IsInverted() && !o.IsInverted() {
		first, second = o, f
	}
	// The release step of both flows first: OnFlowRelease may look at
	// the opposite while it is still in the table.
	e.releaseOne(first)
	if second != nil {
		e.releaseOne(second)
	}
	if e.retiring {
		e.retirePair(first, second)
		return
	}
	e.terminate(first)
	if second != nil {
		e.terminate(second)
	}
	e.table.Remove(first)
	if second != nil {
		e.table.Remove(second)
	}
}

// terminate renders one flow record and hands it to the sinks (on the
// packet goroutine: some plugin does not allow a retire goroutine).
func (e *Engine) terminate(f *flow.Flow) {
	w := &e.rec
	w.Reset()
	e.fillRecord(w, f)
	if w.Disabled || e.aborted.Load() {
		return
	}
	e.out.push(w.Bytes())
}

// fillRecord builds the record of f in w, after w's Reset or ResetAt:
// the core columns, then every terminating plugin's.
func (e *Engine) fillRecord(w *record.Writer, f *flow.Flow) {
	w.Char(f.Dir())
	w.U64(f.Index)
	for _, t := range e.terms {
		t.OnFlowTerminate(f, w)
	}
}

// autopilot frees the least recently used flow(s) when the table is full
// (T2's hash autopilot, HASH_AUTOPILOT in docs/configuration.md).
func (e *Engine) autopilot() {
	if !e.autopilotWarned {
		e.autopilotWarned = true
		e.hooks.Warn(fmt.Sprintf("Hash Autopilot: main HashMap full: flushing %d oldest flow(s)", e.opt.NumFlwRm))
		e.hooks.Info(fmt.Sprintf("Hash Autopilot: Fix: Invoke Tranalyzer with '-f %d'", e.autopilotHint()))
	}
	defer e.Sync() // the released slots are free when it returns
	for i := int64(0); i < e.opt.NumFlwRm && e.table.Len() > 0; i++ {
		f := e.table.Oldest()
		if f == nil {
			return
		}
		f.Status |= packet.RmFlowHFull
		e.c.GlobalWarn |= packet.RmFlowHFull
		e.c.RmFlows++
		e.releasePair(f)
	}
}

// autopilotHint suggests a hash factor from how much of the input is left.
func (e *Engine) autopilotHint() int {
	factor := 2
	if e.src == nil {
		return e.opt.HashFactor * factor
	}
	if in := e.src.Info(); in.TotalSize > 0 {
		done := 24 + e.c.BytesProcessed + 16*e.c.Packets
		if r := int(uint64(in.TotalSize) / done); r > factor {
			factor = r
		}
	}
	if factor > 16 {
		factor = 16
	}
	return e.opt.HashFactor * factor
}

// releaseAll releases every flow in memory, least recently used first.
func (e *Engine) releaseAll() {
	for _, slot := range e.table.All() {
		f := e.table.Flow(slot)
		if !e.table.InUse(f) {
			continue // released with its opposite already
		}
		if e.aborted.Load() {
			break
		}
		e.releasePair(f)
	}
}

// fragTable maps the first fragment of a datagram to its flow so later
// fragments (which carry no ports) join that flow, and keeps T2's
// per-flow fragmentation state: a flow whose datagram still lacks its last
// fragment carries IPV4_FRAG_PENDING and remembers that datagram's ID.
// The same rules hold for IPv4 and IPv6 (T2 0.9.3 never finds the first
// fragment of an IPv6 datagram: docs/differences-from-t2.md).
type fragTable struct {
	m map[fragKey]fragVal
	// pendID[slot]: ID of the datagram the flow in slot is waiting for,
	// valid while that flow has IPv4FragPending. Allocated at the first
	// fragment (table capacity entries).
	pendID []uint32
}

// fragKey names a datagram: addresses, IP ID, version, protocol and the
// first VLAN ID (the flow key's VLAN), so datagrams of other protocols or
// VLANs that share an ID never mix their fragments.
type fragKey struct {
	src, dst [16]byte
	id       uint32
	vlan     uint16
	ver      uint8
	proto    uint8
}

func fragKeyOf(p *packet.Packet) fragKey {
	k := fragKey{src: p.SrcIP, dst: p.DstIP, id: p.FragID, ver: p.IPVer, proto: p.L4Proto}
	if p.NumVLAN > 0 {
		k.vlan = p.VLAN[0] & 0x0fff
	}
	return k
}

type fragVal struct {
	slot  int32
	index uint64
}

const maxFrags = 1 << 16

func (t *fragTable) init() { t.m = make(map[fragKey]fragVal) }

// start handles a first fragment, or a later fragment whose first one was
// not seen (T2 treats both alike): the packet opens a datagram in flow f.
// A flow still waiting for another datagram gets IPV4_FRAG_ERR (a repeated
// first fragment of the same datagram does not); a flow that waited for
// this datagram's key stops waiting, as the key now belongs to f.
func (t *fragTable) start(p *packet.Packet, f *flow.Flow, tab *flow.Table) {
	if t.pendID == nil {
		t.pendID = make([]uint32, tab.Capacity())
	}
	id := p.FragID
	if f.Status&packet.IPv4FragPending != 0 {
		if t.pendID[f.Slot] != id {
			p.Status |= packet.IPv4FragErr
		}
	} else if o := t.lookup(p, tab); o != nil && o != f &&
		o.Status&packet.IPv4FragPending != 0 && t.pendID[o.Slot] == id {
		o.Status &^= packet.IPv4FragPending
	}
	t.add(p, f)
	t.pendID[f.Slot] = id
	f.Status |= packet.IPv4FragPending
}

// more handles a later fragment that found its flow f: the last fragment
// of the datagram f waits for completes it.
func (t *fragTable) more(p *packet.Packet, f *flow.Flow) {
	if !p.MoreFrag && f.Status&packet.IPv4FragPending != 0 && t.pendID[f.Slot] == p.FragID {
		f.Status &^= packet.IPv4FragPending
	}
}

func (t *fragTable) add(p *packet.Packet, f *flow.Flow) {
	if len(t.m) >= maxFrags {
		// Bounded memory on hostile input: forget the oldest state.
		clear(t.m)
	}
	t.m[fragKeyOf(p)] = fragVal{f.Slot, f.Index}
}

func (t *fragTable) lookup(p *packet.Packet, tab *flow.Table) *flow.Flow {
	k := fragKeyOf(p)
	v, ok := t.m[k]
	if !ok {
		return nil
	}
	// The entry outlives the last fragment: captures taken on two ports
	// repeat fragments, and a repeated last fragment must still find its
	// flow. The table is bounded (maxFrags) and entries of released flows
	// are recognised by their findex.
	f := tab.Flow(v.slot)
	if !tab.InUse(f) || f.Index != v.index {
		return nil
	}
	return f
}
