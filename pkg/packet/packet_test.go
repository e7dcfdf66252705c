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

// Reset clears every field but the header description's text (which
// HdrLen 0 makes empty) as a zero Packet would be, with the offsets -1:
// Raw and Payload are the only fields holding pointers (Reset clears the
// others as plain bytes), in that order before HdrDesc, which is last.
func TestResetLayout(t *testing.T) {
	typ := reflect.TypeFor[Packet]()
	var ptrs []string
	var hasPtr func(reflect.Type) bool
	hasPtr = func(t reflect.Type) bool {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Chan, reflect.Func, reflect.Interface, reflect.String, reflect.UnsafePointer:
			return true
		case reflect.Array:
			return hasPtr(t.Elem())
		case reflect.Struct:
			for i := range t.NumField() {
				if hasPtr(t.Field(i).Type) {
					return true
				}
			}
		}
		return false
	}
	for i := range typ.NumField() {
		if f := typ.Field(i); hasPtr(f.Type) {
			ptrs = append(ptrs, f.Name)
		}
	}
	if !reflect.DeepEqual(ptrs, []string{"Raw", "Payload"}) {
		t.Fatalf("fields with pointers: %v, want Raw and Payload (Reset clears the others as bytes)", ptrs)
	}
	if last := typ.Field(typ.NumField() - 1); last.Name != "HdrDesc" || !(rawOff < payloadOff && payloadOff < hdrDescOff) {
		t.Fatalf("layout: last field %s, Raw at %d, Payload at %d, HdrDesc at %d", last.Name, rawOff, payloadOff, hdrDescOff)
	}
	raw := make([]byte, 100)
	var p Packet
	b := unsafe.Slice((*byte)(unsafe.Pointer(&p)), unsafe.Sizeof(p))
	for i := range b {
		b[i] = 0xa5
	}
	p.Raw, p.Payload = raw[3:50], raw[10:20]
	p.Reset()
	want := Packet{L3Off: -1, L4Off: -1, L7Off: -1, Raw: raw[3:3]}
	want.HdrDesc = p.HdrDesc
	if !reflect.DeepEqual(p, want) || unsafe.SliceData(p.Raw) != &raw[3] {
		t.Fatalf("after Reset: %+v", p)
	}
	w := unsafe.Slice((*byte)(unsafe.Pointer(&want)), unsafe.Sizeof(want))
	for i := range hdrDescOff {
		if i >= rawOff && i < rawEnd || i >= payloadOff && i < payloadEnd {
			continue
		}
		if b[i] != w[i] {
			t.Fatalf("byte %d (padding included) is %#x after Reset, want %#x", i, b[i], w[i])
		}
	}
	if len(p.HdrDescBytes()) != 0 || p.HdrLen != 0 {
		t.Fatalf("header description %q after Reset", p.HdrDescBytes())
	}
}

// TestTimeSplit: Split gives Sec and Nsec, also for negative times and
// at second boundaries.
func TestTimeSplit(t *testing.T) {
	for _, v := range []Time{0, 1, 999999999, 1e9, 1e9 + 1, -1, -999999999, -1e9, -1e9 - 1, 1700000000123456789, -1700000000123456789, 1<<63 - 1, -1 << 63} {
		s, n := v.Split()
		if s != v.Sec() || n != v.Nsec() {
			t.Errorf("%d: Split %d, %d, want %d, %d", int64(v), s, n, v.Sec(), v.Nsec())
		}
	}
}
