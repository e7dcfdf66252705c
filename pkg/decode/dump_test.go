package decode

import (
	"os"
	"testing"

	"github.com/t2go/t2go/pkg/packet"
)

// TestDump prints the dissection of every packet of $DECODE_DUMP (a
// debugging aid; skipped unless the variable is set).
func TestDump(t *testing.T) {
	path := os.Getenv("DECODE_DUMP")
	if path == "" {
		t.Skip("set DECODE_DUMP=file to print its dissection")
	}
	recs, err := readCapture(path)
	if err != nil {
		t.Log(err)
	}
	d := New(Options{})
	var p packet.Packet
	for i, r := range recs {
		decodeRecord(d, &p, r, uint64(i+1))
		c := packetColumns(&p)
		t.Logf("%d lt=%d %s v%d %s:%s > %s:%s p=%s len=%s snap=%s/%s/%s l3=%s l7=%s pad=%s st=0x%016x", i+1, r.linkType, c["hdrDesc"], p.IPVer,
			c["srcIP"], c["srcPort"], c["dstIP"], c["dstPort"], c["l4Proto"], c["pktLen"], c["snapL3Len"], c["snapL4Len"], c["snapL7Len"], c["l3Len"], c["l7Len"], c["padLen"], p.Status)
	}
}
