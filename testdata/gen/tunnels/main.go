// Command tunnels writes the two synthetic captures of testdata/pcaps
// that no public capture covers (run from the repository root:
// go run ./testdata/gen/tunnels). The output is deterministic: fixed
// addresses, payloads and timestamps.
//
//   - gtpu-fragmented-outer.pcap: 12 TCP segments of 1400 payload bytes
//     (6 each way, one connection) and 6 ICMP echoes (3 requests, 3
//     replies), all carried in GTP-U (UDP 2152) between two tunnel
//     endpoints whose path MTU is 1000: every TCP carrier is split into
//     two IPv4 fragments, the ICMP carriers are not fragmented. 30 frames.
//   - gre-in-gre.pcap: ICMP echoes and UDP datagrams carried in a GRE
//     tunnel that is itself carried in GRE. 8 frames.
package main

import (
	"fmt"
	"net"
	"os"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

var (
	macA = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x01}
	macB = net.HardwareAddr{0x02, 0, 0, 0, 0, 0x02}
	t0   = time.Unix(1700000000, 0).UTC()
)

func main() {
	if err := gtp("testdata/pcaps/gtpu-fragmented-outer.pcap"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := greInGre("testdata/pcaps/gre-in-gre.pcap"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func serialize(ls ...gopacket.SerializableLayer) []byte {
	buf := gopacket.NewSerializeBuffer()
	opt := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opt, ls...); err != nil {
		panic(err)
	}
	return append([]byte(nil), buf.Bytes()...)
}

type writer struct {
	w *pcapgo.Writer
	f *os.File
	n int
}

func create(path string) (*writer, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return nil, err
	}
	return &writer{w: w, f: f}, nil
}

func (w *writer) frame(b []byte) error {
	ts := t0.Add(time.Duration(w.n) * 10 * time.Millisecond)
	w.n++
	return w.w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(b), Length: len(b)}, b)
}

func (w *writer) close() error { return w.f.Close() }

func eth(fromA bool) *layers.Ethernet {
	e := &layers.Ethernet{SrcMAC: macA, DstMAC: macB, EthernetType: layers.EthernetTypeIPv4}
	if !fromA {
		e.SrcMAC, e.DstMAC = macB, macA
	}
	return e
}

func ip4(src, dst string, proto layers.IPProtocol, id uint16) *layers.IPv4 {
	return &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Id: id, Protocol: proto,
		SrcIP: net.ParseIP(src).To4(), DstIP: net.ParseIP(dst).To4()}
}

func payload(n int, seed byte) gopacket.Payload {
	p := make([]byte, n)
	for i := range p {
		p[i] = seed + byte(i)
	}
	return p
}

// gtpU is a GTPv1-U header (8 bytes, no optional fields) for a G-PDU.
func gtpU(teid uint32, inner []byte) []byte {
	h := []byte{0x30, 0xff, byte(len(inner) >> 8), byte(len(inner)), byte(teid >> 24), byte(teid >> 16), byte(teid >> 8), byte(teid)}
	return append(h, inner...)
}

// fragments splits the IPv4 datagram (20-byte header) into pieces whose
// payload is at most mtu-20 bytes (a multiple of 8), as a router would.
func fragments(dgram []byte, mtu int) [][]byte {
	hdr, data := dgram[:20], dgram[20:]
	if len(dgram) <= mtu {
		return [][]byte{dgram}
	}
	step := (mtu - 20) &^ 7
	var out [][]byte
	for off := 0; off < len(data); off += step {
		end := min(off+step, len(data))
		f := append(append([]byte(nil), hdr...), data[off:end]...)
		tot := len(f)
		f[2], f[3] = byte(tot>>8), byte(tot)
		flags := uint16(off / 8)
		if end < len(data) {
			flags |= 0x2000
		}
		f[6], f[7] = byte(flags>>8), byte(flags)
		f[10], f[11] = 0, 0
		var sum uint32
		for i := 0; i < 20; i += 2 {
			sum += uint32(f[i])<<8 | uint32(f[i+1])
		}
		for sum > 0xffff {
			sum = sum&0xffff + sum>>16
		}
		cs := ^uint16(sum)
		f[10], f[11] = byte(cs>>8), byte(cs)
		out = append(out, f)
	}
	return out
}

