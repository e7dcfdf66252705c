// Package protostats is the protoStats plugin (T2 number 1): it counts
// packets and captured bytes per ethertype, per IP protocol and per TCP
// and UDP server port, and writes the histogram to PREFIX_protocols.txt
// at the end of the run.
package protostats

import (
	"bufio"
	"embed"
	"errors"
	"fmt"
	"io"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/outfile"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/report"
)

//go:embed protoStats.toml
var embedded []byte

// registration is this plugin as registered: its name and number come
// from the header of protoStats.toml, the only place they are written.
var registration = plugin.Register(plugin.Descriptor{Defaults: embedded, Version: "0.9.3",
	New: func() plugin.Plugin { return &ProtoStats{} }})

// The hooks this plugin implements, checked by the compiler: a mistyped
// method would otherwise silently drop its hook.
var (
	_ plugin.Initer        = (*ProtoStats)(nil)
	_ plugin.Layer2Handler = (*ProtoStats)(nil)
	_ plugin.Layer4Handler = (*ProtoStats)(nil)
	_ plugin.Finisher      = (*ProtoStats)(nil)
)

// Names of the description files (this folder's, or the user's copy).
const (
	EthertypeFile = "ethertypes.txt"
	PortFile      = "portmap.txt"
	ProtoFile     = "proto.txt"
)

// ProtoStats is the plugin instance.
type ProtoStats struct {
	prefix   string
	suffix   string
	ethStat  bool
	counters *counters.Counters
	files    plugin.Files
	desc     *descriptions

	// The packet and byte counts of a key sit side by side, so a packet
	// touches one cache line per histogram, not two.
	l2          []count // per ethertype (65536)
	l4          [256]count
	tcp, udp    []count // per server port (65536)
	v4, v6      uint64
	pkts, bytes uint64 // packets seen by the plugin (fallback totals)
}

// count is one histogram bin.
type count struct{ pkts, bytes uint64 }

func (c *count) add(n uint64) {
	c.pkts++
	c.bytes += n
}

// Init reads the settings and allocates the histograms.
func (s *ProtoStats) Init(env *plugin.Env) error {
	s.prefix = env.Prefix
	s.ethStat = env.Settings.Bool("PST_ETH_STAT")
	s.suffix = env.Settings.String("PST_SUFFIX")
	s.counters = env.Counters
	s.files = env.Files
	// The description files are read now, so a bad proto.txt (MONPROTFL)
	// stops the run before the capture, not after it.
	d, err := s.loadDescriptions()
	if err != nil {
		return err
	}
	s.desc = d
	s.l2 = make([]count, 65536)
	s.tcp = make([]count, 65536)
	s.udp = make([]count, 65536)
	return nil
}

// OnLayer2 counts a packet of a layer-2 flow.
func (s *ProtoStats) OnLayer2(p *packet.Packet, f *flow.Flow) {
	if s.l2 == nil {
		return
	}
	s.pkts++
	s.bytes += uint64(p.CapLen)
	s.l2[p.EthType].add(uint64(p.CapLen))
}

// OnLayer4 counts a packet of an IP flow.
func (s *ProtoStats) OnLayer4(p *packet.Packet, f *flow.Flow) {
	if s.l2 == nil {
		return
	}
	n := uint64(p.CapLen)
	s.pkts++
	s.bytes += n
	s.l2[p.EthType].add(n)
	s.l4[p.L4Proto].add(n)
	switch p.IPVer {
	case 4:
		s.v4++
	case 6:
		s.v6++
	}
	// The server port: the destination port of the flow that initiated
	// the connection, i.e. the source port of a flow with flowStat bit 0.
	port := f.Key.DstPort
	if f.IsInverted() {
		port = f.Key.SrcPort
	}
	switch f.Key.Proto {
	case 6:
		s.tcp[port].add(n)
	case 17:
		s.udp[port].add(n)
	}
}

// Finish writes PREFIX_protocols.txt.
func (s *ProtoStats) Finish() error {
	if s.l2 == nil {
		return nil
	}
	name := s.prefix + s.suffix
	f, err := outfile.Create(name)
	if err != nil {
		return fmt.Errorf("protoStats: %w", err)
	}
	bw := bufio.NewWriter(f)
	err = s.WriteFile(bw)
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("protoStats: writing %s: %w", name, err)
	}
	return nil
}

// Descriptions are loaded only when the file is written.
type descriptions struct {
	eth    map[uint16]string
	ranges []ethRange
	proto  [256]string
	tcp    map[uint16]string
	udp    map[uint16]string
}

