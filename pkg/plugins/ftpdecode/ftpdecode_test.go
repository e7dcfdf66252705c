package ftpdecode

import (
	"bytes"
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"github.com/t2go/t2go/pkg/plugins/internal/pcapreplay"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

type fakeConfig map[string]int64

func defaultConfig() fakeConfig {
	return fakeConfig{"FTP_CMD_AGGR": 1, "FTP_UXNMLN": 10, "FTP_PXNMLN": 15, "FTP_MXNMLN": 50,
		"FTP_MAXCPFI": 10, "FTP_MAXUNM": 5, "FTP_MAXPNM": 5, "FTP_MAXCNM": 20}
}

// run replays a capture through a fresh plugin and releases every flow at
// the end the way the core does (A before B, A removed first). It returns
// the rendered columns per "findex dir" and the plugin.
func run(t testing.TB, path string, cfg fakeConfig) (map[string]string, *FTPDecode, *counters.Counters) {
	table := flow.NewTable(4096, packet.FromSeconds(182))
	c := counters.New()
	d := &FTPDecode{}
	if err := d.Init(plugintest.With(t, embedded, cfg, plugin.Env{Table: table, Counters: c})); err != nil {
		t.Fatal(err)
	}
	pcapreplay.Replay(t, path, table, func(p *packet.Packet, f *flow.Flow, isNew bool) {
		c.Packets++
		c.BytesProcessed += uint64(p.CapLen)
		if isNew {
			d.OnNewFlow(p, f)
		}
		if !p.L2Only {
			d.OnLayer4(p, f)
		}
	})
	out := map[string]string{}
	slots := table.All()
	sort.Slice(slots, func(i, j int) bool {
		a, b := table.Flow(slots[i]), table.Flow(slots[j])
		if a.Index != b.Index {
			return a.Index < b.Index
		}
		return !a.IsB && b.IsB
	})
	for _, s := range slots {
		f := table.Flow(s)
		var w record.Writer
		d.OnFlowTerminate(f, &w)
		out[key(f)] = string(w.Bytes())
		table.Remove(f)
	}
	return out, d, c
}

func key(f *flow.Flow) string {
	dir := "A"
	if f.IsB {
		dir = "B"
	}
	return string(rune('0'+f.Index%10)) + "/" + itoa(f.Index) + dir
}

func itoa(v uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + v%10)
		v /= 10
		if v == 0 {
			return string(b[i:])
		}
	}
}

