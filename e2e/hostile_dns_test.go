package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/t2go/t2go/internal/pcaptest"
)

// testdata/pcaps/crafted-hostile-dns.pcap is written by hostileDNS
// (go test ./e2e -run TestHostileDNSCapture -update): DNS messages with
// compression pointer loops, forward pointers, over-long labels and
// names, counts far beyond the data, records running past the end, a
// TCP message announcing 65535 bytes, and a message with 200 records.
const hostileCapture = "crafted-hostile-dns.pcap"

// pcapWriter builds the crafted capture: pcaptest's Ethernet frames, one
// second apart.
type pcapWriter struct{ *pcaptest.Writer }

func newPcapWriter() *pcapWriter { return &pcapWriter{pcaptest.NewWriter()} }

// ipv4 frames an L4 segment (proto 17 or 6) from 10.0.0.1 to 10.0.0.53.
func (w *pcapWriter) ipv4(proto byte, l4 []byte) {
	f := []byte{0, 0, 0, 0, 0, 0x53, 0, 0, 0, 0, 0, 1, 0x08, 0x00}
	ip := make([]byte, 20)
	ip[0], ip[8], ip[9] = 0x45, 64, proto
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(l4)))
	copy(ip[12:], []byte{10, 0, 0, 1, 10, 0, 0, 53})
	pcaptest.SetIPv4Checksum(ip)
	w.Frame(append(append(f, ip...), l4...))
}

func (w *pcapWriter) udp(sport, dport uint16, payload []byte) {
	u := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(u[0:], sport)
	binary.BigEndian.PutUint16(u[2:], dport)
	binary.BigEndian.PutUint16(u[4:], uint16(8+len(payload)))
	w.ipv4(17, append(u, payload...))
}

func (w *pcapWriter) tcp(sport, dport uint16, seq uint32, flags byte, payload []byte) {
	t := make([]byte, 20, 20+len(payload))
	binary.BigEndian.PutUint16(t[0:], sport)
	binary.BigEndian.PutUint16(t[2:], dport)
	binary.BigEndian.PutUint32(t[4:], seq)
	t[12], t[13] = 5<<4, flags
	binary.BigEndian.PutUint16(t[14:], 65535)
	w.ipv4(6, append(t, payload...))
}

// dnsHeader is a 12-byte header.
func dnsHeader(flags, qd, an, ns, ar uint16) []byte {
	h := make([]byte, 12)
	binary.BigEndian.PutUint16(h[0:], 0xbeef)
	binary.BigEndian.PutUint16(h[2:], flags)
	binary.BigEndian.PutUint16(h[4:], qd)
	binary.BigEndian.PutUint16(h[6:], an)
	binary.BigEndian.PutUint16(h[8:], ns)
	binary.BigEndian.PutUint16(h[10:], ar)
	return h
}

// rrA is an A record whose owner is the compression pointer ptr.
func rrA(ptr int, ip byte) []byte {
	return []byte{0xc0 | byte(ptr>>8), byte(ptr), 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4, 192, 0, 2, ip}
}

func hostileDNS() []byte {
	w := newPcapWriter()
	q := func(b ...byte) []byte { return append(b, 0, 1, 0, 1) } // name bytes + QTYPE A, QCLASS IN
	sport := uint16(40000)
	send := func(payload []byte) { sport++; w.udp(sport, 53, payload) }

	// 1. The question name is a pointer to itself.
	send(append(dnsHeader(0x0100, 1, 0, 0, 0), q(0xc0, 12)...))
	// 2. Two pointers pointing at each other.
	send(append(dnsHeader(0x8180, 1, 1, 0, 0), append(q(0xc0, 18), rrA(12, 1)...)...))
	// 3. A forward pointer past the end.
	send(append(dnsHeader(0x8180, 1, 1, 0, 0), append(q(3, 'w', 'w', 'w', 0), rrA(0x3fff, 2)...)...))
	// 4. A label length with the reserved top bits (0x40, 0x80).
	send(append(dnsHeader(0x0100, 1, 0, 0, 0), q(0x7f, 'x', 0)...))
	send(append(dnsHeader(0x0100, 1, 0, 0, 0), q(0xbf, 'x', 0)...))
	// 5. A name of 20 labels of 63 bytes (1280 bytes, limit 255).
	long := []byte{}
	for i := 0; i < 20; i++ {
		long = append(long, 63)
		long = append(long, bytes.Repeat([]byte{'a' + byte(i)}, 63)...)
	}
	send(append(dnsHeader(0x0100, 1, 0, 0, 0), q(append(long, 0)...)...))
	// 6. A chain of 100 pointers, each to the one before: bounded work.
	chain := append(dnsHeader(0x8180, 1, 100, 0, 0), q(1, 'z', 0)...)
	prev := 12
	for i := 0; i < 100; i++ {
		at := len(chain)
		chain = append(chain, 1, 'a'+byte(i%26), 0xc0|byte(prev>>8), byte(prev))
		chain = append(chain, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 10, 0, byte(i>>8), byte(i))
		prev = at
	}
	send(chain)
	// 7. Counts far beyond the data, and a record running past the end.
	send(append(dnsHeader(0x8180, 0xffff, 0xffff, 0xffff, 0xffff), make([]byte, 8)...))
	send(append(dnsHeader(0x8180, 1, 1, 0, 0), append(q(1, 'a', 0), 0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 5, 'h')...))
	// 8. 200 records in one message (the list keeps 20).
	many := append(dnsHeader(0x8180, 1, 200, 0, 0), q(4, 'm', 'a', 'n', 'y', 0)...)
	for i := 0; i < 200; i++ {
		many = append(many, rrA(12, byte(i))...)
	}
	send(many)
	// 9. Messages shorter than a header, and empty.
	send([]byte{0xbe, 0xef, 0x81})
	send(nil)
	// 10. A NetBIOS name service query whose name is not first-level
	// encoded, and one with a 32-letter name of bytes above 'P'.
	w.udp(137, 137, append(dnsHeader(0x0110, 1, 0, 0, 0), append(append([]byte{32}, bytes.Repeat([]byte{'Z'}, 32)...), 0, 0, 32, 0, 1)...))
	w.udp(137, 137, append(dnsHeader(0x0110, 1, 0, 0, 0), q(5, 0, 1, 2, 3, 4, 0)...))
	// 11. TCP: a message announcing 65535 bytes that never come, then a
	// sequence gap, on a connection that started with SYN.
	w.tcp(41000, 53, 100, 0x02, nil)
	w.tcp(41000, 53, 101, 0x18, append([]byte{0xff, 0xff}, dnsHeader(0x0100, 1, 0, 0, 0)...))
	w.tcp(41000, 53, 101+14, 0x18, bytes.Repeat([]byte{0xc0}, 1000))
	w.tcp(41000, 53, 9000, 0x18, bytes.Repeat([]byte{0xc0}, 100))
	// TCP without SYN, and a length prefix split over two segments.
	w.tcp(41001, 53, 7, 0x18, []byte{0, 20})
	w.tcp(41002, 53, 0, 0x02, nil)
	w.tcp(41002, 53, 1, 0x18, []byte{0})
	m := append(dnsHeader(0x0100, 1, 0, 0, 0), q(3, 'a', 'b', 'c', 3, 'n', 'e', 't', 0)...)
	w.tcp(41002, 53, 2, 0x18, append([]byte{byte(len(m))}, m...))
	return w.Bytes()
}

