// Package httpsniffer is the httpSniffer plugin (T2 number 310): it reads
// the headers of HTTP/1.x messages (and of SIP messages, which share the
// syntax) and reports per flow the methods, status codes, header values
// and one file name per message with a Content-Type.
//
// A candidate flow (TCP, SCTP, or UDP with a port above 1024) becomes an
// HTTP flow at the first payload containing "HTTP/1." or "SIP/". From
// then on a payload that starts a message (request line or status line)
// starts a header; header lines are read until the blank line, also
// across packets; the rest is body, which is only inspected for a few
// markers. Nothing is reassembled: a value cut by a segment boundary is
// stored as far as it goes.
//
// Per-flow state exists only for HTTP flows and is pooled, so neither HTTP
// nor other traffic allocates per packet in steady state.
package httpsniffer

import (
	"bytes"
	_ "embed"
	"strconv"
	"unsafe"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/ipproto"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/prefetch"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

//go:embed httpSniffer.toml
var embedded []byte

// registration is this plugin as registered: its name and number come
// from the header of httpSniffer.toml.
var registration = plugin.Register(plugin.Descriptor{Defaults: embedded, Version: "0.9.3",
	New: func() plugin.Plugin { return &Sniffer{} }})

var (
	_ plugin.Initer         = (*Sniffer)(nil)
	_ plugin.FlowColumns    = (*Sniffer)(nil)
	_ plugin.NewFlowHandler = (*Sniffer)(nil)
	_ plugin.Layer4Handler  = (*Sniffer)(nil)
	_ plugin.FlowTerminator = (*Sniffer)(nil)
	_ plugin.PacketColumns  = (*Sniffer)(nil)
	_ plugin.Reporter       = (*Sniffer)(nil)
	_ plugin.Prefetcher     = (*Sniffer)(nil)

	_ plugin.ConcurrentTerminator = (*Sniffer)(nil)
)

// httpStat bits.
const (
	StatOverflow   uint16 = 0x0001 // a list was full, later values dropped
	StatLongName   uint16 = 0x0002 // request target longer than HTTP_MXFILE_LEN
	StatTarget     uint16 = 0x0004 // a request target is remembered for naming
	StatHTTP       uint16 = 0x0008 // flow is HTTP (or SIP)
	StatChunked    uint16 = 0x0010 // Transfer-Encoding: chunked
	StatDetected   uint16 = 0x0020 // HTTP detected
	StatHeaderSeen uint16 = 0x0040 // shown at flow end for every HTTP flow (T2's "in header")
)

// httpAFlags bits.
const (
	AFPostQuery uint16 = 0x0001 // POST whose request target contains '?'
	AFHostIPv4  uint16 = 0x0002 // a Host value is an IPv4 address
	AFNoValue   uint16 = 0x0040 // empty Content-Type
	AFXSS       uint16 = 0x0100 // X-XSS-Protection header
	AFCSP       uint16 = 0x0200 // Content-Security-Policy header
	AFDNT       uint16 = 0x0400 // DNT: 1
	AFExe       uint16 = 0x1000 // body starts with MZ
	AFELF       uint16 = 0x2000 // body starts with 0x7f ELF
	AFHTTP10    uint16 = 0x4000 // HTTP/1.0
)

// httpCFlags bits.
const (
	CFRefresh   uint16 = 0x0002 // meta refresh in a text body
	CFBoundary  uint16 = 0x0008 // multipart boundary in a Content-Type
	CFCandidate uint16 = 0x0010 // TCP/SCTP, or UDP with a port above 1024
	CFHLS       uint16 = 0x0020 // HLS playlist (#EXT-X-STREAM-INF:)
)

// settings are the configured switches and limits.
type settings struct {
	mime, stat, host, url, cookie        bool
	image, video, audio, msg, appl, text bool
	punk, mcnt, body, bdurl              bool
	usrag, xfrwd, refrr, via, loc, serv  bool
	pwr                                  bool
	statAga, mimeAga, hostAga, urlAga    bool
	usrAga, xfrwdAga, refrrAga, viaAga   bool
	locAga, servAga, pwrAga              bool
	maxEntries, maxFile, maxUA, maxXF    int
	noName                               string
}

// lists returns which lists have a column.
func (c *settings) lists() [numLists]bool {
	return [numLists]bool{
		lHost: c.host, lURL: c.url, lMime: c.mime, lCookie: c.cookie,
		lImage: c.image, lVideo: c.video, lAudio: c.audio, lMsg: c.msg,
		lAppl: c.appl, lText: c.text, lPunk: c.punk, lBdyURL: c.bdurl,
		lUsrAg: c.usrag, lXFor: c.xfrwd, lRefrr: c.refrr, lVia: c.via,
		lLoc: c.loc, lServ: c.serv, lPwr: c.pwr,
	}
}

// Sniffer is one run's instance of the plugin.
type Sniffer struct {
	cfg      settings
	listOn   [numLists]bool // lists with a column
	counters *counters.Counters
	cand     []bool   // per slot: candidate flow
	pkts     []uint32 // per slot: payload packets so far
	st       []*state // per slot; nil unless the flow is HTTP
	pool     []*state
	name     []byte // scratch for file names

	aggStat, aggAFlags, aggCFlags, aggMimes uint16
	files                                   [numClasses]uint64
	httpPkts, gets, posts                   uint64
}

// Init reads the settings and sizes the per-flow slices.
func (s *Sniffer) Init(env *plugin.Env) error {
	c := env.Settings
	n := func(key string) int { return int(c.Int(key)) }
	s.cfg = settings{
		mime: c.Bool("HTTP_MIME"), stat: c.Bool("HTTP_STAT"), host: c.Bool("HTTP_HOST"), url: c.Bool("HTTP_URL"),
		cookie: c.Bool("HTTP_COOKIE"), image: c.Bool("HTTP_IMAGE"), video: c.Bool("HTTP_VIDEO"),
		audio: c.Bool("HTTP_AUDIO"), msg: c.Bool("HTTP_MSG"), appl: c.Bool("HTTP_APPL"), text: c.Bool("HTTP_TEXT"),
		punk: c.Bool("HTTP_PUNK"), mcnt: c.Bool("HTTP_MCNT"), body: c.Bool("HTTP_BODY"), bdurl: c.Bool("HTTP_BDURL"),
		usrag: c.Bool("HTTP_USRAG"), xfrwd: c.Bool("HTTP_XFRWD"), refrr: c.Bool("HTTP_REFRR"), via: c.Bool("HTTP_VIA"),
		loc: c.Bool("HTTP_LOC"), serv: c.Bool("HTTP_SERV"), pwr: c.Bool("HTTP_PWR"),
		statAga: c.Bool("HTTP_STATAGA"), mimeAga: c.Bool("HTTP_MIMEAGA"), hostAga: c.Bool("HTTP_HOSTAGA"),
		urlAga: c.Bool("HTTP_URLAGA"), usrAga: c.Bool("HTTP_USRAGA"), xfrwdAga: c.Bool("HTTP_XFRWDA"),
		refrrAga: c.Bool("HTTP_REFRRA"), viaAga: c.Bool("HTTP_VIAA"), locAga: c.Bool("HTTP_LOCA"),
		servAga: c.Bool("HTTP_SERVA"), pwrAga: c.Bool("HTTP_PWRA"),
		maxEntries: n("HTTP_DATA_C_MAX"), maxFile: n("HTTP_MXFILE_LEN"),
		maxUA: n("HTTP_MXUA_LEN"), maxXF: n("HTTP_MXXF_LEN"),
		noName: c.String("HTTP_NONAME"),
	}
	s.listOn = s.cfg.lists()
	s.counters = env.Counters
	slots := 0
	if env.Table != nil {
		slots = env.Table.Capacity()
	}
	s.cand = make([]bool, slots)
	s.pkts = make([]uint32, slots)
	s.st = make([]*state, slots)
	return nil
}

// Columns implements plugin.FlowColumns.
func (s *Sniffer) Columns() []record.Column {
	c := &s.cfg
	cols := []record.Column{
		{Name: "httpStat", Type: "H16", Desc: "HTTP status"},
		{Name: "httpAFlags", Type: "H16", Desc: "HTTP anomaly flags"},
		{Name: "httpMethods", Type: "H8", Desc: "HTTP methods in flow"},
		{Name: "httpHeadMimes", Type: "H16", Desc: "HTTP HEADMIME-TYPES in flow"},
	}
	if c.body {
		cols = append(cols, record.Column{Name: "httpCFlags", Type: "H16", Desc: "HTTP content info in flow"})
	}
	if c.mcnt {
		cols = append(cols, record.Column{Name: "httpGet_Post", Type: "U16_U16", Desc: "HTTP number of GET and POST requests"})
	}
	cols = append(cols, record.Column{Name: "httpRSCnt", Type: "U16", Desc: "HTTP response status count"})
	if c.stat {
		cols = append(cols, record.Column{Name: "httpRSCode", Type: "U16:R", Desc: "HTTP response status code"})
	}
	cols = append(cols,
		record.Column{Name: "httpURL_Via_Loc_Srv_Pwr_UAg_XFr_Ref_Cky_Mim", Type: "U16_U16_U16_U16_U16_U16_U16_U16_U16_U16",
			Desc: "HTTP number of URLs, Via, Location, Server, Powered By, User-Agent, X-Forwarded-For, Referer, Cookie and Mime-Type"},
		record.Column{Name: "httpImg_Vid_Aud_Msg_Txt_App_Unk", Type: "U16_U16_U16_U16_U16_U16_U16",
			Desc: "HTTP number of images, videos, audios, messages, texts, applications and unknown"})
	for i, l := range listColumns {
		if s.listOn[i] {
			cols = append(cols, record.Column{Name: l.name, Type: "S:R", Desc: l.desc})
		}
	}
	return cols
}

var listColumns = [numLists]struct{ name, desc string }{
	lHost:   {"httpHosts", "HTTP Host names"},
	lURL:    {"httpURL", "HTTP URLs"},
	lMime:   {"httpMimes", "HTTP MIME-types"},
	lCookie: {"httpCookies", "HTTP cookies"},
	lImage:  {"httpImages", "HTTP images"},
	lVideo:  {"httpVideos", "HTTP videos"},
	lAudio:  {"httpAudios", "HTTP audios"},
	lMsg:    {"httpMsgs", "HTTP messages"},
	lAppl:   {"httpAppl", "HTTP applications"},
	lText:   {"httpText", "HTTP texts"},
	lPunk:   {"httpPunk", "HTTP payload unknown"},
	lBdyURL: {"httpBdyURL", "HTTP body: Refresh, Set-Cookie URL"},
	lUsrAg:  {"httpUsrAg", "HTTP User-Agent"},
	lXFor:   {"httpXFor", "HTTP X-Forwarded-For"},
	lRefrr:  {"httpRefrr", "HTTP Referer"},
	lVia:    {"httpVia", "HTTP Via (Proxy)"},
	lLoc:    {"httpLoc", "HTTP Location (Redirection)"},
	lServ:   {"httpServ", "HTTP Server"},
	lPwr:    {"httpPwr", "HTTP Powered By"},
}

// PacketColumns implements plugin.PacketColumns.
func (s *Sniffer) PacketColumns() []string {
	return []string{"httpStat", "httpAFlags", "httpMethods", "httpHeadMimes", "httpCFlags"}
}

// WritePacket writes the flow's bits after this packet (T2 shows the
// header bit 0x0040 only in the flow file).
func (s *Sniffer) WritePacket(p *packet.Packet, f *flow.Flow, w *record.Writer) {
	var stat, af, mimes, cf uint16
	var meth uint8
	if f != nil && int(f.Slot) < len(s.st) {
		if s.cand[f.Slot] {
			cf = CFCandidate
		}
		if st := s.st[f.Slot]; st != nil {
			stat, af, meth, mimes, cf = st.stat, st.aflags, st.methods, st.mimes, cf|st.cflags
		}
	}
	w.H16(stat)
	w.H16(af)
	w.H8(meth)
	w.H16(mimes)
	w.H16(cf)
}

func (s *Sniffer) newState() *state {
	var st *state
	if n := len(s.pool); n > 0 {
		st = s.pool[n-1]
		s.pool = s.pool[:n-1]
	} else {
		st = &state{codes: make([]uint16, 0, 8)}
	}
	st.reset()
	return st
}

func (s *Sniffer) release(slot int32) {
	if st := s.st[slot]; st != nil {
		s.st[slot] = nil
		s.pool = append(s.pool, st)
	}
}

// OnNewFlow marks candidate flows.
func (s *Sniffer) OnNewFlow(p *packet.Packet, f *flow.Flow) {
	slot := f.Slot
	if int(slot) >= len(s.cand) {
		return
	}
	s.release(slot) // the state of the slot's previous flow
	s.pkts[slot] = 0
	k := &f.Key
	switch k.Proto {
	case ipproto.TCP, ipproto.SCTP:
		s.cand[slot] = true
	case ipproto.UDP:
		s.cand[slot] = k.SrcPort > 1024 || k.DstPort > 1024
	default:
		s.cand[slot] = false
	}
}

// PrefetchSlot implements plugin.Prefetcher.
func (s *Sniffer) PrefetchSlot(slot int32, b *prefetch.Batch) {
	if int(slot) < len(s.cand) {
		b.Add(unsafe.Pointer(&s.cand[slot]))
		b.Add(unsafe.Pointer(&s.st[slot]))
	}
}

// detect reports whether b contains "HTTP/1." and, if not, whether it
// contains "SIP/". Both have a '/', so one pass over b finds either:
// this runs on every payload packet of every candidate flow that is not
// (yet) HTTP.
func detect(b []byte) (http, sip bool) {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '/')
		if j < 0 {
			return false, sip
		}
		k := i + j
		if k >= 4 && k+2 < len(b) && string(b[k-4:k]) == "HTTP" && b[k+1] == '1' && b[k+2] == '.' {
			return true, false
		}
		if k >= 3 && string(b[k-3:k]) == "SIP" {
			sip = true
		}
		i = k + 1
	}
}

