package retiretest_test

import (
	"bytes"
	"net"
	"os"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"encoding/binary"
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/flow"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/plugin/plugintest"
	"github.com/t2go/t2go/pkg/plugins/internal/pcapreplay"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"

	_ "github.com/t2go/t2go/pkg/plugins/arpdecode"
	_ "github.com/t2go/t2go/pkg/plugins/basicflow"
	_ "github.com/t2go/t2go/pkg/plugins/basicstats"
	_ "github.com/t2go/t2go/pkg/plugins/dnsdecode"
	_ "github.com/t2go/t2go/pkg/plugins/ftpdecode"
	_ "github.com/t2go/t2go/pkg/plugins/httpsniffer"
	_ "github.com/t2go/t2go/pkg/plugins/icmpdecode"
	_ "github.com/t2go/t2go/pkg/plugins/macrecorder"
	_ "github.com/t2go/t2go/pkg/plugins/portclassifier"
	_ "github.com/t2go/t2go/pkg/plugins/tcpflags"
	_ "github.com/t2go/t2go/pkg/plugins/tcpstates"
)

// The plugins under test (those of this area that terminate flows).
var names = map[string]bool{
	"basicFlow": true, "macRecorder": true, "portClassifier": true, "basicStats": true,
	"tcpFlags": true, "tcpStates": true, "icmpDecode": true, "arpDecode": true,
	"dnsDecode": true, "ftpDecode": true, "httpSniffer": true,
}

// The table: once more than trigger real flows are in it, the oldest
// pairs are released until keep are left, so flows are released all
// along and slots are reused often.
const (
	capacity = 128
	trigger  = 72
	keep     = 64
)

// farFuture is the time of the plug flows (never the oldest), and
// plugTimeout their timeout class.
const (
	farFuture   = packet.Time(1) << 62
	plugTimeout = packet.Time(1) << 60
)

type retired struct {
	flows [2]flow.Flow // copies taken at release: the table reuses the slots
	n     int
}

// run is one pass over a capture.
//
// In a concurrent run the released slots are plugged: a flow no plugin
// sees takes each at once, so that the next flows take other slots and
// the packet goroutine does not wait for (and synchronise with) the
// terminating goroutine at each new flow; plugs whose terminations
// returned are removed only when the table needs room. Between two such
// points nothing orders the two goroutines, so go test -race reports
// any state that the terminations and the packet hooks both touch.
type run struct {
	t          *testing.T
	concurrent bool
	table      *flow.Table
	c          *counters.Counters
	ids        packet.DescIDs
	plugins    []plugin.Plugin
	terms      []plugin.FlowTerminator
	releasers  []plugin.FlowReleaser
	writers    []plugin.PacketColumns

	out    bytes.Buffer // the records, written by the terminating goroutine
	pktOut bytes.Buffer // the packet columns
	w, pw  record.Writer
	jobs   chan retired
	done   sync.WaitGroup
	busy   []atomic.Bool // per slot: its termination did not return yet
	plugs  map[int32]*flow.Flow
	nplug  uint32
	fi     atomic.Uint64 // the table's flow indexes
	pairs  int           // pairs released
	real   int           // flows in the table that are not plugs
}

func newRun(t *testing.T, concurrent bool) *run {
	r := &run{t: t, concurrent: concurrent, table: flow.NewTable(capacity, packet.FromSeconds(182)),
		c: counters.New(), busy: make([]atomic.Bool, capacity), plugs: map[int32]*flow.Flow{}}
	r.table.ShareIndex(&r.fi)
	env := plugin.Env{Table: r.table, Counters: r.c, Prefix: filepath.Join(t.TempDir(), "out"), PacketMode: true}
	for _, d := range plugin.All() {
		if !names[d.Name] {
			continue
		}
		p := d.New()
		if in, ok := p.(plugin.Initer); ok {
			if err := in.Init(plugintest.Registered(t, d.Name, env)); err != nil {
				t.Fatal(err)
			}
		}
		r.plugins = append(r.plugins, p)
		if ft, ok := p.(plugin.FlowTerminator); ok {
			if _, ok := p.(plugin.ConcurrentTerminator); !ok {
				t.Errorf("%s: not a plugin.ConcurrentTerminator", d.Name)
			}
			r.terms = append(r.terms, ft)
		}
		if fr, ok := p.(plugin.FlowReleaser); ok {
			r.releasers = append(r.releasers, fr)
		}
		if pc, ok := p.(plugin.PacketColumns); ok {
			r.writers = append(r.writers, pc)
		}
	}
	if concurrent {
		r.jobs = make(chan retired, 1<<14)
		r.done.Add(1)
		go r.retire()
	}
	return r
}

