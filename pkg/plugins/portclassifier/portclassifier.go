// Package portclassifier is the portClassifier plugin (T2 number 111): it
// names the service of each flow's server port from a port table.
package portclassifier

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"math/bits"
	"strconv"

	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/ipproto"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
)

//go:embed portClassifier.toml
var embedded []byte

// builtinPortmap is made by genportmap from the IANA registry.
//
//go:embed portmap.txt
var builtinPortmap []byte

var registration = plugin.Register(plugin.Descriptor{Defaults: embedded, Version: "0.9.3",
	New: func() plugin.Plugin { return &PortClassifier{} }})

var (
	_ plugin.Initer         = (*PortClassifier)(nil)
	_ plugin.FlowColumns    = (*PortClassifier)(nil)
	_ plugin.FlowTerminator = (*PortClassifier)(nil)
	_ plugin.PacketColumns  = (*PortClassifier)(nil)

	_ plugin.ConcurrentTerminator = (*PortClassifier)(nil)
)

// maxName is the longest service name kept (T2 reads at most 63 bytes).
const maxName = 63

// PortClassifier is the plugin instance.
type PortClassifier struct {
	num, str bool
	unknown  []byte
	// maps[tcpMap] and maps[udpMap] locate the name of each port in
	// text: 36 KiB each for the built-in table (a dense 512 KiB table
	// made most flows' look-up a cache miss).
	maps [2]portMap
	// While load runs, idx holds the entry number of each port in names
	// (0: none); prepare turns them into maps and drops both.
	idx   *[2][65536]uint32
	names [][]byte
	// text holds every entry's name, one block (60 KiB for the built-in
	// table; names have at most maxName bytes, so 2^24 bytes hold every
	// port of both maps). (Sanitised by the renderer: a name written
	// with Raw would lose its string type in a JSON record.)
	text []byte
}

const (
	tcpMap = 0
	udpMap = 1
)

// portMap is a set of ports with the place of each one's name: a bit
// per port, the entries before each 64-port word, and the places (text
// offset<<8 | length, never 0: names are not empty) in port order.
type portMap struct {
	bits [1024]uint64
	rank [1024]uint32
	locs []uint32
}

// lookup returns the place of port's name, 0 without an entry.
func (pm *portMap) lookup(port uint16) uint32 {
	w, b := pm.bits[port>>6], uint64(1)<<(port&63)
	if w&b == 0 {
		return 0
	}
	return pm.locs[pm.rank[port>>6]+uint32(bits.OnesCount64(w&(b-1)))]
}

// entry returns the name of the port in map m, nil without an entry.
func (c *PortClassifier) entry(m int, port uint16) []byte {
	return c.name(c.maps[m].lookup(port))
}

// name returns the name at place loc (portMap.lookup), nil for 0.
func (c *PortClassifier) name(loc uint32) []byte {
	if loc == 0 {
		return nil
	}
	o := loc >> 8
	return c.text[o : o+loc&0xff : o+loc&0xff]
}

// Init reads the settings and the port table.
func (c *PortClassifier) Init(env *plugin.Env) error {
	c.num = env.Settings.Bool("PBC_NUM")
	c.str = env.Settings.Bool("PBC_STR")
	c.unknown = []byte(env.Settings.String("PBC_UNKNOWN"))
	name := env.Settings.String("PBC_CLASSFILE")
	data := builtinPortmap
	if env.Files != nil {
		user, found, err := env.Files.UserFile(name)
		if err != nil {
			return err
		}
		if found {
			data = user
		}
	}
	if err := c.load(data); err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	return nil
}

// prepare copies the names into text and builds maps from idx.
func (c *PortClassifier) prepare() {
	loc := make([]uint32, len(c.names))
	c.text = c.text[:0]
	for e, n := range c.names[1:] {
		loc[e+1] = uint32(len(c.text))<<8 | uint32(len(n))
		c.text = append(c.text, n...)
	}
	for m := range c.idx {
		pm := &c.maps[m]
		*pm = portMap{}
		for port, e := range c.idx[m] {
			if port&63 == 0 {
				pm.rank[port>>6] = uint32(len(pm.locs))
			}
			if e != 0 {
				pm.bits[port>>6] |= 1 << (port & 63)
				pm.locs = append(pm.locs, loc[e])
			}
		}
	}
	c.idx, c.names = nil, nil
}

