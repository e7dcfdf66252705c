package report

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/t2go/t2go/pkg/record"
)

// Report type codes of the machine report (first column).
const (
	RepTypeAbs  = "USR1MR_A"
	RepTypeDiff = "USR1MR_D"
)

// machineCore are the counter columns every machine report has, between
// fillSzHashMap and the protocol columns (t2-monitoring §7.1).
var machineCore = []string{
	"numFlows", "numAFlows", "numBFlows",
	"numPkts", "numAPkts", "numBPkts",
	"numL2Pkts", "numV4Pkts", "numV6Pkts", "numVxPkts",
	"numBytes", "numABytes", "numBBytes",
	"numFrgV4Pkts", "numFrgV6Pkts", "numAlarms",
	"rawBandwidth", "globalWarn",
}

// MachineColumns returns the machine-report column names in order.
func MachineColumns(s *State) []string {
	cols := []string{"repType", "sensorID", "time", "duration"}
	if s.Input.Kind == InputLive {
		cols = append(cols, "pktsRec", "pktsDrp", "ifDrp")
	}
	cols = append(cols, "memUsageKB", "fillSzHashMap")
	cols = append(cols, machineCore...)
	for _, e := range s.L2Protos {
		h := string(appendHex4(nil, e))
		cols = append(cols, h+"Pkts", h+"Bytes")
	}
	for _, p := range s.L3Protos {
		n := s.l3Name(p)
		cols = append(cols, n+"Pkts", n+"Bytes")
	}
	return append(cols, s.PluginCols...)
}

// MachineHeader returns the header line: '%' and the column names
// separated by TAB, without a trailing TAB (DECISIONS.md: machine lines
// have no trailing TAB, unlike T2 0.9.3 on a pipe) and without newline.
func MachineHeader(s *State) string {
	return "%" + strings.Join(MachineColumns(s), "\t")
}

func (s *State) l3Name(p uint8) string {
	if s.ProtoNames && s.L3Names[p] != "" {
		return s.L3Names[p]
	}
	return strconv.Itoa(int(p))
}

func appendHex4(b []byte, v uint16) []byte {
	b = append(b, '0', 'x')
	for i := 3; i >= 0; i-- {
		b = append(b, hexDigits[(v>>(uint(i)*4))&0xf])
	}
	return b
}

const hexDigits = "0123456789abcdef"

// AppendMachineRow appends one machine-report row to w (no trailing TAB,
// no newline). s.C holds the interval counters (diff mode) or the
// absolute ones; in diff mode memUsageKB and fillSzHashMap are
// s.MemDeltaKB and s.FillDelta, else s.PeakRSSKB and s.FlowsInMemory.
//
// The plugin values are cut or padded (empty fields) to exactly
// len(s.PluginCols), so a row always has as many fields as the header
// (DECISIONS.md: T2 0.9.3's ftpDecode writes 3 values under 2 names).
func AppendMachineRow(w *record.Writer, s *State) {
	c := s.counters()
	gw := uint64(0)
	if t := s.cum(); t != nil {
		gw = t.GlobalWarn
	}
	if s.Diff {
		w.Field()
		w.RawString(RepTypeDiff)
	} else {
		w.Field()
		w.RawString(RepTypeAbs)
	}
	w.U64(uint64(s.SensorID))
	w.Time(s.ActTime)
	dur := s.span(s.IntervalStart)
	w.Time(dur)
	if s.Input.Kind == InputLive {
		w.U64(s.Input.Received)
		w.U64(s.Input.Dropped)
		w.U64(s.Input.IfDropped)
	}
	if s.Diff {
		w.I64(s.MemDeltaKB)
		w.I64(s.FillDelta)
	} else {
		w.I64(s.PeakRSSKB)
		w.I64(int64(s.FlowsInMemory))
	}
	w.U64(c.Flows())
	w.U64(c.AFlows)
	w.U64(c.BFlows)
	w.U64(c.Packets)
	w.U64(c.APackets)
	w.U64(c.BPackets)
	w.U64(c.L2Packets)
	w.U64(c.V4Packets)
	w.U64(c.V6Packets)
	w.U64(c.VxPackets)
	w.U64(c.BytesProcessed)
	w.U64(c.ABytes)
	w.U64(c.BBytes)
	w.U64(c.FragV4Packets)
	w.U64(c.FragV6Packets)
	w.U64(c.Alarms)
	bw := 0.0
	if d := dur.Seconds(); d > 0 {
		bw = float64(c.RawBytes) * 8 / d
	}
	w.Field()
	w.RawString(strconv.FormatFloat(bw, 'f', 3, 64))
	w.H64(gw)
	for _, e := range s.L2Protos {
		w.U64(c.PktsL2[e])
		w.U64(c.BytesL2[e])
	}
	for _, p := range s.L3Protos {
		w.U64(c.PktsL3[p])
		w.U64(c.BytesL3[p])
	}
	appendPluginValues(w, s)
}

func appendPluginValues(w *record.Writer, s *State) {
	n := len(s.PluginCols)
	if n == 0 {
		return
	}
	var pw record.Writer
	if s.PluginValues != nil {
		s.PluginValues(&pw)
	}
	var vals [][]byte
	if pw.Fields() > 0 {
		// Values are numbers or sanitised strings, whose TABs are
		// escaped, so splitting on TAB recovers the fields.
		vals = bytes.Split(pw.Bytes(), []byte{'\t'})
	}
	for i := 0; i < n; i++ {
		w.Field()
		if i < len(vals) {
			w.Raw(vals[i])
		}
	}
}