// retire is the terminating goroutine of a concurrent run.
func (r *run) retire() {
	defer r.done.Done()
	for j := range r.jobs {
		for i := 0; i < j.n; i++ {
			r.terminate(&j.flows[i])
		}
		for i := 0; i < j.n; i++ {
			r.busy[j.flows[i].Slot].Store(false)
		}
	}
}

func (r *run) terminate(f *flow.Flow) {
	w := &r.w
	w.Reset()
	w.Char(f.Dir())
	w.U64(f.Index)
	for _, t := range r.terms {
		t.OnFlowTerminate(f, w)
	}
	r.out.Write(w.Bytes())
	r.out.WriteByte('\n')
}

// releasePair writes f and its opposite (the flow without bit 0 first)
// and removes both, as the engine's releasePair: sequentially, the
// terminations first; concurrently, OnFlowRelease, then the terminations
// are handed to the retire goroutine and the slots plugged.
func (r *run) releasePair(f *flow.Flow) {
	r.pairs++
	pair := []*flow.Flow{f}
	if f.Opposite != flow.None {
		o := r.table.Flow(f.Opposite)
		if f.IsInverted() && !o.IsInverted() {
			pair = []*flow.Flow{o, f}
		} else {
			pair = append(pair, o)
		}
	}
	r.real -= len(pair)
	if !r.concurrent {
		for _, g := range pair {
			r.terminate(g)
		}
		for _, g := range pair {
			r.table.Remove(g)
		}
		return
	}
	for _, g := range pair {
		for _, rel := range r.releasers {
			rel.OnFlowRelease(g)
		}
	}
	var j retired
	for _, g := range pair {
		j.flows[j.n] = *g
		j.n++
		r.busy[g.Slot].Store(true)
	}
	for _, g := range pair {
		r.table.Remove(g)
	}
	// The plugs take the slots just freed (the table reuses the last
	// freed first) and must not use up flow indexes.
	next := r.fi.Load()
	for range pair {
		r.nplug++
		k := flow.Key{EthType: 0x88b5}
		binary.BigEndian.PutUint32(k.SrcIP[:], r.nplug)
		p := r.table.Create(&k, farFuture)
		// in a list of their own: in the real flows' LRU list they would
		// end up as its tail and hide the real flows behind them from
		// Oldest
		r.table.SetTimeout(p, plugTimeout)
		if p.Slot != j.flows[0].Slot && p.Slot != j.flows[j.n-1].Slot {
			r.t.Fatalf("plug took slot %d, not a released one", p.Slot)
		}
		r.plugs[p.Slot] = p
	}
	r.fi.Store(next)
	r.jobs <- j
}

// unplug removes the plugs whose terminations returned (all, after
// waiting for them, when wait is set).
func (r *run) unplug(wait bool) {
	for slot, p := range r.plugs {
		for wait && r.busy[slot].Load() {
			runtime.Gosched()
		}
		if !r.busy[slot].Load() {
			r.table.Remove(p)
			delete(r.plugs, slot)
		}
	}
}