func gtp(path string) error {
	w, err := create(path)
	if err != nil {
		return err
	}
	const enbA, enbB = "10.0.0.1", "10.0.0.2" // tunnel endpoints
	const ueA, ueB = "192.168.1.10", "172.16.0.20"
	outerID := uint16(0x1000)
	send := func(fromA bool, inner []byte) error {
		src, dst, teid := enbA, enbB, uint32(0x100)
		if !fromA {
			src, dst, teid = enbB, enbA, 0x200
		}
		u := &layers.UDP{SrcPort: 2152, DstPort: 2152}
		ip := ip4(src, dst, layers.IPProtocolUDP, outerID)
		outerID++
		u.SetNetworkLayerForChecksum(ip)
		dgram := serialize(ip, u, gopacket.Payload(gtpU(teid, inner)))
		for _, f := range fragments(dgram, 1000) {
			e := eth(fromA)
			hdr := append(append(append([]byte(nil), e.DstMAC...), e.SrcMAC...), 0x08, 0x00)
			if err := w.frame(append(hdr, f...)); err != nil {
				return err
			}
		}
		return nil
	}
	seqA, seqB := uint32(1000), uint32(5000)
	for i := range 6 {
		for _, fromA := range []bool{true, false} {
			src, dst, sp, dp, seq, ack := ueA, ueB, layers.TCPPort(40000), layers.TCPPort(80), seqA, seqB
			if !fromA {
				src, dst, sp, dp, seq, ack = ueB, ueA, 80, 40000, seqB, seqA
			}
			ip := ip4(src, dst, layers.IPProtocolTCP, uint16(100+i))
			tcp := &layers.TCP{SrcPort: sp, DstPort: dp, Seq: seq, Ack: ack, ACK: true, PSH: true, Window: 65535}
			tcp.SetNetworkLayerForChecksum(ip)
			if err := send(fromA, serialize(ip, tcp, payload(1400, byte(i)))); err != nil {
				return err
			}
			if fromA {
				seqA += 1400
			} else {
				seqB += 1400
			}
		}
	}
	for i := range 3 {
		for _, fromA := range []bool{true, false} {
			src, dst, typ := ueA, ueB, uint8(layers.ICMPv4TypeEchoRequest)
			if !fromA {
				src, dst, typ = ueB, ueA, layers.ICMPv4TypeEchoReply
			}
			icmp := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, 0), Id: 7, Seq: uint16(i + 1)}
			if err := send(fromA, serialize(ip4(src, dst, layers.IPProtocolICMPv4, uint16(200+i)), icmp, payload(56, 0x40))); err != nil {
				return err
			}
		}
	}
	return w.close()
}

func greInGre(path string) error {
	w, err := create(path)
	if err != nil {
		return err
	}
	id := uint16(1)
	// outer 198.51.100.1 <-> 198.51.100.2, middle 10.1.0.1 <-> 10.1.0.2,
	// inner 192.168.7.1 <-> 192.168.7.2.
	wrap := func(fromA bool, inner gopacket.SerializableLayer, l4 ...gopacket.SerializableLayer) error {
		oS, oD, mS, mD := "198.51.100.1", "198.51.100.2", "10.1.0.1", "10.1.0.2"
		if !fromA {
			oS, oD, mS, mD = oD, oS, mD, mS
		}
		ls := []gopacket.SerializableLayer{eth(fromA),
			ip4(oS, oD, layers.IPProtocolGRE, id), &layers.GRE{Protocol: layers.EthernetTypeIPv4},
			ip4(mS, mD, layers.IPProtocolGRE, id), &layers.GRE{Protocol: layers.EthernetTypeIPv4},
			inner}
		id++
		return w.frame(serialize(append(ls, l4...)...))
	}
	for i := range 2 {
		for _, fromA := range []bool{true, false} {
			src, dst, typ := "192.168.7.1", "192.168.7.2", uint8(layers.ICMPv4TypeEchoRequest)
			if !fromA {
				src, dst, typ = dst, src, layers.ICMPv4TypeEchoReply
			}
			icmp := &layers.ICMPv4{TypeCode: layers.CreateICMPv4TypeCode(typ, 0), Id: 9, Seq: uint16(i + 1)}
			if err := wrap(fromA, ip4(src, dst, layers.IPProtocolICMPv4, uint16(i)), icmp, payload(32, 0x61)); err != nil {
				return err
			}
		}
	}
	for i := range 2 {
		for _, fromA := range []bool{true, false} {
			src, dst, sp, dp := "192.168.7.1", "192.168.7.2", layers.UDPPort(33000), layers.UDPPort(53)
			if !fromA {
				src, dst, sp, dp = dst, src, dp, sp
			}
			ip := ip4(src, dst, layers.IPProtocolUDP, uint16(10+i))
			u := &layers.UDP{SrcPort: sp, DstPort: dp}
			u.SetNetworkLayerForChecksum(ip)
			if err := wrap(fromA, ip, u, payload(20, 0x30)); err != nil {
				return err
			}
		}
	}
	return w.close()
}