// load reads "port<TAB>tcp|udp<TAB>name..." lines. As in T2, lines that
// start with '#', a space or a TAB are comments, the first line of a
// (port, protocol) wins and the name ends at the first white space.
// Other malformed lines are an error naming the line. The table is
// ready for use after it (prepare).
func (c *PortClassifier) load(data []byte) error {
	c.idx = new([2][65536]uint32)
	c.names = [][]byte{nil}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		l := bytes.TrimRight(sc.Bytes(), "\r")
		if len(l) == 0 || l[0] == '#' || l[0] == ' ' || l[0] == '\t' {
			continue
		}
		f := bytes.Fields(l)
		if len(f) < 3 {
			return fmt.Errorf("line %d: want port, protocol and name", n)
		}
		port, err := strconv.ParseUint(string(f[0]), 10, 16)
		if err != nil {
			return fmt.Errorf("line %d: bad port number", n)
		}
		var m *[65536]uint32
		switch string(f[1]) {
		case "tcp":
			m = &c.idx[tcpMap]
		case "udp":
			m = &c.idx[udpMap]
		default:
			return fmt.Errorf("line %d: protocol must be tcp or udp", n)
		}
		name := f[2]
		if len(name) > maxName {
			name = name[:maxName]
		}
		if m[port] == 0 {
			m[port] = uint32(len(c.names))
			c.names = append(c.names, append([]byte(nil), name...))
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	c.prepare()
	return nil
}

// Columns are T2's two columns.
func (c *PortClassifier) Columns() []record.Column {
	var cols []record.Column
	if c.num {
		cols = append(cols, record.Column{Name: "dstPortClassN", Type: "U16", Desc: "Port based classification of the destination port number"})
	}
	if c.str {
		cols = append(cols, record.Column{Name: "dstPortClass", Type: "SC", Desc: "Port based classification of the destination port name"})
	}
	return cols
}

// classify returns the server port of a flow with these fields and the
// place of its name (portMap.lookup; 0: the unknown label). Protocols without ports
// give port 0 and the unknown label.
func (c *PortClassifier) classify(proto uint8, sport, dport uint16, inverted bool) (uint16, uint32) {
	var m int
	switch proto {
	case ipproto.TCP, ipproto.SCTP:
		m = tcpMap
	case ipproto.UDP, ipproto.UDPLite:
		m = udpMap
	default:
		return 0, 0
	}
	port := dport
	if inverted {
		port = sport
	}
	return port, c.maps[m].lookup(port)
}

// ConcurrentTerminate implements plugin.ConcurrentTerminator:
// OnFlowTerminate reads only f's key and status and the port table,
// built by Init and never written after.
func (c *PortClassifier) ConcurrentTerminate() {}

// OnFlowTerminate writes the flow's server port and its name.
func (c *PortClassifier) OnFlowTerminate(f *flow.Flow, w *record.Writer) {
	if w.Disabled {
		return
	}
	port, e := c.classify(f.Key.Proto, f.Key.SrcPort, f.Key.DstPort, f.IsInverted())
	c.write(w, port, e, true)
}

func (c *PortClassifier) write(w *record.Writer, port uint16, loc uint32, hasPort bool) {
	if c.num {
		if hasPort {
			w.U64(uint64(port))
		} else {
			w.Empty()
		}
	}
	if c.str {
		if loc == 0 {
			w.StrClass(c.unknown)
		} else {
			o := loc >> 8
			w.StrClass(c.text[o : o+loc&0xff])
		}
	}
}

// PacketColumns are the same two columns per packet.
func (c *PortClassifier) PacketColumns() []string {
	var cols []string
	if c.num {
		cols = append(cols, "dstPortClassN")
	}
	if c.str {
		cols = append(cols, "dstPortClass")
	}
	return cols
}

// WritePacket classifies the packet's flow; layer-2 packets get an empty
// number, as in T2.
func (c *PortClassifier) WritePacket(p *packet.Packet, f *flow.Flow, w *record.Writer) {
	if p.IPVer == 0 || f == nil {
		c.write(w, 0, 0, false)
		return
	}
	port, e := c.classify(f.Key.Proto, f.Key.SrcPort, f.Key.DstPort, f.IsInverted())
	c.write(w, port, e, true)
}