// room releases the oldest pairs but not that of f (pcapreplay touches f
// after the hooks) once more than trigger real flows are in the table,
// and keeps room for the next packet's flow.
func (r *run) room(f *flow.Flow) {
	if r.real > trigger {
		for r.real > keep {
			o := r.table.Oldest()
			if o == nil || o == f || o.Slot == f.Opposite || r.plugs[o.Slot] == o {
				break
			}
			r.releasePair(o)
		}
	}
	if r.table.Len() > capacity-4 {
		r.unplug(false)
	}
	if r.table.Len() > capacity-4 {
		r.unplug(true)
	}
}

// fill sets what pcapreplay leaves out and these plugins read: the
// header description and its number, IP lengths, the ARP payload and
// the ICMP header.
func (r *run) fill(p *packet.Packet) {
	b := p.Raw
	p.AddHdr("eth")
	switch {
	case p.L2Only && len(b) > 14:
		p.Payload = b[14:]
		p.AddHdr(strconv.FormatUint(uint64(p.EthType), 16))
	case (p.L4Proto == 1 && p.IPVer == 4) || (p.L4Proto == 58 && p.IPVer == 6):
		off := 14 + 40
		if p.IPVer == 4 && len(b) > 14 {
			off = 14 + int(b[14]&0x0f)*4
		}
		if off+4 <= len(b) {
			p.L4Off = int32(off)
			p.ICMPType, p.ICMPCode = b[off], b[off+1]
			p.Payload = b[off:]
			p.L7Len = uint32(len(b) - off)
		}
	}
	if p.L3Off >= 0 && len(b) >= 14+20 {
		p.AddHdr("ipv" + strconv.Itoa(int(p.IPVer)))
		p.AddHdr(strconv.Itoa(int(p.L4Proto)))
		if p.IPVer == 4 {
			p.IPHdrLen = uint16(b[14]&0x0f) * 4
			p.L3Len = uint32(b[16])<<8 | uint32(b[17])
			p.TTL = b[22]
		} else {
			p.IPHdrLen = 40
			p.L3Len = 40 + (uint32(b[18])<<8 | uint32(b[19]))
			p.TTL = b[21]
		}
		p.SnapL3Len = uint32(len(b) - 14)
	}
	if len(p.Payload) > 0 {
		// more distinct descriptions, so that new ones appear all along
		p.AddHdr("len" + strconv.Itoa(len(p.Payload)%64))
	}
	r.ids.Assign(p)
}

func (r *run) packet(p *packet.Packet, f *flow.Flow, isNew bool) {
	r.fill(p)
	r.c.Packets++
	f.Status |= p.Status
	if isNew {
		r.real++
		if r.busy[f.Slot].Load() {
			r.t.Fatalf("new flow in slot %d before its terminations returned", f.Slot)
		}
		for _, pl := range r.plugins {
			if h, ok := pl.(plugin.NewFlowHandler); ok {
				h.OnNewFlow(p, f)
			}
		}
	}
	for _, pl := range r.plugins {
		if p.L2Only {
			if h, ok := pl.(plugin.Layer2Handler); ok {
				h.OnLayer2(p, f)
			}
		} else if h, ok := pl.(plugin.Layer4Handler); ok {
			h.OnLayer4(p, f)
		}
	}
	w := &r.pw
	w.Reset()
	for _, pc := range r.writers {
		pc.WritePacket(p, f, w)
	}
	r.pktOut.Write(w.Bytes())
	r.pktOut.WriteByte('\n')
	r.room(f)
}

