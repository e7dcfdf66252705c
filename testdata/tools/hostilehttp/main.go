// Command hostilehttp writes testdata/pcaps/hostile-http-headers.pcap.gz,
// a deterministic capture of hostile HTTP and SIP traffic for the
// robustness tests of httpSniffer: a request with 10,000 header lines
// (cookies, user agents, hosts, ...), a request line of 1 MB, a response
// with 10,000 Content-Type headers, and SIP datagrams with 1,000 Via
// headers each, all cut into TCP segments at awkward places.
//
//	go run ./testdata/tools/hostilehttp testdata/pcaps/hostile-http-headers.pcap.gz
package main

import (
	"compress/gzip"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

var (
	clientMAC = []byte{0x02, 0, 0, 0, 0, 1}
	serverMAC = []byte{0x02, 0, 0, 0, 0, 2}
	clientIP  = []byte{192, 0, 2, 1}
	serverIP  = []byte{192, 0, 2, 2}
	start     = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

type writer struct {
	w   *pcapgo.Writer
	n   int
	seq [2]uint32 // next sequence number: client, server
}

func (w *writer) packet(fromClient bool, l4 gopacket.SerializableLayer, payload []byte) {
	src, dst, smac, dmac := clientIP, serverIP, clientMAC, serverMAC
	if !fromClient {
		src, dst, smac, dmac = serverIP, clientIP, serverMAC, clientMAC
	}
	eth := &layers.Ethernet{SrcMAC: smac, DstMAC: dmac, EthernetType: layers.EthernetTypeIPv4}
	proto := layers.IPProtocolTCP
	if _, ok := l4.(*layers.UDP); ok {
		proto = layers.IPProtocolUDP
	}
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: src, DstIP: dst, Id: uint16(w.n)}
	switch l := l4.(type) {
	case *layers.TCP:
		l.SetNetworkLayerForChecksum(ip)
	case *layers.UDP:
		l.SetNetworkLayerForChecksum(ip)
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, eth, ip, l4, gopacket.Payload(payload)); err != nil {
		panic(err)
	}
	ts := start.Add(time.Duration(w.n) * time.Millisecond)
	w.n++
	data := buf.Bytes()
	if err := w.w.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(data), Length: len(data)}, data); err != nil {
		panic(err)
	}
}

// tcp sends data from one side of the connection on port sport, cut
// into segments of at most seg bytes.
func (w *writer) tcp(fromClient bool, sport, dport uint16, data string, seg int) {
	side := 0
	if !fromClient {
		side = 1
	}
	for len(data) > 0 {
		n := min(seg, len(data))
		t := &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(dport), Seq: w.seq[side], ACK: true, PSH: true, Window: 65535}
		w.packet(fromClient, t, []byte(data[:n]))
		w.seq[side] += uint32(n)
		data = data[n:]
	}
}

func (w *writer) handshake(cport, sport uint16) {
	w.seq = [2]uint32{1000, 5000}
	w.packet(true, &layers.TCP{SrcPort: layers.TCPPort(cport), DstPort: layers.TCPPort(sport), Seq: 999, SYN: true, Window: 65535}, nil)
	w.packet(false, &layers.TCP{SrcPort: layers.TCPPort(sport), DstPort: layers.TCPPort(cport), Seq: 4999, Ack: 1000, SYN: true, ACK: true, Window: 65535}, nil)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: hostilehttp OUTPUT.pcap.gz")
		os.Exit(2)
	}
	f, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	gz := gzip.NewWriter(f)
	pw := pcapgo.NewWriter(gz)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		panic(err)
	}
	w := &writer{w: pw}

	// 1. A request with 10,000 header lines, every one distinct.
	w.handshake(40000, 80)
	var b strings.Builder
	b.WriteString("GET /many-headers HTTP/1.1\r\n")
	names := []string{"Host", "Cookie", "User-Agent", "Referer", "Via", "X-Forwarded-For", "Content-Type", "X-Other"}
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&b, "%s: value-%d-%s\r\n", names[i%len(names)], i, strings.Repeat("v", i%97))
	}
	b.WriteString("\r\n")
	w.tcp(true, 40000, 80, b.String(), 1397) // odd size: lines cut anywhere

	// 2. The response: 10,000 Content-Type headers of every class.
	b.Reset()
	b.WriteString("HTTP/1.1 200 OK\r\n")
	types := []string{"image/png", "video/mp4", "audio/ogg", "message/http", "text/html", "application/json", "x-pkcs7/sig", "vnd/x", "model/x", "multipart/mixed; boundary=z", "weird", ""}
	for i := 0; i < 10000; i++ {
		fmt.Fprintf(&b, "Content-Type: %s-%d\r\nServer: s%d\r\nLocation: /l%d\r\nX-Powered-By: p%d\r\n", types[i%len(types)], i, i, i, i)
	}
	b.WriteString("\r\nMZ\x90\x00body")
	w.tcp(false, 80, 40000, b.String(), 1460)

	// 3. A request line of 1 MB (one URL without end), then more.
	w.handshake(40001, 8080)
	w.tcp(true, 40001, 8080, "POST /"+strings.Repeat("a?b/", 1<<18)+" HTTP/1.0\r\nHost: 10.0.0.1\r\n\r\n", 1460)
	w.tcp(false, 8080, 40001, "HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<meta http-equiv=\"refresh\" content=\"0; url="+strings.Repeat("r", 5000)+"\">", 1460)

	// 4. SIP over UDP: 50 datagrams with 1,000 Via headers each.
	for d := 0; d < 50; d++ {
		b.Reset()
		fmt.Fprintf(&b, "INVITE sip:%d@example.org SIP/2.0\r\n", d)
		for i := 0; i < 1000; i++ {
			fmt.Fprintf(&b, "Via: SIP/2.0/UDP h%d-%d\r\n", d, i)
		}
		b.WriteString("Content-Type: application/sdp\r\n\r\nv=0\r\n")
		msg := b.String()
		if len(msg) > 60000 {
			msg = msg[:60000]
		}
		w.packet(d%2 == 0, &layers.UDP{SrcPort: 5060, DstPort: 5060}, []byte(msg))
	}
	if err := gz.Close(); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}
