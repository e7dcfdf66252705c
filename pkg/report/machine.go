package report

import (
	"strconv"

	"github.com/t2go/t2go/pkg/machinereport"
	"github.com/t2go/t2go/pkg/record"
)

// The machine-report format (columns, value encodings) lives in package
// machinereport, next to its reader; this file only maps a State onto it.

// MachineLayout returns the machine-report layout of s: live counters,
// monitored protocols (named per MONPROTMD) and plugin columns.
func MachineLayout(s *State) *machinereport.Layout {
	l := &machinereport.Layout{
		Live:       s.Input.Kind == InputLive,
		L2Protos:   s.L2Protos,
		L3Names:    make([]string, len(s.L3Protos)),
		PluginCols: s.PluginCols,
	}
	for i, p := range s.L3Protos {
		l.L3Names[i] = s.l3Name(p)
	}
	return l
}

// MachineColumns returns the machine-report column names in order.
func MachineColumns(s *State) []string { return MachineLayout(s).Columns() }

// MachineHeader returns the header line without newline (see
// machinereport.Layout.Header).
func MachineHeader(s *State) string { return MachineLayout(s).Header() }

func (s *State) l3Name(p uint8) string {
	if s.ProtoNames && s.L3Names[p] != "" {
		return s.L3Names[p]
	}
	return strconv.Itoa(int(p))
}

// MachineRow returns the values of one machine-report row. s.C holds the
// interval counters (diff mode) or the absolute ones; in diff mode
// memUsageKB and fillSzHashMap are s.MemDeltaKB and s.FillDelta, else
// s.PeakRSSKB and s.FlowsInMemory.
func MachineRow(s *State) *machinereport.Report {
	c := s.counters()
	r := &machinereport.Report{
		Diff:     s.Diff,
		SensorID: s.SensorID,
		Time:     int64(s.ActTime),
		Duration: int64(s.span(s.IntervalStart)),

		NumFlows: c.Flows(), NumAFlows: c.AFlows, NumBFlows: c.BFlows,
		NumPkts: c.Packets, NumAPkts: c.APackets, NumBPkts: c.BPackets,
		NumL2Pkts: c.L2Packets, NumV4Pkts: c.V4Packets, NumV6Pkts: c.V6Packets, NumVxPkts: c.VxPackets,
		NumBytes: c.BytesProcessed, NumABytes: c.ABytes, NumBBytes: c.BBytes,
		NumFrgV4Pkts: c.FragV4Packets, NumFrgV6Pkts: c.FragV6Packets, NumAlarms: c.Alarms,
	}
	if t := s.cum(); t != nil {
		r.GlobalWarn = t.GlobalWarn
	}
	if s.Input.Kind == InputLive {
		r.PktsRec, r.PktsDrp, r.IfDrp = s.Input.Received, s.Input.Dropped, s.Input.IfDropped
	}
	if s.Diff {
		r.MemUsageKB, r.FillSzHashMap = s.MemDeltaKB, s.FillDelta
	} else {
		r.MemUsageKB, r.FillSzHashMap = s.PeakRSSKB, int64(s.FlowsInMemory)
	}
	if d := float64(r.Duration) / 1e9; d > 0 {
		r.RawBandwidth = float64(c.RawBytes) * 8 / d
	}
	r.L2 = make([]machinereport.PktsBytes, len(s.L2Protos))
	for i, e := range s.L2Protos {
		r.L2[i] = machinereport.PktsBytes{Pkts: c.PktsL2[e], Bytes: c.BytesL2[e]}
	}
	r.L3 = make([]machinereport.PktsBytes, len(s.L3Protos))
	for i, p := range s.L3Protos {
		r.L3[i] = machinereport.PktsBytes{Pkts: c.PktsL3[p], Bytes: c.BytesL3[p]}
	}
	if len(s.PluginCols) > 0 && s.PluginValues != nil {
		var pw record.Writer
		s.PluginValues(&pw)
		if pw.Fields() > 0 {
			r.Plugin = pw.Bytes()
		}
	}
	return r
}

// AppendMachineRow appends one machine-report row to w (no trailing TAB,
// no newline): MachineRow(s) under MachineLayout(s).
func AppendMachineRow(w *record.Writer, s *State) {
	w.Field()
	w.Raw(MachineLayout(s).AppendRow(nil, MachineRow(s)))
}
