package ipfix

import (
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/t2go/t2go/pkg/ipfix/ipfixtest"
)

func sampleRecords() []Record {
	var rs []Record
	for i := 0; i < 300; i++ {
		r := Record{
			SrcPort: uint16(1024 + i), DstPort: 80, Proto: 6, TCPFlags: 0x1b,
			VLAN: uint16(i % 5), Packets: uint64(i + 1), Octets: uint64(100*i + 60),
			Start: 1700000000000 + int64(i)*1000, End: 1700000000500 + int64(i)*1000,
			EndReason: EndIdle, RevPackets: uint64(i), RevOctets: uint64(50 * i),
		}
		if i%3 == 0 {
			r.IPv6 = true
			copy(r.Src[:], net.ParseIP("2001:db8::1").To16())
			copy(r.Dst[:], net.ParseIP("2001:db8::2").To16())
			r.Src[15] = byte(i)
		} else {
			copy(r.Src[:], net.IPv4(10, 0, byte(i>>8), byte(i)).To4())
			copy(r.Dst[:], net.IPv4(192, 0, 2, 1).To4())
		}
		rs = append(rs, r)
	}
	return rs
}

// walkMessage checks the framing of one message: header, sets that tile
// the message exactly, and returns the number of data records by set ID.
func walkMessage(t *testing.T, format Format, msg []byte, rlen map[uint16]int) map[uint16]int {
	t.Helper()
	hl := 16
	if format == NetFlow9 {
		hl = 20
	}
	if len(msg) < hl {
		t.Fatalf("message of %d bytes", len(msg))
	}
	if v := binary.BigEndian.Uint16(msg); v != uint16(format) {
		t.Fatalf("version %d, want %d", v, format)
	}
	if format == IPFIX && int(binary.BigEndian.Uint16(msg[2:])) != len(msg) {
		t.Fatalf("header length %d, message %d", binary.BigEndian.Uint16(msg[2:]), len(msg))
	}
	got := map[uint16]int{}
	for off := hl; off < len(msg); {
		if off+4 > len(msg) {
			t.Fatalf("set header cut at %d of %d", off, len(msg))
		}
		id, l := binary.BigEndian.Uint16(msg[off:]), int(binary.BigEndian.Uint16(msg[off+2:]))
		if l < 4 || off+l > len(msg) {
			t.Fatalf("set %d length %d at %d overruns %d", id, l, off, len(msg))
		}
		if id >= 256 {
			n := (l - 4) / rlen[id]
			if pad := l - 4 - n*rlen[id]; pad > 3 {
				t.Fatalf("set %d: %d bytes left after %d records", id, pad, n)
			}
			got[id] += n
		}
		off += l
	}
	return got
}

func TestMessagesFrameRecords(t *testing.T) {
	for _, tc := range []struct {
		format Format
		biflow bool
	}{{IPFIX, false}, {IPFIX, true}, {NetFlow9, false}} {
		e, err := NewEncoder(tc.format, 7, 512, tc.biflow)
		if err != nil {
			t.Fatal(err)
		}
		rlen := map[uint16]int{}
		for i := range e.tmpl {
			rlen[uint16(256+i)] = e.rlen[i]
		}
		var msgs [][]byte
		take := func() {
			if e.Pending() {
				msgs = append(msgs, append([]byte(nil), e.Take(time.Unix(1700000100, 0))...))
			}
		}
		e.AddTemplates()
		for _, r := range sampleRecords() {
			if !e.Fits(&r) {
				take()
			}
			e.Add(&r)
		}
		take()
		total := 0
		for i, m := range msgs {
			if len(m) > 512 {
				t.Errorf("%v: message of %d bytes over the MTU", tc.format, len(m))
			}
			seq := binary.BigEndian.Uint32(m[8:])
			if tc.format == NetFlow9 {
				// v9 numbers the messages.
				if seq = binary.BigEndian.Uint32(m[12:]); int(seq) != i {
					t.Errorf("v9 message %d has sequence %d", i, seq)
				}
			} else if int(seq) != total {
				// IPFIX counts the data records sent before the message.
				t.Errorf("IPFIX message %d has sequence %d, want %d", i, seq, total)
			}
			for _, n := range walkMessage(t, tc.format, m, rlen) {
				total += n
			}
		}
		if total != 300 {
			t.Errorf("%v biflow=%v: %d data records in %d messages, want 300", tc.format, tc.biflow, total, len(msgs))
		}
	}
}

