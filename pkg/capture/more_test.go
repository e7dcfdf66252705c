package capture

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestPcapngLinkTypePerPacket(t *testing.T) {
	src, err := OpenFile(filepath.Join(pcapDir, "pcapng-11-interfaces.pcapng"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if in := src.Info(); in.LinkType != 1 || !in.Pcapng {
		t.Errorf("info %+v: want first interface Ethernet, pcapng", in)
	}
	pkts, data, err := readAll(t, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	count := map[uint16]int{}
	for i, p := range pkts {
		count[p.LinkType]++
		// DLT_NULL frames start with the address family in host order
		// (2 = AF_INET, 30 = AF_INET6 on macOS); Ethernet ones do not.
		if p.LinkType == 0 && !(data[i][0] == 2 || data[i][0] == 30) {
			t.Errorf("packet %d: NULL link type but data % x", i, data[i][:4])
		}
	}
	if count[1] != 62 || count[0] != 2 || len(count) != 2 {
		t.Errorf("link types %v, want 62 Ethernet + 2 NULL", count)
	}
}

func TestPcapngResolutions(t *testing.T) {
	// eth0 has if_tsresol 9 (ns), the NPF interface the default (us).
	src, err := OpenFile(filepath.Join(pcapDir, "pcapng-2-interfaces-ns-us.pcapng"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	pkts, _, err := readAll(t, src, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ns, us int
	for _, p := range pkts {
		if p.TS%1000 != 0 {
			ns++
		} else {
			us++
		}
	}
	if ns == 0 || us == 0 {
		t.Errorf("%d ns-precision and %d us-precision stamps: want both", ns, us)
	}
}

// TestStdin runs the test binary as a child with a capture on stdin
// (plain and gzipped) and checks the packet count.
func TestStdin(t *testing.T) {
	if os.Getenv("T2CAP_STDIN_CHILD") == "1" {
		src, err := OpenFile("-", Options{})
		if err != nil {
			os.Stdout.WriteString("ERR " + err.Error())
			os.Exit(0)
		}
		pkts, _, err := readAll(t, src, 100)
		in := src.Info()
		os.Stdout.WriteString(strings.Join([]string{itoa(len(pkts)), itoa(int(in.Kind)), itoa(int(in.TotalSize))}, " "))
		if err != nil {
			os.Stdout.WriteString(" " + err.Error())
		}
		os.Exit(0)
	}
	for _, tc := range []struct{ file, want string }{
		{"tls-fragmented-handshake.pcap.gz", "416 1 0"},
		{"dns-mdns-llmnr.pcap", "464 1 0"},
		{"arp-poison.pcapng", "165 1 0"},
	} {
		f, err := os.Open(filepath.Join(pcapDir, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(os.Args[0], "-test.run=^TestStdin$")
		cmd.Env = append(os.Environ(), "T2CAP_STDIN_CHILD=1")
		cmd.Stdin = f
		out, err := cmd.Output()
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if string(out) != tc.want {
			t.Errorf("%s on stdin: %q, want %q", tc.file, out, tc.want)
		}
	}
}

func TestGzipDamaged(t *testing.T) {
	gz, err := os.ReadFile(filepath.Join(pcapDir, "tls-fragmented-handshake.pcap.gz"))
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), gz...)
	bad[len(bad)-6] ^= 0xff // CRC32 of the gzip trailer
	src, err := newBytesSource(bad, "bad.gz")
	if err != nil {
		t.Fatal(err)
	}
	pkts, _, err := readAll(t, src, 64)
	if err == nil || !strings.Contains(err.Error(), "gzip") || !strings.Contains(err.Error(), "uncompressed byte offset") {
		t.Errorf("%d packets, error %v: want a gzip checksum FormatError", len(pkts), err)
	}
}

func TestBPFOnFiles(t *testing.T) {
	for _, tc := range []struct {
		file, filter string
		want         int
	}{
		{"tcp-synscan.pcap", "tcp[tcpflags] == tcp-syn", 1994},
		{"http-web-browsing.pcap", "udp port 53", -1},
		{"pcapng-11-interfaces.pcapng", "ip or ip6", -2},
		{"sll-linux-cooked.pcap", "arp", -1},
	} {
		want := tc.want
		switch want {
		case -1:
			want = tcpdumpCount(t, tc.file, tc.filter)
		case -2:
			want = countIP(t, tc.file)
		}
		src, err := OpenFile(filepath.Join(pcapDir, tc.file), Options{BPF: tc.filter})
		if err != nil {
			t.Fatal(err)
		}
		pkts, _, err := readAll(t, src, 32)
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(pkts) != want || want == 0 {
			t.Errorf("%s with %q: %d packets, want %d (non-zero)", tc.file, tc.filter, len(pkts), want)
		}
	}
	_, err := OpenFile(filepath.Join(pcapDir, "tcp-synscan.pcap"), Options{BPF: "tcp port nonsense"})
	if err == nil || !strings.Contains(err.Error(), "'tcp port nonsense'") {
		t.Errorf("bad filter: %v", err)
	}
}

// tcpdumpCount asks tcpdump (libpcap) how many packets match.
func tcpdumpCount(t *testing.T, file, filter string) int {
	t.Helper()
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("tcpdump not installed")
	}
	out, err := exec.Command("tcpdump", "-nn", "-r", filepath.Join(pcapDir, file), filter).Output()
	if err != nil {
		t.Fatalf("tcpdump -r %s: %v", file, err)
	}
	return strings.Count(string(out), "\n")
}

// countIP counts IPv4/IPv6 packets by hand (Ethernet type or BSD NULL
// address family), for files tcpdump refuses (mixed link types).
func countIP(t *testing.T, file string) int {
	src, err := OpenFile(filepath.Join(pcapDir, file), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	pkts, data, err := readAll(t, src, 64)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for i, p := range pkts {
		d := data[i]
		switch p.LinkType {
		case 1:
			if et := uint16(d[12])<<8 | uint16(d[13]); et == 0x0800 || et == 0x86dd {
				n++
			}
		case 0:
			if d[0] == 2 || d[0] == 24 || d[0] == 28 || d[0] == 30 {
				n++
			}
		}
	}
	return n
}

func TestDLT(t *testing.T) {
	for _, tc := range []struct{ linkType, dlt uint16 }{
		{1, 1}, {101, 12}, {12, 12}, {100, 11}, {102, 15}, {103, 16}, {113, 113}, {228, 228},
	} {
		if got := DLT(tc.linkType); got != tc.dlt {
			t.Errorf("DLT(%d) = %d, want %d", tc.linkType, got, tc.dlt)
		}
	}
}
