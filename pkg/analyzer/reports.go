package analyzer

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/t2go/t2go/pkg/capture"
	"github.com/t2go/t2go/pkg/config"
	"github.com/t2go/t2go/pkg/monitor"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

// setupMonitoring prints the machine header and arms the configured
// trigger (pcap time, or the wall-clock timer at start-up).
func (a *Analyzer) setupMonitoring() {
	m := &a.cfg.mon
	if m.machine {
		a.printMachineHeader()
	}
	a.trig = nil
	if m.pcapTime {
		iv := packet.FromSeconds(m.interval)
		if iv <= 0 {
			iv = 1 // T2: MONINTV <= 0 reports after every packet
		}
		a.trig = &monitor.PcapTrigger{Interval: iv, GapFill: m.gapFill}
	} else if m.startOn {
		a.setPeriodic(true)
	}
}

func (a *Analyzer) printMachineHeader() {
	h := report.MachineHeader(a.baseState())
	if h == a.monHeader {
		return
	}
	a.monHeader = h
	a.mon.Write([]byte(h + "\n"))
	a.mon.Flush()
}

// reload re-reads the monitoring settings (SIGHUP).
func (a *Analyzer) reload() {
	c, err := config.Load(a.opt.Config.Options())
	if err == nil {
		var m monSettings
		if err = m.load(c, a.opt); err == nil {
			wasPcap := a.cfg.mon.pcapTime
			a.cfg.mon = m
			a.opt.Config = c
			if m.machine {
				a.printMachineHeader()
			}
			if m.pcapTime != wasPcap || a.trig != nil {
				a.setupMonitoring()
			} else if a.periodic {
				a.setPeriodic(true)
			}
			a.repW.Info("SIGHUP: monitoring settings reloaded (MONINTV=%g, DIFF_REPORT=%d, MACHINE_REPORT=%d, MONINTTMPCP=%d)",
				m.interval, b2i(m.diff), b2i(m.machine), b2i(m.pcapTime))
			a.rep.Flush()
			return
		}
	}
	a.repW.Warn("SIGHUP: configuration not reloaded, keeping the old settings: %v", err)
	a.rep.Flush()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// gapReport emits a gap-filling report at a pcap-time boundary.
func (a *Analyzer) gapReport(at packet.Time) {
	save := a.actTime
	a.actTime = at
	a.printReport()
	a.actTime = save
}

// printReport prints one monitoring report (machine row or human USR1
// report) from the current counters, then moves the diff snapshot.
func (a *Analyzer) printReport() {
	s := a.reportState(true)
	if a.cfg.mon.machine {
		w := &a.mrec
		w.Reset()
		report.AppendMachineRow(w, s)
		b := append(w.Bytes(), '\n')
		a.mon.Write(b)
	} else {
		report.WriteUSR1(a.monW, s)
	}
	a.mon.Flush()
	a.reportCount++
	if a.cfg.mon.diff {
		*a.prev = *a.c
		a.intervalTS = a.actTime
		a.prevRSSKB = s.PeakRSSKB
		a.prevFill = int64(a.table.Len())
	}
}

// reportState fills a report.State; monitoring selects the interval
// counters (diff mode) and the plugins' monitoring lines.
func (a *Analyzer) reportState(monitoring bool) *report.State {
	s := a.baseState()
	s.C = a.c
	s.Total = a.c
	s.IntervalStart = a.firstTS
	if monitoring && a.cfg.mon.diff {
		a.c.Sub(a.prev, a.diffC)
		s.C = a.diffC
		s.IntervalStart = a.intervalTS
	}
	if a.table.Len() > a.maxFlows {
		a.maxFlows = a.table.Len()
	}
	s.FlowsInMemory = a.table.Len()
	s.MaxFlows = a.maxFlows
	s.Capacity = a.table.Capacity()
	s.PeakRSSKB = peakRSSKB()
	s.PhysMemKB = physMemKB()
	s.MemDeltaKB = s.PeakRSSKB
	s.FillDelta = int64(a.table.Len())
	if monitoring && a.cfg.mon.diff && a.reportCount > 0 {
		s.MemDeltaKB = s.PeakRSSKB - a.prevRSSKB
		s.FillDelta = int64(a.table.Len()) - a.prevFill
	}
	diff := monitoring && a.cfg.mon.diff
	if monitoring {
		s.Plugins = func(w *report.Writer) {
			for _, m := range a.monitors {
				m.MonitorReport(w, diff)
			}
		}
	} else {
		s.Plugins = func(w *report.Writer) {
			for _, r := range a.reporter {
				r.Report(w)
			}
		}
	}
	s.PluginValues = func(w *record.Writer) {
		for _, m := range a.monitors {
			m.MonitorValues(w, diff)
		}
	}
	return s
}

// baseState holds what every report and banner shares.
func (a *Analyzer) baseState() *report.State {
	m := &a.cfg.mon
	s := &report.State{
		Diff:         m.diff,
		Machine:      m.machine,
		Version:      Version,
		Codename:     Codename,
		PID:          os.Getpid(),
		SensorID:     a.cfg.sensorID,
		FirstPacket:  a.firstTS,
		ActTime:      a.actTime,
		Start:        a.start,
		Now:          time.Now(),
		PluginReport: a.cfg.pluginReport,
		L2Protos:     m.l2,
		L3Protos:     m.l3,
		L3Names:      m.names,
		ProtoNames:   m.protoMode,
		FlowTypes:    a.flowTypes(),
		Prio:         priority(),
		CPU:          a.opt.CPU,
		HasCPU:       a.opt.CPUBound,
	}
	if a.src != nil {
		s.Input = a.inputState()
	} else if a.opt.InputKind == InputLive {
		s.Input.Kind = report.InputLive
	}
	for _, mon := range a.monitors {
		s.PluginCols = append(s.PluginCols, mon.MonitorColumns()...)
	}
	return s
}

// flowTypes says which flows are created (banner and header file).
func (a *Analyzer) flowTypes() report.FlowTypes {
	return report.FlowTypes{L2: a.cfg.ethActivate > 0, IPv4: true, IPv6: true}
}

func (a *Analyzer) inputState() report.Input {
	r := a.inputFrom(a.src.Info())
	if st, ok := a.src.Stats(); ok {
		r.HasStats = true
		r.Received, r.Dropped, r.IfDropped = st.Received, st.Dropped, st.IfDropped
	}
	return r
}

// inputFrom converts the capture's description for the report package.
func (a *Analyzer) inputFrom(in capture.Info) report.Input {
	name, desc := capture.LinkTypeName(in.LinkType)
	r := report.Input{
		Kind:      reportKind(in.Kind),
		Name:      in.Name,
		File:      in.File,
		FileIndex: in.FileIndex,
		FileCount: in.FileCount,
		LinkName:  name,
		LinkDesc:  desc,
		LinkType:  capture.DLT(in.LinkType),
		SnapLen:   in.SnapLen,
		TotalSize: in.TotalSize,
		FileSize:  in.FileSize,
		Files:     in.Files,
		BPF:       a.opt.BPF,
	}
	if in.Kind == capture.KindLive {
		r.RxBufLen = a.cfg.bufSize
	}
	return r
}

func reportKind(k capture.Kind) int {
	switch k {
	case capture.KindStdin:
		return report.InputStdin
	case capture.KindList:
		return report.InputList
	case capture.KindSeries:
		return report.InputSeries
	case capture.KindLive:
		return report.InputLive
	}
	return report.InputFile
}

// headerInfo is the preamble of _headers.txt.
func (a *Analyzer) headerInfo() plugin.HeaderInfo {
	now := time.Now()
	var h plugin.HeaderInfo
	host := "-"
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		host = strings.Join([]string{cstr(u.Nodename[:]), cstr(u.Sysname[:]), cstr(u.Release[:]), cstr(u.Version[:]), cstr(u.Machine[:])}, ";")
	}
	h.Lines = []string{
		"# Date: " + report.Date(packet.Time(now.UnixNano()), false),
		fmt.Sprintf("# Tranalyzer %s (Anteater), %s", Version, Codename),
		"# Core configuration: " + a.flowTypes().String(),
		fmt.Sprintf("# SensorID: %d", a.cfg.sensorID),
		fmt.Sprintf("# PID: %d", os.Getpid()),
		fmt.Sprintf("# Priority: %d", priority()),
		"# Command line: " + a.opt.CommandLine,
		"# HW info: " + host,
		"# SW info: t2go " + runtime.Version(),
	}
	for i, n := range a.names {
		nm, ver, _ := strings.Cut(n, ", ")
		h.Plugins = append(h.Plugins, fmt.Sprintf("%02d: %s, version %s", i+1, nm, ver))
	}
	return h
}

