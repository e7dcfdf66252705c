package httpsniffer

import (
	"testing"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/record"
)

var (
	benchRequest = []byte("GET /PicServer3/2013/05/01/4598468/45984660100010012882.jpg HTTP/1.1\r\n" +
		"Host: images1.ynet.co.il\r\nUser-Agent: Mozilla/5.0 (X11; Ubuntu; Linux i686; rv:20.0) Gecko/20100101 Firefox/20.0\r\n" +
		"Accept: image/png,image/*;q=0.8,*/*;q=0.5\r\nAccept-Language: en-US,en;q=0.5\r\nAccept-Encoding: gzip, deflate\r\n" +
		"Referer: http://www.ynet.co.il/home/0,7340,L-8,00.html\r\nCookie: __utma=1.1644716834.1365622182.1365622182.1365622182.1\r\n" +
		"Connection: keep-alive\r\n\r\n")
	benchResponse = []byte("HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nServer: Microsoft-IIS/5.0\r\n" +
		"Content-Length: 12345\r\nDate: Thu, 02 May 2013 20:20:35 GMT\r\n\r\n\xff\xd8\xff\xe0")
)

// noise is 1400 pseudo-random bytes, like encrypted or compressed payload
// (every byte value, '/' and 'H' included, about equally often).
func noise() []byte {
	b := make([]byte, 1400)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func benchFlow(s *session, payload []byte, server bool) (*flow.Flow, *packet.Packet) {
	var f *flow.Flow
	var p *packet.Packet
	if server {
		f, p = s.send(6, ip4(10, 0, 0, 2), 80, ip4(10, 0, 0, 1), 40000, string(payload))
	} else {
		f, p = s.send(6, ip4(10, 0, 0, 1), 40000, ip4(10, 0, 0, 2), 80, string(payload))
	}
	return f, p
}

// BenchmarkNonHTTP is the cost httpSniffer adds to a payload packet of a
// TCP flow that is not HTTP (the "HTTP/1." and "SIP/" search).
func BenchmarkNonHTTP(b *testing.B) {
	s := newSession(b)
	f, p := s.send(6, client, 40000, server, 443, string(noise()))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.s.OnLayer4(p, f)
	}
}

// BenchmarkRequest parses a browser request header whose values are
// already stored (the steady state of a keep-alive connection).
func BenchmarkRequest(b *testing.B) {
	s := newSession(b)
	f, p := benchFlow(s, benchRequest, false)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.s.OnLayer4(p, f)
	}
}

// BenchmarkBody is a body packet of an HTTP response.
func BenchmarkBody(b *testing.B) {
	s := newSession(b)
	f, _ := benchFlow(s, benchResponse, true)
	p := &packet.Packet{IPVer: 4, L4Proto: 6, L4Off: 34, Payload: noise()}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.s.OnLayer4(p, f)
	}
}

// BenchmarkFlowLifecycle creates an HTTP flow, feeds a request, writes
// and releases it: the state comes from the pool.
func BenchmarkFlowLifecycle(b *testing.B) {
	s := newSession(b)
	k := flow.Key{SrcIP: client, DstIP: server, SrcPort: 40000, DstPort: 80, Proto: 6, IPVer: 4}
	p := &packet.Packet{IPVer: 4, L4Proto: 6, L4Off: 34, Payload: benchRequest}
	var w record.Writer
	w.Deferred = true
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := s.table.Create(&k, 0)
		s.s.OnNewFlow(p, f)
		s.s.OnLayer4(p, f)
		w.Reset()
		s.s.OnFlowTerminate(f, &w)
		s.table.Remove(f)
	}
}

// TestZeroAllocsPerPacket checks the packet path in steady state: a
// request, a response with a file name, a body packet and a non-HTTP
// packet allocate nothing once the buffers have grown.
func TestZeroAllocsPerPacket(t *testing.T) {
	s := newSession(t)
	fa, pa := benchFlow(s, benchRequest, false)
	fb, pb := benchFlow(s, benchResponse, true)
	body := &packet.Packet{IPVer: 4, L4Proto: 6, L4Off: 34, Payload: noise()}
	fo, po := s.send(6, client, 40001, server, 443, string(noise()))
	// The file-name list of fb fills up to HTTP_DATA_C_MAX; then the
	// steady state is reached.
	for i := 0; i < 100; i++ {
		s.s.OnLayer4(pa, fa)
		s.s.OnLayer4(pb, fb)
	}
	n := testing.AllocsPerRun(1000, func() {
		s.s.OnLayer4(pa, fa)
		s.s.OnLayer4(pb, fb)
		s.s.OnLayer4(body, fb)
		s.s.OnLayer4(po, fo)
	})
	if n != 0 {
		t.Errorf("%.1f allocations per packet group, want 0", n)
	}
	k := flow.Key{SrcIP: client, DstIP: server, SrcPort: 40002, DstPort: 80, Proto: 6, IPVer: 4}
	var w record.Writer
	w.Deferred = true
	lifecycle := func() {
		f := s.table.Create(&k, 0)
		s.s.OnNewFlow(pa, f)
		s.s.OnLayer4(pa, f)
		w.Reset()
		s.s.OnFlowTerminate(f, &w)
		s.table.Remove(f)
	}
	lifecycle()
	if n := testing.AllocsPerRun(1000, lifecycle); n != 0 {
		t.Errorf("%.1f allocations per HTTP flow, want 0 (pooled state)", n)
	}
}
