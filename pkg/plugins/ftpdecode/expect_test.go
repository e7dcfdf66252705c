package ftpdecode

import "testing"

func TestExpectTablePortCounts(t *testing.T) {
	tb := newExpectTable()
	a := expectKey{port: 2000, ipVer: 4, proto: 6}
	b := a
	b.ip[0] = 10 // same port, other address
	tb.put(a, expectation{ctlSlot: 1})
	tb.put(a, expectation{ctlSlot: 2}) // replaces, counts once
	tb.put(b, expectation{ctlSlot: 3})
	if tb.len() != 2 || tb.ports[2000] != 2 {
		t.Fatalf("len %d, port count %d; want 2, 2", tb.len(), tb.ports[2000])
	}
	if e, ok := tb.get(a); !ok || e.ctlSlot != 2 {
		t.Fatalf("get a = %+v %v", e, ok)
	}
	tb.del(a)
	tb.del(a) // absent: no change
	if _, ok := tb.get(a); ok || !tb.maybe(2000) || tb.ports[2000] != 1 {
		t.Fatalf("after del: present %v, count %d", ok, tb.ports[2000])
	}
	tb.del(b)
	if tb.maybe(2000) || tb.len() != 0 {
		t.Fatalf("after deleting all: count %d, len %d", tb.ports[2000], tb.len())
	}
	if _, ok := tb.get(expectKey{port: 2001}); ok {
		t.Fatal("never announced port found")
	}
}