// finish releases the flows left (least recently used first), waits for
// the terminations and returns the records, packet columns and report
// lines.
func (r *run) finish() (recs, pkts, reps string) {
	// Ties are broken by flow index, not slot (the plugs change which
	// slots flows take).
	var left []*flow.Flow
	for _, s := range r.table.All() {
		if f := r.table.Flow(s); r.plugs[s] != f {
			left = append(left, f)
		}
	}
	sort.SliceStable(left, func(i, j int) bool {
		a, b := left[i], left[j]
		if a.Last != b.Last {
			return a.Last < b.Last
		}
		if a.Index != b.Index {
			return a.Index < b.Index
		}
		return !a.IsB && b.IsB
	})
	for _, f := range left {
		// released with its opposite already (and maybe plugged since)
		if r.table.InUse(f) && r.plugs[f.Slot] != f {
			r.releasePair(f)
		}
	}
	if r.concurrent {
		close(r.jobs)
		r.done.Wait()
	}
	var rep bytes.Buffer
	for _, pl := range r.plugins {
		if h, ok := pl.(plugin.Reporter); ok {
			h.Report(&report.Writer{W: &rep, C: r.c})
		}
		if m, ok := pl.(plugin.Monitor); ok {
			w := record.Writer{}
			m.MonitorValues(&w, true)
			rep.Write(w.Bytes())
			rep.WriteByte('\n')
		}
	}
	return r.out.String(), r.pktOut.String(), rep.String()
}

// TestConcurrentTermination compares the records and report lines of a
// sequential and a concurrent run of each capture; under -race it also
// finds state OnFlowTerminate shares with the packet hooks.
func TestConcurrentTermination(t *testing.T) {
	captures := []string{
		"ftp-data-transfers.pcap", "ftp-control-cwd-navigation.pcap", "ftp-ipv6-epsv.pcap",
		"dns-mdns-llmnr.pcap", "crafted-hostile-dns.pcap", "http-web-browsing.pcap",
		"tcp-synscan.pcap", "ipv4-fragments.pcap", "vlan-double-tag-cdp.pcap",
		"multicast-igmp-mld-llmnr.pcap", "teredo.pcap", "pppoe-discovery-session.pcap",
	}
	sort.Strings(captures)
	captures = append(captures, "synthetic")
	for _, name := range captures {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join("..", "..", "..", "..", "testdata", "pcaps", name)
			if name == "synthetic" {
				path = synthetic(t)
			}
			var recs, pkts, reps [2]string
			var pairs int
			for i, concurrent := range []bool{false, true} {
				r := newRun(t, concurrent)
				pcapreplay.Replay(t, path, r.table, r.packet)
				recs[i], pkts[i], reps[i] = r.finish()
				pairs = r.pairs
			}
			if recs[0] == "" {
				t.Fatal("no records")
			}
			if recs[0] != recs[1] {
				t.Errorf("records differ:\n%s", firstDiff(recs[0], recs[1]))
			}
			if pkts[0] != pkts[1] {
				t.Errorf("packet columns differ:\n%s", firstDiff(pkts[0], pkts[1]))
			}
			if reps[0] != reps[1] {
				t.Errorf("report lines differ:\nsequential:\n%s\nconcurrent:\n%s", reps[0], reps[1])
			}
			t.Logf("%d pairs released", pairs)
		})
	}
}

func firstDiff(a, b string) string {
	la, lb := bytes.Split([]byte(a), []byte("\n")), bytes.Split([]byte(b), []byte("\n"))
	for i := range min(len(la), len(lb)) {
		if !bytes.Equal(la[i], lb[i]) {
			return fmt.Sprintf("record %d:\nsequential %q\nconcurrent %q", i, la[i], lb[i])
		}
	}
	return fmt.Sprintf("%d records, %d records", len(la), len(lb))
}

