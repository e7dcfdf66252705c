package control

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/t2go/t2go/pkg/capture"
	"github.com/t2go/t2go/pkg/config"
	"github.com/t2go/t2go/pkg/counters"
	"github.com/t2go/t2go/pkg/packet"
	"github.com/t2go/t2go/pkg/plugin"
	"github.com/t2go/t2go/pkg/record"
	"github.com/t2go/t2go/pkg/report"
)

// setupMonitoring prints the machine header and arms the configured
// trigger (pcap time, or the wall-clock timer at start-up).
func (r *Run) setupMonitoring() {
	m := &r.cfg.mon
	if m.machine {
		r.printMachineHeader()
	}
	if r.pool == nil {
		r.eng.SetReportInterval(0, false)
	}
	if m.pcapTime && r.pool != nil {
		// Workers have no common capture clock between batches; on a
		// live link it is the wall clock anyway (docs/monitoring.md).
		r.setPeriodic(true)
	} else if m.pcapTime {
		iv := packet.FromSeconds(m.interval)
		if iv <= 0 {
			iv = 1 // T2: MONINTV <= 0 reports after every packet
		}
		r.eng.SetReportInterval(iv, m.gapFill)
	} else if m.startOn || r.periodic {
		r.setPeriodic(true)
	}
}

func (r *Run) printMachineHeader() {
	h := report.MachineHeader(r.baseState())
	if h == r.monHeader {
		return
	}
	r.monHeader = h
	r.mon.Write([]byte(h + "\n"))
	r.mon.Flush()
}

// reload re-reads the monitoring settings (SIGHUP).
func (r *Run) reload() {
	c, err := config.Load(r.opt.Config.Options())
	if err == nil {
		var m monSettings
		if err = m.load(c, r.opt); err == nil {
			wasPcap := r.cfg.mon.pcapTime
			r.cfg.mon = m
			r.opt.Config = c
			if m.machine {
				r.printMachineHeader()
			}
			if m.pcapTime != wasPcap || m.pcapTime {
				r.setupMonitoring()
			} else if r.periodic {
				r.setPeriodic(true)
			}
			r.repW.Info("SIGHUP: monitoring settings reloaded (MONINTV=%g, DIFF_REPORT=%d, MACHINE_REPORT=%d, MONINTTMPCP=%d)",
				m.interval, b2i(m.diff), b2i(m.machine), b2i(m.pcapTime))
			r.rep.Flush()
			return
		}
	}
	r.repW.Warn("SIGHUP: configuration not reloaded, keeping the old settings: %v", err)
	r.rep.Flush()
}

// printReport prints one monitoring report (machine row or human USR1
// report) from the current counters, then moves the diff snapshot.
func (r *Run) printReport() {
	if r.pool != nil && !r.pool.paused {
		r.pool.stopTheWorld(r.printReport)
		return
	}
	r.prog.clear()
	s := r.reportState(true)
	if r.cfg.mon.machine {
		w := &r.mrec
		w.Reset()
		report.AppendMachineRow(w, s)
		b := append(w.Bytes(), '\n')
		r.mon.Write(b)
	} else {
		report.WriteUSR1(r.monW, s)
	}
	r.mon.Flush()
	r.reportCount++
	if r.cfg.mon.diff {
		*r.prev = *s.Total
		r.intervalTS = r.actTime()
		r.prevRSSKB = s.PeakRSSKB
		r.prevFill = int64(r.flowsInMemory())
	}
}

// reportState fills a report.State; monitoring selects the interval
// counters (diff mode) and the plugins' monitoring lines.
func (r *Run) reportState(monitoring bool) *report.State {
	if r.pool == nil {
		r.eng.Sync() // the plugins' aggregates include every released flow
	}
	s := r.baseState()
	c := r.counters()
	s.C = c
	s.Total = c
	s.IntervalStart, _ = r.firstPacket()
	if monitoring && r.cfg.mon.diff {
		c.Sub(r.prev, r.diffC)
		s.C = r.diffC
		s.IntervalStart = r.intervalTS
	}
	inMem := r.flowsInMemory()
	s.FlowsInMemory = inMem
	s.MaxFlows = int(c.MaxFlows)
	s.Capacity = r.capacity()
	s.PeakRSSKB = peakRSSKB()
	s.PhysMemKB = physMemKB()
	s.MemDeltaKB = s.PeakRSSKB
	s.FillDelta = int64(inMem)
	if monitoring && r.cfg.mon.diff && r.reportCount > 0 {
		s.MemDeltaKB = s.PeakRSSKB - r.prevRSSKB
		s.FillDelta = int64(inMem) - r.prevFill
	}
	diff := monitoring && r.cfg.mon.diff
	if r.pool != nil {
		r.pool.reportPlugins(s, monitoring, diff)
	} else if monitoring {
		s.Plugins = func(w *report.Writer) {
			for _, m := range r.monitors {
				m.MonitorReport(w, diff)
			}
		}
	} else {
		s.Plugins = func(w *report.Writer) {
			for _, r := range r.reporter {
				r.Report(w)
			}
		}
	}
	if r.pool == nil {
		s.PluginValues = func(w *record.Writer) {
			for _, m := range r.monitors {
				m.MonitorValues(w, diff)
			}
		}
	}
	return s
}