// OnLayer4 detects HTTP and parses the payload of HTTP flows.
func (s *Sniffer) OnLayer4(p *packet.Packet, f *flow.Flow) {
	slot := f.Slot
	if int(slot) >= len(s.cand) || !s.cand[slot] || len(p.Payload) == 0 || (p.IsFrag && p.FragOff != 0) {
		return
	}
	s.pkts[slot]++
	st := s.st[slot]
	if st == nil {
		isHTTP, isSIP := detect(p.Payload)
		if !isHTTP {
			if !isSIP {
				return
			}
			// T2 raises SIP/RTP in the run's flowStat aggregate only, not
			// in the flow's flowStat (the core ORs p.Status into the
			// aggregate after the plugins ran).
			p.Status |= packet.L7SIPRTP
		}
		st = s.newState()
		st.stat = StatHTTP | StatDetected
		s.st[slot] = st
	}
	s.httpPkts++
	s.parse(st, p.Payload, f)
}

// parse handles one payload of an HTTP flow.
func (s *Sniffer) parse(st *state, b []byte, f *flow.Flow) {
	started := startsMessage(b)
	if started {
		// Chunked encoding is a property of one message: T2 shows (and
		// aggregates) the last message's.
		st.stat &^= StatChunked
		st.inHeader, st.midLine, st.bodyNew, st.bodyText = true, false, false, false
		st.msgClass, st.dispName = -1, st.dispName[:0]
		s.firstLine(st, b)
	} else if !st.inHeader {
		s.body(st, b)
		return
	}
	// Header lines; a continuation packet that starts inside a line
	// skips that line's rest.
	first := started || st.midLine
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		line := b
		if i >= 0 {
			line, b = b[:i], b[i+1:]
		} else {
			b = b[:0]
		}
		st.midLine = i < 0
		if first {
			first = false
			continue
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		if len(line) == 0 && i >= 0 {
			s.endHeader(st, f)
			st.inHeader, st.bodyNew = false, true
			if len(b) > 0 {
				s.body(st, b)
			}
			return
		}
		s.headerLine(st, line)
	}
	if st.msgClass >= 0 {
		// Header continues in the next packet: name the file now, with
		// what this packet told (T2 works per packet as well).
		s.endHeader(st, f)
	}
}

