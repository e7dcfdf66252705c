package ftpdecode

import (
	"testing"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/record"
)

func benchSession(b *testing.B) *session {
	t := &testing.T{}
	return newSession(t, defaultConfig())
}

// BenchmarkNonFTP is the cost ftpDecode adds to every packet of other
// traffic.
func BenchmarkNonFTP(b *testing.B) {
	s := benchSession(b)
	f := s.send(client, 40000, server, 443, "x")
	p := &packet.Packet{IPVer: 4, L4Proto: 6, L4Off: 34, Payload: make([]byte, 1400)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.d.OnLayer4(p, f)
	}
}

// BenchmarkControlCommand parses a command whose name and parameter are
// already recorded (the steady state of a long session).
func BenchmarkControlCommand(b *testing.B) {
	s := benchSession(b)
	f := s.cmd("CWD /pub/data\r\n")
	p := &packet.Packet{IPVer: 4, L4Proto: 6, L4Off: 34, Payload: []byte("CWD /pub/data\r\n")}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.d.OnLayer4(p, f)
	}
}

// BenchmarkControlReply parses a reply with a known code.
func BenchmarkControlReply(b *testing.B) {
	s := benchSession(b)
	s.cmd("NOOP\r\n")
	f := s.reply("250 Directory successfully changed.\r\n")
	p := &packet.Packet{IPVer: 4, L4Proto: 6, L4Off: 34, Payload: []byte("250 Directory successfully changed.\r\n")}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.d.OnLayer4(p, f)
	}
}

// BenchmarkDataPacket counts a packet of a linked data connection.
func BenchmarkDataPacket(b *testing.B) {
	s := benchSession(b)
	s.cmd("PASV\r\n")
	s.reply("227 Entering Passive Mode (10,0,0,2,19,137)\r\n")
	f := s.send(client, 50000, server, 19*256+137, "")
	p := &packet.Packet{IPVer: 4, L4Proto: 6, L4Off: 34, Payload: make([]byte, 1400)}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s.d.OnLayer4(p, f)
	}
}

// BenchmarkControlFlowLifecycle creates, feeds and releases a control
// flow: per-flow state comes from the pool.
func BenchmarkControlFlowLifecycle(b *testing.B) {
	s := benchSession(b)
	k := flow.Key{SrcIP: client, DstIP: server, SrcPort: 40000, DstPort: 21, Proto: 6, IPVer: 4}
	p := &packet.Packet{IPVer: 4, L4Proto: 6, L4Off: 34, Payload: []byte("USER anonymous\r\n")}
	var w record.Writer
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f := s.table.Create(&k, 0)
		s.d.OnNewFlow(p, f)
		s.d.OnLayer4(p, f)
		w.Reset()
		s.d.OnFlowTerminate(f, &w)
		s.table.Remove(f)
	}
}
