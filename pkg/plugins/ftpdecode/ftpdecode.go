// Package ftpdecode is the ftpDecode plugin (T2 number 301): it decodes
// FTP control connections (commands, reply codes, user names, passwords,
// parameters) and links them with the data connections they announce.
//
// Linking: a PORT or EPRT command (active, 0x08) or a 227 or 229 reply
// (passive, 0x02) puts the announced listening address and port into a
// bounded table (0x10 on the control flow when it is full). A new TCP or
// SCTP flow that connects to such an address becomes a data flow; it and
// the control flow record each other's findex in ftpCDFindex. T2 instead
// stores every candidate data flow and looks it up on 150/125 replies;
// announcing first means other traffic never enters the table and a data
// connection seen after its 150 reply is still linked. An announcement
// never answered sets 0x40 on its control flow when that flow ends.
//
// Per-flow state (strings, lists) exists only for FTP flows; it is pooled,
// so neither FTP nor other traffic allocates per packet.
package ftpdecode

import (
	_ "embed"
	"net/netip"
	"unsafe"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/prefetch"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

//go:embed ftpDecode.toml
var embedded []byte

// registration is this plugin as registered: its name and number come
// from the header of ftpDecode.toml, the only place they are written.
var registration = plugin.Register(plugin.Descriptor{Defaults: embedded, Version: "0.9.3",
	New: func() plugin.Plugin { return &FTPDecode{} }})

// The hooks this plugin implements, checked by the compiler: a mistyped
// method would otherwise silently drop its hook.
var (
	_ plugin.Initer         = (*FTPDecode)(nil)
	_ plugin.FlowColumns    = (*FTPDecode)(nil)
	_ plugin.NewFlowHandler = (*FTPDecode)(nil)
	_ plugin.Layer4Handler  = (*FTPDecode)(nil)
	_ plugin.FlowTerminator = (*FTPDecode)(nil)
	_ plugin.Prefetcher     = (*FTPDecode)(nil)
	_ plugin.PacketColumns  = (*FTPDecode)(nil)
	_ plugin.Reporter       = (*FTPDecode)(nil)
	_ plugin.Monitor        = (*FTPDecode)(nil)

	_ plugin.FlowReleaser         = (*FTPDecode)(nil)
	_ plugin.ConcurrentTerminator = (*FTPDecode)(nil)
)

// ftpStat bits.
const (
	StatControl     uint8 = 0x01 // control connection (port 21)
	StatPassive     uint8 = 0x02 // data connection announced by 227/229
	StatDataLong    uint8 = 0x04 // data connection longer than announced
	StatActive      uint8 = 0x08 // data connection announced by PORT/EPRT
	StatTableFull   uint8 = 0x10 // announcement table full
	StatFileError   uint8 = 0x20 // file error (FTP_SAVE; not implemented, never set)
	StatDataMissing uint8 = 0x40 // an announced data connection never appeared
	StatOverflow    uint8 = 0x80 // a list or string was cut
)

const (
	maxCommands = 64   // ftpCC entries (FTP_CMD_AGGR=0)
	maxCodes    = 64   // distinct reply codes
	maxPending  = 16   // unanswered announcements per control flow
	maxExpect   = 4096 // announcements waiting for their data connection
)

// limits are the configured sizes.
type limits struct {
	aggr                    bool
	userLen, passLen, cpLen int
	cdf, users, pass, cp    int
}

func defaultLimits() limits {
	return limits{aggr: true, userLen: 10, passLen: 15, cpLen: 50, cdf: 10, users: 5, pass: 5, cp: 20}
}

// expectKey identifies the listening end of an announced data connection.
type expectKey struct {
	ip    [16]byte
	port  uint16
	vlan  uint16
	ipVer uint8
	proto uint8
}

type expectation struct {
	ctlSlot  int32
	ctlIndex uint64 // findex of the control flow (guards against slot reuse)
	mode     uint8  // StatPassive or StatActive
}

// strList stores up to max strings of at most maxLen bytes in one buffer
// allocated with the flow state.
type strList struct {
	buf    []byte
	ends   []int
	maxLen int
}

func newStrList(n, maxLen int) strList {
	return strList{buf: make([]byte, 0, n*maxLen), ends: make([]int, 0, n), maxLen: maxLen}
}

func (l *strList) reset() { l.buf, l.ends = l.buf[:0], l.ends[:0] }

func (l *strList) get(i int) []byte {
	start := 0
	if i > 0 {
		start = l.ends[i-1]
	}
	return l.buf[start:l.ends[i]]
}

func (l *strList) has(s []byte) bool {
	for i := range l.ends {
		if string(l.get(i)) == string(s) {
			return true
		}
	}
	return false
}

// add stores s (cut to maxLen); it reports false when something was lost.
func (l *strList) add(s []byte, distinct bool) bool {
	ok := true
	if len(s) > l.maxLen {
		s, ok = s[:l.maxLen], false
	}
	if distinct && l.has(s) {
		return ok
	}
	if len(l.ends) == cap(l.ends) {
		return false
	}
	l.buf = append(l.buf, s...)
	l.ends = append(l.ends, len(l.buf))
	return ok
}

func (l *strList) write(w *record.Writer) {
	w.Field()
	for i := range l.ends {
		if i > 0 {
			w.Semi()
		}
		w.AppendStr(l.get(i))
	}
}

// state is the per-flow state of an FTP control or data flow; other flows
// have none. States are pooled, so steady-state traffic does not allocate.
type state struct {
	cmds    []uint8
	codes   []uint16
	users   strList
	pass    strList
	params  strList
	cdf     []uint64
	plen    uint32
	pending []expectKey // announcements of this flow not yet answered

	// The data flow linked last by this control flow, for "(N bytes)".
	lastSlot  int32
	lastIndex uint64

	dataBytes uint64 // data flows: payload bytes
	announced uint64 // data flows: announced length, 0 = unknown

	// done: the flow's OnFlowTerminate ran (the state goes back to the
	// pool in the OnNewFlow of the slot's next flow).
	done bool
}

// FTPDecode is the plugin instance.
type FTPDecode struct {
	lim      limits
	table    *flow.Table
	counters *counters.Counters
	stat     []uint8  // ftpStat per slot
	st       []*state // per slot; nil unless the flow is FTP
	// gone[slot]: the slot's flow left the table (release ran); the
	// packet hooks no longer look at its state, which its
	// OnFlowTerminate may be reading on another goroutine.
	gone   []bool
	pool   []*state
	expect expectTable

	aggregate                     uint8
	pkts, dataPkts, dataBytes     uint64
	snapPkts, snapData, snapBytes uint64
}

// Init reads the limits and sizes the per-flow slices.
func (d *FTPDecode) Init(env *plugin.Env) error {
	d.lim = defaultLimits()
	if c := env.Settings; c != nil {
		get := func(key string, def int) int {
			v := c.Int(key)
			if v < 1 || v > 1<<16 {
				return def
			}
			return int(v)
		}
		d.lim.aggr = c.Bool("FTP_CMD_AGGR")
		d.lim.userLen = get("FTP_UXNMLN", d.lim.userLen)
		d.lim.passLen = get("FTP_PXNMLN", d.lim.passLen)
		d.lim.cpLen = get("FTP_MXNMLN", d.lim.cpLen)
		d.lim.cdf = get("FTP_MAXCPFI", d.lim.cdf)
		d.lim.users = get("FTP_MAXUNM", d.lim.users)
		d.lim.pass = get("FTP_MAXPNM", d.lim.pass)
		d.lim.cp = get("FTP_MAXCNM", d.lim.cp)
	}
	d.table = env.Table
	d.counters = env.Counters
	n := 0
	if env.Table != nil {
		n = env.Table.Capacity()
	}
	d.stat = make([]uint8, n)
	d.st = make([]*state, n)
	d.gone = make([]bool, n)
	d.expect = newExpectTable()
	return nil
}

// Columns implements plugin.FlowColumns.
func (d *FTPDecode) Columns() []record.Column {
	return []record.Column{
		{Name: "ftpStat", Type: "H8", Desc: "FTP status"},
		{Name: "ftpCDFindex", Type: "U64:R", Desc: "FTP command/data findex link"},
		{Name: "ftpCC", Type: "SC:R", Desc: "FTP command codes"},
		{Name: "ftpRC", Type: "U16:R", Desc: "FTP response codes"},
		{Name: "ftpNumUser", Type: "U8", Desc: "FTP number of users"},
		{Name: "ftpUser", Type: "S:R", Desc: "FTP users"},
		{Name: "ftpNumPass", Type: "U8", Desc: "FTP number of passwords"},
		{Name: "ftpPass", Type: "S:R", Desc: "FTP passwords"},
		{Name: "ftpNumCP", Type: "U8", Desc: "FTP number of command parameters"},
		{Name: "ftpCP", Type: "S:R", Desc: "FTP command parameters"},
		{Name: "ftpPLen", Type: "U32", Desc: "FTP passive file length"},
	}
}

// PacketColumns implements plugin.PacketColumns.
func (d *FTPDecode) PacketColumns() []string { return []string{"ftpStat"} }

// WritePacket writes the flow's ftpStat after this packet.
func (d *FTPDecode) WritePacket(p *packet.Packet, f *flow.Flow, w *record.Writer) {
	if f == nil || int(f.Slot) >= len(d.stat) {
		w.H8(0)
		return
	}
	w.H8(d.stat[f.Slot])
}

func (d *FTPDecode) newState() *state {
	if n := len(d.pool); n > 0 {
		s := d.pool[n-1]
		d.pool = d.pool[:n-1]
		return s
	}
	return &state{
		cmds:     make([]uint8, 0, maxCommands),
		codes:    make([]uint16, 0, maxCodes),
		users:    newStrList(d.lim.users, d.lim.userLen),
		pass:     newStrList(d.lim.pass, d.lim.passLen),
		params:   newStrList(d.lim.cp, d.lim.cpLen),
		cdf:      make([]uint64, 0, d.lim.cdf),
		pending:  make([]expectKey, 0, maxPending),
		lastSlot: flow.None,
	}
}

func (d *FTPDecode) freeState(s *state) {
	s.cmds, s.codes, s.cdf, s.pending = s.cmds[:0], s.codes[:0], s.cdf[:0], s.pending[:0]
	s.users.reset()
	s.pass.reset()
	s.params.reset()
	s.plen, s.dataBytes, s.announced = 0, 0, 0
	s.lastSlot, s.lastIndex = flow.None, 0
	s.done = false
	d.pool = append(d.pool, s)
}

func isFTPProto(proto uint8) bool { return proto == 6 || proto == 132 }

// OnNewFlow detects control flows (port 21) and announced data flows.
func (d *FTPDecode) OnNewFlow(p *packet.Packet, f *flow.Flow) {
	slot := f.Slot
	if int(slot) >= len(d.stat) {
		return
	}
	d.stat[slot] = 0
	d.gone[slot] = false
	if s := d.st[slot]; s != nil { // the state of the slot's previous flow
		d.st[slot] = nil
		d.freeState(s)
	}
	k := &f.Key
	if !isFTPProto(k.Proto) {
		return
	}
	if k.SrcPort == 21 || k.DstPort == 21 {
		d.stat[slot] = StatControl
		d.st[slot] = d.newState()
		return
	}
	if d.expect.maybe(k.DstPort) || d.expect.maybe(k.SrcPort) {
		// The connecting side dials the announced address; if the capture
		// missed the first packet, the listener may speak first.
		key := expectKey{ip: k.DstIP, port: k.DstPort, vlan: k.VLAN, ipVer: k.IPVer, proto: k.Proto}
		if e, ok := d.expect.get(key); ok {
			d.link(f, key, e)
			return
		}
		key.ip, key.port = k.SrcIP, k.SrcPort
		if e, ok := d.expect.get(key); ok {
			d.link(f, key, e)
			return
		}
	}
	// The reply direction of a linked data flow is a data flow too.
	if o := f.Opposite; o != flow.None && int(o) < len(d.stat) && d.stat[o]&(StatPassive|StatActive) != 0 {
		d.stat[slot] = d.stat[o] & (StatPassive | StatActive)
		s := d.newState()
		if os := d.st[o]; os != nil {
			s.announced = os.announced
		}
		d.st[slot] = s
	}
}

// link makes f the data flow of the announcement e.
func (d *FTPDecode) link(f *flow.Flow, key expectKey, e expectation) {
	d.expect.del(key)
	s := d.newState()
	d.st[f.Slot] = s
	d.stat[f.Slot] = e.mode
	s.cdf = append(s.cdf, e.ctlIndex)
	ctl := d.control(e.ctlSlot, e.ctlIndex)
	if ctl == nil {
		return
	}
	for i, k := range ctl.pending {
		if k == key {
			ctl.pending = append(ctl.pending[:i], ctl.pending[i+1:]...)
			break
		}
	}
	if len(ctl.cdf) < cap(ctl.cdf) {
		ctl.cdf = append(ctl.cdf, f.Index)
	} else {
		d.stat[e.ctlSlot] |= StatOverflow
	}
	ctl.lastSlot, ctl.lastIndex = f.Slot, f.Index
}

// control returns the state of the control flow in slot if it still is
// the flow with findex index.
func (d *FTPDecode) control(slot int32, index uint64) *state {
	if slot < 0 || int(slot) >= len(d.st) || d.gone[slot] || d.st[slot] == nil || d.stat[slot]&StatControl == 0 {
		return nil
	}
	if d.table != nil && d.table.Flow(slot).Index != index {
		return nil
	}
	return d.st[slot]
}

// PrefetchSlot implements plugin.Prefetcher.
func (d *FTPDecode) PrefetchSlot(slot int32, b *prefetch.Batch) {
	if int(slot) < len(d.stat) {
		b.Add(unsafe.Pointer(&d.stat[slot]))
		b.Add(unsafe.Pointer(&d.st[slot]))
	}
}

// OnLayer4 counts FTP packets and parses control payloads.
func (d *FTPDecode) OnLayer4(p *packet.Packet, f *flow.Flow) {
	if int(f.Slot) >= len(d.stat) {
		return
	}
	st := d.stat[f.Slot]
	if st == 0 {
		return
	}
	s := d.st[f.Slot]
	if st&StatControl == 0 {
		d.dataPkts++
		if s != nil {
			s.dataBytes += uint64(len(p.Payload))
		}
		return
	}
	d.pkts++
	if s == nil || len(p.Payload) < 4 || (p.IsFrag && p.FragOff != 0) {
		return
	}
	if f.IsInverted() {
		d.reply(p, f, s)
	} else {
		d.command(p, f, s)
	}
}

func (d *FTPDecode) overflow(f *flow.Flow) { d.stat[f.Slot] |= StatOverflow }

func (d *FTPDecode) command(p *packet.Packet, f *flow.Flow, s *state) {
	cmd, ok := parseCommand(p.Payload)
	if !ok {
		return
	}
	if !d.lim.aggr || !containsU8(s.cmds, cmd) {
		if len(s.cmds) < cap(s.cmds) {
			s.cmds = append(s.cmds, cmd)
		} else {
			d.overflow(f)
		}
	}
	arg := argument(p.Payload, cmd)
	switch cmd {
	case cmdUSER:
		if !s.users.add(arg, false) {
			d.overflow(f)
		}
	case cmdPASS:
		if !s.pass.add(arg, false) {
			d.overflow(f)
		}
	case cmdPORT:
		if ip, port, ok := parseHostPort(arg); ok {
			var a [16]byte
			copy(a[:], ip[:])
			if ip == [4]byte{} {
				a = f.Key.SrcIP
			}
			d.announce(f, s, a, 4, port, StatActive)
		}
	case cmdEPRT:
		if addr, port, ok := parseEPRT(arg); ok {
			d.announceAddr(f, s, addr, port, StatActive)
		}
	}
	if paramCommands[cmd] && len(arg) > 0 {
		if !s.params.add(arg, true) {
			d.overflow(f)
		}
	}
}

func (d *FTPDecode) reply(p *packet.Packet, f *flow.Flow, s *state) {
	code, ok := replyCode(p.Payload)
	if !ok {
		return
	}
	if !containsU16(s.codes, code) {
		if len(s.codes) < cap(s.codes) {
			s.codes = append(s.codes, code)
		} else {
			d.overflow(f)
		}
	}
	switch code {
	case 215, 213, 227, 229, 125, 150:
	default:
		return // no other reply carries anything ftpDecode keeps
	}
	line := firstLine(p.Payload)
	text := line[3:] // the reply text after the code
	switch code {
	case 215:
		if !s.params.add(line, true) {
			d.overflow(f)
		}
	case 213:
		if n, ok := sizeReply(line); ok {
			s.plen = uint32(n)
		}
	case 227:
		if ip, port, ok := parseHostPort(text); ok {
			var a [16]byte
			copy(a[:], ip[:])
			if ip == [4]byte{} {
				a = f.Key.SrcIP
			}
			d.announce(f, s, a, 4, port, StatPassive)
		}
	case 229:
		if port, ok := parseEPSV(text); ok {
			d.announce(f, s, f.Key.SrcIP, f.Key.IPVer, port, StatPassive)
		}
	case 125, 150:
		if name := fileName(line); len(name) > 0 {
			if !s.params.add(name, true) {
				d.overflow(f)
			}
		}
		if n, ok := transferLength(line); ok {
			s.plen = uint32(n)
			d.announceLength(f, s, n)
		}
	}
}

// announceLength gives the last linked data flow of the control pair its
// announced length.
func (d *FTPDecode) announceLength(f *flow.Flow, s *state, n uint64) {
	ctl := s
	if ctl.lastSlot == flow.None && f.Opposite != flow.None {
		if o := d.st[f.Opposite]; o != nil {
			ctl = o
		}
	}
	if ctl.lastSlot == flow.None || d.table == nil || d.gone[ctl.lastSlot] {
		return
	}
	df := d.table.Flow(ctl.lastSlot)
	if df.Index != ctl.lastIndex || d.st[ctl.lastSlot] == nil || d.stat[ctl.lastSlot]&StatControl != 0 {
		return
	}
	d.st[ctl.lastSlot].announced = n
	if o := df.Opposite; o != flow.None && d.st[o] != nil && d.stat[o]&StatControl == 0 {
		d.st[o].announced = n
	}
}

func (d *FTPDecode) announceAddr(f *flow.Flow, s *state, addr netip.Addr, port uint16, mode uint8) {
	var a [16]byte
	var ver uint8
	if addr.Is4() || addr.Is4In6() {
		v4 := addr.Unmap().As4()
		copy(a[:], v4[:])
		ver = 4
	} else {
		a = addr.As16()
		ver = 6
	}
	d.announce(f, s, a, ver, port, mode)
}

// announce remembers an announced data connection until it appears.
func (d *FTPDecode) announce(f *flow.Flow, s *state, ip [16]byte, ver uint8, port uint16, mode uint8) {
	key := expectKey{ip: ip, port: port, vlan: f.Key.VLAN, ipVer: ver, proto: f.Key.Proto}
	if _, dup := d.expect.get(key); !dup {
		if d.expect.len() >= maxExpect {
			d.stat[f.Slot] |= StatTableFull
			return
		}
		if len(s.pending) == cap(s.pending) {
			// Forget the oldest unanswered announcement of this flow.
			d.expect.del(s.pending[0])
			s.pending = append(s.pending[:0], s.pending[1:]...)
			d.stat[f.Slot] |= StatDataMissing
		}
		s.pending = append(s.pending, key)
	}
	d.expect.put(key, expectation{ctlSlot: f.Slot, ctlIndex: f.Index, mode: mode})
}

func containsU8(l []uint8, v uint8) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

func containsU16(l []uint16, v uint16) bool {
	for _, x := range l {
		if x == v {
			return true
		}
	}
	return false
}

// OnFlowRelease implements plugin.FlowReleaser: it withdraws the flow's
// unanswered announcements from the shared table (StatDataMissing) and
// marks the slot gone, so that no packet hook reads or writes the
// flow's state any more (a data flow linking to a stale announcement,
// a 150 reply announcing the length of this data flow).
func (d *FTPDecode) OnFlowRelease(f *flow.Flow) {
	if int(f.Slot) < len(d.gone) {
		d.release(f.Slot)
	}
}

func (d *FTPDecode) release(slot int32) {
	if d.gone[slot] {
		return
	}
	d.gone[slot] = true
	s := d.st[slot]
	if s == nil {
		return
	}
	for _, k := range s.pending {
		if e, ok := d.expect.get(k); ok && e.ctlSlot == slot {
			d.expect.del(k)
		}
		d.stat[slot] |= StatDataMissing
	}
	s.pending = s.pending[:0]
}

// ConcurrentTerminate implements plugin.ConcurrentTerminator: once
// OnFlowRelease ran (OnFlowTerminate runs it when the engine did not),
// OnFlowTerminate reads and writes only the flow's slot (stat, st) and
// state, and its opposite's state (which the packet hooks no longer
// touch either: the pair left the table together), reads settings, and
// updates aggregate, which no other hook writes (Report reads it). It
// no longer returns the state to the pool; the OnNewFlow of the slot's
// next flow does, on the packet goroutine.
func (d *FTPDecode) ConcurrentTerminate() {}

// OnFlowTerminate writes the columns; the state stays in the slot
// (done) until the slot's next flow.
func (d *FTPDecode) OnFlowTerminate(f *flow.Flow, w *record.Writer) {
	slot := f.Slot
	if int(slot) >= len(d.stat) {
		writeEmpty(w)
		return
	}
	d.release(slot) // if OnFlowRelease did not run
	s := d.st[slot]
	if s == nil {
		d.aggregate |= d.stat[slot]
		if d.stat[slot] == 0 {
			writeEmpty(w)
			return
		}
	}
	var opp *state
	if o := f.Opposite; o != flow.None && int(o) < len(d.st) {
		// An opposite already terminated has no state for this flow
		// (done; its state stays in its slot until the slot is reused).
		if os := d.st[o]; os != nil && !os.done {
			opp = os
		}
	}
	if s != nil {
		if s.announced > 0 && s.dataBytes > s.announced {
			d.stat[slot] |= StatDataLong
		}
		d.aggregate |= d.stat[slot]
	}
	if !w.Disabled {
		d.writeColumns(w, slot, s, opp)
	}
	if s != nil {
		// The opposite flow may outlive this one and lose its link: leave
		// it the findex list so it can still print it.
		if opp != nil && len(opp.cdf) == 0 {
			n := copy(opp.cdf[:cap(opp.cdf)], s.cdf)
			opp.cdf = opp.cdf[:n]
		}
		s.done = true
	}
	d.stat[slot] = 0
}

// writeColumns appends the flow's columns (s is its state, nil for a
// data flow without one; opp the opposite's).
func (d *FTPDecode) writeColumns(w *record.Writer, slot int32, s, opp *state) {
	w.H8(d.stat[slot])
	cdf := []uint64(nil)
	if s != nil {
		cdf = s.cdf
	}
	if len(cdf) == 0 && opp != nil {
		cdf = opp.cdf
	}
	w.Field()
	for i, v := range cdf {
		if i > 0 {
			w.Semi()
		}
		w.AppendU64(v)
	}
	if s == nil {
		w.Empty()
		w.Empty()
		w.U64(0)
		w.Empty()
		w.U64(0)
		w.Empty()
		w.U64(0)
		w.Empty()
		w.U64(0)
		return
	}
	w.Field()
	for i, c := range s.cmds {
		if i > 0 {
			w.Semi()
		}
		w.RawString(commandNames[c])
	}
	w.Field()
	for i, c := range s.codes {
		if i > 0 {
			w.Semi()
		}
		w.AppendU64(uint64(c))
	}
	w.U64(uint64(len(s.users.ends)))
	s.users.write(w)
	w.U64(uint64(len(s.pass.ends)))
	s.pass.write(w)
	w.U64(uint64(len(s.params.ends)))
	s.params.write(w)
	w.U64(uint64(s.plen))
}

func writeEmpty(w *record.Writer) {
	if w.Disabled {
		return
	}
	w.H8(0)
	w.Empty()
	w.Empty()
	w.Empty()
	w.U64(0)
	w.Empty()
	w.U64(0)
	w.Empty()
	w.U64(0)
	w.Empty()
	w.U64(0)
}

// Report writes the end-report lines.
func (d *FTPDecode) Report(r *report.Writer) {
	if d.aggregate == 0 {
		return
	}
	r.Plugin(registration.Name, "Aggregated ftpStat=0x%02x", d.aggregate)
	d.lines(r, d.pkts, d.dataPkts, d.dataBytes)
}

// lines writes the packet/byte lines; each appears when its cumulative
// counter is non-zero (T2 tests the cumulative value in diff mode too).
func (d *FTPDecode) lines(r *report.Writer, pkts, dataPkts, dataBytes uint64) {
	var totPkts, totBytes float64
	c := r.C
	if c == nil {
		c = d.counters
	}
	if c != nil {
		totPkts, totBytes = float64(c.Packets), float64(c.BytesProcessed)
	}
	if d.pkts > 0 {
		r.Plugin(registration.Name, "Number of FTP control packets: %s%s", report.Num(pkts), report.Pct(float64(pkts), totPkts))
	}
	if d.dataPkts > 0 {
		r.Plugin(registration.Name, "Number of FTP-DATA packets: %s%s", report.Num(dataPkts), report.Pct(float64(dataPkts), totPkts))
	}
	if d.dataBytes > 0 {
		r.Plugin(registration.Name, "Number of FTP-DATA bytes: %s%s", report.Num(dataBytes), report.Pct(float64(dataBytes), totBytes))
	}
}

// MonitorColumns implements plugin.Monitor.
func (d *FTPDecode) MonitorColumns() []string { return []string{"ftpPkts", "ftpDataPkts"} }

// MonitorValues appends ftpPkts and ftpDataPkts (in diff mode since the
// previous report).
func (d *FTPDecode) MonitorValues(w *record.Writer, diff bool) {
	pkts, data, _ := d.interval(diff)
	w.U64(pkts)
	w.U64(data)
}

// MonitorReport writes the human USR1 lines.
func (d *FTPDecode) MonitorReport(r *report.Writer, diff bool) {
	pkts, data, bytes := d.interval(diff)
	d.lines(r, pkts, data, bytes)
}

// interval returns the counters to report and, in diff mode, moves the
// snapshot forward.
func (d *FTPDecode) interval(diff bool) (pkts, data, bytes uint64) {
	if !diff {
		return d.pkts, d.dataPkts, d.dataBytes
	}
	pkts, data, bytes = d.pkts-d.snapPkts, d.dataPkts-d.snapData, d.dataBytes-d.snapBytes
	d.snapPkts, d.snapData, d.snapBytes = d.pkts, d.dataPkts, d.dataBytes
	return pkts, data, bytes
}
