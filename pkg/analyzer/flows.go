package analyzer

import (
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
)

// releasePair writes f and its opposite (the flow without bit 0 first, as
// T2's dir A/B order) and removes both from the table.
func (a *Analyzer) releasePair(f *flow.Flow) {
	var o *flow.Flow
	if f.Opposite != flow.None {
		o = a.table.Flow(f.Opposite)
	}
	first, second := f, o
	if o != nil && f.IsInverted() && !o.IsInverted() {
		first, second = o, f
	}
	a.terminate(first)
	if second != nil {
		a.terminate(second)
	}
	a.table.Remove(first)
	if second != nil {
		a.table.Remove(second)
	}
}

// terminate renders one flow record and hands it to the sinks.
func (a *Analyzer) terminate(f *flow.Flow) {
	if f.Opposite == flow.None && f.IsInverted() {
		a.c.CorrReplFlows++
	}
	w := &a.rec
	w.Reset()
	w.Char(f.Dir())
	w.U64(f.Index)
	for _, t := range a.terms {
		t.OnFlowTerminate(f, w)
	}
	if a.aborted || w.Disabled {
		return
	}
	a.out.push(w.Bytes())
}

// closeFlowOut writes the flow records still queued (before the sinks'
// Finish) and reports the first sink error.
func (a *Analyzer) closeFlowOut() {
	if a.out == nil {
		return
	}
	if err := a.out.close(); err != nil {
		a.warnOnce("sink", "%v", err)
	}
}

// autopilot frees the least recently used flow(s) when the table is full
// (T2's hash autopilot, t2-core §5.4).
func (a *Analyzer) autopilot() {
	if !a.autopilotWarned {
		a.autopilotWarned = true
		a.repW.Warn("Hash Autopilot: main HashMap full: flushing %d oldest flow(s)", a.cfg.numFlwRm)
		a.repW.Info("Hash Autopilot: Fix: Invoke Tranalyzer with '-f %d'", a.autopilotHint())
	}
	for i := int64(0); i < a.cfg.numFlwRm && a.table.Len() > 0; i++ {
		f := a.table.Oldest()
		if f == nil {
			return
		}
		f.Status |= packet.RmFlowHFull
		a.c.GlobalWarn |= packet.RmFlowHFull
		a.c.RmFlows++
		a.releasePair(f)
	}
}

// autopilotHint suggests a hash factor from how much of the input is left.
func (a *Analyzer) autopilotHint() int {
	factor := 2
	if in := a.src.Info(); in.TotalSize > 0 {
		done := 24 + a.c.BytesProcessed + 16*a.c.Packets
		if r := int(uint64(in.TotalSize) / done); r > factor {
			factor = r
		}
	}
	if factor > 16 {
		factor = 16
	}
	return a.opt.HashFactor * factor
}

// releaseAll releases every flow in memory, least recently used first.
func (a *Analyzer) releaseAll() {
	for _, slot := range a.table.All() {
		f := a.table.Flow(slot)
		if !a.table.InUse(f) {
			continue // released with its opposite already
		}
		if a.aborted {
			break
		}
		a.releasePair(f)
	}
}

// fragTable maps the first fragment of a datagram to its flow so later
// fragments (which carry no ports) join that flow.
type fragTable struct {
	m map[fragKey]fragVal
}

type fragKey struct {
	src, dst [16]byte
	id       uint32
	ver      uint8
}

type fragVal struct {
	slot  int32
	index uint64
}

const maxFrags = 1 << 16

func (t *fragTable) init() { t.m = make(map[fragKey]fragVal) }

func (t *fragTable) add(p *packet.Packet, f *flow.Flow) {
	if len(t.m) >= maxFrags {
		// Bounded memory on hostile input: forget the oldest state.
		clear(t.m)
	}
	t.m[fragKey{p.SrcIP, p.DstIP, p.FragID, p.IPVer}] = fragVal{f.Slot, f.Index}
}

func (t *fragTable) lookup(p *packet.Packet, tab *flow.Table) *flow.Flow {
	k := fragKey{p.SrcIP, p.DstIP, p.FragID, p.IPVer}
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
