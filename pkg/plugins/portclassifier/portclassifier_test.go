package portclassifier

import (
	"fmt"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"github.com/t2go/t2go/pkg/record"
)

func newPC(t testing.TB) *PortClassifier {
	c := &PortClassifier{}
	if err := c.Init(plugintest.Env(t, embedded, map[string]int64{})); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClassify(t *testing.T) {
	c := newPC(t)
	for _, tc := range []struct {
		proto        uint8
		sport, dport uint16
		inv          bool
		want         string
	}{
		{6, 40000, 443, false, "443\thttps"},
		{6, 443, 40000, true, "443\thttps"},
		{17, 53, 53, false, "53\tdomain"},
		{132, 1, 80, false, "80\thttp"},   // SCTP looks up tcp
		{136, 1, 53, false, "53\tdomain"}, // UDP-Lite looks up udp
		{1, 0, 0, false, "0\tunknown"},    // no ports
		{6, 1, 65000, false, "65000\tunknown"},
	} {
		f := &flow.Flow{Key: flow.Key{Proto: tc.proto, SrcPort: tc.sport, DstPort: tc.dport}}
		if tc.inv {
			f.Status |= packet.L3FlowInvert
		}
		var w record.Writer
		c.OnFlowTerminate(f, &w)
		if got := strings.TrimPrefix(string(w.Bytes()), "\t"); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc, got, tc.want)
		}
	}
}

func TestLoad(t *testing.T) {
	for _, tc := range []struct {
		data, err string
	}{
		{"# comment\n 1 tcp x\n80\ttcp\tweb\tdesc\n80\ttcp\tsecond\n", ""},
		{"80\ttcp\n", "line 1: want port, protocol and name"},
		{"x\ttcp\ty\n", "line 1: bad port number"},
		{"70000\ttcp\ty\n", "line 1: bad port number"},
		{"80\tsctp\ty\n", "line 1: protocol must be tcp or udp"},
	} {
		c := &PortClassifier{}
		err := c.load([]byte(tc.data))
		if (err == nil) != (tc.err == "") || (err != nil && err.Error() != tc.err) {
			t.Errorf("%q: %v, want %q", tc.data, err, tc.err)
		}
		if err == nil && string(c.entry(tcpMap, 80)) != "web" {
			t.Errorf("first line must win, got %q", c.entry(tcpMap, 80))
		}
	}
}

func TestNoAllocs(t *testing.T) {
	c := newPC(t)
	f := &flow.Flow{Key: flow.Key{Proto: 6, SrcPort: 40000, DstPort: 443}}
	var w record.Writer
	if n := testing.AllocsPerRun(1000, func() { w.Reset(); c.OnFlowTerminate(f, &w) }); n != 0 {
		t.Errorf("%v allocations per flow", n)
	}
}

func BenchmarkFlowTerminate(b *testing.B) {
	c := newPC(b)
	f := &flow.Flow{Key: flow.Key{Proto: 6, SrcPort: 40000, DstPort: 443}}
	var w record.Writer
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Reset()
		c.OnFlowTerminate(f, &w)
	}
}

// TestSanitisedNames: names are sanitised once at load and written as
// they are; the record must be what StrClass makes of the name, plain
// and deferred.
func TestSanitisedNames(t *testing.T) {
	c := newPC(t)
	name := "we\"b\\x\u00e9\x01"
	if err := c.load([]byte("80\ttcp\t" + name + "\n")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dport uint16
		name  string
	}{{80, name}, {81, "unknown"}} {
		var ref record.Writer
		ref.U64(uint64(tc.dport))
		ref.StrClass([]byte(tc.name))
		f := &flow.Flow{Key: flow.Key{Proto: 6, SrcPort: 40000, DstPort: tc.dport}}
		for _, deferred := range []bool{false, true} {
			w := record.Writer{Deferred: deferred}
			c.OnFlowTerminate(f, &w)
			got := w.Bytes()
			if deferred {
				got = record.Render(nil, got)
			}
			if string(got) != string(ref.Bytes()) {
				t.Errorf("port %d deferred %v: %q, want %q", tc.dport, deferred, got, ref.Bytes())
			}
		}
	}
}

// TestAllPortsAgainstTable writes the columns of every port of both
// maps (and of the protocols sharing them) and compares them with a
// plain reading of the table: the first line of a (port, protocol)
// wins, names end at white space and keep at most maxName bytes.
func TestAllPortsAgainstTable(t *testing.T) {
	long := strings.Repeat("n", 70)
	data := builtinPortmap
	data = append(append([]byte(nil), data...), []byte("64999\ttcp\t"+long+"\tx\n64998\tudp\tshort\n64998\tudp\tsecond\n")...)
	want := map[[2]int]string{}
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimRight(l, "\r")
		if l == "" || l[0] == '#' || l[0] == ' ' || l[0] == '\t' {
			continue
		}
		f := strings.Fields(l)
		port, m := 0, udpMap
		for _, ch := range f[0] {
			port = 10*port + int(ch-'0')
		}
		if f[1] == "tcp" {
			m = tcpMap
		}
		name := f[2]
		if len(name) > maxName {
			name = name[:maxName]
		}
		if _, ok := want[[2]int{m, port}]; !ok {
			want[[2]int{m, port}] = name
		}
	}
	c := &PortClassifier{num: true, str: true, unknown: []byte("?unk")}
	if err := c.load(data); err != nil {
		t.Fatal(err)
	}
	for _, proto := range []uint8{6, 132, 17, 136} {
		m := tcpMap
		if proto == 17 || proto == 136 {
			m = udpMap
		}
		for port := 0; port < 65536; port++ {
			name, ok := want[[2]int{m, port}]
			if !ok {
				name = "?unk"
			}
			f := &flow.Flow{Key: flow.Key{Proto: proto, SrcPort: 1, DstPort: uint16(port)}}
			var w record.Writer
			c.OnFlowTerminate(f, &w)
			if got, exp := string(w.Bytes()), strconv.Itoa(port)+"\t"+name; got != exp {
				t.Fatalf("proto %d port %d: %q, want %q", proto, port, got, exp)
			}
		}
	}
	if got := string(c.entry(tcpMap, 64999)); got != long[:maxName] {
		t.Errorf("long name %q", got)
	}
}

// TestRandomTables loads random tables (ports at the edges of the 64-port
// words among them, dense and sparse) and checks every port of both maps
// against the table's lines.
func TestRandomTables(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for round := 0; round < 20; round++ {
		var data strings.Builder
		want := [2]map[int]string{{}, {}}
		density := []int{1, 50, 1000, 30000}[round%4]
		for _, port := range []int{0, 1, 63, 64, 127, 128, 65472, 65535} {
			if rng.Intn(2) == 0 {
				fmt.Fprintf(&data, "%d\ttcp\te%d\n", port, port)
				want[tcpMap][port] = fmt.Sprintf("e%d", port)
			}
		}
		for i := 0; i < density; i++ {
			port, m := rng.Intn(65536), rng.Intn(2)
			name := fmt.Sprintf("n%d_%d", round, i)
			fmt.Fprintf(&data, "%d\t%s\t%s\n", port, []string{"tcp", "udp"}[m], name)
			if _, ok := want[m][port]; !ok {
				want[m][port] = name
			}
		}
		c := &PortClassifier{}
		if err := c.load([]byte(data.String())); err != nil {
			t.Fatal(err)
		}
		for m := range 2 {
			for port := range 65536 {
				if got := string(c.entry(m, uint16(port))); got != want[m][port] {
					t.Fatalf("round %d map %d port %d: %q, want %q", round, m, port, got, want[m][port])
				}
			}
		}
	}
}
