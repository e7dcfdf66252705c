package engine

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/t2go/t2go/internal/pcaptest"
	"github.com/t2go/t2go/pkg/capture"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
)

// Crafted captures for the fragment rules (IPV4_FRAG_ERR, _HDSEQ_ERR,
// _PENDING: flowStat bits 37-39) and the IPvX count.

type capWriter struct{ *pcaptest.Writer }

func newCapWriter() *capWriter { return &capWriter{pcaptest.NewWriter()} }

// eth writes one Ethernet frame with the given ethertype and payload.
func (w *capWriter) eth(ethType uint16, payload []byte) {
	f := []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, byte(ethType >> 8), byte(ethType)}
	w.Frame(append(f, payload...))
}

// udp is a UDP header (ports 5000 -> 53) and n payload bytes.
func udp(n int) []byte { return udpFrom(5000, n) }

func udpFrom(sport uint16, n int) []byte {
	u := make([]byte, 8+n)
	binary.BigEndian.PutUint16(u[0:], sport)
	binary.BigEndian.PutUint16(u[2:], 53)
	binary.BigEndian.PutUint16(u[4:], uint16(8+n))
	return u
}

// v4 writes an IPv4 UDP packet 10.0.0.1 -> 10.0.0.2 (rev swaps them):
// offset in bytes, mf the more-fragments flag; l4 is the IP payload.
func (w *capWriter) v4(rev bool, id uint16, offset int, mf bool, l4 []byte) {
	w.v4Proto(rev, 17, id, offset, mf, l4)
}

// v4Proto is v4 with another IP protocol number.
func (w *capWriter) v4Proto(rev bool, proto uint8, id uint16, offset int, mf bool, l4 []byte) {
	ip := make([]byte, 20)
	ip[0], ip[8], ip[9] = 0x45, 64, proto
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(l4)))
	binary.BigEndian.PutUint16(ip[4:], id)
	fo := uint16(offset / 8)
	if mf {
		fo |= 0x2000
	}
	binary.BigEndian.PutUint16(ip[6:], fo)
	src, dst := []byte{10, 0, 0, 1}, []byte{10, 0, 0, 2}
	if rev {
		src, dst = dst, src
	}
	copy(ip[12:], src)
	copy(ip[16:], dst)
	pcaptest.SetIPv4Checksum(ip)
	w.eth(0x0800, append(ip, l4...))
}

// v6 writes an IPv6 fragment 2001:db8::1 -> 2001:db8::2 (next header UDP).
func (w *capWriter) v6(id uint32, offset int, mf bool, l4 []byte) {
	ip := make([]byte, 48)
	ip[0] = 0x60
	binary.BigEndian.PutUint16(ip[4:], uint16(8+len(l4)))
	ip[6], ip[7] = 44, 64
	ip[8], ip[9], ip[23] = 0x20, 0x01, 1
	ip[24], ip[25], ip[39] = 0x20, 0x01, 2
	ip[10], ip[11], ip[26], ip[27] = 0x0d, 0xb8, 0x0d, 0xb8
	ip[40] = 17
	fo := uint16(offset) &^ 7
	if mf {
		fo |= 1
	}
	binary.BigEndian.PutUint16(ip[42:], fo)
	binary.BigEndian.PutUint32(ip[44:], id)
	w.eth(0x86dd, append(ip, l4...))
}

// statusProbe records every flow's flowStat at its end.
type statusProbe struct{ flows []string }

func (*statusProbe) Name() string                        { return "statusProbe" }
func (*statusProbe) Number() int                         { return 1 }
func (*statusProbe) Columns() []record.Column            { return nil }
func (*statusProbe) OnLayer4(*packet.Packet, *flow.Flow) {}
func (s *statusProbe) OnFlowTerminate(f *flow.Flow, _ *record.Writer) {
	s.flows = append(s.flows, fmt.Sprintf("%c%d %d/%d %#x", f.Dir(), f.Index, f.Key.SrcPort, f.Key.DstPort, f.Status&fragBits))
}

const fragBits = packet.IPv4Frag | packet.IPv4FragErr | packet.IPv4FragHdSeq | packet.IPv4FragPending

// runCapture runs an engine with statusProbe over w's capture and
// returns the probe's flows and the fragment bits of the aggregate.
func runCapture(t *testing.T, w *capWriter) ([]string, uint64) {
	t.Helper()
	s := &statusProbe{}
	e := runPlugins(t, w, s)
	return s.flows, e.Counters().GlobalWarn & fragBits
}