// firstLine reads the request or status line.
func (s *Sniffer) firstLine(st *state, b []byte) {
	line := b
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		line = b[:i]
	}
	line = bytes.TrimSuffix(line, []byte{'\r'})
	if code, http10, ok := statusCode(line); ok {
		if http10 {
			st.aflags |= AFHTTP10
		}
		s.addCode(st, code)
		return
	}
	bit, off := requestMethod(line)
	if bit == 0 {
		return // a SIP request with another method: headers only
	}
	st.methods |= bit
	target := line[off:]
	if j := bytes.IndexByte(target, ' '); j >= 0 {
		if bytes.HasSuffix(target[j:], []byte(" HTTP/1.0")) {
			st.aflags |= AFHTTP10
		}
		target = target[:j]
	}
	switch bit {
	case methodGET:
		st.get++
		s.gets++
	case methodPOST:
		st.post++
		s.posts++
		if bytes.IndexByte(target, '?') >= 0 {
			st.aflags |= AFPostQuery
		}
	}
	if !st.add(lURL, target, s.cfg.urlAga, s.cfg.maxEntries) {
		st.stat |= StatOverflow
	}
	if len(target) > s.cfg.maxFile {
		target = target[:s.cfg.maxFile]
		st.stat |= StatLongName
	}
	st.target = append(st.target[:0], target...)
	st.stat |= StatTarget
}