func TestHostileDNSCapture(t *testing.T) {
	path := testdata("pcaps", hostileCapture)
	data := hostileDNS()
	if *update {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, data) {
		t.Fatalf("%s differs from what hostileDNS writes; run with -update", path)
	}

	e := newEnv(t)
	list := e.pluginList("basicFlow", "dnsDecode", "txtSink")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "t2"), "-r", path, "-w", e.out+"/", "-s", "-b", list)
	cmd.Env = e.environ()
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err = cmd.Run()
	if ctx.Err() != nil {
		t.Fatal("t2 hangs on the hostile DNS capture")
	}
	if err != nil {
		t.Fatalf("t2: %v\n%s", err, se.String())
	}
	if strings.Contains(se.String(), "panic") {
		t.Fatalf("panic: %s", se.String())
	}
	// Bounded memory: the whole run stays far below what unbounded names,
	// lists or reassembly buffers would need.
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		t.Logf("max RSS %d KiB", ru.Maxrss)
		if ru.Maxrss > 300*1024 {
			t.Errorf("max RSS %d KiB", ru.Maxrss)
		}
	}
	rows := flowRows(t, filepath.Join(e.out, "crafted-hostile-dns_flows.txt"))
	want := map[string]string{ // flow -> dnsStat
		"1 A":  "0x2001", // pointer to itself
		"2 A":  "0x2001", // pointers to each other
		"3 A":  "0x2001", // forward pointer
		"4 A":  "0x2001", // reserved label type 0x40
		"5 A":  "0x2001", // reserved label type 0x80
		"6 A":  "0x1101", // name cut at 255 bytes (1297-byte message)
		"7 A":  "0x0101", // 100 chained pointers: valid, decoded (1819 bytes)
		"8 A":  "0x8001", // counts beyond the data
		"9 A":  "0x1001", // record data past the end
		"10 A": "0x0101", // 200 records in 3221 bytes (long UDP)
		"11 A": "0xc001", // 3 bytes
		"13 A": "0x0003", // NetBIOS, not first-level encoded: kept as is
		"14 A": "0x8009", // TCP: 65535 announced (pending), then a gap
		"15 A": "0x8001", // TCP without SYN
		"16 A": "0x0005", // TCP: prefix split over two segments
	}
	for k, st := range want {
		r, ok := rows.byKey[k]
		if !ok {
			t.Errorf("flow %s missing", k)
			continue
		}
		if r["dnsStat"] != st {
			t.Errorf("flow %s (%s): dnsStat %s, want %s", k, identity(r), r["dnsStat"], st)
		}
		for _, n := range strings.Split(r["dnsQname"]+";"+r["dnsAname"], ";") {
			if len(n) > 2+255*2 { // quoted, each byte at most \-escaped
				t.Errorf("flow %s: name of %d bytes", k, len(n))
			}
		}
	}
	if got := rows.byKey["10 A"]["dnsAname"]; strings.Count(got, ";") != 19 {
		t.Errorf("200 records: %d list entries, want 20", strings.Count(got, ";")+1)
	}
	if got := rows.byKey["16 A"]["dnsQname"]; got != `"abc.net"` {
		t.Errorf("reassembled TCP question %s", got)
	}
}
