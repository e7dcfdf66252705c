package packet

import (
	"encoding/binary"
	"math/bits"
)

// MaxDescIDs bounds the header-description numbering: IDs are uint16 and
// hostile input must not grow memory without limit.
const MaxDescIDs = 1<<16 - 1

// DescIDs numbers the distinct header descriptions of a run (the pair of
// NumHdrs and HdrDesc), so that per-flow code compares a small integer
// instead of the text. The analyzer's reader goroutine numbers each
// packet right after dissecting it, while its bytes are still in that
// core's cache; plugins then only read Packet.HdrID.
//
// IDs start at 1. Once MaxDescIDs descriptions exist, a new one gets 0,
// which users treat as "too many descriptions" (T2's HDOVRN).
//
// Descriptions of up to shortDesc bytes (nearly all: "eth:vlan:ipv4:tcp"
// is 17) are compared as four 64-bit words in an open-addressing table;
// longer ones go through a map.
type DescIDs struct {
	n     uint16
	last  descKey // the previous packet's description: most often repeated
	lastI uint16
	ents  []descEnt // open addressing, len a power of two, load <= 1/2
	used  int
	long  map[string]uint16
	buf   [2 + MaxHdrDesc]byte
	// chains[c] is the ID of HdrChain number c, once a packet with it
	// was numbered.
	chains [maxHdrChains + 1]uint16
}

const shortDesc = 32

type descKey struct {
	w       [shortDesc / 8]uint64
	numHdrs uint16
	n       uint8 // bytes of text
}

type descEnt struct {
	key descKey
	id  uint16 // 0: empty position
}

func (a *descKey) same(b *descKey) bool {
	return a.w[0] == b.w[0] && a.w[1] == b.w[1] && a.w[2] == b.w[2] && a.w[3] == b.w[3] &&
		a.numHdrs == b.numHdrs && a.n == b.n
}

func (a *descKey) hash() uint64 {
	h1, l1 := bits.Mul64(a.w[0]^0xa0761d6478bd642f, a.w[1]^0xe7037ed1a0b428db)
	h2, l2 := bits.Mul64(a.w[2]^0x8ebc6af09c88c6e3, a.w[3]^uint64(a.numHdrs)<<8^uint64(a.n)^0x589965cc75374cc3)
	h, l := bits.Mul64(h1^l1^0x1d8e4e27c47d124f, h2^l2)
	return h ^ l
}

// Assign sets p.HdrID.
func (d *DescIDs) Assign(p *Packet) {
	if c := p.chain; c != 0 {
		// A description made by SetHdrChain: its ID is known after the
		// first such packet.
		if id := d.chains[c]; id != 0 {
			p.HdrID = id
			return
		}
		d.assign(p)
		d.chains[c] = p.HdrID
		return
	}
	d.assign(p)
}

func (d *DescIDs) assign(p *Packet) {
	n := int(p.HdrLen)
	if n > shortDesc {
		p.HdrID = d.assignLong(p)
		return
	}
	var k descKey
	k.numHdrs, k.n = p.NumHdrs, uint8(n)
	for i := 0; i*8 < n; i++ {
		k.w[i] = binary.LittleEndian.Uint64(p.HdrDesc[i*8:])
	}
	if r := n % 8; r != 0 {
		k.w[n/8] &= 1<<(8*r) - 1 // bytes past the text do not count
	}
	if d.lastI != 0 && k.same(&d.last) {
		p.HdrID = d.lastI
		return
	}
	id := d.lookup(&k)
	if id != 0 {
		d.last, d.lastI = k, id
	}
	p.HdrID = id
}

// lookup returns the ID of k, numbering it if new (0 when full).
func (d *DescIDs) lookup(k *descKey) uint16 {
	if d.ents == nil {
		d.ents = make([]descEnt, 64)
	}
	mask := uint64(len(d.ents) - 1)
	for i := k.hash() & mask; ; i = (i + 1) & mask {
		e := &d.ents[i]
		if e.id == 0 {
			id := d.next()
			if id == 0 {
				return 0
			}
			e.key, e.id = *k, id
			d.used++
			if 2*d.used > len(d.ents) {
				d.grow()
			}
			return id
		}
		if e.key.same(k) {
			return e.id
		}
	}
}

func (d *DescIDs) grow() {
	old := d.ents
	d.ents = make([]descEnt, 2*len(old))
	mask := uint64(len(d.ents) - 1)
	for _, e := range old {
		if e.id == 0 {
			continue
		}
		i := e.key.hash() & mask
		for d.ents[i].id != 0 {
			i = (i + 1) & mask
		}
		d.ents[i] = e
	}
}

func (d *DescIDs) assignLong(p *Packet) uint16 {
	k := append(d.buf[:0], byte(p.NumHdrs>>8), byte(p.NumHdrs))
	k = append(k, p.HdrDescBytes()...)
	if id, ok := d.long[string(k)]; ok {
		return id
	}
	id := d.next()
	if id == 0 {
		return 0
	}
	if d.long == nil {
		d.long = make(map[string]uint16)
	}
	d.long[string(k)] = id
	return id
}

// next hands out the next ID, 0 when all are taken.
func (d *DescIDs) next() uint16 {
	if int(d.n) >= MaxDescIDs {
		return 0
	}
	d.n++
	return d.n
}
