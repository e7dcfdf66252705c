package capture

import (
	"fmt"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcap"
)

// filterSnapLen is the capture length BPF programs for files are compiled
// for; it only matters for filters that test the packet length.
const filterSnapLen = maxRecord

// filterSet applies one BPF expression to file packets, compiled once per
// link type met (pcapng files may mix link types).
type filterSet struct {
	expr  string
	progs map[uint16]*pcap.BPF
	last  uint16
	lastP *pcap.BPF
}

func newFilterSet(expr string) *filterSet {
	if expr == "" {
		return nil
	}
	return &filterSet{expr: expr, progs: make(map[uint16]*pcap.BPF)}
}

func (fs *filterSet) prog(lt uint16) (*pcap.BPF, error) {
	if fs.lastP != nil && fs.last == lt {
		return fs.lastP, nil
	}
	p, ok := fs.progs[lt]
	if !ok {
		var err error
		p, err = pcap.NewBPF(layers.LinkType(lt), filterSnapLen, fs.expr)
		if err != nil {
			name, _ := LinkTypeName(lt)
			return nil, fmt.Errorf("invalid BPF filter '%s' for link type %s/%d: %w", fs.expr, name, lt, err)
		}
		fs.progs[lt] = p
	}
	fs.last, fs.lastP = lt, p
	return p, nil
}

// match reports whether the packet passes the filter. Empty packets never
// match (libpcap needs at least one byte to run a program on).
func (fs *filterSet) match(p *Pkt, data []byte) (bool, error) {
	prog, err := fs.prog(p.LinkType)
	if err != nil {
		return false, err
	}
	if len(data) == 0 {
		return false, nil
	}
	ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, int64(p.TS)), CaptureLength: int(p.CapLen), Length: int(p.WireLen)}
	return prog.Matches(ci, data), nil
}
