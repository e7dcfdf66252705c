package packet

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func descPacket(numHdrs uint16, names ...string) *Packet {
	p := &Packet{}
	p.Reset()
	for _, n := range names {
		p.AddHdr(n)
	}
	if numHdrs != 0 {
		p.NumHdrs = numHdrs
	}
	return p
}

func TestDescIDs(t *testing.T) {
	var d DescIDs
	id := func(p *Packet) uint16 { d.Assign(p); return p.HdrID }
	tcp := id(descPacket(0, "eth", "ipv4", "tcp"))
	udp := id(descPacket(0, "eth", "ipv4", "udp"))
	if tcp == 0 || udp == 0 || tcp == udp {
		t.Fatalf("ids tcp %d udp %d", tcp, udp)
	}
	if got := id(descPacket(0, "eth", "ipv4", "tcp")); got != tcp {
		t.Errorf("same description got %d, want %d", got, tcp)
	}
	// Same text, other header count (a folded {n} counts n headers).
	if got := id(descPacket(4, "eth", "ipv4", "tcp")); got == tcp || got == 0 {
		t.Errorf("other NumHdrs got %d", got)
	}
	// Bytes left past the text by an earlier, longer use must not count.
	p := descPacket(0, "eth", "ipv4", "tcp")
	copy(p.HdrDesc[p.HdrLen:], "garbage")
	if got := id(p); got != tcp {
		t.Errorf("with bytes past the text got %d, want %d", got, tcp)
	}
	// Long descriptions (past the word table) number alike.
	long := []string{"eth", "ipv4", "gre", "ipv4", "udp", "vxlan", "eth", "ipv6", "tcp"}
	l1 := id(descPacket(0, long...))
	id(descPacket(0, "eth", "arp"))
	if l2 := id(descPacket(0, long...)); l1 == 0 || l1 != l2 {
		t.Errorf("long description ids %d %d", l1, l2)
	}
	// Five descriptions so far: the next new one is number 6.
	if got := id(descPacket(0, "eth", "mpls", "ipv4", "sctp")); got != 6 {
		t.Errorf("sixth description got %d, want 6", got)
	}
}

func TestDescIDsManyAndFull(t *testing.T) {
	var d DescIDs
	seen := map[uint16]string{}
	for i := 0; i < 5000; i++ {
		p := descPacket(0, "eth", fmt.Sprintf("x%d", i), "tcp")
		d.Assign(p)
		if prev, ok := seen[p.HdrID]; ok || p.HdrID == 0 {
			t.Fatalf("%s got id %d (also %q)", p.HdrDescBytes(), p.HdrID, prev)
		}
		seen[p.HdrID] = string(p.HdrDescBytes())
	}
	for id, text := range seen { // after the table grew, old ones still map back
		p := descPacket(0, splitColon(text)...)
		if d.Assign(p); p.HdrID != id {
			t.Fatalf("%s: id %d, want %d", text, p.HdrID, id)
		}
	}
	d.n = MaxDescIDs
	p := descPacket(0, "eth", "new")
	if d.Assign(p); p.HdrID != 0 {
		t.Errorf("full table gave id %d, want 0", p.HdrID)
	}
}

func splitColon(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ':' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// (Chains are made once per program.)
var (
	testChains     = [][]string{{"eth", "ipv4", "tcp"}, {"eth", "ipv6", "udp"}, {"eth", "vlan", "ipv4"}, {"eth"}, {"sll", "vlan", "vlan"}, {"raw", "ipv4", "gre", "eth"}, {"sll", "vlan", "arp"}}
	testChainsMade = func() []*HdrChain {
		var m []*HdrChain
		for _, c := range testChains {
			m = append(m, NewHdrChain(c...))
		}
		return m
	}()
)

// Packets whose description a HdrChain set get the IDs that the same
// descriptions built name by name get, in the same order of first
// appearance, however the two kinds interleave.
func TestDescIDsChains(t *testing.T) {
	chains := testChains[:3]
	made := testChainsMade[:3]
	others := [][]string{{"eth", "arp"}, {"eth", "ipv4", "tcp", "ssdp"}, {"sll", "ipv4", "udp"}}
	rng := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 50; round++ {
		var with, without DescIDs
		for i := 0; i < 200; i++ {
			var a, b Packet
			switch k := rng.IntN(3); {
			case k == 0:
				c := rng.IntN(len(chains))
				a.SetHdrChain(made[c])
				for _, n := range chains[c] {
					b.AddHdrNoFold(n)
				}
			case k == 1:
				c := chains[rng.IntN(len(chains))]
				for _, n := range c {
					a.AddHdrNoFold(n)
					b.AddHdrNoFold(n)
				}
			default:
				c := others[rng.IntN(len(others))]
				if rng.IntN(2) == 0 {
					a.SetHdrChain(made[0])
					a.AddHdr("ssdp") // a chain then extended is not the chain
					c = others[1]
				} else {
					for _, n := range c {
						a.AddHdrNoFold(n)
					}
				}
				for _, n := range c {
					b.AddHdrNoFold(n)
				}
			}
			with.Assign(&a)
			without.Assign(&b)
			if a.HdrID != b.HdrID || a.HdrID == 0 {
				t.Fatalf("round %d packet %d %q: ID %d with chains, %d without", round, i, a.HdrDescBytes(), a.HdrID, b.HdrID)
			}
		}
	}
}
