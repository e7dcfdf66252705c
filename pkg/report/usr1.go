package report

import (
	"strconv"
	"strings"
	"time"

	"github.com/t2go/t2go/pkg/packet"
)

const (
	defaultVersion  = "0.9.3"
	defaultCodename = "Cobra"
	// Tranalyzer's release name, printed in every banner.
	releaseName = "Anteater"
)

// anteater is the USR1 report banner; each line is exactly 80 columns.
var anteater = [6]string{
	center80("@      @"),
	center80(" |    |"),
	"===============================vVv==(a    a)==vVv===============================",
	"=====================================\\    /=====================================",
	"======================================\\  /======================================",
	center80("oo"),
}

// center80 centres s in 80 columns, padded with spaces on both sides.
func center80(s string) string {
	left := (80 - len(s)) / 2
	return strings.Repeat(" ", left) + s + strings.Repeat(" ", 80-left-len(s))
}

func (s *State) version() (string, string) {
	v, c := s.Version, s.Codename
	if v == "" {
		v = defaultVersion
	}
	if c == "" {
		c = defaultCodename
	}
	return v, c
}

// WriteUSR1 writes the human USR1 report (t2-monitoring §5): an empty
// line, the banner, the report header, the input and progress blocks,
// the report body with the fill size line, 80 '=' and an empty line.
// In diff mode s.C holds the interval counters, s.Total the cumulative
// ones (progress, header statistics, globalWarn).
func WriteUSR1(w *Writer, s *State) {
	w.Line("")
	for _, l := range anteater {
		w.Line(l)
	}
	typ := "A"
	if s.Diff {
		typ = "D"
	}
	v, cn := s.version()
	w.Linef("USR1 %s type report: Tranalyzer %s (%s), %s. PID: %d", typ, v, releaseName, cn, s.PID)
	live := s.Input.Kind == InputLive
	if !live {
		// Before the first packet there is no pcap time to show (T2
		// prints 1970); the duration is then 0 (docs/differences-from-t2.md:
		// a sane report without packets).
		if !s.noPacket() {
			w.Line("PCAP time: " + Date(s.ActTime, true))
		}
		w.Line("PCAP duration: " + Duration(s.span(s.IntervalStart)))
	}
	now := s.now()
	w.Line("Time: " + Date(packet.Time(now.UnixNano()), false))
	w.Line("Elapsed time: " + Duration(s.elapsed()))
	writeInputUSR1(w, s)
	if !live {
		if s.Input.Kind == InputFile && s.Input.TotalSize > 0 {
			w.Line("Total bytes processed so far: " + Num(s.bytesSoFar()))
		}
		d := s.remaining()
		w.Line("Remaining time: " + Duration(d))
		w.Line("ETF: " + Date(packet.Time(now.UnixNano())+d, false))
	}
	writeBody(w, s, true)
	w.Line(lineEq)
	w.Line("")
}

// remaining estimates the time left from the elapsed time and the share
// of the input read; 0 when the size is unknown (stdin, -D) or the input
// is read completely.
func (s *State) remaining() packet.Time {
	if s.Input.Kind != InputFile && s.Input.Kind != InputList {
		return 0
	}
	pb := s.progress()
	if pb <= 0 || pb >= 1 {
		return 0
	}
	return packet.Time(float64(s.elapsed()) * (1 - pb) / pb)
}

// writeLink writes the link layer and snapshot length lines.
func writeLink(w *Writer, in *Input) {
	w.Line("Link layer type: " + in.LinkDesc + " [" + in.LinkName + "/" + strconv.Itoa(int(in.LinkType)) + "]")
	w.Line("Snapshot length: " + Num(uint64(in.SnapLen)))
}