func (s *Sniffer) addCode(st *state, code uint16) {
	if s.cfg.statAga {
		for _, c := range st.codes {
			if c == code {
				return
			}
		}
	}
	st.rsCnt++
	if len(st.codes) < s.cfg.maxEntries {
		st.codes = append(st.codes, code)
	} else {
		st.stat |= StatOverflow
	}
}

// headerLine handles one header line (CR LF removed).
func (s *Sniffer) headerLine(st *state, line []byte) {
	id, v := headerLine(line)
	c := &s.cfg
	list, distinct := -1, false
	switch id {
	case hdrOther:
		return
	case hdrHost:
		if isIPv4(v) {
			st.aflags |= AFHostIPv4
		}
		list, distinct = lHost, c.hostAga
	case hdrContentType:
		if len(v) == 0 {
			st.aflags |= AFNoValue
			return
		}
		if indexFold(v, "boundary") >= 0 {
			st.cflags |= CFBoundary
		}
		mime := v
		if j := bytes.IndexByte(mime, ';'); j >= 0 {
			mime = mime[:j]
		}
		bit, class := mimeClass(mime)
		st.mimes |= bit
		st.msgClass = class
		st.bodyText = class == classText
		list, distinct, v = lMime, c.mimeAga, mime
	case hdrCookie:
		list = lCookie
	case hdrUserAgent:
		if len(v) > c.maxUA {
			v = v[:c.maxUA]
		}
		list, distinct = lUsrAg, c.usrAga
	case hdrXForwardedFor:
		if len(v) > c.maxXF {
			v = v[:c.maxXF]
		}
		list, distinct = lXFor, c.xfrwdAga
	case hdrReferer:
		list, distinct = lRefrr, c.refrrAga
	case hdrVia:
		list, distinct = lVia, c.viaAga
	case hdrLocation:
		list, distinct = lLoc, c.locAga
	case hdrServer:
		list, distinct = lServ, c.servAga
	case hdrPoweredBy:
		list, distinct = lPwr, c.pwrAga
	case hdrDisposition:
		if n := dispositionName(v); len(n) > 0 {
			st.dispName = append(st.dispName[:0], n...)
		}
		return
	case hdrTransferEnc:
		if indexFold(v, "chunked") >= 0 {
			st.stat |= StatChunked
		}
		return
	case hdrXSS:
		st.aflags |= AFXSS
		return
	case hdrCSP:
		st.aflags |= AFCSP
		return
	case hdrDNT:
		if len(v) > 0 && v[0] == '1' {
			st.aflags |= AFDNT
		}
		return
	}
	if !st.add(list, v, distinct, c.maxEntries) {
		st.stat |= StatOverflow
	}
}

