package engine

import (
	"fmt"
	"sort"
	"testing"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
)

// dupProbe notes, per packet, whether the flow and the packet carried
// DUPIPID when the plugins saw it, and each flow's bit at its end (by the
// last byte of its source address).
type dupProbe struct {
	pkts  []string
	flows []string
}

func (d *dupProbe) OnLayer4(p *packet.Packet, f *flow.Flow) {
	d.pkts = append(d.pkts, fmt.Sprintf("%v/%v", f.Status&packet.DupIPID != 0, p.Status&packet.DupIPID != 0))
}

func (d *dupProbe) OnFlowTerminate(f *flow.Flow, _ *record.Writer) {
	d.flows = append(d.flows, fmt.Sprintf("%d%v", f.Key.SrcIP[3], f.Status&packet.DupIPID != 0))
	sort.Strings(d.flows)
}

var (
	_ plugin.Layer4Handler  = (*dupProbe)(nil)
	_ plugin.FlowTerminator = (*dupProbe)(nil)
)

// TestDupIPID: the core raises flowStat DUPIPID (bit 44) on an IPv4
// packet whose non-zero ID equals the previous packet's in the same flow
// direction, the flow's second packet not compared with its first (as
// T2's outputs show: a SYN-ACK and the ACK after it with the same ID are
// not flagged, a repeated ACK later is), with any plugin set; the packet
// and its flow carry it before the plugins run.
func TestDupIPID(t *testing.T) {
	type pkt struct {
		rev bool
		id  uint16
	}
	a := func(ids ...uint16) []pkt {
		var out []pkt
		for _, id := range ids {
			out = append(out, pkt{false, id})
		}
		return out
	}
	for _, c := range []struct {
		pkts  []pkt
		flows []string // the flows' bit at their end (1: 10.0.0.1 ->, 2: the reply)
		last  bool     // the last packet carries it
	}{
		{a(5, 5), []string{"1false"}, false},       // second packet vs first: not compared
		{a(5, 5, 6), []string{"1false"}, false},    // likewise
		{a(5, 6, 6), []string{"1true"}, true},      // third vs second
		{a(5, 5, 5), []string{"1true"}, true},      // third vs second
		{a(7, 8, 9, 8), []string{"1false"}, false}, // not consecutive
		{a(0, 0, 0, 0), []string{"1false"}, false}, // ID 0 does not count
		{a(1, 2, 3, 4), []string{"1false"}, false},
		// per direction: A 5 6 6 (flagged), B 6 6 (its second packet)
		{[]pkt{{false, 5}, {true, 6}, {false, 6}, {true, 6}, {false, 6}}, []string{"1true", "2false"}, true},
		// the reply's equal ID does not count for the other direction
		{[]pkt{{false, 5}, {false, 6}, {true, 6}, {true, 7}}, []string{"1false", "2false"}, false},
	} {
		w := newCapWriter()
		for _, p := range c.pkts {
			w.v4(p.rev, p.id, 0, false, udp(4))
		}
		d := &dupProbe{}
		runPlugins(t, w, d)
		if fmt.Sprint(d.flows) != fmt.Sprint(c.flows) {
			t.Errorf("IDs %v: flows %v, want %v", c.pkts, d.flows, c.flows)
		}
		if last, want := d.pkts[len(d.pkts)-1], fmt.Sprintf("%v/%v", c.last, c.last); last != want {
			t.Errorf("IDs %v: last packet's flow/packet bit %s, want %s (packets %v)", c.pkts, last, want, d.pkts)
		}
	}
}
