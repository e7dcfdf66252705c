package machinereport

import (
	"bytes"
	"strconv"
	"strings"
)

// Report type codes of the machine report (first column): absolute
// counters or differences since the previous report.
const (
	RepTypeAbs  = "USR1MR_A"
	RepTypeDiff = "USR1MR_D"
)

// Names of the columns that describe a report rather than measure traffic
// (see IsMeta). The reader also accepts the older spellings of T2 0.8.
const (
	ColRepType  = "repType"
	ColSensorID = "sensorID"
	ColTime     = "time"
	ColDuration = "duration"
)

// liveColumns follow duration when t2 captures from an interface: the
// libpcap counters.
var liveColumns = []string{"pktsRec", "pktsDrp", "ifDrp"}

// coreColumns are the counter columns every machine report has, between
// fillSzHashMap and the protocol columns (t2-monitoring §7.1), in the
// order of Report's fields NumFlows..GlobalWarn.
var coreColumns = []string{
	"numFlows", "numAFlows", "numBFlows",
	"numPkts", "numAPkts", "numBPkts",
	"numL2Pkts", "numV4Pkts", "numV6Pkts", "numVxPkts",
	"numBytes", "numABytes", "numBBytes",
	"numFrgV4Pkts", "numFrgV6Pkts", "numAlarms",
	"rawBandwidth", "globalWarn",
}

// Layout is what decides a stream's columns; it stays fixed for the
// header and all rows written under it.
type Layout struct {
	// Live adds the libpcap counters (pktsRec, pktsDrp, ifDrp).
	Live bool
	// L2Protos are the monitored EtherTypes, written 0x%04x.
	L2Protos []uint16
	// L3Names name the monitored IP protocols ("TCP", or the number
	// "6" with MONPROTMD=0), in configured order.
	L3Names []string
	// PluginCols are the plugins' machine columns.
	PluginCols []string
}

// Columns returns the column names in order.
func (l *Layout) Columns() []string {
	cols := make([]string, 0, 24+len(liveColumns)+2*(len(l.L2Protos)+len(l.L3Names))+len(l.PluginCols))
	cols = append(cols, ColRepType, ColSensorID, ColTime, ColDuration)
	if l.Live {
		cols = append(cols, liveColumns...)
	}
	cols = append(cols, "memUsageKB", "fillSzHashMap")
	cols = append(cols, coreColumns...)
	for _, e := range l.L2Protos {
		h := string(appendHex(nil, uint64(e), 4))
		cols = append(cols, h+"Pkts", h+"Bytes")
	}
	for _, n := range l.L3Names {
		cols = append(cols, n+"Pkts", n+"Bytes")
	}
	return append(cols, l.PluginCols...)
}

// Header returns the header line: '%' and the column names separated by
// TAB, without a trailing TAB (DECISIONS.md: machine lines have no
// trailing TAB, unlike T2 0.9.3 on a pipe) and without newline.
func (l *Layout) Header() string {
	return "%" + strings.Join(l.Columns(), "\t")
}

// PktsBytes is the pair of counters of one monitored protocol.
type PktsBytes struct{ Pkts, Bytes uint64 }

// Report is the content of one report line. Times are nanoseconds.
type Report struct {
	Diff     bool // USR1MR_D, else USR1MR_A
	SensorID uint32
	Time     int64 // time of the last packet
	Duration int64 // length of the reported interval

	// libpcap counters, written only with Layout.Live.
	PktsRec, PktsDrp, IfDrp uint64

	// Absolute: peak RSS and flows in memory; diff: their changes.
	MemUsageKB, FillSzHashMap int64

	NumFlows, NumAFlows, NumBFlows             uint64
	NumPkts, NumAPkts, NumBPkts                uint64
	NumL2Pkts, NumV4Pkts, NumV6Pkts, NumVxPkts uint64
	NumBytes, NumABytes, NumBBytes             uint64
	NumFrgV4Pkts, NumFrgV6Pkts, NumAlarms      uint64
	RawBandwidth                               float64 // bits per second
	GlobalWarn                                 uint64  // written 0x%016x

	// L2 and L3 follow Layout.L2Protos and Layout.L3Names; missing
	// entries are written as 0.
	L2, L3 []PktsBytes

	// Plugin holds the plugins' values separated by TAB (values are
	// numbers or sanitised strings, whose TABs are escaped). They are cut
	// or padded with empty fields to exactly len(Layout.PluginCols), so a
	// row always has as many fields as the header (DECISIONS.md: T2
	// 0.9.3's ftpDecode writes 3 values under 2 names).
	Plugin []byte
}