func cstr(b []int8) string {
	var s []byte
	for _, c := range b {
		if c == 0 {
			break
		}
		s = append(s, byte(c))
	}
	return string(s)
}

func priority() int {
	p, err := syscall.Getpriority(syscall.PRIO_PROCESS, 0)
	if err != nil {
		return 0
	}
	// The raw syscall returns 20 - nice.
	return 20 - p
}

// peakRSSKB is the process's peak resident set size in KiB.
func peakRSSKB() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Maxrss
}

func physMemKB() int64 {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil {
		return 0
	}
	return int64(si.Totalram) * int64(si.Unit) / 1024
}

// finishRun ends the run: end-of-dump lines, a final machine row,
// release of all flows, the end report and the plugins' files.
func (a *Analyzer) finishRun(loopErr error) error {
	if a.ticker != nil {
		a.ticker.Stop()
	}
	a.prog.clear()
	// The caller prints errors on stderr; the log file gets them too so it
	// tells the whole story.
	if loopErr != nil && a.opt.LogFile {
		a.repW.Error("%v", loopErr)
	}
	end := a.reportState(false)
	if a.cfg.verbose > 0 {
		report.WriteRunEnd(a.repW, end)
	}
	// DECISIONS.md: a final machine row covers the packets after the last
	// periodic report, so differential rows add up to the end totals.
	if a.cfg.mon.machine && a.haveFirst {
		a.printReport()
	}
	a.releaseAll()
	a.closeFlowOut()
	// Make sure the time-out thread of plugins sees the end.
	end = a.reportState(false)
	if a.cfg.verbose > 0 {
		report.WriteEnd(a.repW, end)
	}
	var first error
	for _, f := range a.finish {
		if err := f.Finish(); err != nil && first == nil {
			first = err
		}
	}
	if first != nil && a.opt.LogFile {
		a.repW.Error("%v", first)
	}
	if loopErr != nil {
		return loopErr
	}
	if first == nil && a.damaged > 0 {
		return ErrInputDamaged
	}
	return first
}

// ErrInputDamaged ends a run of a list or series in which some file could
// not be read to its end. Each such file was reported when it happened
// (one line on stderr), so callers need not print this error again.
var ErrInputDamaged = errors.New("some input files are damaged")
