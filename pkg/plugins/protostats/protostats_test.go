package protostats

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"github.com/t2go/t2go/pkg/plugins/internal/pcapreplay"
)

// settings are protoStats' keys for a test.
type settings map[string]any

func feedSample(t testing.TB, ps *ProtoStats, c *counters.Counters) {
	pcapreplay.Replay(t, "../../../testdata/t2sample/test.pcap", flow.NewTable(4096, packet.FromSeconds(182)), func(p *packet.Packet, f *flow.Flow, _ bool) {
		c.Packets++
		c.BytesProcessed += uint64(p.CapLen)
		if p.L2Only {
			ps.OnLayer2(p, f)
		} else {
			ps.OnLayer4(p, f)
		}
	})
}

func TestProtocolsFileMatchesT2(t *testing.T) {
	want, err := os.ReadFile("../../../testdata/t2sample/test_protocols.txt")
	if err != nil {
		t.Fatal(err)
	}
	c := counters.New()
	prefix := filepath.Join(t.TempDir(), "test")
	ps := &ProtoStats{}
	if err := ps.Init(plugintest.With(t, embedded, settings{"PST_ETH_STAT": 1, "PST_SUFFIX": "_protocols.txt"},
		plugin.Env{Counters: c, Prefix: prefix})); err != nil {
		t.Fatal(err)
	}
	feedSample(t, ps, c)
	if err := ps.Finish(); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(prefix + "_protocols.txt")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("protocols file differs\n--- got\n%s\n--- want\n%s", got, want)
	}
}

func TestNoEthernetSection(t *testing.T) {
	c := counters.New()
	ps := &ProtoStats{}
	if err := ps.Init(plugintest.With(t, embedded, settings{"PST_ETH_STAT": 0, "PST_SUFFIX": "_p.txt"}, plugin.Env{Counters: c})); err != nil {
		t.Fatal(err)
	}
	feedSample(t, ps, c)
	var buf bytes.Buffer
	if err := ps.WriteFile(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "L2/3 Protocol") || !strings.Contains(buf.String(), "# TCP Port") {
		t.Fatalf("unexpected layout:\n%s", buf.String())
	}
}

func TestEmptyRun(t *testing.T) {
	ps := &ProtoStats{}
	if err := ps.Init(plugintest.Env[any](t, embedded, nil)); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ps.WriteFile(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "# Total packets: 0\n# Total bytes: 0\n") || strings.Contains(buf.String(), "NaN") {
		t.Fatalf("empty run:\n%s", buf.String())
	}
}

func TestDescriptionFiles(t *testing.T) {
	eth, ranges := parseEthertypes([]byte("# c\n0x0800\tIPv4\n0x0000-0x05dc\tLength\nbad\n0xzz\tx\n"))
	d := &descriptions{eth: eth, ranges: ranges}
	if d.ethertype(0x0800) != "IPv4" || d.ethertype(0x0100) != "Length" || d.ethertype(0x9999) != "" {
		t.Fatalf("ethertypes %v %v", eth, ranges)
	}
	tcp, udp := parsePortmap([]byte("21\ttcp\tftp\tFile Transfer [Control]\n53\tudp\tdomain\tDNS\n70000\ttcp\tx\ty\n53\tudp\tdup\tsecond\n"))
	if tcp[21] != "File Transfer [Control]" || udp[53] != "DNS" || len(tcp) != 1 {
		t.Fatalf("portmap %v %v", tcp, udp)
	}
}

func BenchmarkOnLayer4(b *testing.B) {
	ps := &ProtoStats{}
	_ = ps.Init(plugintest.Env[any](b, embedded, nil))
	table := flow.NewTable(8, packet.FromSeconds(182))
	k := flow.Key{Proto: 6, IPVer: 4, SrcPort: 40000, DstPort: 443, EthType: 0x0800}
	f := table.Create(&k, 0)
	p := &packet.Packet{EthType: 0x0800, IPVer: 4, L4Proto: 6, CapLen: 1514, SrcPort: 40000, DstPort: 443}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ps.OnLayer4(p, f)
	}
}

func TestUserDescriptionFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, PortFile), []byte("80\ttcp\thttp\tMy web server\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := counters.New()
	ps := &ProtoStats{}
	if err := ps.Init(plugintest.With[any](t, embedded, nil, plugin.Env{Counters: c, Files: plugintest.Files(t, dir)})); err != nil {
		t.Fatal(err)
	}
	feedSample(t, ps, c)
	var buf bytes.Buffer
	if err := ps.WriteFile(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	// Port 21 is in the embedded table, not in the user's: no description.
	if !strings.Contains(out, "\tMy web server\n") || !regexp.MustCompile(`(?m)^   21\t.*%\]\t$`).MatchString(out) ||
		!strings.Contains(out, "\tInternet Protocol version 4 (IPv4)\n") {
		t.Fatalf("user portmap not used (or embedded files not used for the rest):\n%s", out)
	}
}
