package ftpdecode

import (
	"testing"

	"github.com/t2go/t2go/pkg/record"
)

// FuzzControlPayload feeds arbitrary payloads in both directions of a
// control connection and into a data connection; nothing may panic and
// the flow record must keep its 11 columns.
func FuzzControlPayload(f *testing.F) {
	for _, s := range []string{
		"227\r\n", "229 (|||", "229 (|||65536|)", "227 (1,2,3,4,5,", "150 for (", "150 x for y (99999999999 bytes)",
		"PORT 1,2,3,4,5,6\r\n", "EPRT |2|::1|21|", "EPRT |", "213 ", "215\n", "user\x00\xff", "PWD", "RETR \r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		s := newSession(t, defaultConfig())
		a := s.cmd(string(payload))
		b := s.reply(string(payload))
		s.send(client, 50000, server, 1025, string(payload))
		var w record.Writer
		s.d.OnFlowTerminate(a, &w)
		if w.Fields() != 11 {
			t.Fatalf("%d fields", w.Fields())
		}
		w.Reset()
		s.d.OnFlowTerminate(b, &w)
		if w.Fields() != 11 {
			t.Fatalf("%d fields", w.Fields())
		}
	})
}