// TestSampleMatchesT2 compares every flow's ftpDecode columns with T2's
// test_flows.txt and the report lines with end-report.txt.
func TestSampleMatchesT2(t *testing.T) {
	got, d, c := run(t, "../../../testdata/t2sample/test.pcap", defaultConfig())
	data, err := os.ReadFile("../../../testdata/t2sample/test_flows.txt")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	hdr := strings.Split(strings.TrimPrefix(lines[0], "%"), "\t")
	col := func(name string) int {
		for i, h := range hdr {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return 0
	}
	first, last, fi, dir := col("ftpStat"), col("ftpPLen"), col("flowInd"), col("dir")
	n := 0
	for _, l := range lines[1:] {
		f := strings.Split(l, "\t")
		var idx uint64
		for _, ch := range f[fi] {
			idx = idx*10 + uint64(ch-'0')
		}
		k := string(rune('0'+idx%10)) + "/" + f[fi] + f[dir]
		want := strings.Join(f[first:last+1], "\t")
		if got[k] != want {
			t.Errorf("flow %s:\n got %q\nwant %q", k, got[k], want)
		}
		n++
	}
	if n != len(got) {
		t.Errorf("%d flows in T2's file, %d here", n, len(got))
	}
	var buf bytes.Buffer
	d.Report(&report.Writer{W: &buf, C: c})
	want := "ftpDecode: Aggregated ftpStat=0x01\nftpDecode: Number of FTP control packets: 14 [22.58%]\n"
	if buf.String() != want {
		t.Errorf("report\n got %q\nwant %q", buf.String(), want)
	}
}

func TestParseCommand(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" = not recognised
	}{
		{"USER anonymous\r\n", "USER"},
		{"user anonymous\r\n", "USER"},
		{"uSER x\r\n", "USER"},
		{"User x\r\n", ""}, // only upper-cased when the first byte is lower case
		{"PWD\r\n", ""},    // T2: 3-letter commands need a following space
		{"PWD /x\r\n", "PWD"},
		{"cwd /pub\r\n", "CWD"},
		{"CWDX\r\n", ""},
		{"QUIT\r\n", "QUIT"},
		{"XYZW\r\n", ""},
		{"EPSV\r\n", "EPSV"},
	}
	for _, tc := range tests {
		idx, ok := parseCommand([]byte(tc.in))
		got := ""
		if ok {
			got = commandNames[idx]
		}
		if got != tc.want {
			t.Errorf("parseCommand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestParsers(t *testing.T) {
	if c, ok := replyCode([]byte("220 hi")); !ok || c != 220 {
		t.Errorf("replyCode 220 = %d %v", c, ok)
	}
	if _, ok := replyCode([]byte("2x0 hi")); ok {
		t.Error("replyCode accepted 2x0")
	}
	ip, port, ok := parseHostPort([]byte("Entering Passive Mode (164,107,123,6,183,187)"))
	if !ok || ip != [4]byte{164, 107, 123, 6} || port != 183*256+187 {
		t.Errorf("227 = %v %d %v", ip, port, ok)
	}
	if _, _, ok := parseHostPort([]byte("(1,2,3,4,5)")); ok {
		t.Error("five numbers accepted")
	}
	if _, _, ok := parseHostPort([]byte("(1,2,3,400,5,6)")); ok {
		t.Error("400 accepted")
	}
	if p, ok := parseEPSV([]byte("Entering Extended Passive Mode (|||6446|)")); !ok || p != 6446 {
		t.Errorf("229 = %d %v", p, ok)
	}
	if _, ok := parseEPSV([]byte("(|||99999|)")); ok {
		t.Error("port 99999 accepted")
	}
	a, p, ok := parseEPRT([]byte("|2|2001:db8::1|5282|"))
	if !ok || a.String() != "2001:db8::1" || p != 5282 {
		t.Errorf("EPRT = %v %d %v", a, p, ok)
	}
	if n, ok := transferLength([]byte("150 Opening BINARY mode data connection for rfc1.txt (1234 bytes).")); !ok || n != 1234 {
		t.Errorf("transferLength = %d %v", n, ok)
	}
	if got := string(fileName([]byte("150 Opening BINARY mode data connection for rfc1.txt (1234 bytes)."))); got != "rfc1.txt" {
		t.Errorf("fileName = %q", got)
	}
	if got := fileName([]byte("150 Here comes the directory listing.")); got != nil {
		t.Errorf("fileName = %q", got)
	}
	if n, ok := sizeReply([]byte("213 4096")); !ok || n != 4096 {
		t.Errorf("213 = %d %v", n, ok)
	}
	if _, ok := sizeReply([]byte("213 20160308165130")); ok {
		t.Error("MDTM timestamp taken as a size")
	}
}

// session drives hand-built packets through a control connection and
// data connections.
type session struct {
	t     *testing.T
	d     *FTPDecode
	table *flow.Table
	now   packet.Time
}

func newSession(t *testing.T, cfg fakeConfig) *session {
	table := flow.NewTable(64, packet.FromSeconds(182))
	d := &FTPDecode{}
	if err := d.Init(plugintest.With(t, embedded, cfg, plugin.Env{Table: table, Counters: counters.New()})); err != nil {
		t.Fatal(err)
	}
	return &session{t: t, d: d, table: table}
}

func ip4(a, b, c, d byte) (ip [16]byte) {
	ip[0], ip[1], ip[2], ip[3] = a, b, c, d
	return ip
}

var (
	client = ip4(10, 0, 0, 1)
	server = ip4(10, 0, 0, 2)
)

// send delivers one TCP packet src:sp -> dst:dp and returns its flow.
func (s *session) send(src [16]byte, sp uint16, dst [16]byte, dp uint16, payload string) *flow.Flow {
	s.now += packet.FromSeconds(0.01)
	k := flow.Key{SrcIP: src, DstIP: dst, SrcPort: sp, DstPort: dp, Proto: 6, IPVer: 4, EthType: 0x0800}
	p := &packet.Packet{TS: s.now, IPVer: 4, L4Proto: 6, SrcPort: sp, DstPort: dp, L4Off: 34,
		Payload: []byte(payload), L7Len: uint32(len(payload)), TCPFlags: 0x18}
	f := s.table.Lookup(&k)
	if f == nil {
		f = s.table.Create(&k, s.now)
		if f.IsB {
			f.Status |= packet.L3FlowInvert
		}
		s.d.OnNewFlow(p, f)
	}
	f.NumPkts++
	s.d.OnLayer4(p, f)
	s.table.Touch(f, s.now)
	return f
}

func (s *session) cmd(text string) *flow.Flow   { return s.send(client, 40000, server, 21, text) }
func (s *session) reply(text string) *flow.Flow { return s.send(server, 21, client, 40000, text) }

// end terminates f and returns its columns.
func (s *session) end(f *flow.Flow) []string {
	var w record.Writer
	s.d.OnFlowTerminate(f, &w)
	s.table.Remove(f)
	return strings.Split(string(w.Bytes()), "\t")
}

// Column positions in the output.
const (
	cStat = iota
	cCDF
	cCC
	cRC
	cNumUser
	cUser
	cNumPass
	cPass
	cNumCP
	cCP
	cPLen
)

func TestPassiveLinking(t *testing.T) {
	s := newSession(t, defaultConfig())
	s.cmd("USER bob\r\n")
	s.reply("331 Password required\r\n")
	s.cmd("PASV\r\n")
	ctlB := s.reply("227 Entering Passive Mode (10,0,0,2,19,137)\r\n")
	s.cmd("RETR file.bin\r\n")
	data := s.send(client, 50000, server, 19*256+137, "")
	dataB := s.send(server, 19*256+137, client, 50000, "0123456789")
	s.reply("150 Opening BINARY mode data connection for file.bin (4 bytes).\r\n")
	if s.d.stat[data.Slot] != StatPassive || s.d.stat[dataB.Slot] != StatPassive {
		t.Fatalf("data stat %#x %#x", s.d.stat[data.Slot], s.d.stat[dataB.Slot])
	}
	ctlA := s.table.Flow(ctlB.Opposite)
	a := s.end(ctlA)
	b := s.end(ctlB)
	if a[cCDF] != itoa(data.Index) || b[cCDF] != itoa(data.Index) {
		t.Errorf("control ftpCDFindex A=%q B=%q, want %d", a[cCDF], b[cCDF], data.Index)
	}
	if a[cCC] != "USER;PASV;RETR" || a[cUser] != `"bob"` || a[cCP] != `"file.bin"` {
		t.Errorf("control A columns %q", a)
	}
	if b[cRC] != "331;227;150" || b[cPLen] != "4" || b[cCP] != `"file.bin"` {
		t.Errorf("control B columns %q", b)
	}
	da := s.end(data)
	db := s.end(dataB)
	if da[cCDF] != itoa(ctlA.Index) || db[cCDF] != itoa(ctlA.Index) {
		t.Errorf("data ftpCDFindex %q %q", da[cCDF], db[cCDF])
	}
	// 10 bytes arrived where 4 were announced.
	if da[cStat] != "0x02" || db[cStat] != "0x06" {
		t.Errorf("data ftpStat %q %q", da[cStat], db[cStat])
	}
	if s.d.expect.len() != 0 {
		t.Errorf("%d announcements left", s.d.expect.len())
	}
	if s.d.pkts != 6 || s.d.dataPkts != 2 {
		t.Errorf("counters %d %d", s.d.pkts, s.d.dataPkts)
	}
}

func TestEPSVLinking(t *testing.T) {
	s := newSession(t, defaultConfig())
	s.cmd("EPSV\r\n")
	s.reply("229 Entering Extended Passive Mode (|||6446|)\r\n")
	data := s.send(client, 50001, server, 6446, "")
	if s.d.stat[data.Slot] != StatPassive {
		t.Fatalf("EPSV data flow stat %#x", s.d.stat[data.Slot])
	}
}

func TestActiveLinking(t *testing.T) {
	s := newSession(t, defaultConfig())
	ctlA := s.cmd("PORT 10,0,0,1,7,138\r\n")
	s.reply("200 PORT command successful\r\n")
	data := s.send(server, 20, client, 7*256+138, "")
	if s.d.stat[data.Slot] != StatActive {
		t.Fatalf("PORT data flow stat %#x", s.d.stat[data.Slot])
	}
	s.cmd("EPRT |1|10,0,0,1|5000|\r\n") // malformed: ignored
	s.cmd("EPRT |1|10.0.0.1|5001|\r\n")
	data2 := s.send(server, 20, client, 5001, "")
	if s.d.stat[data2.Slot] != StatActive {
		t.Fatalf("EPRT data flow stat %#x", s.d.stat[data2.Slot])
	}
	a := s.end(ctlA)
	if want := itoa(data.Index) + ";" + itoa(data2.Index); a[cCDF] != want {
		t.Errorf("ftpCDFindex %q, want %q", a[cCDF], want)
	}
	if a[cCP] != `"10,0,0,1,7,138"` || a[cStat] != "0x01" {
		t.Errorf("columns %q", a)
	}
}

func TestMissingDataFlow(t *testing.T) {
	s := newSession(t, defaultConfig())
	s.cmd("PASV\r\n")
	b := s.reply("227 Entering Passive Mode (10,0,0,2,19,137)\r\n")
	a := s.table.Flow(b.Opposite)
	ca := s.end(a)
	cb := s.end(b)
	if ca[cStat] != "0x01" || cb[cStat] != "0x41" || s.d.expect.len() != 0 {
		t.Errorf("stat %q %q, %d left", ca[cStat], cb[cStat], s.d.expect.len())
	}
}

func TestLimits(t *testing.T) {
	cfg := defaultConfig()
	cfg["FTP_MAXUNM"] = 2
	cfg["FTP_MAXCNM"] = 2
	s := newSession(t, cfg)
	s.cmd("USER averyveryverylongname\r\n")
	s.cmd("USER b\r\n")
	s.cmd("USER c\r\n")
	s.cmd("PASS 0123456789abcdefXYZ\r\n")
	s.cmd("CWD /a\r\n")
	s.cmd("CWD /a\r\n")
	s.cmd("CWD /b\r\n")
	a := s.cmd("CWD /c\r\n")
	s.cmd("abc\r\n")
	s.cmd("NO")
	c := s.end(a)
	want := []string{"0x81", "", "USER;PASS;CWD", "", "2", `"averyveryv";"b"`, "1", `"0123456789abcde"`, "2", `"/a";"/b"`, "0"}
	if strings.Join(c, "|") != strings.Join(want, "|") {
		t.Errorf("columns\n got %q\nwant %q", c, want)
	}
}

func TestNoAggregation(t *testing.T) {
	cfg := defaultConfig()
	cfg["FTP_CMD_AGGR"] = 0
	s := newSession(t, cfg)
	s.cmd("NOOP\r\n")
	a := s.cmd("NOOP\r\n")
	if c := s.end(a); c[cCC] != "NOOP;NOOP" {
		t.Errorf("ftpCC %q", c[cCC])
	}
}

func TestNonFTPFlow(t *testing.T) {
	s := newSession(t, defaultConfig())
	f := s.send(client, 40000, server, 80, "GET / HTTP/1.1\r\n")
	if s.d.st[f.Slot] != nil {
		t.Fatal("state allocated for a non-FTP flow")
	}
	c := s.end(f)
	if strings.Join(c, "\t") != "0x00\t\t\t\t0\t\t0\t\t0\t\t0" {
		t.Errorf("columns %q", c)
	}
	var w record.Writer
	s.d.WritePacket(nil, nil, &w)
	if string(w.Bytes()) != "0x00" {
		t.Errorf("packet column %q", w.Bytes())
	}
}

func TestMonitor(t *testing.T) {
	s := newSession(t, defaultConfig())
	c := &counters.Counters{Packets: 10, BytesProcessed: 1000}
	s.cmd("NOOP\r\n")
	s.reply("200 ok\r\n")
	var w record.Writer
	s.d.MonitorValues(&w, true)
	if got := string(w.Bytes()); got != "2\t0" {
		t.Errorf("first diff values %q", got)
	}
	s.cmd("NOOP\r\n")
	w.Reset()
	s.d.MonitorValues(&w, true)
	if got := string(w.Bytes()); got != "1\t0" {
		t.Errorf("second diff values %q", got)
	}
	w.Reset()
	s.d.MonitorValues(&w, false)
	if got := string(w.Bytes()); got != "3\t0" {
		t.Errorf("absolute values %q", got)
	}
	if len(s.d.MonitorColumns()) != 2 {
		t.Error("columns and values differ in count")
	}
	var buf bytes.Buffer
	s.d.MonitorReport(&report.Writer{W: &buf, C: c}, true)
	if got := buf.String(); got != "ftpDecode: Number of FTP control packets: 0 [0.00%]\n" {
		t.Errorf("diff human report %q", got)
	}
	buf.Reset()
	s.d.MonitorReport(&report.Writer{W: &buf, C: c}, false)
	if got := buf.String(); got != "ftpDecode: Number of FTP control packets: 3 [30.00%]\n" {
		t.Errorf("absolute human report %q", got)
	}
}

// TestSamplePacketColumn compares the packet column with T2's
// test_packets.txt.
func TestSamplePacketColumn(t *testing.T) {
	data, err := os.ReadFile("../../../testdata/t2sample/test_packets.txt")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	hdr := strings.Split(strings.TrimPrefix(lines[0], "%"), "\t")
	ci := -1
	for i, h := range hdr {
		if h == "ftpStat" {
			ci = i
		}
	}
	want := map[uint64]string{}
	for i, l := range lines[1:] {
		want[uint64(i+1)] = strings.Split(l, "\t")[ci]
	}
	table := flow.NewTable(4096, packet.FromSeconds(182))
	d := &FTPDecode{}
	if err := d.Init(plugintest.With(t, embedded, defaultConfig(), plugin.Env{Table: table})); err != nil {
		t.Fatal(err)
	}
	pcapreplay.Replay(t, "../../../testdata/t2sample/test.pcap", table, func(p *packet.Packet, f *flow.Flow, isNew bool) {
		if isNew {
			d.OnNewFlow(p, f)
		}
		if !p.L2Only {
			d.OnLayer4(p, f)
		}
		var w record.Writer
		d.WritePacket(p, f, &w)
		if got := string(w.Bytes()); got != want[p.Num] {
			t.Errorf("packet %d: %s, want %s", p.Num, got, want[p.Num])
		}
	})
}

// TestRealCaptures checks linking on captures of real FTP sessions.
func TestRealCaptures(t *testing.T) {
	tests := []struct {
		file            string
		ctlPkts         uint64
		dataFlows       int
		passive, active int
		aggregate       uint8
	}{
		// 4 passive data connections (3 listings, 1 file), all linked.
		{"ftp-data-transfers.pcap", 57, 8, 8, 0, 0x03},
		// EPSV (229) and EPRT data connections over IPv6.
		{"ftp-ipv6-epsv.pcap", 91, 10, 6, 4, 0x0b},
		// 687 announced passive connections are not in the capture.
		{"ftp-control-cwd-navigation.pcap", 8317, 0, 0, 0, 0xc1},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			got, d, _ := run(t, "../../../testdata/pcaps/"+tc.file, defaultConfig())
			var data, pas, act int
			for _, cols := range got {
				st := strings.SplitN(cols, "\t", 2)[0]
				switch st {
				case "0x02", "0x06":
					pas++
				case "0x08", "0x0c":
					act++
				}
				if st != "0x00" && !strings.HasSuffix(st, "1") {
					data++
				}
			}
			if d.pkts != tc.ctlPkts || data != tc.dataFlows || pas != tc.passive || act != tc.active || d.aggregate != tc.aggregate {
				t.Errorf("control packets %d, data flows %d (passive %d, active %d), aggregate 0x%02x; want %d, %d (%d, %d), 0x%02x",
					d.pkts, data, pas, act, d.aggregate, tc.ctlPkts, tc.dataFlows, tc.passive, tc.active, tc.aggregate)
			}
		})
	}
}