type ethRange struct {
	lo, hi uint16
	desc   string
}

func (d *descriptions) ethertype(e uint16) string {
	if s, ok := d.eth[e]; ok {
		return s
	}
	for _, r := range d.ranges {
		if e >= r.lo && e <= r.hi {
			return r.desc
		}
	}
	return "" // T2 leaves an unknown ethertype's description empty
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Its own description files, used when the user has no copy.
//
//go:embed ethertypes.txt portmap.txt
var builtin embed.FS

// supportFile reads a description file: the user's copy (plugin folder,
// then config home) when there is one, else the embedded default.
func (s *ProtoStats) supportFile(name string) ([]byte, error) {
	if s.files != nil {
		data, found, err := s.files.UserFile(name)
		if err != nil || found {
			return data, err
		}
	}
	return builtin.ReadFile(name)
}

func (s *ProtoStats) loadDescriptions() (*descriptions, error) {
	d := &descriptions{}
	data, err := s.supportFile(EthertypeFile)
	if err != nil {
		return nil, err
	}
	d.eth, d.ranges = parseEthertypes(data)
	data, err = s.supportFile(PortFile)
	if err != nil {
		return nil, err
	}
	d.tcp, d.udp = parsePortmap(data)
	// proto.txt is shared with the core, which knows MONPROTFL.
	if s.files == nil {
		return nil, errors.New("protoStats: no access to the protocol file (proto.txt)")
	}
	if d.proto, err = s.files.ProtoDescriptions(); err != nil {
		return nil, err
	}
	return d, nil
}

func pct(a, b uint64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// WriteFile writes the protocols file.
func (s *ProtoStats) WriteFile(w io.Writer) error {
	d := s.desc
	if d == nil {
		return errors.New("protoStats: WriteFile before Init")
	}
	totPkts, totBytes := s.pkts, s.bytes
	if s.counters != nil && s.counters.Packets > 0 {
		totPkts, totBytes = s.counters.Packets, s.counters.BytesProcessed
	}
	ew := &errWriter{w: w}
	row := func(label string, pk, by, basePk, baseBy uint64, desc string) {
		ew.printf("%s\t%20d [%6.02f%%]\t%20d [%6.02f%%]\t%s\n", label, pk, pct(pk, basePk), by, pct(by, baseBy), desc)
	}
	header := func(what string) {
		ew.printf("# %s\t%30s\t%30s\tDescription\n", what, "Packets", "Bytes")
	}

	ew.printf("# Total packets: %s\n", report.Num(totPkts))
	ew.printf("# Total bytes: %s\n", report.Num(totBytes))
	if s.ethStat {
		header("L2/3 Protocol")
		for e := 0; e < 65536; e++ {
			if c := s.l2[e]; c.pkts != 0 {
				row(fmt.Sprintf("0x%04x", e), c.pkts, c.bytes, totPkts, totBytes, d.ethertype(uint16(e)))
			}
		}
	}

	ew.printf("\n\n# Total IPv4 packets: %s%s\n", report.Num(s.v4), report.Pct(float64(s.v4), float64(totPkts)))
	ew.printf("# Total IPv6 packets: %s%s\n", report.Num(s.v6), report.Pct(float64(s.v6), float64(totPkts)))
	header("L4 Protocol")
	for p := 0; p < 256; p++ {
		if c := s.l4[p]; c.pkts != 0 {
			row(fmt.Sprintf("%3d", p), c.pkts, c.bytes, totPkts, totBytes, orDash(d.proto[p]))
		}
	}

	ports := func(proto string, l4 uint8, bins []count, desc map[uint16]string) {
		tp, tb := s.l4[l4].pkts, s.l4[l4].bytes
		ew.printf("\n\n# Total %s packets: %s%s\n", proto, report.Num(tp), report.Pct(float64(tp), float64(totPkts)))
		ew.printf("# Total %s bytes: %s%s\n", proto, report.Num(tb), report.Pct(float64(tb), float64(totBytes)))
		if tp != 0 { // T2 prints the header only above rows
			header(proto + " Port")
		}
		for port := 0; port < 65536; port++ {
			if c := bins[port]; c.pkts != 0 {
				row(fmt.Sprintf("%5d", port), c.pkts, c.bytes, tp, tb, desc[uint16(port)]) // empty for an unknown port, as in T2
			}
		}
	}
	ports("TCP", 6, s.tcp, d.tcp)
	ports("UDP", 17, s.udp, d.udp)
	return ew.err
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) printf(format string, args ...any) {
	if e.err == nil {
		_, e.err = fmt.Fprintf(e.w, format, args...)
	}
}
