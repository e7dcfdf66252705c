package flow

import (
	"encoding/binary"
	"math/bits"
)

// index maps a Key to its slot. It replaces a Go map[Key]int32: the map
// hashes and compares the 42-byte key through generic runtime code, and a
// lookup costs several dependent cache misses; here a key hashes with a
// few multiplications, a lookup probes an 8-byte entry (usually one cache
// line) and compares the key only when the entry's 32-bit tag (the high
// half of the hash) agrees.
//
// It is open addressing with linear probing at a load factor of at most
// 1/2 (the table's capacity is fixed, so the index never grows), and
// deletion shifts later entries of the run back (no tombstones, so
// lookups stay short however long the run is).
type index struct {
	ents  []entry
	shift uint // 64 - log2(len(ents)): the home position is hash >> shift
	mask  uint64
}

// entry is one index position. slot1 is the flow slot + 1; 0 marks an
// empty position.
type entry struct {
	tag   uint32 // high 32 bits of the key's hash: its home position is in there
	slot1 uint32
}

// home returns the home position of e. It comes from the tag, so
// deletions read no flow memory, unless the index has more than 2^32
// positions.
func (x *index) home(e entry, flows []Flow) uint64 {
	if x.shift >= 32 {
		return uint64(e.tag) >> (x.shift - 32)
	}
	return flows[e.slot1-1].hash >> x.shift
}

func newIndex(capacity int) index {
	n := 16
	for n < 2*capacity {
		n <<= 1
	}
	return index{
		ents:  make([]entry, n),
		shift: uint(64 - bits.TrailingZeros(uint(n))),
		mask:  uint64(n - 1),
	}
}

// Random odd constants (from wyhash) for the hash.
const (
	h0 = 0xa0761d6478bd642f
	h1 = 0xe7037ed1a0b428db
	h2 = 0x8ebc6af09c88c6e3
	h3 = 0x589965cc75374cc3
	h4 = 0x1d8e4e27c47d124f
)

func mix(a, b uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	return hi ^ lo
}

// Hash returns the 64-bit hash of k as the table uses it (for LookupHash;
// callers may compute it ahead, on another goroutine).
func (k *Key) Hash() uint64 { return k.hash() }

// ReverseHash returns the hash of k.Reverse() without building it.
func (k *Key) ReverseHash() uint64 {
	return hashOf(&k.DstIP, &k.SrcIP, k.DstPort, k.SrcPort, k)
}

// hash returns the 64-bit hash of k.
func (k *Key) hash() uint64 {
	return hashOf(&k.SrcIP, &k.DstIP, k.SrcPort, k.DstPort, k)
}

// hashOf is the key hash (wyhash-style folding of the key's five 64-bit
// words) of addresses src, dst, ports sp, dp and the rest of k.
func hashOf(src, dst *[16]byte, sp, dp uint16, k *Key) uint64 {
	le := binary.LittleEndian
	s0, s1 := le.Uint64(src[:8]), le.Uint64(src[8:])
	d0, d1 := le.Uint64(dst[:8]), le.Uint64(dst[8:])
	rest := uint64(k.VLAN) | uint64(k.EthType)<<16 | uint64(sp)<<32 | uint64(dp)<<48
	x := uint64(k.Proto) | uint64(k.IPVer)<<8
	h := mix(s0^h0, s1^h1) ^ mix(d0^h2, d1^h3) ^ mix(rest^h4, x^h1)
	return mix(h^h2, h3)
}

// matches reports whether o is k (reverse false) or k's reverse (reverse
// true), comparing word by word (cheaper than the generic memequal the
// compiler emits for ==).
func (k *Key) matches(o *Key, reverse bool) bool {
	src, dst, sp, dp := &o.SrcIP, &o.DstIP, o.SrcPort, o.DstPort
	if reverse {
		src, dst, sp, dp = dst, src, dp, sp
	}
	le := binary.LittleEndian
	return le.Uint64(k.SrcIP[:8]) == le.Uint64(src[:8]) &&
		le.Uint64(k.SrcIP[8:]) == le.Uint64(src[8:]) &&
		le.Uint64(k.DstIP[:8]) == le.Uint64(dst[:8]) &&
		le.Uint64(k.DstIP[8:]) == le.Uint64(dst[8:]) &&
		k.SrcPort == sp && k.DstPort == dp &&
		k.VLAN == o.VLAN && k.EthType == o.EthType &&
		k.Proto == o.Proto && k.IPVer == o.IPVer
}

// find returns the slot of k, or with reverse set of k's reverse, whose
// hash is h; None when there is none.
func (x *index) find(flows []Flow, k *Key, h uint64, reverse bool) int32 {
	tag := uint32(h >> 32)
	i := h >> x.shift
	for {
		e := x.ents[i]
		if e.slot1 == 0 {
			return None
		}
		if e.tag == tag && k.matches(&flows[e.slot1-1].Key, reverse) {
			return int32(e.slot1 - 1)
		}
		i = (i + 1) & x.mask
	}
}

// insert adds slot under hash h. The key must not be present.
func (x *index) insert(h uint64, slot int32) {
	i := h >> x.shift
	for x.ents[i].slot1 != 0 {
		i = (i + 1) & x.mask
	}
	x.ents[i] = entry{tag: uint32(h >> 32), slot1: uint32(slot) + 1}
}

// remove deletes slot (stored under hash h) and closes the gap: each later
// entry of the run moves into the hole if its home position allows.
func (x *index) remove(flows []Flow, h uint64, slot int32) {
	i := h >> x.shift
	want := uint32(slot) + 1
	for x.ents[i].slot1 != want {
		if x.ents[i].slot1 == 0 {
			return // not present
		}
		i = (i + 1) & x.mask
	}
	hole := i
	for {
		i = (i + 1) & x.mask
		e := x.ents[i]
		if e.slot1 == 0 {
			break
		}
		home := x.home(e, flows)
		// e may move to hole when its home is not in (hole, i], i.e. the
		// hole lies on its probe path (cyclically).
		if (i-home)&x.mask >= (i-hole)&x.mask {
			x.ents[hole] = e
			hole = i
		}
	}
	x.ents[hole] = entry{}
}