// runPlugins runs an engine with plugins over w's capture.
func runPlugins(t *testing.T, w *capWriter, plugins ...plugin.Plugin) *Engine {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.pcap")
	if err := os.WriteFile(path, w.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	e := New(Options{Capacity: 64, FlowTimeout: packet.FromSeconds(182), RegularFile: true}, &nopHooks{})
	src, err := capture.OpenFile(path, capture.Options{OnFile: e.OnFile, Stop: e.Stopping(), MaxBytes: BatchBytes})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	e.SetSource(src)
	if err := e.SetPlugins(plugins, plugin.SinkStart{}); err != nil {
		t.Fatal(err)
	}
	if err := e.Run(nil); err != nil {
		t.Fatal(err)
	}
	if err := e.Finish(); err != nil {
		t.Fatal(err)
	}
	return e
}

const (
	frag    = packet.IPv4Frag
	fragErr = packet.IPv4FragErr
	hdSeq   = packet.IPv4FragHdSeq
	pending = packet.IPv4FragPending
)

func TestFragmentStatus(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(w *capWriter)
		flows []string // dir findex ports flowStat&fragBits, in termination order
		warn  uint64   // fragment bits of the aggregated flowStat
	}{
		{"complete datagram", func(w *capWriter) {
			w.v4(false, 7, 0, true, udp(24))
			w.v4(false, 7, 32, false, make([]byte, 16))
		}, []string{fmt.Sprintf("A1 5000/53 %#x", frag)}, frag},
		{"last fragment missing", func(w *capWriter) {
			w.v4(false, 7, 0, true, udp(24))
			w.v4(false, 7, 32, true, make([]byte, 16))
		}, []string{fmt.Sprintf("A1 5000/53 %#x", frag|pending)}, frag | pending},
		{"repeated first fragment", func(w *capWriter) {
			w.v4(false, 7, 0, true, udp(24))
			w.v4(false, 7, 0, true, udp(24))
			w.v4(false, 7, 32, false, make([]byte, 16))
		}, []string{fmt.Sprintf("A1 5000/53 %#x", frag)}, frag},
		{"next datagram before the last fragment", func(w *capWriter) {
			w.v4(false, 7, 0, true, udp(24))
			w.v4(false, 8, 0, true, udp(24))
			w.v4(false, 8, 32, false, make([]byte, 16))
		}, []string{fmt.Sprintf("A1 5000/53 %#x", frag|fragErr)}, frag | fragErr},
		{"unfragmented packet while pending", func(w *capWriter) {
			w.v4(false, 7, 0, true, udp(24))
			w.v4(false, 9, 0, false, udp(24))
			w.v4(false, 7, 32, false, make([]byte, 16))
		}, []string{fmt.Sprintf("A1 5000/53 %#x", frag|fragErr)}, frag | fragErr},
		{"late last fragment of an older datagram", func(w *capWriter) {
			// The entry of datagram 7 outlives it (repeats join their
			// flow), but its last fragment does not finish datagram 8.
			w.v4(false, 7, 0, true, udp(24))
			w.v4(false, 7, 32, false, make([]byte, 16))
			w.v4(false, 8, 0, true, udp(24))
			w.v4(false, 7, 32, false, make([]byte, 16))
		}, []string{fmt.Sprintf("A1 5000/53 %#x", frag|pending)}, frag | pending},
		{"headless last fragments", func(w *capWriter) {
			// T2's flow A 2 of ipv4-fragments: each fragment without
			// first fragment opens a datagram in the port-0 flow.
			w.v4(false, 7, 32, false, make([]byte, 16))
			w.v4(false, 8, 32, false, make([]byte, 16))
		}, []string{fmt.Sprintf("A1 0/0 %#x", frag|fragErr|hdSeq|pending)}, frag | fragErr | hdSeq | pending},
		{"headless middle fragment", func(w *capWriter) {
			w.v4(false, 7, 32, true, make([]byte, 16))
			w.v4(false, 7, 48, false, make([]byte, 16))
		}, []string{fmt.Sprintf("A1 0/0 %#x", frag|hdSeq)}, frag | hdSeq},
		{"pending flow's key taken by another flow", func(w *capWriter) {
			// Two flows between the same hosts use the same IP ID: only
			// the flow that now owns the key keeps waiting.
			w.v4(false, 7, 0, true, udp(24))
			w.v4(false, 7, 0, true, udpFrom(5001, 24))
			w.v4(false, 7, 32, false, make([]byte, 16))
		}, []string{fmt.Sprintf("A1 5000/53 %#x", frag), fmt.Sprintf("A2 5001/53 %#x", frag)}, frag},
		{"IPv6 complete datagrams", func(w *capWriter) {
			// T2 0.9.3 never finds the first fragment of an IPv6
			// datagram (bits 37-39 on every fragmented IPv6 flow, later
			// fragments of UDP/TCP in a port-0 flow); ours do.
			w.v6(0x10, 0, true, udp(24))
			w.v6(0x10, 32, false, make([]byte, 16))
			w.v6(0x11, 0, true, udp(24))
			w.v6(0x11, 32, false, make([]byte, 16))
		}, []string{fmt.Sprintf("A1 5000/53 %#x", frag)}, frag},
		{"IPv6 last fragment missing", func(w *capWriter) {
			w.v6(0x10, 0, true, udp(24))
			w.v6(0x11, 0, true, udp(24))
		}, []string{fmt.Sprintf("A1 5000/53 %#x", frag|fragErr|pending)}, frag | fragErr | pending},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newCapWriter()
			tc.write(w)
			flows, warn := runCapture(t, w)
			if fmt.Sprint(flows) != fmt.Sprint(tc.flows) {
				t.Errorf("flows %q, want %q", flows, tc.flows)
			}
			if warn != tc.warn {
				t.Errorf("aggregated fragment bits %#x, want %#x", warn, tc.warn)
			}
		})
	}
}