// endHeader adds the file-name entry of a message with a Content-Type:
// <name>_<findex>_<A|B>_<payload packet>_<entries in the list>.
func (s *Sniffer) endHeader(st *state, f *flow.Flow) {
	class := st.msgClass
	if class < 0 {
		return
	}
	st.msgClass = -1
	st.classCnt[class]++
	s.files[class]++
	name := st.dispName
	if len(name) == 0 {
		if o := f.Opposite; o != flow.None && int(o) < len(s.st) && s.st[o] != nil && len(s.st[o].target) > 0 {
			name = s.st[o].target
		} else {
			name = st.target
		}
	}
	if len(name) > s.cfg.maxFile {
		name = name[:s.cfg.maxFile]
	}
	b := s.name[:0]
	if len(name) == 0 {
		b = append(b, s.cfg.noName...)
	}
	for _, c := range name {
		if c == '/' || c == '?' {
			c = '_'
		}
		b = append(b, c)
	}
	b = append(b, '_')
	b = strconv.AppendUint(b, f.Index, 10)
	if f.IsInverted() {
		b = append(b, "_B_"...)
	} else {
		b = append(b, "_A_"...)
	}
	b = strconv.AppendUint(b, uint64(s.pkts[f.Slot]), 10)
	b = append(b, '_')
	list := classList[class]
	b = strconv.AppendUint(b, uint64(st.lists[list].len()), 10)
	s.name = b
	if !st.add(list, b, false, s.cfg.maxEntries) {
		st.stat |= StatOverflow
	}
}

