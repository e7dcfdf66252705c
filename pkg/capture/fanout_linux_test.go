//go:build linux

package capture

import (
	"encoding/binary"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// runFanout interprets the fanout program on a packet given from its
// network header on (what SKF_NET_OFF addresses), with skb->protocol
// proto: the instructions the program uses, as the kernel runs them.
func runFanout(t *testing.T, prog []unix.SockFilter, proto uint16, net []byte) uint32 {
	t.Helper()
	var a, x uint32
	var mem [16]uint32
	for pc := 0; pc < len(prog); pc++ {
		in := prog[pc]
		switch in.Code {
		case unix.BPF_LD | unix.BPF_H | unix.BPF_ABS:
			if in.K != 0xfffff000 {
				t.Fatalf("pc %d: unexpected half-word load at %#x", pc, in.K)
			}
			a = uint32(proto)
		case unix.BPF_LD | unix.BPF_W | unix.BPF_ABS:
			off := int(in.K - 0xfff00000)
			if off+4 > len(net) {
				return 0 // the kernel ends the program: index 0
			}
			a = binary.BigEndian.Uint32(net[off:])
		case unix.BPF_ST:
			mem[in.K] = a
		case unix.BPF_LDX | unix.BPF_MEM:
			x = mem[in.K]
		case unix.BPF_ALU | unix.BPF_XOR | unix.BPF_X:
			a ^= x
		case unix.BPF_ALU | unix.BPF_MUL | unix.BPF_K:
			a *= in.K
		case unix.BPF_ALU | unix.BPF_RSH | unix.BPF_K:
			a >>= in.K
		case unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K:
			if a == in.K {
				pc += int(in.Jt)
			} else {
				pc += int(in.Jf)
			}
		case unix.BPF_RET | unix.BPF_K:
			return in.K
		case unix.BPF_RET | unix.BPF_A:
			return a
		default:
			t.Fatalf("pc %d: opcode %#x not interpreted", pc, in.Code)
		}
	}
	t.Fatal("program fell off its end")
	return 0
}

func ipv4(src, dst [4]byte, frag uint16, payload ...byte) []byte {
	h := make([]byte, 20, 20+len(payload))
	h[0], h[9] = 0x45, 17
	binary.BigEndian.PutUint16(h[6:], frag)
	copy(h[12:], src[:])
	copy(h[16:], dst[:])
	return append(h, payload...)
}

func ipv6(src, dst byte, next byte) []byte {
	h := make([]byte, 48)
	h[0], h[6] = 0x60, next
	h[8+15], h[24+15] = src, dst
	h[8], h[24] = 0x20, 0x20
	return h
}

// Both directions of a conversation, every fragment of it and its
// unfragmented packets get one index; other conversations spread.
func TestFanoutProgram(t *testing.T) {
	prog := fanoutProgram()
	a, b := [4]byte{10, 0, 0, 1}, [4]byte{10, 0, 0, 2}
	ab := runFanout(t, prog, 0x0800, ipv4(a, b, 0, 0, 53, 0, 99))
	for name, pkt := range map[string][]byte{
		"reverse":        ipv4(b, a, 0, 0, 99, 0, 53),
		"first fragment": ipv4(a, b, 0x2000, 0, 53, 0, 99),
		"later fragment": ipv4(b, a, 0x0010),
		"other ports":    ipv4(a, b, 0, 1, 1, 2, 2),
	} {
		if got := runFanout(t, prog, 0x0800, pkt); got != ab {
			t.Errorf("IPv4 %s: %#x, the conversation has %#x", name, got, ab)
		}
	}
	v6 := runFanout(t, prog, 0x86dd, ipv6(1, 2, 17))
	for name, pkt := range map[string][]byte{"reverse": ipv6(2, 1, 17), "fragment header": ipv6(2, 1, 44)} {
		if got := runFanout(t, prog, 0x86dd, pkt); got != v6 {
			t.Errorf("IPv6 %s: %#x, the conversation has %#x", name, got, v6)
		}
	}
	if got := runFanout(t, prog, 0x0806, make([]byte, 28)); got != 0 {
		t.Errorf("ARP: %#x, want 0", got)
	}
	// 64 host pairs over 4 workers: none of them idle.
	var used [4]int
	for i := 0; i < 64; i++ {
		used[runFanout(t, prog, 0x0800, ipv4([4]byte{192, 168, 1, byte(i)}, [4]byte{10, 0, 0, 1}, 0))%4]++
	}
	for w, n := range used {
		if n < 4 {
			t.Errorf("worker %d gets %d of 64 host pairs: %v", w, n, used)
		}
	}
}

func TestVLANWord(t *testing.T) {
	for expr, want := range map[string]string{"tcp port 80": "", "vlan 10 and tcp": "vlan", "host 1.2.3.4 or (mpls)": "mpls", "not VLAN": "VLAN"} {
		if got := vlanWord(expr); got != want {
			t.Errorf("vlanWord(%q) = %q, want %q", expr, got, want)
		}
	}
}

// The sockets open on the loopback interface (root only), gopacket's fd
// field is still where tpacketFD reads it, and a non-Ethernet interface
// or a VLAN filter is refused with one line.
func TestOpenFanout(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("AF_PACKET sockets need root")
	}
	srcs, err := OpenFanout("lo", 2, Options{Promisc: false, BufferSize: 4 << 20})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		if in := s.Info(); in.Kind != KindLive || in.Name != "lo" || in.LinkType != 1 {
			t.Errorf("info %+v", in)
		}
		if _, ok := s.Stats(); !ok {
			t.Error("no ring statistics")
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}
	if _, err := OpenFanout("lo", 2, Options{BPF: "vlan 10"}); err == nil {
		t.Error("a vlan filter was accepted")
	}
	if _, err := OpenFanout("t2go-no-such-if", 2, Options{}); err == nil {
		t.Error("a missing interface was accepted")
	}
}
