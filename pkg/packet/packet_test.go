package packet

import (
	"reflect"
	"testing"
	"unsafe"
)

func TestAddHdrAggregates(t *testing.T) {
	var p Packet
	p.Reset()
	for _, n := range []string{"eth", "vlan", "vlan", "ipv4", "tcp"} {
		p.AddHdr(n)
	}
	if got := string(p.HdrDescBytes()); got != "eth:vlan{2}:ipv4:tcp" {
		t.Fatalf("hdrDesc = %q", got)
	}
	if p.NumHdrs != 5 {
		t.Fatalf("NumHdrs = %d, want 5", p.NumHdrs)
	}
}

func TestAddHdrOverrun(t *testing.T) {
	var p Packet
	p.Reset()
	for i := 0; i < 100; i++ {
		p.AddHdr("ipv4")
		p.AddHdr("gre")
	}
	if p.Status&HdrDescOverrun == 0 {
		t.Fatal("overrun not flagged")
	}
	if int(p.HdrLen) > MaxHdrDesc {
		t.Fatal("buffer overflow")
	}
}

func TestTimeFormat(t *testing.T) {
	cases := map[Time]string{
		0:                   "0.000000000",
		1258544215000000000: "1258544215.000000000",
		1500000001:          "1.500000001",
		-1500000000:         "-1.500000000",
	}
	for in, want := range cases {
		if got := in.String(); got != want {
			t.Errorf("%d: got %q want %q", int64(in), got, want)
		}
	}
}

// Prepared stays small (it is in every packet of a batch) and Reset
// clears it, so that no prepared value outlives its packet.
func TestPreparedSmallAndReset(t *testing.T) {
	if n := unsafe.Sizeof(Prepared{}); n > 64 {
		t.Errorf("Prepared is %d bytes, want at most 64", n)
	}
	var p Packet
	p.Prep.Flags = PrepL3Chk | PrepL4Sum | PrepHdr
	p.Prep.Hdr.Seq, p.Prep.L4Sum = 1, 2
	p.Reset()
	if p.Prep != (Prepared{}) {
		t.Errorf("Reset left %+v", p.Prep)
	}
}

// A HdrChain gives a packet what AddHdrNoFold of its names gives, and
// later names fold into it the same way.
func TestHdrChain(t *testing.T) {
	for i, names := range testChains {
		c := testChainsMade[i]
		var a, b Packet
		a.SetHdrChain(c)
		for _, n := range names {
			b.AddHdrNoFold(n)
		}
		if a.chain != c.num || a.chain == 0 {
			t.Fatalf("%v: chain number %d, want %d", names, a.chain, c.num)
		}
		a.AddHdr(names[len(names)-1])
		b.AddHdr(names[len(names)-1])
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%v: chain gives %q (%d headers), AddHdrNoFold %q (%d)", names, a.HdrDescBytes(), a.NumHdrs, b.HdrDescBytes(), b.NumHdrs)
		}
	}
	defer func() {
		if recover() == nil {
			t.Fatal("a chain over 16 bytes was made")
		}
	}()
	NewHdrChain("eth", "ipv4", "gre", "ipv4")
}
