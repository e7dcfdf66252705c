// Package ipfixsink is the ipfixSink plugin: it exports finished flows to
// a flow collector as IPFIX or NetFlow v9 over UDP (pkg/ipfix does the
// encoding and sending). It reads the values it needs from the flow
// record's columns, as every sink does, so it follows whatever basicFlow
// and basicStats write.
package ipfixsink

import (
	"bytes"
	_ "embed"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/t2go/t2go/pkg/ipfix"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/report"
)

//go:embed ipfixSink.toml
var embedded []byte

var registration = plugin.Register(plugin.Descriptor{Defaults: embedded, Version: "0.9.3",
	New: func() plugin.Plugin { return &Sink{} }})

var (
	_ plugin.Initer   = (*Sink)(nil)
	_ plugin.Sink     = (*Sink)(nil)
	_ plugin.Reporter = (*Sink)(nil)
	_ plugin.Finisher = (*Sink)(nil)
)

// rmflowHFull is flowStat's "released because the flow table was full".
const rmflowHFull = 0x0000040000000000

// TCP header flags in tcpFlags' column (its low byte).
const (
	tcpFIN = 0x01
	tcpRST = 0x04
)

// Sink is one run's instance of the plugin.
type Sink struct {
	addr   string
	opts   ipfix.Options
	biflow bool

	x *ipfix.Exporter

	// column positions in the record, -1 when absent
	cDir, cInd, cStat, cFirst, cLast, cSrcIP, cSrcPort, cDstIP, cDstPort int
	cProto, cVLAN, cPkts, cBytes, cTCPFlags                              int
	ncols                                                                int

	fields  [][]byte     // the record split at TABs (reused)
	pending ipfix.Record // biflow: an A flow waiting for its B flow
	pendInd uint64
	hasPend bool

	flows, nonIP, bad uint64
	firstBad          string
	stats             ipfix.Stats
	finished          bool
}

// Init reads the settings and checks the collector address; the socket is
// opened when the sink starts.
func (s *Sink) Init(env *plugin.Env) error {
	c := env.Settings
	addr, err := ipfix.ParseAddr(c.String("IPFIX_COLLECTOR"))
	if err != nil {
		return fmt.Errorf("IPFIX_COLLECTOR: %w", err)
	}
	s.addr = addr
	s.opts = ipfix.Options{
		Format:        ipfix.Format(c.Int("IPFIX_VERSION")),
		MTU:           int(c.Int("IPFIX_MTU")),
		TemplateEvery: time.Duration(c.Int("IPFIX_TEMPLATE_INTERVAL")) * time.Second,
		Queue:         int(c.Int("IPFIX_QUEUE")),
	}
	s.biflow = c.Bool("IPFIX_BIFLOW")
	s.opts.Biflow = s.biflow
	if s.biflow && s.opts.Format != ipfix.IPFIX {
		return fmt.Errorf("IPFIX_BIFLOW = 1 needs IPFIX_VERSION = 10 (NetFlow v9 has no biflows)")
	}
	dom := c.Int("IPFIX_DOMAIN")
	if dom < 0 {
		dom = env.Core.Int("T2_SENSORID")
	}
	s.opts.Domain = uint32(dom)
	if err := c.Err(); err != nil {
		return err
	}
	return env.Core.Err()
}