var (
	markMZ  = []byte("MZ")
	markELF = []byte("\x7fELF")
	markHLS = []byte("#EXT-X-STREAM-INF:")
)

// body inspects body bytes (HTTP_BODY).
func (s *Sniffer) body(st *state, b []byte) {
	if !s.cfg.body {
		return
	}
	if st.bodyNew {
		st.bodyNew = false
		if bytes.HasPrefix(b, markMZ) {
			st.aflags |= AFExe
		} else if bytes.HasPrefix(b, markELF) {
			st.aflags |= AFELF
		}
	}
	if bytes.Contains(b, markHLS) {
		st.cflags |= CFHLS
	}
	if st.bodyText {
		if u, ok := refreshURL(b); ok {
			st.cflags |= CFRefresh
			if !st.add(lBdyURL, u, true, s.cfg.maxEntries) {
				st.stat |= StatOverflow
			}
		}
	}
}

// ConcurrentTerminate implements plugin.ConcurrentTerminator:
// OnFlowTerminate reads the state of f's slot and the settings, and
// writes the agg* aggregates, which no other hook writes (Report reads
// them). It does not return the state to the pool (shared with
// OnNewFlow): the OnNewFlow of the slot's next flow does. The file
// counters and the file-name scratch (OnLayer4's) are not touched.
func (s *Sniffer) ConcurrentTerminate() {}

// OnFlowTerminate writes the columns; the state stays in the slot until
// the slot's next flow.
func (s *Sniffer) OnFlowTerminate(f *flow.Flow, w *record.Writer) {
	slot := f.Slot
	var st *state
	if int(slot) < len(s.st) {
		st = s.st[slot]
	}
	if st != nil {
		s.aggStat |= st.stat
		s.aggAFlags |= st.aflags
		s.aggCFlags |= st.cflags | CFCandidate
		s.aggMimes |= st.mimes
	}
	if !w.Disabled {
		s.write(w, st)
	}
}

