package httpsniffer

import (
	"strings"
	"testing"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

type session struct {
	t     testing.TB
	s     *Sniffer
	table *flow.Table
	now   packet.Time
}

func newSession(t testing.TB) *session { return newSessionWith(t, nil) }

// newSessionWith starts a session with the plugin's defaults and set
// applied to them.
func newSessionWith(t testing.TB, set map[string]int64) *session {
	table := flow.NewTable(64, packet.FromSeconds(182))
	s := &Sniffer{}
	if err := s.Init(plugintest.With(t, embedded, set, plugin.Env{Table: table, Counters: counters.New()})); err != nil {
		t.Fatal(err)
	}
	return &session{t: t, s: s, table: table}
}

func ip4(a, b, c, d byte) (ip [16]byte) {
	ip[0], ip[1], ip[2], ip[3] = a, b, c, d
	return ip
}

var (
	client = ip4(10, 0, 0, 1)
	server = ip4(10, 0, 0, 2)
)

// send delivers one packet src:sp -> dst:dp of protocol proto.
func (s *session) send(proto uint8, src [16]byte, sp uint16, dst [16]byte, dp uint16, payload string) (*flow.Flow, *packet.Packet) {
	s.now += packet.FromSeconds(0.01)
	k := flow.Key{SrcIP: src, DstIP: dst, SrcPort: sp, DstPort: dp, Proto: proto, IPVer: 4, EthType: 0x0800}
	p := &packet.Packet{TS: s.now, IPVer: 4, L4Proto: proto, SrcPort: sp, DstPort: dp, L4Off: 34,
		Payload: []byte(payload), L7Len: uint32(len(payload))}
	f := s.table.Lookup(&k)
	if f == nil {
		f = s.table.Create(&k, s.now)
		if f.IsB {
			f.Status |= packet.L3FlowInvert
		}
		s.s.OnNewFlow(p, f)
	}
	f.NumPkts++
	s.s.OnLayer4(p, f)
	s.table.Touch(f, s.now)
	return f, p
}

func (s *session) req(text string) *flow.Flow {
	f, _ := s.send(6, client, 40000, server, 80, text)
	return f
}

func (s *session) resp(text string) *flow.Flow {
	f, _ := s.send(6, server, 80, client, 40000, text)
	return f
}

// end terminates f and returns its columns by name.
func (s *session) end(f *flow.Flow) map[string]string {
	var w record.Writer
	s.s.OnFlowTerminate(f, &w)
	s.table.Remove(f)
	vals := strings.Split(string(w.Bytes()), "\t")
	cols := s.s.Columns()
	if len(vals) != len(cols) {
		s.t.Fatalf("%d values for %d columns: %q", len(vals), len(cols), w.Bytes())
	}
	m := map[string]string{}
	for i, c := range cols {
		m[c.Name] = vals[i]
	}
	return m
}

func check(t *testing.T, got map[string]string, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
}

func TestRequestAndResponse(t *testing.T) {
	s := newSession(t)
	s.req("")
	a := s.req("GET /img/a.png?x=1 HTTP/1.1\r\nHost: www.example.org\r\nUser-Agent: curl/8\r\n" +
		"Cookie: a=1\r\nReferer: http://example.org/\r\nDNT: 1\r\n\r\n")
	s.resp("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: image/png\r\nX-Powered-By: PHP\r\n" +
		"X-XSS-Protection: 1\r\nVia: 1.1 proxy\r\nLocation: /b\r\n\r\n\x89PNG....")
	s.resp("more body bytes\r\nServer: not-a-header\r\n")
	b := s.resp("HTTP/1.1 404 Not Found\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n")
	ga := s.end(a)
	check(t, ga, map[string]string{
		"httpStat": "0x006c", "httpAFlags": "0x0400", "httpMethods": "0x02", "httpCFlags": "0x0010",
		"httpGet_Post": "1_0", "httpURL": `"/img/a.png?x=1"`, "httpHosts": `"www.example.org"`,
		"httpUsrAg": `"curl/8"`, "httpCookies": `"a=1"`, "httpRefrr": `"http://example.org/"`,
		"httpURL_Via_Loc_Srv_Pwr_UAg_XFr_Ref_Cky_Mim": "1_0_0_0_0_1_0_1_1_0",
	})
	gb := s.end(b)
	check(t, gb, map[string]string{
		"httpStat": "0x0078", "httpAFlags": "0x0100", "httpHeadMimes": "0x0044", "httpRSCnt": "2",
		"httpRSCode": "200;404", "httpMimes": `"image/png";"text/html"`,
		"httpImages": `"_img_a.png_x=1_1_B_1_0"`, "httpText": `"_img_a.png_x=1_1_B_3_0"`,
		"httpServ": `"nginx"`, "httpPwr": `"PHP"`, "httpVia": `"1.1 proxy"`, "httpLoc": `"/b"`,
		"httpImg_Vid_Aud_Msg_Txt_App_Unk":             "1_0_0_0_1_0_0",
		"httpURL_Via_Loc_Srv_Pwr_UAg_XFr_Ref_Cky_Mim": "0_1_1_1_1_0_0_0_0_2",
	})
}

func TestNotHTTP(t *testing.T) {
	s := newSession(t)
	f := s.req("\x16\x03\x01 TLS client hello GET / HTTP/1.0 is not at the start")
	g := s.end(f)
	// "HTTP/1." anywhere makes the flow HTTP, as in T2; without it nothing.
	if g["httpStat"] != "0x0068" {
		t.Errorf("httpStat = %s, want 0x0068", g["httpStat"])
	}
	f = s.req("\x16\x03\x01 plain TLS")
	check(t, s.end(f), map[string]string{"httpStat": "0x0000", "httpCFlags": "0x0000", "httpGet_Post": "0_0",
		"httpURL_Via_Loc_Srv_Pwr_UAg_XFr_Ref_Cky_Mim": "0_0_0_0_0_0_0_0_0_0", "httpHosts": ""})
}

func TestCandidates(t *testing.T) {
	tests := []struct {
		proto  uint8
		sp, dp uint16
		want   bool
	}{
		{6, 80, 80, true}, {132, 1, 2, true}, {17, 5060, 5060, true}, {17, 53, 1024, false},
		{17, 1025, 53, true}, {1, 0, 0, false},
	}
	for _, tc := range tests {
		s := newSession(t)
		f, _ := s.send(tc.proto, client, tc.sp, server, tc.dp, "x")
		if got := s.s.cand[f.Slot]; got != tc.want {
			t.Errorf("proto %d ports %d/%d: candidate %v, want %v", tc.proto, tc.sp, tc.dp, got, tc.want)
		}
	}
}

func TestSIP(t *testing.T) {
	s := newSession(t)
	f, p := s.send(17, client, 5060, server, 5060, "INVITE sip:bob@example.org SIP/2.0\r\nVia: SIP/2.0/UDP a\r\n"+
		"Content-Type: application/sdp\r\n\r\nv=0\r\n")
	if p.Status&packet.L7SIPRTP == 0 {
		t.Error("SIP did not raise L7SIPRTP on the packet")
	}
	if f.Status&packet.L7SIPRTP != 0 {
		t.Error("SIP/RTP must not be in the flow's own flowStat (T2 shows it only in the aggregate)")
	}
	s.send(17, client, 5060, server, 5060, "OPTIONS sip:bob@example.org SIP/2.0\r\nVia: SIP/2.0/UDP b\r\n\r\n")
	r, _ := s.send(17, server, 5060, client, 5060, "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a\r\nContent-Type: application/sdp\r\n\r\nv=0\r\n")
	check(t, s.end(f), map[string]string{"httpMethods": "0x01", "httpAppl": `"nudel_1_A_1_0"`,
		"httpVia": `"SIP/2.0/UDP a";"SIP/2.0/UDP b"`, "httpURL": `"sip:bob@example.org"`})
	check(t, s.end(r), map[string]string{"httpRSCode": "200", "httpAppl": `"sip:bob@example.org_1_B_1_0"`})
}

func TestHeaderAcrossPackets(t *testing.T) {
	s := newSession(t)
	s.req("GET /a/very/long/path HTTP/1.0\r\nHost: 192.168.1.1\r\nUser-Ag")
	s.req("ent: cut\r\nReferer: r\r\n\r\n")
	s.req("POST /form?q=1 HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=xyz\r\nContent-Disposition: form-data; filename=\"up/load.bin\"\r\n\r\nMZ\x90\x00")
	f := s.req("body\r\nHost: not-parsed\r\n")
	check(t, s.end(f), map[string]string{
		"httpAFlags": "0x5003", "httpMethods": "0x0a", "httpGet_Post": "1_1", "httpHosts": `"192.168.1.1"`,
		"httpUsrAg": "", "httpRefrr": `"r"`, "httpCFlags": "0x0018", "httpHeadMimes": "0x0020",
		"httpPunk": `"up_load.bin_1_A_3_0"`, "httpURL": `"/a/very/long/path";"/form?q=1"`,
	})
}

func TestELFNotGELF(t *testing.T) {
	// DECISIONS.md: T2 tests the bytes "GELF"; we detect a real ELF file.
	for _, tc := range []struct {
		body string
		want string
	}{{"\x7fELF\x02\x01", "0x2000"}, {"GELF", "0x0000"}} {
		s := newSession(t)
		s.req("GET /x HTTP/1.1\r\n\r\n")
		g := s.end(s.resp("HTTP/1.1 200 OK\r\n\r\n" + tc.body))
		if g["httpAFlags"] != tc.want {
			t.Errorf("body %q: httpAFlags %s, want %s", tc.body, g["httpAFlags"], tc.want)
		}
	}
}

func TestListLimit(t *testing.T) {
	s := newSession(t)
	var f *flow.Flow
	for i := 0; i < 50; i++ {
		f = s.req("GET /" + strings.Repeat("x", i) + " HTTP/1.1\r\n\r\n")
	}
	g := s.end(f)
	if n := strings.Count(g["httpURL"], ";") + 1; n != 40 {
		t.Errorf("%d URLs kept, want 40", n)
	}
	check(t, g, map[string]string{"httpStat": "0x006d", "httpGet_Post": "50_0"})
}

func TestHostileHeaderBounded(t *testing.T) {
	s := newSession(t)
	var b strings.Builder
	b.WriteString("GET / HTTP/1.1\r\n")
	for i := 0; i < 10000; i++ {
		b.WriteString("Cookie: ")
		b.WriteString(strings.Repeat("c", 100))
		b.WriteString(string(rune('a' + i%26)))
		b.WriteString("\r\nUser-Agent: " + strings.Repeat("u", 1000) + "\r\n")
	}
	f := s.req(b.String())
	s.req("GET /" + strings.Repeat("y", 1<<20) + " HTTP/1.1\r\n\r\n")
	st := s.s.st[f.Slot]
	if st.bytes > maxFlowBytes {
		t.Errorf("flow keeps %d bytes, limit %d", st.bytes, maxFlowBytes)
	}
	g := s.end(f)
	if len(g["httpUsrAg"]) != 400+2 {
		t.Errorf("User-Agent kept %d bytes, want 400 (HTTP_MXUA_LEN)", len(g["httpUsrAg"])-2)
	}
}

func TestReport(t *testing.T) {
	s := newSession(t)
	s.req("GET / HTTP/1.1\r\n\r\n")
	s.req("POST /p HTTP/1.1\r\n\r\n")
	a := s.req("GET /2 HTTP/1.1\r\n\r\n")
	b := s.resp("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
	s.end(a)
	s.end(b)
	c := counters.New()
	c.Packets = 8
	var out strings.Builder
	s.s.Report(&report.Writer{W: &out, C: c})
	want := []string{
		"httpSniffer: Aggregated httpStat=0x002c",
		"httpSniffer: Aggregated httpCFlags=0x0010",
		"httpSniffer: Aggregated httpHeadMimes=0x0040",
		"httpSniffer: Number of files img_vid_aud_msg_txt_app_unk: 0_0_0_0_1_0_0",
		"httpSniffer: Number of HTTP packets: 4 [50.00%]",
		"httpSniffer: Number of HTTP GET  requests: 2 [50.00%]",
		"httpSniffer: Number of HTTP POST requests: 1 [25.00%]",
		"httpSniffer: HTTP GET/POST ratio: 2.00",
	}
	got := strings.Split(strings.TrimSpace(out.String()), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("report:\n%s\nwant:\n%s", out.String(), strings.Join(want, "\n"))
	}
}

func TestPacketColumns(t *testing.T) {
	s := newSession(t)
	f, p := s.send(6, client, 40000, server, 80, "GET / HTTP/1.0\r\n\r\n")
	var w record.Writer
	s.s.WritePacket(p, f, &w)
	if got := string(w.Bytes()); got != "0x002c\t0x4000\t0x02\t0x0000\t0x0010" {
		t.Errorf("packet columns %q", got)
	}
}

func TestColumnSwitches(t *testing.T) {
	s := newSessionWith(t, map[string]int64{"HTTP_COOKIE": 0, "HTTP_BODY": 0, "HTTP_MCNT": 0})
	f := s.req("GET / HTTP/1.1\r\nCookie: c\r\n\r\n")
	g := s.end(f)
	for _, name := range []string{"httpCookies", "httpCFlags", "httpGet_Post"} {
		if _, ok := g[name]; ok {
			t.Errorf("column %s present although switched off", name)
		}
	}
	if g["httpURL_Via_Loc_Srv_Pwr_UAg_XFr_Ref_Cky_Mim"] != "1_0_0_0_0_0_0_0_1_0" {
		t.Errorf("cookies must still be counted: %s", g["httpURL_Via_Loc_Srv_Pwr_UAg_XFr_Ref_Cky_Mim"])
	}
}

func TestParseHelpers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{{"1.2.3.4", true}, {"1.2.3.4:80", false}, {"256.1.1.1", false}, {"1.2.3", false}, {"a.b.c.d", false}, {"1..2.3", false}} {
		if got := isIPv4([]byte(tc.in)); got != tc.want {
			t.Errorf("isIPv4(%q) = %v", tc.in, got)
		}
	}
	for _, tc := range []struct {
		in    string
		bit   uint16
		class int
	}{{"image/gif", 0x0004, classImage}, {"x-pkcs7/sig", 0x0400, classOther}, {"x-world/x", 0x0200, classOther},
		{"Text/HTML", 0x0040, classText}, {"iavs4/stats", 0x8000, classOther}, {"application/sdp", 0x0001, classAppl}} {
		if bit, class := mimeClass([]byte(tc.in)); bit != tc.bit || class != tc.class {
			t.Errorf("mimeClass(%q) = %#x %d, want %#x %d", tc.in, bit, class, tc.bit, tc.class)
		}
	}
	for _, tc := range []struct {
		in   string
		code uint16
		ok   bool
	}{{"HTTP/1.1 200 OK", 200, true}, {"SIP/2.0 180 Ringing", 180, true}, {"HTTP/1.1 2x0", 0, false}, {"HTTP/1.1", 0, false}} {
		if code, _, ok := statusCode([]byte(tc.in)); code != tc.code || ok != tc.ok {
			t.Errorf("statusCode(%q) = %d %v", tc.in, code, ok)
		}
	}
	if u, ok := refreshURL([]byte(`<meta http-equiv="Refresh" content="0; URL='http://x/y'">`)); !ok || string(u) != "http://x/y" {
		t.Errorf("refreshURL = %q %v", u, ok)
	}
	if n := dispositionName([]byte(`attachment; filename="a b.txt"`)); string(n) != "a b.txt" {
		t.Errorf("dispositionName = %q", n)
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		in        string
		http, sip bool
	}{
		{"GET / HTTP/1.1\r\n", true, false}, {"HTTP/1.", true, false}, {"HTTP/1", false, false}, {"HTTP/2.0", false, false},
		{"INVITE sip:a SIP/2.0", false, true}, {"SIP/ then HTTP/1.0", true, false}, {"/SIP", false, false},
		{"xx/HTTP/1.x", true, false}, {"", false, false}, {"////", false, false},
	} {
		if h, s := detect([]byte(tc.in)); h != tc.http || s != tc.sip {
			t.Errorf("detect(%q) = %v %v, want %v %v", tc.in, h, s, tc.http, tc.sip)
		}
	}
}