// AppendRow appends report r as one line under layout l to b (no trailing TAB,
// no newline) and returns the extended buffer.
func (l *Layout) AppendRow(b []byte, r *Report) []byte {
	if r.Diff {
		b = append(b, RepTypeDiff...)
	} else {
		b = append(b, RepTypeAbs...)
	}
	b = appendU(b, uint64(r.SensorID))
	b = appendTime(append(b, '\t'), r.Time)
	b = appendTime(append(b, '\t'), r.Duration)
	if l.Live {
		b = appendU(b, r.PktsRec)
		b = appendU(b, r.PktsDrp)
		b = appendU(b, r.IfDrp)
	}
	b = strconv.AppendInt(append(b, '\t'), r.MemUsageKB, 10)
	b = strconv.AppendInt(append(b, '\t'), r.FillSzHashMap, 10)
	for _, v := range [...]uint64{
		r.NumFlows, r.NumAFlows, r.NumBFlows,
		r.NumPkts, r.NumAPkts, r.NumBPkts,
		r.NumL2Pkts, r.NumV4Pkts, r.NumV6Pkts, r.NumVxPkts,
		r.NumBytes, r.NumABytes, r.NumBBytes,
		r.NumFrgV4Pkts, r.NumFrgV6Pkts, r.NumAlarms,
	} {
		b = appendU(b, v)
	}
	b = strconv.AppendFloat(append(b, '\t'), r.RawBandwidth, 'f', 3, 64)
	b = appendHex(append(b, '\t'), r.GlobalWarn, 16)
	b = appendPairs(b, r.L2, len(l.L2Protos))
	b = appendPairs(b, r.L3, len(l.L3Names))
	n := len(l.PluginCols)
	vals := r.Plugin
	for i := 0; i < n; i++ {
		b = append(b, '\t')
		if vals == nil {
			continue
		}
		v, rest, more := bytes.Cut(vals, []byte{'\t'})
		b = append(b, v...)
		if more {
			vals = rest
		} else {
			vals = nil
		}
	}
	return b
}

func appendPairs(b []byte, p []PktsBytes, n int) []byte {
	for i := 0; i < n; i++ {
		var v PktsBytes
		if i < len(p) {
			v = p[i]
		}
		b = appendU(b, v.Pkts)
		b = appendU(b, v.Bytes)
	}
	return b
}

func appendU(b []byte, v uint64) []byte {
	return strconv.AppendUint(append(b, '\t'), v, 10)
}

// appendTime writes nanoseconds as T2 prints times: SEC.NNNNNNNNN.
func appendTime(b []byte, ns int64) []byte {
	if ns < 0 {
		b = append(b, '-')
		ns = -ns
	}
	b = strconv.AppendInt(b, ns/1e9, 10)
	b = append(b, '.')
	frac := ns % 1e9
	var d [9]byte
	for i := 8; i >= 0; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(b, d[:]...)
}

const hexDigits = "0123456789abcdef"

func appendHex(b []byte, v uint64, digits int) []byte {
	b = append(b, '0', 'x')
	for i := digits - 1; i >= 0; i-- {
		b = append(b, hexDigits[(v>>(uint(i)*4))&0xf])
	}
	return b
}
