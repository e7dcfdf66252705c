package counters

import (
	"reflect"
	"testing"
)

func TestSubDiffsCountersKeepsCumulativeValues(t *testing.T) {
	prev, cur := New(), New()
	prev.Packets, cur.Packets = 10, 25
	prev.BFlows, cur.BFlows = 1, 4
	prev.PktsL3[6], cur.PktsL3[6] = 7, 9
	prev.BytesL2[0x0806], cur.BytesL2[0x0806] = 60, 180
	cur.GlobalWarn = 0x4000
	cur.MinHdrs, cur.MaxHdrs, cur.SumHdrs = 2, 4, 77
	var d Counters
	cur.Sub(prev, &d)
	if d.Packets != 15 || d.BFlows != 3 || d.PktsL3[6] != 2 || d.BytesL2[0x0806] != 120 {
		t.Fatalf("diff wrong: packets %d bflows %d tcp %d arp bytes %d", d.Packets, d.BFlows, d.PktsL3[6], d.BytesL2[0x0806])
	}
	if d.GlobalWarn != 0x4000 || d.MinHdrs != 2 || d.MaxHdrs != 4 || d.SumHdrs != 77 {
		t.Fatal("cumulative values must not be diffed")
	}
	if cur.Flows() != 4 || d.Flows() != 3 {
		t.Fatalf("Flows: %d %d", cur.Flows(), d.Flows())
	}
}

// TestAddSumsEveryField fills every field of two counter sets through
// reflection and checks that Add combined each one: a field added to
// Counters but forgotten in Add fails here.
func TestAddSumsEveryField(t *testing.T) {
	a, b := New(), New()
	fill(reflect.ValueOf(a).Elem(), 3)
	fill(reflect.ValueOf(b).Elem(), 5)
	a.GlobalWarn, b.GlobalWarn = 0x1, 0x4
	sum := *a
	sum.Add(b)
	v := reflect.ValueOf(sum)
	for i := 0; i < v.NumField(); i++ {
		name := v.Type().Field(i).Name
		f := v.Field(i)
		first := f
		if f.Kind() == reflect.Array {
			first = f.Index(f.Len() - 1)
		}
		var want uint64
		switch name {
		case "MinHdrs":
			want = 3
		case "MaxHdrs", "MaxVLAN", "MaxMPLS":
			want = 5
		case "GlobalWarn":
			want = 0x5
		default:
			want = 8
		}
		if first.Uint() != want {
			t.Errorf("%s after Add: %d, want %d", name, first.Uint(), want)
		}
	}
}

func fill(v reflect.Value, n uint64) {
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i)
		if f.Kind() == reflect.Array {
			for j := 0; j < f.Len(); j++ {
				f.Index(j).SetUint(n)
			}
			continue
		}
		f.SetUint(n)
	}
}

// BenchmarkAdd: what a report with several workers costs per worker (the
// run's counters are added up while the workers wait).
func BenchmarkAdd(b *testing.B) {
	var sum, c Counters
	for i := 0; i < b.N; i++ {
		sum.Add(&c)
	}
}