// StartSink finds the columns it exports and opens the UDP socket.
func (s *Sink) StartSink(st plugin.SinkStart) error {
	find := func(name string) int {
		for i, col := range st.Columns {
			if col.Name == name {
				return i
			}
		}
		return -1
	}
	s.ncols = len(st.Columns)
	s.cDir, s.cInd, s.cStat = find("dir"), find("flowInd"), find("flowStat")
	s.cFirst, s.cLast = find("timeFirst"), find("timeLast")
	s.cSrcIP, s.cSrcPort, s.cDstIP, s.cDstPort = find("srcIP"), find("srcPort"), find("dstIP"), find("dstPort")
	s.cProto, s.cVLAN, s.cPkts, s.cTCPFlags = find("l4Proto"), find("vlanID"), find("pktsSnt"), find("tcpFlags")
	s.cBytes = -1
	for i, col := range st.Columns {
		// basicStats names its byte column after PACKETLENGTH (l7BytesSnt
		// by default); padBytesSnt is padding, not traffic.
		if strings.HasSuffix(col.Name, "BytesSnt") && col.Name != "padBytesSnt" {
			s.cBytes = i
			break
		}
	}
	var missing []string
	for _, m := range []struct {
		idx  int
		name string
	}{{s.cInd, "flowInd"}, {s.cStat, "flowStat"}, {s.cFirst, "timeFirst"}, {s.cLast, "timeLast"},
		{s.cSrcIP, "srcIP"}, {s.cSrcPort, "srcPort"}, {s.cDstIP, "dstIP"}, {s.cDstPort, "dstPort"},
		{s.cProto, "l4Proto"}, {s.cPkts, "pktsSnt"}, {s.cBytes, "l7BytesSnt"}} {
		if m.idx < 0 {
			missing = append(missing, m.name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: the flow records have no %s column (activate basicFlow and basicStats)", registration.Name, strings.Join(missing, ", "))
	}
	x, err := ipfix.Dial(s.addr, s.opts)
	if err != nil {
		return fmt.Errorf("%s: IPFIX_COLLECTOR: %w", registration.Name, err)
	}
	s.x = x
	s.fields = make([][]byte, 0, s.ncols)
	return nil
}

// WriteFlow turns one flow record into an IPFIX record and queues it.
func (s *Sink) WriteFlow(line []byte) error {
	s.fields = s.fields[:0]
	for len(line) > 0 || len(s.fields) < s.ncols {
		i := bytes.IndexByte(line, '\t')
		if i < 0 {
			s.fields = append(s.fields, line)
			break
		}
		s.fields = append(s.fields, line[:i])
		line = line[i+1:]
	}
	if len(s.fields) != s.ncols {
		s.badRecord(fmt.Sprintf("%d fields, want %d", len(s.fields), s.ncols))
		return nil
	}
	var r ipfix.Record
	ind, isB, ok, why := s.parse(&r)
	if !ok {
		if why != "" {
			s.badRecord(why)
		}
		return nil
	}
	s.flows++
	if !s.biflow {
		s.x.Export(&r)
		return nil
	}
	if isB && s.hasPend && s.pendInd == ind {
		// The core writes a pair's B flow right after its A flow.
		s.pending.RevPackets, s.pending.RevOctets, s.pending.RevTCPFlags = r.Packets, r.Octets, r.TCPFlags
		if r.End > s.pending.End {
			s.pending.End = r.End
		}
		if r.Start < s.pending.Start {
			s.pending.Start = r.Start
		}
		s.x.Export(&s.pending)
		s.hasPend = false
		return nil
	}
	s.flushPending()
	if isB {
		// A B flow without its A flow: export it on its own.
		s.x.Export(&r)
		return nil
	}
	s.pending, s.pendInd, s.hasPend = r, ind, true
	return nil
}

func (s *Sink) flushPending() {
	if s.hasPend {
		s.x.Export(&s.pending)
		s.hasPend = false
	}
}

func (s *Sink) badRecord(why string) {
	if s.bad == 0 {
		s.firstBad = why
	}
	s.bad++
}

// parse fills r from s.fields; ok is false for flows that are not IP
// (why empty) or for values that do not parse (why says which).
func (s *Sink) parse(r *ipfix.Record) (ind uint64, isB, ok bool, why string) {
	f := s.fields
	src, err1 := netip.ParseAddr(string(f[s.cSrcIP]))
	dst, err2 := netip.ParseAddr(string(f[s.cDstIP]))
	if err1 != nil || err2 != nil || src.Is4() != dst.Is4() {
		s.nonIP++
		return 0, false, false, ""
	}
	r.IPv6 = !src.Is4()
	if r.IPv6 {
		r.Src, r.Dst = src.As16(), dst.As16()
	} else {
		a, b := src.As4(), dst.As4()
		copy(r.Src[:], a[:])
		copy(r.Dst[:], b[:])
	}
	var err error
	num := func(col int, bits int) uint64 {
		if col < 0 || err != nil {
			return 0
		}
		v := f[col]
		if i := bytes.IndexByte(v, ';'); i >= 0 { // repeated column: the first value
			v = v[:i]
		}
		if len(v) == 0 {
			return 0
		}
		var n uint64
		if len(v) > 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') {
			n, err = strconv.ParseUint(string(v[2:]), 16, bits)
		} else {
			n, err = strconv.ParseUint(string(v), 10, bits)
		}
		if err != nil {
			err = fmt.Errorf("column %d value %q: %w", col+1, v, err)
		}
		return n
	}
	ind = num(s.cInd, 64)
	stat := num(s.cStat, 64)
	r.SrcPort, r.DstPort = uint16(num(s.cSrcPort, 16)), uint16(num(s.cDstPort, 16))
	r.Proto = uint8(num(s.cProto, 8))
	r.VLAN = uint16(num(s.cVLAN, 16)) & 0x0fff
	r.Packets, r.Octets = num(s.cPkts, 64), num(s.cBytes, 64)
	r.TCPFlags = uint8(num(s.cTCPFlags, 16))
	if err == nil {
		r.Start, err = millis(f[s.cFirst])
	}
	if err == nil {
		r.End, err = millis(f[s.cLast])
	}
	if err != nil {
		return 0, false, false, err.Error()
	}
	switch {
	case stat&rmflowHFull != 0:
		r.EndReason = ipfix.EndLack
	case r.Proto == 6 && r.TCPFlags&(tcpFIN|tcpRST) != 0:
		r.EndReason = ipfix.EndDetected
	default:
		r.EndReason = ipfix.EndIdle
	}
	isB = s.cDir >= 0 && len(f[s.cDir]) == 1 && f[s.cDir][0] == 'B'
	return ind, isB, true, ""
}

// millis converts "SECONDS.FRACTION" (T2's time columns) to milliseconds.
func millis(v []byte) (int64, error) {
	sec, frac, _ := bytes.Cut(v, []byte{'.'})
	neg := len(sec) > 0 && sec[0] == '-'
	if neg {
		sec = sec[1:]
	}
	s, err := strconv.ParseInt(string(sec), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("time %q: %w", v, err)
	}
	ms := s * 1000
	for i, scale := 0, int64(100); i < 3 && i < len(frac); i, scale = i+1, scale/10 {
		d := frac[i]
		if d < '0' || d > '9' {
			return 0, fmt.Errorf("time %q: not a number", v)
		}
		ms += int64(d-'0') * scale
	}
	if neg {
		ms = -ms
	}
	return ms, nil
}

// Finish sends what is queued and closes the socket.
func (s *Sink) Finish() error {
	s.close()
	return nil
}

// close drains the queue into the socket once; the end report's counts
// are final after it.
func (s *Sink) close() {
	if s.finished || s.x == nil {
		return
	}
	s.finished = true
	if s.biflow {
		s.flushPending()
	}
	s.stats = s.x.Close()
}

// Report prints what was exported and what was not delivered. Every flow
// has been written when the end report is made, so it sends what is
// still queued first.
func (s *Sink) Report(r *report.Writer) {
	if s.x == nil {
		return
	}
	s.close()
	st := s.stats
	r.Plugin(registration.Name, "%d flows exported to %s as %s in %d messages", st.Sent, s.addr, s.opts.Format, st.Messages)
	if n := st.Undelivered(); n > 0 {
		r.Plugin(registration.Name, "%d flows not delivered (%d dropped from a full queue, %d in failed sends; last error: %v)", n, st.Dropped, st.Failed, st.LastErr)
	}
	if s.nonIP > 0 {
		r.Plugin(registration.Name, "%d non-IP flows not exported", s.nonIP)
	}
	if s.bad > 0 {
		r.Plugin(registration.Name, "%d flow records not understood (first: %s)", s.bad, s.firstBad)
	}
}
