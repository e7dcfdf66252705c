// Package tcpstates is the tcpStates plugin (T2 number 132): it follows
// each TCP connection through the states new, established, closing,
// closed and reset, gives the flow the idle timeout of its state, and
// records anomalies in the H8 column tcpStatesAFlags.
package tcpstates

import (
	_ "embed"
	"unsafe"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/prefetch"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

//go:embed tcpStates.toml
var embedded []byte

// registration is this plugin as registered: its name and number come
// from the header of tcpStates.toml, the only place they are written.
var registration = plugin.Register(plugin.Descriptor{Defaults: embedded, Version: "0.9.3",
	New: func() plugin.Plugin { return &TCPStates{} }})

// The hooks this plugin implements, checked by the compiler: a mistyped
// method would otherwise silently drop its hook.
var (
	_ plugin.Initer         = (*TCPStates)(nil)
	_ plugin.FlowColumns    = (*TCPStates)(nil)
	_ plugin.NewFlowHandler = (*TCPStates)(nil)
	_ plugin.Layer4Handler  = (*TCPStates)(nil)
	_ plugin.FlowTerminator = (*TCPStates)(nil)
	_ plugin.Prefetcher     = (*TCPStates)(nil)
	_ plugin.PacketColumns  = (*TCPStates)(nil)
	_ plugin.Reporter       = (*TCPStates)(nil)

	_ plugin.ConcurrentTerminator = (*TCPStates)(nil)
)

// Anomaly bits of tcpStatesAFlags.
const (
	MalformedOpen      uint8 = 0x01 // malformed connection establishment
	MalformedClose     uint8 = 0x02 // malformed teardown
	MalformedFlags     uint8 = 0x04 // bad flags while established (no ACK, or SYN)
	AfterClose         uint8 = 0x08 // packets after the teardown completed
	AfterReset         uint8 = 0x10 // packets after a reset
	ResetFromSender    uint8 = 0x40 // this side sent the RST
	PotentiallyHostile uint8 = 0x80 // NULL/XMAS scan, FIN scan, RST to nothing
)

// TCP header flags.
const (
	fFIN = 0x01
	fSYN = 0x02
	fRST = 0x04
	fPSH = 0x08
	fACK = 0x10
	fURG = 0x20

	xmas = fFIN | fPSH | fURG
)

// Connection states.
const (
	stNew uint8 = iota
	stEstablished
	stClosing
	stClosed
	stReset
	numStates
)

// The timeout keys in state order, with T2's fixed values as fallback.
var timeoutKeys = [numStates]string{
	"TCP_TIMEOUT_NEW", "TCP_TIMEOUT_ESTABLISHED", "TCP_TIMEOUT_CLOSING",
	"TCP_TIMEOUT_CLOSED", "TCP_TIMEOUT_RESET",
}

var defaultTimeouts = [numStates]float64{120, 610, 120, 10, 0.1}

// Per-connection bits.
const (
	bTCP      uint16 = 1 << iota // saw at least one usable TCP header
	bSynSeen                     // this side sent a SYN
	bSynAcked                    // ... and the other side acknowledged it
	bFinSeen                     // this side sent a FIN
	bFinAcked                    // ... and the other side acknowledged it
	bFinScan                     // FIN+ACK without any reverse flow
	bPairDone                    // the opposite flow ended first and left its verdict here
	bPairSyn                     // its verdict: both SYNs seen and acknowledged
	bPairFin                     // its verdict: both FINs seen and acknowledged
)

type conn struct {
	state  uint8
	flags  uint8
	bits   uint16
	synSeq uint32
	finSeq uint32 // sequence number the FIN occupies
}

// TCPStates is the plugin instance.
type TCPStates struct {
	table     *flow.Table
	conns     []conn
	timeouts  [numStates]packet.Time
	aggregate uint8
}

// PrefetchSlot implements plugin.Prefetcher.
func (t *TCPStates) PrefetchSlot(slot int32, b *prefetch.Batch) {
	if int(slot) < len(t.conns) {
		b.Add(unsafe.Pointer(&t.conns[slot]))
	}
}

// Init sizes the per-flow state and registers one timeout class per state.
func (t *TCPStates) Init(env *plugin.Env) error {
	t.table = env.Table
	n := 0
	if env.Table != nil {
		n = env.Table.Capacity()
	}
	t.conns = make([]conn, n)
	flow.PerSlot(env.Table, t.conns)
	for i, key := range timeoutKeys {
		secs := env.Settings.Float(key)
		if secs <= 0 {
			secs = defaultTimeouts[i]
		}
		t.timeouts[i] = packet.FromSeconds(secs)
		if env.Table != nil {
			env.Table.AddTimeout(t.timeouts[i])
		}
	}
	return nil
}

// Columns implements plugin.FlowColumns.
func (t *TCPStates) Columns() []record.Column {
	return []record.Column{{Name: "tcpStatesAFlags", Type: "H8", Desc: "TCP state machine anomalies"}}
}

// PacketColumns implements plugin.PacketColumns.
func (t *TCPStates) PacketColumns() []string { return []string{"tcpStatesAFlags"} }

// WritePacket writes the flow's anomaly flags after this packet.
func (t *TCPStates) WritePacket(p *packet.Packet, f *flow.Flow, w *record.Writer) {
	if f == nil || f.Key.Proto != 6 || int(f.Slot) >= len(t.conns) {
		w.H8(0)
		return
	}
	w.H8(t.conns[f.Slot].flags)
}

// OnNewFlow clears the slot's state (slots are reused). Only TCP flows
// (f.Key.Proto 6, the protocol of all their packets; an opposite flow
// has the same) use it: the others neither clear nor read it.
func (t *TCPStates) OnNewFlow(p *packet.Packet, f *flow.Flow) {
	if f.Key.Proto == 6 && int(f.Slot) < len(t.conns) {
		t.conns[f.Slot] = conn{}
	}
}

// usable reports whether the packet carries enough of a TCP header for
// the state machine: first fragments only, flags byte captured.
func usable(p *packet.Packet) bool {
	return p.L4Proto == 6 && p.L4Off >= 0 && p.SnapL4Len >= 13 && (!p.IsFrag || p.FragOff == 0)
}

// OnLayer4 runs the state machine.
func (t *TCPStates) OnLayer4(p *packet.Packet, f *flow.Flow) {
	if !usable(p) || f.Key.Proto != 6 || int(f.Slot) >= len(t.conns) {
		return
	}
	c := &t.conns[f.Slot]
	c.bits |= bTCP
	var o *conn
	var of *flow.Flow
	if f.Opposite != flow.None && t.table != nil && int(f.Opposite) < len(t.conns) {
		of = t.table.Flow(f.Opposite)
		o = &t.conns[f.Opposite]
	}
	fl := p.TCPFlags
	if fl&0x3f == 0 || fl&xmas == xmas {
		c.flags |= PotentiallyHostile
	}
	switch c.state {
	case stNew:
		t.onNew(p, f, c, of, o)
	case stEstablished:
		if fl&(fACK|fSYN) != fACK {
			c.flags |= MalformedFlags
			if o != nil {
				o.flags |= MalformedFlags
			}
		}
		if fl&fRST != 0 {
			t.reset(f, c, of, o)
			return
		}
		if fl&fFIN != 0 {
			t.fin(p, c)
			t.enter(f, c, stClosing)
		}
		t.ackFin(p, o)
	case stClosing:
		if fl&fRST != 0 {
			t.reset(f, c, of, o)
			return
		}
		if fl&fFIN != 0 && c.bits&bFinSeen == 0 {
			t.fin(p, c)
		}
		t.ackFin(p, o)
		if o != nil && c.bits&o.bits&(bFinSeen|bFinAcked) == bFinSeen|bFinAcked {
			t.enter(f, c, stClosed)
			t.enter(of, o, stClosed)
		}
	case stClosed:
		c.flags |= AfterClose
		if fl&fRST != 0 {
			t.reset(f, c, of, o)
		}
	case stReset:
		c.flags |= AfterReset
	}
}

func (t *TCPStates) onNew(p *packet.Packet, f *flow.Flow, c *conn, of *flow.Flow, o *conn) {
	fl := p.TCPFlags
	switch {
	case fl&fSYN != 0 && fl&(fFIN|fRST) == 0:
		c.synSeq = p.TCPSeq
		c.bits |= bSynSeen
		t.setTimeout(f, stNew)
		if fl&fACK == 0 {
			return
		}
		if o != nil && o.bits&bSynSeen != 0 && p.TCPAck == o.synSeq+1 {
			o.bits |= bSynAcked
			return
		}
		t.bothEstablishedBadly(f, c, of, o)
	case fl&fRST != 0:
		if fl&fACK != 0 && o != nil {
			c.flags |= ResetFromSender
			t.enter(f, c, stReset)
			t.enter(of, o, stReset)
			return
		}
		c.flags |= ResetFromSender | MalformedOpen
		t.enter(f, c, stReset)
		if o != nil {
			o.flags |= MalformedOpen
			t.enter(of, o, stReset)
		} else {
			c.flags |= PotentiallyHostile
		}
	case fl&(fFIN|fACK) == fFIN|fACK:
		t.fin(p, c)
		c.flags |= MalformedOpen
		t.enter(f, c, stClosing)
		if o != nil {
			o.flags |= MalformedOpen
		} else {
			c.bits |= bFinScan
		}
	case fl&fFIN != 0:
		c.flags |= PotentiallyHostile
	case fl&(fACK|fRST|fSYN|fFIN) == fACK && o != nil:
		if o.bits&bSynSeen != 0 && p.TCPAck == o.synSeq+1 {
			o.bits |= bSynAcked
			if c.bits&bSynAcked != 0 {
				t.enter(f, c, stEstablished)
				t.enter(of, o, stEstablished)
			}
			return
		}
		t.bothEstablishedBadly(f, c, of, o)
	default:
		t.bothEstablishedBadly(f, c, of, o)
	}
}

// bothEstablishedBadly moves the connection to established with the
// malformed-establishment mark on both sides.
func (t *TCPStates) bothEstablishedBadly(f *flow.Flow, c *conn, of *flow.Flow, o *conn) {
	c.flags |= MalformedOpen
	t.enter(f, c, stEstablished)
	if o != nil {
		o.flags |= MalformedOpen
		t.enter(of, o, stEstablished)
	}
}

// reset handles an RST after the opening: both sides go to RESET.
func (t *TCPStates) reset(f *flow.Flow, c *conn, of *flow.Flow, o *conn) {
	c.flags |= ResetFromSender | MalformedClose
	t.enter(f, c, stReset)
	if o != nil {
		o.flags |= MalformedClose
		t.enter(of, o, stReset)
	}
}

// fin remembers the sequence number the packet's FIN occupies: after
// the segment's data. T2 0.9.3 expects the ACK of a FIN at the segment's
// own sequence number + 1, so it never sees a FIN that carries data
// acknowledged and marks such teardowns malformed (0x02); we do not copy
// that (docs/differences-from-t2.md, "Plugin values").
func (t *TCPStates) fin(p *packet.Packet, c *conn) {
	c.finSeq = p.TCPSeq + p.L7Len
	c.bits |= bFinSeen
}

// ackFin marks the opposite FIN acknowledged when this packet acks it.
func (t *TCPStates) ackFin(p *packet.Packet, o *conn) {
	if o != nil && p.TCPFlags&fACK != 0 && o.bits&bFinSeen != 0 && p.TCPAck == o.finSeq+1 {
		o.bits |= bFinAcked
	}
}

func (t *TCPStates) enter(f *flow.Flow, c *conn, st uint8) {
	c.state = st
	t.setTimeout(f, st)
}

func (t *TCPStates) setTimeout(f *flow.Flow, st uint8) {
	if t.table != nil && f != nil {
		t.table.SetTimeout(f, t.timeouts[st])
	}
}

// ConcurrentTerminate implements plugin.ConcurrentTerminator:
// OnFlowTerminate reads f and the conns of f's slot and its opposite's,
// and leaves the pair's verdict in the opposite's conn (read only by the
// opposite's OnFlowTerminate, which comes after it on the same
// goroutine: no packet hook touches the slot of a released flow);
// aggregate is written by no other hook, read only by Report.
func (t *TCPStates) ConcurrentTerminate() {}

// OnFlowTerminate adds the end-of-flow verdict and writes the column.
func (t *TCPStates) OnFlowTerminate(f *flow.Flow, w *record.Writer) {
	if f.Key.Proto != 6 || int(f.Slot) >= len(t.conns) {
		w.H8(0)
		return
	}
	c := &t.conns[f.Slot]
	// Every TCP flow gets the end-of-flow verdict, even one whose packets
	// were all too short for the state machine.
	if c.bits&bTCP == 0 && f.Status&packet.L2Flow != 0 {
		w.H8(0)
		return
	}
	flags := c.flags
	var pairSyn, pairFin, paired bool
	const synOK, finOK = bSynSeen | bSynAcked, bFinSeen | bFinAcked
	switch {
	case f.Opposite != flow.None && int(f.Opposite) < len(t.conns):
		o := &t.conns[f.Opposite]
		paired = true
		pairSyn = c.bits&synOK == synOK && o.bits&synOK == synOK
		pairFin = c.bits&finOK == finOK && o.bits&finOK == finOK
		// The opposite may be released after this flow has lost its link;
		// leave it the verdict of the pair.
		o.bits |= bPairDone
		o.bits &^= bPairSyn | bPairFin
		if pairSyn {
			o.bits |= bPairSyn
		}
		if pairFin {
			o.bits |= bPairFin
		}
	case c.bits&bPairDone != 0:
		paired = true
		pairSyn = c.bits&bPairSyn != 0
		pairFin = c.bits&bPairFin != 0
	}
	finScan := c.bits&bFinScan != 0
	if !paired {
		flags |= MalformedOpen | MalformedClose
	} else {
		if !pairSyn {
			flags |= MalformedOpen
		}
		if !pairFin {
			flags |= MalformedClose
		}
	}
	// Only a clean teardown clears the FIN-scan mark: one that ended
	// malformed, also by a reset of an otherwise acknowledged FIN
	// exchange, keeps it (T2: teredo.pcap, the server side of flow 3).
	if finScan && flags&MalformedClose != 0 {
		flags |= PotentiallyHostile
	}
	if t.aggregate|flags != t.aggregate {
		// Stored only when it changes: a store for every flow, on the
		// retire goroutine, would take from the packet goroutine's core
		// the cache line of table, conns and timeouts (false sharing).
		t.aggregate |= flags
	}
	w.H8(flags)
}

// Report writes the aggregated flags of all released TCP flows.
func (t *TCPStates) Report(r *report.Writer) {
	if t.aggregate != 0 {
		r.Plugin(registration.Name, "Aggregated tcpStatesAFlags=0x%02x", t.aggregate)
	}
}
