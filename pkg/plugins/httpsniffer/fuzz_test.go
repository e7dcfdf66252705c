package httpsniffer

import (
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary payloads, split into two packets at a fuzzed
// position, to both directions of an HTTP flow: no panic, every column
// written, the per-flow text bounded.
func FuzzParse(f *testing.F) {
	f.Add([]byte("GET /a?b HTTP/1.1\r\nHost: h\r\nCookie: c\r\n\r\n"), []byte("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<meta http-equiv=\"refresh\" content=\"0;url=/x\">"), uint16(10))
	f.Add([]byte("INVITE sip:a@b SIP/2.0\r\nVia: v\r\nContent-Type: application/sdp\r\n\r\nv=0"), []byte("SIP/2.0 180 Ringing\r\n\r\n"), uint16(3))
	f.Add([]byte("POST /u HTTP/1.0\r\nContent-Disposition: attachment; filename=\"x\r\nContent-Type:\r\n"), []byte("HTTP/1.1 200\r\n"), uint16(0))
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Type: ;\r\nTransfer-Encoding: chunked\r\n\r\nMZ"), []byte("\x7fELF#EXT-X-STREAM-INF:"), uint16(1))
	f.Fuzz(func(t *testing.T, a, b []byte, cut uint16) {
		s := newSession(t)
		c := int(cut) % (len(a) + 1)
		s.req("HTTP/1.1 detection packet")
		s.req(string(a[:c]))
		s.req(string(a[c:]))
		s.resp(string(b))
		s.resp(string(a))
		fa := s.req("")
		if st := s.s.st[fa.Slot]; st != nil && st.bytes > maxFlowBytes {
			t.Fatalf("flow keeps %d bytes", st.bytes)
		}
		g := s.end(fa)
		if !strings.HasPrefix(g["httpStat"], "0x") {
			t.Fatalf("httpStat %q", g["httpStat"])
		}
		s.end(s.resp(""))
	})
}