// baseState holds what every report and banner shares.
func (r *Run) baseState() *report.State {
	m := &r.cfg.mon
	first, _ := r.firstPacket()
	s := &report.State{
		FirstPacket:  first,
		Diff:         m.diff,
		Machine:      m.machine,
		Version:      Version,
		Codename:     Codename,
		PID:          os.Getpid(),
		SensorID:     r.cfg.sensorID,
		ActTime:      r.actTime(),
		Start:        r.start,
		Now:          time.Now(),
		PluginReport: r.cfg.pluginReport,
		L2Protos:     m.l2,
		L3Protos:     m.l3,
		L3Names:      m.names,
		ProtoNames:   m.protoMode,
		FlowTypes:    r.flowTypes(),
		Prio:         priority(),
		CPU:          r.opt.CPU,
		HasCPU:       r.opt.CPUBound,
	}
	if r.src != nil {
		s.Input = r.inputState()
	} else if r.opt.InputKind == InputLive {
		s.Input.Kind = report.InputLive
	}
	for _, mon := range r.monitors {
		s.PluginCols = append(s.PluginCols, mon.MonitorColumns()...)
	}
	return s
}

// flowTypes says which flows are created (banner and header file).
func (r *Run) flowTypes() report.FlowTypes {
	return report.FlowTypes{L2: r.cfg.ethActivate > 0, IPv4: true, IPv6: true}
}

func (r *Run) inputState() report.Input {
	in := r.inputFrom(r.src.Info())
	st, ok := r.src.Stats()
	if r.pool != nil {
		st, ok = r.pool.stats()
	}
	if ok {
		in.HasStats = true
		in.Received, in.Dropped, in.IfDropped = st.Received, st.Dropped, st.IfDropped
	}
	return in
}

// inputFrom converts the capture's description for the report package.
func (r *Run) inputFrom(in capture.Info) report.Input {
	name, desc := capture.LinkTypeName(in.LinkType)
	out := report.Input{
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
		BPF:       r.opt.BPF,
	}
	if in.Kind == capture.KindLive {
		out.RxBufLen = r.cfg.bufSize
	}
	return out
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
func (r *Run) headerInfo() plugin.HeaderInfo {
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
		"# Core configuration: " + r.flowTypes().String(),
		fmt.Sprintf("# SensorID: %d", r.cfg.sensorID),
		fmt.Sprintf("# PID: %d", os.Getpid()),
		fmt.Sprintf("# Priority: %d", priority()),
		"# Command line: " + r.opt.CommandLine,
		"# HW info: " + host,
		"# SW info: t2go " + runtime.Version(),
	}
	for i, n := range r.names {
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
func (r *Run) finishRun(loopErr error) error {
	if r.ticker != nil {
		r.ticker.Stop()
	}
	r.prog.clear()
	// The caller prints errors on stderr; the log file gets them too so it
	// tells the whole story.
	if loopErr != nil && r.opt.LogFile {
		r.repW.Error("%v", loopErr)
	}
	end := r.reportState(false)
	if r.cfg.verbose > 0 {
		report.WriteRunEnd(r.repW, end)
	}
	// A final machine row covers the packets after the last periodic
	// report, so differential rows add up to the end totals
	// (docs/differences-from-t2.md).
	if _, ok := r.firstPacket(); ok && r.cfg.mon.machine {
		r.printReport()
	}
	if r.pool != nil {
		// The workers ended: their engines are read from here on.
		r.pool.paused = true
		if err := r.pool.finish(); err != nil {
			r.warnOnce("sink", "%v", err)
		}
		r.pool.mergeForFinish()
	} else if err := r.eng.Finish(); err != nil {
		r.warnOnce("sink", "%v", err)
	}
	// Make sure the time-out thread of plugins sees the end.
	end = r.reportState(false)
	if r.cfg.verbose > 0 {
		report.WriteEnd(r.repW, end)
	}
	var first error
	for _, f := range r.finish {
		if err := f.Finish(); err != nil && first == nil {
			first = err
		}
	}
	if first != nil && r.opt.LogFile {
		r.repW.Error("%v", first)
	}
	if loopErr != nil {
		return loopErr
	}
	if !r.pipeGone && (r.mon.readerGone() || r.rep.readerGone()) {
		// Every packet was processed; only the report did not reach
		// its reader.
		fmt.Fprintln(r.opt.Stderr, "[WRN] The reader of stdout went away before the end report: the files are complete")
	}
	if first == nil && r.damaged > 0 {
		return ErrInputDamaged
	}
	if first == nil && r.pipeGone && !r.inputEnd {
		return ErrOutputGone
	}
	return first
}

// counters, firstPacket, actTime, flowsInMemory and capacity describe
// the run: its engine, or its workers' engines together.
func (r *Run) counters() *counters.Counters {
	if r.pool != nil {
		return r.pool.counters()
	}
	return r.eng.Counters()
}

func (r *Run) firstPacket() (packet.Time, bool) {
	if r.pool != nil {
		return r.pool.firstPacket()
	}
	return r.eng.FirstPacket()
}

func (r *Run) actTime() packet.Time {
	if r.pool != nil {
		return r.pool.actTime()
	}
	return r.eng.ActTime()
}

func (r *Run) flowsInMemory() int {
	if r.pool != nil {
		n := 0
		for _, w := range r.pool.ws {
			n += w.eng.FlowsInMemory()
		}
		return n
	}
	return r.eng.FlowsInMemory()
}

func (r *Run) capacity() int {
	if r.pool != nil {
		return r.pool.capacity()
	}
	return r.eng.Table().Capacity()
}