func TestBadOptions(t *testing.T) {
	for _, addr := range []string{"localhost", "127.0.0.1:0", "127.0.0.1:70000", ":4739", "127.0.0.1:http"} {
		if _, err := ParseAddr(addr); err == nil {
			t.Errorf("ParseAddr(%q) accepted", addr)
		} else if !strings.Contains(err.Error(), addr) {
			t.Errorf("error %q does not name %q", err, addr)
		}
	}
	if _, err := NewEncoder(NetFlow9, 0, 1400, true); err == nil {
		t.Error("biflow over NetFlow v9 accepted")
	}
	if _, err := NewEncoder(IPFIX, 0, 100, false); err == nil {
		t.Error("MTU 100 accepted")
	}
}

// TestUnreachableCollectorNeverBlocks exports into a port nobody listens
// on: Export never waits, and what was not delivered is counted.
func TestUnreachableCollectorNeverBlocks(t *testing.T) {
	port := ipfixtest.FreeUDPPort(t)
	x, err := Dial("127.0.0.1:"+strconv.Itoa(port), Options{Format: IPFIX, Queue: 64})
	if err != nil {
		t.Fatal(err)
	}
	rs := sampleRecords()
	start := time.Now()
	for i := 0; i < 20000; i++ {
		x.Export(&rs[i%len(rs)])
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("20000 exports took %v", d)
	}
	st := x.Close()
	if st.Sent+st.Failed+st.Dropped != 20000 {
		t.Errorf("sent %d + failed %d + dropped %d != 20000", st.Sent, st.Failed, st.Dropped)
	}
	if st.Failed == 0 && st.Dropped == 0 {
		t.Errorf("nothing counted as undelivered: %+v", st)
	}
}

func TestNfcapdReceivesAllRecords(t *testing.T) {
	for _, tc := range []struct {
		format Format
		biflow bool
	}{{IPFIX, false}, {NetFlow9, false}, {IPFIX, true}} {
		t.Run(fmt.Sprintf("%v/biflow=%v", tc.format, tc.biflow), func(t *testing.T) {
			col := ipfixtest.StartNfcapd(t)
			x, err := Dial(col.Addr, Options{Format: tc.format, Domain: 1, Biflow: tc.biflow})
			if err != nil {
				t.Fatal(err)
			}
			var wantP, wantB uint64
			var wantStart int64
			rs := sampleRecords()
			for i := range rs {
				x.Export(&rs[i])
				wantP += rs[i].Packets
				wantB += rs[i].Octets
				if tc.biflow {
					// nfdump adds the reverse direction to the totals.
					wantP += rs[i].RevPackets
					wantB += rs[i].RevOctets
				}
				wantStart += rs[i].Start
			}
			st := x.Close()
			if st.Sent != uint64(len(rs)) {
				t.Fatalf("sent %d of %d: %+v", st.Sent, len(rs), st)
			}
			time.Sleep(300 * time.Millisecond) // let nfcapd read its socket
			col.Stop(t)
			flows, p, b, starts := col.Totals(t)
			if flows != uint64(len(rs)) || p != wantP || b != wantB {
				t.Errorf("nfdump: %d flows %d packets %d bytes; want %d %d %d", flows, p, b, len(rs), wantP, wantB)
			}
			if starts != wantStart {
				t.Errorf("nfdump: first-seen times add up to %d ms, want %d", starts, wantStart)
			}
		})
	}
}
