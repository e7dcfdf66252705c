// Package counters holds the analyzer's global statistics: every number
// the end report, the USR1 report and the machine report print. Counters
// only grow; differential reports subtract a snapshot (Sub), and the
// counters of several engines add up (Add).
package counters

// Counters is a plain value so that a snapshot is a copy.
type Counters struct {
	Packets        uint64 // every packet read
	RawBytes       uint64 // sum of wire lengths
	BytesProcessed uint64 // sum of captured lengths
	BytesOnWire    uint64 // L2 header + IP length (IP packets only)
	PadBytes       uint64 // Ethernet padding of short frames

	L2Packets uint64 // packets handled as layer-2 (non-IP)
	V4Packets uint64
	V6Packets uint64
	VxPackets uint64 // bogus IP version

	APackets, BPackets uint64 // by flowStat bit 0 of the packet's flow
	ABytes, BBytes     uint64

	LLCPackets, GREPackets, TeredoPackets, AYIYAPackets, LAPDPackets, DTLSPackets uint64
	FragV4Packets, FragV6Packets                                                  uint64

	AFlows, BFlows            uint64 // flows created as first seen / reply
	L2Flows, V4Flows, V6Flows uint64
	CorrReplFlows             uint64 // released unanswered flows with bit 0 set
	RmFlows                   uint64 // released by the hash autopilot
	Alarms, AlarmFlows        uint64

	PktsL2  [65536]uint64 // per innermost ethertype
	BytesL2 [65536]uint64
	PktsL3  [256]uint64 // per innermost L4 protocol
	BytesL3 [256]uint64

	// Cumulative values (never diffed).
	MinHdrs, MaxHdrs uint16
	SumHdrs          uint64 // for the average header count
	HdrPackets       uint64 // packets that entered the header statistics
	MaxVLAN, MaxMPLS uint8
	GlobalWarn       uint64
	MaxFlows         uint64 // peak flows in memory, kept on flow creation
}

// New returns counters with the header minimum at its neutral value.
func New() *Counters { return &Counters{MinHdrs: 0xffff} }

// Flows is the number of flows created.
func (c *Counters) Flows() uint64 { return c.AFlows + c.BFlows }

// Sub returns c - prev for every counter that differential reports diff;
// cumulative values (header statistics, globalWarn) are kept from c.
func (c *Counters) Sub(prev *Counters, out *Counters) {
	*out = *c
	out.Packets -= prev.Packets
	out.RawBytes -= prev.RawBytes
	out.BytesProcessed -= prev.BytesProcessed
	out.BytesOnWire -= prev.BytesOnWire
	out.PadBytes -= prev.PadBytes
	out.L2Packets -= prev.L2Packets
	out.V4Packets -= prev.V4Packets
	out.V6Packets -= prev.V6Packets
	out.VxPackets -= prev.VxPackets
	out.APackets -= prev.APackets
	out.BPackets -= prev.BPackets
	out.ABytes -= prev.ABytes
	out.BBytes -= prev.BBytes
	out.LLCPackets -= prev.LLCPackets
	out.GREPackets -= prev.GREPackets
	out.TeredoPackets -= prev.TeredoPackets
	out.AYIYAPackets -= prev.AYIYAPackets
	out.LAPDPackets -= prev.LAPDPackets
	out.DTLSPackets -= prev.DTLSPackets
	out.FragV4Packets -= prev.FragV4Packets
	out.FragV6Packets -= prev.FragV6Packets
	out.AFlows -= prev.AFlows
	out.BFlows -= prev.BFlows
	out.L2Flows -= prev.L2Flows
	out.V4Flows -= prev.V4Flows
	out.V6Flows -= prev.V6Flows
	out.CorrReplFlows -= prev.CorrReplFlows
	out.RmFlows -= prev.RmFlows
	out.Alarms -= prev.Alarms
	out.AlarmFlows -= prev.AlarmFlows
	for i := range out.PktsL2 {
		out.PktsL2[i] -= prev.PktsL2[i]
		out.BytesL2[i] -= prev.BytesL2[i]
	}
	for i := range out.PktsL3 {
		out.PktsL3[i] -= prev.PktsL3[i]
		out.BytesL3[i] -= prev.BytesL3[i]
	}
}

// Add adds the counters of another engine to c: sums for the counts,
// the extreme for minima and maxima, the OR for globalWarn. (MaxFlows
// becomes the sum of the peaks, a bound on the peak of the sum.)
func (c *Counters) Add(o *Counters) {
	c.Packets += o.Packets
	c.RawBytes += o.RawBytes
	c.BytesProcessed += o.BytesProcessed
	c.BytesOnWire += o.BytesOnWire
	c.PadBytes += o.PadBytes
	c.L2Packets += o.L2Packets
	c.V4Packets += o.V4Packets
	c.V6Packets += o.V6Packets
	c.VxPackets += o.VxPackets
	c.APackets += o.APackets
	c.BPackets += o.BPackets
	c.ABytes += o.ABytes
	c.BBytes += o.BBytes
	c.LLCPackets += o.LLCPackets
	c.GREPackets += o.GREPackets
	c.TeredoPackets += o.TeredoPackets
	c.AYIYAPackets += o.AYIYAPackets
	c.LAPDPackets += o.LAPDPackets
	c.DTLSPackets += o.DTLSPackets
	c.FragV4Packets += o.FragV4Packets
	c.FragV6Packets += o.FragV6Packets
	c.AFlows += o.AFlows
	c.BFlows += o.BFlows
	c.L2Flows += o.L2Flows
	c.V4Flows += o.V4Flows
	c.V6Flows += o.V6Flows
	c.CorrReplFlows += o.CorrReplFlows
	c.RmFlows += o.RmFlows
	c.Alarms += o.Alarms
	c.AlarmFlows += o.AlarmFlows
	for i := range c.PktsL2 {
		c.PktsL2[i] += o.PktsL2[i]
		c.BytesL2[i] += o.BytesL2[i]
	}
	for i := range c.PktsL3 {
		c.PktsL3[i] += o.PktsL3[i]
		c.BytesL3[i] += o.BytesL3[i]
	}
	c.MinHdrs = min(c.MinHdrs, o.MinHdrs)
	c.MaxHdrs = max(c.MaxHdrs, o.MaxHdrs)
	c.SumHdrs += o.SumHdrs
	c.HdrPackets += o.HdrPackets
	c.MaxVLAN = max(c.MaxVLAN, o.MaxVLAN)
	c.MaxMPLS = max(c.MaxMPLS, o.MaxMPLS)
	c.GlobalWarn |= o.GlobalWarn
	c.MaxFlows += o.MaxFlows
}
