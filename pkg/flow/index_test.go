package flow

import (
	"math/rand"
	"testing"

	"github.com/t2go/t2go/pkg/packet"
)

// TestIndexMatchesMap runs random creates and removes on a small, full
// table (long probe runs, wrap-around at the end of the index) and checks
// every key against a Go map after each step.
func TestIndexMatchesMap(t *testing.T) {
	const capacity = 48
	tab := NewTable(capacity, sec(100))
	model := map[Key]int32{}
	rng := rand.New(rand.NewSource(1))
	keys := make([]Key, 200)
	for i := range keys {
		// Few distinct values so that keys differ in one field only.
		keys[i] = key(byte(rng.Intn(4)), byte(rng.Intn(4)), uint16(rng.Intn(6)), uint16(rng.Intn(6)))
		keys[i].VLAN = uint16(rng.Intn(3))
	}
	for step := 0; step < 20000; step++ {
		k := keys[rng.Intn(len(keys))]
		if slot, ok := model[k]; ok {
			if rng.Intn(2) == 0 {
				tab.Remove(tab.Flow(slot))
				delete(model, k)
			}
		} else if !tab.Full() {
			f := tab.Create(&k, packet.Time(step))
			model[k] = f.Slot
		}
		for _, k := range keys {
			slot, ok := model[k]
			f := tab.Lookup(&k)
			if ok != (f != nil) || (ok && f.Slot != slot) {
				t.Fatalf("step %d: key %v: model (%d,%v), table %v", step, k, slot, ok, f)
			}
		}
	}
}

// TestKeyEqualMatchesOperator checks the word-wise key comparison against
// Go's == on keys that differ in each single field.
func TestKeyEqualMatchesOperator(t *testing.T) {
	base := key(1, 2, 3, 4)
	variants := []func(*Key){
		func(k *Key) { k.SrcIP[15] = 9 },
		func(k *Key) { k.DstIP[7] = 9 },
		func(k *Key) { k.VLAN = 9 },
		func(k *Key) { k.EthType = 9 },
		func(k *Key) { k.SrcPort = 9 },
		func(k *Key) { k.DstPort = 9 },
		func(k *Key) { k.Proto = 9 },
		func(k *Key) { k.IPVer = 9 },
		func(k *Key) {},
	}
	for i, v := range variants {
		k := base
		v(&k)
		if k.matches(&base, false) != (k == base) {
			t.Errorf("variant %d: matches %v, == %v", i, k.matches(&base, false), k == base)
		}
		r := base.Reverse()
		if k.matches(&r, true) != (k == base) {
			t.Errorf("variant %d: matches reverse %v, == %v", i, k.matches(&r, true), k == base)
		}
	}
}

// BenchmarkLookupHit measures a lookup of a present key in a table of
// 262144 flows (T2's default size) filled to a quarter.
func BenchmarkLookupHit(b *testing.B) {
	const capacity = 262144
	tab := NewTable(capacity, sec(100))
	keys := make([]Key, capacity/4)
	rng := rand.New(rand.NewSource(1))
	for i := range keys {
		k := key(0, 0, uint16(rng.Intn(65536)), uint16(i))
		rng.Read(k.SrcIP[:4])
		rng.Read(k.DstIP[:4])
		keys[i] = k
		tab.Create(&keys[i], 0)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if tab.Lookup(&keys[i%len(keys)]) == nil {
			b.Fatal("miss")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}

// BenchmarkCreateRemove measures a flow's create and remove (index insert,
// reverse lookup, delete).
func BenchmarkCreateRemove(b *testing.B) {
	const capacity = 262144
	tab := NewTable(capacity, sec(100))
	rng := rand.New(rand.NewSource(1))
	keys := make([]Key, 4096)
	for i := range keys {
		k := key(0, 0, uint16(rng.Intn(65536)), uint16(i))
		rng.Read(k.SrcIP[:4])
		rng.Read(k.DstIP[:4])
		keys[i] = k
	}
	// A resident population so probes see a realistic load.
	for i := 0; i < capacity/4; i++ {
		k := key(0, 0, uint16(i), 1)
		rng.Read(k.SrcIP[:4])
		k.SrcIP[4] = 1
		tab.Create(&k, 0)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := tab.Create(&keys[i%len(keys)], 0)
		tab.Remove(f)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "flows/s")
}

func TestReverseHash(t *testing.T) {
	k := Key{SrcPort: 1234, DstPort: 80, Proto: 6, IPVer: 4, EthType: 0x0800, VLAN: 7}
	copy(k.SrcIP[:], []byte{10, 0, 0, 1})
	copy(k.DstIP[:], []byte{192, 168, 1, 2})
	r := k.Reverse()
	if k.ReverseHash() != r.hash() || r.ReverseHash() != k.hash() {
		t.Fatal("ReverseHash differs from the hash of the reversed key")
	}
	if k.hash() == r.hash() {
		t.Fatal("a key and its reverse hash alike")
	}
}
