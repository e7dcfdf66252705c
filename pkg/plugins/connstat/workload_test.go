package connstat

import (
	"math/rand"
	"syscall"
	"testing"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"github.com/t2go/t2go/pkg/record"
)

type hooks interface {
	plugin.Initer
	OnNewFlow(p *packet.Packet, f *flow.Flow)
	OnLayer4(p *packet.Packet, f *flow.Flow)
	OnFlowTerminate(f *flow.Flow, w *record.Writer)
}

// BenchmarkWorkload runs the plugin (new) and the map-based reference
// model (ref) in a steady state shaped like a large capture: 16384 live
// flows over 20000 hosts (a few busy servers), half of them inverted
// replies; one op ends the oldest flow, opens one and gives three
// packets to live flows.
func BenchmarkWorkload(b *testing.B) {
	b.Run("new", func(b *testing.B) { workload(b, &ConnStat{}, false) })
	b.Run("ref", func(b *testing.B) { workload(b, &refConnStat{}, false) })
}

// BenchmarkWorkloadCold is BenchmarkWorkload/new with the cache pressure
// of a real run: each op also writes 4 KiB of a 64 MiB buffer (the other
// plugins' per-flow state and the packets streaming through), so the
// tables are mostly out of L1 and L2 when a flow comes back to them.
func BenchmarkWorkloadCold(b *testing.B) { workload(b, &ConnStat{}, true) }

func workload(b *testing.B, c hooks, cold bool) {
	const live, nKeys = 1 << 14, 1 << 16
	tab := flow.NewTable(2*live, 182e9)
	if err := c.Init(plugintest.With(b, embedded, map[string]int64{}, plugin.Env{Table: tab})); err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	host := func() [16]byte {
		n := rng.Intn(20000)
		if rng.Intn(3) == 0 {
			n = rng.Intn(50) // servers
		}
		return [16]byte{10, byte(n >> 16), byte(n >> 8), byte(n)}
	}
	keys := make([]flow.Key, nKeys)
	for i := range keys {
		keys[i] = flow.Key{IPVer: 4, Proto: 6, SrcIP: host(), DstIP: host(),
			SrcPort: uint16(rng.Intn(65536)), DstPort: uint16(rng.Intn(4))}
	}
	ring := make([]*flow.Flow, live)
	picks := make([]int32, nKeys)
	for i := range picks {
		picks[i] = int32(rng.Intn(live))
	}
	p := &packet.Packet{IPVer: 4, L4Proto: 6, L7Len: 100}
	var w record.Writer
	var junk []byte
	if cold {
		junk = make([]byte, 64<<20)
	}
	step := func(i int) {
		if junk != nil {
			o := (i * 4096) & (len(junk) - 1)
			clear(junk[o : o+4096])
		}
		r := i % live
		if f := ring[r]; f != nil {
			w.Reset()
			c.OnFlowTerminate(f, &w)
			tab.Remove(f)
			ring[r] = nil
		}
		k := &keys[i%nKeys]
		if tab.Lookup(k) == nil {
			f := tab.Create(k, 0)
			if i&1 != 0 {
				f.Status |= packet.L3FlowInvert
			}
			c.OnNewFlow(p, f)
			c.OnLayer4(p, f)
			ring[r] = f
		}
		for j := 0; j < 3; j++ {
			if f := ring[picks[(3*i+j)%nKeys]]; f != nil {
				c.OnLayer4(p, f)
			}
		}
	}
	for i := 0; i < 4*nKeys; i++ { // reach the steady state
		step(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	t0 := cpuTime()
	for i := 0; i < b.N; i++ {
		step(4*nKeys + i)
	}
	// The machines this runs on are often shared: the process's CPU time
	// per op is steadier than the wall time.
	b.ReportMetric(float64(cpuTime()-t0)/float64(b.N), "cpu-ns/op")
}

func cpuTime() int64 {
	var u syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &u) != nil {
		return 0
	}
	return u.Utime.Nano() + u.Stime.Nano()
}