func writeInputUSR1(w *Writer, s *State) {
	in := &s.Input
	pc := "Percentage completed: " + strconv.FormatFloat(100*s.progress(), 'f', 2, 64) + "%"
	switch in.Kind {
	case InputFile, InputStdin:
		if in.TotalSize <= 0 {
			return
		}
		w.Line("Processing file: " + in.Name)
		writeLink(w, in)
		w.Line("Total bytes to process: " + Num(uint64(in.TotalSize)))
		w.Line(pc)
	case InputList:
		if in.TotalSize <= 0 {
			return
		}
		w.Line("Processing list file: " + in.Name)
		w.Linef("Processing file no. %d of %d: %s", in.FileIndex, in.FileCount, in.File)
		writeLink(w, in)
		w.Line("Total bytes to process: " + Num(uint64(in.TotalSize)))
		w.Line("Current file size in bytes: " + strconv.FormatInt(in.FileSize, 10))
		w.Line(pc)
	case InputSeries:
		w.Line("Current file: " + in.File)
		writeLink(w, in)
		if in.TotalSize > 0 {
			w.Line(pc)
		}
	case InputLive:
		w.Line("Live capture on interface: " + in.Name)
		writeLink(w, in)
		writePcapStats(w, in)
	}
}

// WriteBanner writes the startup banner: the
// program line between two rows of '=', the start date, the flow types
// and the active plugins ("name, version" each).
//
// The Date line carries the real nanoseconds of the start time; T2 0.9.3
// prints its microseconds zero-padded to 9 digits (".000484993").
func WriteBanner(w *Writer, s *State, plugins []string) {
	v, cn := s.version()
	w.Line(lineEq)
	l := "Tranalyzer " + v + " (" + releaseName + "), " + cn + ". PID: " + strconv.Itoa(s.PID) +
		", Prio: " + strconv.Itoa(s.Prio) + ", SID: " + strconv.FormatUint(uint64(s.SensorID), 10)
	if s.HasCPU {
		l += ", CPU: " + strconv.Itoa(s.CPU)
	}
	w.Line(l)
	w.Line(lineEq)
	start := s.Start
	if start.IsZero() {
		start = time.Now()
	}
	w.Line("Date: " + Date(packet.Time(start.UnixNano()), false))
	w.Info("Creating flows for %s", s.FlowTypes.String())
	w.Line("Active plugins:")
	for i, p := range plugins {
		w.Linef("    %02d: %s", i+1, p)
	}
}

// String renders the flow types as the banner lists them:
// "L2, IPv4, IPv6", "L2, IPv6, SCTP [FORCE]", ...
func (f FlowTypes) String() string {
	var b strings.Builder
	if f.L2 {
		b.WriteString("L2, ")
	}
	if f.LAPD {
		b.WriteString("LAPD, ")
	}
	switch {
	case f.IPv4 && f.IPv6:
		b.WriteString("IPv4, IPv6")
	case f.IPv6:
		b.WriteString("IPv6")
	case f.IPv4:
		b.WriteString("IPv4")
	}
	if f.SCTP {
		b.WriteString(", SCTP")
	}
	if f.Alarm {
		b.WriteString(" [ALARM]")
	}
	if f.Force {
		b.WriteString(" [FORCE]")
	}
	return strings.TrimSuffix(b.String(), ", ")
}

// WriteInput writes the startup input lines:
// what is read, the BPF filter, the link layer, the snapshot length and,
// live, the receive buffer length. For -R it announces the list file and
// the current file; call it again with the next file's Input for
// "Processing file no. i of n".
func WriteInput(w *Writer, s *State) {
	in := &s.Input
	switch in.Kind {
	case InputList:
		if in.FileIndex <= 1 {
			w.Line("Processing list file: " + in.Name)
		}
		w.Linef("Processing file no. %d of %d: %s", in.FileIndex, in.FileCount, in.File)
	case InputSeries:
		w.Line("Processing file: " + in.File)
	case InputLive:
		w.Line("Live capture on interface: " + in.Name)
	default:
		w.Line("Processing file: " + in.Name)
	}
	if in.BPF != "" {
		w.Info("BPF: %s", in.BPF)
	}
	writeLink(w, in)
	if in.Kind == InputLive && in.RxBufLen > 0 {
		w.Line("Rx buffer length: " + Num(uint64(in.RxBufLen)))
	}
}

// WriteDumpStart writes "Dump start: <first packet time>" (UTC).
func WriteDumpStart(w *Writer, s *State) {
	w.Line("Dump start: " + Date(s.FirstPacket, true))
}
