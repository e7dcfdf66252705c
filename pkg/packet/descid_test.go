package packet

import (
	"fmt"
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