// synthetic writes a capture with what the sample captures lack: SYN
// retries and lone SYNs (tcpFlags' scan counts, per packet and at the
// flow's end), flows with several MAC pairs (macRecorder's blocks),
// unanswered and answered FTP announcements (ftpDecode's table) and ARP
// flows (arpDecode's pool), interleaved so that flows end while others
// go on.
func synthetic(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "synthetic.pcap")
	fh, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	pw := pcapgo.NewWriter(fh)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	ts := time.Unix(1_600_000_000, 0)
	mac := func(i int) net.HardwareAddr { return net.HardwareAddr{0x00, 0x21, 0x70, 0, byte(i >> 8), byte(i)} }
	ip := func(i int) net.IP { return net.IP{10, 1, byte(i >> 8), byte(i)} }
	write := func(gap time.Duration, ls ...gopacket.SerializableLayer) {
		ts = ts.Add(gap)
		buf := gopacket.NewSerializeBuffer()
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ls...); err != nil {
			t.Fatal(err)
		}
		if err := pw.WritePacket(gopacket.CaptureInfo{Timestamp: ts, CaptureLength: len(buf.Bytes()), Length: len(buf.Bytes())}, buf.Bytes()); err != nil {
			t.Fatal(err)
		}
	}
	tcp := func(gap time.Duration, src, dst int, sp, dp uint16, srcMAC int, syn, ack bool, payload string) {
		eth := &layers.Ethernet{SrcMAC: mac(srcMAC), DstMAC: mac(dst), EthernetType: layers.EthernetTypeIPv4}
		ip4 := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: ip(src), DstIP: ip(dst)}
		l4 := &layers.TCP{SrcPort: layers.TCPPort(sp), DstPort: layers.TCPPort(dp), SYN: syn, ACK: ack, PSH: payload != "", Seq: 1000, Window: 512}
		l4.SetNetworkLayerForChecksum(ip4)
		write(gap, eth, ip4, l4, gopacket.Payload(payload))
	}
	for i := 0; i < 400; i++ {
		gap := time.Millisecond
		sp := uint16(20000 + i)
		switch i % 5 {
		case 0: // a SYN retried within 0.9 s: counted per packet
			tcp(gap, 1, 2, sp, 80, 1, true, false, "")
			tcp(gap, 1, 2, sp, 80, 1, true, false, "")
		case 1: // a lone SYN: counted when the flow ends
			tcp(gap, 3, 4, sp, 443, 3, true, false, "")
		case 2: // several MAC pairs in one flow
			for j := 0; j < 4; j++ {
				tcp(gap, 5, 6, sp, 8080, 100+i*4+j, false, true, "x")
			}
		case 3: // FTP: an announcement answered by a data connection, one not
			p1, p2 := uint16(30000+i), uint16(40000+i)
			tcp(gap, 7, 8, sp, 21, 7, false, true, fmt.Sprintf("PORT 10,1,0,7,%d,%d\r\n", p1>>8, p1&0xff))
			tcp(gap, 8, 7, 21, sp, 8, false, true, "200 PORT command successful\r\n")
			tcp(gap, 7, 8, sp, 21, 7, false, true, fmt.Sprintf("PORT 10,1,0,7,%d,%d\r\n", p2>>8, p2&0xff))
			tcp(gap, 8, 7, 20, p1, 8, true, false, "")
			tcp(gap, 7, 8, p1, 20, 7, true, true, "")
			tcp(gap, 8, 7, 21, sp, 8, false, true, "150 Opening data connection (3 bytes)\r\n")
			tcp(gap, 8, 7, 20, p1, 8, false, true, "abcd")
		case 4: // ARP request and reply
			a, b := 100+i, 200+i
			req := &layers.ARP{AddrType: layers.LinkTypeEthernet, Protocol: layers.EthernetTypeIPv4, HwAddressSize: 6, ProtAddressSize: 4,
				Operation: layers.ARPRequest, SourceHwAddress: mac(a), SourceProtAddress: ip(a).To4(),
				DstHwAddress: make([]byte, 6), DstProtAddress: ip(b).To4()}
			write(gap, &layers.Ethernet{SrcMAC: mac(a), DstMAC: layers.EthernetBroadcast, EthernetType: layers.EthernetTypeARP}, req)
			rep := *req
			rep.Operation = layers.ARPReply
			rep.SourceHwAddress, rep.SourceProtAddress, rep.DstHwAddress, rep.DstProtAddress = mac(b), ip(b).To4(), mac(a), ip(a).To4()
			write(gap, &layers.Ethernet{SrcMAC: mac(b), DstMAC: mac(a), EthernetType: layers.EthernetTypeARP}, &rep)
		}
	}
	return path
}