// pktProbe counts each flow's packets.
type pktProbe struct {
	n     map[uint64]int
	flows []string
}

func (*pktProbe) Name() string             { return "pktProbe" }
func (*pktProbe) Number() int              { return 1 }
func (*pktProbe) Columns() []record.Column { return nil }
func (p *pktProbe) OnLayer4(_ *packet.Packet, f *flow.Flow) {
	p.n[f.Index]++
}
func (p *pktProbe) OnFlowTerminate(f *flow.Flow, _ *record.Writer) {
	p.flows = append(p.flows, fmt.Sprintf("%c%d %d/%d %d pkts", f.Dir(), f.Index, f.Key.SrcPort, f.Key.DstPort, p.n[f.Index]))
}

// A UDP and a TCP datagram between the same hosts with the same IP ID:
// each later fragment joins its own protocol's flow (the fragment key
// holds the protocol and VLAN, as T2's does).
func TestFragmentKeyHoldsProtocol(t *testing.T) {
	w := newCapWriter()
	tcp := make([]byte, 32)
	binary.BigEndian.PutUint16(tcp[0:], 6000)
	binary.BigEndian.PutUint16(tcp[2:], 80)
	tcp[12], tcp[13] = 0x50, 0x10
	w.v4(false, 7, 0, true, udp(24))
	w.v4Proto(false, 6, 7, 0, true, tcp)
	w.v4(false, 7, 32, false, make([]byte, 16))
	w.v4Proto(false, 6, 7, 32, false, make([]byte, 16))
	p := &pktProbe{n: map[uint64]int{}}
	e := runPlugins(t, w, p)
	want := []string{"A1 5000/53 2 pkts", "A2 6000/80 2 pkts"}
	if fmt.Sprint(p.flows) != fmt.Sprint(want) {
		t.Errorf("flows %q, want %q", p.flows, want)
	}
	if got := e.Counters().GlobalWarn & fragBits; got != frag {
		t.Errorf("aggregated fragment bits %#x, want %#x", got, frag)
	}
}

// A packet with an IP ethertype and a bogus version counts once as IPvX
// (T2 0.9.3 counts it twice); an unknown ethertype is not IPvX.
func TestIPvXCountedOnce(t *testing.T) {
	w := newCapWriter()
	w.eth(0x3030, bytes.Repeat([]byte{0x30}, 40))
	w.eth(0x0800, bytes.Repeat([]byte{0x30}, 40))
	w.eth(0x86dd, bytes.Repeat([]byte{0x30}, 48))
	path := filepath.Join(t.TempDir(), "c.pcap")
	if err := os.WriteFile(path, w.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	c, _, _ := runFile(t, path)
	if c.Packets != 3 || c.VxPackets != 2 {
		t.Errorf("%d packets, %d IPvX; want 3 and 2 (the IPv4 and IPv6 ethertypes)", c.Packets, c.VxPackets)
	}
	if c.GlobalWarn&packet.L3IPVX == 0 {
		t.Errorf("aggregated flowStat %#x lacks L3_IPVX", c.GlobalWarn)
	}
}
