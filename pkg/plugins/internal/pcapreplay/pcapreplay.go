// Package pcapreplay feeds a capture to plugin tests without the
// analyzer: gopacket dissects plain Ethernet/IP packets into packet.Packet
// and a flow.Table pairs them (B flows get flowStat bit 0). Only tests
// import it; the analyzer has its own dissector.
package pcapreplay

import (
	"os"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
)

// Replay reads the capture at path and calls fn for every Ethernet packet
// with its flow; isNew is true for the first packet of a flow.
func Replay(t testing.TB, path string, table *flow.Table, fn func(p *packet.Packet, f *flow.Flow, isNew bool)) {
	t.Helper()
	fh, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	r, err := pcapgo.NewReader(fh)
	if err != nil {
		t.Fatal(err)
	}
	var num uint64
	for {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			break
		}
		num++
		p := &packet.Packet{Num: num, TS: packet.Time(ci.Timestamp.UnixNano()), CapLen: uint32(len(data)),
			WireLen: uint32(ci.Length), Raw: data, L3Off: -1, L4Off: -1, L7Off: -1}
		gp := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		var k flow.Key
		eth, _ := gp.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
		if eth == nil {
			continue
		}
		p.HasMAC = true
		copy(p.SrcMAC[:], eth.SrcMAC)
		copy(p.DstMAC[:], eth.DstMAC)
		p.EthType = uint16(eth.EthernetType)
		k.EthType = p.EthType
		switch {
		case gp.Layer(layers.LayerTypeIPv4) != nil:
			ip := gp.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
			p.IPVer = 4
			copy(p.SrcIP[:], ip.SrcIP.To4())
			copy(p.DstIP[:], ip.DstIP.To4())
			p.L4Proto = uint8(ip.Protocol)
		case gp.Layer(layers.LayerTypeIPv6) != nil:
			ip := gp.Layer(layers.LayerTypeIPv6).(*layers.IPv6)
			p.IPVer = 6
			copy(p.SrcIP[:], ip.SrcIP.To16())
			copy(p.DstIP[:], ip.DstIP.To16())
			p.L4Proto = uint8(ip.NextHeader)
		default:
			p.L2Only = true
			copy(k.SrcIP[:], eth.SrcMAC)
			copy(k.DstIP[:], eth.DstMAC)
		}
		if !p.L2Only {
			p.L3Off = 14
			k.SrcIP, k.DstIP, k.IPVer, k.Proto = p.SrcIP, p.DstIP, p.IPVer, p.L4Proto
			if tcp, ok := gp.Layer(layers.LayerTypeTCP).(*layers.TCP); ok {
				p.L4Off = int32(len(data) - len(tcp.Contents) - len(tcp.Payload))
				p.SrcPort, p.DstPort = uint16(tcp.SrcPort), uint16(tcp.DstPort)
				p.TCPSeq, p.TCPAck = tcp.Seq, tcp.Ack
				var fl uint8
				for i, b := range []bool{tcp.FIN, tcp.SYN, tcp.RST, tcp.PSH, tcp.ACK, tcp.URG, tcp.ECE, tcp.CWR} {
					if b {
						fl |= 1 << i
					}
				}
				p.TCPFlags = fl
				p.L4HdrLen = uint16(len(tcp.Contents))
				p.SnapL4Len = uint32(len(tcp.Contents) + len(tcp.Payload))
				p.Payload = tcp.Payload
				p.L7Len = uint32(len(tcp.Payload))
			} else if udp, ok := gp.Layer(layers.LayerTypeUDP).(*layers.UDP); ok {
				p.L4Off = int32(len(data) - len(udp.Contents) - len(udp.Payload))
				p.SrcPort, p.DstPort = uint16(udp.SrcPort), uint16(udp.DstPort)
				p.SnapL4Len = uint32(len(udp.Contents) + len(udp.Payload))
				p.Payload = udp.Payload
				p.L7Len = uint32(len(udp.Payload))
			}
			k.SrcPort, k.DstPort = p.SrcPort, p.DstPort
		}
		f := table.Lookup(&k)
		isNew := f == nil
		if isNew {
			f = table.Create(&k, p.TS)
			if f.IsB {
				f.Status |= packet.L3FlowInvert
			}
		}
		f.NumPkts++
		fn(p, f, isNew)
		table.Touch(f, p.TS)
	}
}