func (s *Sniffer) write(w *record.Writer, st *state) {
	c := &s.cfg
	if st == nil {
		w.H16(0)
		w.H16(0)
		w.H8(0)
		w.H16(0)
		if c.body {
			w.H16(0)
		}
		if c.mcnt {
			w.Field()
			w.AppendU64(0)
			w.Under()
			w.AppendU64(0)
		}
		w.U64(0)
		if c.stat {
			w.Empty()
		}
		w.Field()
		for i := 0; i < 10; i++ {
			if i > 0 {
				w.Under()
			}
			w.AppendU64(0)
		}
		w.Field()
		for i := 0; i < numClasses; i++ {
			if i > 0 {
				w.Under()
			}
			w.AppendU64(0)
		}
		for i := 0; i < numLists; i++ {
			if s.listOn[i] {
				w.Empty()
			}
		}
		return
	}
	w.H16(st.stat | StatHeaderSeen)
	w.H16(st.aflags)
	w.H8(st.methods)
	w.H16(st.mimes)
	if c.body {
		w.H16(st.cflags | CFCandidate)
	}
	if c.mcnt {
		w.Field()
		w.AppendU64(uint64(st.get))
		w.Under()
		w.AppendU64(uint64(st.post))
	}
	w.U64(uint64(st.rsCnt))
	if c.stat {
		w.Field()
		for i, code := range st.codes {
			if i > 0 {
				w.Semi()
			}
			w.AppendU64(uint64(code))
		}
	}
	w.Field()
	for i, l := range [...]int{lURL, lVia, lLoc, lServ, lPwr, lUsrAg, lXFor, lRefrr, lCookie, lMime} {
		if i > 0 {
			w.Under()
		}
		w.AppendU64(uint64(st.lists[l].len()))
	}
	w.Field()
	for i, n := range st.classCnt {
		if i > 0 {
			w.Under()
		}
		w.AppendU64(uint64(n))
	}
	for i := range st.lists {
		if !s.listOn[i] {
			continue
		}
		l := &st.lists[i]
		w.Field()
		for j := 0; j < l.len(); j++ {
			if j > 0 {
				w.Semi()
			}
			w.AppendStr(l.get(j))
		}
	}
}

// Report writes the end-report lines (only when HTTP was seen).
func (s *Sniffer) Report(r *report.Writer) {
	if s.httpPkts == 0 {
		return
	}
	if v := s.aggStat &^ StatHeaderSeen; v != 0 {
		r.Plugin(registration.Name, "Aggregated httpStat=0x%04x", v)
	}
	if s.aggAFlags != 0 {
		r.Plugin(registration.Name, "Aggregated httpAFlags=0x%04x", s.aggAFlags)
	}
	if s.aggCFlags != 0 && s.cfg.body {
		r.Plugin(registration.Name, "Aggregated httpCFlags=0x%04x", s.aggCFlags)
	}
	if s.aggMimes != 0 {
		r.Plugin(registration.Name, "Aggregated httpHeadMimes=0x%04x", s.aggMimes)
	}
	var sum uint64
	for _, n := range s.files {
		sum += n
	}
	if sum > 0 {
		f := s.files
		r.Plugin(registration.Name, "Number of files img_vid_aud_msg_txt_app_unk: %d_%d_%d_%d_%d_%d_%d",
			f[classImage], f[classVideo], f[classAudio], f[classMessage], f[classText], f[classAppl], f[classOther])
	}
	var total float64
	if c := r.C; c != nil {
		total = float64(c.Packets)
	} else if s.counters != nil {
		total = float64(s.counters.Packets)
	}
	r.Plugin(registration.Name, "Number of HTTP packets: %s%s", report.Num(s.httpPkts), report.Pct(float64(s.httpPkts), total))
	if s.gets > 0 {
		r.Plugin(registration.Name, "Number of HTTP GET  requests: %s%s", report.Num(s.gets), report.Pct(float64(s.gets), float64(s.httpPkts)))
	}
	if s.posts > 0 {
		r.Plugin(registration.Name, "Number of HTTP POST requests: %s%s", report.Num(s.posts), report.Pct(float64(s.posts), float64(s.httpPkts)))
		r.Plugin(registration.Name, "HTTP GET/POST ratio: %.2f", float64(s.gets)/float64(s.posts))
	}
}
