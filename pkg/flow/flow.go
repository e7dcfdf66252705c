// Package flow keeps the bidirectional flow table: one Flow per direction
// of a conversation, linked to its opposite, with T2's A/B and findex
// rules, per-timeout LRU lists and the hash autopilot.
package flow

import "github.com/t2go/t2go/pkg/packet"

// Key identifies one direction of a conversation. For layer-2 flows the
// MAC addresses are stored in SrcIP/DstIP (first 6 bytes).
type Key struct {
	SrcIP, DstIP     [16]byte
	VLAN             uint16
	EthType          uint16
	SrcPort, DstPort uint16
	Proto            uint8
	IPVer            uint8
}

// Reverse returns the key of the opposite direction.
func (k Key) Reverse() Key {
	r := k
	r.SrcIP, r.DstIP = k.DstIP, k.SrcIP
	r.SrcPort, r.DstPort = k.DstPort, k.SrcPort
	return r
}

// Symmetric reports whether k is its own reverse (same address and port
// on both sides): such a flow has no opposite, and for TCP T2 calls it a
// land attack.
func (k *Key) Symmetric() bool {
	return k.SrcIP == k.DstIP && k.SrcPort == k.DstPort
}

// None marks an absent slot reference (no opposite flow, list ends).
const None int32 = -1

// Flow is one direction of a conversation. Plugins keep their own
// per-flow state in slices indexed by Slot, so a Flow holds only what the
// core needs. The fields are ordered so that a Flow is exactly two cache
// lines (the table's slice is page aligned): a packet touches both, and
// the packet loop prefetches both.
type Flow struct {
	Key    Key  // 42 bytes
	IsB    bool // created as a reply (a reverse flow existed)
	list   int8 // timeout class index
	inUse  bool
	parked bool // timed out, waiting for the opposite (not in a list)
	// PrevIPID is the IPv4 ID of the flow's previous packet, 0 until its
	// second: the engine's DUPIPID check (flowStat bit 44). In what was
	// padding before Slot.
	PrevIPID uint16

	Slot       int32 // index in the table; stable for the flow's life
	Opposite   int32 // slot of the reverse flow, or None
	prev, next int32

	Index   uint64      // findex, shared with the opposite flow
	Status  uint64      // flowStat bits
	First   packet.Time // first packet
	Last    packet.Time // last packet
	Timeout packet.Time // idle time after which the flow is released
	NumPkts uint64      // packets of this flow
	hash    uint64      // Key.hash(), kept for the index's deletions
	_       [8]byte     // pad to 128 bytes
}

// IsInverted reports whether the flow carries flowStat bit 0, i.e. it is
// the server side by T2's heuristic; its packets count as B packets.
func (f *Flow) IsInverted() bool { return f.Status&packet.L3FlowInvert != 0 }

// Dir returns 'A' or 'B' as T2 prints the flow file's dir column: a flow
// without bit 0 is A, its opposite B; a flow without opposite is A.
func (f *Flow) Dir() byte {
	if f.Opposite != None && f.IsInverted() {
		return 'B'
	}
	return 'A'
}
